//! Read-only views of `State` that walk everything loaded: pane status and where else a key
//! is held.

use std::collections::BTreeSet;

use crate::tui::state::{KeyView, Load, Pane, PaneStatus, RepoRow, State};

impl State {
    /// Whether a pane shows a list, a spinner or an error.
    pub fn pane_status(&self, pane: Pane) -> PaneStatus<'_> {
        fn of<T>(l: Option<&Load<T>>) -> PaneStatus<'_> {
            match l {
                None | Some(Load::Idle) | Some(Load::Loading(_)) => PaneStatus::Loading,
                Some(Load::Failed(e)) => PaneStatus::Failed(e),
                Some(Load::Ready(_)) => PaneStatus::Ready,
            }
        }
        match pane {
            Pane::Workspaces => of(Some(&self.workspaces)),
            Pane::Repositories => match self.focused_workspace() {
                None if matches!(self.workspaces, Load::Ready(_)) => PaneStatus::Waiting,
                None => of(Some(&self.workspaces)).waiting_unless_failed(),
                Some(ws) => of(self.repos.get(&ws.slug)),
            },
            Pane::Keys => {
                let Some(ws) = self.focused_workspace() else {
                    return PaneStatus::Waiting;
                };
                match self.focused_repo_row() {
                    None => match self.repos.get(&ws.slug) {
                        Some(Load::Ready(_)) => PaneStatus::Waiting,
                        _ => of(self.repos.get(&ws.slug)).waiting_unless_failed(),
                    },
                    Some(RepoRow::ProjectKeys) => of(self.project_keys.get(&ws.slug)),
                    Some(RepoRow::Repo(r)) => of(self.keys.get(&(ws.slug.clone(), r.slug.clone()))),
                }
            }
        }
    }

    /// Whether any request of the visible panes or a scan is in flight (drives the spinner).
    pub fn is_loading(&self) -> bool {
        self.scan.is_some()
            || self.jobs.iter().any(|j| !j.finished)
            || Pane::ALL
                .iter()
                .any(|p| self.pane_status(*p) == PaneStatus::Loading)
    }

    /// Other places holding the same key (by fingerprint), among what has been loaded.
    pub fn also_on(&self, key: &KeyView) -> Vec<String> {
        let Some(fp) = key.fingerprint() else {
            return Vec::new();
        };
        let mut places = BTreeSet::new();
        let mut visit = |k: &KeyView| {
            if k.fingerprint() == Some(fp) && k.scope != key.scope {
                places.insert(k.scope.to_string());
            }
        };
        for load in self.keys.values() {
            if let Load::Ready(keys) = load {
                keys.iter().for_each(&mut visit);
            }
        }
        for load in self.project_keys.values() {
            if let Load::Ready(groups) = load {
                groups
                    .iter()
                    .filter_map(|g| g.keys.as_ref().ok())
                    .flatten()
                    .for_each(&mut visit);
            }
        }
        places.into_iter().collect()
    }
}
