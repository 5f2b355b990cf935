//! (e) peak RSS of the bbkeys process alone with 10,000 repositories × 3 keys, and (f) start-up
//! to first output from the cache. The simulator runs as `bbkeys demo-server` in its own
//! process, so its memory is not counted.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bbkeys::demo::credentials;

use super::{BIN, median};

/// What (e) and (f) measured.
pub struct Process {
    pub peak_rss_kb: u64,
    /// With 10,000 repositories.
    pub first_output: Duration,
    /// With 1,000 repositories.
    pub first_output_small: Duration,
    /// The TUI: spawn to first frame, to first frame showing the cached scan, and to its
    /// inventory; and its peak RSS with the cached scan loaded.
    pub tui: Result<(super::tui_start::Start, u64), String>,
    pub rss_note: String,
    pub start_note: String,
}

/// Stops the demo server when the measurement ends, however it ends. Its stdout stays open:
/// the server prints more lines after the first, and a closed pipe would kill it.
pub struct Server {
    child: Child,
    _stdout: Option<BufReader<std::process::ChildStdout>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn start_server(dataset: &str) -> Result<(Server, String), String> {
    let mut child = Command::new(BIN)
        .args(["demo-server", "--latency-ms", "0", "--dataset", dataset])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start {BIN} demo-server: {e}"))?;
    let out = child.stdout.take().ok_or("the demo server has no stdout")?;
    let mut server = Server {
        child,
        _stdout: None,
    };
    let mut reader = BufReader::new(out);
    let mut first = String::new();
    reader
        .read_line(&mut first)
        .map_err(|e| format!("the demo server said nothing: {e}"))?;
    let url = first
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .ok_or_else(|| format!("no URL in the demo server's first line: {first:?}"))?
        .to_string();
    server._stdout = Some(reader);
    Ok((server, url))
}

pub fn bbkeys(home: &Path, api_url: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    let config = home.join("bench.toml");
    cmd.args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("BBKEYS_CONFIG", config)
        .env("BBKEYS_API_URL", api_url)
        .env("BBKEYS_EMAIL", credentials::EMAIL)
        .env("BBKEYS_API_TOKEN", credentials::TOKEN)
        .env("BBKEYS_REPORT_PEAK_RSS", "1")
        .stdin(Stdio::null());
    cmd
}

/// Runs a command with stdout discarded; returns its peak RSS in kB (as bbkeys reports it).
pub fn peak_rss(mut cmd: Command) -> Result<(u64, Duration), String> {
    let start = Instant::now();
    let out = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| format!("cannot run bbkeys: {e}"))?;
    let took = start.elapsed();
    let err = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        return Err(format!("bbkeys failed: {err}"));
    }
    let kb = err
        .lines()
        .find_map(|l| l.strip_prefix("bbkeys: peak RSS "))
        .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
        .ok_or_else(|| format!("bbkeys did not report its peak RSS: {err}"))?;
    Ok((kb, took))
}

/// Time from spawning the command to the first byte on its stdout.
fn first_output(mut cmd: Command) -> Result<Duration, String> {
    let start = Instant::now();
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot run bbkeys: {e}"))?;
    let mut out = child.stdout.take().ok_or("no stdout")?;
    let mut byte = [0u8; 1];
    let n = out.read(&mut byte).map_err(|e| e.to_string())?;
    let took = start.elapsed();
    let mut rest = Vec::new();
    let _ = out.read_to_end(&mut rest);
    let status = child.wait().map_err(|e| e.to_string())?;
    if n == 0 || !status.success() {
        return Err(format!("bbkeys printed nothing or failed ({status})"));
    }
    Ok(took)
}

/// The size of every file under `dir`.
pub fn bytes_under(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => bytes_under(&e.path()),
            _ => e.metadata().map_or(0, |m| m.len()),
        })
        .sum()
}

