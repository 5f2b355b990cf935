//! Colours, from the `[theme]` config section, with `NO_COLOR` honoured.

use std::str::FromStr;

use ratatui::style::{Color, Modifier, Style};

/// Resolved styles for every themable element.
#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    /// Pane borders.
    pub border: Style,
    /// The focused pane's border and title.
    pub border_focused: Style,
    /// The cursor row of the focused pane.
    pub selected: Style,
    /// The cursor row of an unfocused pane.
    pub selected_unfocused: Style,
    /// Secondary text: fingerprints, counts, hints.
    pub dim: Style,
    /// Error sentences.
    pub error: Style,
    /// Keys in the hint bar and the help.
    pub key: Style,
    /// The "inherited from project" marker.
    pub inherited: Style,
    /// The DEMO badge.
    pub badge: Style,
    /// Field names in the detail area.
    pub label: Style,
    /// Findings by severity: high, medium, low, info. A badge's text says what it is, so
    /// without colour the severity is only a weight (bold for high).
    pub severity: [Style; 4],
}

/// The element names accepted in `[theme]`.
pub const ELEMENTS: [&str; 11] = [
    "accent",
    "border",
    "border_focused",
    "selected",
    "selected_unfocused",
    "dim",
    "error",
    "key",
    "inherited",
    "badge",
    "label",
];

impl Theme {
    /// The built-in colours.
    pub fn default_colours() -> Theme {
        Theme {
            border: Style::new().fg(Color::DarkGray),
            border_focused: Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
            selected: Style::new().fg(Color::Black).bg(Color::Cyan),
            selected_unfocused: Style::new().add_modifier(Modifier::REVERSED),
            dim: Style::new().fg(Color::DarkGray),
            error: Style::new().fg(Color::Red),
            key: Style::new().fg(Color::Yellow),
            inherited: Style::new().fg(Color::Magenta),
            badge: Style::new()
                .fg(Color::Black)
                .bg(Color::Yellow)
                .add_modifier(Modifier::BOLD),
            label: Style::new().fg(Color::Blue),
            severity: [
                Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
                Style::new().fg(Color::Yellow),
                Style::new().fg(Color::Cyan),
                Style::new().fg(Color::DarkGray),
            ],
        }
    }

    /// No colour at all (`NO_COLOR`, https://no-color.org): only bold and reverse remain, so the
    /// cursor and the focused pane are still visible.
    pub fn monochrome() -> Theme {
        let plain = Style::new();
        Theme {
            border: plain,
            border_focused: plain.add_modifier(Modifier::BOLD),
            selected: plain.add_modifier(Modifier::REVERSED),
            selected_unfocused: plain.add_modifier(Modifier::UNDERLINED),
            dim: plain,
            error: plain.add_modifier(Modifier::BOLD),
            key: plain.add_modifier(Modifier::BOLD),
            inherited: plain,
            badge: plain.add_modifier(Modifier::REVERSED),
            label: plain,
            severity: [plain.add_modifier(Modifier::BOLD), plain, plain, plain],
        }
    }

    /// Applies `[theme]`: each element maps to a colour name (`cyan`, `light-red`), an ANSI index
    /// (`208`) or a hex value (`#ff8800`). With `no_color` the colours are checked and ignored.
    pub fn from_config(theme: &toml::Table, no_color: bool) -> Result<Theme, String> {
        let mut out = if no_color {
            Theme::monochrome()
        } else {
            Theme::default_colours()
        };
        for (name, value) in theme {
            let text = value
                .as_str()
                .ok_or_else(|| format!("[theme] {name}: expected a colour name or \"#rrggbb\""))?;
            let colour = Color::from_str(text)
                .map_err(|_| format!("[theme] {name} = {text:?}: unknown colour; use a name such as \"cyan\", an index 0-255 or \"#rrggbb\""))?;
            if name == "accent" {
                // One colour for everything that marks "here": the focused pane, the cursor
                // row and the keys in hints. Tables iterate in name order and `accent` comes first,
                // so a specific element set beside it always wins.
                if !no_color {
                    out.border_focused = out.border_focused.fg(colour);
                    out.key = out.key.fg(colour);
                    out.selected = out.selected.bg(colour);
                }
                continue;
            }
            let slot = match name.as_str() {
                "border" => &mut out.border,
                "border_focused" => &mut out.border_focused,
                "selected" => &mut out.selected,
                "selected_unfocused" => &mut out.selected_unfocused,
                "dim" => &mut out.dim,
                "error" => &mut out.error,
                "key" => &mut out.key,
                "inherited" => &mut out.inherited,
                "badge" => &mut out.badge,
                "label" => &mut out.label,
                _ => {
                    return Err(format!(
                        "[theme] {name}: unknown element; the elements are {}",
                        ELEMENTS.join(", ")
                    ));
                }
            };
            if !no_color {
                // Highlighted rows and the badge are coloured backgrounds; the rest is text.
                *slot = if matches!(name.as_str(), "selected" | "badge") {
                    slot.bg(colour)
                } else {
                    slot.fg(colour)
                };
            }
        }
        Ok(out)
    }
}

/// Whether the `NO_COLOR` convention asks for no colour: set and not empty.
pub fn no_color_requested() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn theme_entries_are_checked_and_applied() {
        let t: toml::Table = toml::from_str("error = \"#ff8800\"\nselected = \"blue\"").unwrap();
        let th = Theme::from_config(&t, false).unwrap();
        assert_eq!(th.error.fg, Some(Color::Rgb(0xff, 0x88, 0)));
        assert_eq!(th.selected.bg, Some(Color::Blue));
        let accent: toml::Table = toml::from_str("accent = \"green\"").unwrap();
        let th = Theme::from_config(&accent, false).unwrap();
        assert_eq!(
            (th.border_focused.fg, th.selected.bg),
            (Some(Color::Green), Some(Color::Green))
        );
        let mono = Theme::from_config(&t, true).unwrap();
        assert_eq!(mono.error.fg, None);
        assert_eq!(mono.selected.bg, None);

        let err = |s: &str, nc| Theme::from_config(&toml::from_str(s).unwrap(), nc).unwrap_err();
        assert!(
            err("error = \"sparkly\"", false)
                .starts_with("[theme] error = \"sparkly\": unknown colour")
        );
        assert!(err("sparkles = \"red\"", true).starts_with("[theme] sparkles: unknown element"));
        assert!(err("error = 1", false).contains("expected a colour"));
    }
}
