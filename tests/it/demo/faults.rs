//! Every fault action, before and after processing.

use std::time::{Duration, Instant};

use bbkeys::demo::{Fault, FaultAction, SimOptions};
use reqwest::Method;
use serde_json::{Value, json};

use super::{harness, harness_with, key_line};

#[tokio::test]
async fn status_fault_fires_n_times_with_an_html_body() {
    let h = harness().await;
    let id = h.sim.control().add_fault(
        Fault::prefix("/2.0/user", FaultAction::html(503))
            .method("GET")
            .times(2),
    );
    for _ in 0..2 {
        let r = h.get("/user").await;
        assert_eq!(r.status(), 503);
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        assert!(r.text().await.unwrap().contains("<html>"));
    }
    assert_eq!(h.get("/user").await.status(), 200);
    let faults = h.sim.control().faults();
    assert_eq!((faults[0].id, faults[0].fired), (id, 2));
    let log = h.sim.control().log();
    assert_eq!(
        log.iter().map(|e| e.status).collect::<Vec<_>>(),
        [503, 503, 200]
    );
    assert_eq!(log[0].faults, [id]);
    assert!(log[2].faults.is_empty());
}

#[tokio::test]
async fn method_and_glob_select_requests() {
    let h = harness().await;
    h.sim.control().add_fault(
        Fault::glob(
            "/2.0/repositories/*/*/deploy-keys",
            FaultAction::json_error(500, "boom"),
        )
        .method("POST"),
    );
    assert_eq!(
        h.get("/repositories/acme/api/deploy-keys").await.status(),
        200
    );
    let r = h
        .post_key("/repositories/acme/sandbox/deploy-keys", &key_line(34), "x")
        .await;
    assert_eq!(r.status(), 500);
    assert_eq!(r.json::<Value>().await.unwrap()["error"]["message"], "boom");
    // Before processing: nothing was stored.
    assert!(h.sim.control().keys_of("acme", "sandbox").is_empty());
    // A project path does not match the repository glob.
    let r = h
        .post_key(
            "/workspaces/acme/projects/DATA/deploy-keys",
            &key_line(34),
            "x",
        )
        .await;
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn after_processing_the_change_lands_but_the_answer_is_lost() {
    let h = harness().await;
    h.sim.control().add_fault(
        Fault::prefix(
            "/2.0/repositories/acme/sandbox/deploy-keys",
            FaultAction::html(502),
        )
        .method("POST")
        .once()
        .after(),
    );
    let r = h
        .post_key(
            "/repositories/acme/sandbox/deploy-keys",
            &key_line(35),
            "lost-answer",
        )
        .await;
    assert_eq!(r.status(), 502);
    let stored = h.sim.control().keys_of("acme", "sandbox");
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].label, "lost-answer");
    // A retry then meets the duplicate refusal, which the client must treat as success.
    let r = h
        .post_key(
            "/repositories/acme/sandbox/deploy-keys",
            &key_line(35),
            "lost-answer",
        )
        .await;
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn delay_holds_the_answer() {
    let h = harness().await;
    h.sim
        .control()
        .add_fault(Fault::prefix("/2.0/user", FaultAction::Delay { ms: 60 }).once());
    let t = Instant::now();
    assert_eq!(h.get("/user").await.status(), 200);
    assert!(t.elapsed() >= Duration::from_millis(60));
}

