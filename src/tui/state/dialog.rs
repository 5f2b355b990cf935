//! Dialogs as data. A confirmation holds the pending `Command` itself: `y` releases it, `n`,
//! Esc or Enter drop it (the default answer is No), so nothing is sent that the user did not
//! see (design.md §1).

use std::collections::BTreeMap;

use crate::forge::{Permission, Place};
use crate::ops::bulk::{BulkRequest, Plan};
use crate::ops::keyops::Grant;
use crate::sshkey::PublicKey;

use crate::tui::state::ReqId;
use crate::tui::state::msg::Command;
pub use crate::tui::state::msg::PendingEntry;

/// Where `a` adds the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddTarget {
    /// One repository or project.
    One(Place),
    /// Every selected repository: a bulk Add plan.
    Many(Vec<Place>),
}

/// A key typed, pasted or read from a file, checked on every change.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyField {
    /// What was typed: key text or a path.
    pub text: String,
    /// The file content, when `text` is a path that was read.
    pub file: Option<(String, Result<String, String>)>,
    /// Request id of the file read in flight.
    pub reading: Option<ReqId>,
}

impl KeyField {
    /// Whether the text names a file rather than holding a key: one word that looks like a
    /// path. Key text always has a space between type and data.
    pub fn is_path(&self) -> bool {
        let t = self.text.trim();
        !t.is_empty()
            && !t.contains(char::is_whitespace)
            && (t.starts_with('/')
                || t.starts_with('~')
                || t.starts_with('.')
                || t.ends_with(".pub"))
    }

    /// The parsed key, or the sentence saying what is wrong, or `None` while empty or while
    /// the file is being read.
    pub fn parsed(&self) -> Option<Result<PublicKey, String>> {
        let t = self.text.trim();
        if t.is_empty() {
            return None;
        }
        if self.is_path() {
            return match &self.file {
                Some((path, Ok(content))) if path == t => {
                    Some(PublicKey::parse(content).map_err(|e| format!("{t}: {e}")))
                }
                Some((path, Err(e))) if path == t => Some(Err(e.clone())),
                _ => None,
            };
        }
        Some(PublicKey::parse(t).map_err(|e| e.to_string()))
    }
}

/// The `a` dialog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddForm {
    /// Where to.
    pub target: AddTarget,
    /// The key.
    pub key: KeyField,
    /// The label.
    pub label: String,
    /// 0: key, 1: label, 2: permission, 3: expiry (the last two where the forge grants them).
    pub field: usize,
    /// For a project key: the workspace's projects, to choose among with ↑/↓ (empty for a
    /// repository).
    pub projects: Vec<String>,
    /// The label is the key's comment, suggested, and not edited since.
    pub label_suggested: bool,
    /// The forge grants keys a permission and an expiry (Data Center).
    pub grants: bool,
    /// The permission asked for: read unless changed.
    pub permission: Permission,
    /// Days until the key expires, as typed; blank never expires.
    pub expiry: String,
}

impl AddForm {
    /// Whether the permission and expiry fields are shown: on a forge that grants them, and
    /// for one place only (a bulk add grants read with no expiry).
    pub fn grant_fields(&self) -> bool {
        self.grants && matches!(self.target, AddTarget::One(_))
    }

    /// Read becomes write and write read.
    pub fn toggle_permission(&mut self) {
        self.permission = match self.permission {
            Permission::Read => Permission::Write,
            Permission::Write => Permission::Read,
        };
    }

    /// How many fields Tab cycles through.
    pub fn field_count(&self) -> usize {
        if self.grant_fields() { 4 } else { 2 }
    }

    /// The grant the add asks for, or the sentence saying why the expiry is refused.
    pub fn grant(&self) -> Result<Grant, String> {
        if !self.grant_fields() {
            return Ok(Grant::default());
        }
        Ok(Grant {
            permission: self.permission,
            expiry_days: check_expiry(&self.expiry)?,
        })
    }

