//! `workspaces`, `repos` and `keys list PROJ/repo` on Data Center, through the forge's
//! `owners()`, `repositories()` and `keys()`: projects stand where Cloud has workspaces, and
//! keys carry a permission and an expiry.

use serde::Serialize;

use super::context::Context;
use super::fields::{Output, print_selected};
use super::key_row::KeyRow;
use super::output::{CliError, Exit, print_json, print_table};
use crate::forge::{ForgeError, ForgeKind, Place};
use crate::sanitize::clean_line;

/// `bbkeys workspaces` on Data Center: the projects the credential reaches, and whether it
/// administers each as a whole (else only some of its repositories).
pub(super) async fn projects(ctx: &Context, out: &Output) -> Result<Exit, CliError> {
    let owners = ctx.forge().owners().await?;
    if let Some(f) = &out.fields {
        print_selected(out.format, &owners, f)?;
    } else if ctx.json {
        print_json(&owners)?;
    } else {
        let rows: Vec<Vec<String>> = owners
            .iter()
            .map(|o| {
                let admin = if o.administrator {
                    "yes"
                } else {
                    "repositories only"
                };
                vec![o.slug.clone(), clean_line(&o.name), admin.into()]
            })
            .collect();
        print_table(&["PROJECT", "NAME", "ADMIN"], &rows);
    }
    Ok(Exit::Ok)
}

/// `bbkeys repos PROJ` on Data Center: the repositories of the project the credential
/// administers.
pub(super) async fn repos(ctx: &Context, project: &str, out: &Output) -> Result<Exit, CliError> {
    let list = ctx.forge().repositories(project).await?;
    #[derive(Serialize)]
    struct Row<'a> {
        slug: &'a str,
        name: String,
        project: Option<&'a str>,
    }
    let rows: Vec<Row> = list
        .iter()
        .map(|r| Row {
            slug: &r.slug,
            name: clean_line(&r.name),
            project: r.project.as_deref(),
        })
        .collect();
    if let Some(f) = &out.fields {
        print_selected(out.format, &rows, f)?;
    } else if ctx.json {
        print_json(&rows)?;
    } else {
        let table: Vec<Vec<String>> = rows
            .iter()
            .map(|r| {
                vec![
                    r.slug.to_string(),
                    r.name.clone(),
                    r.project.unwrap_or_default().to_string(),
                ]
            })
            .collect();
        print_table(&["REPOSITORY", "NAME", "PROJECT"], &table);
    }
    Ok(Exit::Ok)
}

/// The keys of `PROJ/repo`: its own, then the project's, which reach it too. A project the
/// credential does not administer is a place skipped, not a failure of the listing.
pub(super) async fn repository_keys(
    ctx: &Context,
    target: &str,
) -> Result<(Vec<KeyRow>, Vec<(Place, ForgeError)>), CliError> {
    let place = super::key_input::scope_on(ForgeKind::DataCenter, target, None)?;
    let project = place.owner().to_string();
    let project_place = Place::project(ForgeKind::DataCenter, project.clone(), project.clone());
    let (own, inherited) = tokio::join!(ctx.forge().keys(&place), ctx.forge().keys(&project_place));
    let mut rows: Vec<KeyRow> = own?
        .iter()
        .map(|k| KeyRow::new(&place, k).in_project(Some(&project)))
        .collect();
    let mut failures = Vec::new();
    match inherited {
        Ok(keys) => rows.extend(keys.iter().map(|k| KeyRow::new(&project_place, k))),
        Err(e) => failures.push((project_place, e)),
    }
    Ok((rows, failures))
}
