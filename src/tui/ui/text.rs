//! Width-correct text helpers: a CJK character or an emoji takes two columns.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Columns `s` takes on screen.
pub fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// Cuts `s` to at most `max` columns, ending in `…` when something was cut.
pub fn truncate(s: &str, max: usize) -> String {
    if width(s) <= max {
        return s.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        // Keep one column for the ellipsis.
        if used + w > max - 1 {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out
}

/// Breaks `s` into lines of at most `cols` columns, at spaces where it can; a word longer than
/// a line is split. Always at least one line.
pub fn wrap(s: &str, cols: usize) -> Vec<String> {
    let cols = cols.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in s.split(' ').filter(|w| !w.is_empty()) {
        let sep = usize::from(!line.is_empty());
        if !line.is_empty() && width(&line) + sep + width(word) <= cols {
            line.push(' ');
            line.push_str(word);
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        // A word longer than a line fills whole lines first.
        let mut used = 0;
        for c in word.chars() {
            let w = c.width().unwrap_or(0);
            if used + w > cols && !line.is_empty() {
                lines.push(std::mem::take(&mut line));
                used = 0;
            }
            line.push(c);
            used += w;
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// A text being edited, in at most `room` columns, with the caret `▏` drawn `caret` characters
/// from its end. Without a caret (the field is not being edited) the text is cut on the right.
pub fn with_caret(value: &str, caret: Option<usize>, room: usize) -> String {
    match caret {
        Some(back) => {
            let (before, after) = around_caret(value, back, room);
            format!("{before}▏{after}")
        }
        None => truncate(value, room),
    }
}

/// The parts of `value` shown before and after a caret `back` characters from its end, in
/// `room` columns counting the caret's. The caret stays in view, and the text is cut (`…`) on
/// whichever side holds more of it.
pub fn around_caret(value: &str, back: usize, room: usize) -> (String, String) {
    let chars: Vec<char> = value.chars().collect();
    let at = chars.len() - back.min(chars.len());
    let cols = |cs: &[char]| cs.iter().map(|c| c.width().unwrap_or(0)).sum::<usize>();
    let fits = |start: usize, end: usize| {
        cols(&chars[start..end]) + 1 + usize::from(start > 0) + usize::from(end < chars.len())
            <= room
    };
    // Cut the side farther from the caret, so it keeps some text on both sides.
    let (mut start, mut end) = (0, chars.len());
    while !fits(start, end) && (start < at || end > at) {
        if at - start > end - at {
            start += 1;
        } else {
            end -= 1;
        }
    }
    let mut before = String::new();
    if start > 0 {
        before.push('…');
    }
    before.extend(&chars[start..at]);
    let mut after: String = chars[at..end].iter().collect();
    if end < chars.len() {
        after.push('…');
    }
    (before, after)
}

/// Breaks `s` like [`wrap`], but keeps its spacing, so the columns of a plan line stay
/// aligned, and indents the lines after the first by `indent` columns.
pub fn wrap_hanging(s: &str, cols: usize, indent: usize) -> Vec<String> {
    let cols = cols.max(indent + 1);
    let pad = " ".repeat(indent);
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut rest = s.trim_end();
    while !rest.is_empty() {
        // One token: the spaces before a word, and the word.
        let spaces = rest.len() - rest.trim_start_matches(' ').len();
        let after = &rest[spaces..];
        let word_len = after.find(' ').unwrap_or(after.len());
        let (gap, word) = (&rest[..spaces], &after[..word_len]);
        rest = &after[word_len..];
        // A continuation line that holds only its indent takes the word without the gap.
        let continuing = !lines.is_empty() && width(&line) <= indent;
        if !continuing {
            if !line.is_empty() && width(&line) + width(gap) + width(word) > cols {
                lines.push(std::mem::replace(&mut line, pad.clone()));
            } else {
                line.push_str(gap);
            }
        }
        // A word longer than a line fills whole lines first.
        for c in word.chars() {
            let w = c.width().unwrap_or(0);
            if width(&line) + w > cols && width(&line) > indent {
                lines.push(std::mem::replace(&mut line, pad.clone()));
            }
            line.push(c);
        }
    }
    if !line.trim().is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// Pads `s` with spaces to exactly `cols` columns (cutting it first if needed).
pub fn fit(s: &str, cols: usize) -> String {
    let mut out = truncate(s, cols);
    let w = width(&out);
    out.extend(std::iter::repeat_n(' ', cols.saturating_sub(w)));
    out
}

/// `2018-08-15T23:50:59.993890+00:00` → `2018-08-15 23:50 UTC`; anything else unchanged.
/// Absolute times keep the screen independent of the clock (and snapshots stable).
pub fn short_time(s: &str) -> String {
    let b = s.as_bytes();
    if s.len() >= 16 && s.is_char_boundary(16) && b.get(10) == Some(&b'T') {
        let utc = s.ends_with("+00:00") || s.ends_with('Z');
        format!(
            "{} {}{}",
            &s[..10],
            &s[11..16],
            if utc { " UTC" } else { "" }
        )
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_counts_wide_characters() {
        assert_eq!(truncate("deploy", 10), "deploy");
        assert_eq!(truncate("deploy-key", 6), "deplo…");
        // Each of these takes two columns: 5 columns fit two of them and the ellipsis.
        assert_eq!(truncate("日本語のラベル", 5), "日本…");
        assert_eq!(width(&truncate("日本語のラベル", 6)), 5);
        assert_eq!(fit("日本", 6), "日本  ");
        assert_eq!(truncate("abc", 0), "");
    }

    #[test]
    fn wrapping_breaks_at_spaces_and_splits_only_overlong_words() {
        assert_eq!(
            wrap("refused (403): you are not an administrator", 16),
            ["refused (403):", "you are not an", "administrator"]
        );
        assert_eq!(wrap("abcdefghij xy", 4), ["abcd", "efgh", "ij", "xy"]);
        // Two columns each: three fit in six.
        assert_eq!(wrap("日本語のラベル", 6), ["日本語", "のラベ", "ル"]);
        assert_eq!(wrap("", 10), [""]);
        for line in wrap("a sentence that is longer than the line it must fit", 9) {
            assert!(width(&line) <= 9, "{line}");
        }
    }

    #[test]
    fn hanging_wrap_keeps_the_columns_and_indents_the_rest() {
        assert_eq!(
            wrap_hanging("+-  acme/api  add SHA256:abc 'ci', then delete", 20, 4),
            [
                "+-  acme/api  add",
                "    SHA256:abc 'ci',",
                "    then delete"
            ]
        );
        assert_eq!(wrap_hanging("-   short", 20, 4), ["-   short"]);
        assert_eq!(
            wrap_hanging("x abcdefghijklmnop", 8, 2),
            ["x", "  abcdef", "  ghijkl", "  mnop"]
        );
        assert_eq!(wrap_hanging("", 8, 2), [""]);
        for line in wrap_hanging(
            "+-  acme/a-long-repository  add SHA256:0123456789abcdefghij",
            16,
            4,
        ) {
            assert!(width(&line) <= 16, "{line}");
        }
    }

    #[test]
    fn the_caret_stays_in_view() {
        assert_eq!(with_caret("deploy", Some(0), 20), "deploy▏");
        assert_eq!(with_caret("deploy", Some(2), 20), "depl▏oy");
        assert_eq!(with_caret("deploy", None, 20), "deploy");
        assert_eq!(with_caret("abcdefghij", Some(0), 6), "…ghij▏");
        assert_eq!(with_caret("abcdefghij", Some(10), 6), "▏abcd…");
        assert_eq!(with_caret("abcdefghij", Some(5), 6), "…de▏f…");
        for back in 0..=10 {
            assert!(
                width(&with_caret("abcdefghij", Some(back), 6)) <= 6,
                "{back}"
            );
        }
    }

    #[test]
    fn times_are_shortened_without_the_clock() {
        assert_eq!(
            short_time("2018-08-15T23:50:59.993890+00:00"),
            "2018-08-15 23:50 UTC"
        );
        assert_eq!(short_time("yesterday"), "yesterday");
    }
}
