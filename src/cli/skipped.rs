//! Places a workspace-wide command did not read because the credential does not administer
//! them (Bitbucket's bare 403, `bitbucket-api.md` §4). Most people administer some projects of
//! a workspace and not others: that is a fact about the account, not a failed read. Such places
//! are named once per command, and change the exit code only under `--strict`.

use crate::bitbucket::ApiError;
use crate::forge::{ForgeError, ForgeErrorKind, Place};
use crate::ops::audit::SkippedPlace;

use super::output::Exit;

/// `--strict`, on every command that reads a whole workspace.
#[derive(Debug, Clone, Copy, Default, clap::Args)]
pub struct StrictArg {
    /// Exit with 4 when a repository or project was skipped because you do not administer it
    /// (for `audit` and `keys find`: when any place of the workspace was not read).
    #[arg(long)]
    pub strict: bool,
}

/// A failed read, as far as deciding skip and exit codes goes: the Cloud client's own reads
/// (the scan) and the forge's (a bulk change's snapshot) both answer it.
pub trait ReadFailure {
    /// The place is not administered by the account (skipped, not failed).
    fn not_permitted(&self) -> bool;
    /// The credential itself was refused.
    fn auth_problem(&self) -> bool;
}

impl ReadFailure for ApiError {
    fn not_permitted(&self) -> bool {
        self.is_not_permitted()
    }
    fn auth_problem(&self) -> bool {
        self.is_auth_problem()
    }
}

impl ReadFailure for ForgeError {
    fn not_permitted(&self) -> bool {
        self.kind == ForgeErrorKind::NotPermitted
    }
    fn auth_problem(&self) -> bool {
        self.is_auth_problem()
    }
}

/// The places one command skipped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Skipped {
    places: Vec<SkippedPlace>,
}

impl Skipped {
    /// From places already known to be skipped.
    pub fn new(mut places: Vec<SkippedPlace>) -> Skipped {
        places.sort();
        places.dedup();
        Skipped { places }
    }

    /// Splits read failures into the places to skip and the real failures.
    pub fn split<E: ReadFailure>(failures: Vec<(Place, E)>) -> (Skipped, Vec<(Place, E)>) {
        let (skipped, failed): (Vec<_>, Vec<_>) =
            failures.into_iter().partition(|(_, e)| e.not_permitted());
        let places = skipped
            .into_iter()
            .map(|(scope, _)| SkippedPlace::not_permitted(scope))
            .collect();
        (Skipped::new(places), failed)
    }

    /// Whether nothing was skipped.
    pub fn is_empty(&self) -> bool {
        self.places.is_empty()
    }

    /// The places, sorted, as `--json` lists them.
    pub fn places(&self) -> &[SkippedPlace] {
        &self.places
    }

    /// `skipped 2 projects you do not administer: OPS, SEC`; `None` when nothing was skipped.
    pub fn note(&self) -> Option<String> {
        if self.places.is_empty() {
            return None;
        }
        let mut repos = Vec::new();
        let mut projects = Vec::new();
        for p in &self.places {
            match &p.scope {
                Place::Repository { repo, .. } => repos.push(repo.as_str()),
                Place::Project { project, .. } => projects.push(project.as_str()),
            }
        }
        let count = |n: usize, one: &str, many: &str| {
            (n > 0).then(|| format!("{n} {}", if n == 1 { one } else { many }))
        };
        let what: Vec<String> = [
            count(repos.len(), "repository", "repositories"),
            count(projects.len(), "project", "projects"),
        ]
        .into_iter()
        .flatten()
        .collect();
        Some(format!(
            "skipped {} you do not administer: {}",
            what.join(" and "),
            repos
                .iter()
                .chain(projects.iter())
                .copied()
                .collect::<Vec<_>>()
                .join(", ")
        ))
    }

    /// Prints the note on stderr. Under `--json` it is one object, `{"skipped": [...]}`, as
    /// errors are, for commands whose standard output is a list with no room for it.
    pub fn print(&self, json: bool) {
        if self.places.is_empty() {
            return;
        }
        if json {
            eprintln!("{}", serde_json::json!({ "skipped": self.places }));
        } else {
            self.print_text();
        }
    }