/// Fills a fresh home's cache with a scan of `repos` repositories × 3 keys (through `audit`,
/// which stores it), then times `audit scale --cached` to its first output, median of 7.
fn cached_start(repos: usize) -> Result<(Duration, u64), String> {
    let home = tempfile::tempdir().map_err(|e| e.to_string())?;
    std::fs::write(home.path().join("bench.toml"), "hourly_budget = 1000000\n")
        .map_err(|e| e.to_string())?;
    let (server, url) = start_server(&format!("scale:{repos}x3"))?;
    peak_rss(bbkeys(home.path(), &url, &["audit", "scale", "--json"]))?;
    drop(server);
    let mut starts = Vec::new();
    for _ in 0..7 {
        let cmd = bbkeys(home.path(), &url, &["audit", "scale", "--cached"]);
        starts.push(first_output(cmd)?);
    }
    Ok((median(starts), bytes_under(&home.path().join("cache"))))
}

/// (e) and (f).
pub fn measure() -> Result<Process, String> {
    let home = tempfile::tempdir().map_err(|e| e.to_string())?;
    // 10,000 repositories cost about 10,111 requests: over Bitbucket's hourly 1,000, so the
    // benchmark's own config raises the budget (the simulator has no limit).
    std::fs::write(home.path().join("bench.toml"), "hourly_budget = 1000000\n")
        .map_err(|e| e.to_string())?;
    let (server, url) = start_server("scale:10000x3")?;
    let list = ["keys", "list", "scale", "--json"];
    let (list_kb, list_time) = peak_rss(bbkeys(home.path(), &url, &list))?;
    let audit = ["audit", "scale", "--json"];
    let (audit_kb, audit_time) = peak_rss(bbkeys(home.path(), &url, &audit))?;
    // The TUI needs the workspace list from the server before it knows which cache to read;
    // the simulator answers at once, so the time is start-up and the cache read.
    let tui = super::tui_start::measure(home.path(), &url);
    let tui_scan_kb = tempfile::tempdir()
        .map_err(|e| e.to_string())
        .and_then(|scan_home| {
            std::fs::write(
                scan_home.path().join("bench.toml"),
                "hourly_budget = 1000000\n",
            )
            .map_err(|e| e.to_string())?;
            super::tui_start::scan_rss(scan_home.path(), &url)
        });
    drop(server);
    let cached = ["audit", "scale", "--cached"];
    let (cached_kb, _) = peak_rss(bbkeys(home.path(), &url, &cached))?;
    let (big, big_bytes) = cached_start(10_000)?;
    let (small, small_bytes) = cached_start(1_000)?;
    let tui_kb = [
        tui.as_ref().map(|t| t.1).unwrap_or(0),
        *tui_scan_kb.as_ref().unwrap_or(&0),
    ];
    let peak = list_kb
        .max(audit_kb)
        .max(cached_kb)
        .max(tui_kb[0])
        .max(tui_kb[1]);
    let tui_note = |r: Result<u64, &String>| match r {
        Ok(kb) => format!("{:.1} MB", kb as f64 / 1024.0),
        Err(e) => format!("not measured ({e})"),
    };
    let (loaded_note, scan_note) = (
        tui_note(tui.as_ref().map(|t| t.1)),
        tui_note(tui_scan_kb.as_ref().copied()),
    );
    let mb = |b: u64| b as f64 / 1_048_576.0;
    Ok(Process {
        peak_rss_kb: peak,
        first_output: big,
        first_output_small: small,
        tui,
        rss_note: format!(
            "peak RSS of bbkeys alone (simulator in its own process), 10,000 repositories × 3 keys: `keys list scale --json` {:.1} MB ({:.1} s), `audit scale --json` {:.1} MB ({:.1} s), `audit scale --cached` {:.1} MB; the TUI with the cached scan loaded {}, the TUI after an R scan {}",
            list_kb as f64 / 1024.0,
            list_time.as_secs_f64(),
            audit_kb as f64 / 1024.0,
            audit_time.as_secs_f64(),
            cached_kb as f64 / 1024.0,
            loaded_note,
            scan_note,
        ),
        start_note: format!(
            "start-up to first output from the cache, `bbkeys audit scale --cached`, spawn to first byte on stdout, median of 7: 10,000 repositories × 3 keys (cache {:.1} MB) {}; 1,000 repositories × 3 keys (cache {:.1} MB) {}",
            mb(big_bytes),
            super::ms(big),
            mb(small_bytes),
            super::ms(small)
        ),
    })
}
