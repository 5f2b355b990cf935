//! Unit tests of the scan store: formats, corruption, edits.

use super::*;
use crate::forge::AccessKey;
use crate::ops::audit::{Listing, Timestamp};
use time::macros::datetime;

fn snapshot(ws: &str) -> Snapshot {
    let mut s = Snapshot {
        forge: crate::forge::ForgeKind::Cloud,
        workspace: ws.into(),
        scanned_at: Timestamp(datetime!(2026-11-28 09:30 UTC)),
        repositories: Vec::new(),
        projects: Vec::new(),
        repo_keys: Default::default(),
        project_keys: Default::default(),
        projects_error: None,
    };
    s.repo_keys.insert("api".into(), Listing::Keys(Vec::new()));
    s
}

#[test]
fn missing_then_round_trip_with_age() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(load(dir.path(), "acme"), CacheLoad::Missing);
    let path = store_snapshot(dir.path(), &mut snapshot("acme")).unwrap();
    assert_eq!(path, dir.path().join("scan-acme.json"));
    let CacheLoad::Found(c) = load(dir.path(), "acme") else {
        panic!("not found")
    };
    assert_eq!(c.snapshot, snapshot("acme"));
    assert_eq!(
        c.age(datetime!(2026-11-28 11:30 UTC)),
        time::Duration::hours(2)
    );
    assert_eq!(c.age(datetime!(2026-11-27 00:00 UTC)), time::Duration::ZERO);
    // No temporary file is left behind.
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(names.len(), 1);
}

#[test]
fn corrupt_foreign_and_mismatched_files_are_ignored_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("scan-acme.json");
    for (text, expect) in [
        ("{not json", "corrupt"),
        ("{\"format\":99,\"snapshot\":{}}", "format 99"),
        (
            "{\"format\":1,\"snapshot\":{\"workspace\":\"acme\"}}",
            "corrupt",
        ),
    ] {
        std::fs::write(&path, text).unwrap();
        match load(dir.path(), "acme") {
            CacheLoad::Ignored { warning } => {
                assert!(warning.contains(expect), "{warning}");
                assert!(warning.contains("scan-acme.json"), "{warning}");
            }
            other => panic!("{other:?}"),
        }
    }
    store_snapshot(dir.path(), &mut snapshot("globex")).unwrap();
    std::fs::rename(dir.path().join("scan-globex.json"), &path).unwrap();
    assert!(matches!(
        load(dir.path(), "acme"),
        CacheLoad::Ignored { .. }
    ));
}

#[test]
fn shared_key_texts_are_stored_once_and_restored() {
    let dir = tempfile::tempdir().unwrap();
    let text = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ26SSdEHBJ+bu3Hs431Qv8oeYIKNrnRG3pwLxyjj/Ua";
    let key = |id: u64, text: &str| -> AccessKey {
        serde_json::from_value(serde_json::json!({"id": id, "key": text})).unwrap()
    };
    let mut snap = snapshot("acme");
    for (i, repo) in ["api", "web", "ops"].into_iter().enumerate() {
        let keys = vec![key(i as u64, text), key(10 + i as u64, "ssh-rsa AAAA")];
        snap.repo_keys.insert(repo.into(), Listing::Keys(keys));
    }
    let before = snap.clone();
    let path = store_snapshot(dir.path(), &mut snap).unwrap();
    assert_eq!(snap, before, "the snapshot is unchanged");
    let file = std::fs::read_to_string(path).unwrap();
    assert_eq!(file.matches(text).count(), 1, "{file}");
    let CacheLoad::Found(c) = load(dir.path(), "acme") else {
        panic!("not found")
    };
    assert_eq!(c.snapshot, before);
    // A reference outside the table makes the file corrupt, not a key "#7".
    std::fs::write(
        dir.path().join("scan-acme.json"),
        file.replace("\"#1\"", "\"#7\""),
    )
    .unwrap();
    assert!(
        matches!(load(dir.path(), "acme"), CacheLoad::Ignored { warning } if warning.contains("corrupt"))
    );
}