    /// Prints the note as a sentence on stderr (for commands whose JSON document carries the
    /// list itself, and for every command without `--json`).
    pub fn print_text(&self) {
        if let Some(note) = self.note() {
            eprintln!("bbkeys: {note}.");
        }
    }

    /// The exit code these places call for: 4 under `--strict`, else 0.
    pub fn exit(&self, strict: bool) -> Exit {
        if strict && !self.places.is_empty() {
            Exit::Partial
        } else {
            Exit::Ok
        }
    }
}

/// The exit code of a workspace-wide read that failed on `failures` (places skipped as not
/// administered are not among them): 0 when none, 3 when every one was about the credential
/// (a missing scope, a refused token), else 4.
pub fn read_failure_exit<E: ReadFailure>(failures: &[&E]) -> Exit {
    if failures.is_empty() {
        Exit::Ok
    } else if failures.iter().all(|e| e.auth_problem()) {
        Exit::Auth
    } else {
        Exit::Partial
    }
}

/// The worse of two exit codes of one command: a failure outranks a skipped place. Where
/// several apply, the documented order is usage (2), error (1), credential (3), partial (4),
/// policy findings (5), then "changes" (6).
pub fn worst(a: Exit, b: Exit) -> Exit {
    let rank = |e: Exit| match e {
        Exit::Ok => 0,
        Exit::Changes => 1,
        Exit::Findings => 2,
        Exit::Partial => 3,
        Exit::Auth => 4,
        Exit::Error => 5,
        Exit::Usage => 6,
    };
    if rank(b) > rank(a) { b } else { a }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forge::ForgeKind;

    #[test]
    fn policy_findings_rank_below_partial_and_above_changes() {
        // Issue 19: where several apply, the order is 2, then 1, then 3, then 4, then 5.
        assert_eq!(worst(Exit::Findings, Exit::Partial), Exit::Partial);
        assert_eq!(worst(Exit::Auth, Exit::Findings), Exit::Auth);
        assert_eq!(worst(Exit::Findings, Exit::Error), Exit::Error);
        assert_eq!(worst(Exit::Usage, Exit::Findings), Exit::Usage);
        assert_eq!(worst(Exit::Ok, Exit::Findings), Exit::Findings);
        assert_eq!(worst(Exit::Changes, Exit::Findings), Exit::Findings);
    }

    #[test]
    fn exit_codes_rank_usage_error_credential_partial_then_changes() {
        assert_eq!(worst(Exit::Error, Exit::Usage), Exit::Usage);
        assert_eq!(worst(Exit::Auth, Exit::Error), Exit::Error);
        assert_eq!(worst(Exit::Partial, Exit::Auth), Exit::Auth);
        assert_eq!(worst(Exit::Changes, Exit::Partial), Exit::Partial);
        assert_eq!(worst(Exit::Ok, Exit::Changes), Exit::Changes);
    }

    fn project(p: &str) -> SkippedPlace {
        SkippedPlace::not_permitted(Place::project(ForgeKind::Cloud, "acme", p))
    }

    #[test]
    fn the_note_names_each_place_once() {
        let s = Skipped::new(vec![project("SEC"), project("OPS"), project("SEC")]);
        assert_eq!(
            s.note().as_deref(),
            Some("skipped 2 projects you do not administer: OPS, SEC")
        );
        let repo = SkippedPlace::not_permitted(Place::repository(ForgeKind::Cloud, "acme", "api"));
        let s = Skipped::new(vec![project("OPS"), repo]);
        assert_eq!(
            s.note().as_deref(),
            Some("skipped 1 repository and 1 project you do not administer: api, OPS")
        );
        assert_eq!(Skipped::default().note(), None);
    }

    #[test]
    fn strict_turns_skipped_places_into_exit_4() {
        let s = Skipped::new(vec![project("OPS")]);
        assert_eq!(s.exit(false), Exit::Ok);
        assert_eq!(s.exit(true), Exit::Partial);
        assert_eq!(Skipped::default().exit(true), Exit::Ok);
    }
}
