//! The terminal side of a login: prompts without echo, and the token read from standard input.
//! Both the Cloud and the Data Center login flows ask through these.

use std::io::{BufRead, IsTerminal, Read, Write};

use super::output::{CliError, Exit};
use crate::bitbucket::client::Secret;
use crate::credentials::login::Prompter;

pub(super) fn read_token_from_stdin() -> Result<Secret, CliError> {
    let mut text = String::new();
    std::io::stdin()
        .lock()
        .take(64 * 1024)
        .read_to_string(&mut text)
        .map_err(|e| CliError::new(Exit::Error, format!("cannot read standard input: {e}")))?;
    let token = text.lines().next().unwrap_or("").trim().to_string();
    if token.is_empty() {
        return Err(CliError::new(
            Exit::Usage,
            "--with-token reads the token from standard input, which was empty",
        ));
    }
    Ok(Secret::new(token))
}

/// Prompts on the terminal: visible lines on standard input, the token with echo off
/// (crossterm's raw mode), y/N questions defaulting to No.
pub(super) struct TerminalPrompter {
    /// Standard input already carried the token (`--with-token`), so it cannot answer.
    pub(super) stdin_taken: bool,
}

impl TerminalPrompter {
    fn interactive(&self) -> bool {
        !self.stdin_taken && std::io::stdin().is_terminal()
    }
}

impl Prompter for TerminalPrompter {
    fn line(&mut self, prompt: &str) -> Result<String, String> {
        if !self.interactive() {
            return Err(format!(
                "no terminal to ask for \"{}\": pass it as an option (--email)",
                prompt.trim_end_matches([' ', ':'])
            ));
        }
        eprint!("{prompt}");
        let _ = std::io::stderr().flush();
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| format!("cannot read the answer: {e}"))?;
        Ok(line.trim().to_string())
    }

    fn secret(&mut self, prompt: &str) -> Result<String, String> {
        if !self.interactive() {
            return Err(
                "no terminal to ask for the token: pipe it in with --with-token".to_string(),
            );
        }
        eprint!("{prompt}");
        let _ = std::io::stderr().flush();
        let read = read_hidden();
        eprintln!();
        read
    }

    fn confirm(&mut self, question: &str) -> Result<bool, String> {
        if !self.interactive() {
            // No one to ask: the answer is the default, No.
            return Ok(false);
        }
        let answer = self.line(&format!("{question} [y/N] "))?;
        Ok(matches!(answer.to_lowercase().as_str(), "y" | "yes"))
    }

    fn say(&mut self, message: &str) {
        eprintln!("bbkeys: {message}");
    }
}

/// Restores the terminal even when reading fails or panics.
struct RawMode;

impl Drop for RawMode {
    fn drop(&mut self) {
        let _ = crossterm::terminal::disable_raw_mode();
    }
}

/// Reads one line with echo off. Enter ends it, Backspace deletes, Esc or Ctrl-C cancels.
fn read_hidden() -> Result<String, String> {
    use crossterm::event::{Event, KeyCode, KeyEventKind, KeyModifiers, read};
    crossterm::terminal::enable_raw_mode()
        .map_err(|e| format!("cannot switch off the terminal echo: {e}"))?;
    let _restore = RawMode;
    let mut text = String::new();
    loop {
        let event = read().map_err(|e| format!("cannot read the terminal: {e}"))?;
        let Event::Key(key) = event else {
            continue;
        };
        if key.kind == KeyEventKind::Release {
            continue;
        }
        match key.code {
            KeyCode::Enter => return Ok(text),
            KeyCode::Esc => return Err("cancelled".into()),
            KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                return Err("cancelled".into());
            }
            KeyCode::Backspace => {
                text.pop();
            }
            KeyCode::Char(c) => text.push(c),
            _ => {}
        }
    }
}