    /// Chooses the project `step` places after the current one (before, if negative),
    /// wrapping around; nothing for a repository target.
    pub fn step_project(&mut self, step: isize) {
        let AddTarget::One(Place::Project {
            forge,
            owner: workspace,
            project,
        }) = &self.target
        else {
            return;
        };
        let n = self.projects.len() as isize;
        if n == 0 {
            return;
        }
        let at = self.projects.iter().position(|p| p == project).unwrap_or(0) as isize;
        let next = (at + step).rem_euclid(n) as usize;
        if let Some(p) = self.projects.get(next) {
            self.target = AddTarget::One(Place::project(*forge, workspace.clone(), p.clone()));
        }
    }

    /// Suggests the key's comment as its label, while the label is empty or still an earlier
    /// suggestion: a comment usually says what the key is for (`ci@build`).
    pub fn suggest_label(&mut self) {
        if !(self.label.is_empty() || self.label_suggested) {
            return;
        }
        let comment = match self.key.parsed() {
            Some(Ok(k)) => k.comment().map(crate::sanitize::clean_line),
            _ => None,
        };
        match comment.and_then(|c| check_label(&c).ok()) {
            Some(c) => {
                self.label = c;
                self.label_suggested = true;
            }
            None if self.label_suggested => {
                self.label.clear();
                self.label_suggested = false;
            }
            None => {}
        }
    }

    /// "2 of 5": where the chosen project is in the list.
    pub fn project_position(&self) -> Option<(usize, usize)> {
        let AddTarget::One(Place::Project { project, .. }) = &self.target else {
            return None;
        };
        let at = self.projects.iter().position(|p| p == project)?;
        Some((at + 1, self.projects.len()))
    }
}

/// The `o` dialog: replace one selected key with a new one wherever the selection holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RotateForm {
    /// Fingerprints in the selection: (fingerprint, a label, places).
    pub choices: Vec<(String, String, usize)>,
    /// Which one is replaced.
    pub chosen: usize,
    /// The new key.
    pub key: KeyField,
    /// Label of the new key; empty keeps each old key's label.
    pub label: String,
    /// 0: key, 1: label, 2: immediate or staged.
    pub field: usize,
    /// Staged: step one only adds the new key; the old one goes once the new one is used
    /// (`journal advance`) or when finished from the journal view. Immediate by default.
    pub staged: bool,
}

/// A label input: one key's new label, or a template for the selected keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelForm {
    /// The key when relabelling one: (scope, key as the server has it).
    pub single: Option<(Place, crate::forge::AccessKey)>,
    /// Selected keys when relabelling many.
    pub targets: Vec<(Place, String)>,
    /// The text.
    pub text: String,
}

/// A yes/no question holding what `y` releases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirm {
    /// Title in the border.
    pub title: String,
    /// The question and the facts it rests on.
    pub lines: Vec<String>,
    /// Sent on `y`; dropped otherwise.
    pub command: Command,
}

/// Where a plan dialog stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanStage {
    /// The keys are being read.
    Reading,
    /// The plan is shown and awaits an answer.
    Ready(Box<Plan>),
    /// Confirmed: the worker re-reads the keys before applying.
    Rechecking(Box<Plan>),
}

/// The plan of a bulk action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanDialog {
    /// Request id of the planning, then the job id of the apply.
    pub req_id: ReqId,
    /// What the plan is for ("Delete 7 selected keys").
    pub title: String,
    /// The request, re-planned just before applying; `None` only for a retry of a job with
    /// no request, which applies exactly its failures.
    pub request: Option<BulkRequest>,
    /// For the Drift view's apply: the keys-file changes, turned into a bulk plan again from
    /// fresh keys just before applying.
    pub desired: Option<Vec<crate::ops::desired::DesiredChange>>,
    /// Repository → project key, for `{project}` in label templates.
    pub projects: BTreeMap<Place, String>,
    /// Where it stands.
    pub stage: PlanStage,
    /// First line shown.
    pub scroll: usize,
    /// The typed confirmation so far.
    pub typed: String,
    /// A note above the plan: places that could not be read, or that the plan changed.
    pub note: Option<(String, bool)>,
    /// A rotation applied as step one of a staged rotation.
    pub staged: bool,
}

