//! `P`: pick another profile of the config file. The switch itself leaves `update()`: the run
//! loop ends with the chosen name and the caller opens the UI again on that profile's forge.

use crate::tui::state::State;
use crate::tui::state::dialog::Dialog;
use crate::tui::state::msg::{Command, TextInput};
use crate::tui::state::profiles::ProfilePicker;
use crate::tui::update::bulk_actions::say;

/// What `P` says without profiles to switch between.
pub const NO_PROFILES: &str =
    "No profiles to switch between: add [profiles.NAME] sections to the config file";

/// Opens the picker on the profile in use.
pub fn open(state: &mut State) {
    if state.profiles.len() < 2 {
        say(state, NO_PROFILES, true);
        return;
    }
    let cursor = state.profiles.iter().position(|p| p.current).unwrap_or(0);
    state.dialog = Some(Dialog::Profiles(ProfilePicker {
        choices: state.profiles.clone(),
        cursor,
    }));
}

/// A key in the picker: ↑/↓ move, Enter switches, Esc closes.
pub fn input(
    state: &mut State,
    mut p: ProfilePicker,
    t: TextInput,
    out: &mut Vec<Command>,
) -> Option<Dialog> {
    let n = p.choices.len();
    match t {
        TextInput::Up | TextInput::Char('k') => p.cursor = (p.cursor + n - 1) % n.max(1),
        TextInput::Down | TextInput::Char('j') => p.cursor = (p.cursor + 1) % n.max(1),
        TextInput::Abort => return None,
        TextInput::Submit => {
            let chosen = p.choices.get(p.cursor)?;
            if chosen.current {
                say(
                    state,
                    format!("Profile {} is already in use", chosen.name),
                    false,
                );
            } else {
                say(state, format!("Opening profile {}…", chosen.name), false);
                out.push(Command::SwitchProfile(chosen.name.clone()));
            }
            return None;
        }
        _ => {}
    }
    Some(Dialog::Profiles(p))
}
