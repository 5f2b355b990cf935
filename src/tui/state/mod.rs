//! The one `State` of the terminal UI, and the read-only views derived from it.
//!
//! Everything here is plain data: server text was already cleaned by the worker, so the
//! renderer can print it as is.

pub mod audit_cursor;
pub mod audit_view;
pub mod dialog;
pub mod drift;
mod forge_facts;
pub(crate) mod from_forge;
pub mod full_view;
pub mod insight;
pub mod jobs;
pub mod journal_view;
mod key_rows;
mod key_view;
pub mod msg;
pub mod op_failure;
pub(crate) mod pane;
pub mod profiles;
pub(crate) mod query_filter;
pub mod replace;
pub mod selection;
pub mod typed_workspace;
pub mod view_marks;
pub(crate) mod views;

use std::collections::{BTreeSet, HashMap};

use crate::config::EditStrategy;
use crate::forge::ForgeError;

use crate::tui::keymap::Keymap;
use crate::tui::state::dialog::Dialog;
use crate::tui::state::jobs::Job;
use crate::tui::state::selection::Selection;
use crate::tui::theme::Theme;

pub use crate::tui::state::forge_facts::ForgeFacts;
pub use crate::tui::state::full_view::{FullView, Views};
pub use crate::tui::state::key_rows::{KeyRows, KeyRowsCache};
pub use crate::tui::state::key_view::{Escaped, KeyFacts, KeyView};
pub use crate::tui::state::pane::Pane;

/// Identifies one request, so a late answer to an older request is recognised and dropped.
pub type ReqId = u64;

/// Something fetched from the server, or on its way.
#[derive(Debug, Clone, PartialEq)]
pub enum Load<T> {
    /// Not asked for yet.
    Idle,
    /// Asked for with this request id.
    Loading(ReqId),
    /// Arrived.
    Ready(T),
    /// Failed; the `ApiError` sentence.
    Failed(String),
}

impl<T> Load<T> {
    /// Whether this answer is the one awaited.
    pub fn awaits(&self, req_id: ReqId) -> bool {
        matches!(self, Load::Loading(id) if *id == req_id)
    }
}

/// A workspace as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkspaceView {
    /// URL slug.
    pub slug: String,
    /// Display name (cleaned).
    pub name: String,
}

/// A repository as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoView {
    /// URL slug.
    pub slug: String,
    /// Display name (cleaned).
    pub name: String,
    /// Key of the project it belongs to.
    pub project: Option<String>,
}

/// The keys of one project of a workspace.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectGroup {
    /// Project key, such as `API`.
    pub key: String,
    /// Display name (cleaned).
    pub name: String,
    /// The keys, or the forge's error: a project the account does not administer is
    /// skipped, one that failed may be read on a retry.
    pub keys: Result<Vec<KeyView>, ForgeError>,
}

/// A scan of a whole workspace, converted for display.
#[derive(Debug, Clone, PartialEq)]
pub struct ScanData {
    /// Repositories the user administers.
    pub repos: Vec<RepoView>,
    /// Keys by repository slug.
    pub repo_keys: Vec<(String, Result<Vec<KeyView>, ForgeError>)>,
    /// Project keys, or why projects could not be listed.
    pub projects: Result<Vec<ProjectGroup>, ForgeError>,
}

/// A running `R` scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanState {
    /// Request id of the scan.
    pub req_id: ReqId,
    /// Workspace slug.
    pub ws: String,
    /// Listings done.
    pub done: usize,
    /// Listings to do.
    pub total: usize,
}

/// A row of the repositories pane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RepoRow<'a> {
    /// The workspace's "Project keys" entry, always first.
    ProjectKeys,
    /// A repository.
    Repo(&'a RepoView),
}

/// A row of the access keys pane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyRow<'a> {
    /// A key; `inherited` names the project when it comes from the repository's project.
    Key {
        /// The key.
        key: &'a KeyView,
        /// The project it is inherited from, in a repository's list.
        inherited: Option<&'a str>,
    },
    /// A project whose keys could not be read: project key and the forge's error.
    Problem(&'a str, &'a ForgeError),
}

/// Which screen is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    /// No credentials: explain how to get them, offer the demo.
    FirstRun,
    /// The three panes.
    Main,
}

