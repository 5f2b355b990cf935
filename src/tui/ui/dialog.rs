//! Dialogs, drawn centred over the screen. What they show is what `y` will send.

use crate::forge::Place;
use ratatui::Frame;
use ratatui::layout::{Margin, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::ops::bulk::render_label;
use crate::sshkey::Strength;
use crate::tui::state::State;
use crate::tui::state::dialog::*;
use crate::tui::ui::input_line::input_line;
use crate::tui::ui::text;

/// A centred rectangle of at most `w`×`h`.
fn centred(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width.saturating_sub(2));
    let h = h.min(area.height.saturating_sub(2));
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

/// Clears the popup, draws its frame and returns the inside.
fn frame_popup(
    frame: &mut Frame,
    popup: Rect,
    state: &State,
    title: &str,
    keys: &[(&str, &str)],
) -> Rect {
    let theme = &state.theme;
    frame.render_widget(Clear, popup);
    let mut bottom = vec![Span::raw(" ")];
    for (k, what) in keys {
        bottom.push(Span::styled(k.to_string(), theme.key));
        bottom.push(Span::raw(format!(" {what}  ")));
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border_focused)
        .title(format!(
            " {} ",
            text::truncate(title, usize::from(popup.width.saturating_sub(4)))
        ))
        .title_bottom(Line::from(bottom));
    let inner = block.inner(popup).inner(Margin::new(1, 0));
    frame.render_widget(block, popup);
    inner
}

/// Draws the open dialog, if any.
pub fn render(frame: &mut Frame, area: Rect, state: &State) {
    let Some(dialog) = &state.dialog else {
        return;
    };
    match dialog {
        Dialog::Add(f) => add(frame, area, state, f),
        Dialog::Rotate(f) => rotate(frame, area, state, f),
        Dialog::Label(f) => label(frame, area, state, f),
        Dialog::Replace(d) => crate::tui::ui::replace::render(frame, area, state, d),
        Dialog::Confirm(c) => {
            let lines: Vec<Line> = c.lines.iter().map(|l| Line::raw(l.clone())).collect();
            text_popup(
                frame,
                area,
                state,
                &c.title,
                lines,
                &[("y", "yes"), ("n", "no (default)")],
            );
        }
        Dialog::Recovery(entries) => {
            let theme = &state.theme;
            let mut lines = vec![
                Line::from(Span::styled(recovery_question(entries), theme.label)),
                Line::raw(""),
            ];
            lines.extend(
                entries
                    .iter()
                    .map(|e| Line::raw(format!("• {}", e.sentence))),
            );
            lines.push(Line::raw(""));
            lines.push(Line::from(Span::styled(
                "n leaves them pending: `bbkeys journal recover` finishes them later.",
                theme.dim,
            )));
            text_popup(
                frame,
                area,
                state,
                "Unfinished operations",
                lines,
                &[("y", "finish now"), ("n", "later")],
            );
        }
        Dialog::Notice { title, lines } => {
            let lines: Vec<Line> = lines.iter().map(|l| Line::raw(l.clone())).collect();
            text_popup(frame, area, state, title, lines, &[("Enter", "close")]);
        }
        Dialog::Profiles(p) => {
            let lines: Vec<Line> = p
                .choices
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let mark = if i == p.cursor { "▸" } else { " " };
                    let used = if c.current { "  (in use)" } else { "" };
                    let row = format!("{mark} {:<24} {}{used}", c.name, c.forge.as_str());
                    if i == p.cursor {
                        Line::from(Span::styled(row, state.theme.label))
                    } else {
                        Line::raw(row)
                    }
                })
                .collect();
            text_popup(
                frame,
                area,
                state,
                "Switch profile",
                lines,
                &[("Enter", "switch"), ("Esc", "cancel")],
            );
        }
        Dialog::Plan(d) => crate::tui::ui::plan::render(frame, area, state, d),
        Dialog::Workspace(text) => workspace(frame, area, state, text),
    }
}

