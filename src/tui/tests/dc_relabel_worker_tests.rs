//! The worker's half of `e` on a selection of Data Center keys (issue 17): every selected key
//! relabelled at every grant with its permission, on the Data Center simulator, and a key that
//! fails reported while the next goes on, its grant given back by the journal.

use crate::forge::{AccessKey, ForgeKind, Permission, Place};
use crate::ops::keyops::Grant;
use crate::tui::state::replace::{KeyGrants, ReplaceCommand};
use crate::tui::update::WorkerMsg;

fn dc(repo: &str) -> Place {
    Place::repository(ForgeKind::DataCenter, "ACME", repo)
}
/// The permission of each grant of key entity `label` on the simulator, by place.
fn grants_labelled(
    dump: &crate::demo::datacenter::DcStateDump,
    label: &str,
) -> Vec<(Place, String)> {
    let mut out: Vec<(Place, String)> = dump
        .grants
        .iter()
        .filter(|g| dump.key(g.key_id).is_some_and(|k| k.label == label))
        .map(|g| (g.place.clone(), g.permission.clone()))
        .collect();
    out.sort();
    out
}

#[tokio::test]
async fn the_worker_relabels_two_selected_keys_at_every_grant_on_the_data_center_simulator() {
    use crate::datacenter::{DcClient, DcCredential, DcOptions, Secret};
    use crate::demo::datacenter::{self, DcSimOptions, credentials as cred};
    use crate::forge::{Forge, NewAccessKey};
    use crate::journal::Journal;
    use crate::ops::keyops::{KeyOps, fingerprint_of, list_keys};

    let sim = datacenter::start(DcSimOptions::default()).await.unwrap();
    let mut o = DcOptions::new(
        sim.api_url(),
        DcCredential::Basic {
            username: cred::ADMIN_USERNAME.into(),
            token: Secret::new(cred::ADMIN_TOKEN),
        },
    );
    o.backoff_base = std::time::Duration::from_millis(2);
    o.backoff_max = std::time::Duration::from_millis(20);
    let forge = DcClient::new(o).unwrap();
    let ops_project = Place::project(ForgeKind::DataCenter, "OPS", "OPS");
    let infra = Place::repository(ForgeKind::DataCenter, "OPS", "infra");
    // `monitoring` (read at ACME/billing and OPS/infra) also gets write at ACME/api, and
    // `ops-deployer` (write on project OPS) read at ACME/web: 3 and 2 grants.
    let listed =
        |keys: Vec<AccessKey>, label: &str| keys.into_iter().find(|k| k.label == label).unwrap();
    let monitoring = listed(list_keys(&forge, &infra).await.unwrap(), "monitoring");
    let deployer = listed(
        list_keys(&forge, &ops_project).await.unwrap(),
        "ops-deployer",
    );
    for (k, place, permission) in [
        (&monitoring, dc("api"), Permission::Write),
        (&deployer, dc("web"), Permission::Read),
    ] {
        let new = NewAccessKey {
            key: k.key.to_string(),
            label: k.label.clone(),
            permission,
            expiry_days: None,
        };
        forge.add_key(&place, &new).await.unwrap();
    }
    let before = sim.control().dump();
    let monitoring_grants = grants_labelled(&before, "monitoring");
    let deployer_grants = grants_labelled(&before, "ops-deployer");
    assert_eq!(
        (monitoring_grants.len(), deployer_grants.len()),
        (3, 2),
        "{monitoring_grants:?} {deployer_grants:?}"
    );

    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::in_dir(dir.path());
    let ops = KeyOps {
        forge: &forge,
        journal: &journal,
        stop: None,
    };
    let fp = |k: &AccessKey| fingerprint_of(k).unwrap().to_string();
    // Two holdings of `monitoring` name one key: it is looked up once.
    let lookup = ReplaceCommand::LookupSelection {
        req_id: 1,
        holdings: vec![
            (infra.clone(), fp(&monitoring)),
            (dc("billing"), fp(&monitoring)),
            (ops_project.clone(), fp(&deployer)),
        ],
        template: "{label}-2027".into(),
    };
    let WorkerMsg::ReplaceGrants(found) = crate::tui::worker::replace::execute(&ops, lookup).await
    else {
        panic!("not the grants")
    };
    assert!(found.failed.is_empty(), "{:?}", found.failed);
    let counts: Vec<(String, usize)> = found
        .found
        .iter()
        .map(|k| (k.label.clone(), k.grants.len()))
        .collect();
    assert_eq!(
        counts,
        [
            ("monitoring-2027".to_string(), 3),
            ("ops-deployer-2027".to_string(), 2)
        ]
    );
    let run = ReplaceCommand::Run {
        req_id: 2,
        keys: found.found,
    };
    let WorkerMsg::OpDone { result, scopes, .. } =
        crate::tui::worker::replace::execute(&ops, run).await
    else {
        panic!("not done")
    };
    let said = result.unwrap();
    assert!(said.starts_with("2 keys relabelled"), "{said}");
    assert_eq!(scopes.len(), 5);

    // Every grant holds the new label, with the permission it had.
    let after = sim.control().dump();
    assert_eq!(
        grants_labelled(&after, "monitoring-2027"),
        monitoring_grants
    );
    assert_eq!(
        grants_labelled(&after, "ops-deployer-2027"),
        deployer_grants
    );
    assert!(grants_labelled(&after, "monitoring").is_empty());
    assert!(grants_labelled(&after, "ops-deployer").is_empty());
    // Nothing is left pending in the journal.
    // Two batches, one per key, both closed.
    assert_eq!(journal.read_all().unwrap().batches.len(), 2);
    assert!(journal.outstanding().unwrap().is_empty());
    sim.shutdown().await;
}

