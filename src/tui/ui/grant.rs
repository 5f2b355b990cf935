//! How a grant's permission and expiry read in the keys pane and the detail, on forges that
//! have them (Data Center); Cloud shows neither.

use ratatui::style::Style;
use ratatui::text::{Line, Span};

use crate::forge::Permission;
use crate::tui::state::dialog::{AddForm, check_expiry};
use crate::tui::state::{ForgeFacts, KeyView, State};

/// `R` or `W`, the permission column of the keys pane.
pub fn letter(p: Permission) -> &'static str {
    match p {
        Permission::Read => "R",
        Permission::Write => "W",
    }
}

/// `expires in 6 days` or `expired 2025-03-01`; `None` for a key that never expires (or
/// whose creation date is unknown), and on forges without expiry.
pub fn expiry(forge: &ForgeFacts, key: &KeyView) -> Option<String> {
    let at = key.expires.filter(|_| forge.caps.expiry)?;
    Some(crate::ops::expiry::describe(Some(at), forge.now))
}

/// Whether the expiry has passed: drawn as an error.
pub fn expired(forge: &ForgeFacts, key: &KeyView) -> bool {
    forge.caps.expiry && key.expires.is_some_and(|at| at <= forge.now)
}

/// The permission and expiry of an add on a forge that grants them; for a selection, the
/// sentence saying a bulk add grants read without expiry.
pub fn add_fields(f: &AddForm, w: usize, state: &State) -> Vec<Line<'static>> {
    let theme = &state.theme;
    if !f.grant_fields() {
        return match f.grants {
            true => vec![Line::from(Span::styled(
                "  Adding to several repositories grants read access that never expires",
                theme.dim,
            ))],
            false => Vec::new(),
        };
    }
    let mark = |on: bool| if on { "(•)" } else { "( )" };
    let style = if f.field == 2 {
        theme.selected
    } else {
        Style::new()
    };
    let read = f.permission == Permission::Read;
    let mut lines = vec![
        Line::raw(""),
        Line::from(vec![
            Span::styled("Permission: ", theme.label),
            Span::styled(
                format!("{} read  {} write (can push)", mark(read), mark(!read)),
                style,
            ),
        ]),
        Line::from(Span::styled("Expires in days (blank: never):", theme.label)),
        super::input_line::input_line(&f.expiry, f.field == 3, w, state),
    ];
    match check_expiry(&f.expiry) {
        Err(e) => lines.push(Line::from(Span::styled(format!("  ✗ {e}"), theme.error))),
        Ok(None) => lines.push(Line::from(Span::styled("  never expires", theme.dim))),
        Ok(Some(_)) => lines.push(Line::raw("")),
    }
    lines
}
