//! Contract tests against Atlassian's OpenAPI extract, vendored under `tests/fixtures/contract/`.

use std::path::PathBuf;

use bbkeys::bitbucket::models::*;
use bbkeys::bitbucket::scopes::Operation;

/// The extract vendored under `tests/fixtures/contract/`, so that a fresh clone needs nothing
/// beside it (see the README there for its source and revision).
fn vendored_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/contract/bitbucket-openapi-extract.json")
}

fn spec() -> serde_json::Value {
    let path = vendored_path();
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("the vendored API contract {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

#[test]
fn vendored_extract_names_its_source_and_revision() {
    let spec = spec();
    let meta = &spec["_meta"];
    assert_eq!(meta["x-revision"], "27d71c15e7e6");
    assert_eq!(meta["openapi"], "3.0.0");
    assert!(
        meta["source_sha256"]
            .as_str()
            .is_some_and(|s| s.len() == 64),
        "the extract names the digest of the document it was cut from"
    );
}

/// The team keeps the contract in `../shared/` beside the checkout; where that folder exists
/// (our machines and CI), the vendored copy must be the same bytes, so the two cannot drift.
#[test]
fn vendored_extract_matches_the_shared_copy() {
    let shared =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/bitbucket-openapi-extract.json");
    let vendored = std::fs::read(vendored_path()).unwrap();
    match std::fs::read(&shared) {
        Ok(theirs) => assert!(
            theirs == vendored,
            "tests/fixtures/contract/bitbucket-openapi-extract.json differs from {}: copy the new extract over the vendored one",
            shared.display()
        ),
        // A fresh clone has no ../shared: the vendored copy is then the only contract, and
        // it must at least be the extract (checked by the test above) and not empty.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => assert!(vendored.len() > 10_000),
        Err(e) => panic!("{}: {e}", shared.display()),
    }
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
