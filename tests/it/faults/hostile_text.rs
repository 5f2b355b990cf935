//! Server text written to attack a terminal: labels, comments and names carrying escape
//! sequences (OSC 52 clipboard writes, screen clears, C1 controls, bidirectional overrides,
//! line breaks) and 10,000-character labels. The client keeps the data as the server sent it;
//! whatever reaches a terminal (CLI tables, CSV, JSON text, the TUI's cells) must be clean. A
//! key listing's JSON keeps the original label, escaped so the text itself is clean.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bbkeys::bitbucket::Client;
use bbkeys::demo::{Fault, FaultAction, PathPattern, Simulator, key_line};
use bbkeys::sshkey::PublicKey;
use bbkeys::tui::TuiOutcome;
use bbkeys::tui::keymap::Keymap;
use bbkeys::tui::runloop::{Host, Input, run_with};
use bbkeys::tui::state::State;
use bbkeys::tui::theme::Theme;
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use serde_json::Value;

use super::{options, scan};
use crate::common::*;

/// A label that tries to write the clipboard, clear the screen, colour text, reverse it and
/// break the line. Cleaned, it reads [`HOSTILE_CLEAN`].
const HOSTILE: &str =
    "evil\u{1b}]52;c;cHduZWQ=\u{7}\u{1b}[2J\u{1b}[31mred\u{9b}1mtext\u{202e}gnp.exe\r\nsecond\u{7}";
/// What a person should see of [`HOSTILE`].
const HOSTILE_CLEAN: &str = "evilredtextgnp.exe second";

/// 10,000 characters, starting with a screen clear.
fn long_label() -> String {
    format!("\u{1b}[2J{}", "x".repeat(10_000 - 4))
}

/// Bytes a terminal would act on: C0 controls but the line feed, DEL, C1 controls (as UTF-8)
/// and bidirectional overrides. Panics naming the first one found.
pub fn assert_terminal_safe(bytes: &[u8], what: &str) {
    let text = String::from_utf8_lossy(bytes);
    for (i, c) in text.char_indices() {
        let bad = (c.is_control() && c != '\n')
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
        if bad {
            let from = text[..i].char_indices().rev().nth(30).map_or(0, |(j, _)| j);
            panic!("{what}: {c:?} at byte {i}, after {:?}", &text[from..i]);
        }
    }
}

/// Every string inside a JSON document is safe to print.
fn assert_json_strings_safe(v: &Value, what: &str) {
    match v {
        Value::String(s) => assert_terminal_safe(s.as_bytes(), what),
        Value::Array(a) => a.iter().for_each(|v| assert_json_strings_safe(v, what)),
        Value::Object(o) => o.iter().for_each(|(k, v)| {
            assert_terminal_safe(k.as_bytes(), what);
            assert_json_strings_safe(v, what);
        }),
        _ => {}
    }
}

/// Whether `o` is a key row or holding: Bitbucket's own text about one key on one place.
fn is_key_row(o: &serde_json::Map<String, Value>) -> bool {
    o.contains_key("id") && o.contains_key("label") && o.contains_key("scope")
}

/// Every key row and holding in `v`.
fn key_rows<'v>(v: &'v Value, out: &mut Vec<&'v Value>) {
    match v {
        Value::Object(o) => {
            if is_key_row(o) {
                out.push(v);
            }
            o.values().for_each(|v| key_rows(v, out));
        }
        Value::Array(a) => a.iter().for_each(|v| key_rows(v, out)),
        _ => {}
    }
}

/// `v` without the label and comment of its key rows and holdings.
fn without_server_text(v: &Value) -> Value {
    match v {
        Value::Object(o) => {
            let row = is_key_row(o);
            Value::Object(
                o.iter()
                    .filter(|(k, _)| !(row && (*k == "label" || *k == "comment")))
                    .map(|(k, v)| (k.clone(), without_server_text(v)))
                    .collect(),
            )
        }
        Value::Array(a) => Value::Array(a.iter().map(without_server_text).collect()),
        other => other.clone(),
    }
}

/// Labels, comments and names of acme turned hostile. Only the first matching transform acts
/// on a request, so the specific rule comes before the general one.
fn hostile(sim: &Simulator) {
    let ctl = sim.control();
    let set = |field: &str, value: Value| FaultAction::SetField {
        field: field.into(),
        value,
    };
    ctl.add_fault(Fault::prefix(
        "/2.0/repositories/acme/admin-dashboard/deploy-keys",
        FaultAction::label(&long_label()),
    ));
    ctl.add_fault(Fault::glob(
        "/2.0/repositories/acme/*/deploy-keys",
        FaultAction::label(HOSTILE),
    ));
    ctl.add_fault(Fault::glob(
        "/2.0/workspaces/acme/projects/*/deploy-keys",
        set("comment", HOSTILE.into()),
    ));
    for path in ["/2.0/workspaces/acme", "/2.0/repositories/acme"] {
        ctl.add_fault(Fault::new(
            PathPattern::Exact(path.into()),
            set("name", HOSTILE.into()),
        ));
    }
}

