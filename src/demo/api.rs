//! The `/2.0` operations themselves, after routing and authorisation: listings, and the
//! deploy-key create / read / update / delete with Bitbucket's answers and quirks
//! (`bitbucket-api.md` §1, §3, §4).

use axum::http::HeaderMap;
use serde_json::{Value, json};

use super::auth::{Identity, Principal};
use super::keys::{self, KeyProblem, SubmittedKey};
use super::render::{self, PageSpec, Query};
use super::reply::Reply;
use super::routes::Params;
use super::state::{Account, Key, Project, Repo, State, Workspace};
use crate::bitbucket::Operation;

/// What a handler needs to know about the request.
pub(crate) struct Call<'a> {
    pub path: &'a str,
    pub query: &'a Query,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
    /// `http://127.0.0.1:PORT`, for absolute links.
    pub origin: &'a str,
}

const INVALID_KEY: &str = "That access key is invalid.";
const ALREADY_ON_REPO: &str = "Someone has already added that access key to this repository.";
const ALREADY_ON_PROJECT: &str = "Someone has already added that access key to this project.";
const ON_ACCOUNT: &str = "Someone has already registered that SSH key.";
const IMMUTABLE: &str = "For security reasons, you can't modify the contents of an access key. To update, delete and re-add the key.";

/// Runs an authorised operation against the state.
pub(crate) fn handle(
    state: &mut State,
    who: &Principal,
    op: Operation,
    p: &Params,
    call: &Call<'_>,
) -> Reply {
    match run(state, who, op, p, call) {
        Ok(reply) | Err(reply) => reply,
    }
}

fn run(
    state: &mut State,
    who: &Principal,
    op: Operation,
    p: &Params,
    call: &Call<'_>,
) -> Result<Reply, Reply> {
    use Operation::*;
    let origin = call.origin;
    match op {
        CurrentUser => Ok(Reply::json(
            200,
            &render::user(origin, &account_of(state, who)),
        )),
        ListWorkspaces => list_workspaces(state, who, call),
        GetWorkspace => Ok(Reply::json(
            200,
            &render::workspace(origin, workspace(state, who, p)?),
        )),
        ListProjects => {
            let w = workspace(state, who, p)?;
            let projects: Vec<&Project> = w.projects.values().collect();
            page(call, projects.len(), |range| {
                projects[range]
                    .iter()
                    .map(|pr| render::project(origin, w, pr))
                    .collect()
            })
        }
        ListRepositories => list_repositories(state, who, p, call),
        GetRepository => {
            // Members may read a repository they do not administer.
            let w = workspace(state, who, p)?;
            let r = w.repos.get(&p.repo).ok_or_else(|| {
                Reply::not_found(&format!("Repository {}/{} not found", p.workspace, p.repo))
            })?;
            Ok(Reply::json(200, &render::repository(origin, w, r)))
        }
        ListRepoKeys => {
            let (w, r) = admin_repo(state, who, p)?;
            page(call, r.keys.len(), |range| {
                r.keys[range]
                    .iter()
                    .map(|k| render::repo_key(origin, w, r, k))
                    .collect()
            })
        }
        GetRepoKey => {
            let (w, r) = admin_repo(state, who, p)?;
            let k = find_key(&r.keys, p)?;
            Ok(Reply::json(200, &render::repo_key(origin, w, r, k)))
        }
        AddRepoKey => add_repo_key(state, who, p, call),
        UpdateRepoKey => update_repo_key(state, who, p, call),
        DeleteRepoKey => {
            let (_, r) = admin_repo(state, who, p)?;
            find_key(&r.keys, p)?;
            let id = p.key_id.unwrap_or_default();
            repo_mut(state, p)?.keys.retain(|k| k.id != id);
            Ok(Reply::empty(204))
        }
        ListProjectKeys => {
            let (w, pr) = admin_project(state, who, p)?;
            let creator = state.user.clone();
            page(call, pr.keys.len(), |range| {
                pr.keys[range]
                    .iter()
                    .map(|k| render::project_key(origin, w, pr, k, &creator))
                    .collect()
            })
        }
        GetProjectKey => {
            let (w, pr) = admin_project(state, who, p)?;
            let k = find_key(&pr.keys, p)?;
            Ok(Reply::json(
                200,
                &render::project_key(origin, w, pr, k, &state.user),
            ))
        }
        AddProjectKey => add_project_key(state, who, p, call),
        DeleteProjectKey => {
            let (_, pr) = admin_project(state, who, p)?;
            find_key(&pr.keys, p)?;
            let id = p.key_id.unwrap_or_default();
            project_mut(state, p)?.keys.retain(|k| k.id != id);
            Ok(Reply::empty(204))
        }
    }
}

