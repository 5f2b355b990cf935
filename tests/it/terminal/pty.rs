//! bbkeys under `sh` in a pseudo-terminal: the raw bytes it wrote, the screen a terminal
//! emulator (vt100) shows for them, and signals sent to bbkeys itself rather than the shell.

use std::io::Read;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};

const ROWS: u16 = 40;
const COLS: u16 = 120;

/// Waits are bounded only so a broken build fails instead of hanging the suite.
const PATIENCE: Duration = Duration::from_secs(60);

/// A running `sh -c SCRIPT bbkeys` in a pseudo-terminal.
pub struct PtyRun {
    child: Box<dyn Child + Send + Sync>,
    master: Box<dyn MasterPty + Send>,
    parser: Arc<Mutex<vt100::Parser>>,
    raw: Arc<Mutex<Vec<u8>>>,
    reader: Option<JoinHandle<()>>,
}

impl PtyRun {
    /// Starts `sh -c script` with `$0` set to the bbkeys binary, HOME and XDG_* under `home`,
    /// and an otherwise empty environment plus `env`.
    pub fn spawn_sh(script: &str, home: &Path, env: &[(&str, &str)]) -> PtyRun {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: ROWS,
                cols: COLS,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let mut cmd = CommandBuilder::new("sh");
        cmd.args(["-c", script, env!("CARGO_BIN_EXE_bbkeys")]);
        cmd.env_clear();
        cmd.env("PATH", std::env::var("PATH").unwrap_or_default());
        cmd.env("TERM", "xterm-256color");
        cmd.env("HOME", home);
        for var in [
            "XDG_CONFIG_HOME",
            "XDG_DATA_HOME",
            "XDG_STATE_HOME",
            "XDG_CACHE_HOME",
            "XDG_RUNTIME_DIR",
        ] {
            let dir = home.join(var.to_lowercase());
            std::fs::create_dir_all(&dir).unwrap();
            cmd.env(var, dir);
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = pair.slave.spawn_command(cmd).unwrap();
        drop(pair.slave);
        let parser = Arc::new(Mutex::new(vt100::Parser::new(ROWS, COLS, 0)));
        let raw = Arc::new(Mutex::new(Vec::new()));
        let mut source = pair.master.try_clone_reader().unwrap();
        let (feed, log) = (parser.clone(), raw.clone());
        let reader = std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = source.read(&mut buf) {
                if n == 0 {
                    break;
                }
                feed.lock().unwrap().process(&buf[..n]);
                log.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        PtyRun {
            child,
            master: pair.master,
            parser,
            raw,
            reader: Some(reader),
        }
    }

    /// A copy of the emulated screen.
    pub fn screen(&self) -> vt100::Screen {
        self.parser.lock().unwrap().screen().clone()
    }

    /// Everything written to the terminal so far.
    pub fn raw_bytes(&self) -> Vec<u8> {
        self.raw.lock().unwrap().clone()
    }

    /// [`PtyRun::raw_bytes`] as text.
    pub fn raw_text(&self) -> String {
        String::from_utf8_lossy(&self.raw_bytes()).into_owned()
    }

    /// Waits until the screen satisfies `pred`; fails if the shell ends first.
    pub fn wait_screen(&mut self, what: &str, pred: impl Fn(&vt100::Screen) -> bool) {
        self.wait(what, |run| pred(&run.screen()), true);
    }

    /// Waits until the raw output satisfies `pred` (the shell may end meanwhile).
    pub fn wait_raw(&mut self, what: &str, pred: impl Fn(&str) -> bool) {
        self.wait(what, |run| pred(&run.raw_text()), false);
    }

    fn wait(&mut self, what: &str, pred: impl Fn(&PtyRun) -> bool, must_run: bool) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if pred(self) {
                return;
            }
            if must_run && let Some(status) = self.child.try_wait().unwrap() {
                panic!(
                    "the shell ended ({status:?}) before {what}; output:\n{}",
                    self.raw_text()
                );
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; screen:\n{}",
                self.screen().contents()
            );
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// Sends `SIG<name>` to bbkeys (the shell's child), not to the shell.
    pub fn signal_bbkeys(&self, name: &str) {
        let shell = self.child.process_id().unwrap();
        let pid = child_of(shell).unwrap_or_else(|| panic!("no bbkeys under sh {shell}"));
        let status = std::process::Command::new("kill")
            .arg(format!("-{name}"))
            .arg(pid.to_string())
            .status()
            .unwrap();
        assert!(status.success(), "kill -{name} {pid}");
    }

    /// Waits for the shell to end and the output to drain.
    pub fn finish(mut self) {
        let deadline = Instant::now() + PATIENCE;
        while self.child.try_wait().unwrap().is_none() {
            assert!(Instant::now() < deadline, "the shell did not end");
            std::thread::sleep(Duration::from_millis(25));
        }
        drop(self.master);
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
    }
}

/// The first process whose parent is `parent` (Linux `/proc`).
fn child_of(parent: u32) -> Option<u32> {
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // `pid (comm) state ppid ...`; comm may hold spaces, so split after the last ')'.
        let ppid = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1))
            .and_then(|p| p.parse::<u32>().ok());
        if ppid == Some(parent) {
            return Some(pid);
        }
    }
    None
}
