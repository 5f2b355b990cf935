//! The messages of the architecture: `Msg` into `update()`, `Command` out of it, and the
//! worker's answers (`WorkerMsg`), each answer carrying its request id.

use std::collections::BTreeMap;

use crate::config::EditStrategy;
use crate::forge::{AccessKey, ForgeError, Place};
use crate::ops::bulk::{BulkRequest, ItemStatus, Plan};
use crate::ops::edits::KeyEdit;
use crate::sshkey::PublicKey;
use crate::tui::action::Action;
pub use crate::tui::state::op_failure::OpFailure;
use crate::tui::state::{KeyView, ProjectGroup, RepoView, ReqId, ScanData, WorkspaceView};

/// Keys typed into a filter or a dialog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextInput {
    /// A character.
    Char(char),
    /// Pasted text (bracketed paste), so a pasted key's line break does not submit.
    Paste(String),
    /// Delete the last character.
    Backspace,
    /// Keep the filter and stop typing; in a dialog, answer (Enter).
    Submit,
    /// Clear the filter and stop typing; in a dialog, close it (Esc).
    Abort,
    /// Next field of a dialog (Tab).
    NextField,
    /// Up in a dialog (scroll, or choose).
    Up,
    /// Down in a dialog.
    Down,
    /// A page up in a dialog.
    PageUp,
    /// A page down in a dialog.
    PageDown,
    /// Caret one character left (←).
    Left,
    /// Caret one character right (→).
    Right,
    /// Caret to the start (Home, Ctrl-A).
    Home,
    /// Caret to the end (End, Ctrl-E).
    End,
    /// Delete the character under the caret (Delete).
    Delete,
    /// Delete everything before the caret (Ctrl-U).
    KillToStart,
    /// Delete the word before the caret (Ctrl-W).
    KillWord,
}

/// A pending journal entry, as the recovery dialog shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingEntry {
    /// Entry id.
    pub id: String,
    /// Where it happened.
    pub scope: String,
    /// A relabel whose key was deleted and not re-added: the case the question names.
    pub deleted_not_readded: bool,
    /// `Entry::describe()`.
    pub sentence: String,
}

