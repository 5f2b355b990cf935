//! The event loop: terminal events, worker answers and a tick in one `tokio::select!`.
//!
//! It runs on any ratatui backend and any event stream, so tests drive the real loop with
//! injected keys and a `TestBackend`.

use std::time::Duration;

use crossterm::event::{Event, KeyCode, KeyEventKind, KeyModifiers, MouseButton, MouseEventKind};
use futures::{Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend;
use ratatui::buffer::Buffer;
use tokio::sync::mpsc;

use crate::tui::Services;
use crate::tui::TuiOutcome;
use crate::tui::action::Action;
use crate::tui::state::{Screen, State};
use crate::tui::update::{self, Command, Msg, TextInput};
use crate::tui::{ui, worker};

/// How often the spinner turns and the debounce counts down.
pub const TICK: Duration = Duration::from_millis(100);

/// What arrives from outside the loop.
#[derive(Debug, Clone)]
pub enum Input {
    /// A terminal event.
    Term(Event),
    /// SIGTERM or SIGHUP: leave cleanly.
    Terminate,
}

/// The side effects the loop cannot do through the backend.
pub trait Host {
    /// Puts text on the clipboard (OSC 52 on a real terminal).
    fn copy_to_clipboard(&mut self, text: &str) -> std::io::Result<()>;
    /// Gives the terminal back to the shell until resumed (Ctrl-Z).
    fn suspend(&mut self) -> std::io::Result<()>;
    /// Called after each drawn frame; tests read the screen here.
    fn drawn(&mut self, _screen: &Buffer) {}
}

/// Runs the loop until the user quits. `services` is `None` on the first-run screen.
pub async fn run_with<B, S, H>(
    terminal: &mut Terminal<B>,
    mut events: S,
    mut state: State,
    services: Option<impl Into<Services>>,
    host: &mut H,
) -> anyhow::Result<TuiOutcome>
where
    B: Backend,
    H: Host,
    S: Stream<Item = Input> + Unpin,
{
    let (cmd_tx, cmd_rx) = mpsc::unbounded_channel();
    let (msg_tx, mut msg_rx) = mpsc::unbounded_channel();
    // Aborted on every way out of this function, which cancels requests still in flight.
    let services: Option<Services> = services.map(Into::into);
    if let Some(s) = &services {
        state.forge.kind = s.forge.kind();
        state.forge.caps = s.forge.caps();
    }
    let _worker = services.map(|s| AbortOnDrop(tokio::spawn(worker::run(s, cmd_rx, msg_tx))));
    let size = terminal.size()?;
    state.size = (size.width, size.height);
    let mut pending = update::init(&mut state);
    let mut probe = crate::tui::frame_probe::FrameProbe::from_env();
    // Hardening test hook (issue 9), debug builds only: see `debug_panic_after_frame`.
    #[cfg(debug_assertions)]
    let mut frames = 0u64;
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        for cmd in pending.drain(..) {
            match cmd {
                Command::Quit => return Ok(TuiOutcome::Quit),
                Command::OpenDemo => return Ok(TuiOutcome::OpenDemo),
                Command::SwitchProfile(name) => return Ok(TuiOutcome::SwitchProfile(name)),
                Command::CopyToClipboard(text) => {
                    if let Err(e) = host.copy_to_clipboard(&text) {
                        state.message = Some((format!("Could not copy: {e}"), true));
                    }
                }
                Command::Suspend => {
                    host.suspend()?;
                    // The shell drew over the screen meanwhile: repaint all of it.
                    terminal.clear()?;
                    state.dirty = true;
                }
                load => {
                    // Only fails when the worker is gone, and then nothing can be loaded anyway.
                    let _ = cmd_tx.send(load);
                }
            }
        }
        if state.dirty {
            state.dirty = false;
            state.forge.now = time::OffsetDateTime::now_utc();
            let frame = terminal.draw(|f| ui::render(&state, f))?;
            host.drawn(frame.buffer);
            if probe.drawn(&state) {
                return Ok(TuiOutcome::Quit);
            }
            #[cfg(debug_assertions)]
            debug_panic_after_frame(&mut frames);
        }
        let msg = tokio::select! {
            ev = events.next() => match ev {
                Some(Input::Term(ev)) => to_msg(&state, ev),
                // Input is gone (a closed terminal) or a signal asked us to stop.
                Some(Input::Terminate) | None => return Ok(TuiOutcome::Quit),
            },
            Some(answer) = msg_rx.recv() => Some(Msg::Worker(answer)),
            _ = tick.tick() => Some(Msg::Tick),
        };
        if let Some(msg) = msg {
            pending = update::update(&mut state, msg);
        }
    }
}

