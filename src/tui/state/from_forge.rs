//! What the forge sent, turned into the views `State` holds: every string cleaned once, here,
//! and each key parsed for its facts. Used by the worker for live answers and cached scans,
//! and by `update()` for the keys bbkeys' own writes left.

use std::sync::Arc;

use crate::forge::{AccessKey, ForgeError, ForgeKind, Owner, Place, Project, Repository};
use crate::sanitize::{clean_line, clean_owned};
use crate::sshkey::PublicKey;
use crate::tui::state::{Escaped, KeyFacts, KeyView, ProjectGroup, RepoView, WorkspaceView};

pub(crate) fn project_group(
    kind: ForgeKind,
    ws: &str,
    p: Project,
    keys: Result<Vec<AccessKey>, ForgeError>,
) -> ProjectGroup {
    project_group_with(kind, ws, p, keys, key_view)
}

/// [`project_group`], converting each key with `convert` (a [`ParseMemo`] for a whole scan).
pub(crate) fn project_group_with(
    kind: ForgeKind,
    ws: &str,
    p: Project,
    keys: Result<Vec<AccessKey>, ForgeError>,
    mut convert: impl FnMut(AccessKey, Place) -> KeyView,
) -> ProjectGroup {
    let scope = Place::project(kind, ws.to_string(), p.key.clone());
    ProjectGroup {
        name: clean_line(p.name.as_deref().unwrap_or(&p.key)),
        keys: keys.map(|keys| {
            keys.into_iter()
                .map(|k| convert(k, scope.clone()))
                .collect()
        }),
        key: clean_line(&p.key),
    }
}

pub(crate) fn workspace_view(w: Owner) -> WorkspaceView {
    WorkspaceView {
        name: clean_line(&w.name),
        slug: clean_line(&w.slug),
    }
}

pub(crate) fn repo_view(r: Repository) -> RepoView {
    RepoView {
        name: clean_line(&r.name),
        slug: clean_line(&r.slug),
        project: r.project.map(|p| clean_line(&p)),
    }
}

pub(crate) fn repo_key_views(
    kind: ForgeKind,
    ws: &str,
    repo: &str,
    keys: impl IntoIterator<Item = AccessKey>,
) -> Vec<KeyView> {
    let scope = Place::repository(kind, ws.to_string(), repo.to_string());
    keys.into_iter()
        .map(|k| key_view(k, scope.clone()))
        .collect()
}

/// Converts a server key for display and parses it for its fingerprint (a key that does
/// not parse is still shown, without one).
pub fn key_view(k: AccessKey, scope: Place) -> KeyView {
    view_with(k, scope, |text| Arc::new(facts_of(clean_line(&text))))
}

/// A key with every field the server sent cleaned here, once, so nothing it sent can reach the
/// terminal as an escape sequence; `facts` turns the key text into its facts (and must clean
/// it). The strings are moved, not copied: clean text (nearly all) is kept as it came.
fn view_with(
    k: AccessKey,
    scope: Place,
    facts: impl FnOnce(crate::forge::KeyText) -> Arc<KeyFacts>,
) -> KeyView {
    let expires = crate::ops::expiry::expires_at(&k);
    let (label, raw_label) = shown(Some(k.label));
    let (comment, raw_comment) = shown(k.comment);
    let escaped = (raw_label.is_some() || raw_comment.is_some()).then(|| {
        Box::new(Escaped {
            label: raw_label,
            comment: raw_comment,
        })
    });
    KeyView {
        id: k.id,
        label,
        comment,
        permission: k.permission,
        expires,
        facts: facts(k.key),
        created: k.created.map(clean_owned),
        last_used: k.last_used.map(clean_owned),
        scope,
        escaped,
    }
}

/// A label or comment cleaned for display and, when it was deceptive, also escaped: the
/// cleaned text alone would pass for the clean label it imitates.
fn shown(text: Option<String>) -> (String, Option<String>) {
    match text {
        Some(t) if crate::sanitize::is_deceptive(&t) => (
            crate::sanitize::clean_cell(&t),
            Some(crate::sanitize::escape_visible(&t)),
        ),
        Some(t) => (clean_owned(t), None),
        None => (String::new(), None),
    }
}

/// Parses a (cleaned) key text. One that does not parse keeps the first word of its text as
/// its type, and no fingerprint.
fn facts_of(public_key: String) -> KeyFacts {
    match PublicKey::from_server(&public_key) {
        Ok(p) => KeyFacts {
            fingerprint: Some(p.fingerprint().to_string()),
            key_type: p.key_type().to_string(),
            short_type: p.short_type().to_string(),
            bits: Some(p.bits()),
            public_key,
        },
        Err(_) => {
            let first_word = public_key.split_whitespace().next().unwrap_or("unknown");
            KeyFacts {
                fingerprint: None,
                key_type: first_word.to_string(),
                // Upper case like `ssh-keygen -l` and `PublicKey::short_type`.
                short_type: first_word
                    .strip_prefix("ssh-")
                    .unwrap_or(first_word)
                    .to_uppercase(),
                bits: None,
                public_key,
            }
        }
    }
}

/// The facts of the key texts met while converting one scan. A deploy key usually sits on
/// many repositories: each distinct text is cleaned and parsed once (an ECDSA point check
/// costs about 0.1 ms) and its facts are shared by every copy. Keyed with a fast hash: each
/// text, hundreds of bytes, is hashed once per copy (issue 21's profile).
#[derive(Default)]
pub(crate) struct ParseMemo(rustc_hash::FxHashMap<crate::forge::KeyText, Arc<KeyFacts>>);

impl ParseMemo {
    /// [`key_view`], sharing the facts of texts already seen. Looked up by the text as the
    /// server sent it, so a copy seen before is not even cleaned again.
    pub(crate) fn key_view(&mut self, mut k: AccessKey, scope: Place) -> KeyView {
        let facts = match self.0.get(k.key.as_str()) {
            Some(facts) => facts.clone(),
            None => {
                let text = std::mem::take(&mut k.key);
                let facts = Arc::new(facts_of(clean_line(&text)));
                self.0.insert(text, facts.clone());
                facts
            }
        };
        view_with(k, scope, |_| facts)
    }
}
