//! The All keys view (`K`) and the find view (`f`), drawn over the panes. Labels, slugs and
//! reasons in the inventory come straight from the server, so each is cleaned here.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use crate::forge::Place;
use crate::ops::audit::{
    Badge, Direction, Inventory, KeyColumn, KeyEntry, Timestamp, UnreadableListing,
};
use crate::ops::find::find_key;
use crate::sanitize::clean_line;
use crate::tui::action::Action;
use crate::tui::state::FullView;
use crate::tui::state::State;
use crate::tui::state::insight::{self, WorkspaceInventory};
use crate::tui::theme::Theme;
use crate::tui::ui::view_frame::view_block;
use crate::tui::ui::{badges, text};

/// Draws whichever of these views is open; the status and hint bars stay visible.
pub fn render(frame: &mut Frame, area: Rect, state: &State) {
    let Some(view) = state.views.insight() else {
        return;
    };
    let body = Rect::new(area.x, area.y, area.width, area.height.saturating_sub(2));
    frame.render_widget(Clear, body);
    match view {
        FullView::AllKeys => all_keys(frame, body, state),
        FullView::Find => find(frame, body, state),
        FullView::Credentials => crate::tui::ui::credentials::render(frame, body, state),
        FullView::Audit => crate::tui::ui::audit::render(frame, body, state),
        FullView::Journal => crate::tui::ui::journal::render(frame, body, state),
        _ => {}
    }
}

fn source_note(w: &WorkspaceInventory) -> String {
    match w.cached {
        Some(age) => format!("cached {}", insight::ago(age)),
        None => format!("scanned {}", w.inventory.scanned_at.date()),
    }
}

fn short_type(e: &KeyEntry) -> String {
    let t = e.key_type.strip_prefix("ssh-").unwrap_or(&e.key_type);
    // `ecdsa-sha2-nistp256` says nothing the bits do not: keep the column narrow.
    let t = if t.starts_with("ecdsa-") { "ecdsa" } else { t };
    format!("{} {}", clean_line(t), e.bits)
}

fn date(t: Option<Timestamp>, none: &str) -> String {
    t.map(|t| t.date()).unwrap_or_else(|| none.to_string())
}

fn all_keys(frame: &mut Frame, area: Rect, state: &State) {
    let theme = &state.theme;
    let ws = state
        .focused_workspace()
        .map(|w| w.slug.clone())
        .unwrap_or_default();
    let inv = insight::focused_inventory(state);
    let rows = insight::all_keys_rows(state);
    let title = match inv {
        Some(w) => format!(
            " All keys of {ws} ({}) · {} ",
            w.inventory.keys.len(),
            source_note(w)
        ),
        None => format!(" All keys of {ws} "),
    };
    let block = view_block(
        state,
        title,
        &[
            (Action::SortColumn, "sort"),
            (Action::SortReverse, "reverse"),
            (Action::Filter, "filter"),
            (Action::FindKey, "find"),
            (Action::Export, "export"),
            (Action::Cancel, "close"),
        ],
    );
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(inv) = inv else {
        let rescan = state
            .keymap
            .first_key(Action::Rescan)
            .unwrap_or_else(|| "R".into());
        let line = match &state.scan {
            Some(s) => format!(" Scanning {} ({}/{})…", s.ws, s.done, s.total),
            None if insight::cache_pending(state, &ws) => {
                format!(" Reading the cached scan of {ws}…")
            }
            None => format!(" No scan of {ws} yet: press {rescan} to scan the workspace"),
        };
        frame.render_widget(Paragraph::new(Span::styled(line, theme.dim)), inner);
        return;
    };
    let v = &state.insight.all_keys;
    let width = usize::from(inner.width);
    let fixed = 12 + 6 + 11 + 11;
    // A whole fingerprint is what people compare and copy; once it fits with 20 columns of
    // labels it is shown whole, and in narrower terminals labels get the larger share.
    let fp_w = if width >= fixed + 2 + 51 + 20 {
        51
    } else {
        (width.saturating_sub(fixed + 2) * 2 / 5).clamp(12, 51)
    };
    let label_w = width.saturating_sub(fixed + fp_w + 2).max(6);
    let mut lines = vec![header(state, label_w, fp_w)];
    let filter_line = !v.filter.is_empty() || state.typing;
    let height = usize::from(inner.height).saturating_sub(1 + usize::from(filter_line));
    if rows.is_empty() {
        lines.push(Line::from(Span::styled(
            format!(" Nothing matches /{}", v.filter),
            theme.dim,
        )));
    }
    for (i, e) in rows.iter().enumerate().skip(v.offset).take(height) {
        let style = if i == v.cursor {
            theme.selected
        } else {
            Style::new()
        };
        let rest = format!(
            "{}{}{}{}{}",
            text::fit(&short_type(e), 12),
            text::fit(&e.reach.to_string(), 6),
            text::fit(&date(e.first_added, "?"), 11),
            text::fit(&date(e.last_used, "never"), 11),
            text::fit(&e.fingerprint.to_string(), fp_w),
        );
        let mark = if crate::tui::state::view_marks::all_keys_row_marked(state, i, e) {
            Span::styled("●", theme.key)
        } else {
            Span::raw(" ")
        };
        let mut spans = vec![mark];
        spans.extend(label_cell(state, inv, e, label_w));
        spans.push(Span::raw(rest));
        lines.push(Line::from(spans).patch_style(style));
    }
    frame.render_widget(Paragraph::new(lines), inner);
    if filter_line && inner.height > 1 {
        let caret = state.typing.then_some(state.caret);
        let r = Rect::new(inner.x, inner.y + inner.height - 1, inner.width, 1);
        let shown = text::with_caret(&v.filter, caret, usize::from(inner.width).saturating_sub(2));
        frame.render_widget(
            Paragraph::new(Span::styled(format!(" /{shown}"), theme.key)),
            r,
        );
    }
}

