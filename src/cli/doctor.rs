//! `bbkeys doctor`: what is set up, whose credential it is, and what it can do.

use super::GlobalArgs;
use super::context::{Context, api_url_for, config_location, resolve};
use super::output::{CliError, Exit};
use crate::bitbucket::error::AuthKind;
use crate::config::{Config, CredentialSource};
use crate::ops::doctor::{
    Check, CheckStatus, CredentialCheck, DoctorReport, DoctorSetup, Outcome, ProbeResult, diagnose,
    local_checks,
};
use crate::paths::Dirs;
use crate::sanitize::clean_line;

/// Runs every check and prints the report; the exit code follows [`exit_for`].
pub async fn run(global: &GlobalArgs) -> Result<Exit, CliError> {
    let report = build_report(global).await?;
    print_report(&report, global.json)?;
    Ok(exit_for(&report))
}

/// Builds the report, turning setup failures into failed checks rather than stopping at them.
pub async fn build_report(global: &GlobalArgs) -> Result<DoctorReport, CliError> {
    let dirs = Dirs::discover().map_err(|e| CliError::new(Exit::Error, e))?;
    let (path, required) = config_location(global, &dirs);
    let exists = path.exists();
    let loaded = Config::load(&path, required);
    if global.demo {
        let ctx = Context::build(global).await?;
        let local = local_checks(
            &path,
            exists,
            Ok(&ctx.config),
            CredentialCheck::Found(&CredentialSource::Demo),
        );
        return Ok(diagnose(ctx.forge(), setup(local, &ctx)).await);
    }
    let config = match loaded {
        Ok(c) => c,
        Err(e) => {
            let why = e.to_string();
            let local = local_checks(&path, exists, Err(&why), CredentialCheck::NotTried);
            let url = api_url_for(global, &Config::default(), None);
            return Ok(not_configured(local, &url));
        }
    };
    let resolved = resolve(global, &config);
    let local = match &resolved {
        Ok(r) => local_checks(
            &path,
            exists,
            Ok(&config),
            CredentialCheck::Found(&r.source),
        ),
        Err(e) => local_checks(
            &path,
            exists,
            Ok(&config),
            CredentialCheck::Failed(&e.to_string()),
        ),
    };
    match resolved {
        Ok(r) if r.source != CredentialSource::None => {
            let ctx = Context::from_resolved(global, config, path, dirs, r)?;
            Ok(diagnose(ctx.forge(), setup(local, &ctx)).await)
        }
        Ok(r) => {
            let url = api_url_for(global, &config, r.api_url.as_deref());
            Ok(not_configured(local, &url))
        }
        Err(_) => {
            let url = api_url_for(global, &config, None);
            Ok(not_configured(local, &url))
        }
    }
}

/// The report without a credential, with the scopes Cloud's operations need (the table a
/// user reads to create one).
fn not_configured(local: Vec<Check>, url: &str) -> DoctorReport {
    let mut report = DoctorReport::not_configured(local, "none", url);
    report.operations =
        crate::bitbucket::doctor::unjudged(AuthKind::None, false, "no usable credential");
    report
}

fn setup(mut local: Vec<Check>, ctx: &Context) -> DoctorSetup {
    // Where to look when a report is not enough: `-v`/`BBKEYS_LOG` fill this file.
    local.push(Check::new(
        "trace log",
        CheckStatus::Ok,
        ctx.log_file().display().to_string(),
    ));
    DoctorSetup {
        local,
        credential_source: ctx.source.to_string(),
        edit_strategy: ctx.config.edit_strategy,
    }
}

/// 0 when bbkeys can work, 3 when it cannot authenticate or list workspaces, 1 when
/// Bitbucket cannot be reached.
pub fn exit_for(report: &DoctorReport) -> Exit {
    match report.outcome {
        Outcome::Ready => Exit::Ok,
        Outcome::CannotAuthenticate | Outcome::CannotListWorkspaces => Exit::Auth,
        Outcome::Unreachable => Exit::Error,
    }
}

fn print_report(report: &DoctorReport, json: bool) -> Result<(), CliError> {
    if json {
        let text = serde_json::to_string_pretty(report)
            .map_err(|e| CliError::new(Exit::Error, format!("cannot write JSON: {e}")))?;
        println!("{text}");
    } else {
        print!("{}", render_text(report));
    }
    Ok(())
}

fn mark(status: CheckStatus) -> &'static str {
    match status {
        CheckStatus::Ok => "ok  ",
        CheckStatus::Warning => "warn",
        CheckStatus::Failed => "FAIL",
        CheckStatus::Skipped => "skip",
    }
}

fn checks(out: &mut String, title: &str, list: &[Check]) {
    out.push_str(title);
    out.push('\n');
    let width = list.iter().map(|c| c.name.len()).max().unwrap_or(0);
    for c in list {
        out.push_str(&format!(
            "  {}  {:width$}  {}\n",
            mark(c.status),
            c.name,
            clean_line(&c.detail)
        ));
    }
    out.push('\n');
}

/// The report as the terminal shows it.
pub fn render_text(report: &DoctorReport) -> String {
    let mut out = String::new();
    checks(&mut out, "Local", &report.local);
    checks(&mut out, "Connection", &report.connection);
    if !report.probes.is_empty() {
        out.push_str("Read probes (nothing is written)\n");
        let label = |p: &crate::ops::doctor::Probe| {
            if p.target.is_empty() {
                p.operation.title().to_string()
            } else {
                format!("{} {}", p.operation.title(), clean_line(&p.target))
            }
        };
        let width = report
            .probes
            .iter()
            .map(|p| label(p).len())
            .max()
            .unwrap_or(0);
        for p in &report.probes {
            let (m, text) = match &p.result {
                ProbeResult::Ok { summary } => (CheckStatus::Ok, summary.clone()),
                ProbeResult::Failed { message, .. } => (CheckStatus::Failed, message.clone()),
            };
            out.push_str(&format!(
                "  {}  {:width$}  {}\n",
                mark(m),
                label(p),
                clean_line(&text)
            ));
        }
        out.push('\n');
    }
    out.push_str("Operations\n");
    for row in &report.operations {
        out.push_str(&format!("  {:22}  {}\n", row.title(), row.verdict));
    }
    if !report.notes.is_empty() {
        out.push('\n');
        for n in &report.notes {
            out.push_str(&format!("Note: {n}\n"));
        }
    }
    out.push('\n');
    out.push_str(match report.outcome {
        Outcome::Ready => "bbkeys can work with this credential.\n",
        Outcome::CannotAuthenticate => "bbkeys cannot authenticate: fix the failed checks above.\n",
        Outcome::CannotListWorkspaces => {
            "bbkeys cannot list your workspaces: fix the failed check above.\n"
        }
        Outcome::Unreachable => "bbkeys cannot reach Bitbucket: check the network and api_url.\n",
    });
    out
}
