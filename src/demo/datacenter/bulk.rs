//! `DELETE /keys/1.0/ssh/{id}` with a body naming targets (§1, §3). The spec gives single
//! objects, bbkeys sends arrays: both are accepted. 404 when the key or a target is missing,
//! 401 when the user does not administer every target, else 204 (also when nothing matched).

use serde_json::Value;

use super::super::reply::Reply;
use super::call::no_such_key;
use super::render::{self, not_permitted};
use super::state::{DcState, Scope, User};

/// The items of `v[field]`: an array, a single object, or nothing.
fn items(v: &Value, field: &str) -> Vec<Value> {
    match &v[field] {
        Value::Array(a) => a.clone(),
        Value::Object(_) => vec![v[field].clone()],
        _ => Vec::new(),
    }
}

fn targets(body: &[u8]) -> Result<Vec<Scope>, Reply> {
    let v: Value = if body.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(body)
            .map_err(|_| render::bad_request("The request body is not valid JSON."))?
    };
    let mut out = Vec::new();
    for p in items(&v, "projects") {
        match p["key"].as_str() {
            Some(k) => out.push(Scope::Project(k.to_string())),
            None => return Err(render::bad_request("A project needs its key.")),
        }
    }
    for r in items(&v, "repositories") {
        match (r["project"]["key"].as_str(), r["slug"].as_str()) {
            (Some(p), Some(s)) => out.push(Scope::Repo(p.to_string(), s.to_string())),
            _ => {
                return Err(render::bad_request(
                    "A repository needs its slug and project key.",
                ));
            }
        }
    }
    Ok(out)
}

pub(crate) fn revoke(st: &mut DcState, user: &User, id: &str, body: &[u8]) -> Reply {
    let Some(key_id) = id.parse::<u64>().ok().filter(|k| st.keys.contains_key(k)) else {
        return no_such_key(id);
    };
    let scopes = match targets(body) {
        Ok(s) => s,
        Err(refusal) => return refusal,
    };
    if let Some(missing) = scopes.iter().find(|s| !st.scope_exists(s)) {
        return render::no_such_scope(missing);
    }
    if scopes.iter().any(|s| !st.may_manage(user, s)) {
        return not_permitted();
    }
    for scope in &scopes {
        st.revoke(key_id, scope);
    }
    Reply::empty(204)
}
