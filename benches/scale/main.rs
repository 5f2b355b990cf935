//! `cargo bench --bench scale`: the figures of issue 8 ("Performance at scale"), measured side
//! by side in one run and printed with their targets.
//!
//! (a) a full scan of a 1,000-repository workspace on the simulator at 50 ms per request,
//! (b) the same scan one request at a time, (c) one frame with 10,000 rows at 200×60 (the All
//! keys view, and the main screen's key list), (d) filtering 10,000 rows per keystroke, (e) peak
//! RSS of bbkeys alone with 10,000 repositories × 3 keys, (f) start-up from the cache to the
//! TUI's first frame and first frame with cached data, and to the CLI's first output; and the
//! figures of issue 21: (g) start-up from the cache with a server taking seconds per request,
//! 10,000 and 50,000 repositories × 3 keys, and (c), (d) again at 150,000 rows; (h) Data
//! Center: a 1,000-repository project scanned at 50 ms per request, and one "where used"; and
//! of issue 18: (i) `plan` of an exported keys file at 1,000 repositories, and `plan --cached`.
//!
//! A benchmark, not a test: it prints numbers and never fails on them. Environment:
//! `BENCH_SKIP_SEQUENTIAL=1` skips (b), which takes about a minute; `BENCH_ONLY_RENDER=1`
//! runs only (c) and (d), which need no simulator and take seconds; `BENCH_SKIP_SLOW=1` skips
//! (g), which scans 60,000 repositories first; `BENCH_ONLY_SLOW=1` runs only (g);
//! `BENCH_ONLY_DC=1` runs only (h).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod datacenter;
mod plan;
mod render;
mod rss;
mod slow_start;
mod tui_start;

/// The allocator the `bbkeys` binary uses (see `src/main.rs`), so (c) and (d), measured in this
/// process, measure what ships.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::time::{Duration, Instant};

use bbkeys::bitbucket::Client;
use bbkeys::bitbucket::client::{ClientOptions, Credential, Secret};
use bbkeys::demo::{self, DataSet, SimOptions, credentials};
use bbkeys::ops::scan::scan_workspace;

/// The bbkeys binary the benchmarks start.
pub const BIN: &str = env!("CARGO_BIN_EXE_bbkeys");

/// One line of the summary.
pub struct Figure {
    name: &'static str,
    value: String,
    target: String,
    met: Option<bool>,
}

impl Figure {
    fn new(name: &'static str, value: String, target: &str, met: Option<bool>) -> Figure {
        Figure {
            name,
            value,
            target: target.to_string(),
            met,
        }
    }
}

/// Milliseconds with two decimals.
pub fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// The median of some durations.
pub fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

struct ScanRun {
    wall: Duration,
    requests: usize,
    listing_pages: usize,
    concurrency: usize,
}

const REPOS: usize = 1_000;
const LATENCY: Duration = Duration::from_millis(50);

async fn scan_run(concurrency: Option<usize>) -> ScanRun {
    let sim = demo::start(SimOptions {
        latency: LATENCY,
        dataset: DataSet::Scale {
            repos: REPOS,
            keys_per_repo: 3,
        },
        ..SimOptions::default()
    })
    .await
    .unwrap();
    let mut o = ClientOptions::new(
        sim.api_url(),
        Credential::ApiToken {
            email: credentials::EMAIL.into(),
            token: Secret::new(credentials::TOKEN),
        },
    );
    if let Some(c) = concurrency {
        o.concurrency = c;
    }
    let concurrency = o.concurrency;
    let client = Client::new(o).unwrap();
    let start = Instant::now();
    let scan = scan_workspace(&client, "scale", &|_| {}).await.unwrap();
    let wall = start.elapsed();
    assert_eq!(scan.repositories.len(), REPOS);
    let log = sim.control().log();
    let listing_pages = log
        .iter()
        .filter(|e| e.path == "/2.0/repositories/scale")
        .count();
    let requests = log.iter().filter(|e| e.path.starts_with("/2.0/")).count();
    sim.shutdown().await;
    ScanRun {
        wall,
        requests,
        listing_pages,
        concurrency,
    }
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!("{cores} cores available, {cpu}, {}", std::env::consts::OS)
}

