//! Exit codes, error printing, confirmation questions, JSON and aligned tables.

use std::io::{IsTerminal, Write};
use unicode_width::UnicodeWidthStr;

use crate::bitbucket::ApiError;
use crate::config::ConfigError;
use crate::sanitize::clean_line;

/// Process exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Success.
    Ok = 0,
    /// An error.
    Error = 1,
    /// Wrong usage (bad arguments, a destructive command without `--yes` off a terminal).
    Usage = 2,
    /// Authentication or permission problem.
    Auth = 3,
    /// Some items of a bulk operation or listing failed.
    Partial = 4,
    /// `plan --detailed-exitcode`: the plan has changes.
    Changes = 6,
}

/// An error that ends the command: its sentence and its exit code.
#[derive(Debug)]
pub struct CliError {
    /// Exit code.
    pub exit: Exit,
    /// The sentence.
    pub message: String,
    /// Error class for `--json` (`api` errors carry their kind).
    pub kind: String,
    /// HTTP status, for API errors.
    pub status: Option<u16>,
}

impl CliError {
    /// A plain error.
    pub fn new(exit: Exit, message: impl Into<String>) -> Self {
        let kind = match exit {
            Exit::Usage => "usage",
            Exit::Auth => "auth",
            Exit::Partial => "partial",
            _ => "error",
        };
        CliError {
            exit,
            message: message.into(),
            kind: kind.into(),
            status: None,
        }
    }

    /// Prints the error on stderr: a sentence, or one JSON object under `--json`.
    pub fn print(&self, json: bool) {
        if json {
            let obj = serde_json::json!({
                "error": { "kind": self.kind, "status": self.status, "message": self.message, "exit_code": self.exit as i32 }
            });
            eprintln!("{obj}");
        } else {
            eprintln!("bbkeys: {}", self.message);
        }
    }
}

impl From<ApiError> for CliError {
    fn from(e: ApiError) -> Self {
        let exit = if e.is_auth_problem() {
            Exit::Auth
        } else {
            Exit::Error
        };
        let kind = serde_json::to_value(e.kind)
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_else(|| "api".into());
        CliError {
            exit,
            message: e.to_string(),
            kind,
            status: e.status,
        }
    }
}

impl From<ConfigError> for CliError {
    fn from(e: ConfigError) -> Self {
        match e {
            ConfigError::Invalid(m) => CliError {
                exit: Exit::Error,
                message: m,
                kind: "config".into(),
                status: None,
            },
            ConfigError::Credential(m) => CliError {
                exit: Exit::Auth,
                message: m,
                kind: "credential".into(),
                status: None,
            },
        }
    }
}

/// Cuts `s` to `max` display columns with an ellipsis, counting wide characters correctly.
pub fn fit(s: &str, max: usize) -> String {
    if s.width() <= max {
        return s.to_string();
    }
    let mut out = String::new();
    let mut w = 0;
    for c in s.chars() {
        let cw = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if w + cw + 1 > max {
            break;
        }
        out.push(c);
        w += cw;
    }
    out.push('…');
    out
}

/// Prints rows as an aligned table with a header. Cells are sanitised and long cells cut.
pub fn print_table(header: &[&str], rows: &[Vec<String>]) {
    let mut out = String::new();
    render_table(&mut out, header, rows);
    print!("{out}");
}

/// Renders an aligned table into `out`.
pub fn render_table(out: &mut String, header: &[&str], rows: &[Vec<String>]) {
    // Wide enough for a whole SHA256 fingerprint (50 columns); longer labels are cut.
    const MAX_CELL: usize = 56;
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|c| fit(&clean_line(c), MAX_CELL)).collect())
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.width()).collect();
    for r in &cells {
        for (i, c) in r.iter().enumerate() {
            if i < widths.len() {
                widths[i] = widths[i].max(c.width());
            }
        }
    }
    let line = |out: &mut String, r: &[String]| {
        let n = r.len();
        for (i, c) in r.iter().enumerate() {
            out.push_str(c);
            if i + 1 < n {
                out.push_str(&" ".repeat(widths[i].saturating_sub(c.width()) + 2));
            }
        }
        out.push('\n');
    };
    line(
        out,
        &header.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
    );
    for r in &cells {
        line(out, r);
    }
}

pub(super) fn print_json<T: serde::Serialize>(value: &T) -> Result<(), CliError> {
    // Written as it is produced: 30,000 rows need not also sit in memory as one string.
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    serde_json::to_writer_pretty(&mut out, value)
        .map_err(std::io::Error::other)
        .and_then(|()| writeln!(out))
        .and_then(|()| out.flush())
        .map_err(|e| CliError::new(Exit::Error, format!("cannot write JSON: {e}")))
}

/// Asks a yes/no question on the terminal; the default is No.
pub(super) fn confirm(question: &str) -> bool {
    eprint!("{question} [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    let _ = std::io::stdin().read_line(&mut answer);
    matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes")
}

pub(super) fn require_yes_off_terminal(yes: bool, what: &str) -> Result<(), CliError> {
    if !yes && !std::io::stdin().is_terminal() {
        return Err(CliError::new(
            Exit::Usage,
            format!(
                "refusing to {what} without confirmation: stdin is not a terminal, so pass --yes"
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_aligns_wide_characters() {
        let mut out = String::new();
        render_table(
            &mut out,
            &["A", "B"],
            &[
                vec!["日本".into(), "x".into()],
                vec!["ab".into(), "y".into()],
            ],
        );
        assert_eq!(out, "A     B\n日本  x\nab    y\n");
    }

    #[test]
    fn fit_cuts_with_ellipsis() {
        assert_eq!(fit("abcdef", 4), "abc…");
        assert_eq!(fit("日本語", 4), "日…");
        assert_eq!(fit("ab", 4), "ab");
    }
}