#[tokio::test]
async fn a_key_that_fails_is_reported_the_next_goes_on_and_the_journal_gives_back_its_grant() {
    use crate::forge::memory::{Call, MemoryForge};
    use crate::forge::{Caps, Forge, ForgeError, ForgeErrorKind, NewAccessKey};
    use crate::journal::{Found, Journal};
    use crate::ops::keyops::KeyOps;

    let forge = MemoryForge::new(
        ForgeKind::DataCenter,
        Caps {
            permissions: true,
            expiry: true,
            usage_lookup: true,
            project_keys: true,
            ..Caps::default()
        },
    )
    .with_repo("ACME", "api", None)
    .with_repo("ACME", "web", None);
    let mut keys = Vec::new();
    for (n, label) in [(1, "first"), (2, "second")] {
        let mut grants = Vec::new();
        let mut held = None;
        for (repo, permission) in [("api", Permission::Write), ("web", Permission::Read)] {
            let new = NewAccessKey {
                key: crate::demo::key_line(n).unwrap().to_string(),
                label: label.into(),
                permission,
                expiry_days: None,
            };
            let k = forge.add_key(&dc(repo), &new).await.unwrap();
            grants.push((dc(repo), Grant::of(&k)));
            held = Some(k);
        }
        keys.push(KeyGrants {
            key: held.unwrap(),
            grants,
            label: format!("{label}-2027"),
        });
    }
    // The first re-add of the first key fails: its api grant is missing for now.
    forge.fail_next(
        Call::Add,
        ForgeError::new(ForgeErrorKind::Server, "the server failed").with_status(503),
    );
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::in_dir(dir.path());
    let ops = KeyOps {
        forge: &forge,
        journal: &journal,
        stop: None,
    };
    let run = ReplaceCommand::Run { req_id: 3, keys };
    let WorkerMsg::OpDone { result, .. } = crate::tui::worker::replace::execute(&ops, run).await
    else {
        panic!("not done")
    };
    let failure = result.unwrap_err();
    assert!(failure.pending, "{failure:?}");
    assert!(
        failure
            .sentence
            .starts_with("1 of 2 key(s) could not be relabelled"),
        "{}",
        failure.sentence
    );
    assert!(
        failure.sentence.contains("✗ 'first'"),
        "{}",
        failure.sentence
    );
    assert!(
        failure.sentence.contains("✓ 'second'"),
        "{}",
        failure.sentence
    );
    let at = |repo: &str| -> Vec<(String, Permission)> {
        forge
            .grants(&dc(repo))
            .iter()
            .map(|k| (k.label.clone(), k.permission))
            .collect()
    };
    // The second key went on after the first failed.
    assert!(at("api").contains(&("second-2027".into(), Permission::Write)));
    assert!(at("web").contains(&("second-2027".into(), Permission::Read)));
    assert!(!at("api").iter().any(|(l, _)| l.starts_with("first")));

    // The pending batch finishes the first key: no grant is lost.
    let pending = journal.outstanding().unwrap().batches;
    assert_eq!(pending.len(), 1);
    ops.recover_found(&Found::Batch(pending[0].clone()))
        .await
        .unwrap();
    assert!(at("api").contains(&("first-2027".into(), Permission::Write)));
    assert!(at("web").contains(&("first-2027".into(), Permission::Read)));
    assert!(journal.outstanding().unwrap().is_empty());
}