fn main() {
    // `cargo bench` passes `--bench`; a filter argument is not supported, so ignore the rest.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    println!("bbkeys scale benchmark: {}", machine());
    let mut figures = Vec::new();
    let only_render = std::env::var_os("BENCH_ONLY_RENDER").is_some();
    if std::env::var_os("BENCH_ONLY_DC").is_some() {
        dc_figures(&runtime, &mut figures);
        return print_summary(&figures);
    }
    if std::env::var_os("BENCH_ONLY_SLOW").is_some() {
        slow_figures(&mut figures);
        return print_summary(&figures);
    }
    if !only_render {
        scan_figures(&runtime, &mut figures);
        dc_figures(&runtime, &mut figures);
        plan_figures(&runtime, &mut figures);
    }
    render_figures(&mut figures);
    if !only_render {
        process_figures(&mut figures);
    }
    if !only_render && std::env::var_os("BENCH_SKIP_SLOW").is_none() {
        slow_figures(&mut figures);
    }
    print_summary(&figures);
}

fn print_summary(figures: &[Figure]) {
    println!();
    println!("{:<44} {:<36} {:<16} met", "figure", "measured", "target");
    for f in figures {
        let met = match f.met {
            Some(true) => "yes",
            Some(false) => "NO",
            None => "-",
        };
        println!("{:<44} {:<36} {:<16} {met}", f.name, f.value, f.target);
    }
}

/// (a) and (b): the scan.
fn scan_figures(runtime: &tokio::runtime::Runtime, figures: &mut Vec<Figure>) {
    let a = runtime.block_on(scan_run(None));
    // The minimum: listing pages at pagelen 100, one request per repository, the project
    // page, one request per project (the scale set has 10 projects).
    let minimum = REPOS.div_ceil(100) + REPOS + 1 + 10;
    let ideal = LATENCY * (a.listing_pages + REPOS.div_ceil(a.concurrency)) as u32;
    let ratio = a.wall.as_secs_f64() / ideal.as_secs_f64();
    println!(
        "(a) scan of {REPOS} repositories, {} ms per request, concurrency {}: {:.2} s, {} requests (minimum {minimum}); ideal {:.2} s = ({} listing pages + ceil({REPOS}/{})) × {} ms; {:.2} × ideal",
        LATENCY.as_millis(),
        a.concurrency,
        a.wall.as_secs_f64(),
        a.requests,
        ideal.as_secs_f64(),
        a.listing_pages,
        a.concurrency,
        LATENCY.as_millis(),
        ratio
    );
    figures.push(Figure::new(
        "(a) requests",
        a.requests.to_string(),
        &format!("= {minimum}"),
        Some(a.requests == minimum),
    ));
    figures.push(Figure::new(
        "(a) scan wall time",
        format!(
            "{:.2} s ({ratio:.2} × ideal {:.2} s)",
            a.wall.as_secs_f64(),
            ideal.as_secs_f64()
        ),
        "≤ 1.2 × ideal",
        Some(ratio <= 1.2),
    ));
    if std::env::var_os("BENCH_SKIP_SEQUENTIAL").is_some() {
        println!("(b) skipped (BENCH_SKIP_SEQUENTIAL)");
    } else {
        let b = runtime.block_on(scan_run(Some(1)));
        let speedup = b.wall.as_secs_f64() / a.wall.as_secs_f64();
        println!(
            "(b) the same scan one request at a time: {:.2} s, {} requests; (a) is {speedup:.1}× faster",
            b.wall.as_secs_f64(),
            b.requests
        );
        figures.push(Figure::new(
            "(b) sequential scan",
            format!("{:.2} s; (a) {speedup:.1}× faster", b.wall.as_secs_f64()),
            "(a) ≥ 6× faster",
            Some(speedup >= 6.0),
        ));
    }
}

