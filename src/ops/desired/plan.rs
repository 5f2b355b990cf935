//! The difference between a keys file and what the forge holds: the changes that make the
//! forge hold exactly what the file declares (and, under `[prune]`, nothing else).
//!
//! Written over the forge's domain types, so it plans the same way for every forge. Keys are
//! matched by fingerprint only: a comment the forge dropped, or key text written differently,
//! is never a change.

use std::collections::{BTreeMap, BTreeSet};

use super::file::{DeclaredKey, KeysFile, Location, Selector};
use crate::config::EditStrategy;
use crate::forge::{AccessKey, Caps, Permission, Place};
use crate::sshkey::{Fingerprint, PublicKey};

/// What the forge holds at the places a plan looked at.
#[derive(Debug, Clone, Default)]
pub struct Observed {
    /// The grants of every place that was read.
    pub grants: BTreeMap<Place, Vec<AccessKey>>,
    /// The project of each repository, by `(owner, repo)`, for `{project}` in labels.
    pub projects_of: BTreeMap<(String, String), String>,
    /// Places that exist but could not be read: a plan that touches them is incomplete.
    pub unreadable: BTreeSet<Place>,
    /// Places the account does not administer: skipped, as every workspace-wide command
    /// skips them, and named in one note.
    pub not_permitted: BTreeSet<Place>,
}

impl Observed {
    /// Every place known to exist, read or not.
    fn known(&self) -> impl Iterator<Item = &Place> {
        self.grants
            .keys()
            .chain(self.unreadable.iter())
            .chain(self.not_permitted.iter())
    }
}

/// One change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DesiredChange {
    /// Grant a declared key where it is missing.
    Add {
        /// Where.
        place: Place,
        /// The declaration's name.
        name: String,
        /// The key line to send.
        key: String,
        /// Its fingerprint.
        fingerprint: Fingerprint,
        /// The rendered label.
        label: String,
        /// Read or write.
        permission: Permission,
        /// Expiry, where the forge has it.
        expiry_days: Option<u32>,
    },
    /// Revoke a key the file does not declare at a pruned place.
    Delete {
        /// Where.
        place: Place,
        /// The grant's id.
        id: u64,
        /// Its fingerprint.
        fingerprint: Fingerprint,
        /// Its label now.
        label: String,
    },
    /// Give a held key the declared label.
    Relabel {
        /// Where.
        place: Place,
        /// The grant's id now.
        id: u64,
        /// The declaration's name.
        name: String,
        /// The key line, for the re-add.
        key: String,
        /// Its fingerprint.
        fingerprint: Fingerprint,
        /// The label now.
        from: String,
        /// The declared label.
        to: String,
    },
    /// Give a held key the declared permission (Data Center).
    SetPermission {
        /// Where.
        place: Place,
        /// The grant's id.
        id: u64,
        /// Its fingerprint.
        fingerprint: Fingerprint,
        /// The permission now.
        from: Permission,
        /// The declared permission.
        to: Permission,
    },
}

impl DesiredChange {
    /// The place it acts on.
    pub fn place(&self) -> &Place {
        match self {
            DesiredChange::Add { place, .. }
            | DesiredChange::Delete { place, .. }
            | DesiredChange::Relabel { place, .. }
            | DesiredChange::SetPermission { place, .. } => place,
        }
    }

    /// The symbol the bulk plans use: `+` add, `-` delete, `-/+` relabel, `~` permission.
    pub fn symbol(&self) -> &'static str {
        match self {
            DesiredChange::Add { .. } => "+",
            DesiredChange::Delete { .. } => "-",
            DesiredChange::Relabel { .. } => "-/+",
            DesiredChange::SetPermission { .. } => "~",
        }
    }
}

/// How a relabel is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelabelMethod {
    /// One in-place edit: the grant keeps its id and is never absent.
    InPlace,
    /// A journaled delete and re-add.
    Replace,
}

impl RelabelMethod {
    /// The name saved plans and `--json` use.
    pub fn as_str(self) -> &'static str {
        match self {
            RelabelMethod::InPlace => "in_place",
            RelabelMethod::Replace => "replace",
        }
    }
}

