//! A desired plan turned into one journaled bulk plan, from a fresh read of every place it
//! touches. Shared by `bbkeys apply` and the TUI's Drift view, so both refuse the same drift.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use super::plan::DesiredChange;
use crate::forge::{AccessKey, Forge, ForgeError, Permission, Place};
use crate::ops::bulk::{Change, NewKey, Plan, snapshot};
use crate::ops::keyops::find_fingerprint;
use crate::sshkey::PublicKey;

/// Why a desired plan was not turned into a bulk plan. Nothing was written in any case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApplyRefusal {
    /// A touched place could not be read again.
    Unreadable(String),
    /// A key to add does not parse.
    BadKey(String),
    /// The places changed since the plan: one sentence per change that no longer fits.
    Drifted(Vec<String>),
}

impl fmt::Display for ApplyRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApplyRefusal::Unreadable(s) | ApplyRefusal::BadKey(s) => f.write_str(s),
            ApplyRefusal::Drifted(lines) => write!(
                f,
                "the places changed since the plan was made, so nothing was applied; plan again:\n  {}",
                lines.join("\n  ")
            ),
        }
    }
}

/// A permission to change on a grant (Data Center), checked against a fresh read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PermissionChange {
    /// Where.
    pub place: Place,
    /// The grant as it is now.
    pub key: AccessKey,
    /// The permission it gets.
    pub to: Permission,
}

/// What applying a desired plan does: one journaled bulk plan, then the permission changes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applicable {
    /// Adds, deletes, relabels and rotations.
    pub bulk: Plan,
    /// Permission changes, made after the bulk plan.
    pub permissions: Vec<PermissionChange>,
}

/// [`to_applicable`] for a plan without permission changes (the TUI's Drift view); a
/// permission change is refused as drift there.
pub async fn to_bulk_plan(
    forge: &dyn Forge,
    changes: &[DesiredChange],
) -> Result<Plan, ApplyRefusal> {
    let applicable = to_applicable(forge, changes).await?;
    if let Some(p) = applicable.permissions.first() {
        return Err(ApplyRefusal::Drifted(vec![format!(
            "{}: permission changes are applied by `bbkeys apply`",
            p.place
        )]));
    }
    Ok(applicable.bulk)
}

/// Changes the permission of each grant. Not journaled: a permission change neither adds nor
/// removes a grant, so an interrupted run leaves each grant with one permission or the other,
/// and planning again shows what is left.
pub async fn set_permissions(
    forge: &dyn Forge,
    changes: &[PermissionChange],
) -> Vec<(Place, Result<AccessKey, ForgeError>)> {
    let mut out = Vec::new();
    for c in changes {
        let result = forge.set_permission(&c.place, c.key.id, c.to).await;
        out.push((c.place.clone(), result));
    }
    out
}

