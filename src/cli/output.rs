//! Exit codes, error printing, confirmation questions, JSON and aligned tables.

use std::io::{IsTerminal, Write};

use serde_json::ser::{Formatter, PrettyFormatter};
use unicode_width::UnicodeWidthStr;

use crate::bitbucket::ApiError;
use crate::config::ConfigError;
use crate::forge::ForgeError;
use crate::sanitize::clean_cell;

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
    /// `audit --fail-on`: a finding at or above the level remains after the baseline.
    Findings = 5,
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

impl From<ForgeError> for CliError {
    fn from(e: ForgeError) -> Self {
        let exit = if e.is_auth_problem() {
            Exit::Auth
        } else {
            Exit::Error
        };
        CliError {
            exit,
            kind: e.code().to_string(),
            message: e.advice,
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
            ConfigError::Usage(m) => CliError {
                exit: Exit::Usage,
                message: m,
                kind: "usage".into(),
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

/// Prints rows as an aligned table with a header. Cells are sanitised; long cells are cut only
/// on a terminal, where a row must fit the screen: a pipe or a file gets every cell whole, since
/// what is cut there (where an operation ran, a label) is lost to the reader for good.
pub fn print_table(header: &[&str], rows: &[Vec<String>]) {
    let mut out = String::new();
    render_table(&mut out, header, rows, stdout_is_terminal());
    print!("{out}");
}

/// Whether standard output is a terminal (tables may then cut long cells).
pub fn stdout_is_terminal() -> bool {
    std::io::stdout().is_terminal()
}

/// Renders an aligned table into `out`, cutting long cells when `cut`.
pub fn render_table(out: &mut String, header: &[&str], rows: &[Vec<String>], cut: bool) {
    // Wide enough for a whole SHA256 fingerprint (50 columns); longer labels are cut.
    const MAX_CELL: usize = 56;
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            r.iter()
                .map(|c| {
                    let c = clean_cell(c);
                    if cut { fit(&c, MAX_CELL) } else { c }
                })
                .collect()
        })
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

/// Prints `value` as pretty JSON. Strings keep what the server sent; whatever a terminal would
/// act on or hide is written as a `\\u` escape (see [`SafeJson`]), so the text is safe to show
/// and a parser still gets the original.
pub(super) fn print_json<T: serde::Serialize>(value: &T) -> Result<(), CliError> {
    // Written as it is produced: 30,000 rows need not also sit in memory as one string.
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut ser = serde_json::Serializer::with_formatter(&mut out, SafeJson::default());
    value
        .serialize(&mut ser)
        .map_err(std::io::Error::other)
        .and_then(|()| writeln!(out))
        .and_then(|()| out.flush())
        .map_err(|e| CliError::new(Exit::Error, format!("cannot write JSON: {e}")))
}

/// serde_json's pretty printer, escaping more than JSON requires: serde_json escapes only C0
/// controls, and DEL, C1 controls (a one-character CSI), bidirectional overrides and
/// zero-width characters would reach the terminal as they are.
#[derive(Default)]
pub(super) struct SafeJson<'a>(PrettyFormatter<'a>);

fn needs_escape(c: char) -> bool {
    crate::sanitize::is_hidden_or_active(c)
}

impl Formatter for SafeJson<'_> {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        let mut rest = fragment;
        while let Some((i, c)) = rest.char_indices().find(|(_, c)| needs_escape(*c)) {
            writer.write_all(&rest.as_bytes()[..i])?;
            write!(writer, "\\u{:04x}", u32::from(c))?;
            rest = &rest[i + c.len_utf8()..];
        }
        writer.write_all(rest.as_bytes())
    }

    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object_value(w)
    }
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
    use serde::Serialize;

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
            true,
        );
        assert_eq!(out, "A     B\n日本  x\nab    y\n");
    }

    #[test]
    fn only_a_terminal_table_cuts_cells() {
        let long = "x".repeat(80);
        let rows = [vec![long.clone(), "y".into()]];
        let mut cut = String::new();
        render_table(&mut cut, &["A", "B"], &rows, true);
        assert!(cut.contains('…') && !cut.contains(&long), "{cut}");
        let mut whole = String::new();
        render_table(&mut whole, &["A", "B"], &rows, false);
        assert!(whole.contains(&long) && !whole.contains('…'), "{whole}");
    }

    #[test]
    fn json_escapes_what_a_terminal_would_act_on_and_keeps_the_text() {
        let original = "a\u{1b}]0;t\u{7}b\u{9b}2J\u{202e}c\u{200b}d\u{7f}é\"";
        let mut buf = Vec::new();
        let mut ser = serde_json::Serializer::with_formatter(&mut buf, SafeJson::default());
        serde_json::json!({ "label": original, "n": [1, 2] })
            .serialize(&mut ser)
            .unwrap();
        let text = String::from_utf8(buf).unwrap();
        assert!(
            !text.chars().any(|c| needs_escape(c) && c != '\n'),
            "{text:?}"
        );
        assert!(
            text.contains("\\u009b") && text.contains("\\u200b"),
            "{text}"
        );
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back["label"], original);
        assert_eq!(back["n"], serde_json::json!([1, 2]));
    }

    #[test]
    fn fit_cuts_with_ellipsis() {
        assert_eq!(fit("abcdef", 4), "abc…");
        assert_eq!(fit("日本語", 4), "日…");
        assert_eq!(fit("ab", 4), "ab");
    }
}