/// `ci-deploy` is also granted on `SEC/audit-log`, which the admin cannot see: that grant keeps
/// the key and its old label alive, so the re-adds come back with the old label. The headline
/// must not count it as relabelled.
#[tokio::test]
async fn a_key_whose_label_the_server_kept_is_not_counted_as_relabelled() {
    use crate::datacenter::{DcClient, DcCredential, DcOptions, Secret};
    use crate::demo::datacenter::{self, DcSimOptions, credentials as cred};
    use crate::journal::Journal;
    use crate::ops::keyops::{KeyOps, fingerprint_of, list_keys};

    let sim = datacenter::start(DcSimOptions::default()).await.unwrap();
    let o = DcOptions::new(
        sim.api_url(),
        DcCredential::Basic {
            username: cred::ADMIN_USERNAME.into(),
            token: Secret::new(cred::ADMIN_TOKEN),
        },
    );
    let forge = DcClient::new(o).unwrap();
    let api = dc("api");
    let acme = Place::project(ForgeKind::DataCenter, "ACME", "ACME");
    let held = |keys: Vec<AccessKey>, label: &str| {
        let k = keys.into_iter().find(|k| k.label == label).unwrap();
        fingerprint_of(&k).unwrap().to_string()
    };
    let ci = held(list_keys(&forge, &api).await.unwrap(), "ci-deploy");
    let backup = held(list_keys(&forge, &acme).await.unwrap(), "backup-reader");
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::in_dir(dir.path());
    let ops = KeyOps {
        forge: &forge,
        journal: &journal,
        stop: None,
    };
    let lookup = ReplaceCommand::LookupSelection {
        req_id: 1,
        holdings: vec![(api, ci), (acme, backup)],
        template: "{label}-2027".into(),
    };
    let WorkerMsg::ReplaceGrants(found) = crate::tui::worker::replace::execute(&ops, lookup).await
    else {
        panic!("not the grants")
    };
    assert_eq!(found.found.len(), 2, "{:?}", found.failed);
    let run = ReplaceCommand::Run {
        req_id: 2,
        keys: found.found,
    };
    let WorkerMsg::OpDone { result, .. } = crate::tui::worker::replace::execute(&ops, run).await
    else {
        panic!("not done")
    };
    let said = result.unwrap();
    assert!(said.starts_with("1 of 2 keys relabelled"), "{said}");
    assert!(
        said.contains("'ci-deploy' (key 1): 0 of 3 grant(s)"),
        "{said}"
    );
    sim.shutdown().await;
}
