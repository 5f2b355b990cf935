//! Relabel by replace-everywhere (§7) through `ops` on the simulator: every grant revoked, then
//! re-added with the new label and its own permission and expiry; and the crash matrix, the
//! run killed at every write, before it arrives and after it landed, then recovery. No grant
//! may be lost, doubled or downgraded.

use std::time::Duration;

use bbkeys::demo::{Fault, FaultAction};
use bbkeys::forge::{AccessKey, Forge, Permission};
use bbkeys::journal::Journal;
use bbkeys::ops::keyops::{Grant, KeyOps, fingerprint_of, list_keys};

use super::*;

/// `monitoring`: one key, granted on two repositories dana administers, with an expiry.
const KEY_ID: u64 = 4;

fn grant_places() -> [Place; 2] {
    [repo("ACME", "billing"), repo("OPS", "infra")]
}

/// The key at each place as `(place, label, permission, expiry_days)`.
type Held = Vec<(Place, String, Permission, Option<u32>)>;

async fn held(forge: &dyn Forge, fp: &str) -> Held {
    let mut out = Vec::new();
    for place in grant_places() {
        let keys = list_keys(forge, &place).await.unwrap();
        for k in keys
            .iter()
            .filter(|k| fingerprint_of(k).is_some_and(|f| f.to_string() == fp))
        {
            out.push((place.clone(), k.label.clone(), k.permission, k.expiry_days));
        }
    }
    out
}

/// Makes the grants differ (write on one, read on the other) and returns the key and its
/// grants as listed.
async fn prepare(sim: &DcSimulator) -> (AccessKey, Vec<(Place, Grant)>) {
    let c = admin(sim);
    c.set_permission(&repo("OPS", "infra"), KEY_ID, Permission::Write)
        .await
        .unwrap();
    let mut grants = Vec::new();
    let mut key = None;
    for place in grant_places() {
        let keys = list_keys(&c, &place).await.unwrap();
        let k = keys.iter().find(|k| k.id == KEY_ID).unwrap().clone();
        grants.push((place, Grant::of(&k)));
        key = Some(k);
    }
    sim.control().clear_log();
    (key.unwrap(), grants)
}

fn expected(key: &AccessKey, label: &str) -> Held {
    vec![
        (
            repo("ACME", "billing"),
            label.into(),
            Permission::Read,
            key.expiry_days,
        ),
        (
            repo("OPS", "infra"),
            label.into(),
            Permission::Write,
            key.expiry_days,
        ),
    ]
}

fn writes(sim: &DcSimulator) -> usize {
    sim.control()
        .log()
        .iter()
        .filter(|l| l.method != "GET")
        .count()
}

#[tokio::test]
async fn replace_everywhere_keeps_each_grant_s_permission_and_expiry() {
    let sim = dc_sim().await;
    let (key, grants) = prepare(&sim).await;
    assert_eq!(key.expiry_days, Some(365));
    let fp = fingerprint_of(&key).unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::in_dir(dir.path());
    let c = admin(&sim);
    let ops = KeyOps {
        forge: &c,
        journal: &journal,
        stop: None,
    };
    let done = ops
        .replace_everywhere(&key, &grants, "monitoring-v2")
        .await
        .unwrap();
    assert_eq!(done.places.len(), 2);
    assert!(done.label_kept.is_empty() && done.left_alone.is_empty());
    assert_eq!(held(&c, &fp).await, expected(&key, "monitoring-v2"));
    // Every revoke went before the first re-add: otherwise the server keeps the old label.
    let log: Vec<String> = sim
        .control()
        .log()
        .iter()
        .filter(|l| l.method != "GET")
        .map(|l| l.method.clone())
        .collect();
    assert_eq!(log, ["DELETE", "DELETE", "POST", "POST"]);
    assert!(journal.outstanding().unwrap().is_empty());
}