// --- Hardening test hook (issue 9), debug builds only ---------------------------------------
/// `BBKEYS_DEBUG_PANIC_AFTER_FRAMES=N` panics once N frames are drawn, so
/// `tests/it/terminal.rs` can check that the panic hook gives the terminal back. Release
/// builds never read the variable: this function does not exist there.
#[cfg(debug_assertions)]
fn debug_panic_after_frame(frames: &mut u64) {
    *frames += 1;
    let limit = std::env::var("BBKEYS_DEBUG_PANIC_AFTER_FRAMES")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok());
    if limit.is_some_and(|n| *frames >= n) {
        panic!("BBKEYS_DEBUG_PANIC_AFTER_FRAMES: injected panic after {frames} frames");
    }
}
// --- End of the hardening test hook ---------------------------------------------------------

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Translates a terminal event: keys through the keymap, or into the filter while typing.
pub fn to_msg(state: &State, ev: Event) -> Option<Msg> {
    match ev {
        Event::Key(key) if key.kind != KeyEventKind::Release => {
            let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
            if ctrl && matches!(key.code, KeyCode::Char('c' | 'C')) {
                return Some(Msg::Action(Action::Quit));
            }
            // A dialog takes every key: its inputs hold text, and its answers are letters
            // that the keymap binds to other things.
            if state.typing || state.dialog.is_some() {
                return match key.code {
                    KeyCode::Esc => Some(Msg::Input(TextInput::Abort)),
                    KeyCode::Enter => Some(Msg::Input(TextInput::Submit)),
                    KeyCode::Backspace => Some(Msg::Input(TextInput::Backspace)),
                    KeyCode::Tab | KeyCode::BackTab => Some(Msg::Input(TextInput::NextField)),
                    KeyCode::Up => Some(Msg::Input(TextInput::Up)),
                    KeyCode::Down => Some(Msg::Input(TextInput::Down)),
                    KeyCode::PageUp => Some(Msg::Input(TextInput::PageUp)),
                    KeyCode::PageDown => Some(Msg::Input(TextInput::PageDown)),
                    KeyCode::Left => Some(Msg::Input(TextInput::Left)),
                    KeyCode::Right => Some(Msg::Input(TextInput::Right)),
                    KeyCode::Home => Some(Msg::Input(TextInput::Home)),
                    KeyCode::End => Some(Msg::Input(TextInput::End)),
                    KeyCode::Delete => Some(Msg::Input(TextInput::Delete)),
                    KeyCode::Char(c) if !ctrl => Some(Msg::Input(TextInput::Char(c))),
                    // The editing keys of a shell prompt.
                    KeyCode::Char(c) => match c.to_ascii_lowercase() {
                        'a' => Some(Msg::Input(TextInput::Home)),
                        'e' => Some(Msg::Input(TextInput::End)),
                        'u' => Some(Msg::Input(TextInput::KillToStart)),
                        'w' => Some(Msg::Input(TextInput::KillWord)),
                        _ => None,
                    },
                    _ => None,
                };
            }
            if state.screen == Screen::FirstRun
                && key.code == KeyCode::Char('d')
                && key.modifiers.is_empty()
            {
                return Some(Msg::Action(Action::OpenDemo));
            }
            state.keymap.action(&key).map(Msg::Action)
        }
        Event::Mouse(m) => match m.kind {
            MouseEventKind::Down(MouseButton::Left) => Some(Msg::Click(m.column, m.row)),
            MouseEventKind::ScrollDown => Some(Msg::Wheel(m.column, m.row, true)),
            MouseEventKind::ScrollUp => Some(Msg::Wheel(m.column, m.row, false)),
            _ => None,
        },
        Event::Resize(w, h) => Some(Msg::Resize(w, h)),
        Event::Paste(text) if state.typing || state.dialog.is_some() => {
            Some(Msg::Input(TextInput::Paste(text)))
        }
        _ => None,
    }
}