/// What a pane shows, when it is not a plain list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaneStatus<'a> {
    /// Nothing to show until the parent pane has a focused item.
    Waiting,
    /// A request is in flight.
    Loading,
    /// The request failed with this sentence.
    Failed(&'a str),
    /// The rows are available.
    Ready,
}

/// The whole UI state.
#[derive(Debug, Clone)]
pub struct State {
    /// Which screen.
    pub screen: Screen,
    /// Focused pane.
    pub focus: Pane,
    /// The account's workspaces.
    pub workspaces: Load<Vec<WorkspaceView>>,
    /// Repositories by workspace slug.
    pub repos: HashMap<String, Load<Vec<RepoView>>>,
    /// Repository keys by (workspace, repository).
    pub keys: HashMap<(String, String), Load<Vec<KeyView>>>,
    /// Project keys by workspace.
    pub project_keys: HashMap<String, Load<Vec<ProjectGroup>>>,
    /// Cursor row per pane, an index into the filtered rows.
    pub cursor: [usize; 3],
    /// First visible row per pane.
    pub offset: [usize; 3],
    /// Filter text per pane.
    pub filter: [String; 3],
    /// Per pane, the last filter that could be read while `filter` is a malformed query.
    pub filter_fallback: [Option<String>; 3],
    /// Whether keystrokes go into the focused pane's filter.
    pub typing: bool,
    /// The last message and whether it reports a failure.
    pub message: Option<(String, bool)>,
    /// The running scan.
    pub scan: Option<ScanState>,
    /// Requests made this hour, as the worker last reported.
    pub requests_last_hour: Option<usize>,
    /// Running on the simulator.
    pub demo: bool,
    /// Spinner frame.
    pub spinner: usize,
    /// Terminal size (columns, rows).
    pub size: (u16, u16),
    /// Ticks to wait after cursor movement before loading (debounce).
    pub settle: u8,
    /// Put the repositories cursor on the first repository once the list arrives.
    pub repo_cursor_default: bool,
    /// Whether the screen must be redrawn.
    pub dirty: bool,
    /// Key bindings (the help and the hint bar are generated from them).
    pub keymap: Keymap,
    /// Styles.
    pub theme: Theme,
    /// Keys and repositories picked for bulk actions.
    pub selection: Selection,
    /// The open dialog; keys go to it while it is open.
    pub dialog: Option<Dialog>,
    /// The full-screen views open over the panes, help included.
    pub views: Views,
    /// Cursor row of the jobs or selection view.
    pub view_cursor: usize,
    /// Bulk jobs, oldest first.
    pub jobs: Vec<Job>,
    /// Workspaces scanned with `R` (or `s`) this session.
    pub scanned: BTreeSet<String>,
    /// `s` before the workspace was scanned: (workspace, fingerprint) to select once it is.
    pub select_after_scan: Option<(String, String)>,
    /// How a label edit is done (`edit_strategy` in the config).
    pub edit_strategy: EditStrategy,
    /// First line of the help overlay, when it does not fit.
    pub help_scroll: usize,
    /// The caret of the text being edited, in characters from its end (`line_edit`); it goes
    /// back to the end whenever another field starts being edited.
    pub caret: usize,
    /// A first Esc, with only a selection left, asked for a second one to clear it.
    pub esc_armed: bool,
    /// The selection last cleared, which `u` brings back.
    pub cleared_selection: Option<Selection>,
    /// The workspaces pane lists slugs typed by hand (the credential could not list them).
    pub workspace_typed: bool,
    /// The status messages of the session, oldest first, for the message log (`m`): a
    /// message longer than the status bar is read there in full.
    pub log: Vec<(String, bool)>,
    pub(crate) next_req: ReqId,
    /// The grants lookup of a Data Center relabel still awaited (`e`); an answer to any other
    /// is from a lookup a later one replaced, and is dropped.
    pub replace_lookup: Option<ReqId>,
    /// All keys, find, export, cache and Credentials (issues 6 and 7).
    pub insight: crate::tui::state::insight::Insight,
    /// The Drift view (keys as code).
    pub drift: crate::tui::state::drift::Drift,
    /// The forge in use and what it can do, set at start: places the TUI builds carry its
    /// kind, and the panes show permission and expiry where it has them.
    pub forge: ForgeFacts,
    /// The config's profiles, for `P`; empty when there is nothing to switch to.
    pub profiles: Vec<crate::tui::state::profiles::ProfileChoice>,
    /// The keys pane's rows and the index of loaded fingerprints, kept between frames; whatever
    /// changes `keys`, `project_keys` or an inventory calls its `touch`.
    pub key_rows_cache: KeyRowsCache,
}

