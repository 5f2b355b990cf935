//! (c) one frame with 10,000 rows (the All keys view, and the main screen's key list) and
//! (d) filtering 10,000 rows per keystroke; each again at 150,000 rows (issue 21).

use std::time::{Duration, Instant};

use base64::Engine as _;
use bbkeys::forge::{ForgeKind, Place};
use bbkeys::ops::audit::{Inventory, Snapshot, SortOrder};
use bbkeys::tui::keymap::Keymap;
use bbkeys::tui::state::insight::{WorkspaceInventory, all_keys_page, all_keys_rows};
use bbkeys::tui::state::{FullView, KeyFacts, KeyView, Load, Pane, RepoView, State, WorkspaceView};
use bbkeys::tui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use sha2::Digest;

use super::median;

/// A measured figure and what it measured.
pub struct Measured {
    pub time: Duration,
    pub note: String,
}

/// A distinct, well-formed ed25519 public key for `i` (the blob's 32 bytes are a hash of `i`).
fn key_line(i: usize) -> String {
    let mut blob = Vec::with_capacity(51);
    blob.extend_from_slice(&11u32.to_be_bytes());
    blob.extend_from_slice(b"ssh-ed25519");
    blob.extend_from_slice(&32u32.to_be_bytes());
    blob.extend_from_slice(&sha2::Sha256::digest(i.to_le_bytes()));
    format!(
        "ssh-ed25519 {}",
        base64::engine::general_purpose::STANDARD.encode(blob)
    )
}

/// The TUI's state with one repository of `rows` keys, focused on the key list.
fn state_with_rows(rows: usize) -> State {
    let mut s = State::new(true, false, Keymap::default(), Theme::default_colours());
    s.size = (200, 60);
    s.workspaces = Load::Ready(vec![WorkspaceView {
        slug: "scale".into(),
        name: "Scale Test".into(),
    }]);
    s.repos.insert(
        "scale".into(),
        Load::Ready(vec![RepoView {
            slug: "big".into(),
            name: "big".into(),
            project: None,
        }]),
    );
    s.project_keys
        .insert("scale".into(), Load::Ready(Vec::new()));
    let keys = (0..rows)
        .map(|i| {
            let line = key_line(i);
            let fp = bbkeys::sshkey::PublicKey::from_server(&line)
                .map(|k| k.fingerprint().to_string())
                .ok();
            KeyView {
                id: 18_000_000 + i as u64,
                label: format!("deploy-{i:05}"),
                comment: format!("ci-{}@build.example", i % 97),
                facts: std::sync::Arc::new(KeyFacts {
                    public_key: line,
                    fingerprint: fp,
                    key_type: "ssh-ed25519".into(),
                    short_type: "ED25519".into(),
                    bits: Some(256),
                }),
                created: Some("2024-03-01T09:15:00.000000+00:00".into()),
                last_used: (i % 3 != 0).then(|| "2026-11-01T10:00:00.000000+00:00".into()),
                scope: Place::repository(ForgeKind::Cloud, "scale", "big"),
                permission: bbkeys::forge::Permission::Read,
                expires: None,
                escaped: None,
            }
        })
        .collect();
    s.keys
        .insert(("scale".into(), "big".into()), Load::Ready(keys));
    // Row 0 of the repository pane is "Project keys"; row 1 is the repository.
    s.cursor[1] = 1;
    s.focus = Pane::Keys;
    s
}

/// Draws 200 frames at 200×60, calling `step(state, i)` before each so every frame draws
/// different rows; returns the median and the worst frame.
fn frames(state: &mut State, mut step: impl FnMut(&mut State, usize)) -> (Duration, Duration) {
    let mut term = Terminal::new(TestBackend::new(200, 60)).unwrap();
    let mut times = Vec::new();
    for i in 0..200 {
        step(state, i);
        let start = Instant::now();
        term.draw(|f| bbkeys::tui::ui::render(state, f)).unwrap();
        times.push(start.elapsed());
    }
    let worst = times.iter().max().copied().unwrap_or_default();
    (median(times), worst)
}

/// (c), main screen: the whole screen with 10,000 rows in the key list pane, the cursor
/// jumping around the list.
pub fn frame(rows: usize) -> Measured {
    let mut state = state_with_rows(rows);
    assert_eq!(state.key_rows().len(), rows, "the key list shows every row");
    let (time, worst) = frames(&mut state, |s, i| s.cursor[2] = (i * 487) % rows);
    Measured {
        time,
        note: format!(
            "frame of the main screen at 200×60, key list of {rows} rows: median {} over 200 frames, worst {}",
            super::ms(time),
            super::ms(worst)
        ),
    }
}

