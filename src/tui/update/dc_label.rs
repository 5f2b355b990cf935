//! `e` where a label belongs to the key rather than to one grant (Bitbucket Data Center): no
//! REST call changes it, and deleting and re-adding at one place would keep the old label
//! (the key lives on at its other grants) while the place briefly loses the key. So `e` says
//! so and offers the journaled replace-everywhere: the worker looks up every grant, the
//! dialog lists them with their permission and expiry, and the number of grants typed back
//! sends it. A selection goes the same way: its holdings are grouped by key (one key entity
//! has one label everywhere), and one dialog lists every grant of every key.

use std::collections::BTreeMap;

use crate::forge::{AccessKey, ForgeKind, Place};
use crate::ops::bulk::template_uses;
use crate::sanitize::clean_line;
use crate::tui::line_edit;
use crate::tui::state::State;
use crate::tui::state::dialog::{Dialog, LabelForm};
use crate::tui::state::msg::{Command, TextInput};
use crate::tui::state::replace::{ReplaceCommand, ReplaceDialog, ReplaceGrants};

fn say(state: &mut State, text: impl Into<String>, error: bool) {
    state.message = Some((text.into(), error));
}

/// Asks the worker for every grant of `key`, to relabel it `label` everywhere.
pub(crate) fn look_up_grants(
    state: &mut State,
    key: AccessKey,
    label: String,
    out: &mut Vec<Command>,
) {
    let req_id = state.req();
    state.replace_lookup = Some(req_id);
    out.push(Command::Replace(ReplaceCommand::Lookup {
        req_id,
        key,
        label,
    }));
    say(
        state,
        "On Bitbucket Data Center a label belongs to the key; looking up every grant…",
        false,
    );
}

/// Asks the worker for every grant of each key of the selection in `f`, to label each
/// `template`. The form stays open when the template cannot be one label per key.
pub(crate) fn look_up_selection(
    state: &mut State,
    f: LabelForm,
    template: String,
    out: &mut Vec<Command>,
) -> Option<Dialog> {
    if let Some(name) = ["workspace", "repo", "project"]
        .into_iter()
        .find(|n| template_uses(&template, n))
    {
        say(
            state,
            format!(
                "On Bitbucket Data Center one label is shared by every grant of a key, so {{{name}}} has no single value; {{label}} (the key's own label) can be used"
            ),
            true,
        );
        return Some(Dialog::Label(f));
    }
    // One place per key: every holding of a key names the same entity.
    let mut by_key: BTreeMap<String, Place> = BTreeMap::new();
    for (place, fp) in f.targets {
        by_key.entry(fp).or_insert(place);
    }
    let keys = by_key.len();
    let req_id = state.req();
    state.replace_lookup = Some(req_id);
    out.push(Command::Replace(ReplaceCommand::LookupSelection {
        req_id,
        holdings: by_key.into_iter().map(|(fp, p)| (p, fp)).collect(),
        template,
    }));
    say(
        state,
        format!(
            "On Bitbucket Data Center a label belongs to the key; looking up every grant of {keys} key(s)…"
        ),
        false,
    );
    None
}

/// The grants arrived: the typed confirmation listing them, without the keys that need no
/// change or could not be read. The answer of a lookup a later one replaced is dropped, and a
/// dialog opened meanwhile is never taken away from the person typing in it.
pub(crate) fn grants(state: &mut State, g: ReplaceGrants) {
    if state.replace_lookup != Some(g.req_id) {
        return;
    }
    state.replace_lookup = None;
    if state.dialog.is_some() {
        say(
            state,
            "The grants of the relabel came while another dialog was open; nothing changed, press e again to relabel",
            true,
        );
        return;
    }
    let mut left_out: Vec<String> = g
        .failed
        .iter()
        .map(|(key, f)| clean_line(&format!("{key} could not be read: {}", f.sentence)))
        .collect();
    let mut keys = Vec::new();
    for k in g.found {
        let name = format!("'{}' (key {})", clean_line(&k.key.label), k.key.id);
        if k.grants.is_empty() {
            left_out.push(format!("{name} is granted nowhere this credential may see"));
        } else if k.key.label == k.label {
            left_out.push(format!("{name} is already labelled so"));
        } else {
            keys.push(k);
        }
    }
    if keys.is_empty() {
        let why = match left_out.as_slice() {
            [] => "nothing was found".to_string(),
            _ => left_out.join("; "),
        };
        say(state, format!("Nothing changed: {why}"), true);
        return;
    }
    state.dialog = Some(Dialog::Replace(ReplaceDialog::new(keys, left_out)));
}