#[test]
fn format_5_is_a_head_line_a_texts_line_and_a_line_per_listing() {
    let dir = tempfile::tempdir().unwrap();
    let mut snap = snapshot("acme");
    for repo in ["api", "web", "ops", "db", "ui"] {
        snap.repo_keys
            .insert(repo.into(), Listing::Keys(Vec::new()));
    }
    let path = store_snapshot(dir.path(), &mut snap).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    // Format 4 had no texts line: 6 lines, the listings from line 2.
    assert_eq!(lines.len(), 7, "{text}");
    assert!(lines[0].starts_with("{\"format\":5,\"repo_listings\":5,"));
    assert!(lines[1].starts_with("{\"key_texts\":"), "{}", lines[1]);
    assert!(lines[2].starts_with("{\"repo\":\"api\","), "{}", lines[2]);
    let CacheLoad::Found(c) = load(dir.path(), "acme") else {
        panic!("not found")
    };
    assert_eq!(c.snapshot, snap);

    let corrupt = |text: String, expect: &str| {
        std::fs::write(&path, text).unwrap();
        match load(dir.path(), "acme") {
            CacheLoad::Ignored { warning } => assert!(warning.contains(expect), "{warning}"),
            other => panic!("{other:?}"),
        }
    };
    // Cut at a line's end: short, not a smaller workspace.
    corrupt(
        lines[..5].join("\n"),
        "holds 3 of its 5 repository listings",
    );
    // A broken line is named (line 5: head, texts, api, db, ops).
    corrupt(
        text.replacen("{\"repo\":\"ops\"", "{\"repo\":", 1),
        "line 5",
    );
    // The same repository twice.
    corrupt(
        text.replacen("\"repo\":\"ops\"", "\"repo\":\"api\"", 1),
        "twice",
    );
    corrupt(text.replacen("{\"key_texts\":", "{", 1), "line 2");
}

#[test]
fn the_head_reads_without_the_listings_and_with_its_project_keys() {
    let dir = tempfile::tempdir().unwrap();
    let text = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ26SSdEHBJ+bu3Hs431Qv8oeYIKNrnRG3pwLxyjj/Ua";
    let key: AccessKey =
        serde_json::from_value(serde_json::json!({"id": 7, "key": text, "label": "ci"})).unwrap();
    let mut snap = snapshot("acme");
    snap.repo_keys
        .insert("api".into(), Listing::Keys(vec![key.clone()]));
    snap.project_keys
        .insert("CORE".into(), Listing::Keys(vec![key]));
    let path = store_snapshot(dir.path(), &mut snap).unwrap();
    let file = std::fs::read_to_string(&path).unwrap();
    let head_line = file.lines().next().unwrap();
    assert!(
        head_line.contains(text),
        "project keys hold their text: {head_line}"
    );
    // Listings that cannot be read do not keep the head from being shown.
    let broken = format!("{}\n{{\"key_texts\":[]}}\nnot json\n", head_line);
    std::fs::write(&path, broken).unwrap();
    let HeadLoad::Found(head) = load_head(dir.path(), "acme") else {
        panic!("no head")
    };
    assert!(head.snapshot.repo_keys.is_empty());
    assert_eq!(head.snapshot.project_keys, snap.project_keys);
    let warning = head.complete().unwrap_err();
    assert!(
        warning.contains("corrupt") && warning.contains("line 3"),
        "{warning}"
    );
}

#[test]
fn format_2_files_are_still_read() {
    let dir = tempfile::tempdir().unwrap();
    let text = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ26SSdEHBJ+bu3Hs431Qv8oeYIKNrnRG3pwLxyjj/Ua";
    let file = serde_json::json!({
        "format": 2,
        "key_texts": [text],
        "snapshot": {
            "workspace": "acme",
            "scanned_at": "2026-11-28T09:30:00Z",
            "repositories": [],
            "projects": [],
            "repo_keys": {"api": {"keys": [{
                "id": 7, "key": "#0", "label": "ci",
                "repository": {"full_name": "acme/api", "name": "api"}
            }]}},
            "project_keys": {}
        }
    });
    // Written with line breaks, as a person might have: still one document.
    let path = dir.path().join("scan-acme.json");
    std::fs::write(&path, serde_json::to_string_pretty(&file).unwrap()).unwrap();
    let CacheLoad::Found(c) = load(dir.path(), "acme") else {
        panic!("not found")
    };
    let Some(Listing::Keys(keys)) = c.snapshot.repo_keys.get("api") else {
        panic!("no keys")
    };
    assert_eq!(keys[0].key, text);
    // Older files carried the place summary; it is dropped like a fresh scan's: the key
    // type has no field for it, which this exhaustive pattern keeps true.
    let AccessKey {
        id,
        label,
        key: _,
        comment: _,
        permission: _,
        created: _,
        last_used: _,
        expiry_days: _,
    } = &keys[0];
    assert_eq!((*id, label.as_str()), (7, "ci"));
}

