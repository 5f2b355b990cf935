//! Keys typed while a dialog is open. Every answer that changes something leaves as a
//! `Command`; No is the default (Enter on a question answers No).

use crate::forge::Place;
use crate::ops::bulk::{
    BulkRequest, NewKey, render_label, validate_add_template, validate_template,
};
use crate::sshkey::Fingerprint;

use crate::tui::line_edit;
use crate::tui::state::State;
use crate::tui::state::dialog::*;
use crate::tui::state::msg::{Command, TextInput};
use crate::tui::update::bulk_actions::{edit_sentence, open_plan, project_of};
use crate::tui::update::dc_label;

fn say(state: &mut State, text: impl Into<String>, error: bool) {
    state.message = Some((text.into(), error));
}

/// Applies one key to the open dialog.
pub fn input(state: &mut State, t: TextInput, out: &mut Vec<Command>) {
    let Some(dialog) = state.dialog.take() else {
        return;
    };
    state.dialog = match dialog {
        Dialog::Add(f) => add(state, f, t, out),
        Dialog::Rotate(f) => rotate(state, f, t, out),
        Dialog::Label(f) => label(state, f, t, out),
        Dialog::Replace(d) => dc_label::input(state, d, t, out),
        Dialog::Confirm(c) => match t {
            TextInput::Char('y' | 'Y') => {
                out.push(c.command);
                say(state, "Working…", false);
                None
            }
            TextInput::Char('n' | 'N') | TextInput::Abort | TextInput::Submit => {
                say(state, "Nothing changed", false);
                None
            }
            _ => Some(Dialog::Confirm(c)),
        },
        Dialog::Plan(d) => plan(state, d, t, out),
        Dialog::Recovery(entries) => match t {
            TextInput::Char('y' | 'Y') => {
                let req_id = state.req();
                out.push(Command::Recover {
                    req_id,
                    ids: entries.iter().map(|e| e.id.clone()).collect(),
                });
                say(state, "Recovering…", false);
                None
            }
            TextInput::Char('n' | 'N') | TextInput::Abort | TextInput::Submit => {
                let n = entries.len();
                say(
                    state,
                    format!(
                        "Left {n} journal {} pending; run `bbkeys journal recover` to finish {} later",
                        if n == 1 { "entry" } else { "entries" },
                        if n == 1 { "it" } else { "them" }
                    ),
                    false,
                );
                None
            }
            _ => Some(Dialog::Recovery(entries)),
        },
        Dialog::Workspace(text) => crate::tui::update::workspace_entry::input(state, text, t),
        Dialog::Profiles(p) => crate::tui::update::profiles::input(state, p, t, out),
        Dialog::Notice { title, lines } => match t {
            TextInput::Submit | TextInput::Abort | TextInput::Char(_) => None,
            _ => Some(Dialog::Notice { title, lines }),
        },
    };
}

/// Edits a text field at the caret; returns whether the text changed.
fn edit_text(text: &mut String, caret: &mut usize, t: &TextInput) -> bool {
    line_edit::edit(text, caret, t)
}

/// Edits a key field: a key pasted over several lines is joined first.
fn edit_key(text: &mut String, caret: &mut usize, t: &TextInput) -> bool {
    match t {
        TextInput::Paste(p) => edit_text(
            text,
            caret,
            &TextInput::Paste(line_edit::join_wrapped_key(p)),
        ),
        t => edit_text(text, caret, t),
    }
}

/// The label an add sends: a template is checked, and rendered for a single place (a bulk
/// add renders it per place in its plan).
fn add_label_for(state: &State, target: &AddTarget, label: &str) -> Result<String, String> {
    validate_add_template(label)?;
    match target {
        AddTarget::One(scope) => {
            render_label(label, scope, "", project_of(state, scope).as_deref())
        }
        AddTarget::Many(_) => Ok(label.to_string()),
    }
}

