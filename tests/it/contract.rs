//! Contract tests against Atlassian's OpenAPI extract (`../shared/bitbucket-openapi-extract.json`).

use std::path::PathBuf;

use bbkeys::bitbucket::models::*;
use bbkeys::bitbucket::scopes::Operation;

fn spec() -> serde_json::Value {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/bitbucket-openapi-extract.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "the API contract {} must sit beside the checkout: {e}",
            path.display()
        )
    });
    serde_json::from_str(&text).unwrap()
}

fn example<'a>(spec: &'a serde_json::Value, path: &str, method: &str) -> &'a serde_json::Value {
    let ex =
        &spec["paths"][path][method]["responses"]["200"]["content"]["application/json"]["examples"];
    let first = ex
        .as_object()
        .and_then(|o| o.values().next())
        .unwrap_or_else(|| panic!("no example for {method} {path}"));
    &first["value"]
}

#[test]
fn every_operation_exists_in_the_spec_and_is_not_deprecated() {
    let spec = spec();
    for op in Operation::ALL {
        let (method, path) = op.endpoint();
        let entry = &spec["paths"][path][method.to_lowercase()];
        assert!(
            entry.is_object(),
            "{op:?}: {method} {path} is not in the OpenAPI extract"
        );
        assert_ne!(
            entry["deprecated"],
            serde_json::Value::Bool(true),
            "{op:?}: {method} {path} is deprecated"
        );
    }
}

#[test]
fn the_removed_endpoints_are_deprecated_in_the_spec_and_never_called() {
    let spec = spec();
    for path in [
        "/workspaces",
        "/repositories",
        "/user/permissions/workspaces",
        "/user/permissions/repositories",
    ] {
        assert_eq!(
            spec["paths"][path]["get"]["deprecated"],
            serde_json::Value::Bool(true),
            "{path}"
        );
        assert!(
            Operation::ALL.iter().all(|op| op.endpoint().1 != path),
            "{path} must never be called"
        );
    }
}

#[test]
fn spec_examples_decode_into_our_models() {
    let spec = spec();
    let list: Page<DeployKey> = serde_json::from_value(
        example(
            &spec,
            "/repositories/{workspace}/{repo_slug}/deploy-keys",
            "get",
        )
        .clone(),
    )
    .unwrap();
    assert!(!list.values.is_empty());
    assert!(list.values[0].key.starts_with("ssh-"));
    for (path, method) in [
        ("/repositories/{workspace}/{repo_slug}/deploy-keys", "post"),
        (
            "/repositories/{workspace}/{repo_slug}/deploy-keys/{key_id}",
            "get",
        ),
        (
            "/repositories/{workspace}/{repo_slug}/deploy-keys/{key_id}",
            "put",
        ),
        (
            "/workspaces/{workspace}/projects/{project_key}/deploy-keys",
            "post",
        ),
    ] {
        let key: DeployKey = serde_json::from_value(example(&spec, path, method).clone())
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        assert!(!key.key.is_empty(), "{method} {path}");
    }
    let plist: Page<DeployKey> = serde_json::from_value(
        example(
            &spec,
            "/workspaces/{workspace}/projects/{project_key}/deploy-keys",
            "get",
        )
        .clone(),
    )
    .unwrap();
    assert!(plist.values.iter().all(|k| k.project.is_some()));
    // The spec's example for a single project key wrongly shows a paginated wrapper
    // (bitbucket-api.md §3): it is checked to still be that wrapper, and otherwise skipped.
    let single = example(
        &spec,
        "/workspaces/{workspace}/projects/{project_key}/deploy-keys/{key_id}",
        "get",
    );
    assert!(
        single.get("values").is_some(),
        "the spec's single-project-key example changed; decode it as DeployKey now"
    );

    let ws: Page<WorkspaceAccess> =
        serde_json::from_value(example(&spec, "/user/workspaces", "get").clone()).unwrap();
    assert!(!ws.values.is_empty() && !ws.values[0].workspace.slug.is_empty());
}

#[test]
fn spec_repository_schema_fields_decode() {
    // The extract has no repository-listing example; a payload built from the schema's
    // property names must decode.
    let spec = spec();
    let props = spec["components"]["schemas"]["repository"]["allOf"]
        .as_array()
        .and_then(|a| a.iter().find_map(|s| s.get("properties")))
        .cloned()
        .unwrap_or_else(|| spec["components"]["schemas"]["repository"]["properties"].clone());
    for field in ["full_name", "name", "uuid", "project"] {
        assert!(
            props.get(field).is_some(),
            "repository schema lacks {field}"
        );
    }
    let r: Repository = serde_json::from_value(serde_json::json!({
        "type": "repository", "full_name": "acme/api", "name": "api", "uuid": "{1}",
        "project": {"type": "project", "key": "API", "name": "Api", "uuid": "{2}"}
    }))
    .unwrap();
    assert_eq!(r.normalise().slug, "api");
}
