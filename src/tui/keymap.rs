//! The single source of key bindings. The help overlay and the hint bar are generated from it,
//! and the `[keys]` config section overrides it, so the three can never disagree.

use std::collections::HashMap;
use std::fmt;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::tui::action::Action;

/// One key with its modifiers, normalised so that `J` and `shift-j` are the same key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeySpec {
    /// The key.
    pub code: KeyCode,
    /// Only CONTROL and ALT are kept: SHIFT is carried by the character itself.
    pub mods: KeyModifiers,
}

impl KeySpec {
    fn new(code: KeyCode, mods: KeyModifiers) -> Self {
        let mut mods = mods & (KeyModifiers::CONTROL | KeyModifiers::ALT);
        let code = match code {
            // Terminals report Ctrl-letters in either case; bindings use lowercase.
            KeyCode::Char(c) if mods.contains(KeyModifiers::CONTROL) => {
                KeyCode::Char(c.to_ascii_lowercase())
            }
            KeyCode::BackTab => {
                mods.remove(KeyModifiers::ALT);
                KeyCode::BackTab
            }
            other => other,
        };
        KeySpec { code, mods }
    }

    /// The spec of a key press as crossterm reports it.
    pub fn from_event(ev: &KeyEvent) -> Self {
        KeySpec::new(ev.code, ev.modifiers)
    }

    /// Parses `j`, `G`, `ctrl-d`, `alt-x`, `shift-tab`, `pgdn`, `f5`, `space`, `?`.
    pub fn parse(spec: &str) -> Option<KeySpec> {
        let mut mods = KeyModifiers::NONE;
        let mut rest = spec;
        loop {
            let lower = rest.to_ascii_lowercase();
            if let Some(r) = lower
                .strip_prefix("ctrl-")
                .or_else(|| lower.strip_prefix("c-"))
            {
                mods |= KeyModifiers::CONTROL;
                rest = &rest[rest.len() - r.len()..];
            } else if let Some(r) = lower
                .strip_prefix("alt-")
                .or_else(|| lower.strip_prefix("m-"))
            {
                mods |= KeyModifiers::ALT;
                rest = &rest[rest.len() - r.len()..];
            } else if lower == "shift-tab" {
                return Some(KeySpec::new(KeyCode::BackTab, mods));
            } else {
                break;
            }
        }
        let code = match rest.to_ascii_lowercase().as_str() {
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "pgup" | "pageup" => KeyCode::PageUp,
            "pgdn" | "pagedown" => KeyCode::PageDown,
            "tab" => KeyCode::Tab,
            "backtab" => KeyCode::BackTab,
            "enter" | "return" => KeyCode::Enter,
            "esc" | "escape" => KeyCode::Esc,
            "space" => KeyCode::Char(' '),
            "backspace" => KeyCode::Backspace,
            "del" | "delete" => KeyCode::Delete,
            "insert" | "ins" => KeyCode::Insert,
            f if f.len() >= 2 && f.starts_with('f') && f[1..].parse::<u8>().is_ok() => {
                let n = f[1..].parse::<u8>().ok()?;
                if !(1..=12).contains(&n) {
                    return None;
                }
                KeyCode::F(n)
            }
            _ => {
                let mut chars = rest.chars();
                let c = chars.next()?;
                if chars.next().is_some() || c.is_control() || c == ' ' {
                    return None;
                }
                // Terminals cannot send Ctrl or Alt with punctuation reliably (Ctrl-? is DEL).
                if !mods.is_empty() && !c.is_ascii_alphanumeric() {
                    return None;
                }
                KeyCode::Char(c)
            }
        };
        Some(KeySpec::new(code, mods))
    }
}