/// (h): the Data Center scan and "where used".
fn dc_figures(runtime: &tokio::runtime::Runtime, figures: &mut Vec<Figure>) {
    let m = match runtime.block_on(datacenter::measure(LATENCY)) {
        Ok(m) => m,
        Err(e) => return println!("(h) not measured: {e}"),
    };
    println!(
        "(h) Data Center scan of a {REPOS}-repository project, {} ms per request, pages of {}: {:.2} s, {} requests ({} repository listing pages); \"where used\" of a key on every repository: {} requests, {} places, answered by {:?} (the full walk, --thorough: {} requests)",
        LATENCY.as_millis(),
        m.page_limit,
        m.scan_wall.as_secs_f64(),
        m.scan_requests,
        m.listing_pages,
        m.usage_requests,
        m.usage_places,
        m.usage_source,
        m.thorough_requests
    );
    figures.push(Figure::new(
        "(h) DC scan, 1,000 repos, 50 ms",
        format!(
            "{:.2} s, {} requests, {} listing pages",
            m.scan_wall.as_secs_f64(),
            m.scan_requests,
            m.listing_pages
        ),
        "report",
        None,
    ));
    figures.push(Figure::new(
        "(h) DC \"where used\" requests",
        m.usage_requests.to_string(),
        "≤ 2",
        Some(m.usage_requests <= 2),
    ));
    figures.push(Figure::new(
        "(h) DC \"where used\" --thorough requests",
        m.thorough_requests.to_string(),
        "report",
        None,
    ));
}

/// (i): `plan` and `plan --cached` of a freshly exported keys file (issue 18).
fn plan_figures(runtime: &tokio::runtime::Runtime, figures: &mut Vec<Figure>) {
    let m = match runtime.block_on(plan::measure(REPOS, LATENCY)) {
        Ok(m) => m,
        Err(e) => return println!("(i) not measured: {e}"),
    };
    // The same latency bound as the scan's: the listing pages one after the other, then the
    // key listings of the touched repositories, `concurrency` at a time.
    let rounds = m.listing_pages + (m.plan_requests - m.listing_pages).div_ceil(m.concurrency);
    let ideal = LATENCY * u32::try_from(rounds).unwrap_or(u32::MAX);
    let ratio = m.plan_wall.as_secs_f64() / ideal.as_secs_f64();
    println!(
        "(i) plan of an exported keys file over {REPOS} repositories, {} ms per request: {:.2} s, {} requests (the scan that wrote it: {}), {} changes; ideal {:.2} s, {ratio:.2} × ideal; plan --cached: {} requests, {}, {} changes",
        LATENCY.as_millis(),
        m.plan_wall.as_secs_f64(),
        m.plan_requests,
        m.scan_requests,
        m.plan_changes,
        ideal.as_secs_f64(),
        m.cached_requests,
        ms(m.cached_wall),
        m.cached_changes
    );
    figures.push(Figure::new(
        "(i) plan, 1,000 repos, wall time",
        format!("{:.2} s ({ratio:.2} × ideal)", m.plan_wall.as_secs_f64()),
        "≤ 1.2 × ideal",
        Some(ratio <= 1.2),
    ));
    figures.push(Figure::new(
        "(i) plan requests vs the scan's",
        format!("{} / {}", m.plan_requests, m.scan_requests),
        "≤ the scan's",
        Some(m.plan_requests <= m.scan_requests),
    ));
    figures.push(Figure::new(
        "(i) plan --cached requests",
        m.cached_requests.to_string(),
        "= 0",
        Some(m.cached_requests == 0),
    ));
}

/// (c) and (d): rendering and filtering, in this process, at 10,000 rows and at 150,000.
fn render_figures(figures: &mut Vec<Figure>) {
    let names = [
        (
            10_000,
            [
                "(c) frame, All keys view, 10,000 rows",
                "(c) frame, main screen, 10,000 keys",
                "(d) filter 10,000 rows, per keystroke",
            ],
            5,
        ),
        (
            150_000,
            [
                "(c) frame, All keys view, 150,000 rows",
                "(c) frame, main screen, 150,000 keys",
                "(d) filter 150,000 rows, per keystroke",
            ],
            10,
        ),
    ];
    for (rows, [k, main, filter_name], filter_ms) in names {
        let all_keys = render::all_keys_frame(rows);
        println!("(c) {}", all_keys.note);
        figures.push(Figure::new(
            k,
            ms(all_keys.time),
            "≤ 2 ms",
            Some(all_keys.time <= Duration::from_millis(2)),
        ));
        let frame = render::frame(rows);
        println!("(c) {}", frame.note);
        figures.push(Figure::new(
            main,
            ms(frame.time),
            "≤ 2 ms",
            Some(frame.time <= Duration::from_millis(2)),
        ));
        let filter = render::filter(rows);
        println!("(d) {}", filter.note);
        figures.push(Figure::new(
            filter_name,
            ms(filter.time),
            &format!("≤ {filter_ms} ms"),
            Some(filter.time <= Duration::from_millis(filter_ms)),
        ));
    }
}

