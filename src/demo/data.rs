//! The builder of the simulator's starting state, and the clock and seed every data set
//! shares. Which data set is built is chosen in `dataset.rs`; the demo tables themselves are
//! in `demo_data.rs`.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use time::{Date, OffsetDateTime};

use super::keys::demo_key;
use super::rng::SplitMix64;
use super::state::{Account, AccountKey, Key, Project, Repo, State, Workspace, stamp};

/// The simulated "now". Every date of the demo set is fixed relative to it (nothing depends
/// on the real clock), and keys added while the simulator runs are stamped from it onwards.
pub const DEMO_NOW: OffsetDateTime = time::macros::datetime!(2026-11-28 09:30:00 UTC);

/// The seed of the demo set. It is a constant, not [`super::SimOptions::seed`], so snapshots
/// and screenshots of the demo stay identical whatever seed a test picks for its faults.
pub(crate) const DEMO_SEED: u64 = 0xB17B_0C4E_7DE0_0001;

/// First key id; real ids are large integers.
const FIRST_ID: u64 = 18_204_117;

/// When a holding was created: `from` plus up to `days` days.
#[derive(Clone, Copy)]
pub(crate) struct Window {
    pub from: Date,
    pub days: u32,
}

/// When a holding was last used.
#[derive(Clone, Copy)]
pub(crate) enum Used {
    /// `last_used: null`.
    Never,
    /// Up to `days` days before the date.
    Around(Date, u32),
}

/// Accumulates workspaces, repositories and holdings, with seeded dates and UUIDs.
pub(crate) struct Builder {
    pub(super) rng: SplitMix64,
    pub(super) state: State,
    /// Creation time of each repository / project, so no key predates its home.
    born: HashMap<(String, String), OffsetDateTime>,
}

impl Builder {
    /// A server with the demo person, their account keys, and nothing else.
    pub(crate) fn new(seed: u64) -> Self {
        let mut rng = SplitMix64::new(seed);
        let user = Account {
            uuid: rng.uuid(),
            account_id: format!("712020:{}", rng.uuid().trim_matches(['{', '}'])),
            display_name: "Dana Demo".to_string(),
            nickname: super::credentials::NICKNAME.to_string(),
            created_on: stamp(at(time::macros::date!(2014 - 03 - 17), 0, &mut rng)),
        };
        let account_keys = super::ACCOUNT_KEY_LINES
            .into_iter()
            .zip(["laptop", "workstation", "yubikey-backup"])
            .filter_map(|(line, label)| {
                let k = demo_key(line)?;
                Some(AccountKey {
                    material: Arc::clone(&k.material),
                    comment: k.comment.clone(),
                    label: label.to_string(),
                })
            })
            .collect();
        Builder {
            rng,
            state: State {
                user,
                account_keys,
                workspaces: BTreeMap::new(),
                next_id: FIRST_ID,
                clock: DEMO_NOW,
            },
            born: HashMap::new(),
        }
    }

    /// Adds a workspace.
    pub(crate) fn workspace(&mut self, slug: &str, name: &str, administrator: bool, since: Date) {
        let created = at(since, 0, &mut self.rng);
        let uuid = self.rng.uuid();
        self.state.workspaces.insert(
            slug.to_string(),
            Workspace {
                slug: slug.to_string(),
                name: name.to_string(),
                uuid,
                administrator,
                created_on: stamp(created),
                projects: BTreeMap::new(),
                repos: BTreeMap::new(),
            },
        );
        self.born.insert((slug.to_string(), String::new()), created);
    }

    /// Adds a project to workspace `ws`.
    pub(crate) fn project(
        &mut self,
        ws: &str,
        key: &str,
        name: &str,
        description: &str,
        admin: bool,
    ) {
        let created = self.after_workspace(ws, 200);
        let uuid = self.rng.uuid();
        if let Some(w) = self.state.workspaces.get_mut(ws) {
            w.projects.insert(
                key.to_string(),
                Project {
                    key: key.to_string(),
                    name: name.to_string(),
                    uuid,
                    description: description.to_string(),
                    created_on: stamp(created),
                    administrator: admin,
                    keys: Vec::new(),
                },
            );
            self.born
                .insert((ws.to_string(), format!("project:{key}")), created);
        }
    }

    /// Adds a repository (its display name defaults to the slug).
    pub(crate) fn repo(&mut self, ws: &str, spec: &RepoSpec) {
        let created = self.after_workspace(ws, spec.spread_days);
        let age = (DEMO_NOW - created).whole_days().max(1) as u64;
        let updated = DEMO_NOW
            - time::Duration::days(self.rng.below(age.min(400)) as i64)
            - time::Duration::seconds(self.rng.below(86_400) as i64);
        let uuid = self.rng.uuid();
        if let Some(w) = self.state.workspaces.get_mut(ws) {
            w.repos.insert(
                spec.slug.to_string(),
                Repo {
                    slug: spec.slug.to_string(),
                    name: spec.name.unwrap_or(spec.slug).to_string(),
                    uuid,
                    project: spec.project.to_string(),
                    administrator: spec.admin,
                    language: spec.language.to_string(),
                    description: spec.description.to_string(),
                    created_on: stamp(created),
                    updated_on: stamp(updated.max(created)),
                    keys: Vec::new(),
                },
            );
            self.born
                .insert((ws.to_string(), spec.slug.to_string()), created);
        }
    }

