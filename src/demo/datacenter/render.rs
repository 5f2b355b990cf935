//! JSON of the simulated Data Center: grants (`RestSshAccessKey`), projects, repositories,
//! pages and the error envelope (`bitbucket-datacenter-api.md` §3, §5).

use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::super::render::Query;
use super::super::reply::Reply;
use super::CreatedDateForm;
use super::state::{DcState, Grant, KeyEntity, Project, Repo, Scope};
use crate::sshkey::PublicKey;

/// The error envelope of §5.
pub(crate) fn error(status: u16, message: &str, exception: &str) -> Reply {
    Reply::json(
        status,
        &json!({ "errors": [{ "context": null, "message": message, "exceptionName": exception }] }),
    )
}

/// 401 for a signed-in user without the permission (§5: 401, not 403).
pub(crate) fn not_permitted() -> Reply {
    error(
        401,
        "You are not permitted to access this resource",
        "com.atlassian.bitbucket.AuthorisationException",
    )
}

/// 404 for a scope that does not exist.
pub(crate) fn no_such_scope(scope: &Scope) -> Reply {
    match scope {
        Scope::Project(p) => error(
            404,
            &format!("Project {p} does not exist."),
            "com.atlassian.bitbucket.project.NoSuchProjectException",
        ),
        Scope::Repo(p, r) => error(
            404,
            &format!("Repository {}/{r} does not exist.", p.to_lowercase()),
            "com.atlassian.bitbucket.repository.NoSuchRepositoryException",
        ),
    }
}

/// 400 "invalid or missing values" (§5: wording UNVERIFIED).
pub(crate) fn bad_request(message: &str) -> Reply {
    error(
        400,
        message,
        "com.atlassian.bitbucket.validation.ArgumentValidationException",
    )
}

pub(crate) fn project(p: &Project) -> Value {
    json!({ "key": p.key, "id": p.id, "name": p.name, "type": "NORMAL", "public": false })
}

pub(crate) fn repository(p: &Project, r: &Repo) -> Value {
    json!({
        "slug": r.slug, "id": r.id, "name": r.name, "project": project(p),
        "archived": r.archived, "state": "AVAILABLE", "public": false, "scmId": "git",
    })
}

fn created(ms: i64, form: CreatedDateForm) -> Value {
    match form {
        CreatedDateForm::EpochMillis => json!(ms),
        CreatedDateForm::DateTime => OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
            .ok()
            .and_then(|t| t.format(&Rfc3339).ok())
            .map_or(Value::Null, Value::String),
    }
}

/// The key entity: fingerprint without `SHA256:`, `lastAuthenticated` as an epoch string,
/// `createdDate` in the configured form and absent on a pre-8.7 key (§3).
fn key(k: &KeyEntity, form: CreatedDateForm) -> Value {
    let parsed = PublicKey::from_server(&k.text).ok();
    let mut v = json!({ "id": k.id, "text": k.text, "label": k.label });
    if let Some(pk) = parsed {
        v["algorithmType"] = json!(pk.short_type());
        v["bitLength"] = json!(pk.bits());
        v["fingerprint"] = json!(pk.fingerprint().as_str().trim_start_matches("SHA256:"));
        if pk.short_type() == "RSA" && pk.bits() < 2048 {
            v["warning"] = json!("RSA_UNSAFE_MODULUS");
        }
    }
    if let Some(ms) = k.created_ms {
        v["createdDate"] = created(ms, form);
    }
    if let Some(days) = k.expiry_days {
        v["expiryDays"] = json!(days);
    }
    if let Some(ms) = k.last_auth_ms {
        v["lastAuthenticated"] = json!(ms.to_string());
    }
    v
}

/// One `RestSshAccessKey`; `read_only` only with `withRestrictions=true`.
pub(crate) fn grant(
    st: &DcState,
    g: &Grant,
    form: CreatedDateForm,
    read_only: Option<bool>,
) -> Value {
    let Some(k) = st.keys.get(&g.key_id) else {
        return Value::Null;
    };
    let mut v = json!({ "key": key(k, form), "permission": g.permission });
    match &g.scope {
        Scope::Project(p) => {
            if let Some(p) = st.projects.get(p) {
                v["project"] = project(p);
            }
        }
        Scope::Repo(p, r) => {
            if let Some((p, r)) = st.projects.get(p).and_then(|p| Some((p, p.repos.get(r)?))) {
                v["repository"] = repository(p, r);
            }
        }
    }
    if let Some(ro) = read_only {
        v["readOnly"] = json!(ro);
    }
    v
}

/// A page of `items` for `start`/`limit` (default 25, at most `max_limit`, §3). The last page
/// has no `nextPageStart`.
pub(crate) fn page(items: Vec<Value>, q: &Query, max_limit: u32) -> Result<Value, Reply> {
    let number = |name: &str, default: u64| match q.get(name) {
        None | Some("") => Ok(default),
        Some(v) => v
            .parse::<u64>()
            .map_err(|_| bad_request(&format!("{name} must be a number"))),
    };
    let start = number("start", 0)?;
    let asked = number("limit", 25)?;
    let limit = if asked == 0 {
        25
    } else {
        asked.min(u64::from(max_limit.max(1)))
    };
    let total = items.len() as u64;
    let values: Vec<Value> = items
        .into_iter()
        .skip(usize::try_from(start).unwrap_or(usize::MAX))
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .collect();
    let last = start.saturating_add(limit) >= total;
    let mut v = json!({
        "size": values.len(), "limit": limit, "isLastPage": last, "start": start, "values": values,
    });
    if !last {
        v["nextPageStart"] = json!(start + limit);
    }
    Ok(v)
}
