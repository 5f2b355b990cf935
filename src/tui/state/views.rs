//! Read-only views of `State` that walk everything loaded: pane status and loading.

use crate::tui::state::{Load, Pane, PaneStatus, RepoRow, State};

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
}
