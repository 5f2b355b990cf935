//! The workspace-wide views (issues 6 and 7): All keys (`K`), find (`f`), export (`E`), the
//! scan cache, and the Credentials view (`C`).
//!
//! This is their state; `update::insight` changes it (`update()` calls it before its own
//! handling and after it), and the worker answers [`InsightCommand`]s with [`InsightMsg`]s.
//! Nothing here does I/O.

use std::collections::HashMap;
use std::path::PathBuf;

use crate::config::{AuditConfig, EditStrategy};
use crate::ops::audit::{BadgeIndex, Finding, Inventory, KeyColumn, KeyEntry, SortOrder};
use crate::ops::doctor::DoctorReport;
use crate::sshkey::Fingerprint;

use crate::tui::state::{Load, ReqId, ScanData, State, WorkspaceView};

mod rows;
mod usage_find;
pub mod workspace_list;
pub use rows::RowsCache;
pub use usage_find::UsageFind;

/// What the caller knows that the views need: where to read and write, and the rules.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InsightSettings {
    /// The account's cache directory; `None` disables the cache (tests, no home directory).
    pub cache_dir: Option<PathBuf>,
    /// Where `E` writes the audit report.
    pub export_dir: PathBuf,
    /// Audit thresholds (`[audit]` in the config).
    pub rules: AuditConfig,
    /// Where the credential came from, for the Credentials view.
    pub credential_source: String,
    /// How labels are edited: it decides which scopes a relabel needs.
    pub edit_strategy: EditStrategy,
    /// The time findings are judged at; `None` means the clock. Tests fix it so that a badge
    /// such as `unused 2y` does not change with the day the test runs.
    pub clock: Option<time::OffsetDateTime>,
}

impl InsightSettings {
    /// The time findings are judged at.
    pub fn now(&self) -> time::OffsetDateTime {
        self.clock.unwrap_or_else(time::OffsetDateTime::now_utc)
    }
}

/// Where the cached scan of one workspace stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheStage {
    /// Being read by the request with this id. The workspace's repositories, project keys
    /// and keys are not requested meanwhile: the cache usually has them all, and a live
    /// listing of a large workspace would cost a request per 100 repositories only to be
    /// replaced.
    Reading(ReqId),
    /// The panes show its first part (repositories, projects and project keys, this old when
    /// read); its repository listings are still being read, and live loads still wait.
    Head(ReqId, time::Duration),
    /// The panes show it (read by the request with this id, this old when read); its
    /// inventory is still being built.
    Indexing(ReqId, time::Duration),
    /// Nothing more is awaited: answered, or made stale by an `R` scan.
    Settled,
}

impl CacheStage {
    /// Whether an answer to request `req_id` is still awaited.
    pub fn awaits(self, req_id: ReqId) -> bool {
        matches!(
            self,
            CacheStage::Reading(r) | CacheStage::Head(r, _) | CacheStage::Indexing(r, _)
                if r == req_id
        )
    }
}

/// The inventory of one workspace and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkspaceInventory {
    /// Every key of the scan.
    pub inventory: Box<Inventory>,
    /// `Some(age at load)` when it came from the cache rather than an `R` scan this session.
    pub cached: Option<time::Duration>,
    /// The All keys rows last drawn, so a frame does not filter and sort every key again.
    pub rows: RowsCache,
    /// The audit of the inventory, most severe first: the audit view lists it.
    pub findings: Vec<Finding>,
    /// The findings by holding, for the badges beside each key: built once per inventory (and
    /// again when edits change it), never per frame.
    pub badges: BadgeIndex,
}

impl WorkspaceInventory {
    /// The inventory with its findings judged by `settings`' rules at its time.
    pub fn new(
        inventory: Box<Inventory>,
        cached: Option<time::Duration>,
        settings: &InsightSettings,
    ) -> WorkspaceInventory {
        let judgement = Judgement::of(&inventory, &settings.rules, settings.now());
        WorkspaceInventory::judged(inventory, cached, judgement)
    }

    /// The inventory with the findings already judged (off the UI thread, by the worker).
    pub fn judged(
        inventory: Box<Inventory>,
        cached: Option<time::Duration>,
        judgement: Judgement,
    ) -> WorkspaceInventory {
        WorkspaceInventory {
            inventory,
            cached,
            rows: RowsCache::default(),
            findings: judgement.findings,
            badges: judgement.badges,
        }
    }

