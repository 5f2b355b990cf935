//! The table of rejected input in docs/security.md, run row by row (issue 9, "Bad input"): each row's
//! command is run on its input and must exit with the row's code and print the row's message
//! as the first line of standard error. The table is the test's data, so the two cannot drift;
//! `BBKEYS_BLESS=1` rewrites the exit and message cells from what bbkeys actually says.
//!
//! Cell conventions (so rows stay short and copyable):
//! - Input: `\n`, `\t`, `\a` (BEL) and `\e` (ESC) are escapes; `{key:N}` is line N of the demo
//!   keys, `{blob:N}` its type and data without comment, `{b64:N}` its data alone,
//!   `{b64:N:L}` the first L characters of that, `{repeat:C:N}` the character C N times.
//! - Command: `NAME=value` words before `bbkeys` set the environment; `-` reads the input on
//!   standard input (never a terminal here); `@key` and `@config` are files `~/key.pub` and
//!   `~/config.toml` holding it. The same expansions apply.
//! - Message: `\|`, `&lt;` and `&gt;` stand for `|`, `<` and `>`; `~` is the home directory.

use std::path::Path;

use crate::common::stderr;

/// The page that holds the table.
const PAGE: &str = "docs/security.md";
const BEGIN: &str = "<!-- bad-input:begin -->";
const END: &str = "<!-- bad-input:end -->";

/// One row of the table, as written.
struct Row {
    line: usize,
    input: String,
    command: String,
    exit: String,
    message: String,
}

fn readme_path() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(PAGE)
}

/// Splits a table row on `|` that is not escaped.
fn cells(line: &str) -> Vec<String> {
    let inner = line.trim().trim_start_matches('|').trim_end_matches('|');
    let mut out = vec![String::new()];
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                chars.next();
                out.last_mut().unwrap().push_str("\\|");
            }
            '|' => out.push(String::new()),
            c => out.last_mut().unwrap().push(c),
        }
    }
    out.into_iter().map(|c| c.trim().to_string()).collect()
}

fn code(cell: &str) -> String {
    cell.strip_prefix('`')
        .and_then(|c| c.strip_suffix('`'))
        .unwrap_or(cell)
        .to_string()
}

fn rows(readme: &str) -> Vec<Row> {
    let start = readme
        .find(BEGIN)
        .expect("docs/security.md lacks the bad-input table");
    let first_line = readme[..start].lines().count() + 1;
    let end = readme[start..].find(END).unwrap() + start;
    readme[start..end]
        .lines()
        .enumerate()
        .filter(|(_, l)| l.starts_with('|') && !l.starts_with("|---"))
        .skip(1)
        .map(|(i, l)| {
            let c = cells(l);
            assert_eq!(
                c.len(),
                5,
                "docs/security.md line {}: five cells",
                first_line + i
            );
            Row {
                line: first_line + i,
                input: code(&c[1]),
                command: code(&c[2]),
                exit: c[3].clone(),
                message: c[4].clone(),
            }
        })
        .collect()
}

fn demo_key(n: usize) -> &'static str {
    bbkeys::demo::key_line(n).unwrap_or_else(|| panic!("no demo key {n}"))
}

/// Applies the cell conventions of the module documentation.
fn expand(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        let placeholder = ["{key:", "{blob:", "{b64:", "{repeat:"]
            .iter()
            .any(|p| rest.starts_with(p));
        if placeholder && let Some(close) = rest.find('}') {
            let parts: Vec<&str> = rest[1..close].split(':').collect();
            let n = |i: usize| parts[i].parse::<usize>().unwrap();
            let words = |k: usize| demo_key(n(1)).split(' ').take(k).collect::<Vec<_>>();
            out.push_str(&match parts[0] {
                "key" => demo_key(n(1)).to_string(),
                "blob" => words(2).join(" "),
                "b64" if parts.len() == 3 => words(2)[1][..n(2)].to_string(),
                "b64" => words(2)[1].to_string(),
                _ => parts[1].repeat(n(2)),
            });
            rest = &rest[close + 1..];
            continue;
        }
        if c == '\\' && rest.len() > 1 {
            let escaped = match rest.as_bytes()[1] {
                b'n' => Some('\n'),
                b't' => Some('\t'),
                b'a' => Some('\u{7}'),
                b'e' => Some('\u{1b}'),
                _ => None,
            };
            if let Some(e) = escaped {
                out.push(e);
                rest = &rest[2..];
                continue;
            }
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// Shell-like words: blanks separate, `"..."` and `'...'` group (and may be empty).
fn words(command: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word: Option<String> = None;
    let mut quote: Option<char> = None;
    for c in command.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.get_or_insert_with(String::new).push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                word.get_or_insert_with(String::new);
            }
            (None, c) if c.is_whitespace() => out.extend(word.take()),
            (None, c) => word.get_or_insert_with(String::new).push(c),
        }
    }
    out.extend(word);
    out
}

