//! Editing one line of text the way a shell prompt does: ←/→, Home/End (Ctrl-A/Ctrl-E),
//! Backspace and Delete, Ctrl-U and Ctrl-W. Every text field of the UI goes through here: the
//! filters and the dialogs' inputs.
//!
//! The caret is counted in characters from the end of the text. Typing at the end, by far the
//! usual case, then needs no bookkeeping, and a caret that outlived a shorter text is simply
//! clamped.

use crate::tui::state::msg::TextInput;

/// Applies an editing key to `text` with the caret `back` characters from its end. Returns
/// whether the text changed; keys that are not editing keys change nothing.
pub fn edit(text: &mut String, back: &mut usize, t: &TextInput) -> bool {
    let mut chars: Vec<char> = text.chars().collect();
    let len = chars.len();
    *back = (*back).min(len);
    let at = len - *back;
    let changed = match t {
        TextInput::Char(c) if !c.is_control() => {
            chars.insert(at, *c);
            true
        }
        TextInput::Paste(p) => {
            chars.splice(at..at, p.chars());
            !p.is_empty()
        }
        TextInput::Backspace if at > 0 => {
            chars.remove(at - 1);
            true
        }
        TextInput::Delete if *back > 0 => {
            chars.remove(at);
            *back -= 1;
            true
        }
        TextInput::Left => {
            *back = (*back + 1).min(len);
            false
        }
        TextInput::Right => {
            *back = back.saturating_sub(1);
            false
        }
        TextInput::Home => {
            *back = len;
            false
        }
        TextInput::End => {
            *back = 0;
            false
        }
        TextInput::KillToStart if at > 0 => {
            chars.drain(..at);
            true
        }
        TextInput::KillWord if at > 0 => {
            // Like a shell: the spaces before the caret, then the word before them.
            let mut from = at;
            while from > 0 && chars[from - 1] == ' ' {
                from -= 1;
            }
            while from > 0 && chars[from - 1] != ' ' {
                from -= 1;
            }
            chars.drain(from..at);
            true
        }
        _ => false,
    };
    if changed {
        *text = chars.into_iter().collect();
    }
    changed
}

/// The text split at the caret: (before, after).
pub fn split_at_caret(text: &str, back: usize) -> (&str, &str) {
    let len = text.chars().count();
    let at = len - back.min(len);
    let byte = text.char_indices().nth(at).map_or(text.len(), |(i, _)| i);
    text.split_at(byte)
}

/// Whether a character can be part of base64 key data.
fn base64_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=')
}

/// A pasted key that a terminal or a mail client wrapped over several lines, joined back into
/// one line. Lines are joined only when each continuation line is base64 (the last may end in
/// the key's comment), so two keys pasted together stay two lines and are refused as such.
pub fn join_wrapped_key(p: &str) -> String {
    // Terminals send a pasted line break as CR, files and tests as LF or CRLF.
    let lines: Vec<&str> = p
        .split(['\r', '\n'])
        .filter(|l| !l.trim().is_empty())
        .collect();
    let Some((first, rest)) = lines.split_first() else {
        return p.to_string();
    };
    let continues = |(i, l): (usize, &&str)| {
        let l = l.trim();
        let data = if i + 1 == rest.len() {
            l.split(' ').next().unwrap_or("")
        } else {
            l
        };
        !data.is_empty() && data.chars().all(base64_char)
    };
    if rest.is_empty() || !rest.iter().enumerate().all(continues) {
        return p.to_string();
    }
    let mut out = first.trim().to_string();
    for l in rest {
        out.push_str(l.trim());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(start: &str, back: usize, keys: &[TextInput]) -> (String, usize) {
        let mut text = start.to_string();
        let mut back = back;
        for k in keys {
            edit(&mut text, &mut back, k);
        }
        (text, back)
    }

    #[test]
    fn moves_and_inserts_at_the_caret() {
        use TextInput::*;
        assert_eq!(
            run("deploy", 0, &[Left, Left, Char('X')]),
            ("deplXoy".into(), 2)
        );
        assert_eq!(run("abc", 0, &[Home, Char('>')]), (">abc".into(), 3));
        assert_eq!(run("abc", 3, &[End, Char('!')]), ("abc!".into(), 0));
        // The caret never leaves the text.
        assert_eq!(run("ab", 0, &[Left, Left, Left, Left]), ("ab".into(), 2));
        assert_eq!(run("ab", 0, &[Right, Right]), ("ab".into(), 0));
        assert_eq!(run("日本語", 0, &[Left, Char('x')]), ("日本x語".into(), 1));
    }

    #[test]
    fn deletes_like_a_shell() {
        use TextInput::*;
        assert_eq!(run("abc", 1, &[Backspace]), ("ac".into(), 1));
        assert_eq!(run("abc", 2, &[Delete]), ("ac".into(), 1));
        assert_eq!(run("abc", 0, &[Delete]), ("abc".into(), 0));
        assert_eq!(run("abc", 3, &[Backspace]), ("abc".into(), 3));
        assert_eq!(run("ci deploy key", 4, &[KillToStart]), (" key".into(), 4));
        assert_eq!(run("ci deploy  ", 0, &[KillWord]), ("ci ".into(), 0));
        assert_eq!(run("ci deploy key", 4, &[KillWord]), ("ci  key".into(), 4));
        assert_eq!(run("one", 0, &[KillWord, KillWord]), ("".into(), 0));
    }

    #[test]
    fn splits_at_the_caret() {
        assert_eq!(split_at_caret("abc", 0), ("abc", ""));
        assert_eq!(split_at_caret("abc", 1), ("ab", "c"));
        assert_eq!(split_at_caret("日本", 1), ("日", "本"));
        assert_eq!(split_at_caret("ab", 9), ("", "ab"));
    }

    #[test]
    fn a_wrapped_key_is_joined_but_two_keys_are_not() {
        let wrapped = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA\nIGrQ+b3xk/9Lm2\r\nPq== ci@build\n";
        assert_eq!(
            join_wrapped_key(wrapped),
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGrQ+b3xk/9Lm2Pq== ci@build"
        );
        // As a terminal pastes it: line breaks as CR.
        assert_eq!(
            join_wrapped_key("ssh-ed25519 AAAAC3Nz\rIGrQ+b3x\rPq== ci@build"),
            "ssh-ed25519 AAAAC3NzIGrQ+b3xPq== ci@build"
        );
        let two = "ssh-ed25519 AAAA one\nssh-ed25519 BBBB two\n";
        assert_eq!(join_wrapped_key(two), two);
        // A continuation that is not base64 is not key data.
        let prose = "ssh-ed25519 AAAA\nsee the wiki\nfor more\n";
        assert_eq!(join_wrapped_key(prose), prose);
        assert_eq!(
            join_wrapped_key("ssh-ed25519 AAAA c\n"),
            "ssh-ed25519 AAAA c\n"
        );
    }
}