#[test]
fn edits_of_writes_reach_the_stored_scan() {
    use crate::ops::edits::KeyEdit;
    let dir = tempfile::tempdir().unwrap();
    let text = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ26SSdEHBJ+bu3Hs431Qv8oeYIKNrnRG3pwLxyjj/Ua";
    let key: AccessKey =
        serde_json::from_value(serde_json::json!({"id": 7, "key": text, "label": "ci"})).unwrap();
    let mut snap = snapshot("acme");
    snap.repo_keys
        .insert("api".into(), Listing::Keys(vec![key.clone()]));
    store_snapshot(dir.path(), &mut snap).unwrap();
    let scope =
        |repo: &str| crate::forge::Place::repository(crate::forge::ForgeKind::Cloud, "acme", repo);
    let edits = [
        KeyEdit::Removed {
            scope: scope("api"),
            key,
        },
        // Neither a place the scan did not list nor a workspace without a stored scan
        // gets a listing made of the edit alone.
        KeyEdit::Listed {
            scope: scope("new-repo"),
            keys: Vec::new(),
        },
        KeyEdit::Listed {
            scope: crate::forge::Place::repository(crate::forge::ForgeKind::Cloud, "globex", "api"),
            keys: Vec::new(),
        },
    ];
    apply_edits(dir.path(), &edits).unwrap();
    let CacheLoad::Found(c) = load(dir.path(), "acme") else {
        panic!("not found")
    };
    assert_eq!(
        c.snapshot.repo_keys.get("api"),
        Some(&Listing::Keys(vec![]))
    );
    assert_eq!(c.snapshot.repo_keys.len(), 1);
    assert_eq!(
        c.snapshot.scanned_at, snap.scanned_at,
        "still the scan's time"
    );
    assert_eq!(load(dir.path(), "globex"), CacheLoad::Missing);
}

#[test]
fn slugs_that_are_not_slugs_never_become_paths() {
    let dir = tempfile::tempdir().unwrap();
    assert!(path_for(dir.path(), "../etc").is_none());
    assert!(matches!(load(dir.path(), "a/b"), CacheLoad::Ignored { .. }));
    assert!(store_snapshot(dir.path(), &mut snapshot("..")).is_err());
}

/// The texts of every key of a snapshot, in order.
fn texts_of(s: &Snapshot) -> Vec<&crate::forge::KeyText> {
    s.repo_keys
        .values()
        .chain(s.project_keys.values())
        .filter_map(|l| match l {
            Listing::Keys(keys) => Some(keys),
            Listing::Failed(_) => None,
        })
        .flatten()
        .map(|k| &k.key)
        .collect()
}

#[test]
fn every_grant_of_a_key_read_back_shares_one_text() {
    let dir = tempfile::tempdir().unwrap();
    let text = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ26SSdEHBJ+bu3Hs431Qv8oeYIKNrnRG3pwLxyjj/Ua";
    // Each key parsed on its own, so no two share a text before the store does.
    let key = |id: u64| -> AccessKey {
        serde_json::from_value(serde_json::json!({"id": id, "key": text})).unwrap()
    };
    let mut snap = snapshot("acme");
    for (i, repo) in ["api", "web", "ops"].into_iter().enumerate() {
        snap.repo_keys
            .insert(repo.into(), Listing::Keys(vec![key(i as u64)]));
    }
    snap.project_keys
        .insert("CORE".into(), Listing::Keys(vec![key(9)]));
    assert!(!texts_of(&snap)[0].shares_with(texts_of(&snap)[1]));
    store_snapshot(dir.path(), &mut snap).unwrap();
    let all_shared = |s: &Snapshot| {
        let texts = texts_of(s);
        assert_eq!(texts.len(), 4);
        texts.iter().all(|t| *t == text && t.shares_with(texts[0]))
    };
    let CacheLoad::Found(c) = load(dir.path(), "acme") else {
        panic!("not found")
    };
    assert!(all_shared(&c.snapshot), "format 5");
    // Format 1 held every text in place.
    let mut whole = serde_json::to_value(&c.snapshot).unwrap();
    whole["repo_keys"]["api"]["keys"][0]["key"] = text.into();
    let file = serde_json::json!({"format": 1, "snapshot": whole});
    std::fs::write(dir.path().join("scan-acme.json"), file.to_string()).unwrap();
    let CacheLoad::Found(c) = load(dir.path(), "acme") else {
        panic!("not found")
    };
    assert!(all_shared(&c.snapshot), "format 1");
}
