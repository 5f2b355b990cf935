//! What a key press means, independent of which key it was.

/// An input intent. The keymap turns key presses into these; `update()` only ever sees them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Cursor one row up.
    Up,
    /// Cursor one row down.
    Down,
    /// First row.
    Top,
    /// Last row.
    Bottom,
    /// Half a pane down.
    HalfPageDown,
    /// Half a pane up.
    HalfPageUp,
    /// A pane height down.
    PageDown,
    /// A pane height up.
    PageUp,
    /// Focus the next pane (wraps).
    NextPane,
    /// Focus the previous pane (wraps).
    PrevPane,
    /// Focus the parent pane.
    Left,
    /// Focus the child pane.
    Right,
    /// Same as moving right: drill into the focused item.
    Open,
    /// Jump to the workspaces pane.
    FocusWorkspaces,
    /// Jump to the repositories pane.
    FocusRepositories,
    /// Jump to the access keys pane.
    FocusKeys,
    /// Start typing a filter for the focused pane.
    Filter,
    /// Close the overlay, or clear the filter of the focused pane.
    Cancel,
    /// Show or hide the key help.
    Help,
    /// Leave the application.
    Quit,
    /// Reload the focused item from the server.
    Reload,
    /// Scan every repository of the focused workspace.
    Rescan,
    /// Copy the focused key's fingerprint (OSC 52).
    CopyFingerprint,
    /// Copy the focused key's public key (OSC 52).
    CopyPublicKey,
    /// Suspend to the shell (like Ctrl-Z in any program).
    Suspend,
    /// Open the built-in demo (first-run screen only).
    OpenDemo,
    /// Open the All keys view of the focused workspace (issue 7).
    AllKeys,
    /// List every repository and project holding the focused key (issue 7).
    FindKey,
    /// Write the audit report of the scanned workspace to a file (issue 7).
    Export,
    /// Open the Credentials view: what the credential can do (issue 6).
    Credentials,
    /// All keys view: sort by the next column.
    SortColumn,
    /// All keys view: reverse the sort.
    SortReverse,
}

/// Which part of the help overlay an action is listed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HelpGroup {
    /// Cursor movement.
    Move,
    /// Changing panes.
    Panes,
    /// Everything else.
    Actions,
}

impl Action {
    /// Every action the keymap binds, in help order. `OpenDemo` is not here: only the
    /// first-run screen offers it, on `d`, which the main screen keeps free for deleting.
    pub const ALL: [Action; 31] = [
        Action::Up,
        Action::Down,
        Action::Top,
        Action::Bottom,
        Action::HalfPageDown,
        Action::HalfPageUp,
        Action::PageDown,
        Action::PageUp,
        Action::NextPane,
        Action::PrevPane,
        Action::Left,
        Action::Right,
        Action::Open,
        Action::FocusWorkspaces,
        Action::FocusRepositories,
        Action::FocusKeys,
        Action::Filter,
        Action::Cancel,
        Action::Reload,
        Action::Rescan,
        Action::CopyFingerprint,
        Action::CopyPublicKey,
        Action::Help,
        Action::Suspend,
        Action::Quit,
        Action::AllKeys,
        Action::FindKey,
        Action::Export,
        Action::Credentials,
        Action::SortColumn,
        Action::SortReverse,
    ];

    /// The name used in the `[keys]` section of the config file.
    pub fn config_name(self) -> &'static str {
        match self {
            Action::Up => "up",
            Action::Down => "down",
            Action::Top => "top",
            Action::Bottom => "bottom",
            Action::HalfPageDown => "half_page_down",
            Action::HalfPageUp => "half_page_up",
            Action::PageDown => "page_down",
            Action::PageUp => "page_up",
            Action::NextPane => "next_pane",
            Action::PrevPane => "prev_pane",
            Action::Left => "left",
            Action::Right => "right",
            Action::Open => "open",
            Action::FocusWorkspaces => "focus_workspaces",
            Action::FocusRepositories => "focus_repositories",
            Action::FocusKeys => "focus_keys",
            Action::Filter => "filter",
            Action::Cancel => "cancel",
            Action::Help => "help",
            Action::Quit => "quit",
            Action::Reload => "reload",
            Action::Rescan => "rescan",
            Action::CopyFingerprint => "copy_fingerprint",
            Action::CopyPublicKey => "copy_public_key",
            Action::Suspend => "suspend",
            Action::OpenDemo => "open_demo",
            Action::AllKeys => "all_keys",
            Action::FindKey => "find_key",
            Action::Export => "export",
            Action::Credentials => "credentials",
            Action::SortColumn => "sort_column",
            Action::SortReverse => "sort_reverse",
        }
    }

    /// One line for the help overlay.
    pub fn description(self) -> &'static str {
        match self {
            Action::Up => "move up",
            Action::Down => "move down",
            Action::Top => "first row",
            Action::Bottom => "last row",
            Action::HalfPageDown => "half a page down",
            Action::HalfPageUp => "half a page up",
            Action::PageDown => "page down",
            Action::PageUp => "page up",
            Action::NextPane => "next pane",
            Action::PrevPane => "previous pane",
            Action::Left => "parent pane",
            Action::Right => "child pane",
            Action::Open => "open (same as right)",
            Action::FocusWorkspaces => "workspaces pane",
            Action::FocusRepositories => "repositories pane",
            Action::FocusKeys => "access keys pane",
            Action::Filter => "filter the focused list",
            Action::Cancel => "close / clear the filter",
            Action::Help => "this help",
            Action::Quit => "quit (Ctrl-C always quits)",
            Action::Reload => "reload the focused item",
            Action::Rescan => "rescan the whole workspace",
            Action::CopyFingerprint => "copy fingerprint",
            Action::CopyPublicKey => "copy public key",
            Action::Suspend => "suspend to the shell",
            Action::OpenDemo => "open the demo (first-run screen)",
            Action::AllKeys => "all keys of the workspace",
            Action::FindKey => "find where a key is used",
            Action::Export => "export the audit (JSON, CSV)",
            Action::Credentials => "credentials and scopes",
            Action::SortColumn => "all keys: next sort column",
            Action::SortReverse => "all keys: reverse the sort",
        }
    }

    /// Which help section lists the action.
    pub fn group(self) -> HelpGroup {
        match self {
            Action::Up
            | Action::Down
            | Action::Top
            | Action::Bottom
            | Action::HalfPageDown
            | Action::HalfPageUp
            | Action::PageDown
            | Action::PageUp => HelpGroup::Move,
            Action::NextPane
            | Action::PrevPane
            | Action::Left
            | Action::Right
            | Action::Open
            | Action::FocusWorkspaces
            | Action::FocusRepositories
            | Action::FocusKeys => HelpGroup::Panes,
            _ => HelpGroup::Actions,
        }
    }
}
