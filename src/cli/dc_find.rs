//! `keys find` on a forge that answers "where is this key used" itself (Data Center): the key's
//! id, then the forge's usage lookups, not a scan of every place. The answer is limited to what
//! the credential may see, and the command says so.

use serde::Serialize;

use super::context::Context;
use super::find_args::{FindArgs, read_needle};
use super::output::{CliError, Exit, print_json, print_table};
use crate::forge::{ForgeErrorKind, Place, Usage, UsageSearch, UsageSource};
use crate::ops::audit::{Listing, Snapshot};
use crate::ops::keyops::fingerprint_of;
use crate::sanitize::clean_line;
use crate::sshkey::Fingerprint;
use crate::store;

const LIMITED: &str = "Results are limited to what this credential may see: places in projects and repositories it does not administer are not shown.";

#[derive(Serialize)]
struct UsageDocument<'a> {
    fingerprint: Option<String>,
    id: u64,
    places: Vec<PlaceRow<'a>>,
    limited_to_credential: bool,
    /// What the answer rests on: `lookups`, `fallback` or `thorough`.
    source: UsageSource,
    /// The lookups answered nothing (or were refused), so administered places were read.
    fell_back: bool,
    thorough: bool,
    lookups_refused: bool,
    read_one_by_one: usize,
    /// The sentence the text output ends with.
    note: String,
}

#[derive(Serialize)]
struct PlaceRow<'a> {
    #[serde(flatten)]
    place: &'a Place,
    name: String,
}

/// Runs `keys find` on Data Center: a key id is used as it is; a key or fingerprint is looked
/// up in `--workspace PROJ` (else in each project in turn) to learn its id. The two usage
/// lookups answer, unless they find nothing or `--thorough` asks for the full walk.
pub(super) async fn run(ctx: &Context, args: &FindArgs) -> Result<Exit, CliError> {
    if args.cached {
        return Err(CliError::new(
            Exit::Usage,
            "--cached is not needed on Data Center: the server answers where a key is used in two requests",
        ));
    }
    let search = if args.thorough {
        UsageSearch::Thorough
    } else {
        UsageSearch::Lookups
    };
    let (id, fingerprint, usage) = match args.key.trim().parse::<u64>() {
        Ok(id) => (id, None, ctx.forge().usage(id, search).await?),
        Err(_) => {
            let fp = read_needle(&args.key)?.fingerprint;
            let projects = projects_to_search(ctx, args).await?;
            let stored = stored_id(ctx, &projects, &fp);
            let answer = match stored {
                Some(id) => match ctx.forge().usage(id, search).await {
                    // The key was removed everywhere and added again since the scan: a new id.
                    Err(e) if e.kind == ForgeErrorKind::NotFound => None,
                    other => Some((id, other?)),
                },
                None => None,
            };
            let (id, usage) = match answer {
                Some(found) => found,
                None => {
                    let id = id_of(ctx, &projects, &fp).await?;
                    (id, ctx.forge().usage(id, search).await?)
                }
            };
            (id, Some(fp), usage)
        }
    };
    let rows: Vec<PlaceRow> = usage
        .places
        .iter()
        .map(|p| PlaceRow {
            place: p,
            name: clean_line(&p.to_string()),
        })
        .collect();
    let note = note(&usage);
    if ctx.json {
        print_json(&UsageDocument {
            fingerprint: fingerprint.map(|f| f.to_string()),
            id,
            places: rows,
            limited_to_credential: true,
            source: usage.source,
            fell_back: usage.source == UsageSource::Fallback,
            thorough: usage.source == UsageSource::Thorough,
            lookups_refused: usage.lookups_refused,
            read_one_by_one: usage.read_one_by_one,
            note,
        })?;
        return Ok(Exit::Ok);
    }
    let shown = fingerprint.map_or_else(|| format!("key {id}"), |f| format!("{f} (key {id})"));
    if rows.is_empty() {
        println!("{shown} is granted nowhere this credential may see.");
    } else {
        let places = if rows.len() == 1 { "place" } else { "places" };
        println!("{shown} is granted at {} {places}:", rows.len());
        let table: Vec<Vec<String>> = rows
            .iter()
            .map(|r| vec![r.name.clone(), r.place.kind().to_string()])
            .collect();
        print_table(&["WHERE", "SCOPE"], &table);
    }
    println!("{note}");
    Ok(Exit::Ok)
}

/// How far the answer reaches, and, when only the lookups answered, how to see further.
fn note(usage: &Usage) -> String {
    let reach = usage.reach_sentence();
    if usage.source == UsageSource::Lookups {
        format!("{reach} `--thorough` reads them one by one.")
    } else {
        reach
    }
}

/// The projects a key given by its text is looked for in: the one named, else each project the
/// credential reaches.
async fn projects_to_search(ctx: &Context, args: &FindArgs) -> Result<Vec<String>, CliError> {
    Ok(match &args.workspace {
        Some(p) => vec![p.clone()],
        None if args.all_workspaces => super::all_workspaces::workspace_slugs(ctx).await?,
        None => match ctx.workspace_or_default(None) {
            Ok(p) => vec![p],
            Err(_) => super::all_workspaces::workspace_slugs(ctx).await?,
        },
    })
}

/// The key's id as the last stored scan of one of `projects` knows it, without a request. Data
/// Center keeps one id per key for as long as any grant holds it, so a stored id only goes
/// stale when the key was removed everywhere and added again; the lookups then answer 404.
fn stored_id(ctx: &Context, projects: &[String], fp: &Fingerprint) -> Option<u64> {
    let dir = ctx.cache_dir();
    projects.iter().find_map(|project| {
        let store::CacheLoad::Found(cached) = store::load(&dir, project) else {
            return None;
        };
        id_in(&cached.snapshot, fp)
    })
}

/// The id of the key with fingerprint `fp` in a scan of a project.
fn id_in(s: &Snapshot, fp: &Fingerprint) -> Option<u64> {
    s.repo_keys
        .values()
        .chain(s.project_keys.values())
        .filter_map(|l| match l {
            Listing::Keys(keys) => Some(keys),
            Listing::Failed(_) => None,
        })
        .flatten()
        .find(|k| fingerprint_of(k).as_ref() == Some(fp))
        .map(|k| k.id)
}

/// The key's id: one id per key on Data Center, the same at every grant. Found in the
/// listings of each of `projects` in turn: a scan of each, stored, so the next `keys find`
/// of a key there takes its id from the stored scan.
async fn id_of(ctx: &Context, projects: &[String], fp: &Fingerprint) -> Result<u64, CliError> {
    for project in projects {
        let scan = super::scan_cost::scan(ctx, project).await?;
        let snapshot = super::audit::remember(ctx, scan, time::OffsetDateTime::now_utc());
        if let Some(id) = id_in(&snapshot, fp) {
            return Ok(id);
        }
    }
    Err(CliError::new(
        Exit::Error,
        format!(
            "{fp} is on none of the repositories and projects of {} that this credential administers. {LIMITED}",
            projects.join(", ")
        ),
    ))
}
