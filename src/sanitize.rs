//! Server-provided text is untrusted: strip control characters and escape sequences before it
//! reaches a terminal, a log line or an error sentence.

/// Removes ANSI/VT escape sequences and control characters, and folds line breaks and tabs
/// into single spaces, so the result is safe to print on one line.
pub fn clean_line(s: &str) -> String {
    // Almost all text is clean: one byte scan instead of a char-by-char rebuild matters when a
    // cached scan of 30,000 keys is sanitised at start-up.
    if is_clean(s) {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => skip_escape(&mut chars),
            // C1 control introducer for CSI / OSC / DCS etc.
            '\u{9b}' => skip_csi(&mut chars),
            '\u{9d}' | '\u{90}' | '\u{98}' | '\u{9e}' | '\u{9f}' => skip_string(&mut chars),
            '\n' | '\r' | '\t' => {
                if !out.ends_with(' ') {
                    out.push(' ');
                }
            }
            c if c.is_control() => {}
            // Bidirectional overrides can reorder what the user reads.
            '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' => {}
            c => out.push(c),
        }
    }
    out
}

/// [`clean_line`] for a table cell: zero-width characters go too. They are invisible, so a
/// label padded with them looks exactly like the one it imitates, and they make a cell's width
/// differ from what the terminal draws.
pub fn clean_cell(s: &str) -> String {
    let line = clean_line(s);
    if line.chars().any(is_zero_width) {
        line.chars().filter(|c| !is_zero_width(*c)).collect()
    } else {
        line
    }
}

/// Characters that take no room on screen: zero-width space, non-joiner and joiner, word
/// joiner and invisible operators, the zero-width no-break space (BOM), the soft hyphen and
/// the Mongolian vowel separator.
pub fn is_zero_width(c: char) -> bool {
    matches!(
        c,
        '\u{200b}'..='\u{200d}' | '\u{2060}'..='\u{2064}' | '\u{feff}' | '\u{ad}' | '\u{180e}'
    )
}

/// [`clean_line`] for text already owned: clean text (nearly all of it) is returned as it is,
/// without a copy.
pub fn clean_owned(s: String) -> String {
    if is_clean(&s) { s } else { clean_line(&s) }
}

/// Whether a terminal would act on `c` or hide it instead of showing it: control characters
/// (escape sequences start with one), bidirectional marks and zero-width characters.
pub fn is_hidden_or_active(c: char) -> bool {
    c.is_control() || is_bidi(c) || is_zero_width(c)
}

/// Bidirectional overrides, embeddings, isolates and marks: they reorder what the user reads.
fn is_bidi(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}')
}

/// Whether `s` holds what a terminal does not show as it is: control characters (escape
/// sequences among them), bidirectional overrides or zero-width characters. Cleaned for
/// display, such text can look exactly like a clean label it imitates, so the UI marks it.
pub fn is_deceptive(s: &str) -> bool {
    if s.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return false;
    }
    s.chars().any(is_hidden_or_active)
}

/// `s` as the server sent it, printable: each character [`is_deceptive`] looks for written as
/// an escape (`\x1b`, `\u{200b}`) and each backslash doubled, so nothing reaches the terminal
/// and nothing is hidden.
pub fn escape_visible(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            c if c.is_control() && (c as u32) < 0x100 => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c if is_hidden_or_active(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// Whether `clean_line` would return `s` unchanged: plain printable ASCII, or non-ASCII text
/// free of controls and bidirectional marks.
fn is_clean(s: &str) -> bool {
    if s.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return true;
    }
    !s.chars().any(|c| {
        c.is_control()
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}')
    })
}

fn skip_escape(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    match chars.peek().copied() {
        Some('[') => {
            chars.next();
            skip_csi(chars);
        }
        Some(']') | Some('P') | Some('X') | Some('^') | Some('_') => {
            chars.next();
            skip_string(chars);
        }
        Some(c) if ('\u{20}'..='\u{2f}').contains(&c) => {
            // nF sequences: intermediates then one final byte.
            while let Some(&c) = chars.peek() {
                chars.next();
                if !('\u{20}'..='\u{2f}').contains(&c) {
                    break;
                }
            }
        }
        Some(_) => {
            chars.next();
        }
        None => {}
    }
}

fn skip_csi(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    for c in chars.by_ref() {
        if ('\u{40}'..='\u{7e}').contains(&c) {
            break;
        }
    }
}

/// Skips an OSC/DCS-style string up to BEL or ST (ESC \ or U+009C).
fn skip_string(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    while let Some(c) = chars.next() {
        match c {
            '\u{7}' | '\u{9c}' => break,
            '\u{1b}' => {
                if chars.peek() == Some(&'\\') {
                    chars.next();
                }
                break;
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_csi_osc_and_controls() {
        assert_eq!(clean_line("a\u{1b}[31mred\u{1b}[0m b"), "ared b");
        assert_eq!(clean_line("x\u{1b}]0;title\u{7}y"), "xy");
        assert_eq!(clean_line("x\u{1b}]52;c;AAAA\u{1b}\\y"), "xy");
        assert_eq!(clean_line("a\u{0}b\u{8}c\u{7f}d"), "abcd");
        assert_eq!(clean_line("one\ntwo\r\nthree"), "one two three");
        assert_eq!(clean_line("a\u{9b}2Jb"), "ab");
        assert_eq!(clean_line("ab\u{202e}cd"), "abcd");
        assert_eq!(clean_line("日本語 ✓"), "日本語 ✓");
    }

    #[test]
    fn cells_lose_zero_width_characters_too() {
        assert_eq!(clean_cell("ci\u{200b}-de\u{200d}ploy\u{feff}"), "ci-deploy");
        assert_eq!(clean_cell("a\u{1b}[31mb\u{2060}c"), "abc");
        assert_eq!(clean_cell("日本語 ✓"), "日本語 ✓");
    }

    #[test]
    fn deceptive_text_is_recognised_and_escaped() {
        for clean in ["ci-deploy", "日本語 ✓", "a\\b"] {
            assert!(!is_deceptive(clean), "{clean}");
        }
        for bad in [
            "\u{1b}]0;t\u{7}ci",
            "ci\u{200b}",
            "\u{202e}ic",
            "a\nb",
            "\u{9b}1m",
            "\u{feff}x",
        ] {
            assert!(is_deceptive(bad), "{bad:?}");
        }
        assert_eq!(
            escape_visible("\u{1b}]0;t\u{7}ci\u{200b}\u{202e}\\"),
            r"\x1b]0;t\x07ci\u{200b}\u{202e}\\"
        );
        assert_eq!(escape_visible("\u{9b}日本"), r"\x9b日本");
        assert_eq!(clean_cell("jen\u{200b}kins\u{1b}[0m"), "jenkins");
    }
}
