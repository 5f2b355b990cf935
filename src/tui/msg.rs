//! The messages of the architecture: `Msg` into `update()`, `Command` out of it, and the
//! worker's answers (`WorkerMsg`), each answer carrying its request id.

use super::action::Action;
use super::state::{KeyView, ProjectGroup, RepoView, ReqId, ScanData, WorkspaceView};

/// Text typed into a filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextInput {
    /// A character.
    Char(char),
    /// Delete the last character.
    Backspace,
    /// Keep the filter and stop typing (Enter).
    Submit,
    /// Clear the filter and stop typing (Esc).
    Abort,
}

/// What the worker reports. Every answer carries the id of its request.
#[derive(Debug, Clone, PartialEq)]
pub enum WorkerMsg {
    /// The account's workspaces.
    Workspaces {
        /// Request id.
        req_id: ReqId,
        /// Workspaces or the error sentence.
        result: Result<Vec<WorkspaceView>, String>,
    },
    /// Repositories of a workspace.
    Repos {
        /// Request id.
        req_id: ReqId,
        /// Workspace slug.
        ws: String,
        /// Repositories or the error sentence.
        result: Result<Vec<RepoView>, String>,
    },
    /// Keys of a repository.
    Keys {
        /// Request id.
        req_id: ReqId,
        /// Workspace slug.
        ws: String,
        /// Repository slug.
        repo: String,
        /// Keys or the error sentence.
        result: Result<Vec<KeyView>, String>,
    },
    /// Project keys of a workspace.
    ProjectKeys {
        /// Request id.
        req_id: ReqId,
        /// Workspace slug.
        ws: String,
        /// Keys per project, or why projects could not be listed.
        result: Result<Vec<ProjectGroup>, String>,
    },
    /// A scan made progress.
    ScanProgress {
        /// Request id of the scan.
        req_id: ReqId,
        /// Listings done.
        done: usize,
        /// Listings to do.
        total: usize,
    },
    /// A scan finished.
    Scanned {
        /// Request id of the scan.
        req_id: ReqId,
        /// Workspace slug.
        ws: String,
        /// Everything found, or why the repositories could not be listed.
        result: Result<Box<ScanData>, String>,
    },
    /// Requests made in the last hour.
    RequestCount(usize),
    /// An answer for the inventory, find, export and credentials features.
    Insight(super::insight::InsightMsg),
}

/// Everything `update()` reacts to.
#[derive(Debug, Clone, PartialEq)]
pub enum Msg {
    /// A bound key was pressed.
    Action(Action),
    /// A key was typed into the filter.
    Input(TextInput),
    /// The worker answered.
    Worker(WorkerMsg),
    /// Time passed (spinner, debounce).
    Tick,
    /// The terminal has a new size (columns, rows).
    Resize(u16, u16),
    /// Left click at (column, row).
    Click(u16, u16),
    /// Mouse wheel at (column, row); `true` scrolls down.
    Wheel(u16, u16, bool),
}

/// What the outside world should do, as data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// List the account's workspaces.
    LoadWorkspaces {
        /// Request id.
        req_id: ReqId,
    },
    /// List a workspace's repositories.
    LoadRepos {
        /// Request id.
        req_id: ReqId,
        /// Workspace slug.
        ws: String,
    },
    /// List a repository's keys.
    LoadKeys {
        /// Request id.
        req_id: ReqId,
        /// Workspace slug.
        ws: String,
        /// Repository slug.
        repo: String,
    },
    /// List every project of a workspace with its keys.
    LoadProjectKeys {
        /// Request id.
        req_id: ReqId,
        /// Workspace slug.
        ws: String,
    },
    /// Scan every repository of a workspace.
    Rescan {
        /// Request id.
        req_id: ReqId,
        /// Workspace slug.
        ws: String,
    },
    /// Put text on the clipboard (OSC 52).
    CopyToClipboard(String),
    /// Stop the process until the shell resumes it.
    Suspend,
    /// Leave.
    Quit,
    /// Leave and restart on the simulator.
    OpenDemo,
    /// Cache, export and credentials work, done by the worker.
    Insight(super::insight::InsightCommand),
}
