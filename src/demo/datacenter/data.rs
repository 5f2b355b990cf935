//! The seeded demo server: four projects the admin can reach in different ways and one she
//! cannot, read and write keys, expired and expiring keys, a pre-8.7 key without a creation
//! date, and a key shared by projects and repositories. Dates are relative to `now`.

use std::collections::BTreeMap;

use super::credentials as cred;
use super::state::{DcState, Grant, KeyEntity, Project, Repo, Scope, User, blob_of};
use crate::demo::key_line;

const DAY_MS: i64 = 86_400_000;

fn line(n: usize) -> String {
    key_line(n).unwrap_or_default().to_string()
}

fn project(key: &str, id: u64, name: &str, restrict: bool, repos: &[(&str, u64, bool)]) -> Project {
    Project {
        key: key.into(),
        id,
        name: name.into(),
        restrict_repo_admins: restrict,
        repos: repos
            .iter()
            .map(|(slug, id, archived)| {
                let repo = Repo {
                    slug: (*slug).into(),
                    id: *id,
                    name: (*slug).into(),
                    archived: *archived,
                };
                ((*slug).to_string(), repo)
            })
            .collect(),
    }
}

fn users() -> Vec<User> {
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let pairs = |v: &[(&str, &str)]| {
        v.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect::<Vec<_>>()
    };
    vec![
        User {
            name: cred::ADMIN_USERNAME,
            token: cred::ADMIN_TOKEN,
            admin_projects: s(&["ACME", "OPS"]),
            admin_repos: pairs(&[("SEC", "vault"), ("DATA", "warehouse")]),
            read_projects: Vec::new(),
            personal_keys: vec![blob_of(&line(cred::PERSONAL_KEY_LINE)).to_string()],
        },
        User {
            name: cred::REPO_ADMIN_USERNAME,
            token: cred::REPO_ADMIN_TOKEN,
            admin_projects: Vec::new(),
            admin_repos: pairs(&[("ACME", "web")]),
            read_projects: Vec::new(),
            personal_keys: Vec::new(),
        },
        User {
            name: cred::VIEWER_USERNAME,
            token: cred::VIEWER_TOKEN,
            admin_projects: Vec::new(),
            admin_repos: Vec::new(),
            read_projects: s(&["ACME"]),
            personal_keys: Vec::new(),
        },
    ]
}

/// `(id, keys.txt line, label, created days ago, expiry days, last used days ago)`.
type KeySeed = (
    u64,
    usize,
    &'static str,
    Option<i64>,
    Option<u32>,
    Option<i64>,
);

const KEYS: [KeySeed; 8] = [
    (1, 1, "ci-deploy", Some(200), None, Some(1)),
    // Expired ten days ago.
    (2, 2, "backup-reader", Some(40), Some(30), Some(12)),
    // Expires in six days.
    (3, 3, "release-bot", Some(84), Some(90), Some(0)),
    (4, 45, "monitoring", Some(10), Some(365), None),
    // RSA-1024, from before 8.7: no creation date.
    (5, 103, "legacy-mirror", None, None, Some(400)),
    (6, 4, "vault-sync", Some(30), None, Some(3)),
    (7, 5, "warehouse-etl", Some(20), Some(60), Some(1)),
    (8, 6, "ops-deployer", Some(5), None, None),
];

fn repo(p: &str, r: &str) -> Scope {
    Scope::Repo(p.into(), r.into())
}

fn grants() -> Vec<Grant> {
    let g = |key_id, scope, permission: &str| Grant {
        key_id,
        scope,
        permission: permission.into(),
    };
    vec![
        // One key, shared by projects and repositories, some out of the admin's sight.
        g(1, repo("ACME", "api"), "REPO_WRITE"),
        g(1, repo("ACME", "web"), "REPO_READ"),
        g(1, Scope::Project("OPS".into()), "PROJECT_READ"),
        g(1, repo("SEC", "audit-log"), "REPO_READ"),
        g(1, repo("HR", "payroll"), "REPO_READ"),
        g(2, Scope::Project("ACME".into()), "PROJECT_READ"),
        g(3, repo("OPS", "deploy"), "REPO_WRITE"),
        g(4, repo("ACME", "billing"), "REPO_READ"),
        g(4, repo("OPS", "infra"), "REPO_READ"),
        g(5, repo("ACME", "legacy"), "REPO_READ"),
        g(6, repo("SEC", "vault"), "REPO_WRITE"),
        g(7, repo("DATA", "warehouse"), "REPO_READ"),
        g(8, Scope::Project("OPS".into()), "PROJECT_WRITE"),
    ]
}