/// After the key text changed: a path is read by the worker (update does no I/O).
fn key_changed(state: &mut State, key: &mut KeyField, out: &mut Vec<Command>) {
    key.reading = None;
    if key.is_path() {
        let req_id = state.req();
        key.reading = Some(req_id);
        out.push(Command::ReadKeyFile {
            req_id,
            path: key.text.trim().to_string(),
        });
    }
}

fn add(state: &mut State, mut f: AddForm, t: TextInput, out: &mut Vec<Command>) -> Option<Dialog> {
    match t {
        TextInput::Abort => {
            say(state, "Nothing added", false);
            return None;
        }
        // For a project key, ↑/↓ choose the project (as they choose the key in rotate).
        TextInput::Up if !f.projects.is_empty() => f.step_project(-1),
        TextInput::Down if !f.projects.is_empty() => f.step_project(1),
        TextInput::NextField | TextInput::Down => f.field = (f.field + 1) % f.field_count(),
        TextInput::Up => f.field = (f.field + f.field_count() - 1) % f.field_count(),
        // The permission takes only Space and ←/→, as the rotate dialog's mode does.
        TextInput::Char(' ') | TextInput::Left | TextInput::Right if f.field == 2 => {
            f.toggle_permission()
        }
        TextInput::Submit => {
            let key = match f.key.parsed() {
                Some(Ok(k)) => k,
                _ => {
                    f.field = 0;
                    return Some(Dialog::Add(f));
                }
            };
            if f.field == 0 {
                f.field = 1;
                return Some(Dialog::Add(f));
            }
            let Ok(label) = check_label(&f.label) else {
                return Some(Dialog::Add(f));
            };
            let label = match add_label_for(state, &f.target, &label) {
                Ok(label) => label,
                Err(why) => {
                    say(state, why, true);
                    return Some(Dialog::Add(f));
                }
            };
            // A refused expiry sends nothing: the dialog stays on the field, saying why.
            let grant = match f.grant() {
                Ok(grant) => grant,
                Err(why) => {
                    say(state, why, true);
                    f.field = 3;
                    return Some(Dialog::Add(f));
                }
            };
            match f.target {
                AddTarget::One(scope) => {
                    let req_id = state.req();
                    say(
                        state,
                        format!("Adding {} to {scope}…", key.fingerprint()),
                        false,
                    );
                    out.push(Command::AddKey {
                        req_id,
                        scope,
                        key,
                        label,
                        grant,
                    });
                }
                AddTarget::Many(scopes) => {
                    let n = scopes.len();
                    let title = format!("Add '{label}' to {n} selected repositories");
                    let request = BulkRequest::Add {
                        key: NewKey::from(&key),
                        label,
                        scopes,
                    };
                    open_plan(state, title, request, out);
                    return state.dialog.take();
                }
            }
            return None;
        }
        _ if f.field == 2 => {}
        t if f.field == 0 => {
            if edit_key(&mut f.key.text, &mut state.caret, &t) {
                key_changed(state, &mut f.key, out);
                f.suggest_label();
            }
        }
        t if f.field == 3 => {
            edit_text(&mut f.expiry, &mut state.caret, &t);
        }
        t => {
            // A suggested label is kept by Enter and replaced by typing; editing keys make it
            // the user's own.
            if f.label_suggested && matches!(t, TextInput::Char(_) | TextInput::Paste(_)) {
                f.label.clear();
                state.caret = 0;
            }
            f.label_suggested = false;
            edit_text(&mut f.label, &mut state.caret, &t);
        }
    }
    Some(Dialog::Add(f))
}