    /// Judges the inventory again, after edits changed it.
    pub fn audit(&mut self, settings: &InsightSettings) {
        let j = Judgement::of(&self.inventory, &settings.rules, settings.now());
        self.findings = j.findings;
        self.badges = j.badges;
    }
}

/// The audit of an inventory: what [`WorkspaceInventory`] keeps beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judgement {
    /// The findings, most severe first.
    pub findings: Vec<Finding>,
    /// The findings by holding.
    pub badges: BadgeIndex,
}

impl Judgement {
    /// Judges `inventory` by `rules` at `now`. For 150,000 holdings this is tens of
    /// milliseconds: the worker does it for a cached scan, beside the panes' form.
    pub fn of(inventory: &Inventory, rules: &AuditConfig, now: time::OffsetDateTime) -> Judgement {
        let mut findings = crate::ops::audit::audit(inventory, rules, now);
        findings.sort_by(|a, b| a.severity.cmp(&b.severity).then(a.code.cmp(&b.code)));
        let badges = BadgeIndex::build(inventory, &findings, now);
        Judgement { findings, badges }
    }
}

/// Cursor, filter and sort of the All keys view.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AllKeysView {
    /// Index into the filtered, sorted rows.
    pub cursor: usize,
    /// First visible row.
    pub offset: usize,
    /// Filter text: plain words match labels, fingerprint, repositories and projects; a
    /// text with field terms is a query.
    pub filter: String,
    /// The last filter text that could be read, while `filter` is a malformed query: the rows
    /// stay those of the last good filter.
    pub filter_fallback: Option<String>,
    /// Sort column and direction.
    pub sort: SortOrder,
    /// The row where `v` started a range, while one is drawn.
    pub visual: Option<usize>,
}

/// The key the find view shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FindTarget {
    /// Workspace slug.
    pub ws: String,
    /// The key looked up.
    pub fingerprint: Fingerprint,
    /// Its label where `f` was pressed, for the title.
    pub name: String,
    /// Whether Esc returns to the All keys view.
    pub from_all_keys: bool,
}

/// A doctor report; compared through its JSON because `DoctorReport` has no `PartialEq`.
#[derive(Debug, Clone)]
pub struct Diagnosis(pub Box<DoctorReport>);

impl PartialEq for Diagnosis {
    fn eq(&self, other: &Self) -> bool {
        serde_json::to_value(&*self.0).ok() == serde_json::to_value(&*other.0).ok()
    }
}

/// All state of these views: one field of [`State`].
#[derive(Debug, Clone, PartialEq)]
pub struct Insight {
    /// Set once at start.
    pub settings: InsightSettings,
    /// Inventories by workspace slug.
    pub inventories: HashMap<String, WorkspaceInventory>,
    /// Where the cached scan of each workspace stands; asked once per session.
    pub cache: HashMap<String, CacheStage>,
    /// The All keys view.
    pub all_keys: AllKeysView,
    /// The find view's key.
    pub find: Option<FindTarget>,
    /// A find waiting for a scan to finish.
    pub pending_find: Option<FindTarget>,
    /// The find view's answer when the forge answered it (Data Center's usage lookups)
    /// rather than a scan; `None` when it shows the inventory.
    pub usage: Option<UsageFind>,
    /// The export in flight.
    pub export_req: Option<ReqId>,
    /// The Credentials view's report.
    pub credentials: Load<Diagnosis>,
    /// The newest `Diagnose` request; older answers are dropped.
    pub cred_req: ReqId,
    /// First visible line of the find and Credentials views, and of the help's scope page.
    pub scroll: usize,
    /// The help overlay shows the scope table instead of the keys.
    pub help_scopes: bool,
    /// Edits of bbkeys' own writes per workspace since its last `R` scan, replayed over a
    /// cached scan that arrives later (it may have been read before they were stored).
    pub edits: HashMap<String, Vec<crate::ops::edits::KeyEdit>>,
    /// The stored workspace list.
    pub list: workspace_list::ListStage,
    /// The audit view's cursor.
    pub audit: crate::tui::state::audit_cursor::AuditCursor,
    /// The journal view.
    pub journal: crate::tui::state::journal_view::JournalView,
}

