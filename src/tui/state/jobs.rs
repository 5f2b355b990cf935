//! Bulk jobs as the UI tracks them: one row per change of the applied plan, updated from the
//! worker's progress messages. Pure data; the worker does the work.

use crate::ops::bulk::{BulkRequest, Change, ItemStatus, Plan};

use crate::tui::state::ReqId;
use crate::tui::ui::text::{wrap, wrap_hanging};

/// One change of a running or finished job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobItem {
    /// The plan line (`-   acme/api  SHA256:...  'ci' (id 3)`).
    pub line: String,
    /// Where it happens, for reloading afterwards.
    pub change: Change,
    /// Queued, running, done, already present, failed with the reason, or cancelled.
    pub status: ItemStatus,
}

/// A plan being applied, or applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    /// The id commands and progress messages carry.
    pub id: ReqId,
    /// What it does ("Delete 7 selected keys").
    pub title: String,
    /// The plan applied, kept so the failures can be retried with `Plan::only`.
    pub plan: Plan,
    /// What was asked, so a retry can plan the failures again on fresh keys; `None` for a job
    /// the UI did not start from a plan dialog.
    pub request: Option<BulkRequest>,
    /// One per change, in plan order.
    pub items: Vec<JobItem>,
    /// The worker reported the end.
    pub finished: bool,
    /// `x` was pressed.
    pub cancel_requested: bool,
}

impl Job {
    /// A job with every item queued.
    pub fn new(id: ReqId, title: String, plan: Plan) -> Job {
        let items = plan
            .changes
            .iter()
            .map(|c| JobItem {
                line: c.line(),
                change: c.clone(),
                status: ItemStatus::Queued,
            })
            .collect();
        Job {
            id,
            title,
            plan,
            request: None,
            items,
            finished: false,
            cancel_requested: false,
        }
    }

    /// Items no longer queued or running.
    pub fn done(&self) -> usize {
        self.items
            .iter()
            .filter(|i| !matches!(i.status, ItemStatus::Queued | ItemStatus::Running))
            .count()
    }

    /// Indices of the failed items, for a retry.
    pub fn failed(&self) -> Vec<usize> {
        self.items
            .iter()
            .enumerate()
            .filter(|(_, i)| matches!(i.status, ItemStatus::Failed(_)))
            .map(|(n, _)| n)
            .collect()
    }

    /// "12 done, 1 already present, 2 failed, 3 cancelled".
    pub fn tally(&self) -> String {
        let mut counts = [0usize; 6];
        for i in &self.items {
            counts[status_index(&i.status)] += 1;
        }
        let names = [
            "queued",
            "running",
            "done",
            "already present",
            "failed",
            "cancelled",
        ];
        let parts: Vec<String> = counts
            .iter()
            .zip(names)
            .filter(|(n, _)| **n > 0)
            .map(|(n, what)| format!("{n} {what}"))
            .collect();
        if parts.is_empty() {
            "nothing to do".into()
        } else {
            parts.join(", ")
        }
    }
}

fn status_index(s: &ItemStatus) -> usize {
    match s {
        ItemStatus::Queued => 0,
        ItemStatus::Running => 1,
        ItemStatus::Done => 2,
        ItemStatus::AlreadyPresent => 3,
        ItemStatus::Failed(_) => 4,
        ItemStatus::Cancelled => 5,
    }
}

/// The word shown in the jobs view for a status.
pub fn status_word(s: &ItemStatus) -> &'static str {
    match s {
        ItemStatus::Queued => "queued",
        ItemStatus::Running => "running",
        ItemStatus::Done => "done",
        ItemStatus::AlreadyPresent => "already present",
        ItemStatus::Failed(_) => "failed",
        ItemStatus::Cancelled => "cancelled",
    }
}

/// One line of the jobs view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRow {
    /// The status word, empty for a job's heading, a reason line and a continued change.
    pub status: Option<ItemStatus>,
    /// The text.
    pub text: String,
    /// A job heading.
    pub heading: bool,
    /// The rest of a change's line that did not fit on the row above.
    pub continued: bool,
}

/// The jobs view's rows, newest job first, for a view `width` columns wide: a heading per
/// job, each change over as many rows as its line takes (its end holds the new label and
/// "then delete") and, under a failed change, its reason in full (it says what to do about
/// the failure).
pub fn view_rows(jobs: &[Job], width: usize) -> Vec<JobRow> {
    // The reason sits after the status column ("   failed          "), behind "↳ ".
    let reason_width = width.saturating_sub(STATUS_COLUMNS + 2).max(20);
    let line_width = width.saturating_sub(STATUS_COLUMNS).max(20);
    let mut rows = Vec::new();
    for job in jobs.iter().rev() {
        let state = if job.finished {
            "finished"
        } else if job.cancel_requested {
            "cancelling"
        } else {
            "running"
        };
        rows.push(JobRow {
            status: None,
            // The state first: a long title is cut at the right edge, not the progress.
            text: format!(
                "{state} · {}/{} · {} · {}",
                job.done(),
                job.items.len(),
                job.tally(),
                job.title
            ),
            heading: true,
            continued: false,
        });
        for item in &job.items {
            for (n, line) in wrap_hanging(&item.line, line_width, 4)
                .into_iter()
                .enumerate()
            {
                rows.push(JobRow {
                    status: (n == 0).then(|| item.status.clone()),
                    text: line,
                    heading: false,
                    continued: n > 0,
                });
            }
            if let ItemStatus::Failed(why) = &item.status {
                for (n, line) in wrap(why, reason_width).into_iter().enumerate() {
                    rows.push(JobRow {
                        status: None,
                        text: format!("{} {line}", if n == 0 { "↳" } else { " " }),
                        heading: false,
                        continued: false,
                    });
                }
            }
        }
    }
    rows
}

/// Columns before a row's text: indent, status word, space.
pub const STATUS_COLUMNS: usize = 3 + 15 + 1;