/// The demo data with every date relative to `now_ms` (epoch milliseconds).
pub(crate) fn build(now_ms: i64) -> DcState {
    let projects: BTreeMap<String, Project> = [
        project(
            "ACME",
            1,
            "Acme",
            false,
            &[
                ("api", 1, false),
                ("web", 2, false),
                ("billing", 3, false),
                ("legacy", 4, true),
            ],
        ),
        project(
            "OPS",
            2,
            "Operations",
            false,
            &[("deploy", 5, false), ("infra", 6, false)],
        ),
        project(
            "SEC",
            3,
            "Security",
            false,
            &[("vault", 7, false), ("audit-log", 8, false)],
        ),
        project("DATA", 4, "Data", true, &[("warehouse", 9, false)]),
        project("HR", 5, "People", false, &[("payroll", 10, false)]),
    ]
    .into_iter()
    .map(|p| (p.key.clone(), p))
    .collect();
    let keys = KEYS
        .iter()
        .map(|&(id, n, label, created, expiry, used)| {
            let key = KeyEntity {
                id,
                text: line(n),
                label: label.into(),
                created_ms: created.map(|d| now_ms - d * DAY_MS),
                expiry_days: expiry,
                // "Used today" is two hours ago, never after now.
                last_auth_ms: used.map(|d| now_ms - d * DAY_MS - 2 * 3_600_000),
            };
            (id, key)
        })
        .collect();
    DcState {
        now_ms,
        projects,
        keys,
        grants: grants(),
        users: users(),
        next_key_id: 100,
    }
}

/// A project of `repos` repositories for the benchmark: each holds one key shared by all,
/// then `keys_per_repo - 1` of its own, so a scan meets many distinct key texts.
pub(crate) fn add_large_project(
    st: &mut DcState,
    key: &str,
    repos: usize,
    keys_per_repo: usize,
    now_ms: i64,
) {
    let project_id = st.projects.values().map(|p| p.id).max().unwrap_or(0) + 1;
    let first_repo_id = st
        .projects
        .values()
        .flat_map(|p| p.repos.values().map(|r| r.id))
        .max()
        .unwrap_or(0);
    let entity = |st: &mut DcState, label: String| {
        let id = st.next_key_id;
        st.next_key_id += 1;
        // Demo key lines are few, so the fresh ones repeat: a listing is what is measured.
        let fresh = crate::demo::FRESH_KEY_LINES;
        let n = fresh
            .get(usize::try_from(id).unwrap_or(0) % fresh.len())
            .copied()
            .unwrap_or(24);
        st.keys.insert(
            id,
            KeyEntity {
                id,
                text: line(n),
                label,
                created_ms: Some(now_ms - 30 * DAY_MS),
                expiry_days: None,
                last_auth_ms: None,
            },
        );
        id
    };
    let shared = entity(st, "shared-deploy".into());
    let mut project = project(key, project_id, key, false, &[]);
    for (i, repo_id) in (0..repos).zip(first_repo_id + 1..) {
        let slug = format!("r{i:04}");
        project.repos.insert(
            slug.clone(),
            Repo {
                slug: slug.clone(),
                id: repo_id,
                name: slug.clone(),
                archived: false,
            },
        );
        let scope = || Scope::Repo(key.into(), slug.clone());
        st.grants.push(Grant {
            key_id: shared,
            scope: scope(),
            permission: "REPO_READ".into(),
        });
        for k in 1..keys_per_repo {
            let id = entity(st, format!("{slug}-key-{k}"));
            st.grants.push(Grant {
                key_id: id,
                scope: scope(),
                permission: "REPO_READ".into(),
            });
        }
    }
    st.projects.insert(key.to_string(), project);
    if let Some(admin) = st.users.iter_mut().find(|u| u.name == cred::ADMIN_USERNAME) {
        admin.admin_projects.push(key.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_large_project_has_its_repositories_and_keys_and_the_admin_administers_it() {
        let mut st = build(0);
        let keys_before = st.keys.len();
        add_large_project(&mut st, "BIG", 12, 3, 0);
        let big = &st.projects["BIG"];
        assert_eq!(big.repos.len(), 12);
        assert!(big.repos.contains_key("r0000") && big.repos.contains_key("r0011"));
        let mut ids: Vec<u64> = st
            .projects
            .values()
            .flat_map(|p| p.repos.values().map(|r| r.id))
            .collect();
        let all = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), all, "repository ids are unique");
        // One shared key and two of each repository's own.
        assert_eq!(st.keys.len(), keys_before + 1 + 12 * 2);
        for slug in big.repos.keys() {
            let on = st
                .grants
                .iter()
                .filter(|g| g.scope == Scope::Repo("BIG".into(), slug.clone()))
                .count();
            assert_eq!(on, 3, "{slug}");
        }
        let admin = st
            .users
            .iter()
            .find(|u| u.name == cred::ADMIN_USERNAME)
            .unwrap();
        assert!(st.is_project_admin(admin, "BIG"));
    }
}