impl Default for Insight {
    fn default() -> Self {
        Insight {
            settings: InsightSettings::default(),
            inventories: HashMap::new(),
            cache: HashMap::new(),
            all_keys: AllKeysView::default(),
            find: None,
            pending_find: None,
            usage: None,
            export_req: None,
            credentials: Load::Idle,
            cred_req: 0,
            scroll: 0,
            help_scopes: false,
            edits: HashMap::new(),
            list: Default::default(),
            audit: Default::default(),
            journal: Default::default(),
        }
    }
}

/// Work for the worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InsightCommand {
    /// Read the cached scan of `ws`.
    LoadCache {
        /// Request id.
        req_id: ReqId,
        /// Cache directory.
        dir: PathBuf,
        /// Workspace slug.
        ws: String,
        /// The rules its inventory is judged by.
        rules: AuditConfig,
        /// The time it is judged at; `None` for the clock.
        clock: Option<time::OffsetDateTime>,
    },
    /// Read the stored workspace list.
    LoadWorkspaceList {
        /// Request id.
        req_id: ReqId,
        /// Cache directory.
        dir: PathBuf,
    },
    /// Store a live workspace list for the next start.
    StoreWorkspaceList {
        /// Cache directory.
        dir: PathBuf,
        /// The list.
        list: Vec<WorkspaceView>,
    },
    /// Audit an inventory and write the report as JSON and CSV into `dir`.
    Export {
        /// Request id.
        req_id: ReqId,
        /// Target directory.
        dir: PathBuf,
        /// What to audit.
        inventory: Box<Inventory>,
        /// Thresholds.
        rules: AuditConfig,
        /// Whether the inventory came from the cache (recorded in the report).
        cached: bool,
    },
    /// Bring the cached scans up to date with finished writes.
    StoreEdits {
        /// Cache directory.
        dir: PathBuf,
        /// The writes' edits.
        edits: Vec<crate::ops::edits::KeyEdit>,
    },
    /// Ask the forge where key `id` is used (its usage lookups; no scan).
    Usage {
        /// Request id.
        req_id: ReqId,
        /// The key's id.
        id: u64,
    },
    /// Run `doctor`'s read-only probes.
    Diagnose {
        /// Request id.
        req_id: ReqId,
        /// Where the credential came from.
        source: String,
        /// How labels are edited.
        edit_strategy: EditStrategy,
    },
}

/// What the cache held.
#[derive(Debug, Clone, PartialEq)]
pub enum CacheAnswer {
    /// The first part of a usable scan: repositories, projects and project keys, converted
    /// for the panes, and how old it was when read. [`CacheAnswer::Found`] follows with the
    /// rest, or [`CacheAnswer::Ignored`] if the rest cannot be read.
    Head {
        /// The scan's first part for the panes (no repository keys).
        panes: Box<ScanData>,
        /// Age at load.
        age: time::Duration,
    },
    /// A usable scan, converted for the panes, and how old it was when read. Its inventory
    /// follows in [`InsightMsg::CacheIndexed`]: the panes need not wait for it.
    Found {
        /// The scan for the panes.
        panes: Box<ScanData>,
        /// Age at load.
        age: time::Duration,
    },
    /// Nothing stored yet.
    Missing,
    /// A file that cannot be used, and why.
    Ignored(String),
}

/// The worker's answers.
#[derive(Debug, Clone, PartialEq)]
pub enum InsightMsg {
    /// The inventory of an `R` scan; sent just before `WorkerMsg::Scanned` with its id (the
    /// worker has stored the scan in the cache by then).
    Scanned {
        /// The scan's request id.
        req_id: ReqId,
        /// Its inventory.
        inventory: Box<Inventory>,
    },
    /// What the cache held.
    Cache {
        /// Request id.
        req_id: ReqId,
        /// Workspace slug.
        ws: String,
        /// The answer.
        answer: CacheAnswer,
    },
    /// The inventory of the cached scan whose panes came in [`InsightMsg::Cache`].
    CacheIndexed {
        /// The request id of that answer.
        req_id: ReqId,
        /// Workspace slug.
        ws: String,
        /// The inventory.
        inventory: Box<Inventory>,
        /// Age at load.
        age: time::Duration,
        /// Its audit by the rules of the request, made by the worker; `None` leaves it to
        /// `update()`.
        judgement: Option<Box<Judgement>>,
    },
    /// The stored workspace list (empty when there is none).
    WorkspaceList {
        /// Request id.
        req_id: ReqId,
        /// The list.
        list: Vec<WorkspaceView>,
    },
    /// Storing the cache failed (the sentence names the file).
    StoreFailed(String),
    /// An export finished: the JSON and CSV files, or why not.
    Exported {
        /// Request id.
        req_id: ReqId,
        /// Files written.
        result: Result<(PathBuf, PathBuf), String>,
    },
    /// Where a key is used, as the forge answered.
    Usage {
        /// Request id.
        req_id: ReqId,
        /// The places, or why not.
        result: Result<crate::forge::Usage, crate::tui::state::op_failure::OpFailure>,
    },
    /// The doctor report.
    Diagnosed {
        /// Request id.
        req_id: ReqId,
        /// The report.
        report: Diagnosis,
    },
}