#[tokio::test]
async fn the_client_keeps_hostile_text_as_sent() {
    let sim = sim().await;
    hostile(&sim);
    let s = scan(&options(&sim, 4, 1500), "acme").await.unwrap();
    let label = |slug: &str| s.repo_keys[slug].as_ref().unwrap()[0].label.clone();
    assert_eq!(label("admin-dashboard").chars().count(), 10_000);
    assert_eq!(label("api"), HOSTILE);
    let api = s.repositories.iter().find(|r| r.slug == "api").unwrap();
    assert_eq!(api.name, HOSTILE);
}

#[tokio::test]
async fn no_escape_reaches_the_cli_output() {
    let sim = sim().await;
    hostile(&sim);
    let home = tempfile::tempdir().unwrap();
    let env = env_full(&sim);
    let cfg = fast_config(home.path());
    let fp = PublicKey::parse(key_line(1).unwrap())
        .unwrap()
        .fingerprint();
    let runs: [&[&str]; 12] = [
        &["keys", "list", "acme"],
        &["keys", "list", "acme", "--csv"],
        &["--json", "keys", "list", "acme"],
        &["keys", "list", "acme/api"],
        &["keys", "list", "acme", "--project", "WEB"],
        &["workspaces"],
        &["--json", "workspaces"],
        &["repos", "acme"],
        &["audit", "acme"],
        &["audit", "acme", "--csv"],
        &["--json", "audit", "acme"],
        &["keys", "find", fp.as_str(), "--workspace", "acme"],
    ];
    let mut seen_clean = false;
    let mut seen_long = false;
    for args in runs {
        let mut full = vec!["--config", cfg.to_str().unwrap()];
        full.extend_from_slice(args);
        let out = bbkeys(home.path(), &env_ref(&env), &full, "").await;
        let what = format!("bbkeys {}", args.join(" "));
        assert!(
            matches!(out.status.code(), Some(0 | 4)),
            "{what}: {:?} {}",
            out.status,
            stderr(&out)
        );
        assert!(!stderr(&out).contains("panicked"), "{what}");
        assert_terminal_safe(&out.stdout, &format!("{what} (stdout)"));
        assert_terminal_safe(&out.stderr, &format!("{what} (stderr)"));
        if args.contains(&"--json") {
            let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
            // Key rows and holdings keep the server's label and comment (issue 14, item 14):
            // the JSON text escapes them (checked above), a parser gets the original, and
            // every other string is clean.
            assert_json_strings_safe(&without_server_text(&doc), &what);
            let mut rows = Vec::new();
            key_rows(&doc, &mut rows);
            if args.contains(&"workspaces") {
                assert!(rows.is_empty(), "{what}");
            } else {
                assert!(
                    rows.iter()
                        .any(|r| r["repo"] == "api" && r["label"] == HOSTILE),
                    "{what}: the original label of acme/api"
                );
                seen_long |= rows.iter().any(|r| r["label"] == long_label().as_str());
            }
        }
        seen_clean |= stdout(&out).contains(HOSTILE_CLEAN);
    }
    assert!(seen_clean, "the printable part of the label is shown");
    assert!(seen_long, "--json keeps the whole 10,000-character label");
}

/// Keeps the last frame's buffer.
#[derive(Clone, Default)]
struct Frames(Arc<Mutex<Option<Buffer>>>);

impl Host for Frames {
    fn copy_to_clipboard(&mut self, _text: &str) -> std::io::Result<()> {
        Ok(())
    }
    fn suspend(&mut self) -> std::io::Result<()> {
        Ok(())
    }
    fn drawn(&mut self, screen: &Buffer) {
        *self.0.lock().unwrap() = Some(screen.clone());
    }
}

impl Frames {
    /// Waits for a frame whose text holds `needle`; checks every cell of it.
    async fn wait_for(&self, needle: &str) -> String {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(buf) = self.0.lock().unwrap().clone() {
                let text: String = buf.content.iter().map(|c| c.symbol()).collect();
                for cell in &buf.content {
                    assert_terminal_safe(cell.symbol().as_bytes(), "a TUI cell");
                }
                if text.contains(needle) {
                    return text;
                }
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "no frame shows {needle:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_escape_reaches_a_tui_cell() {
    let sim = sim().await;
    hostile(&sim);
    let client: Client = options(&sim, 4, 1500);
    let state = State::new(true, true, Keymap::default(), Theme::default_colours());
    let frames = Frames::default();
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel::<Input>();
    let events = Box::pin(futures::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|e| (e, rx))
    }));
    let mut host = frames.clone();
    let ui = tokio::spawn(async move {
        let mut term = Terminal::new(TestBackend::new(120, 40)).unwrap();
        run_with(&mut term, events, state, Some(client), &mut host).await
    });
    let key = |c: char| {
        tx.send(Input::Term(Event::Key(KeyEvent::new(
            KeyCode::Char(c),
            KeyModifiers::NONE,
        ))))
        .unwrap()
    };
    // The workspace's hostile name, then the first repository: its 10,000-character label.
    frames.wait_for("evilredtext").await;
    key('2');
    frames.wait_for("xxxxxxxxxxxxxxxxxxxx").await;
    // The next repository's keys carry the escape-laden label.
    key('j');
    frames.wait_for("Fingerprint: SHA256:").await;
    frames.wait_for("evilredtextgnp.exe").await;
    key('q');
    let outcome = tokio::time::timeout(Duration::from_secs(30), ui)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(outcome, TuiOutcome::Quit);
}