impl State {
    /// A fresh state; `signed_in` false shows the first-run screen.
    pub fn new(signed_in: bool, demo: bool, keymap: Keymap, theme: Theme) -> State {
        State {
            screen: if signed_in {
                Screen::Main
            } else {
                Screen::FirstRun
            },
            focus: Pane::Workspaces,
            workspaces: Load::Idle,
            repos: HashMap::new(),
            keys: HashMap::new(),
            project_keys: HashMap::new(),
            cursor: [0; 3],
            offset: [0; 3],
            filter: Default::default(),
            filter_fallback: Default::default(),
            typing: false,
            message: None,
            scan: None,
            requests_last_hour: None,
            demo,
            spinner: 0,
            size: (80, 24),
            settle: 0,
            repo_cursor_default: true,
            dirty: true,
            keymap,
            theme,
            selection: Selection::default(),
            dialog: None,
            views: Views::default(),
            view_cursor: 0,
            jobs: Vec::new(),
            scanned: BTreeSet::new(),
            select_after_scan: None,
            edit_strategy: EditStrategy::default(),
            help_scroll: 0,
            caret: 0,
            esc_armed: false,
            cleared_selection: None,
            log: Vec::new(),
            workspace_typed: false,
            next_req: 0,
            replace_lookup: None,
            insight: Default::default(),
            drift: Default::default(),
            forge: ForgeFacts::default(),
            profiles: Vec::new(),
            key_rows_cache: KeyRowsCache::default(),
        }
    }

    pub(crate) fn req(&mut self) -> ReqId {
        self.next_req += 1;
        self.next_req
    }

    /// Workspaces matching the filter.
    pub fn workspace_rows(&self) -> Vec<&WorkspaceView> {
        let Load::Ready(list) = &self.workspaces else {
            return Vec::new();
        };
        let f = self.filter[0].to_lowercase();
        list.iter()
            .filter(|w| matches(&f, &[&w.name, &w.slug]))
            .collect()
    }

    /// The workspace under the cursor.
    pub fn focused_workspace(&self) -> Option<&WorkspaceView> {
        self.workspace_rows().get(self.cursor[0]).copied()
    }

    /// Repository rows of the focused workspace, matching the filter.
    pub fn repo_rows(&self) -> Vec<RepoRow<'_>> {
        let Some(ws) = self.focused_workspace() else {
            return Vec::new();
        };
        let Some(Load::Ready(list)) = self.repos.get(&ws.slug) else {
            return Vec::new();
        };
        let f = self.filter[1].to_lowercase();
        let mut rows = Vec::with_capacity(list.len() + 1);
        if matches(&f, &["Project keys"]) {
            rows.push(RepoRow::ProjectKeys);
        }
        rows.extend(
            list.iter()
                .filter(|r| matches(&f, &[&r.name, &r.slug]))
                .map(RepoRow::Repo),
        );
        rows
    }

    /// The repository row under the cursor.
    pub fn focused_repo_row(&self) -> Option<RepoRow<'_>> {
        self.repo_rows().get(self.cursor[1]).copied()
    }

    /// The key row under the cursor.
    pub fn focused_key_row(&self) -> Option<KeyRow<'_>> {
        self.key_rows_view().get(self.cursor[2])
    }

    /// The key under the cursor.
    pub fn focused_key(&self) -> Option<&KeyView> {
        match self.focused_key_row() {
            Some(KeyRow::Key { key, .. }) => Some(key),
            _ => None,
        }
    }

    /// Number of rows a pane shows.
    pub fn row_count(&self, pane: Pane) -> usize {
        match pane {
            Pane::Workspaces => self.workspace_rows().len(),
            Pane::Repositories => self.repo_rows().len(),
            Pane::Keys => self.key_rows_view().len(),
        }
    }
}

impl PaneStatus<'_> {
    pub(crate) fn waiting_unless_failed(self) -> Self {
        match self {
            PaneStatus::Loading => PaneStatus::Loading,
            _ => PaneStatus::Waiting,
        }
    }
}

/// Case-insensitive substring match; `filter` is already lowercase.
fn matches(filter: &str, fields: &[&str]) -> bool {
    filter.is_empty()
        || fields
            .iter()
            .any(|f| crate::fold::contains_ignoring_case(f, filter))
}
