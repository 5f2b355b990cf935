//! `e` where a label belongs to the key rather than to one grant (Bitbucket Data Center): no
//! REST call changes it, and deleting and re-adding at one place would keep the old label
//! (the key lives on at its other grants) while the place briefly loses the key. So `e` says
//! so and offers the journaled replace-everywhere: the worker looks up every grant, the
//! dialog lists them with their permission and expiry, and the number of grants typed back
//! sends it. A selection is not relabelled this way; `e` names the CLI command for it.

use crate::forge::{AccessKey, ForgeKind, Place};
use crate::sanitize::clean_line;
use crate::tui::line_edit;
use crate::tui::state::State;
use crate::tui::state::dialog::Dialog;
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

/// The grants arrived: the typed confirmation listing them.
pub(crate) fn grants(state: &mut State, g: ReplaceGrants) {
    match g.result {
        Err(f) => say(state, f.sentence, true),
        Ok(list) if list.is_empty() => say(
            state,
            "The key is granted nowhere this credential may see; nothing changed",
            true,
        ),
        Ok(list) => {
            state.dialog = Some(Dialog::Replace(ReplaceDialog {
                key: g.key,
                grants: list,
                label: g.label,
                typed: String::new(),
            }));
        }
    }
}

/// One key in the typed confirmation.
pub(crate) fn input(
    state: &mut State,
    mut d: ReplaceDialog,
    t: TextInput,
    out: &mut Vec<Command>,
) -> Option<Dialog> {
    match t {
        TextInput::Abort => {
            say(state, "Nothing changed", false);
            None
        }
        TextInput::Submit if d.typed.trim() == d.expected() => {
            let req_id = state.req();
            out.push(Command::Replace(ReplaceCommand::Run {
                req_id,
                key: d.key,
                grants: d.grants,
                label: d.label,
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
        t => {
            line_edit::edit(&mut d.typed, &mut state.caret, &t);
            Some(Dialog::Replace(d))
        }
    }
}

/// The dialog's lines: what happens, every grant, the costs.
pub(crate) fn lines(d: &ReplaceDialog) -> Vec<String> {
    let mut lines = vec![
        format!(
            "On Bitbucket Data Center a label belongs to the key and is shared by every grant, and no REST call changes it. To label it '{}', the key is revoked at each of its {} grant(s), then added again with the same permission and expiry (journaled):",
            clean_line(&d.label),
            d.grants.len()
        ),
        String::new(),
    ];
    for (place, g) in &d.grants {
        lines.push(format!(
            "  {}  {}  {}",
            clean_line(&place.to_string()),
            g.permission.as_str(),
            g.expiry_days.map_or_else(
                || "no expiry".into(),
                |n| format!("{n} days from the re-add")
            )
        ));
    }
    lines.push(String::new());
    lines.push("Meanwhile these places do not accept the key; each expiry starts again, the last-used date is lost and the id may change. A grant this credential cannot see keeps the old label.".into());
    lines.push(String::new());
    lines.push(format!(
        "Type {} and Enter to go ahead: {}",
        d.expected(),
        d.typed
    ));
    lines
}

/// Whether a label at `scope` belongs to the key and is shared by all its grants.
pub(crate) fn label_is_per_key(scope: &Place) -> bool {
    scope.forge() == ForgeKind::DataCenter
}

/// What `e` says instead of relabelling one grant of the key `fingerprint` at `scope` to
/// `label`.
pub(crate) fn per_key_sentence(scope: &Place, fingerprint: &str, label: &str) -> String {
    clean_line(&format!(
        "On Bitbucket Data Center a label belongs to the key and is shared by every grant; no REST call changes it. Nothing changed. To revoke the key at every grant and re-add it with the new label and the same permissions (journaled), run: bbkeys keys relabel --fingerprint {fingerprint} -w {} --label '{label}'. It lists every grant and asks for a typed confirmation.",
        scope.owner()
    ))
}

#[cfg(test)]
mod tests {
    use super::lines;
    use crate::forge::{AccessKey, ForgeKind, Permission, Place};
    use crate::ops::keyops::Grant;
    use crate::tui::keymap::Keymap;
    use crate::tui::state::State;
    use crate::tui::state::dialog::{Dialog, LabelForm};
    use crate::tui::state::replace::{ReplaceCommand, ReplaceGrants};
    use crate::tui::theme::Theme;
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
                key,
                label: label.clone(),
                result: Ok(grants.clone()),
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
            matches!(cmds.as_slice(), [Command::Replace(ReplaceCommand::Run { grants: g, label: l, .. })] if *g == grants && l == "ci-v2"),
            "{cmds:?}"
        );
        assert!(s.dialog.is_none());
    }

    #[test]
    fn a_selection_on_data_center_names_the_cli_command_and_sends_nothing() {
        let (cmds, s) = submit(LabelForm {
            single: None,
            targets: vec![(
                Place::repository(ForgeKind::DataCenter, "ACME", "web"),
                "SHA256:x".into(),
            )],
            text: "ci-v2".into(),
        });
        assert!(!writes(&cmds), "{cmds:?}");
        let text = s.message.unwrap().0;
        assert!(text.contains("a label belongs to the key"), "{text}");
        assert!(
            text.contains("keys relabel --fingerprint SHA256:x -w ACME --label 'ci-v2'"),
            "{text}"
        );
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
        let grants = g.result.unwrap();
        assert_eq!(grants.len(), 2);
        assert_eq!(grants[0].1.permission, Permission::Write);
        let run = ReplaceCommand::Run {
            req_id: 2,
            key: key.unwrap(),
            grants,
            label: "ci-v2".into(),
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