/// What the worker reports. Every answer carries the id of its request.
#[derive(Debug, Clone, PartialEq)]
pub enum WorkerMsg {
    /// The account's workspaces.
    Workspaces {
        /// Request id.
        req_id: ReqId,
        /// Workspaces, or the forge's error (its kind tells a refused credential from a timeout).
        result: Result<Vec<WorkspaceView>, ForgeError>,
    },
    /// Repositories of a workspace.
    Repos {
        /// Request id.
        req_id: ReqId,
        /// Workspace slug.
        ws: String,
        /// Repositories, or the forge's error.
        result: Result<Vec<RepoView>, ForgeError>,
    },
    /// Keys of a repository.
    Keys {
        /// Request id.
        req_id: ReqId,
        /// Workspace slug.
        ws: String,
        /// Repository slug.
        repo: String,
        /// Keys, or the forge's error.
        result: Result<Vec<KeyView>, ForgeError>,
    },
    /// Project keys of a workspace.
    ProjectKeys {
        /// Request id.
        req_id: ReqId,
        /// Workspace slug.
        ws: String,
        /// Keys per project, or why projects could not be listed.
        result: Result<Vec<ProjectGroup>, ForgeError>,
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
        result: Result<Box<ScanData>, ForgeError>,
    },
    /// Requests made in the last hour.
    RequestCount(usize),
    /// Journal entries left pending by an earlier run, found at start.
    JournalPending {
        /// The entries.
        entries: Vec<PendingEntry>,
        /// Unreadable lines, or a journal that could not be read.
        warning: Option<String>,
    },
    /// A key file was read.
    KeyFile {
        /// Request id.
        req_id: ReqId,
        /// The path as typed.
        path: String,
        /// Its text, or why it could not be read.
        result: Result<String, String>,
    },
    /// A single add, delete or relabel finished.
    OpDone {
        /// Request id.
        req_id: ReqId,
        /// Places whose keys changed; those without an edit are read again.
        scopes: Vec<Place>,
        /// What was done, or why not.
        result: Result<String, OpFailure>,
        /// What the write did to the keys, as its answers told it.
        edits: Vec<KeyEdit>,
    },
    /// The key an add was asked for is already there under another label (sent before
    /// the add's `OpDone`).
    LabelDiffers {
        /// Where.
        scope: Place,
        /// The key as it is there (boxed: it would make every message larger).
        key: Box<AccessKey>,
        /// The label the add asked for.
        wanted: String,
    },
    /// The journal's operations, pending first.
    JournalListed {
        /// Request id.
        req_id: ReqId,
        /// The rows, or why the journal could not be read.
        result: Result<Vec<crate::tui::state::journal_view::JournalRow>, String>,
    },
    /// Journal recovery finished: one sentence per entry.
    Recovered {
        /// Request id.
        req_id: ReqId,
        /// Per entry: what was done, or why not.
        outcomes: Vec<Result<String, OpFailure>>,
        /// Places whose keys may have changed; those without an edit are read again.
        scopes: Vec<Place>,
        /// The keys of each recovered place, as recovery left them.
        edits: Vec<KeyEdit>,
    },
    /// A bulk plan was computed.
    Planned {
        /// Request id.
        req_id: ReqId,
        /// The plan.
        plan: Box<Plan>,
        /// Places that could not be read (their sentences).
        unreadable: Vec<OpFailure>,
    },
    /// The re-check before applying found a different plan: nothing was applied.
    Drifted {
        /// Job id.
        job_id: ReqId,
        /// The new plan.
        plan: Box<Plan>,
    },
    /// The re-check passed and the plan is being applied.
    JobStarted {
        /// Job id.
        job_id: ReqId,
        /// The plan applied.
        plan: Box<Plan>,
    },
    /// One item of a job changed state.
    JobItem {
        /// Job id.
        job_id: ReqId,
        /// Index in the plan.
        index: usize,
        /// New state.
        status: ItemStatus,
    },
    /// A job ended (every item reported).
    JobFinished {
        /// Job id.
        job_id: ReqId,
        /// What its items did to the keys.
        edits: Vec<KeyEdit>,
    },
    /// An answer for the inventory, find, export and credentials features.
    Insight(crate::tui::state::insight::InsightMsg),
    /// Every grant of a key to relabel everywhere.
    ReplaceGrants(Box<crate::tui::state::replace::ReplaceGrants>),
    /// An answer of the Drift view's work.
    Drift(crate::tui::state::drift::DriftMsg),
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
        /// Where the finished scan is stored for the next start (`None`: not stored).
        cache_dir: Option<std::path::PathBuf>,
    },
    /// Look for journal entries left pending by an earlier run.
    CheckJournal,
    /// Read a `.pub` file for the add dialog (`~` expanded).
    ReadKeyFile {
        /// Request id.
        req_id: ReqId,
        /// Path as typed.
        path: String,
    },
    /// Add one key (journaled).
    AddKey {
        /// Request id.
        req_id: ReqId,
        /// Where.
        scope: Place,
        /// The key, validated.
        key: PublicKey,
        /// Its label.
        label: String,
        /// Its permission and expiry (read, never, where the forge has neither).
        grant: crate::ops::keyops::Grant,
    },
    /// Delete one key (journaled).
    DeleteKey {
        /// Request id.
        req_id: ReqId,
        /// Where.
        scope: Place,
        /// The key as the server listed it.
        key: AccessKey,
    },
    /// Relabel one key: journaled delete and re-add, or in place.
    RelabelKey {
        /// Request id.
        req_id: ReqId,
        /// Where.
        scope: Place,
        /// The key as the server listed it.
        key: AccessKey,
        /// The new label.
        label: String,
        /// Replace or in place.
        strategy: EditStrategy,
    },
    /// Set the permission of one grant in place (one request; Data Center).
    ChangePermission {
        /// Request id.
        req_id: ReqId,
        /// Where.
        scope: Place,
        /// The key as the server listed it.
        key: AccessKey,
        /// The permission it gets.
        permission: crate::forge::Permission,
    },
    /// List the journal's operations for the journal view (`L`).
    ListJournal {
        /// Request id.
        req_id: ReqId,
    },
    /// Undo one journal entry or bulk change: put its places back as they were.
    UndoJournal {
        /// Request id.
        req_id: ReqId,
        /// Entry or batch id.
        id: String,
    },
    /// Finish these pending journal entries.
    Recover {
        /// Request id.
        req_id: ReqId,
        /// Entry ids.
        ids: Vec<String>,
    },
    /// Read the keys a bulk request touches and plan it.
    PlanBulk {
        /// Request id.
        req_id: ReqId,
        /// The request.
        request: BulkRequest,
        /// Repository → project key, for `{project}`.
        projects: BTreeMap<Place, String>,
    },
    /// Re-check (when `request` is given) and apply a confirmed plan.
    ApplyBulk {
        /// Job id.
        job_id: ReqId,
        /// Re-planned from fresh keys just before applying; `None` applies `plan` as is.
        request: Option<BulkRequest>,
        /// Keys-file changes, turned into a bulk plan again from fresh keys just before
        /// applying (the Drift view's apply).
        desired: Option<Vec<crate::ops::desired::DesiredChange>>,
        /// Repository → project key.
        projects: BTreeMap<Place, String>,
        /// The plan the user confirmed.
        plan: Box<Plan>,
        /// Step one of a staged rotation: the new key is added, the old one stays.
        staged: bool,
    },
    /// Stop a job: items not started become cancelled.
    CancelJob {
        /// Job id.
        job_id: ReqId,
    },
    /// Put text on the clipboard (OSC 52).
    CopyToClipboard(String),
    /// Stop the process until the shell resumes it.
    Suspend,
    /// Leave.
    Quit,
    /// Leave and restart on the simulator.
    OpenDemo,
    /// Leave and open the UI again on the named profile of the config file.
    SwitchProfile(String),
    /// Cache, export and credentials work, done by the worker.
    Insight(crate::tui::state::insight::InsightCommand),
    /// `e` where a label belongs to the key: the grant lookup and the replace-everywhere.
    Replace(crate::tui::state::replace::ReplaceCommand),
    /// The Drift view's work, done by the worker.
    Drift(crate::tui::state::drift::DriftCommand),
}
