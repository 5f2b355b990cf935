//! Which `/2.0` endpoint a request addresses: exactly the paths of `bitbucket-api.md` §1,
//! the removed endpoints of CHANGE-2770 (410), and nothing else (404).

use crate::bitbucket::Operation;

/// Path parameters of an endpoint.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Params {
    pub workspace: String,
    pub repo: String,
    pub project: String,
    pub key_id: Option<u64>,
}

/// The outcome of routing one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Route {
    /// A supported operation.
    Op(Operation, Params),
    /// A removed endpoint (§1, "Removed endpoints"): 410 whatever the method.
    Gone,
    /// A known path, but not with this method (such as PUT on a project key): 405.
    MethodNotAllowed { allow: &'static str },
    /// Anything else: 404.
    NotFound,
}

/// Routes `method path` (the path includes the `/2.0` prefix; one trailing slash is
/// tolerated, as the real service does).
pub(crate) fn route(method: &str, path: &str) -> Route {
    use Operation::*;
    let Some(rest) = path.strip_prefix("/2.0/") else {
        return Route::NotFound;
    };
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    let segs: Vec<&str> = rest.split('/').collect();
    let p = |ws: &str| Params {
        workspace: ws.to_string(),
        ..Params::default()
    };
    match segs.as_slice() {
        ["workspaces"] | ["repositories"] => Route::Gone,
        ["user", "permissions", "workspaces" | "repositories", ..] => Route::Gone,
        ["user"] => pick(method, &[("GET", CurrentUser)], Params::default()),
        ["user", "workspaces"] => pick(method, &[("GET", ListWorkspaces)], Params::default()),
        ["workspaces", ws] => pick(method, &[("GET", GetWorkspace)], p(ws)),
        ["workspaces", ws, "projects"] => pick(method, &[("GET", ListProjects)], p(ws)),
        ["workspaces", ws, "projects", project, "deploy-keys"] => pick(
            method,
            &[("GET", ListProjectKeys), ("POST", AddProjectKey)],
            Params {
                project: project.to_string(),
                ..p(ws)
            },
        ),
        ["workspaces", ws, "projects", project, "deploy-keys", id] => match id.parse() {
            // No PUT: project keys cannot be edited (§1), so PUT is a 405 like any
            // missing route.
            Ok(id) => pick(
                method,
                &[("GET", GetProjectKey), ("DELETE", DeleteProjectKey)],
                Params {
                    project: project.to_string(),
                    key_id: Some(id),
                    ..p(ws)
                },
            ),
            Err(_) => Route::NotFound,
        },
        ["repositories", ws] => pick(method, &[("GET", ListRepositories)], p(ws)),
        ["repositories", ws, repo] => pick(
            method,
            &[("GET", GetRepository)],
            Params {
                repo: repo.to_string(),
                ..p(ws)
            },
        ),
        ["repositories", ws, repo, "deploy-keys"] => pick(
            method,
            &[("GET", ListRepoKeys), ("POST", AddRepoKey)],
            Params {
                repo: repo.to_string(),
                ..p(ws)
            },
        ),
        ["repositories", ws, repo, "deploy-keys", id] => match id.parse() {
            Ok(id) => pick(
                method,
                &[
                    ("GET", GetRepoKey),
                    ("PUT", UpdateRepoKey),
                    ("DELETE", DeleteRepoKey),
                ],
                Params {
                    repo: repo.to_string(),
                    key_id: Some(id),
                    ..p(ws)
                },
            ),
            Err(_) => Route::NotFound,
        },
        _ => Route::NotFound,
    }
}

fn pick(method: &str, table: &[(&'static str, Operation)], params: Params) -> Route {
    match table.iter().find(|(m, _)| *m == method) {
        Some((_, op)) => Route::Op(*op, params),
        None => Route::MethodNotAllowed {
            allow: match table.len() {
                1 => "GET",
                2 if table.iter().any(|(m, _)| *m == "POST") => "GET, POST",
                2 => "GET, DELETE",
                _ => "GET, PUT, DELETE",
            },
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_every_operation_to_its_documented_path() {
        for op in Operation::ALL {
            let (method, template) = op.endpoint();
            let path = format!(
                "/2.0{}",
                template
                    .replace("{workspace}", "acme")
                    .replace("{repo_slug}", "api")
                    .replace("{project_key}", "API")
                    .replace("{key_id}", "42")
            );
            match route(method, &path) {
                Route::Op(got, _) => assert_eq!(got, op, "{path}"),
                other => panic!("{method} {path}: {other:?}"),
            }
        }
    }

    #[test]
    fn removed_unknown_and_wrong_method() {
        assert_eq!(route("GET", "/2.0/workspaces"), Route::Gone);
        assert_eq!(route("GET", "/2.0/repositories/"), Route::Gone);
        assert_eq!(
            route("GET", "/2.0/user/permissions/repositories"),
            Route::Gone
        );
        assert_eq!(
            route("GET", "/2.0/user/permissions/workspaces"),
            Route::Gone
        );
        assert_eq!(route("GET", "/2.0/teams"), Route::NotFound);
        assert_eq!(route("GET", "/user"), Route::NotFound);
        assert_eq!(
            route("GET", "/2.0/repositories/acme/api/deploy-keys/abc"),
            Route::NotFound
        );
        assert!(matches!(
            route("PUT", "/2.0/workspaces/acme/projects/API/deploy-keys/1"),
            Route::MethodNotAllowed {
                allow: "GET, DELETE"
            }
        ));
        assert!(matches!(
            route("GET", "/2.0/repositories/acme/api/deploy-keys/7/"),
            Route::Op(
                Operation::GetRepoKey,
                Params {
                    key_id: Some(7),
                    ..
                }
            )
        ));
    }
}
