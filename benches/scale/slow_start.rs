//! (g) issue 21: start-up from the cache while the server is slow. The TUI starts with a
//! cached scan of `repos` repositories × 3 keys against a simulator that takes seconds per
//! request; the figures are spawn to the first frame showing the cached repositories, less
//! spawn to the first frame of a start with no cache (same server); spawn to the All keys
//! view being ready; the peak RSS with the scan loaded; and the cache's size on disk.

use std::io::{Read, Write};
use std::time::Duration;

use super::rss::{bbkeys, bytes_under, peak_rss, start_server};
use super::tui_start::{Start, first_frame_only, one_start};
use super::{median, ms};

/// What one size measured.
pub struct SlowStart {
    /// Medians over the cached starts.
    pub cached: Start,
    /// Median spawn to first frame of a start with an empty cache.
    pub no_cache_first: Duration,
    /// The largest peak RSS of the cached starts, in kB.
    pub rss_kb: u64,
    /// Bytes under the cache directory.
    pub cache_bytes: u64,
    pub note: String,
}

impl SlowStart {
    /// First cached frame less the first frame without a cache (zero if faster).
    pub fn extra(&self) -> Duration {
        self.cached.cached.saturating_sub(self.no_cache_first)
    }
}

/// Sets the simulator's latency through its control routes (`PUT /_sim/latency`).
fn set_latency(api_url: &str, ms: u64) -> Result<(), String> {
    let host = api_url
        .strip_prefix("http://")
        .and_then(|r| r.split('/').next())
        .ok_or_else(|| format!("not an http URL: {api_url}"))?;
    let body = format!("{{\"ms\":{ms}}}");
    let mut conn = std::net::TcpStream::connect(host).map_err(|e| e.to_string())?;
    write!(
        conn,
        "PUT /_sim/latency HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .map_err(|e| e.to_string())?;
    let mut answer = String::new();
    conn.read_to_string(&mut answer)
        .map_err(|e| e.to_string())?;
    if answer.starts_with("HTTP/1.1 2") {
        Ok(())
    } else {
        Err(format!("the simulator refused the latency: {answer}"))
    }
}

fn fresh_home() -> Result<tempfile::TempDir, String> {
    let home = tempfile::tempdir().map_err(|e| e.to_string())?;
    std::fs::write(home.path().join("bench.toml"), "hourly_budget = 1000000\n")
        .map_err(|e| e.to_string())?;
    Ok(home)
}

/// (g) for `repos` repositories, the server answering in `latency` once the cache is filled.
pub fn measure(repos: usize, latency: Duration) -> Result<SlowStart, String> {
    let home = fresh_home()?;
    let (server, url) = start_server(&format!("scale:{repos}x3"))?;
    // The scan through the CLI stores it; one TUI start stores the workspace list.
    peak_rss(bbkeys(home.path(), &url, &["audit", "scale", "--json"]))?;
    one_start(home.path(), &url)?;
    let cache_bytes = bytes_under(&home.path().join("cache"));
    set_latency(&url, latency.as_millis() as u64)?;
    let mut starts = Vec::new();
    let mut rss_kb = 0;
    for _ in 0..3 {
        let (start, kb) = one_start(home.path(), &url)?;
        starts.push(start);
        rss_kb = rss_kb.max(kb);
    }
    let empty = fresh_home()?;
    let mut firsts = Vec::new();
    for _ in 0..3 {
        firsts.push(first_frame_only(empty.path(), &url)?);
    }
    drop(server);
    let of = |f: fn(&Start) -> Duration| median(starts.iter().map(f).collect());
    let cached = Start {
        first: of(|s| s.first),
        cached: of(|s| s.cached),
        indexed: of(|s| s.indexed),
    };
    let no_cache_first = median(firsts);
    let note = format!(
        "the TUI at 200×60, cached scan of {repos} repositories × 3 keys ({:.1} MB on disk), the server answering in {} ms, median of 3: first frame {}, first frame showing the cached repositories {}, All keys ready {}; a start with no cache: first frame {}; peak RSS {:.1} MB",
        cache_bytes as f64 / 1_048_576.0,
        latency.as_millis(),
        ms(cached.first),
        ms(cached.cached),
        ms(cached.indexed),
        ms(no_cache_first),
        rss_kb as f64 / 1024.0,
    );
    Ok(SlowStart {
        cached,
        no_cache_first,
        rss_kb,
        cache_bytes,
        note,
    })
}