fn list_workspaces(state: &State, who: &Principal, call: &Call<'_>) -> Result<Reply, Reply> {
    let origin = call.origin;
    let admin_filter = call.query.get("administrator").map(|v| v == "true");
    let visible: Vec<&Workspace> = state
        .workspaces
        .values()
        .filter(|w| who.sees_workspace(&w.slug))
        .filter(|w| admin_filter.is_none_or(|a| a == w.administrator && !who.is_access_token()))
        .collect();
    page(call, visible.len(), |range| {
        visible[range]
            .iter()
            .map(|w| render::workspace_access(origin, w))
            .collect()
    })
}

fn add_repo_key(
    state: &mut State,
    who: &Principal,
    p: &Params,
    call: &Call<'_>,
) -> Result<Reply, Reply> {
    admin_repo(state, who, p)?;
    store_new_key(state, p, call, repo_keys_mut, ALREADY_ON_REPO)?;
    let (w, r) = admin_repo(state, who, p)?;
    Ok(Reply::json(
        200,
        &render::repo_key(call.origin, w, r, newest(&r.keys)?),
    ))
}

fn update_repo_key(
    state: &mut State,
    who: &Principal,
    p: &Params,
    call: &Call<'_>,
) -> Result<Reply, Reply> {
    let origin = call.origin;
    let (_, r) = admin_repo(state, who, p)?;
    let current = find_key(&r.keys, p)?.material.clone();
    let body = read_body(call)?;
    let submitted = match body.get("key") {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) => {
            Some(keys::parse_line(text).map_err(|_| Reply::error(400, INVALID_KEY))?)
        }
        Some(_) => return Err(Reply::error(400, INVALID_KEY)),
    };
    if submitted
        .as_ref()
        .is_some_and(|s| s.material.blob != current.blob)
    {
        return Err(Reply::error(400, IMMUTABLE));
    }
    let label = match body.get("label") {
        None | Some(Value::Null) => None,
        Some(Value::String(l)) => Some(l.clone()),
        Some(_) => return Err(Reply::error(400, "label: expected a string")),
    };
    let id = p.key_id.unwrap_or_default();
    if let Some(k) = repo_mut(state, p)?.keys.iter_mut().find(|k| k.id == id) {
        if let Some(label) = label {
            k.label = label;
        }
        if let Some(comment) = submitted.and_then(|s| s.comment) {
            k.comment = Some(comment);
        }
    }
    let (w, r) = admin_repo(state, who, p)?;
    Ok(Reply::json(
        200,
        &render::repo_key(origin, w, r, find_key(&r.keys, p)?),
    ))
}

fn add_project_key(
    state: &mut State,
    who: &Principal,
    p: &Params,
    call: &Call<'_>,
) -> Result<Reply, Reply> {
    admin_project(state, who, p)?;
    store_new_key(state, p, call, project_keys_mut, ALREADY_ON_PROJECT)?;
    let (w, pr) = admin_project(state, who, p)?;
    Ok(Reply::json(
        200,
        &render::project_key(call.origin, w, pr, newest(&pr.keys)?, &state.user),
    ))
}

/// Reads the submitted key and appends it to the keys `keys_of` names (a repository's or a
/// project's), after the caller checked the right to; a key already there is refused with
/// `already`, as Bitbucket words it for that kind of place.
fn store_new_key(
    state: &mut State,
    p: &Params,
    call: &Call<'_>,
    keys_of: for<'s> fn(&'s mut State, &Params) -> Result<&'s mut Vec<Key>, Reply>,
    already: &str,
) -> Result<(), Reply> {
    let (submitted, label) = read_new_key(call)?;
    if keys_of(state, p)?
        .iter()
        .any(|k| k.material.blob == submitted.material.blob)
    {
        return Err(duplicate(already));
    }
    let key = new_key(state, submitted, label)?;
    keys_of(state, p)?.push(key);
    Ok(())
}