/// The slug of a workspace, typed by a credential that cannot list workspaces.
fn workspace(frame: &mut Frame, area: Rect, state: &State, slug: &str) {
    let theme = &state.theme;
    let popup = centred(area, 76, 9);
    let inner = frame_popup(
        frame,
        popup,
        state,
        "Open a workspace by its slug",
        &[("Enter", "open"), ("Esc", "cancel")],
    );
    let w = usize::from(inner.width);
    let verdict = match crate::tui::state::typed_workspace::check_slug(slug.trim()) {
        Ok(()) => Line::raw(""),
        Err(e) if slug.trim().is_empty() => Line::from(Span::styled(format!("  {e}"), theme.dim)),
        Err(e) => Line::from(Span::styled(format!("  ✗ {e}"), theme.error)),
    };
    let lines = vec![
        Line::from(Span::styled(
            "Your credential could not list workspaces: workspace, project and repository access tokens often cannot. Type the workspace it belongs to.",
            theme.dim,
        )),
        Line::raw(""),
        Line::from(Span::styled("Workspace slug:", theme.label)),
        input_line(slug, true, w, state),
        verdict,
    ];
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

/// A popup of wrapped text, as tall as it needs.
fn text_popup(
    frame: &mut Frame,
    area: Rect,
    state: &State,
    title: &str,
    lines: Vec<Line>,
    keys: &[(&str, &str)],
) {
    let w = area.width.saturating_sub(8).min(90);
    let inner_w = usize::from(w.saturating_sub(4)).max(1);
    let rows: usize = lines
        .iter()
        .map(|l| l.width().max(1).div_ceil(inner_w))
        .sum();
    let popup = centred(area, w, rows as u16 + 2);
    let inner = frame_popup(frame, popup, state, title, keys);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

/// The live verdict on a key field: type, bits and fingerprint, or the parser's sentence.
fn key_verdict(k: &KeyField, state: &State) -> Vec<Line<'static>> {
    let theme = &state.theme;
    match k.parsed() {
        None if k.reading.is_some() || (k.is_path() && k.file.is_none()) => {
            vec![Line::from(Span::styled(
                format!("  reading {}…", k.text.trim()),
                theme.dim,
            ))]
        }
        None => vec![Line::from(Span::styled(
            "  paste an OpenSSH public key line, or type the path of a .pub file",
            theme.dim,
        ))],
        Some(Err(e)) => vec![Line::from(Span::styled(format!("  ✗ {e}"), theme.error))],
        Some(Ok(key)) => {
            let mut lines = vec![Line::from(vec![
                Span::styled("  ✓ ", theme.key),
                Span::raw(format!("{} {} bits  ", key.short_type(), key.bits())),
                Span::styled(key.fingerprint().to_string(), theme.label),
            ])];
            if let Some(c) = key.comment() {
                lines.push(Line::from(Span::styled(
                    format!("    comment: {}", crate::sanitize::clean_line(c)),
                    theme.dim,
                )));
            }
            match key.strength() {
                Strength::Weak => lines.push(Line::from(Span::styled(
                    "    weak key: prefer a new ed25519 key (ssh-keygen -t ed25519)",
                    theme.error,
                ))),
                Strength::Legacy => lines.push(Line::from(Span::styled(
                    "    RSA 2048 is legacy: prefer ed25519",
                    theme.dim,
                ))),
                Strength::Good => {}
            }
            lines
        }
    }
}

fn label_verdict(label: &str, optional: bool, state: &State) -> Line<'static> {
    let theme = &state.theme;
    if optional && label.trim().is_empty() {
        return Line::from(Span::styled(
            "  empty: each old key's label is kept",
            theme.dim,
        ));
    }
    match check_label(label) {
        Ok(_) => Line::raw(""),
        Err(e) => Line::from(Span::styled(format!("  ✗ {e}"), theme.error)),
    }
}

