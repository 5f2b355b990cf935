//! The TUI in a 200×60 pseudo-terminal, against a 10,000 repositories × 3 keys workspace.
//!
//! (f): start-up to the first frame, to the first frame that shows the cached scan in the
//! panes, and to the first frame after its inventory (All keys, find, export) is ready.
//! `BBKEYS_BENCH_EXIT_AFTER_CACHED_FRAME=1` makes bbkeys say on stderr when it drew each of
//! these frames and quit after the last; the times run from spawn to those lines, so they
//! include process start, terminal set-up and the cache read.
//!
//! (e): the TUI's peak RSS (`BBKEYS_REPORT_PEAK_RSS=1`, printed at exit) with the workspace
//! loaded from the cache, and after an `R` scan of it from the simulator.

use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bbkeys::demo::credentials;
use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};

use super::median;

const FIRST: &str = "bbkeys-bench: first frame";
const CACHED: &str = "bbkeys-bench: first cached frame";
const INDEXED: &str = "bbkeys-bench: cached inventory frame";
const RSS: &str = "bbkeys: peak RSS ";

/// Spawn to each of the three frames of one TUI start.
#[derive(Debug, Clone, Copy)]
pub struct Start {
    /// The first frame (empty panes).
    pub first: Duration,
    /// The first frame whose panes show the cached scan.
    pub cached: Duration,
    /// The first frame after the cached scan's inventory arrived.
    pub indexed: Duration,
}

