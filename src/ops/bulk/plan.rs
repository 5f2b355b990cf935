//! Plans: what a bulk request will change, computed from a snapshot of the remote keys.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::template::render_label;
use crate::forge::AccessKey;
use crate::forge::Place;
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
}

impl From<&PublicKey> for NewKey {
    fn from(k: &PublicKey) -> Self {
        NewKey {
            text: k.to_openssh_with_comment(),
            fingerprint: k.fingerprint(),
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
            ..Plan::default()
        }
    }
}

fn find<'a>(snapshot: &'a Snapshot, scope: &Place, fp: &Fingerprint) -> Option<&'a AccessKey> {
    snapshot
        .get(scope)?
        .iter()
        .find(|k| fingerprint_of(k).as_ref() == Some(fp))
}

impl BulkRequest {
    /// The scopes whose keys the plan depends on.
    pub fn scopes(&self) -> Vec<Place> {
        let set: BTreeSet<Place> = match self {
            BulkRequest::Delete { targets } | BulkRequest::Relabel { targets, .. } => {
                targets.iter().map(|(s, _)| s.clone()).collect()
            }
            BulkRequest::Add { scopes, .. } | BulkRequest::Rotate { scopes, .. } => {
                scopes.iter().cloned().collect()
            }
        };
        set.into_iter().collect()
    }

    /// The same request, limited to what `changes` (some of its plan) touch: the targets
    /// they act on, or the places they add to. Planned again on fresh keys, it gives those
    /// changes back while nothing has moved: what a retry of failed changes re-checks with.
    pub fn narrowed(&self, changes: &[Change]) -> BulkRequest {
        let scopes: BTreeSet<&Place> = changes.iter().map(Change::scope).collect();
        let acted_on: BTreeSet<(&Place, Fingerprint)> = changes
            .iter()
            .filter_map(|c| match c {
                Change::Delete { scope, key } | Change::Relabel { scope, key, .. } => {
                    Some((scope, fingerprint_of(key)?))
                }
                Change::Add { .. } | Change::Rotate { .. } => None,
            })
            .collect();
        let keep_targets = |targets: &[(Place, Fingerprint)]| {
            targets
                .iter()
                .filter(|(s, f)| acted_on.contains(&(s, f.clone())))
                .cloned()
                .collect()
        };
        let keep_scopes = |list: &[Place]| {
            list.iter()
                .filter(|s| scopes.contains(s))
                .cloned()
                .collect()
        };
        match self {
            BulkRequest::Delete { targets } => BulkRequest::Delete {
                targets: keep_targets(targets),
            },
            BulkRequest::Relabel { targets, template } => BulkRequest::Relabel {
                targets: keep_targets(targets),
                template: template.clone(),
            },
            BulkRequest::Add { key, label, scopes } => BulkRequest::Add {
                key: key.clone(),
                label: label.clone(),
                scopes: keep_scopes(scopes),
            },
            BulkRequest::Rotate {
                from,
                to,
                label,
                scopes,
            } => BulkRequest::Rotate {
                from: from.clone(),
                to: to.clone(),
                label: label.clone(),
                scopes: keep_scopes(scopes),
            },
        }
    }

