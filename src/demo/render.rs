//! JSON shapes of the objects (`bitbucket-api.md` §3, OpenAPI extract) and the paginated
//! envelope with absolute `next`/`previous` links.

use serde_json::{Value, json};

use super::reply::Reply;
use super::state::{Account, Key, Project, Repo, Workspace};

/// Default and maximum `pagelen` (§3).
pub(crate) const DEFAULT_PAGELEN: usize = 10;
/// Larger values are clamped, not refused.
pub(crate) const MAX_PAGELEN: usize = 100;

/// The decoded query string, in its original order.
#[derive(Debug, Clone, Default)]
pub(crate) struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    /// Parses `a=1&b=2` (percent-decoded).
    pub(crate) fn parse(raw: Option<&str>) -> Query {
        let pairs = raw
            .map(|q| {
                url::form_urlencoded::parse(q.as_bytes())
                    .into_owned()
                    .collect()
            })
            .unwrap_or_default();
        Query { pairs }
    }

    /// First value of `name`.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The query with `page` set to `page`, everything else kept in order.
    fn with_page(&self, page: usize) -> String {
        let mut out = url::form_urlencoded::Serializer::new(String::new());
        let mut replaced = false;
        for (k, v) in &self.pairs {
            if k == "page" {
                if !replaced {
                    out.append_pair("page", &page.to_string());
                    replaced = true;
                }
            } else {
                out.append_pair(k, v);
            }
        }
        if !replaced {
            out.append_pair("page", &page.to_string());
        }
        out.finish()
    }
}

/// Which slice of a listing to return.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PageSpec {
    /// 1-based.
    pub page: usize,
    pub pagelen: usize,
}

impl PageSpec {
    /// Reads `page` and `pagelen`; `pagelen` is clamped to 1..=100, garbage is a 400.
    pub(crate) fn from_query(q: &Query) -> Result<PageSpec, Reply> {
        let pagelen = match q.get("pagelen") {
            None => DEFAULT_PAGELEN,
            Some(v) => v
                .parse::<i64>()
                .map_err(|_| Reply::error(400, &format!("Invalid pagelen: {v}")))?
                .clamp(1, MAX_PAGELEN as i64) as usize,
        };
        let page = match q.get("page") {
            None => 1,
            Some(v) => match v.parse::<usize>() {
                Ok(p) if p >= 1 => p,
                _ => return Err(Reply::error(400, &format!("Invalid page: {v}"))),
            },
        };
        Ok(PageSpec { page, pagelen })
    }

    /// The index range of this page within `total` items.
    pub(crate) fn range(&self, total: usize) -> std::ops::Range<usize> {
        let start = (self.page - 1).saturating_mul(self.pagelen).min(total);
        start..(start + self.pagelen).min(total)
    }
}

/// The paginated envelope. `next` and `previous` are absolute URLs on the simulator's own
/// origin that keep every other query parameter; the last page has no `next` (§3).
pub(crate) fn envelope(
    origin: &str,
    path: &str,
    q: &Query,
    spec: PageSpec,
    total: usize,
    values: Vec<Value>,
) -> Value {
    let mut page = json!({
        "pagelen": spec.pagelen,
        "size": total,
        "page": spec.page,
        "values": values,
    });
    if spec.page.saturating_mul(spec.pagelen) < total {
        page["next"] = json!(format!("{origin}{path}?{}", q.with_page(spec.page + 1)));
    }
    if spec.page > 1 {
        page["previous"] = json!(format!("{origin}{path}?{}", q.with_page(spec.page - 1)));
    }
    page
}

fn link(href: String) -> Value {
    json!({ "href": href })
}

/// `GET /user`.
pub(crate) fn user(origin: &str, a: &Account) -> Value {
    json!({
        "type": "user",
        "uuid": a.uuid,
        "account_id": a.account_id,
        "display_name": a.display_name,
        "nickname": a.nickname,
        "account_status": "active",
        "created_on": a.created_on,
        "has_2fa_enabled": null,
        "is_staff": false,
        "links": {
            "self": link(format!("{origin}/2.0/users/{}", a.uuid)),
            "html": link(format!("https://bitbucket.org/{}/", a.uuid)),
            "avatar": link(format!("https://secure.gravatar.com/avatar/{}", a.nickname)),
        },
    })
}

/// An item of `GET /user/workspaces`: slug and uuid only, **no name** (§1).
pub(crate) fn workspace_access(origin: &str, w: &Workspace) -> Value {
    json!({
        "type": "workspace_access",
        "administrator": w.administrator,
        "workspace": {
            "type": "workspace_base",
            "uuid": w.uuid,
            "slug": w.slug,
            "links": { "self": link(format!("{origin}/2.0/workspaces/{}", w.slug)) },
        },
        "links": { "self": link(format!("{origin}/2.0/user/workspaces/{}/permission", w.slug)) },
    })
}

