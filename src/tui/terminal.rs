//! The real terminal: raw mode, alternate screen, mouse, and giving all of it back on every
//! way out (normal exit, error, panic, Ctrl-Z, SIGTERM, SIGHUP).

use std::io::{self, Write};
use std::sync::Once;

use base64::Engine;
use crossterm::cursor::Show;
use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
    EventStream,
};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use futures::{Stream, StreamExt};
use tokio::signal::unix::{SignalKind, signal};

use crate::tui::runloop::{Host, Input};

/// Puts the terminal in the state the UI needs.
pub fn enter() -> io::Result<()> {
    enable_raw_mode()?;
    // Bracketed paste: a pasted key arrives as one event, so its line break does not answer
    // the dialog.
    execute!(
        io::stdout(),
        EnterAlternateScreen,
        EnableMouseCapture,
        EnableBracketedPaste
    )
}

/// Gives the terminal back as the shell had it. Safe to call more than once.
pub fn restore() {
    let _ = disable_raw_mode();
    let _ = execute!(
        io::stdout(),
        DisableBracketedPaste,
        DisableMouseCapture,
        LeaveAlternateScreen,
        Show
    );
}

/// Restores the terminal before the panic message is printed, so the message is readable
/// and the shell is usable afterwards.
pub fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            previous(info);
        }));
    });
}

/// Terminal events, plus SIGTERM and SIGHUP as a request to quit.
pub fn inputs() -> io::Result<impl Stream<Item = Input> + Unpin> {
    let term = EventStream::new().filter_map(|ev| async move { ev.ok().map(Input::Term) });
    let sigterm = signal(SignalKind::terminate())?;
    let sighup = signal(SignalKind::hangup())?;
    let signals = futures::stream::unfold((sigterm, sighup), |(mut term, mut hup)| async move {
        tokio::select! {
            _ = term.recv() => {}
            _ = hup.recv() => {}
        }
        Some((Input::Terminate, (term, hup)))
    });
    Ok(futures::stream::select(Box::pin(term), Box::pin(signals)))
}

/// The host for a real terminal on stdout.
pub struct RealHost;

impl Host for RealHost {
    /// OSC 52: the terminal (or tmux with `set-clipboard on`) puts the text on the system
    /// clipboard, which also works over SSH where no clipboard program can be reached.
    fn copy_to_clipboard(&mut self, text: &str) -> io::Result<()> {
        let encoded = base64::engine::general_purpose::STANDARD.encode(text);
        let mut out = io::stdout();
        write!(out, "\x1b]52;c;{encoded}\x07")?;
        out.flush()
    }

    /// Restores the terminal, stops the process like Ctrl-Z does in any program, and takes
    /// the terminal again when the shell resumes it (`fg`).
    fn suspend(&mut self) -> io::Result<()> {
        restore();
        // Raw mode turned off the terminal's own Ctrl-Z, so the signal is sent by hand.
        // `kill` keeps this crate free of unsafe code; the process stops when it arrives.
        let status = std::process::Command::new("kill")
            .arg("-TSTP")
            .arg(std::process::id().to_string())
            .status();
        enter()?;
        status.map(|_| ())
    }
}
