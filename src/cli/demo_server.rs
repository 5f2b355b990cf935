//! `bbkeys demo-server`: the simulator as a standalone process.

use clap::Args;

use super::output::{CliError, Exit};

/// Options of `demo-server`.
#[derive(Debug, Args)]
pub struct DemoServerArgs {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Latency added to every request, in milliseconds.
    #[arg(long, default_value_t = 0, value_name = "MS")]
    pub latency_ms: u64,
    /// What the server holds: `demo` (the default), `empty`, or `scale:<repos>x<keys>`, one
    /// workspace `scale` of that many repositories with that many keys each (for benchmarks,
    /// such as `scale:10000x3`). Hidden: it exists for `cargo bench --bench scale`.
    #[arg(long, hide = true, default_value = "demo", value_parser = parse_dataset)]
    pub dataset: crate::demo::DataSet,
}

/// Reads `demo`, `empty` or `scale:<repos>x<keys>`.
fn parse_dataset(s: &str) -> Result<crate::demo::DataSet, String> {
    use crate::demo::DataSet;
    match s {
        "demo" => return Ok(DataSet::Demo),
        "empty" => return Ok(DataSet::Empty),
        _ => {}
    }
    let shape = s
        .strip_prefix("scale:")
        .and_then(|rest| rest.split_once('x'))
        .and_then(|(r, k)| Some((r.parse::<usize>().ok()?, k.parse::<usize>().ok()?)));
    match shape {
        Some((repos, keys_per_repo)) if repos <= 1_000_000 => Ok(DataSet::Scale {
            repos,
            keys_per_repo,
        }),
        _ => Err(format!(
            "{s:?} is not a data set: use demo, empty or scale:<repos>x<keys>, such as scale:10000x3"
        )),
    }
}

/// Runs the simulator until Ctrl-C or SIGTERM: the Data Center one with `--forge datacenter`.
pub async fn run(global: &super::GlobalArgs, args: DemoServerArgs) -> Result<Exit, CliError> {
    if global.forge == Some(crate::forge::ForgeKind::DataCenter) {
        if args.dataset != crate::demo::DataSet::Demo {
            return Err(CliError::new(
                Exit::Usage,
                "the Data Center demo server serves its demo data only: leave out --dataset",
            ));
        }
        let latency = std::time::Duration::from_millis(args.latency_ms);
        let sim = super::compose::start_dc_demo(args.port, latency).await?;
        println!(
            "bbkeys Data Center demo server listening on {}",
            sim.api_url()
        );
        println!("{}", super::compose::dc_export_line(&sim));
        println!("Press Ctrl-C to stop.");
        wait_for_shutdown().await;
        sim.shutdown().await;
        return Ok(Exit::Ok);
    }
    let opts = crate::demo::SimOptions {
        port: args.port,
        latency: std::time::Duration::from_millis(args.latency_ms),
        dataset: args.dataset,
        now: Some(time::OffsetDateTime::now_utc()),
        ..crate::demo::SimOptions::default()
    };
    let sim = crate::demo::start(opts).await.map_err(|e| {
        CliError::new(
            Exit::Error,
            format!("the demo server could not start on port {}: {e}", args.port),
        )
    })?;
    println!("bbkeys demo server listening on {}", sim.api_url());
    println!("{}", crate::demo::export_line(&sim));
    println!("Press Ctrl-C to stop.");
    wait_for_shutdown().await;
    sim.shutdown().await;
    Ok(Exit::Ok)
}

async fn wait_for_shutdown() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
