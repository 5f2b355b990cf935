//! `e` where a label belongs to the key rather than to one grant (Bitbucket Data Center): no
//! REST call changes it, and deleting and re-adding at one place would keep the old label
//! (the key lives on at its other grants) while the place briefly loses the key. So `e` says
//! so and points to the journaled replace-everywhere of `bbkeys keys relabel`, which lists
//! every grant and asks for a typed confirmation.

use crate::forge::{ForgeKind, Place};
use crate::sanitize::clean_line;

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
    use crate::forge::{AccessKey, ForgeKind, Place};
    use crate::tui::keymap::Keymap;
    use crate::tui::state::State;
    use crate::tui::state::dialog::{Dialog, LabelForm};
    use crate::tui::theme::Theme;
    use crate::tui::update::{Command, Msg, TextInput, update};

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
    fn e_on_data_center_says_the_label_belongs_to_the_key_and_sends_nothing() {
        let place = Place::repository(ForgeKind::DataCenter, "ACME", "api");
        let (cmds, s) = submit(LabelForm {
            single: Some((place, grant(4, "ci"))),
            targets: Vec::new(),
            text: "ci-v2".into(),
        });
        assert!(!writes(&cmds), "{cmds:?}");
        assert!(s.dialog.is_none(), "{:?}", s.dialog);
        let (text, error) = s.message.clone().unwrap();
        assert!(!error);
        assert!(text.contains("a label belongs to the key"), "{text}");
        assert!(text.contains("Nothing changed"), "{text}");
        assert!(
            text.contains("keys relabel --fingerprint SHA256:")
                && text.contains("-w ACME --label 'ci-v2'"),
            "{text}"
        );
        // A selection on Data Center is not planned as per-place relabels either.
        let (cmds, s) = submit(LabelForm {
            single: None,
            targets: vec![(
                Place::repository(ForgeKind::DataCenter, "ACME", "web"),
                "SHA256:x".into(),
            )],
            text: "ci-v2".into(),
        });
        assert!(!writes(&cmds), "{cmds:?}");
        assert!(s.message.unwrap().0.contains("a label belongs to the key"));
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
