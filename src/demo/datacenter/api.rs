//! Routing under `/rest`, and the `api/1.0` and `ssh/1.0` endpoints of §1 (server version,
//! settings, projects, repositories). The key endpoints are in `keys.rs`.

use serde_json::json;

use super::super::reply::Reply;
use super::call::Call;
use super::keys;
use super::render::{self, bad_request, not_permitted};
use super::state::{DcState, Scope};

/// Dispatches `method` on the path segments after `/rest/`.
pub(crate) fn handle(st: &mut DcState, method: &str, segs: &[&str], call: &Call<'_>) -> Reply {
    match (method, segs) {
        ("GET", ["api", "1.0", "application-properties"]) => Reply::json(
            200,
            &json!({ "version": "10.2.1", "buildNumber": "10002001", "buildDate": "1733000000000", "displayName": "Bitbucket" }),
        ),
        ("GET", ["ssh", "1.0", "settings"]) => match &call.user {
            None => not_permitted(),
            Some(_) => Reply::json(
                200,
                &json!({
                    "enabled": true, "accessKeysEnabled": true, "baseUrl": "ssh://git@127.0.0.1:7999",
                    "port": 7999, "fingerprint": { "algorithm": "SHA256", "value": "bbkeysDemoHostKeyFingerprint" },
                }),
            ),
        },
        ("GET", ["api", "1.0", "projects"]) => projects(st, call),
        ("GET", ["api", "1.0", "projects", p, "repos"]) => project_repos(st, p, call),
        ("GET", ["api", "1.0", "repos"]) => repos(st, call),
        (_, ["keys", version, rest @ ..]) if matches!(*version, "1.0" | "latest") => {
            keys::handle(st, method, rest, call)
        }
        _ => render::error(
            404,
            &format!("No endpoint {method} /rest/{}", segs.join("/")),
            "com.atlassian.bitbucket.NoSuchResourceException",
        ),
    }
}

/// `GET /api/1.0/projects[?permission=P]`: the projects the user can view, or those where
/// the user holds `permission`; anonymous gets an empty page.
fn projects(st: &DcState, call: &Call<'_>) -> Reply {
    let permission = call.query.get("permission");
    if let Some(p) = permission
        && !matches!(p, "PROJECT_READ" | "PROJECT_WRITE" | "PROJECT_ADMIN")
    {
        return bad_request(&format!("{p} is not a project permission"));
    }
    let Some(user) = &call.user else {
        return call.page(Vec::new());
    };
    let items = st
        .projects
        .values()
        .filter(|p| match permission {
            Some("PROJECT_ADMIN") | Some("PROJECT_WRITE") => st.is_project_admin(user, &p.key),
            _ => st.may_view_project(user, &p.key),
        })
        .map(render::project)
        .collect();
    call.page(items)
}

/// `GET /api/1.0/projects/{P}/repos`: 404 for no such project, 401 when the user sees none
/// of it; otherwise the repositories the user may view.
fn project_repos(st: &DcState, p: &str, call: &Call<'_>) -> Reply {
    let Some(project) = st.projects.get(p) else {
        return render::no_such_scope(&Scope::Project(p.into()));
    };
    let Some(user) = &call.user else {
        return not_permitted();
    };
    if !st.may_view_project(user, p) {
        return not_permitted();
    }
    let items = project
        .repos
        .values()
        .filter(|r| st.may_view_repo(user, p, &r.slug))
        .map(|r| render::repository(project, r))
        .collect();
    call.page(items)
}

/// `GET /api/1.0/repos?permission=&archived=&projectkey=&visibility=` (§1: `archived`
/// defaults to ACTIVE; anonymous gets an empty page).
fn repos(st: &DcState, call: &Call<'_>) -> Reply {
    let q = call.query;
    if let Some(v) = q.get("visibility")
        && !matches!(v, "public" | "private")
    {
        return bad_request(&format!("{v} is not a valid visibility"));
    }
    let archived = q.get("archived").unwrap_or("ACTIVE");
    if !matches!(archived, "ACTIVE" | "ARCHIVED" | "ALL") {
        return bad_request(&format!("{archived} is not a valid archived value"));
    }
    let Some(user) = &call.user else {
        return call.page(Vec::new());
    };
    let admin = q.get("permission") == Some("REPO_ADMIN");
    let mut items = Vec::new();
    for project in st.projects.values() {
        if q.get("projectkey").is_some_and(|k| k != project.key) {
            continue;
        }
        for r in project.repos.values() {
            let state_ok = match archived {
                "ACTIVE" => !r.archived,
                "ARCHIVED" => r.archived,
                _ => true,
            };
            let allowed = if admin {
                st.is_repo_admin(user, &project.key, &r.slug)
            } else {
                st.may_view_repo(user, &project.key, &r.slug)
            };
            if state_ok && allowed {
                items.push(render::repository(project, r));
            }
        }
    }
    call.page(items)
}
