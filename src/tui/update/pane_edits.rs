//! One edit of bbkeys' own writes, applied to the keys the panes hold. Shared by the answers
//! to writes and by a cached scan that arrives after them. Pure.

use crate::forge::Place;
use crate::ops::edits::KeyEdit;

use crate::tui::state::from_forge::key_view;
use crate::tui::state::{Load, State};

/// Applies `edit` to the loaded keys of its place; a place not loaded is left to load later.
pub fn apply(state: &mut State, edit: &KeyEdit) {
    state.key_rows_cache.touch();
    let scope = edit.scope().clone();
    let convert = |k: &crate::forge::AccessKey| key_view(k.clone(), scope.clone());
    match edit.scope() {
        Place::Repository {
            owner: workspace,
            repo,
            ..
        } => {
            if let Some(Load::Ready(list)) = state.keys.get_mut(&(workspace.clone(), repo.clone()))
            {
                edit.apply_to(list, |k| k.id, convert);
            }
        }
        Place::Project {
            owner: workspace,
            project,
            ..
        } => {
            let Some(Load::Ready(groups)) = state.project_keys.get_mut(workspace) else {
                return;
            };
            let Some(group) = groups.iter_mut().find(|g| &g.key == project) else {
                return;
            };
            match (&mut group.keys, edit) {
                (Ok(list), _) => edit.apply_to(list, |k| k.id, convert),
                (Err(_), KeyEdit::Listed { keys, .. }) => {
                    group.keys = Ok(keys.iter().map(convert).collect());
                }
                (Err(_), _) => {}
            }
        }
    }
}
