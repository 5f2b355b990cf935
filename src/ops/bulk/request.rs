//! From a request and the keys as last read to a plan: what a bulk change will do at each
//! place, and what it leaves alone.

use std::collections::{BTreeMap, BTreeSet};

use super::plan::{BulkRequest, Change, NewKey, Plan, Snapshot};
use super::template::render_label;
use crate::forge::{AccessKey, Place};
use crate::ops::keyops::fingerprint_of;
use crate::sshkey::Fingerprint;

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
            BulkRequest::Delete { targets } => plan_delete(&mut plan, snapshot, targets),
            BulkRequest::Add { key, label, scopes } => {
                plan_add(&mut plan, snapshot, projects, key, label, scopes)
            }
            BulkRequest::Relabel { targets, template } => {
                plan_relabel(&mut plan, snapshot, projects, targets, template)
            }
            BulkRequest::Rotate {
                from,
                to,
                label,
                scopes,
            } => plan_rotate(&mut plan, snapshot, from, to, label.as_deref(), scopes),
        }
        mark_empties(&mut plan, snapshot, projects);
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

fn plan_delete(plan: &mut Plan, snapshot: &Snapshot, targets: &[(Place, Fingerprint)]) {
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

fn plan_add(
    plan: &mut Plan,
    snapshot: &Snapshot,
    projects: &BTreeMap<Place, String>,
    key: &NewKey,
    label: &str,
    scopes: &[Place],
) {
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

fn plan_relabel(
    plan: &mut Plan,
    snapshot: &Snapshot,
    projects: &BTreeMap<Place, String>,
    targets: &[(Place, Fingerprint)],
    template: &str,
) {
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

fn plan_rotate(
    plan: &mut Plan,
    snapshot: &Snapshot,
    from: &Fingerprint,
    to: &NewKey,
    label: Option<&str>,
    scopes: &[Place],
) {
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
            let label = label.map_or_else(|| old.label.clone(), String::from);
            // The new key is granted as the old one was (Data Center's permission and expiry;
            // on Cloud both are read and never), so a rotation never downgrades a grant.
            plan.changes.push(Change::Rotate {
                scope,
                old: old.clone(),
                new: NewKey {
                    permission: old.permission,
                    expiry_days: old.expiry_days,
                    ..to.clone()
                },
                label,
            });
        }
    }
}

/// Records the places the plan leaves without any key, counting what remains after its
/// removals and what a repository inherits from its project.
fn mark_empties(plan: &mut Plan, snapshot: &Snapshot, projects: &BTreeMap<Place, String>) {
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
}
