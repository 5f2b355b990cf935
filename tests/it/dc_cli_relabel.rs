//! `keys relabel` and `keys rotate` on Data Center through the binary: a relabel is a
//! replace-everywhere behind a typed confirmation listing every grant, and a rotation gives
//! the new key each grant's permission and expiry.

use std::process::Output;

use bbkeys::demo::datacenter::DcSimulator;
use bbkeys::demo::key_line;
use bbkeys::forge::{ForgeKind, Place};
use bbkeys::sshkey::PublicKey;

use crate::common::{stderr, stdout};
use crate::dc_cli::{DcRun, run_with_input};

/// Runs as the demo admin, with `stdin` typed in.
async fn run(dc: &DcRun, args: &[&str], stdin: &str) -> Output {
    run_with_input(dc.home(), &dc.env, args, stdin).await
}

fn repo(p: &str, r: &str) -> Place {
    Place::Repository {
        forge: ForgeKind::DataCenter,
        owner: p.into(),
        repo: r.into(),
    }
}

/// `(label, permission)` of every grant of the key with this text's blob at `place`.
fn at(sim: &DcSimulator, place: &Place, line: usize) -> Vec<(String, String, Option<u32>)> {
    let blob = key_line(line).unwrap().split_whitespace().nth(1).unwrap();
    let dump = sim.control().dump();
    dump.grants_at(place)
        .into_iter()
        .filter_map(|g| {
            let k = dump.key(g.key_id)?;
            (k.text.split_whitespace().nth(1) == Some(blob))
                .then(|| (k.label.clone(), g.permission.clone(), k.expiry_days))
        })
        .collect()
}

fn writes(sim: &DcSimulator) -> usize {
    sim.control()
        .log()
        .iter()
        .filter(|l| l.method != "GET")
        .count()
}

/// `monitoring` (key 4, demo key line 45) on ACME/billing (read) and OPS/infra (made write).
const MONITORING_LINE: usize = 45;

#[tokio::test]
async fn keys_relabel_lists_every_grant_asks_for_a_typed_confirmation_and_replaces_everywhere() {
    let dc = DcRun::start().await;
    let o = run(&dc, &["keys", "permission", "OPS/infra", "4", "write"], "").await;
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let before = writes(&dc.sim);
    // The dry run lists each grant with its permission and changes nothing.
    let o = run(
        &dc,
        &[
            "keys",
            "relabel",
            "ACME/billing",
            "4",
            "mon-v2",
            "--dry-run",
        ],
        "",
    )
    .await;
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("ACME/billing") && out.contains("OPS/infra"),
        "{out}"
    );
    assert!(out.contains("read") && out.contains("write"), "{out}");
    assert!(out.contains("dry run"), "{out}");
    // Off a terminal without --yes it refuses, also when the typed answer is piped in.
    let o = run(
        &dc,
        &["keys", "relabel", "ACME/billing", "4", "mon-v2"],
        "2\n",
    )
    .await;
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--yes"), "{}", stderr(&o));
    assert_eq!(writes(&dc.sim), before, "nothing was written");
    // With --yes: every grant revoked, then re-added with the new label and its permission.
    let o = run(
        &dc,
        &["keys", "relabel", "ACME/billing", "4", "mon-v2", "--yes"],
        "",
    )
    .await;
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("mon-v2"), "{}", stdout(&o));
    assert_eq!(
        at(&dc.sim, &repo("ACME", "billing"), MONITORING_LINE),
        [("mon-v2".to_string(), "REPO_READ".to_string(), Some(365))]
    );
    assert_eq!(
        at(&dc.sim, &repo("OPS", "infra"), MONITORING_LINE),
        [("mon-v2".to_string(), "REPO_WRITE".to_string(), Some(365))]
    );
    // The fan-out form names the same replace-everywhere.
    let fp = PublicKey::from_server(key_line(MONITORING_LINE).unwrap())
        .unwrap()
        .fingerprint()
        .to_string();
    let o = run(
        &dc,
        &[
            "keys",
            "relabel",
            "--fingerprint",
            &fp,
            "-w",
            "OPS",
            "--label",
            "mon-v3",
            "--yes",
        ],
        "",
    )
    .await;
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        at(&dc.sim, &repo("OPS", "infra"), MONITORING_LINE),
        [("mon-v3".to_string(), "REPO_WRITE".to_string(), Some(365))]
    );
    let o = run(&dc, &["journal", "list"], "").await;
    assert!(
        stdout(&o).contains("No pending journal entries"),
        "{}",
        stdout(&o)
    );
    dc.shutdown().await;
}

#[tokio::test]
async fn keys_rotate_gives_the_new_key_each_grant_s_permission_and_expiry() {
    let dc = DcRun::start().await;
    // release-bot (demo key line 3): write on OPS/deploy, 90 days.
    let old = PublicKey::from_server(key_line(3).unwrap())
        .unwrap()
        .fingerprint()
        .to_string();
    let new_line = bbkeys::demo::FRESH_KEY_LINES[0];
    let new_file = dc.home().join("new.pub");
    std::fs::write(&new_file, key_line(new_line).unwrap()).unwrap();
    let o = run(
        &dc,
        &[
            "keys",
            "rotate",
            "--from",
            &old,
            "--to",
            new_file.to_str().unwrap(),
            "-w",
            "OPS",
            "--yes",
        ],
        "",
    )
    .await;
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let deploy = repo("OPS", "deploy");
    assert!(at(&dc.sim, &deploy, 3).is_empty(), "the old key is gone");
    assert_eq!(
        at(&dc.sim, &deploy, new_line),
        [(
            "release-bot".to_string(),
            "REPO_WRITE".to_string(),
            Some(90)
        )]
    );
    dc.shutdown().await;
}