/// (c), All keys view (`K`): the 10,000 distinct keys of the inventory, over the same main
/// screen, the cursor jumping around the table. The first frame filters and sorts the rows;
/// later frames reuse them until the filter or the sort changes, as in the TUI.
pub fn all_keys_frame(rows: usize) -> Measured {
    let mut state = state_with_rows(rows);
    state.insight.inventories.insert(
        "scale".into(),
        WorkspaceInventory::new(Box::new(inventory(rows)), None, &state.insight.settings),
    );
    state.views.open(FullView::AllKeys);
    assert_eq!(
        all_keys_rows(&state).len(),
        rows,
        "the view shows every key"
    );
    let page = all_keys_page(&state);
    let (time, worst) = frames(&mut state, |s, i| {
        let v = &mut s.insight.all_keys;
        v.cursor = (i * 487) % rows;
        v.offset = v.cursor.saturating_sub(page / 2).min(rows - page);
    });
    Measured {
        time,
        note: format!(
            "frame of the All keys view at 200×60, {rows} distinct keys: median {} over 200 frames, worst {} (the first frame, which filters and sorts)",
            super::ms(time),
            super::ms(worst)
        ),
    }
}

/// A snapshot of `rows` repositories holding one distinct key each: `rows` inventory rows.
fn inventory(rows: usize) -> Inventory {
    let repos: Vec<serde_json::Value> = (0..rows)
        .map(
            |i| serde_json::json!({"slug": format!("repo-{i:05}"), "name": format!("repo-{i:05}")}),
        )
        .collect();
    let repo_keys: serde_json::Map<String, serde_json::Value> = (0..rows)
        .map(|i| {
            let key = serde_json::json!({
                "id": 18_000_000 + i,
                "key": key_line(i),
                "label": format!("deploy-{i:05}"),
                "comment": format!("ci-{}@build.example", i % 97),
                "created_on": "2024-03-01T09:15:00.000000+00:00",
                "last_used": null,
            });
            (format!("repo-{i:05}"), serde_json::json!({ "keys": [key] }))
        })
        .collect();
    let snapshot: Snapshot = serde_json::from_value(serde_json::json!({
        "workspace": "scale",
        "scanned_at": "2026-11-28T09:30:00Z",
        "repositories": repos,
        "projects": [],
        "repo_keys": repo_keys,
        "project_keys": {},
    }))
    .unwrap();
    Inventory::build(&snapshot)
}

/// Time per keystroke of typing `word`: each prefix filters all rows again, as a list does
/// when the filter text changes.
fn per_keystroke(word: &str, mut f: impl FnMut(&str) -> usize) -> (Duration, usize) {
    let mut times = Vec::new();
    let mut last = 0;
    for _ in 0..5 {
        for end in 1..=word.len() {
            let start = Instant::now();
            last = std::hint::black_box(f(&word[..end]));
            times.push(start.elapsed());
        }
    }
    (median(times), last)
}

/// (d): the inventory's view (what the All keys view will show) and the TUI's key list
/// filter, 10,000 rows each, per keystroke of a label, and of a fingerprint fragment.
pub fn filter(rows: usize) -> Measured {
    let inv = inventory(rows);
    assert_eq!(inv.keys.len(), rows);
    let order = SortOrder::default();
    let (inv_label, n1) = per_keystroke("deploy-0421", |f| inv.view(f, order).len());
    let (inv_fp, _) = per_keystroke("sha256:ab", |f| inv.view(f, order).len());
    let mut state = state_with_rows(rows);
    let (tui_label, n2) = per_keystroke("deploy-0421", |f| {
        state.filter[2] = f.to_string();
        state.key_rows().len()
    });
    let time = inv_label.max(inv_fp).max(tui_label);
    Measured {
        time,
        note: format!(
            "filtering {rows} rows per keystroke (median of each prefix typed): Inventory::view by label {} ({n1} left), by fingerprint {}; TUI key list filter {} ({n2} left); worst of the three {}",
            super::ms(inv_label),
            super::ms(inv_fp),
            super::ms(tui_label),
            super::ms(time)
        ),
    }
}
