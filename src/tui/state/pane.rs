//! The three list panes, as `State` and the renderer name them.

/// The three lists, left to right.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pane {
    /// Workspaces of the account.
    Workspaces,
    /// Repositories of the focused workspace, under a "Project keys" entry.
    Repositories,
    /// Access keys of the focused repository (or of the workspace's projects).
    Keys,
}

impl Pane {
    /// Left to right.
    pub const ALL: [Pane; 3] = [Pane::Workspaces, Pane::Repositories, Pane::Keys];

    /// Position, for the per-pane arrays.
    pub fn index(self) -> usize {
        match self {
            Pane::Workspaces => 0,
            Pane::Repositories => 1,
            Pane::Keys => 2,
        }
    }

    /// The title shown in the border: Data Center's owners are projects.
    pub fn title(self, kind: crate::forge::ForgeKind) -> &'static str {
        match self {
            Pane::Workspaces if kind == crate::forge::ForgeKind::DataCenter => "Projects",
            Pane::Workspaces => "Workspaces",
            Pane::Repositories => "Repositories",
            Pane::Keys => "Access keys",
        }
    }
}
