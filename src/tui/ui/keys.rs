//! The access keys pane.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;

use crate::forge::{ForgeErrorKind, Place};
use crate::ops::audit::Timestamp;
use crate::tui::state::selection::{key_item, row_selected};
use crate::tui::state::{ForgeFacts, KeyRow, KeyView, Pane, RepoRow, State};
use crate::tui::ui::grant;
use crate::tui::ui::list::{self, Row};

/// Marks a label or comment that held control, escape, bidi or zero-width characters.
pub const DECEPTIVE: &str = "⚠";

/// The label, or something to recognise an unlabelled key by; marked when the label or the
/// comment was deceptive, since cleaned it looks like the clean label it imitates.
pub fn display_name(key: &KeyView) -> String {
    let name = if !key.label.is_empty() {
        key.label.clone()
    } else if !key.comment.is_empty() {
        key.comment.clone()
    } else {
        format!("(no label, id {})", key.id)
    };
    if key.escaped.is_some() {
        format!("{DECEPTIVE} {name}")
    } else {
        name
    }
}

/// Draws the access keys pane.
pub fn render(frame: &mut Frame, area: Rect, state: &State) {
    let theme = &state.theme;
    let in_project_list = matches!(state.focused_repo_row(), Some(RepoRow::ProjectKeys));
    // Only the rows on screen are looked up and built: the filtered rows are positions, kept
    // between frames, and a row's selection identity and text cost allocations.
    let rows = state.key_rows_view();
    let forge = &state.forge;
    let wide = WideColumns::fit(usize::from(area.width).saturating_sub(3), forge.caps.expiry);
    let row = |i: usize| {
        let Some(r) = rows.get(i) else {
            return Row {
                text: String::new(),
                style: Style::new(),
                note: String::new(),
                note_style: theme.dim,
                marked: false,
                badges: Vec::new(),
            };
        };
        let item = match r {
            KeyRow::Key { key, .. } => key_item(key),
            KeyRow::Problem(..) => None,
        };
        let marked = row_selected(state, Pane::Keys, i, item.as_ref());
        match r {
            KeyRow::Key { key, inherited } => {
                let (note, note_style) = match (inherited, &key.scope) {
                    // Wide columns leave less room: the shorter phrase keeps the label readable.
                    (Some(p), _) if wide.used || wide.expiry => {
                        (format!("via project {p}"), theme.inherited)
                    }
                    (Some(p), _) => (format!("inherited from project {p}"), theme.inherited),
                    (None, Place::Project { project, .. }) if in_project_list => {
                        (format!("project {project}"), theme.inherited)
                    }
                    _ => (key.short_type().to_string(), theme.dim),
                };
                let note = wide.note(note, key, forge);
                // The permission leads the row, where a leaked write key shows at a glance.
                let text = if forge.caps.permissions {
                    format!("{} {}", grant::letter(key.permission), display_name(key))
                } else {
                    display_name(key)
                };
                Row {
                    text,
                    style: Style::new(),
                    note,
                    note_style,
                    marked,
                    badges: crate::tui::ui::badges::of(state, &key.scope, key.id).to_vec(),
                }
            }
            // A project the account does not administer is skipped, as the CLI says it; only
            // a read that failed is shown as an error.
            KeyRow::Problem(project, e) if e.kind == ForgeErrorKind::NotPermitted => Row {
                text: format!("project {project}: skipped, not administered"),
                style: theme.dim,
                note: String::new(),
                note_style: theme.dim,
                marked,
                badges: Vec::new(),
            },
            KeyRow::Problem(project, _) => Row {
                text: format!("project {project}: keys could not be read"),
                style: theme.error,
                note: String::new(),
                note_style: theme.dim,
                marked,
                badges: Vec::new(),
            },
        }
    };
    let empty = if in_project_list {
        "No project keys in this workspace"
    } else {
        "No access keys"
    };
    list::render(frame, area, state, Pane::Keys, rows.len(), row, empty);
}

/// Room the label keeps before any wide column is added, and the type or "via project" note.
const LABEL_ROOM: usize = 20;
const NOTE_ROOM: usize = 16;
/// `expires in 10 days` or `expired 2025-03-01`, padded.
const EXPIRY_W: usize = 18;
/// `used 2026-11-20` or `never used`, padded.
const USED_W: usize = 15;
/// `added 2024-03-01`, padded.
const ADDED_W: usize = 16;
/// `SHA256:` and 43 characters of base64.
const FINGERPRINT_W: usize = 50;

/// The columns a wide keys pane adds after the note, chosen once per pane so they line up:
/// the expiry first where the forge has it, then last used (what an admin asks about most),
/// then added, then the fingerprint.
#[derive(Debug, Clone, Copy, Default)]
struct WideColumns {
    expiry: bool,
    used: bool,
    added: bool,
    fingerprint: bool,
}

impl WideColumns {
    /// The columns that fit in `width` (the pane's inner width less the mark column).
    fn fit(width: usize, has_expiry: bool) -> WideColumns {
        let mut room = width.saturating_sub(LABEL_ROOM + NOTE_ROOM);
        let mut take = |w: usize| {
            let fits = room >= w + 2;
            if fits {
                room -= w + 2;
            }
            fits
        };
        let expiry = has_expiry && take(EXPIRY_W);
        let used = (expiry || !has_expiry) && take(USED_W);
        let added = used && take(ADDED_W);
        let fingerprint = added && take(FINGERPRINT_W);
        WideColumns {
            expiry,
            used,
            added,
            fingerprint,
        }
    }

    /// `note` followed by the wide columns for `key`, each padded to its width.
    fn note(self, note: String, key: &KeyView, forge: &ForgeFacts) -> String {
        let mut out = note;
        let date = |s: &Option<String>| s.as_deref().and_then(Timestamp::parse).map(|t| t.date());
        if self.expiry {
            let expiry = grant::expiry(forge, key).unwrap_or_default();
            out.push_str(&format!("  {expiry:<EXPIRY_W$}"));
        }
        if self.used {
            let used = match date(&key.last_used) {
                Some(d) => format!("used {d}"),
                None => "never used".to_string(),
            };
            out.push_str(&format!("  {used:<USED_W$}"));
        }
        if self.added {
            let added = date(&key.created)
                .map(|d| format!("added {d}"))
                .unwrap_or_default();
            out.push_str(&format!("  {added:<ADDED_W$}"));
        }
        if self.fingerprint {
            let fp = key.fingerprint().unwrap_or("");
            out.push_str(&format!("  {fp:<FINGERPRINT_W$}"));
        }
        out
    }
}