fn rotate(
    state: &mut State,
    mut f: RotateForm,
    t: TextInput,
    out: &mut Vec<Command>,
) -> Option<Dialog> {
    match t {
        TextInput::Abort => {
            say(state, "Nothing rotated", false);
            return None;
        }
        TextInput::NextField => f.field = (f.field + 1) % 3,
        TextInput::Char(' ') | TextInput::Left | TextInput::Right if f.field == 2 => {
            f.staged = !f.staged
        }
        TextInput::Up => f.chosen = f.chosen.saturating_sub(1),
        TextInput::Down => f.chosen = (f.chosen + 1).min(f.choices.len().saturating_sub(1)),
        TextInput::Submit => {
            let (Some(Ok(new)), Some((from, _, _))) = (f.key.parsed(), f.choices.get(f.chosen))
            else {
                f.field = 0;
                return Some(Dialog::Rotate(f));
            };
            if new.fingerprint().as_str() == from {
                return Some(Dialog::Rotate(f));
            }
            let label = if f.label.trim().is_empty() {
                None
            } else {
                match check_label(&f.label) {
                    Ok(l) => Some(l),
                    Err(_) => return Some(Dialog::Rotate(f)),
                }
            };
            let Ok(from_fp) = Fingerprint::parse(from) else {
                return Some(Dialog::Rotate(f));
            };
            let scopes: Vec<Place> = state
                .selection
                .keys
                .values()
                .filter(|k| &k.fingerprint == from)
                .map(|k| k.scope.clone())
                .collect();
            let short = |f: &str| f.chars().take(19).collect::<String>() + "…";
            let title = format!(
                "Rotate {} to {}",
                short(from),
                short(new.fingerprint().as_str())
            );
            let request = BulkRequest::Rotate {
                from: from_fp,
                to: NewKey::from(&new),
                label,
                scopes,
            };
            let title = if f.staged {
                format!("{title}, staged")
            } else {
                title
            };
            open_plan(state, title, request, out);
            if let Some(Dialog::Plan(d)) = &mut state.dialog {
                d.staged = f.staged;
            }
            return state.dialog.take();
        }
        t if f.field == 0 && edit_key(&mut f.key.text, &mut state.caret, &t) => {
            key_changed(state, &mut f.key, out);
        }
        _ if f.field == 0 => {}
        t if f.field == 1 => {
            edit_text(&mut f.label, &mut state.caret, &t);
        }
        // The mode takes only Space and ←/→.
        _ => {}
    }
    Some(Dialog::Rotate(f))
}

fn label(
    state: &mut State,
    mut f: LabelForm,
    t: TextInput,
    out: &mut Vec<Command>,
) -> Option<Dialog> {
    match t {
        TextInput::Abort => {
            say(state, "Nothing changed", false);
            None
        }
        TextInput::Submit => match f.single.take() {
            Some((scope, key)) => {
                let Ok(text) = check_label(&f.text) else {
                    f.single = Some((scope, key));
                    return Some(Dialog::Label(f));
                };
                // One label is a template too, as for a selection and on add.
                let old = key.label.as_str();
                let project = project_of(state, &scope);
                let new = match validate_template(&text)
                    .and_then(|()| render_label(&text, &scope, old, project.as_deref()))
                {
                    Ok(new) => new,
                    Err(why) => {
                        say(state, why, true);
                        f.single = Some((scope, key));
                        return Some(Dialog::Label(f));
                    }
                };
                if key.label() == Some(new.as_str()) {
                    say(state, "The label is unchanged", false);
                    return None;
                }
                if dc_label::label_is_per_key(&scope) {
                    dc_label::look_up_grants(state, key, new, out);
                    return None;
                }
                let in_place = state.edit_strategy == crate::config::EditStrategy::InPlace;
                let mut lines = edit_sentence(&scope, &new, in_place);
                lines.push(String::new());
                lines.push(format!("Key: '{}' on {scope}", key.label.clone()));
                let req_id = state.req();
                Some(Dialog::Confirm(Confirm {
                    title: "Edit label".into(),
                    lines,
                    command: Command::RelabelKey {
                        req_id,
                        scope,
                        key,
                        label: new,
                        strategy: state.edit_strategy,
                    },
                }))
            }
            None => {
                let template = f.text.trim().to_string();
                if template.is_empty() || validate_template(&template).is_err() {
                    return Some(Dialog::Label(f));
                }
                if f.targets.iter().any(|(s, _)| dc_label::label_is_per_key(s)) {
                    return dc_label::look_up_selection(state, f, template, out);
                }
                let targets = f
                    .targets
                    .iter()
                    .filter_map(|(s, fp)| Some((s.clone(), Fingerprint::parse(fp).ok()?)))
                    .collect::<Vec<_>>();
                let title = format!("Relabel {} selected keys as '{template}'", targets.len());
                open_plan(
                    state,
                    title,
                    BulkRequest::Relabel { targets, template },
                    out,
                );
                state.dialog.take()
            }
        },
        t => {
            edit_text(&mut f.text, &mut state.caret, &t);
            Some(Dialog::Label(f))
        }
    }
}

