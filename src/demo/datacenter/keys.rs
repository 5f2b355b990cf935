//! The `keys/1.0` endpoints of §1, with the semantics of §4: one key entity shared by its
//! grants, 409 for a duplicate or a personal key, the permission updated on a re-add, DELETE
//! answering 204 whether or not anything matched, and usage lookups filtered to the projects
//! the user administers.

use serde_json::Value;

use super::super::reply::Reply;
use super::UsageForm;
use super::call::{Call, no_such_key};
use super::render::{self, bad_request, not_permitted};
use super::state::{DcState, Grant, KeyEntity, Scope, User, blob_of};
use crate::sshkey::PublicKey;

/// Dispatches the segments after `/keys/1.0/`.
pub(crate) fn handle(st: &mut DcState, method: &str, segs: &[&str], call: &Call<'_>) -> Reply {
    let Some(user) = call.user.clone() else {
        return not_permitted();
    };
    match (method, segs) {
        ("GET", ["ssh", id, "repos"]) => usage(st, &user, id, true, call),
        ("GET", ["ssh", id, "projects"]) => usage(st, &user, id, false, call),
        ("DELETE", ["ssh", id]) => super::bulk::revoke(st, &user, id, call.body),
        (_, ["projects", p, "repos", r, tail @ ..]) => scoped(
            st,
            &user,
            method,
            Scope::Repo((*p).into(), (*r).into()),
            tail,
            call,
        ),
        (_, ["projects", p, tail @ ..]) => {
            scoped(st, &user, method, Scope::Project((*p).into()), tail, call)
        }
        _ => render::error(
            404,
            "No such key endpoint",
            "com.atlassian.bitbucket.NoSuchResourceException",
        ),
    }
}

fn scoped(
    st: &mut DcState,
    user: &User,
    method: &str,
    scope: Scope,
    tail: &[&str],
    call: &Call<'_>,
) -> Reply {
    if !st.scope_exists(&scope) {
        return render::no_such_scope(&scope);
    }
    if !st.may_manage(user, &scope) {
        return not_permitted();
    }
    match (method, tail) {
        ("GET", ["ssh"]) => list(st, &scope, call),
        ("POST", ["ssh"]) => add(st, &scope, call),
        ("GET", ["ssh", id]) => match id
            .parse::<u64>()
            .ok()
            .and_then(|id| st.grant_at(id, &scope))
        {
            Some(g) => Reply::json(200, &render::grant(st, g, call.created, None)),
            None => not_granted(id),
        },
        ("DELETE", ["ssh", id]) => {
            // 204 "or none was found matching" (§1).
            if let Ok(id) = id.parse::<u64>() {
                st.revoke(id, &scope);
            }
            Reply::empty(204)
        }
        ("PUT", ["ssh", id, "permission", perm]) => set_permission(st, &scope, id, perm, call),
        _ => render::error(
            405,
            &format!("{method} is not allowed here"),
            "com.atlassian.bitbucket.MethodNotAllowedException",
        ),
    }
}

fn not_granted(id: &str) -> Reply {
    render::error(
        404,
        &format!(
            "The SSH key with id {id} does not exist or the key does not have access to this resource."
        ),
        "com.atlassian.bitbucket.ssh.NoSuchSshKeyException",
    )
}

/// Whether `permission` is one a grant at `scope` may have (§1); `REPO_ADMIN` is not (§3).
fn fits(scope: &Scope, permission: &str) -> bool {
    match scope {
        Scope::Repo(..) => matches!(permission, "REPO_READ" | "REPO_WRITE"),
        Scope::Project(_) => matches!(permission, "PROJECT_READ" | "PROJECT_WRITE"),
    }
}

fn rank(permission: &str) -> u8 {
    u8::from(permission.ends_with("_WRITE"))
}

/// `GET .../ssh?filter=&effective=&minimumPermission=`.
fn list(st: &DcState, scope: &Scope, call: &Call<'_>) -> Reply {
    let q = call.query;
    let filter = q.get("filter").unwrap_or_default().to_lowercase();
    let effective = q.get("effective") == Some("true") && matches!(scope, Scope::Repo(..));
    let minimum = q.get("minimumPermission").map(rank).unwrap_or(0);
    let project_scope = Scope::Project(scope.project().into());
    let mut grants: Vec<&Grant> = st
        .grants
        .iter()
        .filter(|g| g.scope == *scope || (effective && g.scope == project_scope))
        .filter(|g| rank(&g.permission) >= minimum)
        .filter(|g| {
            st.keys
                .get(&g.key_id)
                .is_some_and(|k| k.label.to_lowercase().starts_with(&filter))
        })
        .collect();
    grants.sort_by(|a, b| (a.key_id, &a.scope).cmp(&(b.key_id, &b.scope)));
    call.page(
        grants
            .into_iter()
            .map(|g| render::grant(st, g, call.created, None))
            .collect(),
    )
}

/// What a POST body holds, read by hand so every missing value gets the same 400.
struct NewKey {
    text: String,
    label: String,
    expiry_days: Option<u32>,
    permission: String,
}