fn add(frame: &mut Frame, area: Rect, state: &State, f: &AddForm) {
    let title = match &f.target {
        AddTarget::One(scope) => format!("Add a key to {scope}"),
        AddTarget::Many(scopes) => format!("Add a key to {} selected repositories", scopes.len()),
    };
    let chooser = f.project_position();
    let extra = if f.grant_fields() {
        6
    } else {
        u16::from(f.grants)
    };
    let popup = centred(area, 90, 14 + 2 * u16::from(chooser.is_some()) + extra);
    let mut hints = vec![("Tab", "next field"), ("Enter", "add"), ("Esc", "cancel")];
    if chooser.is_some() {
        hints.insert(0, ("↑/↓", "project"));
    }
    let inner = frame_popup(frame, popup, state, &title, &hints);
    let w = usize::from(inner.width);
    let theme = &state.theme;
    let mut lines = Vec::new();
    if let (Some((at, of)), AddTarget::One(Place::Project { project, .. })) = (chooser, &f.target) {
        lines.push(Line::from(vec![
            Span::styled("Project: ", theme.label),
            Span::styled(format!("◂ {project} ▸"), theme.selected),
            Span::styled(format!("  {at} of {of}"), theme.dim),
        ]));
        lines.push(Line::raw(""));
    }
    lines.push(Line::from(Span::styled(
        "Key (paste it, or the path of a .pub file):",
        theme.label,
    )));
    lines.push(input_line(&f.key.text, f.field == 0, w, state));
    lines.extend(key_verdict(&f.key, state));
    lines.push(Line::raw(""));
    lines.push(Line::from(Span::styled("Label:", theme.label)));
    lines.push(input_line(&f.label, f.field == 1, w, state));
    if f.label_suggested {
        lines.push(Line::from(Span::styled(
            "  from the key's comment: Enter keeps it, typing replaces it",
            theme.dim,
        )));
    } else if f.field == 1 || !f.label.is_empty() {
        lines.push(label_verdict(&f.label, false, state));
    }
    lines.extend(crate::tui::ui::grant::add_fields(f, w, state));
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

fn rotate(frame: &mut Frame, area: Rect, state: &State, f: &RotateForm) {
    let theme = &state.theme;
    let shown = f.choices.len().min(5);
    let popup = centred(area, 96, 16 + shown as u16);
    let inner = frame_popup(
        frame,
        popup,
        state,
        "Rotate a selected key",
        &[
            ("↑/↓", "key to replace"),
            ("Tab", "field"),
            ("Enter", "plan"),
            ("Esc", "cancel"),
        ],
    );
    let w = usize::from(inner.width);
    let mut lines = vec![Line::from(Span::styled(
        "Replace this key wherever it is selected:",
        theme.label,
    ))];
    let first = f.chosen.saturating_sub(shown.saturating_sub(1));
    for (i, (fp, label, n)) in f.choices.iter().enumerate().skip(first).take(shown) {
        let text = format!(
            "{} {fp}  '{label}'  in {n} {}",
            if i == f.chosen { "▸" } else { " " },
            if *n == 1 { "place" } else { "places" }
        );
        let style = if i == f.chosen {
            theme.selected
        } else {
            Style::new()
        };
        lines.push(Line::from(Span::styled(text::truncate(&text, w), style)));
    }
    lines.push(Line::raw(""));
    lines.push(Line::from(Span::styled(
        "With the new key (paste it, or the path of a .pub file):",
        theme.label,
    )));
    lines.push(input_line(&f.key.text, f.field == 0, w, state));
    lines.extend(key_verdict(&f.key, state));
    if let (Some(Ok(k)), Some((fp, _, _))) = (f.key.parsed(), f.choices.get(f.chosen))
        && k.fingerprint().as_str() == fp
    {
        lines.push(Line::from(Span::styled(
            "  ✗ that is the key being replaced",
            theme.error,
        )));
    }
    lines.push(Line::from(Span::styled(
        "Label of the new key:",
        theme.label,
    )));
    lines.push(input_line(&f.label, f.field == 1, w, state));
    lines.push(label_verdict(&f.label, true, state));
    lines.push(rotate_mode(f, state));
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

/// Immediate or staged, the chosen one marked; Space or ←/→ switch when the line has focus.
fn rotate_mode(f: &RotateForm, state: &State) -> Line<'static> {
    let theme = &state.theme;
    let mark = |on: bool| if on { "(•)" } else { "( )" };
    let style = if f.field == 2 {
        theme.selected
    } else {
        Style::new()
    };
    Line::from(vec![
        Span::styled("Mode: ", theme.label),
        Span::styled(
            format!(
                "{} immediate  {} staged (the old key stays until the new one is used)",
                mark(!f.staged),
                mark(f.staged)
            ),
            style,
        ),
    ])
}

fn label(frame: &mut Frame, area: Rect, state: &State, f: &LabelForm) {
    let theme = &state.theme;
    let per_key = f
        .targets
        .iter()
        .any(|(s, _)| crate::tui::update::dc_label::label_is_per_key(s));
    let (title, prompt) = match &f.single {
        Some((scope, key)) => (
            format!("Edit the label of '{}' on {scope}", key.label.clone()),
            "New label:".to_string(),
        ),
        // On Data Center one label serves every grant of a key: only {label} has one value.
        None if per_key => (
            format!("Relabel {} selected keys at every grant", f.targets.len()),
            "Label, or a template with {label} (one label per key, at every grant):".to_string(),
        ),
        None => (
            format!("Relabel {} selected keys", f.targets.len()),
            "Label, or a template with {workspace} {repo} {project} {label}:".to_string(),
        ),
    };
    let popup = centred(area, 90, if f.single.is_some() { 7 } else { 11 });
    let inner = frame_popup(
        frame,
        popup,
        state,
        &title,
        &[("Enter", "next"), ("Esc", "cancel")],
    );
    let w = usize::from(inner.width);
    let mut lines = vec![
        Line::from(Span::styled(prompt, theme.label)),
        input_line(&f.text, true, w, state),
    ];
    if f.single.is_some() {
        lines.push(label_verdict(&f.text, false, state));
    } else {
        match crate::ops::bulk::validate_template(f.text.trim()) {
            Err(e) => lines.push(Line::from(Span::styled(format!("  ✗ {e}"), theme.error))),
            Ok(()) if f.text.trim().is_empty() => lines.push(Line::from(Span::styled(
                if per_key {
                    "  such as {label}-2027"
                } else {
                    "  such as {repo}-deploy"
                },
                theme.dim,
            ))),
            Ok(()) => {
                // A preview on the first few keys, so a template's result is seen before planning.
                for (scope, fp) in f.targets.iter().take(3) {
                    let old = state
                        .selection
                        .keys
                        .get(&(scope.clone(), fp.clone()))
                        .map(|k| k.label.clone())
                        .unwrap_or_default();
                    let project = project_of(state, scope);
                    let new = render_label(f.text.trim(), scope, &old, project.as_deref())
                        .unwrap_or_else(|e| format!("✗ {e}"));
                    lines.push(Line::from(Span::styled(
                        text::truncate(&format!("  {scope}: '{old}' → '{new}'"), w),
                        theme.dim,
                    )));
                }
            }
        }
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The project a loaded repository belongs to.
fn project_of(state: &State, scope: &crate::forge::Place) -> Option<String> {
    let crate::forge::Place::Repository {
        owner: workspace,
        repo,
        ..
    } = scope
    else {
        return None;
    };
    match state.repos.get(workspace) {
        Some(crate::tui::state::Load::Ready(repos)) => repos
            .iter()
            .find(|r| &r.slug == repo)
            .and_then(|r| r.project.clone()),
        _ => None,
    }
}