/// The key [`store_new_key`] just appended.
fn newest(keys: &[Key]) -> Result<&Key, Reply> {
    keys.last()
        .ok_or_else(|| Reply::error(500, "lost the new key"))
}

fn list_repositories(
    state: &State,
    who: &Principal,
    p: &Params,
    call: &Call<'_>,
) -> Result<Reply, Reply> {
    let w = workspace(state, who, p)?;
    let admin_only = match call.query.get("role") {
        None | Some("member") | Some("contributor") => false,
        Some("admin") => true,
        // Repositories belong to workspaces, never to the user personally.
        Some("owner") => return page(call, 0, |_| Vec::new()),
        Some(other) => return Err(Reply::error(400, &format!("Invalid role: {other}"))),
    };
    let mut repos: Vec<&Repo> = w
        .repos
        .values()
        .filter(|r| !admin_only || administers_repo(who, r))
        .collect();
    let sort = call.query.get("sort");
    let (descending, field) = match sort {
        Some(s) => s.strip_prefix('-').map_or((false, s), |f| (true, f)),
        // Without `sort` the service returns its own order; creation order here, which is
        // not slug order, so a client that forgets `sort=slug` notices.
        None => (false, "created_on"),
    };
    match field {
        "slug" => {} // BTreeMap order already
        "name" => repos.sort_by_key(|r| r.name.to_lowercase()),
        "created_on" => repos.sort_by(|a, b| a.created_on.cmp(&b.created_on)),
        "updated_on" => repos.sort_by(|a, b| a.updated_on.cmp(&b.updated_on)),
        other => return Err(Reply::error(400, &format!("Invalid field name: {other}"))),
    }
    if descending {
        repos.reverse();
    }
    page(call, repos.len(), |range| {
        repos[range]
            .iter()
            .map(|r| render::repository(call.origin, w, r))
            .collect()
    })
}

/// Renders one page of a listing of `total` items; `values` renders only the slice needed.
fn page(
    call: &Call<'_>,
    total: usize,
    values: impl FnOnce(std::ops::Range<usize>) -> Vec<Value>,
) -> Result<Reply, Reply> {
    let spec = PageSpec::from_query(call.query)?;
    let items = values(spec.range(total));
    Ok(Reply::json(
        200,
        &render::envelope(call.origin, call.path, call.query, spec, total, items),
    ))
}

fn account_of(state: &State, who: &Principal) -> Account {
    let other = |name: &str, nickname: &str, n: u64| Account {
        uuid: format!("{{0b5e7a1d-0000-4000-8000-00000000000{n}}}"),
        account_id: format!("712020:0b5e7a1d-0000-4000-8000-00000000000{n}"),
        display_name: name.to_string(),
        nickname: nickname.to_string(),
        created_on: state.user.created_on.clone(),
    };
    match who.identity {
        Identity::Demo => state.user.clone(),
        Identity::Readonly => other("Riley Readonly", "riley-readonly", 1),
        Identity::Nowrite => other("Noah Nowrite", "noah-nowrite", 2),
        Identity::AccessTokenBot => other("acme workspace access token", "acme-access-token", 3),
    }
}

/// Access tokens with `repository:admin` administer every repository of their workspace.
fn administers_repo(who: &Principal, r: &Repo) -> bool {
    who.is_access_token() || r.administrator
}

fn workspace<'s>(state: &'s State, who: &Principal, p: &Params) -> Result<&'s Workspace, Reply> {
    let w = state.workspaces.get(&p.workspace).ok_or_else(|| {
        Reply::not_found(&format!("No workspace with identifier '{}'.", p.workspace))
    })?;
    // An access token is bound to one workspace (§2).
    if !who.sees_workspace(&w.slug) {
        return Err(Reply::forbidden());
    }
    Ok(w)
}

fn admin_repo<'s>(
    state: &'s State,
    who: &Principal,
    p: &Params,
) -> Result<(&'s Workspace, &'s Repo), Reply> {
    let w = workspace(state, who, p)?;
    let r = w.repos.get(&p.repo).ok_or_else(|| {
        Reply::not_found(&format!("Repository {}/{} not found", p.workspace, p.repo))
    })?;
    // A repository the user can read but not administer: bare "Forbidden" (§4).
    if !administers_repo(who, r) {
        return Err(Reply::forbidden());
    }
    Ok((w, r))
}