/// The labels of `e` and its badges (those of all its holdings) in `w` columns; the labels
/// keep 10 columns, the badges take what remains of the cell.
fn label_cell(
    state: &State,
    w: &WorkspaceInventory,
    e: &KeyEntry,
    width: usize,
) -> Vec<Span<'static>> {
    let found = key_badges(w, e);
    let labels = clean_line(&e.labels_text());
    let room = width.saturating_sub(text::width(&labels).min(10) + 2);
    let marks = badges::spans(&state.theme, &found, room);
    let marks_w = badges::spans_width(&marks);
    if marks_w == 0 {
        return vec![Span::raw(text::fit(&labels, width))];
    }
    let mut out = vec![Span::raw(format!(
        "{} ",
        text::fit(&labels, width - marks_w - 2)
    ))];
    out.extend(marks);
    out.push(Span::raw(" "));
    out
}

/// The badges of every holding of `e`, one per finding code, most severe first.
pub fn key_badges(w: &WorkspaceInventory, e: &KeyEntry) -> Vec<Badge> {
    let mut found: Vec<Badge> = e
        .holdings
        .iter()
        .flat_map(|h| w.badges.of(&h.scope, h.id).iter().cloned())
        .collect();
    found.sort();
    found.dedup_by(|a, b| a.code == b.code);
    found
}

/// The column heads of All keys, the sorted one marked with its direction.
fn header(state: &State, label_w: usize, fp_w: usize) -> Line<'static> {
    let theme = &state.theme;
    let v = &state.insight.all_keys;
    let head = |col: KeyColumn, name: &str, w: usize| {
        let arrow = if v.sort.column == col {
            match v.sort.direction {
                Direction::Ascending => " ▲",
                Direction::Descending => " ▼",
            }
        } else {
            ""
        };
        Span::styled(text::fit(&format!("{name}{arrow}"), w), theme.label)
    };
    let mut header = Line::from(vec![
        Span::raw(" "),
        head(KeyColumn::Labels, "Labels", label_w),
        head(KeyColumn::Type, "Type", 12),
        head(KeyColumn::Repositories, "Repos", 6),
        head(KeyColumn::FirstAdded, "Added", 11),
        head(KeyColumn::LastUsed, "Last used", 11),
        head(KeyColumn::Fingerprint, "Fingerprint", fp_w),
    ]);
    if v.sort.column == KeyColumn::Bits {
        // Bits has no column of its own: say it in the type header instead.
        header.spans[2] = head(KeyColumn::Bits, "Type (bits)", 12);
    }
    header
}

