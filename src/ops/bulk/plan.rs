//! Plans: what a bulk request will change, computed from a snapshot of the remote keys.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::config::EditStrategy;
use crate::forge::Place;
use crate::forge::{AccessKey, Permission};
use crate::ops::keyops::fingerprint_of;
use crate::sanitize::clean_line;
use crate::sshkey::{Fingerprint, PublicKey};

/// The keys of every scope a plan touches, as last read.
pub type Snapshot = BTreeMap<Place, Vec<AccessKey>>;

/// A key to add, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewKey {
    /// `<type> <base64> [comment]`, as it will be sent.
    pub text: String,
    /// Its fingerprint.
    pub fingerprint: Fingerprint,
    /// Read or write, where the forge has permissions ([`crate::forge::Caps::permissions`]).
    pub permission: Permission,
    /// Expiry in days, where the forge has it ([`crate::forge::Caps::expiry`]).
    pub expiry_days: Option<u32>,
}

impl From<&PublicKey> for NewKey {
    fn from(k: &PublicKey) -> Self {
        NewKey {
            text: k.to_openssh_with_comment(),
            fingerprint: k.fingerprint(),
            permission: Permission::Read,
            expiry_days: None,
        }
    }
}

/// What the user asked for; a plan is computed from it and a snapshot, and computed again
/// from a fresh snapshot just before applying.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BulkRequest {
    /// Delete these keys.
    Delete {
        /// Where, and which key.
        targets: Vec<(Place, Fingerprint)>,
    },
    /// Add one key to every one of these scopes.
    Add {
        /// The key.
        key: NewKey,
        /// Its label.
        label: String,
        /// Where.
        scopes: Vec<Place>,
    },
    /// Relabel these keys with one label or a template (`{workspace}`, `{repo}`, `{project}`,
    /// `{label}`).
    Relabel {
        /// Where, and which key.
        targets: Vec<(Place, Fingerprint)>,
        /// Label or template.
        template: String,
    },
    /// Replace key `from` with key `to` wherever `from` is, among `scopes`.
    Rotate {
        /// The key to replace.
        from: Fingerprint,
        /// The new key.
        to: NewKey,
        /// Label of the new key; default: the old key's label.
        label: Option<String>,
        /// Where to look.
        scopes: Vec<Place>,
    },
}

/// One change of a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// `+`: add a key.
    Add {
        /// Where.
        scope: Place,
        /// The key.
        key: NewKey,
        /// Its label.
        label: String,
    },
    /// `-`: delete a key.
    Delete {
        /// Where.
        scope: Place,
        /// The key as it is now.
        key: AccessKey,
    },
    /// `-/+`: delete and re-add with a new label.
    Relabel {
        /// Where.
        scope: Place,
        /// The key as it is now.
        key: AccessKey,
        /// The new label.
        new_label: String,
    },
    /// `+` the new key, verify it, then `-` the old one.
    Rotate {
        /// Where.
        scope: Place,
        /// The key being replaced.
        old: AccessKey,
        /// The new key.
        new: NewKey,
        /// The new key's label.
        label: String,
    },
}

fn label_of(k: &AccessKey) -> String {
    clean_line(k.label.as_str())
}

fn fp_of(k: &AccessKey) -> String {
    fingerprint_of(k)
        .map(|f| f.to_string())
        .unwrap_or_else(|| "(unreadable key)".into())
}

impl Change {
    /// Where the change happens.
    pub fn scope(&self) -> &Place {
        match self {
            Change::Add { scope, .. }
            | Change::Delete { scope, .. }
            | Change::Relabel { scope, .. }
            | Change::Rotate { scope, .. } => scope,
        }
    }