fn admin_project<'s>(
    state: &'s State,
    who: &Principal,
    p: &Params,
) -> Result<(&'s Workspace, &'s Project), Reply> {
    let w = workspace(state, who, p)?;
    let pr = w.projects.get(&p.project).ok_or_else(|| {
        Reply::not_found(&format!(
            "Project {} not found in workspace {}",
            p.project, p.workspace
        ))
    })?;
    if !(who.is_access_token() || w.administrator || pr.administrator) {
        return Err(Reply::forbidden());
    }
    Ok((w, pr))
}

fn find_key<'k>(keys: &'k [Key], p: &Params) -> Result<&'k Key, Reply> {
    let id = p.key_id.unwrap_or_default();
    keys.iter()
        .find(|k| k.id == id)
        .ok_or_else(|| Reply::error(404, "Not found"))
}

/// Mutable access after `admin_repo` succeeded under the same lock; a miss is still a 404
/// rather than a panic.
fn repo_mut<'s>(state: &'s mut State, p: &Params) -> Result<&'s mut Repo, Reply> {
    state
        .workspaces
        .get_mut(&p.workspace)
        .and_then(|w| w.repos.get_mut(&p.repo))
        .ok_or_else(|| Reply::error(404, "Not found"))
}

fn project_mut<'s>(state: &'s mut State, p: &Params) -> Result<&'s mut Project, Reply> {
    state
        .workspaces
        .get_mut(&p.workspace)
        .and_then(|w| w.projects.get_mut(&p.project))
        .ok_or_else(|| Reply::error(404, "Not found"))
}

fn repo_keys_mut<'s>(state: &'s mut State, p: &Params) -> Result<&'s mut Vec<Key>, Reply> {
    repo_mut(state, p).map(|r| &mut r.keys)
}

fn project_keys_mut<'s>(state: &'s mut State, p: &Params) -> Result<&'s mut Vec<Key>, Reply> {
    project_mut(state, p).map(|pr| &mut pr.keys)
}

/// The POST/PUT body: JSON only with `Content-Type: application/json`. Without the header
/// Bitbucket answers "That access key is invalid." (§4), which has misled real users.
fn read_body(call: &Call<'_>) -> Result<serde_json::Map<String, Value>, Reply> {
    let is_json = call
        .headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if !is_json {
        return Err(Reply::error(400, INVALID_KEY));
    }
    match serde_json::from_slice::<Value>(call.body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(Reply::error(400, INVALID_KEY)),
    }
}

fn read_new_key(call: &Call<'_>) -> Result<(SubmittedKey, String), Reply> {
    let body = read_body(call)?;
    let Some(Value::String(text)) = body.get("key") else {
        return Err(Reply::error(400, INVALID_KEY));
    };
    let submitted = keys::parse_line(text).map_err(|_| Reply::error(400, INVALID_KEY))?;
    keys::check_policy(&submitted.material).map_err(|problem| match problem {
        KeyProblem::Malformed | KeyProblem::TooWeak => Reply::error(400, INVALID_KEY),
    })?;
    let label = match body.get("label") {
        Some(Value::String(l)) => l.clone(),
        None | Some(Value::Null) => String::new(),
        Some(_) => return Err(Reply::error(400, "label: expected a string")),
    };
    Ok((submitted, label))
}

/// Field errors come as `message: "Bad request"` with the sentence in `fields.key` (§4).
fn duplicate(sentence: &str) -> Reply {
    Reply::error_object(
        400,
        json!({ "message": "Bad request", "fields": { "key": [sentence] } }),
    )
}

fn new_key(state: &mut State, submitted: SubmittedKey, label: String) -> Result<Key, Reply> {
    if state.is_account_key(&submitted.material) {
        return Err(Reply::error(400, ON_ACCOUNT));
    }
    Ok(Key {
        id: state.alloc_id(),
        material: std::sync::Arc::new(submitted.material),
        comment: submitted.comment,
        label,
        created_on: state.tick(),
        last_used: None,
    })
}