impl PlanDialog {
    /// The plan, once known.
    pub fn plan(&self) -> Option<&Plan> {
        match &self.stage {
            PlanStage::Ready(p) | PlanStage::Rechecking(p) => Some(p),
            PlanStage::Reading => None,
        }
    }
}

/// Every dialog. Only one is open at a time; while one is, keys go to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dialog {
    /// `a`.
    Add(AddForm),
    /// `o`.
    Rotate(RotateForm),
    /// `e`.
    Label(LabelForm),
    /// A yes/no confirmation.
    Confirm(Confirm),
    /// `e` where a label belongs to the key: every grant, and the number typed back.
    Replace(crate::tui::state::replace::ReplaceDialog),
    /// A bulk plan.
    Plan(PlanDialog),
    /// Pending journal entries found at start.
    Recovery(Vec<PendingEntry>),
    /// A workspace slug typed by hand, for a credential that cannot list workspaces (a
    /// workspace, project or repository access token).
    Workspace(String),
    /// `P`: the config's profiles.
    Profiles(crate::tui::state::profiles::ProfilePicker),
    /// An outcome that must not scroll away (a pending relabel): stays until dismissed.
    Notice {
        /// Title.
        title: String,
        /// The sentences.
        lines: Vec<String>,
    },
}

/// The question of the recovery dialog: "1 key was deleted from acme/api but not re-added.
/// Re-add it now?"
pub fn recovery_question(entries: &[PendingEntry]) -> String {
    let n = entries.len();
    if n > 0 && entries.iter().all(|e| e.deleted_not_readded) {
        let mut places: Vec<&str> = entries.iter().map(|e| e.scope.as_str()).collect();
        places.dedup();
        if n == 1 {
            format!(
                "1 key was deleted from {} but not re-added. Re-add it now?",
                places.join(", ")
            )
        } else {
            format!(
                "{n} keys were deleted from {} but not re-added. Re-add them now?",
                places.join(", ")
            )
        }
    } else if n == 1 {
        "1 key operation did not finish. Finish it now?".to_string()
    } else {
        format!("{n} key operations did not finish. Finish them now?")
    }
}

/// An expiry typed in days: blank never expires; otherwise a whole number of at least 1.
pub fn check_expiry(text: &str) -> Result<Option<u32>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    match t.parse::<u32>() {
        Ok(0) => Err("the expiry must be at least 1 day, or blank for never".into()),
        Ok(n) => Ok(Some(n)),
        Err(_) => Err(format!(
            "the expiry must be a whole number of days, or blank for never (not '{}')",
            crate::sanitize::clean_line(t)
        )),
    }
}

/// The label rules of the CLI: not empty, no control characters, at most 255 characters.
pub fn check_label(label: &str) -> Result<String, String> {
    let t = label.trim();
    if t.is_empty() {
        Err("the label is empty".into())
    } else if t.chars().any(char::is_control) {
        Err("the label contains control characters".into())
    } else if t.chars().count() > 255 {
        Err("the label is longer than 255 characters".into())
    } else {
        Ok(t.to_string())
    }
}

/// `~/x` → `$HOME/x`, so a path can be typed as in a shell.
pub fn expand_home(path: &str, home: Option<&str>) -> String {
    match (path.strip_prefix("~/"), home) {
        (Some(rest), Some(h)) => format!("{}/{rest}", h.trim_end_matches('/')),
        _ if path == "~" => home.unwrap_or(path).to_string(),
        _ => path.to_string(),
    }
}
