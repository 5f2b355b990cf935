//! The CI side of `bbkeys audit` (issue 19): the policy, `--fail-on`, the output format,
//! baselines, and the SARIF and Markdown reports. Everything that can be refused is checked in
//! [`GateArgs::prepare`], before any request.

use std::path::{Path, PathBuf};

use time::OffsetDateTime;

use super::context::Context;
use super::output::{CliError, Exit};
use crate::ops::policy::adapter::{audit_codes, audit_rule_text};
use crate::ops::policy::baseline::{Baseline, DEFAULT_DAYS, DEFAULT_REASON};
use crate::ops::policy::markdown::{self, GateOutcome, WorkspaceSummary};
use crate::ops::policy::sarif::{self, RuleText};
use crate::ops::policy::{
    GateFinding, POLICY_CODES, Policy, PolicyInput, Severity, gate, policy_rule_text,
};

/// The output forms of `bbkeys audit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// The findings table (the default).
    Table,
    /// The JSON document of `--json`.
    Json,
    /// The CSV of `--csv`.
    Csv,
    /// SARIF 2.1.0, for scanning dashboards.
    Sarif,
    /// A summary and the top findings, for a job summary or a pull-request comment.
    Markdown,
}

/// A `--fail-on` level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    /// Any finding.
    Info,
    /// Low and above.
    Low,
    /// Medium and above.
    Medium,
    /// High only.
    High,
}

impl FailOn {
    fn severity(self) -> Severity {
        match self {
            FailOn::Info => Severity::Info,
            FailOn::Low => Severity::Low,
            FailOn::Medium => Severity::Medium,
            FailOn::High => Severity::High,
        }
    }
}

/// The CI options of `bbkeys audit`.
#[derive(Debug, Clone, clap::Args)]
pub struct GateArgs {
    /// Policy file (the keys of the config's `[policy]` table at its top level); without it
    /// the config's `[policy]` applies, if any.
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Exit with 5 when a finding at or above this severity remains after the baseline.
    #[arg(long, value_name = "LEVEL")]
    pub fail_on: Option<FailOn>,
    /// Output form; `json` and `csv` are the same as `--json` and `--csv` (give one form only).
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<Format>,
    /// Report only findings not accepted in this baseline file, or whose acceptance ran out.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Write today's findings to this file as accepted (a baseline), and accept them in this run.
    #[arg(long, value_name = "FILE")]
    pub baseline_out: Option<PathBuf>,
    /// The reason written with new baseline entries.
    #[arg(long, value_name = "TEXT", requires = "baseline_out", default_value = DEFAULT_REASON)]
    pub baseline_reason: String,
    /// Days new baseline entries stay accepted.
    #[arg(long, value_name = "N", requires = "baseline_out", default_value_t = DEFAULT_DAYS,
          value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub baseline_days: u32,
}

/// The checked CI options of one run, and what it collects across workspaces.
pub(super) struct Gate {
    pub format: Format,
    policy: Policy,
    baseline: Option<Baseline>,
    args: GateArgs,
    /// Every finding of this run before the baseline (for `--baseline-out`).
    all: Vec<GateFinding>,
    /// What remains after the baseline.
    pub remaining: Vec<GateFinding>,
    summaries: Vec<WorkspaceSummary>,
}

fn usage(msg: String) -> CliError {
    CliError::new(Exit::Usage, msg)
}

fn read(path: &Path, what: &str) -> Result<String, CliError> {
    std::fs::read_to_string(path)
        .map_err(|e| usage(format!("cannot read the {what} {}: {e}", path.display())))
}

impl GateArgs {
    /// Checks the options, reads the policy and the baseline: all before any request.
    pub(super) fn prepare(self, ctx: &Context, csv: bool) -> Result<Gate, CliError> {
        let format = match (self.format, ctx.json, csv) {
            (Some(_), true, _) | (Some(_), _, true) => {
                return Err(usage(
                    "give the output form once: --format, or --json / --csv, not both".into(),
                ));
            }
            (Some(f), false, false) => f,
            (None, true, _) => Format::Json,
            (None, false, true) => Format::Csv,
            (None, false, false) => Format::Table,
        };
        let codes = audit_codes();
        let policy = match &self.policy {
            Some(p) => Policy::parse_file(&read(p, "policy file")?, p, &codes),
            None if ctx.config.policy.is_some() => {
                let text = read(&ctx.config_path, "config file")?;
                Policy::parse_config(&text, &ctx.config_path, &codes).map(Option::unwrap_or_default)
            }
            None => Ok(Policy::default()),
        }
        .map_err(|e| usage(format!("the policy is refused: {e}")))?;
        let baseline = match &self.baseline {
            Some(p) => Some(
                Baseline::parse(&read(p, "baseline")?)
                    .map_err(|e| usage(format!("the baseline {} is refused: {e}", p.display())))?,
            ),
            None => None,
        };
        Ok(Gate {
            format,
            policy,
            baseline,
            args: self,
            all: Vec::new(),
            remaining: Vec::new(),
            summaries: Vec::new(),
        })
    }
}