/// What a TUI wrote so far.
#[derive(Default)]
struct Output {
    /// Every byte, as text.
    raw: String,
    /// The screen as it looks now: the TUI redraws only the cells that change, so a sentence
    /// on screen need not appear whole in `raw`.
    screen: String,
    /// Each marker of [`FIRST`], [`CACHED`], [`INDEXED`] seen, with when it arrived.
    marks: Vec<(&'static str, Duration)>,
}

/// A running TUI and everything it has written so far.
struct Session {
    start: Instant,
    child: Box<dyn Child + Send + Sync>,
    _master: Box<dyn MasterPty + Send>,
    input: Box<dyn Write + Send>,
    seen: Arc<Mutex<Output>>,
}

impl Session {
    fn spawn(home: &Path, api_url: &str) -> Result<Session, String> {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: 60,
                cols: 200,
                pixel_width: 0,
                pixel_height: 0,
            })
            .map_err(|e| format!("no pseudo-terminal: {e}"))?;
        let mut cmd = CommandBuilder::new(super::BIN);
        cmd.env_clear();
        cmd.env("PATH", std::env::var("PATH").unwrap_or_default());
        cmd.env("TERM", "xterm-256color");
        cmd.env("HOME", home);
        for (var, dir) in [
            ("XDG_CONFIG_HOME", "config"),
            ("XDG_STATE_HOME", "state"),
            ("XDG_CACHE_HOME", "cache"),
            ("XDG_DATA_HOME", "data"),
        ] {
            cmd.env(var, home.join(dir));
        }
        cmd.env("BBKEYS_CONFIG", home.join("bench.toml"));
        cmd.env("BBKEYS_API_URL", api_url);
        cmd.env("BBKEYS_EMAIL", credentials::EMAIL);
        cmd.env("BBKEYS_API_TOKEN", credentials::TOKEN);
        cmd.env("BBKEYS_BENCH_EXIT_AFTER_CACHED_FRAME", "1");
        cmd.env("BBKEYS_REPORT_PEAK_RSS", "1");
        let start = Instant::now();
        let child = pair
            .slave
            .spawn_command(cmd)
            .map_err(|e| format!("cannot start the TUI: {e}"))?;
        drop(pair.slave);
        let mut source = pair.master.try_clone_reader().map_err(|e| e.to_string())?;
        let input = pair.master.take_writer().map_err(|e| e.to_string())?;
        let seen = Arc::new(Mutex::new(Output::default()));
        let sink = seen.clone();
        // Reads until the TUI ends, timing each marker the moment its bytes arrive.
        std::thread::spawn(move || {
            let mut buf = [0u8; 16384];
            let mut terminal = vt100::Parser::new(60, 200, 0);
            while let Ok(n) = source.read(&mut buf) {
                if n == 0 {
                    break;
                }
                let at = start.elapsed();
                terminal.process(&buf[..n]);
                let Ok(mut seen) = sink.lock() else { break };
                let out = &mut *seen;
                out.raw.push_str(&String::from_utf8_lossy(&buf[..n]));
                out.screen = terminal.screen().contents();
                for marker in [FIRST, CACHED, INDEXED] {
                    if !out.marks.iter().any(|(m, _)| *m == marker) && out.raw.contains(marker) {
                        out.marks.push((marker, at));
                    }
                }
            }
        });
        Ok(Session {
            start,
            child,
            _master: pair.master,
            input,
            seen,
        })
    }

    /// Waits until `text` has appeared in the output.
    fn wait_for(&self, text: &str, limit: Duration) -> Result<(), String> {
        while self.start.elapsed() < limit {
            if self
                .seen
                .lock()
                .is_ok_and(|s| s.raw.contains(text) || s.screen.contains(text))
            {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        Err(format!("the TUI did not show {text:?} within {limit:?}"))
    }

    fn marker(&self, marker: &str) -> Option<Duration> {
        let seen = self.seen.lock().ok()?;
        seen.marks
            .iter()
            .find(|(m, _)| *m == marker)
            .map(|(_, t)| *t)
    }

    /// Waits for the TUI to end (it prints its peak RSS then) and returns that, in kB.
    fn peak_rss_at_exit(mut self) -> Result<u64, String> {
        let limit = Instant::now() + Duration::from_secs(20);
        while self.child.try_wait().map_err(|e| e.to_string())?.is_none() {
            if Instant::now() > limit {
                let _ = self.child.kill();
                return Err("the TUI did not end within 20 s".into());
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        // The last bytes may still be on their way through the reader.
        std::thread::sleep(Duration::from_millis(100));
        let seen = self.seen.lock().map_err(|e| e.to_string())?;
        let at = seen
            .raw
            .find(RSS)
            .ok_or("the TUI did not report its peak RSS")?;
        seen.raw[at + RSS.len()..]
            .split_whitespace()
            .next()
            .and_then(|kb| kb.parse().ok())
            .ok_or_else(|| "the TUI's peak RSS line did not parse".into())
    }
}

/// One start with the cache filled: the three frame times, and the peak RSS.
pub fn one_start(home: &Path, api_url: &str) -> Result<(Start, u64), String> {
    let session = Session::spawn(home, api_url)?;
    session.wait_for(INDEXED, Duration::from_secs(20))?;
    let start = match (
        session.marker(FIRST),
        session.marker(CACHED),
        session.marker(INDEXED),
    ) {
        (Some(first), Some(cached), Some(indexed)) => Start {
            first,
            cached,
            indexed,
        },
        _ => return Err("the TUI did not say when it drew each frame".into()),
    };
    Ok((start, session.peak_rss_at_exit()?))
}

/// Spawn to the first frame of a start whose cache holds nothing: the TUI is stopped then.
pub fn first_frame_only(home: &Path, api_url: &str) -> Result<Duration, String> {
    let mut session = Session::spawn(home, api_url)?;
    let seen = session.wait_for(FIRST, Duration::from_secs(20));
    let first = session.marker(FIRST);
    let _ = session.child.kill();
    let _ = session.child.wait();
    seen?;
    first.ok_or_else(|| "the TUI did not say when it drew its first frame".into())
}

/// Medians of each figure over 7 starts, with the simulator answering at once, and the
/// largest peak RSS of them; `home` already holds the cached scan.
pub fn measure(home: &Path, api_url: &str) -> Result<(Start, u64), String> {
    let mut starts = Vec::new();
    let mut rss = 0;
    for _ in 0..7 {
        let (start, kb) = one_start(home, api_url)?;
        starts.push(start);
        rss = rss.max(kb);
    }
    let of = |f: fn(&Start) -> Duration| median(starts.iter().map(f).collect());
    Ok((
        Start {
            first: of(|s| s.first),
            cached: of(|s| s.cached),
            indexed: of(|s| s.indexed),
        },
        rss,
    ))
}

/// The TUI's peak RSS after an `R` scan of the workspace, started with an empty cache
/// (`home` must hold none); the scan is stored in `home` on the way.
pub fn scan_rss(home: &Path, api_url: &str) -> Result<u64, String> {
    let mut session = Session::spawn(home, api_url)?;
    session.wait_for(FIRST, Duration::from_secs(20))?;
    session.wait_for("Scale Test", Duration::from_secs(20))?;
    session.input.write_all(b"R").map_err(|e| e.to_string())?;
    session.wait_for("Scanned scale", Duration::from_secs(300))?;
    session.input.write_all(b"q").map_err(|e| e.to_string())?;
    session.peak_rss_at_exit()
}