/// (e) and (f): the binary against a simulator in another process.
fn process_figures(figures: &mut Vec<Figure>) {
    match rss::measure() {
        Ok(m) => {
            println!("(e) {}", m.rss_note);
            println!("(f) {}", m.start_note);
            figures.push(Figure::new(
                "(e) peak RSS, 10,000 repos × 3 keys, CLI+TUI",
                format!("{:.1} MB", m.peak_rss_kb as f64 / 1024.0),
                "≤ 80 MB",
                Some(m.peak_rss_kb <= 80 * 1024),
            ));
            match &m.tui {
                Ok((t, _)) => {
                    println!(
                        "(f) the TUI in a 200×60 pseudo-terminal, cached scan of 10,000 repositories × 3 keys, spawn to the frame, median of 7: first frame {}, first frame showing the cached scan {}, first frame with its inventory (All keys) ready {}",
                        ms(t.first),
                        ms(t.cached),
                        ms(t.indexed)
                    );
                    figures.push(Figure::new(
                        "(f) TUI first frame",
                        ms(t.first),
                        "≤ 150 ms",
                        Some(t.first <= Duration::from_millis(150)),
                    ));
                    figures.push(Figure::new(
                        "(f) TUI first frame with cached data",
                        ms(t.cached),
                        "≤ 150 ms",
                        Some(t.cached <= Duration::from_millis(150)),
                    ));
                    figures.push(Figure::new(
                        "(f) TUI cached inventory ready",
                        ms(t.indexed),
                        "≤ 150 ms",
                        Some(t.indexed <= Duration::from_millis(150)),
                    ));
                }
                Err(e) => println!("(f) the TUI start not measured: {e}"),
            }
            figures.push(Figure::new(
                "(f) CLI audit --cached output, 10,000 repos",
                ms(m.first_output),
                "≤ 150 ms",
                Some(m.first_output <= Duration::from_millis(150)),
            ));
            figures.push(Figure::new(
                "(f) CLI audit --cached output, 1,000 repos",
                ms(m.first_output_small),
                "≤ 150 ms",
                Some(m.first_output_small <= Duration::from_millis(150)),
            ));
        }
        Err(e) => println!("(e), (f) not measured: {e}"),
    }
}

/// (g): the cached start with a slow server.
fn slow_figures(figures: &mut Vec<Figure>) {
    let latency = Duration::from_secs(3);
    for (repos, name, target, limit) in [
        (
            10_000,
            "(g) cached frame − no-cache frame, 10k, 3 s",
            "≤ +60 ms",
            60,
        ),
        (
            50_000,
            "(g) cached frame − no-cache frame, 50k, 3 s",
            "≤ +120 ms",
            120,
        ),
    ] {
        match slow_start::measure(repos, latency) {
            Ok(m) => {
                println!("(g) {}", m.note);
                figures.push(Figure::new(
                    name,
                    format!("+{}", ms(m.extra())),
                    target,
                    Some(m.extra() <= Duration::from_millis(limit)),
                ));
                // The 150 ms target is the 10k cache's (issue 21); at 50k it is reported.
                figures.push(if repos == 10_000 {
                    Figure::new(
                        "(g) K view ready, 10k, 3 s server",
                        ms(m.cached.indexed),
                        "≤ 150 ms",
                        Some(m.cached.indexed <= Duration::from_millis(150)),
                    )
                } else {
                    Figure::new(
                        "(g) K view ready, 50k, 3 s server",
                        ms(m.cached.indexed),
                        "report",
                        None,
                    )
                });
                if repos == 10_000 {
                    figures.push(Figure::new(
                        "(g) cache size, 10,000 × 3",
                        format!("{:.1} MB", m.cache_bytes as f64 / 1_048_576.0),
                        "report",
                        None,
                    ));
                } else {
                    figures.push(Figure::new(
                        "(g) peak RSS, TUI, 50,000 × 3 loaded",
                        format!("{:.1} MB", m.rss_kb as f64 / 1024.0),
                        "≤ 150 MB",
                        Some(m.rss_kb <= 150 * 1024),
                    ));
                }
            }
            Err(e) => println!("(g) {repos} repositories not measured: {e}"),
        }
    }
}