impl Gate {
    /// Whether the JSON document and the table should say more than today's audit: only when
    /// something of the gate was asked for.
    pub fn active(&self) -> bool {
        self.args.policy.is_some()
            || self.args.baseline.is_some()
            || self.args.fail_on.is_some()
            || self.policy_has_rules()
    }

    fn policy_has_rules(&self) -> bool {
        let p = &self.policy;
        p.max_age_days.is_some()
            || p.max_unused_days.is_some()
            || p.min_rsa_bits.is_some()
            || p.allowed_types.is_some()
            || !p.forbidden.is_empty()
            || p.label_pattern.is_some()
            || p.max_reach.is_some()
            || p.require_expiry
            || p.max_expiry_days.is_some()
            || !p.severity.is_empty()
    }

    /// Runs the gate over one workspace; returns its remaining findings.
    pub fn add(&mut self, input: &PolicyInput, now: OffsetDateTime) -> Vec<GateFinding> {
        let found = gate(&self.policy, input, now);
        self.all.extend(found.iter().cloned());
        let (remaining, accepted) = match &self.baseline {
            Some(b) => {
                let applied = b.apply(found, now);
                (applied.remaining, applied.accepted)
            }
            None => (found, 0),
        };
        self.summaries.push(WorkspaceSummary {
            workspace: input.workspace.clone(),
            keys: input.keys.len(),
            counts: markdown::counts(&remaining),
            accepted,
        });
        self.remaining.extend(remaining.iter().cloned());
        remaining
    }

    /// Writes `--baseline-out`, prints the SARIF or Markdown report, and returns the gate's exit
    /// code (5 or 0). `incomplete`: some workspace or listing could not be read.
    pub fn finish(
        &mut self,
        ctx: &Context,
        now: OffsetDateTime,
        incomplete: bool,
    ) -> Result<Exit, CliError> {
        if let Some(path) = &self.args.baseline_out {
            let b = Baseline::accept(
                &self.all,
                self.baseline.as_ref(),
                &self.args.baseline_reason,
                self.args.baseline_days,
                now,
            );
            let text = b
                .to_json()
                .map_err(|e| CliError::new(Exit::Error, format!("cannot write JSON: {e}")))?;
            std::fs::write(path, text + "\n").map_err(|e| {
                CliError::new(
                    Exit::Error,
                    format!("cannot write the baseline {}: {e}", path.display()),
                )
            })?;
            if !ctx.quiet {
                eprintln!(
                    "bbkeys: wrote {} accepted finding(s) to {}.",
                    b.entries.len(),
                    path.display()
                );
            }
            // What was just accepted does not fail this run.
            self.remaining.clear();
            for s in &mut self.summaries {
                s.accepted += s.counts.iter().sum::<usize>();
                s.counts = [0; 4];
            }
        }
        let failed = self
            .args
            .fail_on
            .is_some_and(|l| crate::ops::policy::fails(&self.remaining, l.severity()));
        match self.format {
            Format::Sarif => {
                // Paths with `/` whatever the platform: SARIF URIs are not native paths.
                let artifact = self
                    .args
                    .policy
                    .as_ref()
                    .map(|p| p.to_string_lossy().replace('\\', "/"));
                let doc = sarif::render(
                    &self.remaining,
                    &self.rules(ctx),
                    env!("CARGO_PKG_VERSION"),
                    artifact.as_deref(),
                );
                super::output::print_json(&doc)?;
            }
            Format::Markdown => {
                let outcome = GateOutcome {
                    fail_on: self.args.fail_on.map(FailOn::severity),
                    failed,
                    incomplete,
                };
                print!(
                    "{}",
                    markdown::render(&self.summaries, &self.remaining, &outcome)
                );
            }
            Format::Table | Format::Json | Format::Csv => {}
        }
        Ok(if failed { Exit::Findings } else { Exit::Ok })
    }

    /// Every finding code with its rule sentence and effective default severity.
    fn rules(&self, ctx: &Context) -> Vec<RuleText> {
        let mut out = Vec::new();
        let thresholds = ctx.config.audit;
        for code in audit_codes() {
            let text = audit_rule_text(code, &thresholds).unwrap_or_default();
            let default = crate::ops::policy::adapter::audit_severity(code);
            out.push((code, text, default));
        }
        for code in POLICY_CODES {
            out.push((
                code,
                policy_rule_text(code).to_string(),
                crate::ops::policy::default_severity(code),
            ));
        }
        out.into_iter()
            .map(|(code, text, default)| RuleText {
                code: code.to_string(),
                severity: self.policy.severity.get(code).copied().unwrap_or(default),
                text,
            })
            .collect()
    }
}
