//! `--fields`: which fields a listing prints, the same for its table, `--csv` and `--json`
//! (as `gh --json a,b` picks fields); and the one timestamp form every output uses.

use serde::Serialize;
use serde::ser::SerializeMap;
use serde_json::Value;

use super::context::Context;
use super::frame::Frame;
use super::output::{CliError, Exit, print_json, print_table};
use crate::ops::audit::Timestamp;
use crate::sanitize::clean_line;

/// The fields of a key row (`keys list`), in their `--json` and `--csv` order.
pub const KEY_FIELDS: &[&str] = &[
    "workspace",
    "repo",
    "project",
    "scope",
    "id",
    "label",
    "comment",
    "fingerprint",
    "key_type",
    "bits",
    "created_on",
    "last_used",
    // Data Center only: empty on Cloud, whose keys are read-only and never expire.
    "permission",
    "expires",
];

/// The fields of `workspaces`.
pub const WORKSPACE_FIELDS: &[&str] = &["slug", "name", "uuid", "administrator"];

/// The fields of `repos`.
pub const REPO_FIELDS: &[&str] = &["slug", "name", "project", "uuid"];

/// The fields of `audit --fields`: the columns of its CSV, one row per key holding.
pub const AUDIT_FIELDS: &[&str] = &[
    "workspace",
    "scope",
    "repo",
    "project",
    "id",
    "label",
    "comment",
    "fingerprint",
    "key_type",
    "bits",
    "created_on",
    "last_used",
    "reach",
    "findings",
];

/// `--fields a,b,c`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct FieldsArg {
    /// Fields to print, separated by commas: the columns of the table and of --csv, the keys
    /// of each --json object. An unknown field is refused with the list of valid ones.
    #[arg(long, value_name = "FIELDS", value_delimiter = ',')]
    pub fields: Vec<String>,
}

/// The output form a command was asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// An aligned table (the default).
    Table,
    /// `--json`.
    Json,
    /// `--csv`.
    Csv,
}

/// Form and field selection of a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    /// Table, JSON or CSV.
    pub format: Format,
    /// The fields asked for, checked; `None` prints every field in the command's usual layout.
    pub fields: Option<Vec<String>>,
}

impl Output {
    /// Whether the output is JSON.
    pub fn json(&self) -> bool {
        self.format == Format::Json
    }

    /// Whether the output is CSV.
    pub fn csv(&self) -> bool {
        self.format == Format::Csv
    }
}

impl FieldsArg {
    /// The output form, with the fields checked against `valid`.
    pub fn output(&self, ctx: &Context, csv: bool, valid: &[&str]) -> Result<Output, CliError> {
        output_for(ctx.json, csv, &self.fields, valid)
    }
}

/// The output form from `--json`, `--csv` and `--fields`.
pub fn output_for(
    json: bool,
    csv: bool,
    fields: &[String],
    valid: &[&str],
) -> Result<Output, CliError> {
    let format = match (json, csv) {
        (true, _) => Format::Json,
        (false, true) => Format::Csv,
        (false, false) => Format::Table,
    };
    Ok(Output {
        format,
        fields: check_fields(fields, valid)?,
    })
}

/// Checks the requested fields; an unknown one is a usage error naming every valid field.
pub fn check_fields(requested: &[String], valid: &[&str]) -> Result<Option<Vec<String>>, CliError> {
    let requested: Vec<String> = requested
        .iter()
        .map(|f| f.trim().to_string())
        .filter(|f| !f.is_empty())
        .collect();
    if requested.is_empty() {
        return Ok(None);
    }
    let unknown: Vec<&String> = requested
        .iter()
        .filter(|f| !valid.contains(&f.as_str()))
        .collect();
    if let Some(first) = unknown.first() {
        let name = clean_line(first);
        return Err(CliError::new(
            Exit::Usage,
            format!(
                "unknown field {name:?} in --fields; valid fields: {}",
                valid.join(", ")
            ),
        ));
    }
    Ok(Some(requested))
}

/// Prints `rows` with only `fields`, in that order, in the form asked for.
pub fn print_selected<T: Serialize>(
    format: Format,
    rows: &[T],
    fields: &[String],
) -> Result<(), CliError> {
    let values: Vec<Value> = rows
        .iter()
        .map(serde_json::to_value)
        .collect::<Result<_, _>>()
        .map_err(|e| CliError::new(Exit::Error, format!("cannot write the output: {e}")))?;
    print_selected_values(format, &values, fields)
}