/// The inventory of the focused workspace, if scanned or cached.
pub fn focused_inventory(state: &State) -> Option<&WorkspaceInventory> {
    let ws = state.focused_workspace()?;
    state.insight.inventories.get(&ws.slug)
}

/// How old the cached scan shown for the focused workspace was when read; `None` when the
/// panes show live data or an `R` scan.
pub fn focused_cache_age(state: &State) -> Option<time::Duration> {
    let ws = &state.focused_workspace()?.slug;
    match state.insight.inventories.get(ws) {
        Some(w) => w.cached,
        None => match state.insight.cache.get(ws) {
            Some(CacheStage::Head(_, age) | CacheStage::Indexing(_, age)) => Some(*age),
            _ => None,
        },
    }
}

/// Whether the live loads of `ws` wait for its cached scan to be read.
pub fn reading_cache(state: &State, ws: &str) -> bool {
    matches!(
        state.insight.cache.get(ws),
        Some(CacheStage::Reading(_) | CacheStage::Head(..))
    )
}

/// The All keys rows: the focused workspace's keys, filtered and sorted.
pub fn all_keys_rows(state: &State) -> Vec<&KeyEntry> {
    let v = &state.insight.all_keys;
    focused_inventory(state)
        .map(|w| {
            let f = v.filter_fallback.as_deref().unwrap_or(&v.filter);
            w.rows
                .rows(&w.inventory, f, v.sort, &state.insight.settings.rules)
        })
        .unwrap_or_default()
}

/// Rows the All keys table shows at once: the screen less status, hints, borders, header.
pub fn all_keys_page(state: &State) -> usize {
    usize::from(state.size.1.saturating_sub(5)).max(1)
}

/// The columns in the order `>` cycles through them.
pub const COLUMNS: [KeyColumn; 7] = [
    KeyColumn::Labels,
    KeyColumn::Type,
    KeyColumn::Bits,
    KeyColumn::Repositories,
    KeyColumn::FirstAdded,
    KeyColumn::LastUsed,
    KeyColumn::Fingerprint,
];

/// "3 h ago", "2 days ago": coarse on purpose, it only says how much to trust the data.
pub fn ago(age: time::Duration) -> String {
    let minutes = age.whole_minutes();
    match minutes {
        ..=0 => "just now".into(),
        1..=59 => format!("{minutes} min ago"),
        60..=2879 => format!("{} h ago", minutes / 60),
        _ => format!("{} days ago", minutes / 1440),
    }
}

/// Whether the cached scan of `ws` is on screen while its inventory is still being built.
pub fn cache_indexing(state: &State, ws: &str) -> bool {
    matches!(
        state.insight.cache.get(ws),
        Some(CacheStage::Head(..) | CacheStage::Indexing(..))
    )
}

/// Whether the cached scan of `ws` is still being read or indexed.
pub fn cache_pending(state: &State, ws: &str) -> bool {
    matches!(
        state.insight.cache.get(ws),
        Some(CacheStage::Reading(_) | CacheStage::Head(..) | CacheStage::Indexing(..))
    )
}

/// Keeps the All keys cursor on a row after the rows changed.
pub fn clamp_all_keys(state: &mut State) {
    let len = all_keys_rows(state).len();
    let v = &mut state.insight.all_keys;
    v.cursor = v.cursor.min(len.saturating_sub(1));
    v.offset = v.offset.min(v.cursor);
}