/// `GET /workspaces/{ws}`.
pub(crate) fn workspace(origin: &str, w: &Workspace) -> Value {
    json!({
        "type": "workspace",
        "uuid": w.uuid,
        "name": w.name,
        "slug": w.slug,
        "is_private": true,
        "is_privacy_enforced": false,
        "forking_mode": "allow_forks",
        "created_on": w.created_on,
        "links": {
            "self": link(format!("{origin}/2.0/workspaces/{}", w.slug)),
            "html": link(format!("https://bitbucket.org/{}/", w.slug)),
            "projects": link(format!("{origin}/2.0/workspaces/{}/projects", w.slug)),
            "repositories": link(format!("{origin}/2.0/repositories/{}", w.slug)),
        },
    })
}

fn project_ref(origin: &str, ws: &str, p: &Project) -> Value {
    json!({
        "type": "project",
        "key": p.key,
        "uuid": p.uuid,
        "name": p.name,
        "links": { "self": link(format!("{origin}/2.0/workspaces/{ws}/projects/{}", p.key)) },
    })
}

/// `GET /workspaces/{ws}/projects` items.
pub(crate) fn project(origin: &str, w: &Workspace, p: &Project) -> Value {
    let mut v = project_ref(origin, &w.slug, p);
    v["description"] = json!(p.description);
    v["is_private"] = json!(true);
    v["created_on"] = json!(p.created_on);
    v["updated_on"] = json!(p.created_on);
    v["has_publicly_visible_repos"] = json!(false);
    v["owner"] =
        json!({ "type": "team", "uuid": w.uuid, "username": w.slug, "display_name": w.name });
    v
}

/// `GET /repositories/{ws}` items.
pub(crate) fn repository(origin: &str, w: &Workspace, r: &Repo) -> Value {
    let project = w
        .projects
        .get(&r.project)
        .map(|p| project_ref(origin, &w.slug, p));
    json!({
        "type": "repository",
        "uuid": r.uuid,
        "full_name": format!("{}/{}", w.slug, r.slug),
        "slug": r.slug,
        "name": r.name,
        "description": r.description,
        "is_private": true,
        "scm": "git",
        "language": r.language,
        "created_on": r.created_on,
        "updated_on": r.updated_on,
        "size": 1_048_576 + r.keys.len() * 4096,
        "has_issues": false,
        "has_wiki": false,
        "fork_policy": "no_public_forks",
        "mainbranch": { "type": "branch", "name": "main" },
        "project": project,
        "workspace": { "type": "workspace", "uuid": w.uuid, "slug": w.slug, "name": w.name },
        "links": {
            "self": link(format!("{origin}/2.0/repositories/{}/{}", w.slug, r.slug)),
            "html": link(format!("https://bitbucket.org/{}/{}", w.slug, r.slug)),
        },
    })
}

fn key_common(k: &Key, kind: &str, self_href: String) -> Value {
    let mut v = json!({
        "id": k.id,
        "key": k.material.openssh(),
        "label": k.label,
        "type": kind,
        "created_on": k.created_on,
        "last_used": k.last_used,
        "links": { "self": link(self_href) },
    });
    // The comment is split off the submitted line (§3); a key sent without one has none.
    if let Some(c) = &k.comment {
        v["comment"] = json!(c);
    }
    v
}

/// A repository access key (§3).
pub(crate) fn repo_key(origin: &str, w: &Workspace, r: &Repo, k: &Key) -> Value {
    let mut v = key_common(
        k,
        "deploy_key",
        format!(
            "{origin}/2.0/repositories/{}/{}/deploy-keys/{}",
            w.slug, r.slug, k.id
        ),
    );
    v["repository"] = json!({
        "type": "repository",
        "full_name": format!("{}/{}", w.slug, r.slug),
        "name": r.name,
        "uuid": r.uuid,
        "links": { "self": link(format!("{origin}/2.0/repositories/{}/{}", w.slug, r.slug)) },
    });
    v
}

/// A project access key (§3): `project` and `created_by`, no `repository`.
pub(crate) fn project_key(
    origin: &str,
    w: &Workspace,
    p: &Project,
    k: &Key,
    creator: &Account,
) -> Value {
    let mut v = key_common(
        k,
        "project_deploy_key",
        format!(
            "{origin}/2.0/workspaces/{}/projects/{}/deploy-keys/{}",
            w.slug, p.key, k.id
        ),
    );
    v["project"] = project_ref(origin, &w.slug, p);
    v["created_by"] = json!({
        "type": "user",
        "uuid": creator.uuid,
        "account_id": creator.account_id,
        "display_name": creator.display_name,
        "nickname": creator.nickname,
    });
    v
}