#[tokio::test]
async fn hang_until_released_in_process_and_over_http() {
    let h = harness().await;
    let c = h.sim.control().clone();
    c.add_fault(Fault::prefix("/2.0/user", FaultAction::Hang).times(2));
    let req = h.req(Method::GET, "/user");
    let pending = tokio::spawn(async move { req.send().await.map(|r| r.status()) });
    assert!(c.wait_hung(1, Duration::from_secs(5)).await);
    assert!(!pending.is_finished());
    assert_eq!(c.release_all(), 1);
    assert_eq!(pending.await.unwrap().unwrap(), 200);

    // After processing: the DELETE is applied while the client still waits.
    let id = c.keys_of("acme", "api")[0].id;
    c.add_fault(
        Fault::prefix("/2.0/repositories/acme/api/deploy-keys/", FaultAction::Hang)
            .method("DELETE")
            .after(),
    );
    let req = h.req(
        Method::DELETE,
        &format!("/repositories/acme/api/deploy-keys/{id}"),
    );
    let pending = tokio::spawn(async move { req.send().await.map(|r| r.status()) });
    assert!(c.wait_hung(1, Duration::from_secs(5)).await);
    assert!(c.keys_of("acme", "api").iter().all(|k| k.id != id));
    let r = h
        .http
        .post(format!("{}/_sim/release", h.sim.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["released"], 1);
    assert_eq!(pending.await.unwrap().unwrap(), 204);

    // A short client timeout gives up on a hung request; shutdown still completes.
    let quick = reqwest::Client::builder()
        .timeout(Duration::from_millis(100))
        .build()
        .unwrap();
    let err = quick
        .get(format!("{}/user", h.sim.api_url()))
        .basic_auth(
            bbkeys::demo::credentials::EMAIL,
            Some(bbkeys::demo::credentials::TOKEN),
        )
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout());
    tokio::time::timeout(Duration::from_secs(5), h.sim.shutdown())
        .await
        .unwrap();
}

#[tokio::test]
async fn drop_mid_body_breaks_the_transfer() {
    let h = harness().await;
    h.sim.control().add_fault(
        Fault::prefix(
            "/2.0/repositories/acme",
            FaultAction::DropMidBody { bytes: 40 },
        )
        .after(),
    );
    let r = h.get("/repositories/acme?pagelen=100").await;
    assert_eq!(r.status(), 200, "headers arrive");
    assert!(r.bytes().await.is_err(), "the body does not");
    // Before processing, too.
    h.sim.control().clear_faults();
    h.sim.control().add_fault(Fault::prefix(
        "/2.0/user",
        FaultAction::DropMidBody { bytes: 10 },
    ));
    let r = h.get("/user").await;
    assert!(r.json::<Value>().await.is_err());
}

#[tokio::test]
async fn close_before_headers_gives_no_response_at_all() {
    let h = harness().await;
    h.sim
        .control()
        .add_fault(Fault::prefix("/2.0/user", FaultAction::CloseBeforeHeaders).once());
    let err = h.req(Method::GET, "/user").send().await.unwrap_err();
    assert!(!err.is_timeout(), "{err:?}");
    assert_eq!(
        h.get("/user").await.status(),
        200,
        "the next connection works"
    );
    assert_eq!(h.sim.control().log()[0].status, 0);
}

#[tokio::test]
async fn malformed_and_truncated_json() {
    let h = harness().await;
    h.sim
        .control()
        .add_fault(Fault::prefix("/2.0/user/workspaces", FaultAction::malformed_json()).once());
    let r = h.get("/user/workspaces").await;
    assert_eq!(r.status(), 200);
    assert!(r.json::<Value>().await.is_err());

    let full = h
        .get("/repositories/acme/api/deploy-keys")
        .await
        .bytes()
        .await
        .unwrap();
    h.sim.control().add_fault(
        Fault::prefix(
            "/2.0/repositories/acme/api/deploy-keys",
            FaultAction::TruncateJson,
        )
        .once(),
    );
    let r = h.get("/repositories/acme/api/deploy-keys").await;
    assert_eq!(r.status(), 200);
    let cut = r.bytes().await.unwrap();
    assert_eq!(cut.len(), full.len() / 2);
    assert!(serde_json::from_slice::<Value>(&cut).is_err());
}

