//! Workspace scans from the command line: the cost is announced before the scan runs, and a
//! scan that would go over the hourly request budget asks first (`bitbucket-api.md` §5: about
//! 1,000 requests an hour, and a scan costs one per repository).

use std::io::{IsTerminal, Write};
use std::sync::Mutex;

use super::context::Context;
use super::output::{CliError, Exit};
use crate::ops::scan::{Proceed, ScanEstimate, ScanProgress, WorkspaceScan, scan_workspace_gated};

/// The hourly budget when the config file sets none: Bitbucket's limit per user.
pub const DEFAULT_HOURLY_BUDGET: usize = 1_000;

/// `1234567` as `1,234,567`.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The announcement: `about 1,021 requests (1,000 repositories, 10 projects); 412 of your
/// 1,000/hour already used`.
pub fn announcement(e: &ScanEstimate, used: usize, budget: usize, whose: &str) -> String {
    let about = if e.exact { "about" } else { "at least" };
    let repos = if e.exact {
        format!("{} repositories", thousands(e.repositories))
    } else {
        format!(
            "more than {} repositories",
            thousands(e.repositories.saturating_sub(1))
        )
    };
    format!(
        "scanning {} costs {about} {} requests ({repos}, {} projects); {} of {whose} {}/hour already used",
        e.workspace,
        thousands(e.requests),
        thousands(e.projects),
        thousands(used),
        thousands(budget)
    )
}

/// Whether both ends of the conversation are a person at a terminal.
fn interactive() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

/// Scans `ws` with progress on stderr, after announcing the cost (off a terminal only when the
/// scan comes near the budget). Over the budget it asks on a terminal and refuses (exit 2)
/// elsewhere: a script cannot answer, and silently spending the
/// next hour's requests would break whatever else the account runs.
pub(super) async fn scan(ctx: &Context, ws: &str) -> Result<WorkspaceScan, CliError> {
    let Ok(client) = ctx.client() else {
        return scan_without_budget(ctx, ws).await;
    };
    let quiet = ctx.quiet || ctx.json;
    let show_progress = !quiet && std::io::stderr().is_terminal();
    let progress = move |p: ScanProgress| {
        if show_progress {
            eprint!("\rscanning {ws}: {}/{}", p.done, p.total);
            let _ = std::io::stderr().flush();
        }
    };
    let budget = ctx
        .config
        .hourly_budget
        .map_or(DEFAULT_HOURLY_BUDGET, |b| b as usize);
    let whose = ctx.budget_owner.as_ref().map_or("your", |o| o.whose());
    let refusal: Mutex<Option<CliError>> = Mutex::new(None);
    let gate = |e: &ScanEstimate| {
        let log = client.request_log();
        // Other runs of this account may have spent requests since this one started.
        log.refresh();
        // The first pages were just counted; they are part of the scan's own cost.
        let used = log.last_hour().saturating_sub(e.made);
        let text = announcement(e, used, budget, whose);
        if used + e.requests <= budget {
            // On a terminal the cost is always shown; a script hears of it only when the scan
            // takes the hour's use past 80% of the budget, so its stderr stays for errors.
            let near = (used + e.requests) * 5 > budget * 4;
            if !quiet && std::io::stderr().is_terminal() {
                eprintln!("bbkeys: {text}.");
            } else if !quiet && near {
                eprintln!("bbkeys: warning: {text}, close to the budget.");
            }
            return Proceed::Yes;
        }
        let wait = match log.minutes_until_room(e.remaining(), budget) {
            Some(m) => format!("wait about {m} minutes, or "),
            None => String::new(),
        };
        let over = format!(
            "bbkeys: {text}: that goes over {whose} hourly budget, and Bitbucket refuses requests (429) once its limit is reached"
        );
        if interactive() {
            let yes = tokio::task::block_in_place(|| {
                super::output::confirm(&format!("{over}. Scan anyway?"))
            });
            if yes {
                return Proceed::Yes;
            }
            *refusal.lock().unwrap_or_else(|p| p.into_inner()) = Some(CliError::new(
                Exit::Usage,
                format!("scan of {ws} cancelled; nothing was changed"),
            ));
            return Proceed::No;
        }
        *refusal.lock().unwrap_or_else(|p| p.into_inner()) = Some(CliError::new(
            Exit::Usage,
            format!(
                "not scanning {ws}: {text}, so the scan would go over {whose} hourly budget. To scan anyway, {wait}raise hourly_budget in the config file (Bitbucket allows about 1,000 requests an hour per user for API and OAuth tokens, and each access token has an allowance of its own)"
            ),
        ));
        Proceed::No
    };
    let scan = scan_workspace_gated(ctx.forge(), ws, &progress, &gate).await?;
    if show_progress {
        eprintln!();
    }
    match scan {
        Some(scan) => Ok(scan),
        None => Err(refusal
            .into_inner()
            .unwrap_or_else(|p| p.into_inner())
            .unwrap_or_else(|| CliError::new(Exit::Usage, format!("scan of {ws} cancelled")))),
    }
}

/// A scan on a forge without an hourly budget (Data Center paces with a token bucket, §6, and
/// the client waits out its 429s): progress on a terminal, no cost gate.
async fn scan_without_budget(ctx: &Context, ws: &str) -> Result<WorkspaceScan, CliError> {
    let show_progress = !(ctx.quiet || ctx.json) && std::io::stderr().is_terminal();
    let progress = move |p: ScanProgress| {
        if show_progress {
            eprint!("\rscanning {ws}: {}/{}", p.done, p.total);
            let _ = std::io::stderr().flush();
        }
    };
    let scan = crate::ops::scan::scan_workspace(ctx.forge(), ws, &progress).await?;
    if show_progress {
        eprintln!();
    }
    Ok(scan)
}

/// When `BBKEYS_REPORT_PEAK_RSS` is set, prints the process's peak resident memory (Linux
/// `VmHWM`) on stderr at exit: the benchmark measures bbkeys alone this way, without the
/// simulator it talks to.
pub(super) fn report_peak_rss() {
    if std::env::var_os("BBKEYS_REPORT_PEAK_RSS").is_none() {
        return;
    }
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    match status.lines().find(|l| l.starts_with("VmHWM:")) {
        Some(line) => eprintln!(
            "bbkeys: peak RSS {}",
            line.trim_start_matches("VmHWM:").trim()
        ),
        None => eprintln!("bbkeys: peak RSS unknown (no /proc/self/status)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1_013), "1,013");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn the_announcement_says_cost_and_use() {
        let e = ScanEstimate {
            workspace: "acme".into(),
            repositories: 1000,
            projects: 3,
            exact: true,
            requests: 1013,
            made: 2,
        };
        assert_eq!(
            announcement(&e, 412, 1000, "your"),
            "scanning acme costs about 1,013 requests (1,000 repositories, 3 projects); 412 of your 1,000/hour already used"
        );
        // A workspace access token spends an allowance of its own, not the person's.
        assert!(
            announcement(&e, 3, 1000, "this access token's")
                .ends_with("3 of this access token's 1,000/hour already used")
        );
        let rough = ScanEstimate {
            exact: false,
            repositories: 101,
            requests: 104,
            ..e
        };
        assert!(
            announcement(&rough, 0, 1000, "your")
                .contains("at least 104 requests (more than 100 repositories")
        );
    }
}