fn unescape(message: &str) -> String {
    message
        .replace("\\|", "|")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
}

fn escape(message: &str) -> String {
    message
        .replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Runs one row; returns (exit code, first line of stderr with the home shown as `~`).
async fn run(row: &Row) -> (String, String) {
    let home = tempfile::tempdir().unwrap();
    let input = expand(&row.input);
    let mut env: Vec<(String, String)> = vec![("BBKEYS_KEYRING".into(), "off".into())];
    let mut args = Vec::new();
    let mut seen_bbkeys = false;
    for w in words(&row.command) {
        if !seen_bbkeys {
            match w.split_once('=') {
                Some((k, v)) => env.push((k.into(), expand(v))),
                None => {
                    assert_eq!(w, "bbkeys", "docs/security.md line {}", row.line);
                    seen_bbkeys = true;
                }
            }
            continue;
        }
        args.push(match w.as_str() {
            "@key" | "@config" => {
                let name = if w == "@key" {
                    "key.pub"
                } else {
                    "config.toml"
                };
                let path = home.path().join(name);
                std::fs::write(&path, &input).unwrap();
                path.display().to_string()
            }
            _ => expand(&w),
        });
    }
    let env_refs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let arg_refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = bbkeys_with_input(home.path(), &env_refs, &arg_refs, &input).await;
    let home_text = home.path().display().to_string();
    let first = stderr(&out)
        .lines()
        .next()
        .unwrap_or("")
        .replace(&home_text, "~");
    let exit = out.status.code().map_or("signal".into(), |c| c.to_string());
    (exit, first)
}

/// Like `common::bbkeys`, but standard input is a file, so bbkeys may stop reading it early
/// (a 17,000-byte key is refused after 16 KiB) without breaking a pipe.
async fn bbkeys_with_input(
    home: &Path,
    envs: &[(&str, &str)],
    args: &[&str],
    input: &str,
) -> std::process::Output {
    let stdin_path = home.join("stdin.txt");
    std::fs::write(&stdin_path, input).unwrap();
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_bbkeys"));
    cmd.args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("XDG_DATA_HOME", home.join("data"))
        .envs(envs.iter().copied())
        .stdin(std::fs::File::open(&stdin_path).unwrap());
    tokio::time::timeout(std::time::Duration::from_secs(60), cmd.output())
        .await
        .expect("bbkeys hung")
        .unwrap()
}

#[tokio::test]
async fn every_rejected_input_in_the_readme_gets_its_message() {
    let readme = std::fs::read_to_string(readme_path()).unwrap();
    let table = rows(&readme);
    assert!(table.len() >= 40, "the table lists every rejected input");
    // Run a few rows at a time: each starts a process (and some the demo simulator).
    let mut results = Vec::new();
    for chunk in table.chunks(6) {
        results.extend(futures::future::join_all(chunk.iter().map(run)).await);
    }
    let bless = std::env::var_os("BBKEYS_BLESS").is_some();
    let mut fixed = readme.clone();
    let mut wrong = Vec::new();
    for (row, (exit, message)) in table.iter().zip(&results) {
        assert_ne!(
            exit, "101",
            "docs/security.md line {}: bbkeys panicked",
            row.line
        );
        assert_ne!(
            exit, "0",
            "docs/security.md line {}: the input was accepted",
            row.line
        );
        if *exit != row.exit || *message != unescape(&row.message) {
            wrong.push(format!(
                "docs/security.md line {}: `{}`\n  want {} {}\n  got  {} {}",
                row.line, row.command, row.exit, row.message, exit, message
            ));
            let old = format!("| {} | {} |", row.exit, row.message);
            let new = format!("| {} | {} |", exit, escape(message));
            fixed = fixed.replacen(&old, &new, 1);
        }
    }
    if bless && !wrong.is_empty() {
        std::fs::write(readme_path(), fixed).unwrap();
        return;
    }
    assert!(
        wrong.is_empty(),
        "rerun with BBKEYS_BLESS=1 to update docs/security.md:\n{}",
        wrong.join("\n")
    );
}