    /// Puts `keys.txt` line `line` on every repository of `targets` (`"ws/slug"`).
    pub(crate) fn hold(
        &mut self,
        line: usize,
        label: &str,
        targets: &[&str],
        created: Window,
        used: Used,
    ) {
        for target in targets {
            let Some((ws, slug)) = target.split_once('/') else {
                continue;
            };
            let Some(key) = self.holding(line, label, (ws, slug), created, used) else {
                continue;
            };
            if let Some(repo) = self
                .state
                .workspaces
                .get_mut(ws)
                .and_then(|w| w.repos.get_mut(slug))
            {
                repo.keys.push(key);
            }
        }
    }

    /// Puts `keys.txt` line `line` on project `project` of `ws`.
    pub(crate) fn hold_project(
        &mut self,
        line: usize,
        label: &str,
        ws: &str,
        project: &str,
        created: Window,
        used: Used,
    ) {
        let home = format!("project:{project}");
        let Some(key) = self.holding(line, label, (ws, &home), created, used) else {
            return;
        };
        if let Some(p) = self
            .state
            .workspaces
            .get_mut(ws)
            .and_then(|w| w.projects.get_mut(project))
        {
            p.keys.push(key);
        }
    }

    fn holding(
        &mut self,
        line: usize,
        label: &str,
        home: (&str, &str),
        created: Window,
        used: Used,
    ) -> Option<Key> {
        let demo = demo_key(line)?;
        let born = *self.born.get(&(home.0.to_string(), home.1.to_string()))?;
        let mut created_at = at(created.from, created.days, &mut self.rng);
        if created_at <= born {
            created_at = born + time::Duration::days(1 + self.rng.below(30) as i64);
        }
        let last_used = match used {
            Used::Never => None,
            Used::Around(date, days) => {
                let t = at(date, 0, &mut self.rng)
                    - time::Duration::days(self.rng.below(u64::from(days) + 1) as i64);
                // Never after the simulated now: a key "used in two hours" is not a state
                // any server can be in.
                Some(stamp(
                    t.max(created_at + time::Duration::hours(3)).min(DEMO_NOW),
                ))
            }
        };
        Some(Key {
            id: 0, // assigned in creation order by `finish`
            material: Arc::clone(&demo.material),
            comment: demo.comment.clone(),
            label: label.to_string(),
            created_on: stamp(created_at.min(DEMO_NOW)),
            last_used,
        })
    }

    fn after_workspace(&mut self, ws: &str, spread_days: u32) -> OffsetDateTime {
        let since = self
            .born
            .get(&(ws.to_string(), String::new()))
            .copied()
            .unwrap_or(DEMO_NOW - time::Duration::days(3650));
        since
            + time::Duration::days(1 + self.rng.below(u64::from(spread_days)) as i64)
            + time::Duration::seconds(self.rng.below(86_400) as i64)
    }

    /// Numbers every holding in creation order (ids grow with time, as on the real server,
    /// and with irregular gaps, since other customers' keys take ids too) and sorts each
    /// list oldest first.
    pub(crate) fn finish(mut self) -> State {
        let mut all: Vec<&mut Key> = Vec::new();
        for w in self.state.workspaces.values_mut() {
            for r in w.repos.values_mut() {
                all.extend(r.keys.iter_mut());
            }
            for p in w.projects.values_mut() {
                all.extend(p.keys.iter_mut());
            }
        }
        // The timestamp strings share one fixed format, so they sort chronologically.
        all.sort_by(|a, b| a.created_on.cmp(&b.created_on));
        let mut id = self.state.next_id;
        for key in all {
            id += 1 + self.rng.below(37);
            key.id = id;
        }
        self.state.next_id = id + 1;
        for w in self.state.workspaces.values_mut() {
            for r in w.repos.values_mut() {
                r.keys.sort_by_key(|k| k.id);
            }
            for p in w.projects.values_mut() {
                p.keys.sort_by_key(|k| k.id);
            }
        }
        self.state
    }
}

/// A repository of a data-set table.
pub(crate) struct RepoSpec {
    pub slug: &'static str,
    pub name: Option<&'static str>,
    pub project: &'static str,
    pub admin: bool,
    pub language: &'static str,
    pub description: &'static str,
    /// Created up to this many days after its workspace.
    pub spread_days: u32,
}

/// A time on `date` plus up to `days` days, at a seeded time of day with microseconds.
fn at(date: Date, days: u32, rng: &mut SplitMix64) -> OffsetDateTime {
    date.midnight().assume_utc()
        + time::Duration::days(rng.below(u64::from(days) + 1) as i64)
        + time::Duration::seconds(rng.below(86_400) as i64)
        + time::Duration::microseconds(rng.below(1_000_000) as i64)
}