fn read_new_key(body: &[u8], scope: &Scope) -> Result<NewKey, Reply> {
    let v: Value = serde_json::from_slice(body)
        .map_err(|_| bad_request("The request body is not valid JSON."))?;
    let text = v["key"]["text"]
        .as_str()
        .unwrap_or_default()
        .trim()
        .to_string();
    if PublicKey::parse(&text).is_err() {
        return Err(bad_request(
            "The SSH key is invalid, of a disallowed type or too short.",
        ));
    }
    let permission = v["permission"].as_str().unwrap_or_default().to_string();
    if !fits(scope, &permission) {
        return Err(bad_request(&format!(
            "{permission:?} is not a valid permission for this access key."
        )));
    }
    let expiry_days = match &v["key"]["expiryDays"] {
        Value::Null => None,
        n => match n
            .as_u64()
            .and_then(|d| u32::try_from(d).ok())
            .filter(|d| *d >= 1)
        {
            Some(d) => Some(d),
            None => {
                return Err(bad_request(
                    "expiryDays must be a whole number of days, at least 1.",
                ));
            }
        },
    };
    let label = v["key"]["label"].as_str().unwrap_or_default().to_string();
    Ok(NewKey {
        text,
        label,
        expiry_days,
        permission,
    })
}

/// `POST .../ssh` (§4's table of cases).
fn add(st: &mut DcState, scope: &Scope, call: &Call<'_>) -> Reply {
    let new = match read_new_key(call.body, scope) {
        Ok(n) => n,
        Err(refusal) => return refusal,
    };
    let blob = blob_of(&new.text).to_string();
    if let Some(owner) = st.users.iter().find(|u| u.personal_keys.contains(&blob)) {
        return render::error(
            409,
            &format!("This SSH key is already assigned to '{}'.", owner.name),
            "com.atlassian.stash.ssh.api.SshKeyAlreadyInUseException",
        );
    }
    let existing = st.keys.values().find(|k| k.blob() == blob).map(|k| k.id);
    let id = match existing {
        Some(id) => id,
        None => {
            let id = st.next_key_id;
            st.next_key_id += 1;
            let key = KeyEntity {
                id,
                text: new.text.clone(),
                label: new.label.clone(),
                created_ms: Some(st.now_ms),
                expiry_days: new.expiry_days,
                last_auth_ms: None,
            };
            st.keys.insert(id, key);
            id
        }
    };
    // The label of a known key stays as it is: it is global (§4, UNVERIFIED which wins).
    match st
        .grants
        .iter_mut()
        .find(|g| g.key_id == id && g.scope == *scope)
    {
        Some(g) if g.permission == new.permission => {
            let what = if matches!(scope, Scope::Repo(..)) {
                "repository"
            } else {
                "project"
            };
            return render::error(
                409,
                &format!("SSH key already provides access to this {what}"),
                "com.atlassian.bitbucket.ssh.DuplicateSshKeyException",
            );
        }
        // "the permission will simply be updated" (§4).
        Some(g) => g.permission = new.permission,
        None => st.grants.push(Grant {
            key_id: id,
            scope: scope.clone(),
            permission: new.permission,
        }),
    }
    match st.grant_at(id, scope) {
        Some(g) => Reply::json(201, &render::grant(st, g, call.created, None)),
        None => Reply::empty(500),
    }
}

/// `PUT .../ssh/{id}/permission/{PERM}`: one grant only.
fn set_permission(st: &mut DcState, scope: &Scope, id: &str, perm: &str, call: &Call<'_>) -> Reply {
    if !fits(scope, perm) {
        return bad_request(&format!(
            "{perm} is not a valid permission for this access key."
        ));
    }
    let Some(key_id) = id.parse::<u64>().ok() else {
        return not_granted(id);
    };
    let Some(g) = st
        .grants
        .iter_mut()
        .find(|g| g.key_id == key_id && g.scope == *scope)
    else {
        return not_granted(id);
    };
    g.permission = perm.to_string();
    match st.grant_at(key_id, scope) {
        Some(g) => Reply::json(200, &render::grant(st, g, call.created, None)),
        None => Reply::empty(500),
    }
}

/// `GET /keys/1.0/ssh/{id}/repos|projects`: only grants in projects the user administers
/// (§4: "If the current user is not an admin of any of the projects ... none are returned").
fn usage(st: &DcState, user: &User, id: &str, repos: bool, call: &Call<'_>) -> Reply {
    let Some(key_id) = id.parse::<u64>().ok().filter(|k| st.keys.contains_key(k)) else {
        return no_such_key(id);
    };
    let with_restrictions = repos && call.query.get("withRestrictions") == Some("true");
    let items: Vec<Value> = st
        .grants
        .iter()
        .filter(|g| g.key_id == key_id && matches!(g.scope, Scope::Repo(..)) == repos)
        .filter(|g| st.is_project_admin(user, g.scope.project()))
        .map(|g| {
            // readOnly: a restriction applies and the user lacks PROJECT_ADMIN, which the
            // filter above already excludes; kept so the field is there as on 10.2.
            let read_only = with_restrictions.then_some(false);
            render::grant(st, g, call.created, read_only)
        })
        .collect();
    match call.usage {
        UsageForm::Page => call.page(items),
        UsageForm::BareArray => Reply::json(200, &Value::Array(items)),
    }
}
