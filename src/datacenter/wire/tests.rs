//! Parsing quirks of §3: each one a live server (or a fixture from one) was seen to send.

use super::*;

const TEXT: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ26SSdEHBJ+bu3Hs431Qv8oeYIKNrnRG3pwLxyjj/Ua ci@build";

fn grant(key: &str) -> DcGrant {
    serde_json::from_str(&format!(
        r#"{{"key": {key}, "permission": "REPO_WRITE",
            "repository": {{"id": 12, "slug": "api", "name": "api", "project": {{"key": "ACME", "id": 3, "name": "Acme", "type": "NORMAL"}}}},
            "unknownField": [1, 2]}}"#
    ))
    .unwrap()
}

#[test]
fn the_fingerprint_gets_its_sha256_prefix_and_matches_the_key_text() {
    let computed = PublicKey::from_server(TEXT).unwrap().fingerprint();
    let bare = computed.as_str().trim_start_matches("SHA256:");
    let g = grant(&format!(
        r#"{{"id": 17, "text": "{TEXT}", "fingerprint": "{bare}"}}"#
    ));
    assert_eq!(g.key.fingerprint(), Some(computed.clone()));
    // A server that does send the prefix, and one that sends none at all.
    let prefixed = grant(&format!(
        r#"{{"id": 17, "text": "{TEXT}", "fingerprint": "{}"}}"#,
        computed.as_str()
    ));
    assert_eq!(prefixed.key.fingerprint(), Some(computed.clone()));
    let absent = grant(&format!(r#"{{"id": 17, "text": "{TEXT}"}}"#));
    assert_eq!(absent.key.fingerprint(), Some(computed));
}

#[test]
fn last_authenticated_is_an_epoch_millisecond_string() {
    let g = grant(&format!(
        r#"{{"id": 1, "text": "{TEXT}", "lastAuthenticated": "1630041546434"}}"#
    ));
    assert_eq!(g.key.last_authenticated_ms, Some(1_630_041_546_434));
    assert_eq!(
        g.to_access_key().last_used.as_deref(),
        Some("2021-08-27T05:19:06Z")
    );
    for never in [
        r#""lastAuthenticated": null"#,
        r#""lastAuthenticated": """#,
        r#""x": 1"#,
    ] {
        let g = grant(&format!(r#"{{"id": 1, "text": "{TEXT}", {never}}}"#));
        assert_eq!(g.key.last_authenticated_ms, None, "{never}");
        assert_eq!(g.to_access_key().last_used, None);
    }
}

#[test]
fn created_date_reads_as_a_number_or_a_date_time() {
    let number = grant(&format!(
        r#"{{"id": 1, "text": "{TEXT}", "createdDate": 1730000000000}}"#
    ));
    let string = grant(&format!(
        r#"{{"id": 1, "text": "{TEXT}", "createdDate": "2024-10-27T03:33:20Z"}}"#
    ));
    let offset = grant(&format!(
        r#"{{"id": 1, "text": "{TEXT}", "createdDate": "2024-10-27T05:33:20.000+02:00"}}"#
    ));
    assert_eq!(number.key.created_ms, Some(1_730_000_000_000));
    assert_eq!(string.key.created_ms, Some(1_730_000_000_000));
    assert_eq!(offset.key.created_ms, Some(1_730_000_000_000));
    assert_eq!(
        number.to_access_key().created.as_deref(),
        Some("2024-10-27T03:33:20Z")
    );
    // Pre-8.7 keys have none until global expiry is turned on (§3).
    let none = grant(&format!(r#"{{"id": 1, "text": "{TEXT}"}}"#));
    assert_eq!(none.key.created_ms, None);
}

#[test]
fn the_key_text_keeps_its_comment_apart_and_the_grant_knows_its_place() {
    let g = grant(&format!(
        r#"{{"id": 17, "text": "{TEXT}", "label": "ci-deploy", "expiryDays": 90, "bitLength": 256, "algorithmType": "ED25519"}}"#
    ));
    let k = g.to_access_key();
    assert_eq!(k.id, 17);
    assert_eq!(k.key.split(' ').count(), 2);
    assert_eq!(k.comment.as_deref(), Some("ci@build"));
    assert_eq!(k.label, "ci-deploy");
    assert_eq!(k.permission, Permission::Write);
    assert_eq!(k.expiry_days, Some(90));
    assert_eq!(
        g.place(),
        Some(Place::Repository {
            forge: ForgeKind::DataCenter,
            owner: "ACME".into(),
            repo: "api".into()
        })
    );
    let project: DcGrant = serde_json::from_str(&format!(
        r#"{{"key": {{"id": 3, "text": "{TEXT}"}}, "permission": "PROJECT_READ", "project": {{"key": "OPS"}}}}"#
    ))
    .unwrap();
    assert_eq!(project.to_access_key().permission, Permission::Read);
    assert_eq!(
        project.place().map(|p| p.to_string()).as_deref(),
        Some("project OPS")
    );
}

#[test]
fn permissions_map_both_ways_and_unknown_values_do_not_break_reading() {
    let repo = Place::Repository {
        forge: ForgeKind::DataCenter,
        owner: "A".into(),
        repo: "r".into(),
    };
    let project = Place::Project {
        forge: ForgeKind::DataCenter,
        owner: "A".into(),
        project: "A".into(),
    };
    assert_eq!(wire_permission(&repo, Permission::Read), "REPO_READ");
    assert_eq!(wire_permission(&repo, Permission::Write), "REPO_WRITE");
    assert_eq!(wire_permission(&project, Permission::Read), "PROJECT_READ");
    assert_eq!(
        wire_permission(&project, Permission::Write),
        "PROJECT_WRITE"
    );
    for (w, p) in [
        ("REPO_READ", Permission::Read),
        ("PROJECT_WRITE", Permission::Write),
        ("REPO_ADMIN", Permission::Write),
    ] {
        assert_eq!(domain_permission(w), p, "{w}");
    }
}

#[test]
fn usage_answers_read_as_a_page_or_a_bare_array() {
    let item = format!(
        r#"{{"key": {{"id": 5, "text": "{TEXT}"}}, "permission": "PROJECT_READ", "project": {{"key": "OPS"}}}}"#
    );
    let page: PageOrArray<DcGrant> = serde_json::from_str(&format!(
        r#"{{"size":1,"limit":25,"isLastPage":true,"start":0,"values":[{item}]}}"#
    ))
    .unwrap();
    let array: PageOrArray<DcGrant> = serde_json::from_str(&format!("[{item}]")).unwrap();
    match (page, array) {
        (PageOrArray::Page(p), PageOrArray::Array(a)) => {
            assert_eq!(p.values.len(), 1);
            assert_eq!(a.len(), 1);
            assert_eq!(a[0].key.id, 5);
        }
        other => panic!("read the wrong way: {other:?}"),
    }
    let empty: PageOrArray<DcGrant> = serde_json::from_str("[]").unwrap();
    assert!(matches!(empty, PageOrArray::Array(v) if v.is_empty()));
}

#[test]
fn the_last_page_may_say_so_with_a_null_or_absent_next_start() {
    let null: DcPage<DcProject> =
        serde_json::from_str(r#"{"values":[],"isLastPage":true,"nextPageStart":null,"limit":25}"#)
            .unwrap();
    assert_eq!(null.next_page_start, None);
    let more: DcPage<DcProject> = serde_json::from_str(
        r#"{"values":[{"key":"A"}],"isLastPage":false,"nextPageStart":1,"limit":1}"#,
    )
    .unwrap();
    assert_eq!(
        (more.next_page_start, more.limit, more.is_last_page),
        (Some(1), Some(1), Some(false))
    );
}

#[test]
fn expiry_counts_from_the_creation_date() {
    let g = grant(&format!(
        r#"{{"id": 1, "text": "{TEXT}", "createdDate": 1730000000000, "expiryDays": 2}}"#
    ));
    assert_eq!(g.key.expires_ms(), Some(1_730_000_000_000 + 2 * 86_400_000));
    let no_date = grant(&format!(
        r#"{{"id": 1, "text": "{TEXT}", "expiryDays": 2}}"#
    ));
    assert_eq!(no_date.key.expires_ms(), None);
    let no_expiry = grant(&format!(
        r#"{{"id": 1, "text": "{TEXT}", "createdDate": 1}}"#
    ));
    assert_eq!(no_expiry.key.expires_ms(), None);
}
