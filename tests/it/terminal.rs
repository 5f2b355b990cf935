//! The terminal is given back after every way out (issue 9): SIGTERM, SIGHUP and a panic
//! (injected through `BBKEYS_DEBUG_PANIC_AFTER_FRAMES`, which only debug builds read).
//!
//! bbkeys runs in a pseudo-terminal under `sh`, which afterwards prints bbkeys' exit status
//! and `stty -a`. "Restored" is read from two witnesses: the terminal emulator (vt100) says
//! the alternate screen was left, the cursor is shown and mouse reporting is off, and `stty`
//! says the line discipline is back in canonical mode with echo (raw mode off).

pub mod pty;

use pty::PtyRun;

/// What `sh` prints after bbkeys ends; the test waits for the last line.
const AFTER: &str = "; echo \"EXIT:$?\"; stty -a; echo AFTER-END";

/// Starts the demo UI; waits for its keys unless a panic is expected to come first.
fn start(home: &std::path::Path, extra_env: &[(&str, &str)], wait_for_keys: bool) -> PtyRun {
    let script = format!("\"$0\" --demo{AFTER}");
    let mut env = vec![("BBKEYS_LOG", "trace"), ("RUST_BACKTRACE", "0")];
    env.extend_from_slice(extra_env);
    let mut run = PtyRun::spawn_sh(&script, home, &env);
    if !wait_for_keys {
        return run;
    }
    run.wait_screen("the demo's keys", |s| {
        s.alternate_screen() && s.contents().contains("Access keys (")
    });
    run
}

/// Waits for `sh` to finish and checks every sign of a restored terminal; returns the
/// primary screen's text and every byte written.
fn assert_restored(mut run: PtyRun, exit: &str) -> (String, Vec<u8>) {
    run.wait_raw("the shell's report", |raw| raw.contains("AFTER-END"));
    let raw = run.raw_text();
    let screen = run.screen();
    assert!(!screen.alternate_screen(), "still in the alternate screen");
    assert!(!screen.hide_cursor(), "cursor left hidden");
    assert_eq!(
        screen.mouse_protocol_mode(),
        vt100::MouseProtocolMode::None,
        "mouse capture left on"
    );
    assert!(raw.contains(&format!("EXIT:{exit}")), "exit status: {raw}");
    let stty = &raw[raw.rfind("EXIT:").unwrap_or(0)..];
    let flags: Vec<&str> = stty.split_whitespace().collect();
    for flag in ["icanon", "echo", "isig", "icrnl", "opost"] {
        assert!(
            flags.contains(&flag),
            "raw mode left on: stty lacks {flag}: {stty}"
        );
    }
    let bytes = run.raw_bytes();
    run.finish();
    (screen.contents(), bytes)
}

#[test]
fn sigterm_restores_the_terminal() {
    let home = tempfile::tempdir().unwrap();
    let run = start(home.path(), &[], true);
    run.signal_bbkeys("TERM");
    assert_restored(run, "0");
}

#[test]
fn sighup_restores_the_terminal() {
    let home = tempfile::tempdir().unwrap();
    let run = start(home.path(), &[], true);
    run.signal_bbkeys("HUP");
    assert_restored(run, "0");
}

#[test]
fn a_panic_restores_the_terminal_and_its_message_is_readable() {
    let home = tempfile::tempdir().unwrap();
    // A few frames in, so the panic hits a drawn UI in raw mode and the alternate screen.
    let run = start(
        home.path(),
        &[("BBKEYS_DEBUG_PANIC_AFTER_FRAMES", "3")],
        false,
    );
    let (text, raw) = assert_restored(run, "101");
    let entered = find(&raw, b"\x1b[?1049h").expect("the UI entered the alternate screen");
    let panicked = find(&raw, b"injected panic").expect("the panic message was printed");
    assert!(entered < panicked, "the UI was up when it panicked");
    assert!(
        text.contains("injected panic after 3 frames"),
        "the panic message is on the normal screen:\n{text}"
    );
}

#[test]
fn the_panic_variable_is_read_only_by_debug_builds() {
    // The test binary and bbkeys share the profile; this guards the claim in docs/security.md.
    let source = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/tui/runloop.rs"),
    )
    .unwrap();
    let at = source.find("fn debug_panic_after_frame").unwrap();
    let before = &source[..at];
    assert!(
        before
            .trim_end()
            .lines()
            .rev()
            .take(6)
            .any(|l| l.trim() == "#[cfg(debug_assertions)]"),
        "debug_panic_after_frame must be #[cfg(debug_assertions)]"
    );
    assert_eq!(
        source.matches("BBKEYS_DEBUG_PANIC_AFTER_FRAMES\")").count(),
        1,
        "the variable is read in one place"
    );
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
