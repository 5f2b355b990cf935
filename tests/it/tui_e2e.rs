//! End-to-end (design.md §4, layer 5): the built binary in a pseudo-terminal, read through a
//! terminal emulator, as a person would see it.

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};

/// Waits for the screen to satisfy `pred`; fails at once if bbkeys exits first. The timeout
/// only keeps a broken build from hanging the suite.
fn wait_until(
    parser: &Arc<Mutex<vt100::Parser>>,
    child: &mut Box<dyn portable_pty::Child + Send + Sync>,
    what: &str,
    pred: impl Fn(&vt100::Screen) -> bool,
) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        {
            let p = parser.lock().unwrap();
            if pred(p.screen()) {
                return;
            }
            if let Some(status) = child.try_wait().unwrap() {
                panic!(
                    "bbkeys exited ({status:?}) before {what}; screen:\n{}",
                    p.screen().contents()
                );
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; screen:\n{}",
                p.screen().contents()
            );
        }
        std::thread::sleep(Duration::from_millis(25));
    }
}

#[test]
fn demo_shows_keys_and_q_restores_the_terminal() {
    let home = tempfile::tempdir().unwrap();
    let pty = native_pty_system()
        .openpty(PtySize {
            rows: 40,
            cols: 120,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_bbkeys"));
    cmd.arg("--demo");
    cmd.env_clear();
    cmd.env("PATH", std::env::var("PATH").unwrap_or_default());
    cmd.env("TERM", "xterm-256color");
    cmd.env("HOME", home.path());
    for var in [
        "XDG_CONFIG_HOME",
        "XDG_DATA_HOME",
        "XDG_STATE_HOME",
        "XDG_CACHE_HOME",
        "XDG_RUNTIME_DIR",
    ] {
        let dir = home.path().join(var.to_lowercase());
        std::fs::create_dir_all(&dir).unwrap();
        cmd.env(var, dir);
    }
    let mut child = pty.slave.spawn_command(cmd).unwrap();
    drop(pty.slave);

    let parser = Arc::new(Mutex::new(vt100::Parser::new(40, 120, 0)));
    let mut reader = pty.master.try_clone_reader().unwrap();
    let feed = parser.clone();
    let reader_thread = std::thread::spawn(move || {
        let mut buf = [0u8; 8192];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            feed.lock().unwrap().process(&buf[..n]);
        }
    });
    let mut writer = pty.master.take_writer().unwrap();

    wait_until(&parser, &mut child, "the demo's keys", |s| {
        let text = s.contents();
        s.alternate_screen()
            && text.contains("Access keys (")
            && text.contains("Fingerprint: SHA256:")
    });
    writer.write_all(b"q").unwrap();
    writer.flush().unwrap();

    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "bbkeys did not exit after q");
        std::thread::sleep(Duration::from_millis(25));
    };
    assert!(status.success(), "exit status {status:?}");
    drop(writer);
    drop(pty.master);
    let _ = reader_thread.join();
    let p = parser.lock().unwrap();
    assert!(
        !p.screen().alternate_screen(),
        "still in the alternate screen"
    );
    assert!(!p.screen().hide_cursor(), "cursor left hidden");
}
