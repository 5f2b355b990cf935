//! The `{project}` of a label template: a Cloud repository's project is one request away, a
//! Data Center repository's owner is its project. Single and bulk adds share this.

use std::collections::BTreeMap;

use super::context::Context;
use super::output::{CliError, Exit};
use crate::forge::Place;
use crate::ops::bulk::{template_uses, validate_add_template};

/// Checks the label of an add as a template, and when it uses `{project}`, looks up the
/// project of each repository in `scopes` (one request each; none otherwise).
pub(super) async fn projects_for_template(
    ctx: &Context,
    template: &str,
    scopes: &[Place],
) -> Result<BTreeMap<Place, String>, CliError> {
    validate_add_template(template).map_err(|e| CliError::new(Exit::Usage, e))?;
    project_lookup(ctx, template, scopes).await
}

/// When `template` uses `{project}`, the project of each repository in `scopes` (one request
/// each; none otherwise).
pub(super) async fn project_lookup(
    ctx: &Context,
    template: &str,
    scopes: &[Place],
) -> Result<BTreeMap<Place, String>, CliError> {
    let mut projects = BTreeMap::new();
    if !template_uses(template, "project") {
        return Ok(projects);
    }
    for scope in scopes {
        if let Place::Repository {
            owner: workspace,
            repo,
            ..
        } = scope
        {
            if ctx.kind() == crate::forge::ForgeKind::DataCenter {
                // A Data Center repository's owner is its project.
                projects.insert(scope.clone(), workspace.clone());
                continue;
            }
            // `{project}` would otherwise render empty: better to stop and say why.
            let r = ctx
                .client()?
                .repository(workspace, repo)
                .await
                .map_err(CliError::from)?;
            if let Some(p) = r.project {
                projects.insert(scope.clone(), p.key);
            }
        }
    }
    Ok(projects)
}