    /// `+`, `-`, `-/+`, or `+-` for a rotation.
    pub fn symbol(&self) -> &'static str {
        match self {
            Change::Add { .. } => "+",
            Change::Delete { .. } => "-",
            Change::Relabel { .. } => "-/+",
            Change::Rotate { .. } => "+-",
        }
    }

    /// One line, like `terraform plan`.
    pub fn line(&self) -> String {
        self.line_padded(0)
    }

    /// [`Change::line`] with the place padded to `width` columns, so a plan's columns align.
    pub fn line_padded(&self, width: usize) -> String {
        let scope = format!("{:<width$}", self.scope().to_string());
        match self {
            Change::Add { key, label, .. } => {
                format!("+   {scope}  {}  '{}'", key.fingerprint, clean_line(label))
            }
            Change::Delete { key, .. } => format!(
                "-   {scope}  {}  '{}' (id {})",
                fp_of(key),
                label_of(key),
                key.id
            ),
            Change::Relabel { key, new_label, .. } => {
                format!(
                    "-/+ {scope}  {}  '{}' -> '{}'",
                    fp_of(key),
                    label_of(key),
                    clean_line(new_label)
                )
            }
            Change::Rotate {
                old, new, label, ..
            } => format!(
                "+-  {scope}  add {} '{}', then delete {} '{}' (id {})",
                new.fingerprint,
                clean_line(label),
                fp_of(old),
                label_of(old),
                old.id
            ),
        }
    }

    /// Requests the change costs when nothing goes wrong.
    pub fn request_cost(&self) -> usize {
        match self {
            Change::Add { .. } | Change::Delete { .. } => 1,
            // DELETE, POST, list to verify.
            Change::Relabel { .. } => 3,
            // POST, list to verify, DELETE.
            Change::Rotate { .. } => 3,
        }
    }

    /// What `--json` shows of the change.
    pub fn to_json(&self) -> serde_json::Value {
        let base = |action: &str, scope: &Place| {
            let (repo, project) = match scope {
                Place::Repository { repo, .. } => (Some(repo.clone()), None),
                Place::Project { project, .. } => (None, Some(project.clone())),
            };
            serde_json::json!({ "action": action, "workspace": scope.owner(), "repo": repo, "project": project, "scope": scope.kind() })
        };
        let mut v = match self {
            Change::Add { scope, key, label } => {
                let mut v = base("add", scope);
                v["fingerprint"] = key.fingerprint.to_string().into();
                v["label"] = clean_line(label).into();
                v
            }
            Change::Delete { scope, key } => {
                let mut v = base("delete", scope);
                v["fingerprint"] = fp_of(key).into();
                v["id"] = key.id.into();
                v["label"] = label_of(key).into();
                v
            }
            Change::Relabel {
                scope,
                key,
                new_label,
            } => {
                let mut v = base("relabel", scope);
                v["fingerprint"] = fp_of(key).into();
                v["id"] = key.id.into();
                v["old_label"] = label_of(key).into();
                v["label"] = clean_line(new_label).into();
                v
            }
            Change::Rotate {
                scope,
                old,
                new,
                label,
            } => {
                let mut v = base("rotate", scope);
                v["fingerprint"] = new.fingerprint.to_string().into();
                v["old_fingerprint"] = fp_of(old).into();
                v["old_id"] = old.id.into();
                v["label"] = clean_line(label).into();
                v
            }
        };
        if let Some(obj) = v.as_object_mut() {
            obj.retain(|_, x| !x.is_null());
        }
        v
    }
}

/// Every change a request will make, and what it will not touch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// The changes, in a stable order.
    pub changes: Vec<Change>,
    /// Scopes that already hold the key to add (reported, not errors).
    pub already_present: Vec<Place>,
    /// Of those, the ones where the key carries another label than the one asked for: the
    /// label it carries, and the one asked for.
    pub present_as: BTreeMap<Place, (String, String)>,
    /// Targets whose key is not there (any more).
    pub missing: Vec<(Place, Fingerprint)>,
    /// Items that cannot be planned, with the reason (for example a label template that
    /// renders empty).
    pub invalid: Vec<(Place, String)>,
    /// How relabels are made: delete and re-add (the default), or in place where the forge
    /// can, falling back to delete and re-add where it cannot.
    pub edit_strategy: EditStrategy,
    /// Scopes left with no key at all once the plan is applied.
    pub empties: Vec<Place>,
}

