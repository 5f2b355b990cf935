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
    /// Close the topmost thing: an overlay, visual mode, the filter; with only a selection
    /// left, a first Esc asks and a second clears it.
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
    /// Toggle the focused row in the selection and move down.
    ToggleSelect,
    /// Start or end a visual range.
    VisualSelect,
    /// Select every visible row of the focused pane.
    SelectAll,
    /// Invert the selection over the visible rows of the focused pane.
    InvertSelection,
    /// Select every copy of the focused key in the scanned workspace.
    SelectCopies,
    /// Open the selection view.
    SelectionView,
    /// Bring back the selection that Esc (or anything else) last cleared.
    RestoreSelection,
    /// Open the message log: every status message of the session, in full.
    Messages,
    /// Add a key to the focused repository or project, or to every selected repository.
    AddKey,
    /// Delete the focused key, or every selected key.
    DeleteKey,
    /// Edit the focused key's label, or relabel every selected key.
    EditLabel,
    /// Replace a selected key with a new one wherever it is selected.
    Rotate,
    /// Change the focused key's permission, read to write or back (Data Center).
    ChangePermission,
    /// Switch to another profile of the config file (Cloud and Data Center side by side).
    SwitchProfile,
    /// Open the jobs view.
    Jobs,
    /// In the jobs view, cancel the running job; in the selection view, remove the row.
    CancelJob,
    /// Open the All keys view of the focused workspace (issue 7).
    AllKeys,
    /// List every repository and project holding the focused key (issue 7).
    FindKey,
    /// Write the audit report of the scanned workspace to a file (issue 7).
    Export,
    /// Open the Credentials view: what the credential can do (issue 6).
    Credentials,
    /// Open the Drift view: the keys file against the stored scan (keys as code).
    DriftView,
    /// All keys view: sort by the next column.
    SortColumn,
    /// All keys view: reverse the sort.
    SortReverse,
    /// Open the audit view: the findings of the workspace, by severity (issue 16).
    AuditView,
    /// Open the journal view: recent operations, pending first (issue 16).
    JournalView,
    /// Journal view: finish the operation under the cursor.
    FinishEntry,
}

/// Which part of the help overlay an action is listed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HelpGroup {
    /// Cursor movement.
    Move,
    /// Changing panes.
    Panes,
    /// The selection.
    Select,
    /// Everything else.
    Actions,
}

impl Action {
    /// Every action the keymap binds, in help order. `OpenDemo` is not here: only the
    /// first-run screen offers it, on `d`, which the main screen keeps free for deleting.
    pub const ALL: [Action; 51] = [
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
        Action::ToggleSelect,
        Action::VisualSelect,
        Action::SelectAll,
        Action::InvertSelection,
        Action::SelectCopies,
        Action::SelectionView,
        Action::RestoreSelection,
        Action::AddKey,
        Action::DeleteKey,
        Action::EditLabel,
        Action::Rotate,
        Action::ChangePermission,
        Action::SwitchProfile,
        Action::Jobs,
        Action::CancelJob,
        Action::Filter,
        Action::Cancel,
        Action::Reload,
        Action::Rescan,
        Action::Messages,
        Action::CopyFingerprint,
        Action::CopyPublicKey,
        Action::Help,
        Action::Suspend,
        Action::Quit,
        Action::AllKeys,
        Action::FindKey,
        Action::Export,
        Action::Credentials,
        Action::DriftView,
        Action::SortColumn,
        Action::SortReverse,
        Action::AuditView,
        Action::JournalView,
        Action::FinishEntry,
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
            Action::ToggleSelect => "toggle_select",
            Action::VisualSelect => "visual_select",
            Action::SelectAll => "select_all",
            Action::InvertSelection => "invert_selection",
            Action::SelectCopies => "select_copies",
            Action::SelectionView => "selection_view",
            Action::RestoreSelection => "restore_selection",
            Action::Messages => "messages",
            Action::AddKey => "add_key",
            Action::DeleteKey => "delete_key",
            Action::EditLabel => "edit_label",
            Action::Rotate => "rotate",
            Action::ChangePermission => "change_permission",
            Action::SwitchProfile => "switch_profile",
            Action::Jobs => "jobs",
            Action::CancelJob => "cancel_job",
            Action::AllKeys => "all_keys",
            Action::FindKey => "find_key",
            Action::Export => "export",
            Action::Credentials => "credentials",
            Action::DriftView => "drift_view",
            Action::SortColumn => "sort_column",
            Action::SortReverse => "sort_reverse",
            Action::AuditView => "audit_view",
            Action::JournalView => "journal_view",
            Action::FinishEntry => "finish_entry",
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
            Action::Cancel => "close; twice: unselect all",
            Action::Help => "this help",
            Action::Quit => "quit (Ctrl-C always quits)",
            Action::Reload => "reload / retry failed",
            Action::Rescan => "rescan the whole workspace",
            Action::CopyFingerprint => "copy fingerprint",
            Action::CopyPublicKey => "copy public key",
            Action::Suspend => "suspend to the shell",
            Action::OpenDemo => "open the demo (first-run screen)",
            Action::ToggleSelect => "select row, move down",
            Action::VisualSelect => "visual range",
            Action::SelectAll => "select all visible",
            Action::InvertSelection => "invert selection",
            Action::SelectCopies => "select every copy",
            Action::SelectionView => "the selection",
            Action::RestoreSelection => "restore cleared selection",
            Action::Messages => "message log, in full",
            Action::AddKey => "add key(s)",
            Action::DeleteKey => "delete key(s)",
            Action::EditLabel => "edit label(s)",
            Action::Rotate => "rotate a selected key",
            Action::ChangePermission => "change permission (R/W)",
            Action::SwitchProfile => "switch profile",
            Action::Jobs => "jobs and results",
            Action::CancelJob => "cancel job / unselect",
            Action::AllKeys => "all keys of the workspace",
            Action::FindKey => "find where a key is used",
            Action::Export => "export the audit (JSON, CSV)",
            Action::Credentials => "credentials and scopes",
            Action::DriftView => "drift from the keys file",
            Action::SortColumn => "all keys: next sort column",
            Action::SortReverse => "all keys: reverse the sort",
            Action::AuditView => "audit findings",
            Action::JournalView => "journal of operations",
            Action::FinishEntry => "journal: finish one",
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
            Action::ToggleSelect
            | Action::VisualSelect
            | Action::SelectAll
            | Action::InvertSelection
            | Action::SelectCopies
            | Action::SelectionView
            | Action::RestoreSelection => HelpGroup::Select,
            _ => HelpGroup::Actions,
        }
    }
}
