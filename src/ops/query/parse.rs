//! The query parser: every refusal names the character where it went wrong and what is
//! allowed there.

use time::Date;

use super::{Cmp, FIELDS, KEY_TYPES, Query, Term, When};

/// A query that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the query is malformed at character {position}: {message}")]
pub struct QueryError {
    /// The character (1-based) where the problem starts.
    pub position: usize,
    /// What is wrong and what would be right.
    pub message: String,
}

fn fields_list() -> String {
    let named: Vec<String> = FIELDS
        .iter()
        .filter(|f| !f.is_empty())
        .map(|f| format!("{f}:"))
        .collect();
    format!(
        "{}, or a plain word (matched in the label)",
        named.join(", ")
    )
}

/// Parses `text`. An empty text is the empty query, which matches everything.
pub fn parse_query(text: &str) -> Result<Query, QueryError> {
    let chars: Vec<char> = text.chars().collect();
    let mut terms = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        // A field name is letters up to a colon; anything else is a plain word.
        let mut j = i;
        while j < chars.len() && chars[j].is_ascii_alphabetic() {
            j += 1;
        }
        let field = (j < chars.len() && chars[j] == ':' && j > i)
            .then(|| chars[i..j].iter().collect::<String>().to_ascii_lowercase());
        let value_start = if field.is_some() { j + 1 } else { i };
        let (value, next) = read_value(&chars, value_start)?;
        i = next;
        let at = |offset: usize| QueryError {
            position: offset + 1,
            message: String::new(),
        };
        let term = match field.as_deref() {
            None => {
                if value.is_empty() {
                    return Err(QueryError {
                        message: "an empty word".into(),
                        ..at(start)
                    });
                }
                Term::Word(value)
            }
            Some(f) => field_term(f, value, value_start).map_err(|message| QueryError {
                message,
                ..at(if message_is_about_field(f) {
                    start
                } else {
                    value_start
                })
            })?,
        };
        terms.push(term);
    }
    Ok(Query { terms })
}

fn message_is_about_field(f: &str) -> bool {
    !FIELDS.contains(&f)
}

/// A bare value runs to the next white space; a quoted one to its closing quote, with `\"`
/// and `\\` inside.
fn read_value(chars: &[char], start: usize) -> Result<(String, usize), QueryError> {
    if chars.get(start) != Some(&'"') {
        let mut end = start;
        while end < chars.len() && !chars[end].is_whitespace() {
            if chars[end] == '"' {
                return Err(QueryError {
                    position: end + 1,
                    message: "a quote inside a word: put the whole value in quotes".into(),
                });
            }
            end += 1;
        }
        return Ok((chars[start..end].iter().collect(), end));
    }
    let mut out = String::new();
    let mut k = start + 1;
    while k < chars.len() {
        match chars[k] {
            '\\' if matches!(chars.get(k + 1), Some('"' | '\\')) => {
                out.push(chars[k + 1]);
                k += 2;
            }
            '"' => {
                if chars.get(k + 1).is_some_and(|c| !c.is_whitespace()) {
                    return Err(QueryError {
                        position: k + 2,
                        message: "a space must follow the closing quote".into(),
                    });
                }
                return Ok((out, k + 1));
            }
            c => {
                out.push(c);
                k += 1;
            }
        }
    }
    Err(QueryError {
        position: start + 1,
        message: "this quote is never closed".into(),
    })
}

fn field_term(field: &str, value: String, _at: usize) -> Result<Term, String> {
    let nonempty = |v: String, what: &str| {
        if v.is_empty() {
            Err(format!(
                "{field}: needs {what}, such as {field}:{}",
                example(field)
            ))
        } else {
            Ok(v)
        }
    };
    match field {
        "label" => Ok(Term::Label(nonempty(value, "a pattern")?)),
        "repo" => Ok(Term::Repo(nonempty(value, "a pattern")?)),
        "project" => Ok(Term::Project(nonempty(value, "a pattern")?)),
        "type" => {
            let v = value.to_ascii_lowercase();
            if KEY_TYPES.contains(&v.as_str()) {
                Ok(Term::Type(v))
            } else {
                Err(format!(
                    "{value:?} is not a key type: use one of {}",
                    KEY_TYPES.join(", ")
                ))
            }
        }
        "bits" => {
            let (cmp, rest) = comparison(&value);
            rest.parse::<u32>()
                .map(|n| Term::Bits(cmp, n))
                .map_err(|_| format!("bits: takes a number with <, <=, >, >= or =, such as bits:<3072, not {value:?}"))
        }
        "used" if value.eq_ignore_ascii_case("never") => Ok(Term::NeverUsed),
        "used" => {
            let (cmp, rest) = comparison(&value);
            when(rest).map(|w| Term::Used(cmp, w)).map_err(|e| {
                format!(
                    "used: takes never, an age or a date ({e}), such as used:>365d or used:never"
                )
            })
        }
        "added" => {
            let (cmp, rest) = comparison(&value);
            when(rest).map(|w| Term::Added(cmp, w)).map_err(|e| {
                format!("added: takes an age or a date ({e}), such as added:<2022-01-01")
            })
        }
        "finding" => {
            if !value.is_empty()
                && value
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            {
                Ok(Term::Finding(value))
            } else {
                Err(format!(
                    "finding: takes a finding code such as finding:never_used, not {value:?}"
                ))
            }
        }
        other => Err(format!(
            "{other:?} is not a field: use {} (quote a word that holds a colon)",
            fields_list()
        )),
    }
}

fn example(field: &str) -> &'static str {
    match field {
        "label" => "jenkins*",
        "repo" => "api-*",
        _ => "API",
    }
}

fn comparison(v: &str) -> (Cmp, &str) {
    for (prefix, cmp) in [
        ("<=", Cmp::Le),
        (">=", Cmp::Ge),
        ("<", Cmp::Lt),
        (">", Cmp::Gt),
        ("=", Cmp::Eq),
    ] {
        if let Some(rest) = v.strip_prefix(prefix) {
            return (cmp, rest);
        }
    }
    (Cmp::Eq, v)
}

/// `2022-01-01`, or an age: `30d`, `6w`, `2y` (a year is 365 days).
fn when(v: &str) -> Result<When, String> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    if let Ok(d) = Date::parse(v, &format) {
        return Ok(When::Date(d));
    }
    let unit = v.chars().last().ok_or("nothing after the operator")?;
    let days_per = match unit {
        'd' => 1,
        'w' => 7,
        'y' => 365,
        _ => {
            return Err(format!(
                "{v:?} is neither a date (YYYY-MM-DD) nor an age in d, w or y"
            ));
        }
    };
    v[..v.len() - 1]
        .parse::<u32>()
        .ok()
        .and_then(|n| n.checked_mul(days_per))
        .map(When::AgeDays)
        .ok_or_else(|| format!("{v:?} is not a whole number of days, weeks or years"))
}
