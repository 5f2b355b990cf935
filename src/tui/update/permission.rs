//! `p`: the focused key's permission, read to write or back, in place with one request behind
//! a confirmation (issue 17). Only forges with permission levels (Data Center) have it.

use crate::forge::{Permission, Place};
use crate::tui::state::State;
use crate::tui::state::dialog::{Confirm, Dialog};
use crate::tui::state::msg::Command;
use crate::tui::ui::keys::display_name;
use crate::tui::update::bulk_actions::{deploy_key, focused_key_in_pane, say};

/// What Cloud answers to `p`, as `bbkeys keys permission` does.
pub const NO_PERMISSION_LEVEL: &str = "Cloud keys have no permission level";

/// Asks to flip the focused key's permission; the request waits in the dialog for `y`.
pub fn ask(state: &mut State) {
    if !state.forge.caps.permissions {
        say(state, NO_PERMISSION_LEVEL, true);
        return;
    }
    let Some(key) = focused_key_in_pane(state) else {
        return;
    };
    let to = match key.permission {
        Permission::Read => Permission::Write,
        Permission::Write => Permission::Read,
    };
    let mut lines = vec![
        format!(
            "Change this key's permission from {} to {}?",
            key.permission.as_str(),
            to.as_str()
        ),
        String::new(),
        format!("{:<12}{}", "Label", display_name(&key)),
        format!("{:<12}{}", "Where", where_granted(&key.scope)),
        format!(
            "{:<12}{}",
            "Fingerprint",
            key.fingerprint().unwrap_or("(unreadable key)")
        ),
    ];
    match (&key.scope, to) {
        (Place::Project { project, .. }, _) => {
            lines.push(String::new());
            lines.push(format!(
                "This is a project grant: every repository of project {project} follows it."
            ));
        }
        (_, Permission::Write) => {
            lines.push(String::new());
            lines.push("With write access, anyone holding this key can push.".into());
        }
        _ => {}
    }
    let req_id = state.req();
    state.dialog = Some(Dialog::Confirm(Confirm {
        title: "Change permission".into(),
        lines,
        command: Command::ChangePermission {
            req_id,
            scope: key.scope.clone(),
            key: deploy_key(&key),
            permission: to,
        },
    }));
}

fn where_granted(scope: &Place) -> String {
    match scope {
        Place::Repository { owner, repo, .. } => format!("repository {owner}/{repo}"),
        Place::Project { project, .. } => format!("project {project}"),
    }
}