impl fmt::Display for KeySpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mods.contains(KeyModifiers::CONTROL) {
            f.write_str("Ctrl-")?;
        }
        if self.mods.contains(KeyModifiers::ALT) {
            f.write_str("Alt-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("Space"),
            KeyCode::Char(c) if self.mods.contains(KeyModifiers::CONTROL) => {
                write!(f, "{}", c.to_ascii_uppercase())
            }
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Up => f.write_str("↑"),
            KeyCode::Down => f.write_str("↓"),
            KeyCode::Left => f.write_str("←"),
            KeyCode::Right => f.write_str("→"),
            KeyCode::Home => f.write_str("Home"),
            KeyCode::End => f.write_str("End"),
            KeyCode::PageUp => f.write_str("PgUp"),
            KeyCode::PageDown => f.write_str("PgDn"),
            KeyCode::Tab => f.write_str("Tab"),
            KeyCode::BackTab => f.write_str("Shift-Tab"),
            KeyCode::Enter => f.write_str("Enter"),
            KeyCode::Esc => f.write_str("Esc"),
            KeyCode::Backspace => f.write_str("Backspace"),
            KeyCode::Delete => f.write_str("Del"),
            KeyCode::Insert => f.write_str("Ins"),
            KeyCode::F(n) => write!(f, "F{n}"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// Keys that later features own (find, all keys, credentials, export). Nothing else may take them, so those features land without
/// moving anyone's muscle memory.
pub const RESERVED: &[(&str, &str)] = &[];

fn default_keys(action: Action) -> &'static [&'static str] {
    match action {
        Action::Up => &["k", "up"],
        Action::Down => &["j", "down"],
        Action::Top => &["g", "home"],
        Action::Bottom => &["G", "end"],
        Action::HalfPageDown => &["ctrl-d"],
        Action::HalfPageUp => &["ctrl-u"],
        Action::PageDown => &["pgdn"],
        Action::PageUp => &["pgup"],
        Action::NextPane => &["tab"],
        Action::PrevPane => &["shift-tab"],
        Action::Left => &["h", "left"],
        Action::Right => &["l", "right"],
        Action::Open => &["enter"],
        Action::FocusWorkspaces => &["1"],
        Action::FocusRepositories => &["2"],
        Action::FocusKeys => &["3"],
        Action::Filter => &["/"],
        Action::Cancel => &["esc"],
        Action::Help => &["?"],
        Action::Quit => &["q"],
        Action::Reload => &["r"],
        Action::Rescan => &["R"],
        Action::CopyFingerprint => &["y"],
        Action::CopyPublicKey => &["Y"],
        Action::Suspend => &["ctrl-z"],
        Action::OpenDemo => &[],
        Action::ToggleSelect => &["space"],
        Action::VisualSelect => &["v"],
        Action::SelectAll => &["ctrl-a"],
        Action::InvertSelection => &["ctrl-r"],
        Action::SelectCopies => &["s"],
        Action::SelectionView => &["S"],
        Action::RestoreSelection => &["u"],
        Action::Messages => &["m"],
        Action::AddKey => &["a"],
        Action::DeleteKey => &["d"],
        Action::EditLabel => &["e"],
        Action::Rotate => &["o"],
        Action::ChangePermission => &["p"],
        Action::SwitchProfile => &["P"],
        Action::Jobs => &["J"],
        Action::CancelJob => &["x"],
        Action::AllKeys => &["K"],
        Action::FindKey => &["f"],
        Action::Export => &["E"],
        Action::Credentials => &["C"],
        Action::DriftView => &["D"],
        // `o` rotates; in the All keys view the sort keys are < and >.
        Action::SortColumn => &[">"],
        Action::SortReverse => &["<"],
        Action::AuditView => &["A"],
        Action::JournalView => &["L"],
        Action::FinishEntry => &["c"],
    }
}

/// Which keys trigger which action.
#[derive(Debug, Clone)]
pub struct Keymap {
    bindings: Vec<(Action, Vec<KeySpec>)>,
    lookup: HashMap<KeySpec, Action>,
}

impl Default for Keymap {
    fn default() -> Self {
        // The defaults are constants checked by a unit test, so this cannot fail.
        Keymap::from_config(&toml::Table::new()).unwrap_or_else(|_| Keymap {
            bindings: Vec::new(),
            lookup: HashMap::new(),
        })
    }
}

impl Keymap {
    /// The default keymap with the `[keys]` section applied. Each entry maps an action name to
    /// a key or a list of keys and replaces that action's defaults.
    pub fn from_config(keys: &toml::Table) -> Result<Keymap, String> {
        let mut overrides: HashMap<Action, Vec<KeySpec>> = HashMap::new();
        for (name, value) in keys {
            let specs: Vec<&str> = match value {
                toml::Value::String(s) => vec![s.as_str()],
                toml::Value::Array(a) => a
                    .iter()
                    .map(|v| {
                        v.as_str()
                            .ok_or_else(|| format!("[keys] {name}: each key must be a string"))
                    })
                    .collect::<Result<_, _>>()?,
                _ => {
                    return Err(format!(
                        "[keys] {name}: expected a key such as \"j\" or a list such as [\"j\", \"down\"]"
                    ));
                }
            };
            let mut parsed = Vec::new();
            for s in &specs {
                let key = KeySpec::parse(s)
                    .ok_or_else(|| format!("[keys] {name} = {s:?}: unknown key"))?;
                parsed.push(key);
            }
            let action = Action::ALL
                .into_iter()
                .find(|a| a.config_name() == name)
                .ok_or_else(|| {
                    let names: Vec<&str> = Action::ALL.iter().map(|a| a.config_name()).collect();
                    format!(
                        "[keys] {name}: unknown action; the actions are {}",
                        names.join(", ")
                    )
                })?;
            if parsed.is_empty() {
                return Err(format!("[keys] {name}: give at least one key"));
            }
            overrides.insert(action, parsed);
        }
        let reserved: Vec<(KeySpec, &str)> = RESERVED
            .iter()
            .filter_map(|(k, what)| KeySpec::parse(k).map(|k| (k, *what)))
            .collect();
        let mut bindings = Vec::new();
        let mut lookup: HashMap<KeySpec, Action> = HashMap::new();
        for action in Action::ALL {
            let keys = match overrides.remove(&action) {
                Some(k) => k,
                None => default_keys(action)
                    .iter()
                    .filter_map(|s| KeySpec::parse(s))
                    .collect(),
            };
            for key in &keys {
                if key.code == KeyCode::Char('c') && key.mods == KeyModifiers::CONTROL {
                    return Err(format!(
                        "[keys] {}: Ctrl-C always quits and cannot be bound",
                        action.config_name()
                    ));
                }
                if let Some((_, what)) = reserved.iter().find(|(r, _)| r == key) {
                    return Err(format!(
                        "[keys] {} = \"{key}\": that key is reserved for {what}",
                        action.config_name()
                    ));
                }
                if let Some(other) = lookup.insert(*key, action)
                    && other != action
                {
                    return Err(format!(
                        "[keys] \"{key}\" is bound to both {} and {}",
                        other.config_name(),
                        action.config_name()
                    ));
                }
            }
            bindings.push((action, keys));
        }
        Ok(Keymap { bindings, lookup })
    }

    /// The action of a key press, if any. Ctrl-C is not here: the loop always quits on it.
    pub fn action(&self, ev: &KeyEvent) -> Option<Action> {
        self.lookup.get(&KeySpec::from_event(ev)).copied()
    }

    /// The keys of an action, as shown to people ("j/↓").
    pub fn keys_label(&self, action: Action) -> String {
        self.bindings
            .iter()
            .find(|(a, _)| *a == action)
            .map(|(_, keys)| {
                keys.iter()
                    .map(|k| k.to_string())
                    .collect::<Vec<_>>()
                    .join("/")
            })
            .unwrap_or_default()
    }

    /// Every action with its keys, in help order.
    pub fn entries(&self) -> impl Iterator<Item = (Action, String)> + '_ {
        self.bindings
            .iter()
            .filter(|(_, keys)| !keys.is_empty())
            .map(|(a, _)| (*a, self.keys_label(*a)))
    }

    /// The short first key of an action, for the hint bar.
    pub fn first_key(&self, action: Action) -> Option<String> {
        self.bindings
            .iter()
            .find(|(a, _)| *a == action)
            .and_then(|(_, keys)| keys.first())
            .map(|k| k.to_string())
    }
}

/// The default key table as Markdown, for the README (generated, so it cannot drift).
pub fn markdown_table() -> String {
    let km = Keymap::default();
    let mut out = String::from("| Keys | Action | `[keys]` name |\n|---|---|---|\n");
    out.push_str("| `Ctrl-C` | quit, always | |\n");
    for (action, keys) in km.bindings.iter().filter(|(_, k)| !k.is_empty()) {
        let keys: Vec<String> = keys.iter().map(|k| format!("`{k}`")).collect();
        out.push_str(&format!(
            "| {} | {} | `{}` |\n",
            keys.join(" "),
            action.description(),
            action.config_name()
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
    }

    #[test]
    fn defaults_are_valid_and_leave_reserved_keys_free() {
        let km = Keymap::from_config(&toml::Table::new()).unwrap();
        assert_eq!(
            km.action(&key(KeyCode::Char('j'), KeyModifiers::NONE)),
            Some(Action::Down)
        );
        assert_eq!(
            km.action(&key(KeyCode::Char('G'), KeyModifiers::SHIFT)),
            Some(Action::Bottom)
        );
        assert_eq!(
            km.action(&key(KeyCode::Char('D'), KeyModifiers::CONTROL)),
            Some(Action::HalfPageDown)
        );
        assert_eq!(
            km.action(&key(KeyCode::BackTab, KeyModifiers::SHIFT)),
            Some(Action::PrevPane)
        );
        for (k, _) in RESERVED {
            let spec = KeySpec::parse(k).unwrap();
            assert!(!km.lookup.contains_key(&spec), "{k} must stay free");
        }
    }

    #[test]
    fn config_overrides_and_errors_name_the_entry() {
        let t: toml::Table = toml::from_str("down = [\"n\", \"down\"]\nhelp = \"F1\"").unwrap();
        let km = Keymap::from_config(&t).unwrap();
        assert_eq!(
            km.action(&key(KeyCode::Char('n'), KeyModifiers::NONE)),
            Some(Action::Down)
        );
        assert_eq!(
            km.action(&key(KeyCode::Char('j'), KeyModifiers::NONE)),
            None
        );
        assert_eq!(
            km.action(&key(KeyCode::F(1), KeyModifiers::NONE)),
            Some(Action::Help)
        );
        assert_eq!(km.keys_label(Action::Down), "n/↓");

        let err = |s: &str| Keymap::from_config(&toml::from_str(s).unwrap()).unwrap_err();
        assert_eq!(
            err("quit = \"ctrl-?\""),
            "[keys] quit = \"ctrl-?\": unknown key"
        );
        assert!(err("frobnicate = \"x\"").starts_with("[keys] frobnicate: unknown action"));
        assert_eq!(
            err("quit = \"f\""),
            "[keys] \"f\" is bound to both quit and find_key"
        );
        assert_eq!(
            err("quit = \"j\""),
            "[keys] \"j\" is bound to both down and quit"
        );
        assert!(err("quit = 3").contains("expected a key"));
        assert!(err("quit = \"ctrl-c\"").contains("Ctrl-C always quits"));
    }

    #[test]
    fn markdown_table_lists_every_bound_action() {
        let table = markdown_table();
        assert!(
            table.contains("| `/` | filter the focused list | `filter` |"),
            "{table}"
        );
        assert!(
            table.contains("| `j` `↓` | move down | `down` |"),
            "{table}"
        );
        assert_eq!(table.lines().count(), 2 + 1 + Action::ALL.len());
        // Issue 14: Esc asks before clearing a selection, `u` restores it, `m` the log.
        assert!(
            table.contains("| `Esc` | close; twice: unselect all | `cancel` |"),
            "{table}"
        );
        assert!(
            table.contains("| `u` | restore cleared selection | `restore_selection` |"),
            "{table}"
        );
        assert!(
            table.contains("| `m` | message log, in full | `messages` |"),
            "{table}"
        );
    }

    #[test]
    fn specs_round_trip_through_display() {
        for s in [
            "j",
            "G",
            "ctrl-d",
            "shift-tab",
            "pgdn",
            "f5",
            "?",
            "alt-x",
            "enter",
        ] {
            let k = KeySpec::parse(s).unwrap();
            assert_eq!(
                KeySpec::parse(
                    &k.to_string()
                        .replace("Ctrl-", "ctrl-")
                        .replace("Alt-", "alt-")
                ),
                Some(k),
                "{s}"
            );
        }
    }
}