/// Counts by kind of change.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct PlanCounts {
    /// Keys to add.
    pub add: usize,
    /// Keys to delete.
    pub delete: usize,
    /// Keys to relabel.
    pub relabel: usize,
    /// Keys to rotate.
    pub rotate: usize,
}

impl Plan {
    /// Counts by kind.
    pub fn counts(&self) -> PlanCounts {
        let mut c = PlanCounts::default();
        for ch in &self.changes {
            match ch {
                Change::Add { .. } => c.add += 1,
                Change::Delete { .. } => c.delete += 1,
                Change::Relabel { .. } => c.relabel += 1,
                Change::Rotate { .. } => c.rotate += 1,
            }
        }
        c
    }

    /// Whether there is nothing to do.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// Requests the plan costs: the re-check listings plus each change's requests.
    pub fn request_cost(&self) -> usize {
        let scopes: BTreeSet<&Place> = self.changes.iter().map(Change::scope).collect();
        scopes.len() + self.changes.iter().map(Change::request_cost).sum::<usize>()
    }

    /// Keys removed for good (deletes and the old keys of rotations).
    pub fn removals(&self) -> usize {
        let c = self.counts();
        c.delete + c.rotate
    }

    /// Typed confirmation is needed when more than 5 keys go, or a scope is left keyless.
    pub fn needs_typed_confirmation(&self) -> bool {
        self.removals() > 5 || !self.empties.is_empty()
    }

    /// What the user types to confirm: the number of changes.
    pub fn confirmation_text(&self) -> String {
        self.changes.len().to_string()
    }

    /// `Plan: 1 to add, 7 to delete, ... About N requests.`
    pub fn summary(&self) -> String {
        let c = self.counts();
        let mut parts = Vec::new();
        for (n, what) in [
            (c.add, "to add"),
            (c.delete, "to delete"),
            (c.relabel, "to relabel"),
            (c.rotate, "to rotate"),
        ] {
            if n > 0 {
                parts.push(format!("{n} {what}"));
            }
        }
        if parts.is_empty() {
            parts.push("no changes".into());
        }
        let mut s = format!(
            "Plan: {}. About {} requests.",
            parts.join(", "),
            self.request_cost()
        );
        if !self.already_present.is_empty() {
            s.push_str(&format!(" {} already present.", self.already_present.len()));
        }
        if !self.empties.is_empty() {
            s.push_str(&format!(
                " Leaves {} without any key: {}.",
                if self.empties.len() == 1 {
                    "1 place".to_string()
                } else {
                    format!("{} places", self.empties.len())
                },
                self.empties
                    .iter()
                    .map(|s| s.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        s
    }

    /// Every line of the plan, for a dialog or the terminal.
    pub fn lines(&self) -> Vec<String> {
        let width = self
            .changes
            .iter()
            .map(|c| c.scope().to_string().chars().count())
            .max()
            .unwrap_or(0);
        let mut out: Vec<String> = self.changes.iter().map(|c| c.line_padded(width)).collect();
        out.extend(
            self.already_present
                .iter()
                .map(|s| match self.present_as.get(s) {
                    Some((held, asked)) => format!(
                        "=   {s}  already present as '{}', not '{}'",
                        clean_line(held),
                        clean_line(asked)
                    ),
                    None => format!("=   {s}  already present"),
                }),
        );
        out.extend(
            self.missing
                .iter()
                .map(|(s, f)| format!("?   {s}  {f} not found (nothing to do)")),
        );
        out.extend(
            self.invalid
                .iter()
                .map(|(s, why)| format!("!   {s}  {why}")),
        );
        out
    }

    /// A plan with only some of the changes (to retry the failed ones).
    pub fn only(&self, keep: &[usize]) -> Plan {
        Plan {
            changes: keep
                .iter()
                .filter_map(|i| self.changes.get(*i).cloned())
                .collect(),
            edit_strategy: self.edit_strategy,
            ..Plan::default()
        }
    }
}