fn find(frame: &mut Frame, area: Rect, state: &State) {
    let theme = &state.theme;
    let Some(target) = &state.insight.find else {
        return;
    };
    let block = view_block(
        state,
        format!(" Where is {} used? ", clean_line(&target.name)),
        &[(Action::Down, "scroll"), (Action::Cancel, "back")],
    );
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if let Some(u) = &state.insight.usage {
        return crate::tui::ui::find_usage::render(frame, inner, state, target, u);
    }
    let Some(w) = state.insight.inventories.get(&target.ws) else {
        return;
    };
    let inv = &w.inventory;
    let result = find_key(inv, &target.fingerprint);
    let width = usize::from(inner.width);
    let field = |name: &str, value: String| {
        Line::from(vec![
            Span::styled(format!(" {name:<12}"), theme.label),
            Span::raw(value),
        ])
    };
    let mut lines = vec![field("Fingerprint", target.fingerprint.to_string())];
    lines.push(field(
        "Scan",
        format!("{} · {}", clean_line(&inv.workspace), source_note(w)),
    ));
    match result.entry {
        None => {
            lines.push(Line::raw(""));
            lines.push(Line::from(Span::styled(
                format!(
                    " Not found in any repository or project of {} that the scan could read.",
                    clean_line(&inv.workspace)
                ),
                theme.error,
            )));
        }
        Some(e) => {
            lines.push(field(
                "Key",
                format!(
                    "{} · labels: {}",
                    short_type(e),
                    clean_line(&e.labels_text())
                ),
            ));
            lines.push(field(
                "Held",
                format!(
                    "{} times, reaching {} repositories",
                    e.holdings.len(),
                    e.reach
                ),
            ));
            lines.push(Line::raw(""));
            let place_w = (width / 3).max(16);
            lines.push(Line::from(Span::styled(
                format!(
                    " {}{}{}{}{}",
                    text::fit("Where", place_w),
                    text::fit("Label", 24),
                    text::fit("Added", 11),
                    text::fit("Last used", 12),
                    "Findings"
                ),
                theme.label,
            )));
            push_holdings(&mut lines, state, inv, e, place_w, width);
        }
    }
    push_unread(&mut lines, theme, result.unreadable);
    let scroll = state.insight.scroll.min(lines.len().saturating_sub(1));
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((scroll as u16, 0)),
        inner,
    );
}

/// The listings the scan could not read, where the key may be too.
fn push_unread(lines: &mut Vec<Line<'static>>, theme: &Theme, unreadable: &[UnreadableListing]) {
    if unreadable.is_empty() {
        return;
    }
    lines.push(Line::raw(""));
    lines.push(Line::from(Span::styled(
        " Not read by the scan (the key may be there too):",
        theme.label,
    )));
    for u in unreadable {
        lines.push(Line::from(Span::styled(
            format!(
                " {}: {}",
                clean_line(&u.target),
                clean_line(&u.failure.reason)
            ),
            theme.error,
        )));
    }
}

/// One line per place holding `e`, and under a project the repositories it reaches.
fn push_holdings(
    lines: &mut Vec<Line<'static>>,
    state: &State,
    inv: &Inventory,
    e: &KeyEntry,
    place_w: usize,
    width: usize,
) {
    let theme = &state.theme;
    for h in &e.holdings {
        let mut spans = vec![Span::raw(format!(
            " {}{}{}{}",
            text::fit(&clean_line(&h.scope.to_string()), place_w),
            text::fit(&clean_line(&h.label), 24),
            text::fit(&date(h.created_on, "?"), 11),
            text::fit(&date(h.last_used, "never"), 12),
        ))];
        if let Some(w) = state.insight.inventories.get(h.scope.owner()) {
            let room = width.saturating_sub(place_w + 24 + 11 + 12 + 1);
            spans.extend(badges::spans(theme, w.badges.of(&h.scope, h.id), room));
        }
        lines.push(Line::from(spans));
        if let Place::Project { project, .. } = &h.scope {
            let repos: Vec<String> = inv
                .project_repositories
                .get(project)
                .map(|r| r.iter().map(|s| clean_line(s)).collect())
                .unwrap_or_default();
            let reach = if repos.is_empty() {
                "no repositories".to_string()
            } else {
                repos.join(", ")
            };
            lines.push(Line::from(Span::styled(
                format!("   reaches {reach}"),
                theme.inherited,
            )));
        }
    }
}
