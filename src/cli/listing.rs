//! `workspaces`, `repos` and `keys list`: reading, with tables, JSON and CSV.

use serde::Serialize;

use super::context::Context;
use super::fields::{Output, REPO_FIELDS, WORKSPACE_FIELDS, csv_field, output_for, print_selected};
use super::key_input::check_workspace;
use super::key_query::HoldingFindings;
pub use super::key_row::KeyRow;
use super::key_row::date;
use super::output::{CliError, Exit, print_json, print_table};
use super::skipped::{Skipped, read_failure_exit, worst};
use crate::bitbucket::RepoRef;
use crate::forge::{Forge, ForgeError, ForgeKind, Place};
use crate::ops;
use crate::ops::query::Query;
use crate::sanitize::clean_line;

fn sort_rows(rows: &mut [KeyRow]) {
    rows.sort_by(|a, b| {
        (&a.workspace, &a.repo, &a.project, &a.created_on, a.id).cmp(&(
            &b.workspace,
            &b.repo,
            &b.project,
            &b.created_on,
            b.id,
        ))
    });
}

/// A workspace as `bbkeys workspaces` prints it; `--json` has always had these four keys.
#[derive(Serialize)]
struct WorkspaceRow {
    slug: String,
    name: String,
    uuid: Option<String>,
    administrator: bool,
}

/// `bbkeys workspaces`.
pub async fn workspaces(ctx: &Context, fields: &[String]) -> Result<Exit, CliError> {
    let out = output_for(ctx.json, false, fields, WORKSPACE_FIELDS)?;
    if ctx.kind() == ForgeKind::DataCenter {
        return super::dc_listing::projects(ctx, &out).await;
    }
    let list: Vec<WorkspaceRow> = ops::listing::owners(ctx.forge())
        .await?
        .into_iter()
        .map(|o| WorkspaceRow {
            slug: o.slug,
            name: o.name,
            uuid: o.id,
            administrator: o.administrator,
        })
        .collect();
    if let Some(f) = &out.fields {
        print_selected(out.format, &list, f)?;
    } else if ctx.json {
        print_json(&list)?;
    } else {
        let rows: Vec<Vec<String>> = list
            .iter()
            .map(|w| {
                vec![
                    w.slug.clone(),
                    w.name.clone(),
                    if w.administrator {
                        "yes".into()
                    } else {
                        "no".into()
                    },
                ]
            })
            .collect();
        print_table(&["WORKSPACE", "NAME", "ADMIN"], &rows);
    }
    Ok(Exit::Ok)
}

/// `bbkeys repos <ws>`.
pub async fn repos(ctx: &Context, ws: &str, fields: &[String]) -> Result<Exit, CliError> {
    let out = output_for(ctx.json, false, fields, REPO_FIELDS)?;
    check_workspace(ws)?;
    if ctx.kind() == ForgeKind::DataCenter {
        return super::dc_listing::repos(ctx, ws, &out).await;
    }
    let list = ops::listing::repositories(ctx.forge(), ws).await?;
    #[derive(Serialize)]
    struct Row<'a> {
        slug: &'a str,
        name: Option<String>,
        project: Option<&'a str>,
        uuid: Option<&'a str>,
    }
    let rows = || -> Vec<Row> {
        list.iter()
            .map(|r| Row {
                slug: &r.slug,
                name: r.name.as_deref().map(clean_line),
                project: r.project.as_deref(),
                uuid: r.id.as_deref(),
            })
            .collect()
    };
    if let Some(f) = &out.fields {
        print_selected(out.format, &rows(), f)?;
    } else if ctx.json {
        print_json(&rows())?;
    } else {
        let rows: Vec<Vec<String>> = list
            .iter()
            .map(|r| {
                vec![
                    r.slug.clone(),
                    r.name.clone().unwrap_or_default(),
                    r.project.clone().unwrap_or_default(),
                ]
            })
            .collect();
        print_table(&["REPOSITORY", "NAME", "PROJECT"], &rows);
    }
    Ok(Exit::Ok)
}

/// `keys list`. Places the credential does not administer are skipped with one note (exit 4
/// for them only under `strict`); other read failures are printed and exit 4 (3 when each was
/// about the credential).
pub(super) async fn list(
    ctx: &Context,
    target: &str,
    project: Option<&str>,
    out: &Output,
    strict: bool,
    query: Option<&Query>,
) -> Result<Exit, CliError> {
    let needs_findings = query.is_some_and(Query::uses_finding);
    let mut got = collect_with(ctx, target, project, needs_findings).await?;
    if let Some(q) = query {
        let now = time::OffsetDateTime::now_utc();
        super::key_query::retain(&mut got.rows, q, &got.findings, now);
    }
    print_keys(ctx, got, out, strict)
}

