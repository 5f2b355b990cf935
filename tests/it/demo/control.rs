//! The request budget, the request log, state dumps, determinism and latency.

use bbkeys::demo::{AuthKind, SimOptions, credentials as cred};
use reqwest::Method;
use serde_json::Value;

use super::{harness, harness_with};

#[tokio::test]
async fn budget_gives_429_in_both_shapes_then_resets() {
    let h = harness_with(SimOptions {
        request_budget: Some(3),
        ..SimOptions::default()
    })
    .await;
    for _ in 0..3 {
        assert_eq!(h.get("/user").await.status(), 200);
    }
    let mut shapes = Vec::new();
    for _ in 0..4 {
        let r = h.get("/user").await;
        assert_eq!(r.status(), 429);
        let retry = r
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap().to_string());
        let json = r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json");
        let body = r.text().await.unwrap();
        assert!(body.contains("Rate limit for this resource has been exceeded"));
        shapes.push((json, retry));
    }
    assert_eq!(
        shapes,
        [
            (false, Some("1".into())),
            (true, Some("1".into())),
            (false, None),
            (true, None)
        ]
    );
    // The control API is not rate limited.
    assert_eq!(h.sim.control().budget(), (3, Some(3)));
    let r = h
        .http
        .get(format!("{}/_sim/budget", h.sim.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["used"], 3);
    h.sim.control().reset_budget();
    assert_eq!(h.get("/user").await.status(), 200);
}

#[tokio::test]
async fn budget_window_slides() {
    let h = harness_with(SimOptions {
        request_budget: Some(1),
        budget_window: std::time::Duration::from_millis(500),
        ..SimOptions::default()
    })
    .await;
    assert_eq!(h.get("/user").await.status(), 200);
    assert_eq!(h.get("/user").await.status(), 429);
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    assert_eq!(h.get("/user").await.status(), 200);
}

#[tokio::test]
async fn request_log_records_and_clears() {
    let h = harness().await;
    h.get("/user").await;
    h.anon(Method::GET, "/repositories/acme?role=admin")
        .send()
        .await
        .unwrap();
    h.anon(Method::GET, "/user")
        .bearer_auth(cred::ACCESS_TOKEN)
        .send()
        .await
        .unwrap();
    let log = h.sim.control().log();
    assert_eq!(log.len(), 3);
    assert_eq!(
        (log[0].method.as_str(), log[0].path.as_str(), log[0].status),
        ("GET", "/2.0/user", 200)
    );
    assert_eq!(log[0].auth, AuthKind::Basic);
    assert_eq!(log[0].principal.as_deref(), Some(cred::EMAIL));
    assert_eq!(log[1].query.as_deref(), Some("role=admin"));
    assert_eq!((log[1].auth, log[1].status), (AuthKind::None, 401));
    assert_eq!(log[2].auth, AuthKind::Bearer);
    assert!(log.windows(2).all(|w| w[0].seq < w[1].seq));

    let over_http: Vec<bbkeys::demo::LogEntry> = h
        .http
        .get(format!("{}/_sim/log", h.sim.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(over_http, log);
    h.http
        .delete(format!("{}/_sim/log", h.sim.base_url()))
        .send()
        .await
        .unwrap();
    assert!(h.sim.control().log().is_empty());
}

#[tokio::test]
async fn state_dump_over_http_matches_control_and_starts_are_deterministic() {
    let a = harness().await;
    let b = harness_with(SimOptions {
        seed: 7,
        ..SimOptions::default()
    })
    .await;
    let dump: bbkeys::demo::StateDump = a
        .http
        .get(format!("{}/_sim/state", a.sim.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(dump, a.sim.control().dump());
    assert_eq!(dump, b.sim.control().dump());
    // And the API renders the same bytes for the same data.
    for path in [
        "/repositories/acme?pagelen=100",
        "/repositories/globex/core-engine/deploy-keys",
        "/user",
    ] {
        let x = a.get(path).await.text().await.unwrap();
        let y = b.get(path).await.text().await.unwrap();
        let port = |s: &str, h: &super::Harness| s.replace(&h.sim.base_url(), "ORIGIN");
        assert_eq!(port(&x, &a), port(&y, &b), "{path}");
    }
}

#[tokio::test]
async fn latency_applies_to_api_requests() {
    let h = harness().await;
    h.sim
        .control()
        .set_latency(std::time::Duration::from_millis(40));
    let t = std::time::Instant::now();
    assert_eq!(h.get("/user").await.status(), 200);
    assert!(t.elapsed() >= std::time::Duration::from_millis(40));
    assert_eq!(
        h.sim.control().latency(),
        std::time::Duration::from_millis(40)
    );
}

#[tokio::test]
async fn last_used_is_set_over_http_on_repository_and_project_keys() {
    let h = harness().await;
    let c = h.sim.control();
    let dump = c.dump();
    let w = dump.workspace("acme").unwrap();
    let repo = w.repositories.iter().find(|r| !r.keys.is_empty()).unwrap();
    let project = w.projects.iter().find(|p| !p.keys.is_empty()).unwrap();
    let at = "2026-12-01T10:00:00.000000+00:00";
    let post = |body: Value| {
        h.http
            .post(format!("{}/_sim/last-used", h.sim.base_url()))
            .json(&body)
            .send()
    };
    let r = post(serde_json::json!({
        "workspace": "acme", "repository": repo.slug, "id": repo.keys[0].id, "last_used": at
    }))
    .await
    .unwrap();
    assert_eq!(r.status(), 204);
    let r = post(serde_json::json!({
        "workspace": "acme", "project": project.key, "id": project.keys[0].id, "last_used": at
    }))
    .await
    .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(
        c.keys_of("acme", &repo.slug)[0].last_used.as_deref(),
        Some(at)
    );
    assert_eq!(
        c.project_keys_of("acme", &project.key)[0]
            .last_used
            .as_deref(),
        Some(at)
    );
    // The project's key list shows it, as Bitbucket's does.
    let listed: Value = h
        .get(&format!(
            "/workspaces/acme/projects/{}/deploy-keys",
            project.key
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed["values"][0]["last_used"], at, "{listed}");
    let r = post(serde_json::json!({
        "workspace": "acme", "repository": repo.slug, "project": project.key,
        "id": 1, "last_used": at
    }))
    .await
    .unwrap();
    assert_eq!(r.status(), 400, "a repository or a project, not both");
}