impl DesiredChange {
    /// How this change relabels, for a forge with `caps` under `strategy`; `None` for a change
    /// that is no relabel. In place only where asked and where the forge has an edit: project
    /// keys have none on any forge bbkeys knows, so they are always replaced.
    pub fn relabel_method(&self, caps: Caps, strategy: EditStrategy) -> Option<RelabelMethod> {
        let DesiredChange::Relabel { place, .. } = self else {
            return None;
        };
        let in_place = strategy == EditStrategy::InPlace
            && caps.in_place_label
            && matches!(place, Place::Repository { .. });
        Some(if in_place {
            RelabelMethod::InPlace
        } else {
            RelabelMethod::Replace
        })
    }
}

/// The plan, with what the reader must know about it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DesiredPlan {
    /// Changes, by place, then fingerprint.
    pub changes: Vec<DesiredChange>,
    /// Selectors that matched nothing, as `line:column: sentence`.
    pub warnings: Vec<String>,
    /// Places the plan needed but could not read: the plan is incomplete without them.
    pub unreadable: Vec<Place>,
    /// Places the plan touched that the account does not administer: left as they are.
    pub not_permitted: Vec<Place>,
}

/// What one place should hold, by fingerprint.
struct Want<'f> {
    decl: &'f DeclaredKey,
    label: String,
}