/// One key in the typed confirmation; the arrows scroll the list.
pub(crate) fn input(
    state: &mut State,
    mut d: ReplaceDialog,
    t: TextInput,
    out: &mut Vec<Command>,
) -> Option<Dialog> {
    let rows =
        crate::tui::ui::replace::body_rows(&d, crate::tui::ui::replace::body_width(state.size.0))
            .len();
    let last = rows.saturating_sub(1);
    match t {
        TextInput::Abort => {
            say(state, "Nothing changed", false);
            None
        }
        TextInput::Submit if d.typed.trim() == d.expected() => {
            let req_id = state.req();
            out.push(Command::Replace(ReplaceCommand::Run {
                req_id,
                keys: d.keys,
            }));
            say(state, "Working…", false);
            None
        }
        TextInput::Submit => {
            say(
                state,
                format!("Type {} to go ahead, Esc to leave", d.expected()),
                true,
            );
            Some(Dialog::Replace(d))
        }
        TextInput::Up => scrolled(d, |s| s.saturating_sub(1)),
        TextInput::Down => scrolled(d, |s| (s + 1).min(last)),
        TextInput::PageUp => scrolled(d, |s| s.saturating_sub(10)),
        TextInput::PageDown => scrolled(d, |s| (s + 10).min(last)),
        t => {
            line_edit::edit(&mut d.typed, &mut state.caret, &t);
            Some(Dialog::Replace(d))
        }
    }
}

fn scrolled(mut d: ReplaceDialog, to: impl Fn(usize) -> usize) -> Option<Dialog> {
    d.scroll = to(d.scroll);
    Some(Dialog::Replace(d))
}

/// Whether a label at `scope` belongs to the key and is shared by all its grants.
pub(crate) fn label_is_per_key(scope: &Place) -> bool {
    scope.forge() == ForgeKind::DataCenter
}

#[cfg(test)]
mod tests {
    use crate::forge::{AccessKey, ForgeKind, Permission, Place};
    use crate::ops::keyops::Grant;
    use crate::tui::keymap::Keymap;
    use crate::tui::state::State;
    use crate::tui::state::dialog::{Dialog, LabelForm};
    use crate::tui::state::replace::{KeyGrants, ReplaceCommand, ReplaceGrants};
    use crate::tui::theme::Theme;
    use crate::tui::ui::replace::lines;
    use crate::tui::update::{Command, Msg, TextInput, WorkerMsg, update};

    const KEY: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ26SSdEHBJ+bu3Hs431Qv8oeYIKNrnRG3pwLxyjj/Ua";

    fn grant(id: u64, label: &str) -> AccessKey {
        serde_json::from_value(serde_json::json!({"id": id, "key": KEY, "label": label})).unwrap()
    }

    /// Whether `cmds` would change keys or plan to.
    fn writes(cmds: &[Command]) -> bool {
        cmds.iter().any(|c| {
            matches!(
                c,
                Command::RelabelKey { .. } | Command::PlanBulk { .. } | Command::ApplyBulk { .. }
            )
        })
    }

    fn submit(form: LabelForm) -> (Vec<Command>, State) {
        let mut s = State::new(true, false, Keymap::default(), Theme::default_colours());
        s.size = (80, 24);
        s.dialog = Some(Dialog::Label(form));
        let cmds = update(&mut s, Msg::Input(TextInput::Submit));
        (cmds, s)
    }