/// Like [`print_selected`], for rows already turned into JSON objects.
pub fn print_selected_values(
    format: Format,
    values: &[Value],
    fields: &[String],
) -> Result<(), CliError> {
    match format {
        Format::Json => {
            let picked: Vec<Picked> = values.iter().map(|v| Picked { v, fields }).collect();
            print_json(&picked)
        }
        Format::Csv => {
            print!("{}", csv_of(values, fields));
            Ok(())
        }
        Format::Table => {
            let header: Vec<String> = fields.iter().map(|f| f.to_uppercase()).collect();
            let header: Vec<&str> = header.iter().map(String::as_str).collect();
            let rows: Vec<Vec<String>> = values
                .iter()
                .map(|v| fields.iter().map(|f| cell(v.get(f))).collect())
                .collect();
            print_table(&header, &rows);
            Ok(())
        }
    }
}

/// CSV of `values` with `fields` as the header.
pub fn csv_of(values: &[Value], fields: &[String]) -> String {
    let mut out = fields.join(",");
    out.push('\n');
    for v in values {
        let line: Vec<String> = fields
            .iter()
            .map(|f| csv_field(&clean_line(&cell(v.get(f)))))
            .collect();
        out.push_str(&line.join(","));
        out.push('\n');
    }
    out
}

/// Prints the audit's rows (its CSV, one row per key holding) with only `fields`. Across
/// workspaces, `frame` keeps one CSV header and separates the JSON arrays.
pub fn print_audit_rows(
    format: Format,
    csv: &str,
    fields: &[String],
    frame: &Frame,
) -> Result<(), CliError> {
    let mut records = parse_csv(csv).into_iter();
    let header = records.next().unwrap_or_default();
    let values: Vec<Value> = records
        .map(|rec| {
            let map: serde_json::Map<String, Value> = header
                .iter()
                .cloned()
                .zip(rec.into_iter().map(|c| Value::String(undefuse(c))))
                .collect();
            Value::Object(map)
        })
        .collect();
    match format {
        // Across workspaces the rows of each join one flat array.
        Format::Json if frame.is_many() => {
            for v in &values {
                frame.before_json();
                print_json(&Picked { v, fields })?;
            }
            Ok(())
        }
        Format::Json => print_selected_values(format, &values, fields),
        Format::Csv => {
            print!("{}", frame.csv_rows(&csv_of(&values, fields)));
            Ok(())
        }
        Format::Table => {
            frame.before_text();
            print_selected_values(format, &values, fields)
        }
    }
}

/// The CSV writer's defusing of a leading formula character, undone, so that writing the
/// field again does not defuse it twice.
fn undefuse(c: String) -> String {
    match c.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@']) => rest.to_string(),
        _ => c,
    }
}

/// Reads CSV as the audit writes it: fields quoted with `"` where needed, `""` for a quote,
/// line breaks allowed inside quotes.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, '\r') => {}
            (false, c) => field.push(c),
        }
    }
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push(record);
    }
    records
}

/// Fills the empty `project` column of the audit CSV's repository rows with the project the
/// repository belongs to (`project_repositories`, from the scan's repository list). Only whole
/// records are touched: a line that starts inside a quoted, multi-line label is left alone.
pub fn fill_repo_projects(
    csv: &str,
    project_repositories: &std::collections::BTreeMap<String, std::collections::BTreeSet<String>>,
) -> String {
    let project_of: std::collections::HashMap<&str, &str> = project_repositories
        .iter()
        .flat_map(|(p, repos)| repos.iter().map(move |r| (r.as_str(), p.as_str())))
        .collect();
    let mut out = String::with_capacity(csv.len() + csv.len() / 16);
    let mut in_quotes = false;
    for line in csv.split_inclusive('\n') {
        let starts_a_record = !in_quotes;
        in_quotes ^= line.bytes().filter(|b| *b == b'"').count() % 2 == 1;
        if starts_a_record {
            // workspace,scope,repo,project,...: slugs and scopes are never quoted.
            let mut cols = line.splitn(5, ',');
            if let (Some(ws), Some("repository"), Some(repo), Some(""), Some(rest)) = (
                cols.next(),
                cols.next(),
                cols.next(),
                cols.next(),
                cols.next(),
            ) && let Some(project) = project_of.get(repo)
            {
                out.push_str(&format!("{ws},repository,{repo},{project},{rest}"));
                continue;
            }
        }
        out.push_str(line);
    }
    out
}