#[tokio::test]
async fn a_grant_the_credential_cannot_see_keeps_the_old_label_and_it_is_reported() {
    let sim = dc_sim().await;
    let c = admin(&sim);
    // ci-deploy is also granted on SEC/audit-log and HR/payroll, out of dana's sight.
    let places = [repo("ACME", "api"), repo("ACME", "web")];
    let mut grants = Vec::new();
    let mut key = None;
    for place in places.clone() {
        let k = list_keys(&c, &place)
            .await
            .unwrap()
            .into_iter()
            .find(|k| k.id == 1)
            .unwrap();
        grants.push((place, Grant::of(&k)));
        key = Some(k);
    }
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::in_dir(dir.path());
    let ops = KeyOps {
        forge: &c,
        journal: &journal,
        stop: None,
    };
    let done = ops
        .replace_everywhere(&key.unwrap(), &grants, "renamed")
        .await
        .unwrap();
    assert_eq!(done.label_kept, places);
    let summary = done.summary("renamed");
    assert!(summary.contains("kept another label"), "{summary}");
    // No grant took the new label, and the sentence must not say one did.
    assert!(
        summary.starts_with(&format!(
            "0 of {} grant(s) hold the key as 'renamed'",
            places.len()
        )),
        "{summary}"
    );
    // The grants are back, with their permissions, under the label the server kept.
    let api = list_keys(&c, &repo("ACME", "api")).await.unwrap();
    let k = api.iter().find(|k| k.label == "ci-deploy").unwrap();
    assert_eq!(k.permission, Permission::Write);
    assert!(journal.outstanding().unwrap().is_empty());
}

/// Kills the run at write `skip` (0-based), before it arrives or after it landed, then
/// recovers with a fresh client, as a new process would.
async fn kill_and_recover(skip: u64, landed: bool) {
    let sim = dc_sim().await;
    let (key, grants) = prepare(&sim).await;
    let fp = fingerprint_of(&key).unwrap().to_string();
    let mut fault = Fault::prefix("/rest/", FaultAction::Hang)
        .method("POST|DELETE|PUT")
        .skip(skip)
        .once();
    if landed {
        fault = fault.after();
    }
    let id = sim.control().add_fault(fault);
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::in_dir(dir.path());
    let point = format!("write {skip}, landed {landed}");
    {
        let c = admin(&sim);
        let ops = KeyOps {
            forge: &c,
            journal: &journal,
            stop: None,
        };
        let fired = async {
            loop {
                let status = sim.control().faults();
                if status.iter().any(|f| f.id == id && f.fired > 0) {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        };
        tokio::select! {
            r = ops.replace_everywhere(&key, &grants, "renamed") => {
                panic!("{point}: the run ended before the kill: {r:?}")
            }
            // Dropping the run here is the kill: every journal line so far is on disk.
            _ = fired => {}
        }
    }
    sim.control().clear_faults();
    assert!(
        !journal.outstanding().unwrap().is_empty(),
        "{point}: nothing pending after the kill"
    );
    let c = admin(&sim);
    let ops = KeyOps {
        forge: &c,
        journal: &journal,
        stop: None,
    };
    for found in journal.outstanding().unwrap().all() {
        ops.recover_found(&found)
            .await
            .unwrap_or_else(|e| panic!("{point}: recovery failed: {e}"));
    }
    assert!(
        journal.outstanding().unwrap().is_empty(),
        "{point}: still pending"
    );
    assert_eq!(held(&c, &fp).await, expected(&key, "renamed"), "{point}");
}

#[tokio::test]
async fn a_kill_at_any_write_of_a_replace_everywhere_loses_no_grant() {
    let sim = dc_sim().await;
    let (key, grants) = prepare(&sim).await;
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::in_dir(dir.path());
    let c = admin(&sim);
    KeyOps {
        forge: &c,
        journal: &journal,
        stop: None,
    }
    .replace_everywhere(&key, &grants, "renamed")
    .await
    .unwrap();
    let total = writes(&sim) as u64;
    assert_eq!(total, 4, "two revokes and two re-adds");
    for skip in 0..total {
        for landed in [false, true] {
            kill_and_recover(skip, landed).await;
        }
    }
}

#[tokio::test]
async fn a_revoke_refused_after_another_landed_puts_that_grant_back_with_the_old_label() {
    let sim = dc_sim().await;
    let (key, grants) = prepare(&sim).await;
    let fp = fingerprint_of(&key).unwrap().to_string();
    // The second revoke is refused as Data Center refuses a place the user does not administer.
    sim.control().add_fault(
        Fault::prefix("/rest/", FaultAction::respond(
            401,
            "application/json",
            r#"{"errors":[{"message":"You are not permitted to access this resource","exceptionName":"com.atlassian.bitbucket.AuthorisationException"}]}"#,
        ))
        .method("DELETE")
        .skip(1)
        .once(),
    );
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::in_dir(dir.path());
    let c = admin(&sim);
    let e = KeyOps {
        forge: &c,
        journal: &journal,
        stop: None,
    }
    .replace_everywhere(&key, &grants, "renamed")
    .await
    .unwrap_err();
    assert!(e.is_auth_problem(), "{e}");
    // The first grant was revoked and is back as it was; nothing is left pending.
    assert_eq!(held(&c, &fp).await, expected(&key, "monitoring"));
    assert!(journal.outstanding().unwrap().is_empty());
}