/// What `keys list` read: the rows, and the places that could not be read.
#[derive(Debug, Default)]
pub(super) struct Collected {
    /// One row per key.
    pub rows: Vec<KeyRow>,
    /// Places whose keys could not be read, with why.
    pub failures: Vec<(Place, ForgeError)>,
    /// A project list that could not be read (no single place to name).
    pub list_failures: Vec<ForgeError>,
    /// The audit's finding codes per holding, only when `--where` asks about findings.
    pub findings: HoldingFindings,
}

impl Collected {
    /// Adds what another workspace's listing read.
    pub fn extend(&mut self, other: Collected) {
        self.rows.extend(other.rows);
        self.failures.extend(other.failures);
        self.list_failures.extend(other.list_failures);
        self.findings.extend(other.findings);
    }
}

/// Reads the keys of a workspace, a repository or a project; with `findings`, also the audit of a workspace's scan (it needs the whole
/// workspace, so a repository or project target cannot have it).
pub(super) async fn collect_with(
    ctx: &Context,
    target: &str,
    project: Option<&str>,
    findings: bool,
) -> Result<Collected, CliError> {
    if findings && (project.is_some() || target.contains('/')) {
        return Err(CliError::new(
            Exit::Usage,
            "--where 'finding:...' needs a whole workspace: the audit judges keys across it",
        ));
    }
    let mut holding_findings = HoldingFindings::new();
    let mut rows = Vec::new();
    let mut failures: Vec<(Place, ForgeError)> = Vec::new();
    // The project list itself has no place to skip: its failure is always a failure.
    let mut list_failure: Option<ForgeError> = None;
    if let Some(p) = project {
        let scope = super::key_input::scope_on(ctx.kind(), target, Some(p))?;
        let keys = Forge::keys(ctx.forge(), &scope).await?;
        rows.extend(keys.iter().map(|k| KeyRow::new(&scope, k)));
    } else if ctx.kind() == ForgeKind::DataCenter && target.contains('/') {
        let (r, f) = super::dc_listing::repository_keys(ctx, target).await?;
        rows.extend(r);
        failures.extend(f);
    } else if let Some((ws, repo)) = target.split_once('/') {
        let r: RepoRef = target
            .parse()
            .map_err(|e: String| CliError::new(Exit::Usage, e))?;
        let scope = Place::repository(ForgeKind::Cloud, r.workspace.clone(), r.repo.clone());
        let (keys, repository) = tokio::join!(
            Forge::keys(ctx.forge(), &scope),
            ctx.client()?.repository(ws, repo)
        );
        let keys = keys?;
        // Inherited project keys: a project key grants read access to every repository of it.
        let in_project = repository
            .as_ref()
            .ok()
            .and_then(|r| r.project.as_ref().map(|p| p.key.clone()));
        rows.extend(
            keys.iter()
                .map(|k| KeyRow::new(&scope, k).in_project(in_project.as_deref())),
        );
        match repository {
            Ok(repository) => {
                if let Some(p) = repository.project {
                    let pscope = Place::project(ForgeKind::Cloud, ws, p.key.clone());
                    match Forge::keys(ctx.forge(), &pscope).await {
                        Ok(keys) => rows.extend(keys.iter().map(|k| KeyRow::new(&pscope, k))),
                        Err(e) => failures.push((pscope, e)),
                    }
                }
            }
            Err(e) => failures.push((scope, ForgeError::from(e))),
        }
    } else {
        check_workspace(target)?;
        let scan = super::scan_cost::scan(ctx, target).await?;
        let project_of: std::collections::HashMap<String, String> = scan
            .repositories
            .iter()
            .filter_map(|r| Some((r.slug.clone(), r.project.clone()?)))
            .collect();
        if findings {
            let now = time::OffsetDateTime::now_utc();
            holding_findings = super::key_query::findings_of_scan(&scan, &ctx.config.audit, now);
        }
        // Consumed as rows are made, so the scan and the rows are not both held in full.
        for (slug, keys) in scan.repo_keys {
            let project = project_of.get(&slug).map(String::as_str);
            let scope = Place::repository(ctx.kind(), target, slug.clone());
            match keys {
                Ok(keys) => rows.extend(
                    keys.iter()
                        .map(|k| KeyRow::new(&scope, k).in_project(project)),
                ),
                Err(e) => failures.push((scope, e)),
            }
        }
        for (pkey, keys) in scan.project_keys {
            let scope = Place::project(ctx.kind(), target, pkey);
            match keys {
                Ok(keys) => rows.extend(keys.iter().map(|k| KeyRow::new(&scope, k))),
                Err(e) => failures.push((scope, e)),
            }
        }
        list_failure = scan.projects_error;
    }
    Ok(Collected {
        rows,
        failures,
        list_failures: list_failure.into_iter().collect(),
        findings: holding_findings,
    })
}

