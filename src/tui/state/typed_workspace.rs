//! What the screen asks of a workspace typed by hand: whether the workspaces pane offers it,
//! and whether a slug can be one. Shared by `update()` and the renderer.

use crate::tui::state::{Load, State};

/// Whether Enter on the workspaces pane offers to type a slug: the listing failed or found
/// nothing, or the list already holds typed slugs.
pub fn offered(state: &State) -> bool {
    match &state.workspaces {
        Load::Failed(_) => true,
        Load::Ready(list) => list.is_empty() || state.workspace_typed,
        Load::Idle | Load::Loading(_) => false,
    }
}

/// Why `slug` cannot be a workspace slug, if it cannot.
pub fn check_slug(slug: &str) -> Result<(), String> {
    if slug.is_empty() {
        Err("type the workspace slug, as in bitbucket.org/<slug>".into())
    } else if let Some(c) = slug
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
    {
        Err(format!(
            "a workspace slug has letters, digits, '-', '_' and '.' only, not {c:?}"
        ))
    } else {
        Ok(())
    }
}
