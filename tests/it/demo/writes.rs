//! Adding, changing and deleting keys, with the server's refusals (§4).

use reqwest::Method;
use serde_json::{Value, json};

use super::{fingerprint, harness, key_line, message};

const SANDBOX: &str = "/repositories/acme/sandbox/deploy-keys";

#[tokio::test]
async fn post_answers_200_and_stores_the_key_without_its_comment() {
    let h = harness().await;
    let line = key_line(24);
    let r = h
        .post_key(SANDBOX, &format!("{line} extra words"), "ci-new")
        .await;
    assert_eq!(r.status(), 200, "POST answers 200, not 201");
    let v: Value = r.json().await.unwrap();
    let (ty, rest) = line.split_once(' ').unwrap();
    let b64 = rest.split(' ').next().unwrap();
    assert_eq!(v["key"], format!("{ty} {b64}"));
    assert_eq!(v["comment"], "nightly-24@demo.example extra words");
    assert_eq!(v["label"], "ci-new");
    assert_eq!(v["last_used"], Value::Null);
    assert_eq!(v["type"], "deploy_key");
    let stored = h.sim.control().keys_of("acme", "sandbox");
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].id, v["id"].as_u64().unwrap());
    assert_eq!(stored[0].fingerprint, fingerprint(24));
    assert!(!stored[0].key.contains("demo.example"));
    // Ids are unique across the whole server.
    let dump = h.sim.control().dump();
    let mut ids: Vec<u64> = dump
        .repo_keys()
        .map(|(_, _, k)| k.id)
        .chain(dump.project_keys().map(|(_, _, k)| k.id))
        .collect();
    let n = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), n);
    // A key without a comment has none.
    let r = h
        .post_key(
            SANDBOX,
            &format!("{ty} {}", key_line(25).split(' ').nth(1).unwrap()),
            "bare",
        )
        .await;
    assert_eq!(r.status(), 200);
    assert!(r.json::<Value>().await.unwrap().get("comment").is_none());
}