    #[test]
    fn e_on_data_center_offers_the_replace_everywhere_behind_the_number_of_grants_typed() {
        let place = Place::repository(ForgeKind::DataCenter, "ACME", "api");
        let (cmds, mut s) = submit(LabelForm {
            single: Some((place.clone(), grant(4, "ci"))),
            targets: Vec::new(),
            text: "ci-v2".into(),
        });
        assert!(!writes(&cmds), "{cmds:?}");
        let Some(Command::Replace(ReplaceCommand::Lookup { req_id, key, label })) = cmds
            .iter()
            .find(|c| matches!(c, Command::Replace(_)))
            .cloned()
        else {
            panic!("no lookup in {cmds:?}")
        };
        assert_eq!((key.id, label.as_str()), (4, "ci-v2"));
        assert!(
            s.message
                .clone()
                .unwrap()
                .0
                .contains("a label belongs to the key")
        );
        let web = Place::repository(ForgeKind::DataCenter, "ACME", "web");
        let grants = vec![
            (
                place,
                Grant {
                    permission: Permission::Write,
                    expiry_days: Some(30),
                },
            ),
            (web, Grant::default()),
        ];
        update(
            &mut s,
            Msg::Worker(WorkerMsg::ReplaceGrants(Box::new(ReplaceGrants {
                req_id,
                found: vec![KeyGrants {
                    key,
                    grants: grants.clone(),
                    label: label.clone(),
                }],
                failed: Vec::new(),
            }))),
        );
        let Some(Dialog::Replace(d)) = &s.dialog else {
            panic!("{:?}", s.dialog)
        };
        let shown = lines(d).join("\n");
        assert!(shown.contains("a label belongs to the key"), "{shown}");
        assert!(
            shown.contains("ACME/api  write  30 days from the re-add"),
            "{shown}"
        );
        assert!(shown.contains("ACME/web  read  no expiry"), "{shown}");
        assert!(shown.contains("Type 2"), "{shown}");
        // A wrong number, or y, sends nothing and keeps the dialog.
        for t in [TextInput::Char('y'), TextInput::Submit] {
            let cmds = update(&mut s, Msg::Input(t));
            assert!(cmds.is_empty(), "{cmds:?}");
        }
        assert!(matches!(s.dialog, Some(Dialog::Replace(_))));
        update(&mut s, Msg::Input(TextInput::Backspace));
        update(&mut s, Msg::Input(TextInput::Char('2')));
        let cmds = update(&mut s, Msg::Input(TextInput::Submit));
        assert!(
            matches!(cmds.as_slice(), [Command::Replace(ReplaceCommand::Run { keys, .. })] if keys.len() == 1 && keys[0].grants == grants && keys[0].label == "ci-v2"),
            "{cmds:?}"
        );
        assert!(s.dialog.is_none());
    }

    #[tokio::test]
    async fn the_worker_finds_every_grant_and_replaces_the_key_everywhere() {
        use crate::forge::memory::MemoryForge;
        use crate::forge::{Caps, Forge, NewAccessKey};
        use crate::journal::Journal;
        use crate::ops::keyops::KeyOps;
        let forge = MemoryForge::new(
            ForgeKind::DataCenter,
            Caps {
                permissions: true,
                expiry: true,
                usage_lookup: true,
                project_keys: true,
                ..Caps::default()
            },
        )
        .with_repo("ACME", "api", None)
        .with_repo("ACME", "web", None);
        let mut key = None;
        for (repo, permission) in [("api", Permission::Write), ("web", Permission::Read)] {
            let place = Place::repository(ForgeKind::DataCenter, "ACME", repo);
            let new = NewAccessKey {
                key: KEY.into(),
                label: "ci".into(),
                permission,
                expiry_days: None,
            };
            key = Some(forge.add_key(&place, &new).await.unwrap());
        }
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::in_dir(dir.path());
        let ops = KeyOps {
            forge: &forge,
            journal: &journal,
            stop: None,
        };
        let lookup = ReplaceCommand::Lookup {
            req_id: 1,
            key: key.clone().unwrap(),
            label: "ci-v2".into(),
        };
        let WorkerMsg::ReplaceGrants(g) = crate::tui::worker::replace::execute(&ops, lookup).await
        else {
            panic!("not the grants")
        };
        assert!(g.failed.is_empty(), "{:?}", g.failed);
        let found = g.found;
        assert_eq!(found.len(), 1);
        let grants = found[0].grants.clone();
        assert_eq!(grants.len(), 2);
        assert_eq!(grants[0].1.permission, Permission::Write);
        assert_eq!(found[0].key.id, key.as_ref().unwrap().id);
        assert_eq!(found[0].label, "ci-v2");
        let run = ReplaceCommand::Run {
            req_id: 2,
            keys: found,
        };
        let WorkerMsg::OpDone { result, scopes, .. } =
            crate::tui::worker::replace::execute(&ops, run).await
        else {
            panic!("not done")
        };
        assert!(result.unwrap().contains("'ci-v2'"));
        assert_eq!(scopes.len(), 2);
        let api = forge.grants(&Place::repository(ForgeKind::DataCenter, "ACME", "api"));
        assert_eq!(
            (api[0].label.as_str(), api[0].permission),
            ("ci-v2", Permission::Write)
        );
    }

    #[test]
    fn e_on_cloud_still_asks_to_relabel_the_one_grant() {
        let place = Place::repository(ForgeKind::Cloud, "acme", "api");
        let (_, s) = submit(LabelForm {
            single: Some((place, grant(4, "ci"))),
            targets: Vec::new(),
            text: "ci-v2".into(),
        });
        assert!(
            matches!(s.dialog, Some(Dialog::Confirm(_))),
            "{:?}",
            s.dialog
        );
    }
}
