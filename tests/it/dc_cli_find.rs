//! `keys find` on Data Center: the two usage lookups when they answer something, the
//! administered repositories read one by one only when they answer nothing or are refused,
//! the full walk on `--thorough`, and a result that always says it is limited to what the
//! credential may see (issue 17; issue 21: "where used" costs at most 2 requests).

use bbkeys::demo::datacenter::credentials as cred;
use bbkeys::demo::{Fault, FaultAction};

use crate::common::{stderr, stdout};
use crate::dc_cli::{code, dana, requests, run, sim};

/// The demo repository admin over Bearer: she administers ACME/web and no project.
fn rita(sim: &bbkeys::demo::datacenter::DcSimulator) -> Vec<(&'static str, String)> {
    vec![
        ("BBKEYS_FORGE", "datacenter".into()),
        ("BBKEYS_API_URL", sim.api_url()),
        ("BBKEYS_ACCESS_TOKEN", cred::REPO_ADMIN_TOKEN.into()),
    ]
}

fn json(o: &std::process::Output) -> serde_json::Value {
    serde_json::from_str(&stdout(o)).unwrap_or_else(|e| panic!("{e}: {}", stdout(o)))
}

fn places(doc: &serde_json::Value) -> Vec<String> {
    doc["places"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn where_used_costs_the_two_usage_lookups_for_a_project_admin() {
    let sim = sim().await;
    let home = tempfile::tempdir().unwrap();
    sim.control().clear_log();
    let o = run(home.path(), &dana(&sim), &["keys", "find", "1"]).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let mut sent = requests(&sim);
    sent.sort();
    assert_eq!(
        sent,
        [
            "GET /rest/keys/1.0/ssh/1/projects",
            "GET /rest/keys/1.0/ssh/1/repos"
        ],
        "only the two usage lookups"
    );
    let out = stdout(&o);
    for place in ["ACME/api", "ACME/web", "project OPS"] {
        assert!(out.contains(place), "{place} missing: {out}");
    }
    assert!(
        out.contains("Results are limited to what this credential may see"),
        "{out}"
    );
    assert!(
        out.contains("--thorough"),
        "the full walk is offered: {out}"
    );
    assert!(!out.contains("partial"), "no fallback ran: {out}");
    sim.shutdown().await;
}

#[tokio::test]
async fn json_says_the_answer_is_limited_and_that_no_fallback_ran() {
    let sim = sim().await;
    let home = tempfile::tempdir().unwrap();
    let o = run(home.path(), &dana(&sim), &["--json", "keys", "find", "1"]).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let doc = json(&o);
    assert_eq!(doc["id"], 1);
    assert_eq!(doc["limited_to_credential"], true);
    assert_eq!(doc["source"], "lookups");
    assert_eq!(doc["fell_back"], false);
    assert_eq!(doc["thorough"], false);
    assert_eq!(doc["lookups_refused"], false);
    assert_eq!(doc["read_one_by_one"], 0);
    assert_eq!(places(&doc), ["ACME/api", "ACME/web", "project OPS"]);
    let note = doc["note"].as_str().unwrap();
    assert!(
        note.contains("limited to what this credential may see"),
        "{note}"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn a_repository_admin_sees_nothing_in_the_lookups_so_her_repositories_are_read_and_the_result_is_partial()
 {
    let sim = sim().await;
    let home = tempfile::tempdir().unwrap();
    sim.control().clear_log();
    let o = run(home.path(), &rita(&sim), &["keys", "find", "1"]).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let mut sent = requests(&sim);
    sent.sort();
    assert_eq!(
        sent,
        [
            "GET /rest/api/1.0/projects",
            "GET /rest/api/1.0/repos",
            "GET /rest/keys/1.0/projects/ACME/repos/web/ssh/1",
            "GET /rest/keys/1.0/ssh/1/projects",
            "GET /rest/keys/1.0/ssh/1/repos",
        ],
        "the lookups, then the fallback: what she administers, and her one repository"
    );
    let out = stdout(&o);
    assert!(out.contains("ACME/web"), "{out}");
    assert!(
        out.contains("limited to what this credential may see, and they are partial"),
        "{out}"
    );
    assert!(out.contains("read one by one"), "{out}");
    let o = run(home.path(), &rita(&sim), &["--json", "keys", "find", "1"]).await;
    let doc = json(&o);
    assert_eq!(doc["source"], "fallback");
    assert_eq!(doc["fell_back"], true);
    assert_eq!(doc["lookups_refused"], false);
    assert_eq!(doc["read_one_by_one"], 1);
    assert_eq!(places(&doc), ["ACME/web"]);
    sim.shutdown().await;
}

#[tokio::test]
async fn thorough_also_reads_the_repositories_administered_outside_the_projects() {
    let sim = sim().await;
    let home = tempfile::tempdir().unwrap();
    sim.control().clear_log();
    let o = run(
        home.path(),
        &dana(&sim),
        &["--json", "keys", "find", "1", "--thorough"],
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let doc = json(&o);
    assert_eq!(doc["source"], "thorough");
    assert_eq!(doc["thorough"], true);
    assert_eq!(doc["fell_back"], false);
    // SEC/vault and DATA/warehouse: hers, in projects she does not administer.
    assert_eq!(doc["read_one_by_one"], 2);
    assert_eq!(places(&doc), ["ACME/api", "ACME/web", "project OPS"]);
    let grant_reads = requests(&sim)
        .iter()
        .filter(|r| r.ends_with("/ssh/1") && r.contains("/repos/"))
        .count();
    assert_eq!(grant_reads, 2, "{:?}", requests(&sim));
    sim.shutdown().await;
}

#[tokio::test]
async fn refused_lookups_fall_back_to_every_place_the_credential_administers() {
    let sim = sim().await;
    let home = tempfile::tempdir().unwrap();
    sim.control().add_fault(
        Fault::prefix(
            "/rest/keys/1.0/ssh/1/",
            FaultAction::respond(
                401,
                "application/json",
                r#"{"errors":[{"context":null,"message":"You are not permitted to access this resource","exceptionName":"com.atlassian.bitbucket.AuthorisationException"}]}"#,
            ),
        )
        .method("GET"),
    );
    let o = run(home.path(), &dana(&sim), &["--json", "keys", "find", "1"]).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let doc = json(&o);
    assert_eq!(doc["source"], "fallback");
    assert_eq!(doc["lookups_refused"], true);
    // Her two projects and every repository she administers (ACME 4, OPS 2, SEC/vault,
    // DATA/warehouse), the projects' own lookups being out of reach.
    assert!(doc["read_one_by_one"].as_u64().unwrap() >= 4, "{doc}");
    assert_eq!(places(&doc), ["ACME/api", "ACME/web", "project OPS"]);
    let note = doc["note"].as_str().unwrap();
    assert!(note.contains("refused the usage lookups"), "{note}");
    sim.shutdown().await;
}

#[tokio::test]
async fn thorough_on_cloud_is_a_usage_error() {
    let home = tempfile::tempdir().unwrap();
    let env = [
        ("BBKEYS_EMAIL", "someone@example.com".to_string()),
        ("BBKEYS_API_TOKEN", "not-used".to_string()),
        ("BBKEYS_API_URL", "http://127.0.0.1:9/2.0".to_string()),
    ];
    let o = run(
        home.path(),
        &env,
        &["keys", "find", "SHA256:x", "-w", "acme", "--thorough"],
    )
    .await;
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    // Refused by bbkeys for the forge's sake, not by the argument parser.
    let err = stderr(&o);
    assert!(
        err.contains("--thorough") && err.contains("Data Center"),
        "{err}"
    );
}

#[tokio::test]
async fn replace_everywhere_still_collects_the_grants_the_lookups_cannot_show() {
    let sim = sim().await;
    let home = tempfile::tempdir().unwrap();
    // Key 6 (vault-sync) sits on SEC/vault, dana's repository in a project she does not
    // administer; granted in ACME too, the lookups answer with ACME/api alone.
    let key = crate::dc_cli::key_file(home.path(), 4);
    let o = run(
        home.path(),
        &dana(&sim),
        &[
            "keys",
            "add",
            "ACME/api",
            "--key",
            &key,
            "--label",
            "vault-sync",
        ],
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let found = json(&run(home.path(), &dana(&sim), &["--json", "keys", "find", "6"]).await);
    assert_eq!(places(&found), ["ACME/api"]);
    let o = run(
        home.path(),
        &dana(&sim),
        &[
            "--json",
            "keys",
            "relabel",
            "ACME/api",
            "6",
            "vault-sync-v2",
            "--dry-run",
        ],
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let plan = json(&o);
    let grants: Vec<&str> = plan["grants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["where"].as_str().unwrap())
        .collect();
    assert_eq!(grants, ["ACME/api", "SEC/vault"], "no grant left out");
    sim.shutdown().await;
}

/// The simulator, a home where `audit ACME` stored its scan, and a file of key 2
/// (`backup-reader`, granted on project ACME).
async fn scanned_acme() -> (
    bbkeys::demo::datacenter::DcSimulator,
    tempfile::TempDir,
    String,
) {
    let sim = sim().await;
    let home = tempfile::tempdir().unwrap();
    let o = run(home.path(), &dana(&sim), &["audit", "ACME"]).await;
    assert!(code(&o) <= 1, "{}", stderr(&o));
    let key = crate::dc_cli::key_file(home.path(), 2);
    (sim, home, key)
}

/// `keys find <key> --workspace ACME --json`, which must succeed.
async fn find_in_acme(
    sim: &bbkeys::demo::datacenter::DcSimulator,
    home: &tempfile::TempDir,
    key: &str,
) -> std::process::Output {
    let args = ["--json", "keys", "find", key, "--workspace", "ACME"];
    let o = run(home.path(), &dana(sim), &args).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    o
}

/// A key given by its text is known to the stored scan of its project (any scan stores one):
/// its id comes from there, so "where used" is the two lookups and nothing else.
#[tokio::test]
async fn a_key_the_stored_scan_knows_costs_only_the_two_lookups() {
    let (sim, home, key) = scanned_acme().await;
    sim.control().clear_log();
    let o = find_in_acme(&sim, &home, &key).await;
    let mut sent = requests(&sim);
    sent.sort();
    assert_eq!(
        sent,
        [
            "GET /rest/keys/1.0/ssh/2/projects",
            "GET /rest/keys/1.0/ssh/2/repos"
        ],
        "the id from the stored scan, then only the two usage lookups"
    );
    let doc = json(&o);
    assert_eq!(doc["id"], 2);
    assert_eq!(places(&doc), ["project ACME"]);
    sim.shutdown().await;
}

/// The stored scan's id is stale when the key was removed everywhere and added again since:
/// the lookups answer 404 for it, and the project is read to learn the new id.
#[tokio::test]
async fn a_stale_stored_id_is_learnt_again_from_the_project() {
    let (sim, home, key) = scanned_acme().await;
    let o = run(
        home.path(),
        &dana(&sim),
        &["keys", "rm", "ACME", "2", "--project", "ACME", "--yes"],
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = run(
        home.path(),
        &dana(&sim),
        &[
            "keys",
            "add",
            "ACME",
            "--project",
            "ACME",
            "--key",
            &key,
            "--label",
            "backup-reader",
        ],
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = find_in_acme(&sim, &home, &key).await;
    let doc = json(&o);
    assert_ne!(doc["id"], 2, "the new id: {doc}");
    assert_eq!(places(&doc), ["project ACME"]);
    sim.shutdown().await;
}

/// Without a stored scan the project is read to learn the key's id, and that scan is stored:
/// the next `keys find` of a key there costs the two lookups.
#[tokio::test]
async fn the_scan_that_learns_an_id_is_stored_for_the_next_find() {
    let sim = sim().await;
    let home = tempfile::tempdir().unwrap();
    let key = crate::dc_cli::key_file(home.path(), 2);
    let args = ["keys", "find", key.as_str(), "--workspace", "ACME"];
    let o = run(home.path(), &dana(&sim), &args).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(requests(&sim).len() > 2, "the first find reads the project");
    sim.control().clear_log();
    let o = run(home.path(), &dana(&sim), &args).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(requests(&sim).len(), 2, "{:?}", requests(&sim));
    sim.shutdown().await;
}