#[tokio::test]
async fn post_without_json_content_type_is_the_misleading_invalid_key() {
    let h = harness().await;
    let body = json!({"key": key_line(26), "label": "x"}).to_string();
    for content_type in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
    ] {
        let mut rb = h.req(Method::POST, SANDBOX).body(body.clone());
        if let Some(ct) = content_type {
            rb = rb.header("content-type", ct);
        }
        let r = rb.send().await.unwrap();
        assert_eq!(r.status(), 400, "{content_type:?}");
        assert_eq!(
            message(&r.json::<Value>().await.unwrap()),
            "That access key is invalid."
        );
    }
    assert!(h.sim.control().keys_of("acme", "sandbox").is_empty());
    let r = h
        .req(Method::POST, SANDBOX)
        .header("content-type", "application/json; charset=utf-8")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn refusals_duplicate_account_key_weak_and_malformed() {
    let h = harness().await;
    let line = key_line(27);
    assert_eq!(h.post_key(SANDBOX, &line, "first").await.status(), 200);
    // Same blob, other comment and label: still the same key.
    let (ty, rest) = line.split_once(' ').unwrap();
    let again = format!("{ty} {} other@host", rest.split(' ').next().unwrap());
    let r = h.post_key(SANDBOX, &again, "second").await;
    assert_eq!(r.status(), 400);
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        v["error"]["fields"]["key"][0],
        "Someone has already added that access key to this repository."
    );
    // The same key on another repository is fine.
    assert_eq!(
        h.post_key("/repositories/acme/api/deploy-keys", &line, "first")
            .await
            .status(),
        200
    );

    // Lines 41-43 are on the demo user's account.
    let r = h.post_key(SANDBOX, &key_line(41), "mine").await;
    assert_eq!(r.status(), 400);
    assert_eq!(
        message(&r.json::<Value>().await.unwrap()),
        "Someone has already registered that SSH key."
    );

    for bad in [
        key_line(103),
        "ssh-ed25519 AAAA".to_string(),
        "not a key".to_string(),
        format!("{}\n{}", key_line(28), key_line(29)),
    ] {
        let r = h.post_key(SANDBOX, &bad, "bad").await;
        assert_eq!(r.status(), 400, "{bad}");
        assert_eq!(
            message(&r.json::<Value>().await.unwrap()),
            "That access key is invalid."
        );
    }
    let r = h
        .req(Method::POST, SANDBOX)
        .json(&json!({"label": "no key"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    // RSA-2048 and DSA are still accepted by the server (the client should warn).
    assert_eq!(
        h.post_key(SANDBOX, &key_line(102), "rsa2048")
            .await
            .status(),
        200
    );
    assert_eq!(
        h.post_key(SANDBOX, &key_line(107), "dsa").await.status(),
        200
    );
    assert_eq!(h.sim.control().keys_of("acme", "sandbox").len(), 3);
}

#[tokio::test]
async fn put_changes_the_label_but_never_the_blob() {
    let h = harness().await;
    let before = h.sim.control().keys_of("acme", "api")[0].clone();
    h.sim
        .control()
        .set_last_used(
            "acme",
            "api",
            before.id,
            Some("2026-11-27T10:00:00.000000+00:00"),
        )
        .unwrap();
    let path = format!("/repositories/acme/api/deploy-keys/{}", before.id);
    let same_blob = format!("{} renamed@host", before.key);
    let r = h
        .req(Method::PUT, &path)
        .json(&json!({"key": same_blob, "label": "relabelled"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["label"], "relabelled");
    assert_eq!(v["comment"], "renamed@host");
    assert_eq!(v["id"], before.id);
    assert_eq!(v["created_on"], before.created_on);
    assert_eq!(v["last_used"], "2026-11-27T10:00:00.000000+00:00");

    let r = h
        .req(Method::PUT, &path)
        .json(&json!({"key": key_line(30), "label": "swap"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(
        message(&r.json::<Value>().await.unwrap()),
        "For security reasons, you can't modify the contents of an access key. To update, delete and re-add the key."
    );
    let r = h
        .req(Method::PUT, &path)
        .body(json!({"label": "no header"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(
        message(&r.json::<Value>().await.unwrap()),
        "That access key is invalid."
    );
    let after = h.sim.control().keys_of("acme", "api")[0].clone();
    assert_eq!(
        (after.label.as_str(), after.key.as_str()),
        ("relabelled", before.key.as_str())
    );
}

#[tokio::test]
async fn project_keys_add_delete_and_refuse_put() {
    let h = harness().await;
    let list = "/workspaces/acme/projects/DATA/deploy-keys";
    let r = h.post_key(list, &key_line(31), "data-readonly").await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["type"], "project_deploy_key");
    assert_eq!(v["project"]["key"], "DATA");
    assert!(v.get("repository").is_none());
    let item = format!("{list}/{}", v["id"]);
    let r = h
        .req(Method::PUT, &item)
        .json(&json!({"label": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    assert_eq!(h.post_key(list, &key_line(31), "again").await.status(), 400);
    let r = h.req(Method::DELETE, &item).send().await.unwrap();
    assert_eq!(r.status(), 204);
    assert!(h.sim.control().project_keys_of("acme", "DATA").is_empty());
}

#[tokio::test]
async fn delete_is_204_then_404() {
    let h = harness().await;
    let id = h.sim.control().keys_of("acme", "web-frontend")[0].id;
    let path = format!("/repositories/acme/web-frontend/deploy-keys/{id}");
    let r = h.req(Method::DELETE, &path).send().await.unwrap();
    assert_eq!(r.status(), 204);
    assert!(r.bytes().await.unwrap().is_empty());
    assert_eq!(h.get(&path).await.status(), 404);
    assert_eq!(
        h.req(Method::DELETE, &path).send().await.unwrap().status(),
        404
    );
    assert!(
        h.sim
            .control()
            .keys_of("acme", "web-frontend")
            .iter()
            .all(|k| k.id != id)
    );
}

#[tokio::test]
async fn control_plants_keys_and_resets_data() {
    let h = harness().await;
    let c = h.sim.control();
    let planted = c
        .add_key("acme", "sandbox", &key_line(104), "weak-on-purpose")
        .unwrap();
    assert_eq!(planted.fingerprint, fingerprint(104));
    assert_eq!(
        c.add_key("acme", "sandbox", &key_line(104), "x"),
        Err(bbkeys::demo::ControlError::Duplicate)
    );
    assert!(c.add_key("acme", "nosuch", &key_line(104), "x").is_err());
    let page = h.get_json("/repositories/acme/sandbox/deploy-keys").await;
    assert_eq!(page["values"][0]["label"], "weak-on-purpose");

    let r = h
        .http
        .post(format!("{}/_sim/keys", h.sim.base_url()))
        .json(&json!({"workspace": "acme", "project": "OPS", "key": key_line(32), "label": "planted"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(c.project_keys_of("acme", "OPS").len(), 2);
    c.remove_key("acme", "sandbox", planted.id).unwrap();
    assert!(c.keys_of("acme", "sandbox").is_empty());
    let fresh = c.dump();
    h.post_key(SANDBOX, &key_line(33), "x").await;
    assert_ne!(c.dump(), fresh);
    let r = h
        .http
        .post(format!("{}/_sim/reset", h.sim.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let reset = c.dump();
    assert!(reset.repo("acme", "sandbox").unwrap().keys.is_empty());
    assert_eq!(reset.project_keys().count(), 6);
}