/// A field as text: strings as they are, null as empty, anything else in its JSON form.
fn cell(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// Quotes a CSV field where needed, and defuses a leading formula character so that a label
/// such as `=HYPERLINK(...)` does not run when the file is opened in a spreadsheet.
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) || s.starts_with(['=', '+', '-', '@']) {
        let s = if s.starts_with(['=', '+', '-', '@']) {
            format!("'{s}")
        } else {
            s.to_string()
        };
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// One JSON object with only the chosen fields, in the order they were asked for.
struct Picked<'a> {
    v: &'a Value,
    fields: &'a [String],
}

impl Serialize for Picked<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.fields.len()))?;
        for f in self.fields {
            map.serialize_entry(f, self.v.get(f).unwrap_or(&Value::Null))?;
        }
        map.end()
    }
}

/// A server timestamp in the one form every output uses: RFC 3339 in UTC with `Z`
/// (`2026-11-28T09:30:00Z`), the form the audit's report has always used. Bitbucket writes
/// `+00:00` and fractions of a second; a text that is not a time is kept, cleaned.
pub fn utc_stamp(s: &str) -> String {
    match Timestamp::parse(s) {
        Some(t) => t.to_string(),
        None => clean_line(s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_become_utc_with_z() {
        assert_eq!(
            utc_stamp("2026-11-28T10:30:00.123456+01:00"),
            "2026-11-28T09:30:00.123456Z"
        );
        assert_eq!(
            utc_stamp("2026-11-28T09:30:00+00:00"),
            "2026-11-28T09:30:00Z"
        );
        assert_eq!(utc_stamp("yesterday"), "yesterday");
    }

    #[test]
    fn unknown_fields_are_refused_with_the_valid_ones() {
        let e = check_fields(&["label".into(), "colour".into()], KEY_FIELDS).unwrap_err();
        assert_eq!(e.exit, Exit::Usage);
        assert!(e.message.contains("\"colour\""), "{}", e.message);
        assert!(e.message.contains(&KEY_FIELDS.join(", ")), "{}", e.message);
        assert_eq!(
            check_fields(&["label".into(), " repo".into()], KEY_FIELDS).unwrap(),
            Some(vec!["label".to_string(), "repo".to_string()])
        );
        assert_eq!(check_fields(&[], KEY_FIELDS).unwrap(), None);
    }

    #[test]
    fn audit_csv_repository_rows_get_their_project() {
        let mut map = std::collections::BTreeMap::new();
        map.insert(
            "API".to_string(),
            std::collections::BTreeSet::from(["api".to_string()]),
        );
        let csv = "workspace,scope,repo,project,id,label\n\
                   acme,repository,api,,1,ci\n\
                   acme,repository,web,,2,\"two\n\
                   acme,repository,api,,3,x\"\n\
                   acme,project,,API,4,p\n";
        assert_eq!(
            fill_repo_projects(csv, &map),
            "workspace,scope,repo,project,id,label\n\
             acme,repository,api,API,1,ci\n\
             acme,repository,web,,2,\"two\n\
             acme,repository,api,,3,x\"\n\
             acme,project,,API,4,p\n"
        );
    }

    #[test]
    fn audit_fields_are_the_audit_csv_columns() {
        assert_eq!(AUDIT_FIELDS.join(","), crate::ops::audit::CSV_HEADER);
    }

    #[test]
    fn audit_csv_is_read_back_field_by_field() {
        let csv = "a,b,c\n1,\"x,\"\"y\"\"\nz\",\"'=f\"\n";
        let got = parse_csv(csv);
        assert_eq!(got.len(), 2);
        assert_eq!(got[1], vec!["1", "x,\"y\"\nz", "'=f"]);
        assert_eq!(undefuse(got[1][2].clone()), "=f");
    }

    #[test]
    fn csv_keeps_the_order_asked_for_and_defuses_formulas() {
        let v = vec![serde_json::json!({"label": "=cmd", "id": 7, "repo": null})];
        let f: Vec<String> = ["id", "repo", "label"].map(String::from).into();
        assert_eq!(csv_of(&v, &f), "id,repo,label\n7,,\"'=cmd\"\n");
    }
}