    /// Computes the plan against `snapshot`. `projects` maps a repository scope to its
    /// project key, for the `{project}` placeholder.
    pub fn plan(&self, snapshot: &Snapshot, projects: &BTreeMap<Place, String>) -> Plan {
        let mut plan = Plan::default();
        match self {
            BulkRequest::Delete { targets } => {
                for (scope, fp) in dedup(targets) {
                    match find(snapshot, &scope, &fp) {
                        Some(k) => plan.changes.push(Change::Delete {
                            scope,
                            key: k.clone(),
                        }),
                        None => plan.missing.push((scope, fp)),
                    }
                }
            }
            BulkRequest::Add { key, label, scopes } => {
                for scope in scopes.iter().cloned().collect::<BTreeSet<_>>() {
                    // The label may be a template, rendered per place as a relabel's is.
                    let project = projects.get(&scope).map(String::as_str);
                    let rendered = render_label(label, &scope, "", project);
                    if let Some(k) = find(snapshot, &scope, &key.fingerprint) {
                        let held = k.label.clone();
                        if let Ok(asked) = &rendered
                            && *asked != held
                        {
                            plan.present_as.insert(scope.clone(), (held, asked.clone()));
                        }
                        plan.already_present.push(scope);
                        continue;
                    }
                    match rendered {
                        Ok(label) => plan.changes.push(Change::Add {
                            scope,
                            key: key.clone(),
                            label,
                        }),
                        Err(why) => plan.invalid.push((scope, why)),
                    }
                }
            }
            BulkRequest::Relabel { targets, template } => {
                for (scope, fp) in dedup(targets) {
                    let Some(k) = find(snapshot, &scope, &fp) else {
                        plan.missing.push((scope, fp));
                        continue;
                    };
                    let old = k.label.clone();
                    match render_label(
                        template,
                        &scope,
                        &old,
                        projects.get(&scope).map(String::as_str),
                    ) {
                        Ok(new_label) if new_label == old => {}
                        Ok(new_label) => plan.changes.push(Change::Relabel {
                            scope,
                            key: k.clone(),
                            new_label,
                        }),
                        Err(why) => plan.invalid.push((scope, why)),
                    }
                }
            }
            BulkRequest::Rotate {
                from,
                to,
                label,
                scopes,
            } => {
                for scope in scopes.iter().cloned().collect::<BTreeSet<_>>() {
                    let Some(old) = find(snapshot, &scope, from) else {
                        continue;
                    };
                    if find(snapshot, &scope, &to.fingerprint).is_some() {
                        // The new key is already there: only the old one has to go.
                        plan.changes.push(Change::Delete {
                            scope,
                            key: old.clone(),
                        });
                    } else {
                        let label = label.clone().unwrap_or_else(|| old.label.clone());
                        plan.changes.push(Change::Rotate {
                            scope,
                            old: old.clone(),
                            new: to.clone(),
                            label,
                        });
                    }
                }
            }
        }
        // Scopes that end up with no key: count what remains after the plan's removals.
        let mut remaining: BTreeMap<&Place, usize> = BTreeMap::new();
        for ch in &plan.changes {
            let scope = ch.scope();
            remaining
                .entry(scope)
                .or_insert_with(|| snapshot.get(scope).map(Vec::len).unwrap_or(0));
        }
        for ch in &plan.changes {
            match ch {
                Change::Delete { scope, .. } => {
                    *remaining.entry(scope).or_default() = remaining[scope].saturating_sub(1)
                }
                Change::Add { scope, .. } => *remaining.entry(scope).or_default() += 1,
                Change::Relabel { .. } | Change::Rotate { .. } => {}
            }
        }
        // A repository whose project still holds a key inherits it: it keeps access, so it
        // is not left without keys. Its project's count is what remains after this plan.
        let inherits = |scope: &Place| {
            let Some(project) = projects.get(scope) else {
                return false;
            };
            let project = Place::project(scope.forge(), scope.owner(), project.clone());
            remaining
                .get(&project)
                .copied()
                .or_else(|| snapshot.get(&project).map(Vec::len))
                .is_some_and(|n| n > 0)
        };
        plan.empties = remaining
            .iter()
            .filter(|(s, n)| **n == 0 && !inherits(s))
            .map(|(s, _)| (*s).clone())
            .collect();
        plan
    }

    /// [`Self::scopes`], plus the projects whose keys the targeted repositories inherit
    /// (`projects` maps a repository to its project): whether a repository is left without
    /// keys depends on them, so a plan and its re-check read them too.
    pub fn scopes_with_projects(&self, projects: &BTreeMap<Place, String>) -> Vec<Place> {
        let mut set: BTreeSet<Place> = self.scopes().into_iter().collect();
        // Only deletes take a key away without putting one back.
        if let BulkRequest::Delete { targets } = self {
            for (scope, _) in targets {
                if let Some(project) = projects.get(scope) {
                    set.insert(Place::project(
                        scope.forge(),
                        scope.owner(),
                        project.clone(),
                    ));
                }
            }
        }
        set.into_iter().collect()
    }
}

fn dedup(targets: &[(Place, Fingerprint)]) -> Vec<(Place, Fingerprint)> {
    targets
        .iter()
        .cloned()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}