/// Plans `file` against `observed`. Two declarations that give one place the same key under
/// different labels are an error, found here where wildcards overlap (the parser finds the
/// literal cases).
pub fn plan_desired(file: &KeysFile, observed: &Observed) -> Result<DesiredPlan, Vec<String>> {
    let mut want: BTreeMap<Place, BTreeMap<Fingerprint, Want<'_>>> = BTreeMap::new();
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    for decl in &file.keys {
        for place in places_of(decl, observed, &mut warnings) {
            let label = match render(&decl.label, &place, observed) {
                Ok(l) => l,
                Err(e) => {
                    errors.push(format!("{}: {place}: {e}", decl.at.line));
                    continue;
                }
            };
            let slot = want.entry(place.clone()).or_default();
            match slot.get(&decl.fingerprint) {
                Some(w) if w.label != label => errors.push(format!(
                    "line {}: {:?} and {:?} (line {}) give {place} the same key with different labels ({label:?} and {:?}): a place holds a key once, under one label",
                    decl.at.line, decl.name, w.decl.name, w.decl.at.line, w.label
                )),
                Some(_) => {}
                None => {
                    slot.insert(decl.fingerprint.clone(), Want { decl, label });
                }
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut plan = DesiredPlan {
        warnings,
        ..DesiredPlan::default()
    };
    for (place, keys) in &want {
        if observed.unreadable.contains(place) {
            plan.unreadable.push(place.clone());
            continue;
        }
        if observed.not_permitted.contains(place) {
            plan.not_permitted.push(place.clone());
            continue;
        }
        let held = observed.grants.get(place).map(Vec::as_slice).unwrap_or(&[]);
        for (fp, w) in keys {
            plan.changes.extend(change_for(place, fp, w, held));
        }
    }
    if let Some(prune) = &file.prune {
        prune_changes(&prune.scopes, &want, observed, &mut plan);
    }
    Ok(plan)
}

/// The places a declaration reaches among those observed; a selector that reaches none is a
/// warning.
fn places_of(decl: &DeclaredKey, observed: &Observed, warnings: &mut Vec<String>) -> Vec<Place> {
    let mut out = Vec::new();
    for sel in &decl.repos {
        let before = out.len();
        out.extend(
            observed
                .known()
                .filter(|p| matches!(p, Place::Repository { owner, repo, .. } if sel.glob.matches(owner, repo)))
                .cloned(),
        );
        if out.len() == before {
            warnings.push(nothing_matched(sel.at, &sel.glob.to_string()));
        }
    }
    for (o, p) in &decl.projects {
        let found = observed
            .known()
            .find(|x| matches!(x, Place::Project { owner, project, .. } if owner == o && project == p))
            .cloned();
        match found {
            Some(place) => out.push(place),
            None => warnings.push(nothing_matched(decl.at, &format!("project {p} of {o}"))),
        }
    }
    out.sort();
    out.dedup();
    out
}

fn nothing_matched(at: Location, what: &str) -> String {
    format!(
        "{}:{}: {what} matches nothing that was read",
        at.line, at.column
    )
}

fn render(template: &str, place: &Place, observed: &Observed) -> Result<String, String> {
    let project = match place {
        Place::Repository { owner, repo, .. } => observed
            .projects_of
            .get(&(owner.clone(), repo.clone()))
            .map(String::as_str),
        Place::Project { .. } => None,
    };
    let scope = place.clone();
    crate::ops::bulk::render_label(template, &scope, "", project)
}

fn fingerprint(k: &AccessKey) -> Option<Fingerprint> {
    PublicKey::from_server(&k.key).ok().map(|p| p.fingerprint())
}

fn change_for(
    place: &Place,
    fp: &Fingerprint,
    w: &Want<'_>,
    held: &[AccessKey],
) -> Vec<DesiredChange> {
    let Some(have) = held.iter().find(|k| fingerprint(k).as_ref() == Some(fp)) else {
        return vec![DesiredChange::Add {
            place: place.clone(),
            name: w.decl.name.clone(),
            key: w.decl.key.to_openssh_with_comment(),
            fingerprint: fp.clone(),
            label: w.label.clone(),
            permission: w.decl.permission,
            expiry_days: w.decl.expiry_days,
        }];
    };
    let mut out = Vec::new();
    if have.label != w.label {
        out.push(DesiredChange::Relabel {
            place: place.clone(),
            id: have.id,
            name: w.decl.name.clone(),
            key: w.decl.key.to_openssh_with_comment(),
            fingerprint: fp.clone(),
            from: have.label.clone(),
            to: w.label.clone(),
        });
    }
    if have.permission != w.decl.permission {
        out.push(DesiredChange::SetPermission {
            place: place.clone(),
            id: have.id,
            fingerprint: fp.clone(),
            from: have.permission,
            to: w.decl.permission,
        });
    }
    out
}

fn prune_changes(
    scopes: &[Selector],
    want: &BTreeMap<Place, BTreeMap<Fingerprint, Want<'_>>>,
    observed: &Observed,
    plan: &mut DesiredPlan,
) {
    for sel in scopes {
        let reached = observed.known().any(
            |p| matches!(p, Place::Repository { owner, repo, .. } if sel.glob.matches(owner, repo)),
        );
        if !reached {
            plan.warnings.push(nothing_matched(
                sel.at,
                &format!("prune scope {}", sel.glob),
            ));
        }
    }
    let pruned = |p: &Place| match p {
        Place::Repository { owner, repo, .. } => scopes.iter().any(|s| s.glob.matches(owner, repo)),
        Place::Project { .. } => false,
    };
    for place in observed.unreadable.iter().filter(|p| pruned(p)) {
        if !plan.unreadable.contains(place) {
            plan.unreadable.push(place.clone());
        }
    }
    for place in observed.not_permitted.iter().filter(|p| pruned(p)) {
        if !plan.not_permitted.contains(place) {
            plan.not_permitted.push(place.clone());
        }
    }
    for (place, held) in observed.grants.iter().filter(|(p, _)| pruned(p)) {
        let wanted = want.get(place);
        for k in held {
            let fp = fingerprint(k);
            let keep = fp
                .as_ref()
                .is_some_and(|fp| wanted.is_some_and(|w| w.contains_key(fp)));
            // A key whose text cannot be read is never deleted on a guess.
            if let (false, Some(fp)) = (keep, fp) {
                plan.changes.push(DesiredChange::Delete {
                    place: place.clone(),
                    id: k.id,
                    fingerprint: fp,
                    label: k.label.clone(),
                });
            }
        }
    }
    plan.changes.sort_by(|a, b| a.place().cmp(b.place()));
}