fn plan(
    state: &mut State,
    mut d: PlanDialog,
    t: TextInput,
    out: &mut Vec<Command>,
) -> Option<Dialog> {
    // Scrolling is by screen row: long plan lines are wrapped over several.
    let width = crate::tui::ui::plan::body_width(state.size.0);
    let lines = d
        .plan()
        .map(|p| crate::tui::ui::plan::body_rows(p, width).len())
        .unwrap_or(0);
    match (&t, &d.stage) {
        (TextInput::Up, _) => d.scroll = d.scroll.saturating_sub(1),
        (TextInput::Down, _) => d.scroll = (d.scroll + 1).min(lines.saturating_sub(1)),
        (TextInput::PageUp, _) => d.scroll = d.scroll.saturating_sub(10),
        (TextInput::PageDown, _) => d.scroll = (d.scroll + 10).min(lines.saturating_sub(1)),
        (TextInput::Abort, PlanStage::Rechecking(_)) => {
            // The worker may be past the re-check: the cancel flag stops what has not started.
            out.push(Command::CancelJob { job_id: d.req_id });
            say(state, "Cancelled", false);
            return None;
        }
        (_, PlanStage::Rechecking(_)) => {}
        (TextInput::Abort | TextInput::Char('n' | 'N'), _) => {
            say(state, "Nothing changed", false);
            return None;
        }
        (_, PlanStage::Reading) => {}
        (_, PlanStage::Ready(p)) if p.is_empty() => {
            if matches!(t, TextInput::Submit | TextInput::Char(_)) {
                say(state, "Nothing to do", false);
                return None;
            }
        }
        (_, PlanStage::Ready(p)) if p.needs_typed_confirmation() => match t {
            TextInput::Submit if d.typed.trim() == p.confirmation_text() => {
                return apply(d, out);
            }
            TextInput::Submit => {
                d.note = Some((
                    format!(
                        "Type {} (the number of changes) and Enter to apply, or Esc to cancel",
                        p.confirmation_text()
                    ),
                    true,
                ));
                d.typed.clear();
            }
            t => {
                edit_text(&mut d.typed, &mut state.caret, &t);
            }
        },
        (TextInput::Char('y' | 'Y'), PlanStage::Ready(_)) => return apply(d, out),
        (TextInput::Submit, PlanStage::Ready(_)) => {
            say(state, "Nothing changed", false);
            return None;
        }
        _ => {}
    }
    Some(Dialog::Plan(d))
}

fn apply(mut d: PlanDialog, out: &mut Vec<Command>) -> Option<Dialog> {
    let PlanStage::Ready(plan) = d.stage else {
        return Some(Dialog::Plan(d));
    };
    out.push(Command::ApplyBulk {
        job_id: d.req_id,
        request: d.request.clone(),
        desired: d.desired.clone(),
        projects: d.projects.clone(),
        plan: plan.clone(),
        staged: d.staged,
    });
    d.stage = PlanStage::Rechecking(plan);
    d.note = None;
    Some(Dialog::Plan(d))
}
