//! (f) for the TUI: start-up to the first frame, to the first frame that shows the cached scan
//! in the panes, and to the first frame after its inventory (All keys, find, export) is ready,
//! of `bbkeys` (the terminal UI) in a pseudo-terminal. The cache holds a scan of 10,000
//! repositories × 3 keys. `BBKEYS_BENCH_EXIT_AFTER_CACHED_FRAME=1` makes bbkeys say on stderr
//! when it drew each of these frames and quit after the last; the times here run from spawn to
//! those lines, so they include process start, terminal set-up and the cache read.

use std::io::Read;
use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use bbkeys::demo::credentials;
use portable_pty::{CommandBuilder, PtySize, native_pty_system};

use super::median;

const FIRST: &str = "bbkeys-bench: first frame";
const CACHED: &str = "bbkeys-bench: first cached frame";
const INDEXED: &str = "bbkeys-bench: cached inventory frame";

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

/// Spawn to each marker of one TUI start.
fn one_start(home: &Path, api_url: &str) -> Result<Start, String> {
    let pair = native_pty_system()
        .openpty(PtySize {
            rows: 60,
            cols: 200,
            pixel_width: 0,
            pixel_height: 0,
        })
        .map_err(|e| format!("no pseudo-terminal: {e}"))?;
    let mut cmd = CommandBuilder::new(super::rss::BIN);
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
    let start = Instant::now();
    let mut child = pair
        .slave
        .spawn_command(cmd)
        .map_err(|e| format!("cannot start the TUI: {e}"))?;
    drop(pair.slave);
    let mut source = pair.master.try_clone_reader().map_err(|e| e.to_string())?;
    let (tx, rx) = mpsc::channel();
    // Reads until the TUI ends, timing each marker the moment its bytes arrive.
    std::thread::spawn(move || {
        let mut seen = String::new();
        let mut buf = [0u8; 16384];
        let mut said = [false; 3];
        while let Ok(n) = source.read(&mut buf) {
            if n == 0 {
                break;
            }
            seen.push_str(&String::from_utf8_lossy(&buf[..n]));
            for (i, marker) in [FIRST, CACHED, INDEXED].into_iter().enumerate() {
                if !said[i] && seen.contains(marker) {
                    said[i] = true;
                    let _ = tx.send((i, start.elapsed()));
                }
            }
        }
    });
    let mut at = [None; 3];
    while at[2].is_none() {
        match rx.recv_timeout(Duration::from_secs(20)) {
            Ok((i, t)) => at[i] = Some(t),
            Err(_) => break,
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    match at {
        [Some(first), Some(cached), Some(indexed)] => Ok(Start {
            first,
            cached,
            indexed,
        }),
        _ => Err("the TUI did not draw the cached scan and its inventory within 20 s".into()),
    }
}

/// Medians of each figure over 7 starts, with the simulator answering at once; `home` already
/// holds the cached scan.
pub fn measure(home: &Path, api_url: &str) -> Result<Start, String> {
    let mut starts = Vec::new();
    for _ in 0..7 {
        starts.push(one_start(home, api_url)?);
    }
    let of = |f: fn(&Start) -> Duration| median(starts.iter().map(f).collect());
    Ok(Start {
        first: of(|s| s.first),
        cached: of(|s| s.cached),
        indexed: of(|s| s.indexed),
    })
}
