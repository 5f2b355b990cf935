//! Label templates: `{workspace}`, `{repo}`, `{project}` and, on a relabel, `{label}`. The
//! same rules serve add and relabel, in the TUI and the CLI.

use crate::forge::Place;

/// The placeholders of a relabel template.
const RELABEL_PLACEHOLDERS: [&str; 4] = ["workspace", "repo", "project", "label"];

/// The placeholders of a label given to an add: a new key has no old label.
const ADD_PLACEHOLDERS: [&str; 3] = ["workspace", "repo", "project"];

/// One piece of a label template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Piece<'a> {
    /// Text taken as is.
    Text(&'a str),
    /// `{name}`.
    Placeholder(&'a str),
}

/// Splits a template into text and placeholders. `{{` and `}}` stand for literal braces, so
/// a label can still hold one; a lone brace is refused rather than guessed at.
fn pieces(t: &str) -> Result<Vec<Piece<'_>>, String> {
    let mut out = Vec::new();
    let mut rest = t;
    while let Some(at) = rest.find(['{', '}']) {
        if at > 0 {
            out.push(Piece::Text(&rest[..at]));
        }
        let brace = &rest[at..at + 1];
        let after = &rest[at + 1..];
        if after.starts_with(brace) {
            out.push(Piece::Text(brace));
            rest = &after[1..];
            continue;
        }
        if brace == "}" {
            return Err(format!(
                "the label template {t:?} has a '}}' without '{{' (write }}}} for a literal brace)"
            ));
        }
        let close = after.find('}').ok_or_else(|| {
            format!(
                "the label template {t:?} has a '{{' without '}}' (write {{{{ for a literal brace)"
            )
        })?;
        out.push(Piece::Placeholder(&after[..close]));
        rest = &after[close + 1..];
    }
    if !rest.is_empty() {
        out.push(Piece::Text(rest));
    }
    Ok(out)
}

/// `{workspace}, {repo} and {project}`.
fn known_list(known: &[&str]) -> String {
    let names: Vec<String> = known.iter().map(|n| format!("{{{n}}}")).collect();
    match names.split_last() {
        Some((last, first)) if !first.is_empty() => format!("{} and {last}", first.join(", ")),
        _ => names.concat(),
    }
}

fn check_placeholders(t: &str, known: &[&str]) -> Result<(), String> {
    for piece in pieces(t)? {
        if let Piece::Placeholder(name) = piece
            && !known.contains(&name)
        {
            return Err(format!(
                "the label template {t:?} uses {{{name}}}; the placeholders are {}",
                known_list(known)
            ));
        }
    }
    Ok(())
}

/// Checks a relabel template's placeholders: `{workspace}`, `{repo}`, `{project}`, `{label}`.
pub fn validate_template(t: &str) -> Result<(), String> {
    check_placeholders(t, &RELABEL_PLACEHOLDERS)
}

/// Checks the label of an add, which may be a template: `{workspace}`, `{repo}` and
/// `{project}` (a new key has no old label, so `{label}` is refused).
pub fn validate_add_template(t: &str) -> Result<(), String> {
    check_placeholders(t, &ADD_PLACEHOLDERS)
}

/// Whether template `t` uses placeholder `name` (for example, whether the projects of the
/// repositories must be looked up for `{project}`).
pub fn template_uses(t: &str, name: &str) -> bool {
    pieces(t).is_ok_and(|p| p.contains(&Piece::Placeholder(name)))
}

/// Renders a label template for one key, and checks the result is a usable label.
pub fn render_label(
    template: &str,
    scope: &Place,
    old_label: &str,
    project_of_repo: Option<&str>,
) -> Result<String, String> {
    let (repo, project) = match scope {
        Place::Repository { repo, .. } => (repo.as_str(), project_of_repo.unwrap_or("")),
        Place::Project { project, .. } => ("", project.as_str()),
    };
    let mut label = String::new();
    for piece in pieces(template)? {
        label.push_str(match piece {
            Piece::Text(t) => t,
            Piece::Placeholder("workspace") => scope.owner(),
            Piece::Placeholder("repo") => repo,
            Piece::Placeholder("project") => project,
            Piece::Placeholder("label") => old_label,
            Piece::Placeholder(name) => {
                return Err(format!(
                    "the label template {template:?} uses {{{name}}}; the placeholders are {}",
                    known_list(&RELABEL_PLACEHOLDERS)
                ));
            }
        });
    }
    let label = label.trim().to_string();
    if label.is_empty() {
        return Err(format!(
            "the template {template:?} gives an empty label here"
        ));
    }
    if label.chars().any(char::is_control) {
        return Err("the label would contain control characters".into());
    }
    if label.chars().count() > 255 {
        return Err("the label would be longer than 255 characters".into());
    }
    Ok(label)
}