/// Prints what `keys list` read, notes what it skipped, and picks the exit code.
pub(super) fn print_keys(
    ctx: &Context,
    got: Collected,
    out: &Output,
    strict: bool,
) -> Result<Exit, CliError> {
    let Collected {
        mut rows,
        failures,
        list_failures,
        ..
    } = got;
    let (skipped, failures) = Skipped::split(failures);
    let mut failures: Vec<ForgeError> = failures.into_iter().map(|(_, e)| e).collect();
    failures.extend(list_failures);
    sort_rows(&mut rows);
    if let Some(f) = &out.fields {
        print_selected(out.format, &rows, f)?;
    } else if out.json() {
        print_json(&rows)?;
    } else if out.csv() {
        print!("{}", rows_to_csv(&rows));
    } else {
        print_key_table(&rows, ctx.kind());
    }
    for f in &failures {
        CliError::from(f.clone()).print(ctx.json);
    }
    skipped.print(ctx.json);
    let failed: Vec<&ForgeError> = failures.iter().collect();
    Ok(worst(read_failure_exit(&failed), skipped.exit(strict)))
}

/// The `keys list` table. Data Center adds the permission (`R`/`W`) and the expiry after the
/// label; there a project key's workspace is the project itself, so it is not named twice.
fn print_key_table(rows: &[KeyRow], kind: ForgeKind) {
    let data_center = kind == ForgeKind::DataCenter;
    let now = time::OffsetDateTime::now_utc();
    let table: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let place = match (&r.repo, &r.project) {
                (Some(repo), _) => format!("{}/{}", r.workspace, repo),
                (None, Some(p)) if data_center => format!("project {p}"),
                (None, Some(p)) => format!("{} project {}", r.workspace, p),
                _ => r.workspace.clone(),
            };
            let mut cells = vec![place, r.id.to_string(), clean_line(&r.label)];
            if data_center {
                cells.push(grant_letter(r.permission).into());
                cells.push(expiry_cell(r, now));
            }
            cells.extend([
                r.fingerprint
                    .clone()
                    .unwrap_or_else(|| "(unreadable key)".into()),
                match (&r.key_type, r.bits) {
                    (Some(t), Some(b)) => format!("{t} {b}"),
                    _ => "?".into(),
                },
                date(&r.created_on),
                date(&r.last_used),
            ]);
            cells
        })
        .collect();
    let mut header = vec!["WHERE", "ID", "LABEL"];
    if data_center {
        header.extend(["PERM", "EXPIRES"]);
    }
    header.extend(["FINGERPRINT", "TYPE", "CREATED", "LAST USED"]);
    print_table(&header, &table);
}

/// `W` for a write grant; anything else grants read.
fn grant_letter(permission: Option<&str>) -> &'static str {
    match permission {
        Some("write") => "W",
        _ => "R",
    }
}

/// "expires in 6 days", "expired 2025-03-01" or "never", from the row's stored expiry.
fn expiry_cell(r: &KeyRow, now: time::OffsetDateTime) -> String {
    let expires = r
        .expires
        .clone()
        .flatten()
        .and_then(|at| ops::audit::Timestamp::parse(&at))
        .map(|t| t.0);
    ops::expiry::describe(expires, now)
}

/// CSV with a header; fields quoted where needed.
pub fn rows_to_csv(rows: &[KeyRow]) -> String {
    let field = csv_field;
    // Data Center rows add their permission and expiry; Cloud's CSV stays as it was.
    let data_center = rows.iter().any(|r| r.permission.is_some());
    let mut out = String::from(
        "workspace,repo,project,scope,id,label,comment,fingerprint,key_type,bits,created_on,last_used",
    );
    out.push_str(if data_center {
        ",permission,expires\n"
    } else {
        "\n"
    });
    for r in rows {
        let cols = [
            r.workspace.clone(),
            r.repo.clone().unwrap_or_default(),
            r.project.clone().unwrap_or_default(),
            r.scope.to_string(),
            r.id.to_string(),
            clean_line(&r.label),
            r.comment.as_deref().map(clean_line).unwrap_or_default(),
            r.fingerprint.clone().unwrap_or_default(),
            r.key_type.clone().unwrap_or_default(),
            r.bits.map(|b| b.to_string()).unwrap_or_default(),
            r.created_on.clone().unwrap_or_default(),
            r.last_used.clone().unwrap_or_default(),
        ];
        out.push_str(&cols.iter().map(|c| field(c)).collect::<Vec<_>>().join(","));
        if data_center {
            let permission = r.permission.unwrap_or_default();
            let expires = r.expires.clone().flatten().unwrap_or_default();
            out.push_str(&format!(",{permission},{expires}"));
        }
        out.push('\n');
    }
    out
}