/// Reads every touched place again and turns the changes into one journaled bulk plan and the
/// permission changes. A place where a change no longer fits (the key is already added, or
/// gone, or relabelled, or its permission changed) is refused, as is what the forge cannot do
/// (a write key or an expiry without [`crate::forge::Caps`] for them): nothing is written, and
/// the reader is told why. An add and a delete at one place become a rotation, so the new key
/// is there before the old one goes.
pub async fn to_applicable(
    forge: &dyn Forge,
    changes: &[DesiredChange],
) -> Result<Applicable, ApplyRefusal> {
    let caps = forge.caps();
    let scopes: Vec<Place> = changes
        .iter()
        .map(|c| c.place().clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let (fresh, unreadable) = snapshot(forge, &scopes).await;
    if let Some((scope, e)) = unreadable.first() {
        return Err(ApplyRefusal::Unreadable(format!(
            "{scope} could not be read again before applying, so nothing was applied: {e}"
        )));
    }
    let mut sorted = Sorted::default();
    for c in changes {
        let held = fresh.get(c.place()).map(Vec::as_slice).unwrap_or(&[]);
        sorted.take(c, held, caps)?;
    }
    let Sorted {
        drift,
        adds,
        deletes,
        mut bulk,
        permissions,
    } = sorted;
    if !drift.is_empty() {
        return Err(ApplyRefusal::Drifted(drift));
    }
    order_adds_and_deletes(&mut bulk, adds, deletes);
    Ok(Applicable { bulk, permissions })
}

/// The changes of a plan checked against what the forge holds now, sorted by how they are
/// applied; `drift` says why a change no longer fits.
#[derive(Default)]
struct Sorted {
    drift: Vec<String>,
    adds: BTreeMap<Place, Vec<(NewKey, String)>>,
    deletes: BTreeMap<Place, Vec<AccessKey>>,
    bulk: Plan,
    permissions: Vec<PermissionChange>,
}

impl Sorted {
    /// Checks `c` against `held`, the keys its place holds now, and files it.
    fn take(
        &mut self,
        c: &DesiredChange,
        held: &[AccessKey],
        caps: crate::forge::Caps,
    ) -> Result<(), ApplyRefusal> {
        let scope = c.place().clone();
        let current = |fp: &crate::sshkey::Fingerprint| find_fingerprint(held, fp.as_str());
        match c {
            DesiredChange::Add {
                key,
                fingerprint,
                label,
                permission,
                expiry_days,
                ..
            } => {
                if *permission == Permission::Write && !caps.permissions {
                    self.drift
                        .push(format!("{scope}: write access needs Data Center"));
                } else if expiry_days.is_some() && !caps.expiry {
                    self.drift
                        .push(format!("{scope}: an expiry needs Data Center"));
                } else if current(fingerprint).is_some() {
                    self.drift
                        .push(format!("{scope}: {fingerprint} is already there"));
                } else {
                    let parsed = PublicKey::parse(key).map_err(|e| {
                        ApplyRefusal::BadKey(format!("the key to add to {scope}: {e}"))
                    })?;
                    let new = NewKey {
                        permission: *permission,
                        expiry_days: *expiry_days,
                        ..NewKey::from(&parsed)
                    };
                    self.adds
                        .entry(scope)
                        .or_default()
                        .push((new, label.clone()));
                }
            }
            DesiredChange::Delete {
                id, fingerprint, ..
            } => match current(fingerprint) {
                Some(k) if k.id == *id => self.deletes.entry(scope).or_default().push(k.clone()),
                _ => self.drift.push(format!(
                    "{scope}: {fingerprint} (id {id}) is no longer there"
                )),
            },
            DesiredChange::Relabel {
                id,
                fingerprint,
                from,
                to,
                ..
            } => match current(fingerprint) {
                Some(k) if k.id == *id && k.label == *from => {
                    self.bulk.changes.push(Change::Relabel {
                        scope,
                        key: k.clone(),
                        new_label: to.clone(),
                    });
                }
                _ => self.drift.push(format!(
                    "{scope}: {fingerprint} is no longer there as {from:?}"
                )),
            },
            DesiredChange::SetPermission { .. } if !caps.permissions => {
                self.drift
                    .push(format!("{scope}: permissions need Data Center"));
            }
            DesiredChange::SetPermission {
                id,
                fingerprint,
                from,
                to,
                ..
            } => match current(fingerprint) {
                Some(k) if k.id == *id && k.permission == *from => {
                    self.permissions.push(PermissionChange {
                        place: scope,
                        key: k.clone(),
                        to: *to,
                    });
                }
                _ => self.drift.push(format!(
                    "{scope}: {fingerprint} is no longer there with {} access",
                    from.as_str()
                )),
            },
        }
        Ok(())
    }
}

/// Pairs an add with a delete at one place into a rotation (new key first), then the rest.
fn order_adds_and_deletes(
    bulk: &mut Plan,
    adds: BTreeMap<Place, Vec<(NewKey, String)>>,
    mut deletes: BTreeMap<Place, Vec<AccessKey>>,
) {
    for (scope, mut added) in adds {
        let mut gone = deletes.remove(&scope).unwrap_or_default();
        while !added.is_empty() && !gone.is_empty() {
            let (Some((new, label)), Some(old)) = (added.pop(), gone.pop()) else {
                break;
            };
            bulk.changes.push(Change::Rotate {
                scope: scope.clone(),
                old,
                new,
                label,
            });
        }
        for (key, label) in added {
            bulk.changes.push(Change::Add {
                scope: scope.clone(),
                key,
                label,
            });
        }
        for key in gone {
            bulk.changes.push(Change::Delete {
                scope: scope.clone(),
                key,
            });
        }
    }
    for (scope, gone) in deletes {
        for key in gone {
            bulk.changes.push(Change::Delete {
                scope: scope.clone(),
                key,
            });
        }
    }
}