#[tokio::test]
async fn foreign_next_link_and_redirect() {
    let h = harness().await;
    h.sim.control().add_fault(
        Fault::prefix(
            "/2.0/repositories/acme",
            FaultAction::ForeignNext {
                origin: "https://evil.example".into(),
            },
        )
        .once(),
    );
    let page = h.get_json("/repositories/acme?pagelen=10").await;
    let next = page["next"].as_str().unwrap();
    assert!(
        next.starts_with("https://evil.example/2.0/repositories/acme?"),
        "{next}"
    );
    // On the last page (no next of its own) one is made up.
    h.sim.control().add_fault(
        Fault::prefix(
            "/2.0/user/workspaces",
            FaultAction::ForeignNext {
                origin: "http://10.0.0.1:9".into(),
            },
        )
        .once(),
    );
    assert!(
        h.get_json("/user/workspaces").await["next"]
            .as_str()
            .unwrap()
            .starts_with("http://10.0.0.1:9/2.0/user/workspaces")
    );

    h.sim.control().add_fault(
        Fault::prefix(
            "/2.0/user",
            FaultAction::Redirect {
                status: 307,
                location: "https://elsewhere.example/2.0/user".into(),
            },
        )
        .once(),
    );
    let r = h.get("/user").await;
    assert_eq!(r.status(), 307);
    assert_eq!(
        r.headers()["location"],
        "https://elsewhere.example/2.0/user"
    );
}

#[tokio::test]
async fn label_override_injects_hostile_labels() {
    let h = harness().await;
    let long = "x".repeat(10_000);
    h.sim.control().add_fault(
        Fault::prefix(
            "/2.0/repositories/acme/api/deploy-keys",
            FaultAction::label(&long),
        )
        .once(),
    );
    let page = h.get_json("/repositories/acme/api/deploy-keys").await;
    assert!(
        page["values"]
            .as_array()
            .unwrap()
            .iter()
            .all(|k| k["label"].as_str().unwrap().len() == 10_000)
    );

    let evil = "\u{1b}]52;c;cm0gLXJmIH4=\u{7}\u{1b}[2J pwned";
    h.sim.control().add_fault(
        Fault::prefix(
            "/2.0/repositories/acme/api/deploy-keys/",
            FaultAction::label(evil),
        )
        .once(),
    );
    let id = h.sim.control().keys_of("acme", "api")[0].id;
    let one = h
        .get_json(&format!("/repositories/acme/api/deploy-keys/{id}"))
        .await;
    assert_eq!(one["label"], evil);
    // The stored label is untouched.
    assert_ne!(h.sim.control().keys_of("acme", "api")[0].label, evil);
}

#[tokio::test]
async fn probability_is_deterministic_per_seed() {
    async fn pattern(seed: u64) -> Vec<u16> {
        let h = harness_with(SimOptions {
            seed,
            ..SimOptions::default()
        })
        .await;
        h.sim
            .control()
            .add_fault(Fault::prefix("/2.0/user", FaultAction::html(503)).probability(0.5));
        let mut out = Vec::new();
        for _ in 0..24 {
            out.push(h.get("/user").await.status().as_u16());
        }
        out
    }
    let a = pattern(11).await;
    assert_eq!(a, pattern(11).await);
    assert!(a.contains(&503) && a.contains(&200), "{a:?}");
    assert_ne!(a, pattern(12).await);
}

#[tokio::test]
async fn faults_over_http() {
    let h = harness().await;
    let base = h.sim.base_url();
    let fault = json!({
        "method": "GET",
        "path": {"prefix": "/2.0/user"},
        "times": 1,
        "action": {"type": "respond", "status": 503, "body": "down", "content_type": "text/plain"}
    });
    let r = h
        .http
        .post(format!("{base}/_sim/faults"))
        .json(&fault)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let id = r.json::<Value>().await.unwrap()["id"].as_u64().unwrap();
    let listed: Value = h
        .http
        .get(format!("{base}/_sim/faults"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed[0]["id"], id);
    assert_eq!(h.get("/user").await.text().await.unwrap(), "down");
    let second = h
        .http
        .post(format!("{base}/_sim/faults"))
        .json(&fault)
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    let r = h
        .http
        .delete(format!("{base}/_sim/faults/{}", second["id"]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(h.get("/user").await.status(), 200);
    h.http
        .delete(format!("{base}/_sim/faults"))
        .send()
        .await
        .unwrap();
    assert!(h.sim.control().faults().is_empty());
}
