//! The real event loop on a `TestBackend`, keys injected, the simulator behind the worker,
//! the screen read after every frame (design.md §4, layer 4).

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bbkeys::bitbucket::Client;
use bbkeys::bitbucket::client::{ClientOptions, Credential, Secret};
use bbkeys::demo::Simulator;
use bbkeys::tui::runloop::{Host, Input, run_with};
use bbkeys::tui::state::State;
use bbkeys::tui::theme::Theme;
use bbkeys::tui::{Services, TuiOutcome, keymap::Keymap};
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinHandle;

/// Keeps the last drawn screen as text, and what was copied.
#[derive(Clone, Default)]
pub struct ScreenHost {
    pub screen: Arc<Mutex<String>>,
    pub copied: Arc<Mutex<Vec<String>>>,
}

impl Host for ScreenHost {
    fn copy_to_clipboard(&mut self, text: &str) -> std::io::Result<()> {
        self.copied.lock().unwrap().push(text.to_string());
        Ok(())
    }
    fn suspend(&mut self) -> std::io::Result<()> {
        Ok(())
    }
    fn drawn(&mut self, buf: &Buffer) {
        let width = usize::from(buf.area.width);
        let text: Vec<String> = buf
            .content
            .chunks(width)
            .map(|row| row.iter().map(|c| c.symbol()).collect::<String>())
            .collect();
        *self.screen.lock().unwrap() = text.join("\n");
    }
}

/// A running UI.
pub struct Ui {
    pub host: ScreenHost,
    pub tx: UnboundedSender<Input>,
    pub task: JoinHandle<anyhow::Result<TuiOutcome>>,
}

pub async fn simulator() -> Simulator {
    bbkeys::demo::start(bbkeys::demo::SimOptions {
        port: 0,
        latency: Duration::ZERO,
        ..Default::default()
    })
    .await
    .unwrap()
}

pub fn client(sim: &Simulator) -> Client {
    let credential = Credential::ApiToken {
        email: bbkeys::demo::credentials::EMAIL.to_string(),
        token: Secret::new(bbkeys::demo::credentials::TOKEN),
    };
    let mut o = ClientOptions::new(sim.api_url(), credential);
    o.backoff_base = Duration::from_millis(1);
    Client::new(o).unwrap()
}

/// Starts the loop at 120×40; `journal_dir` holds the journal (pass a temporary directory).
pub fn start(sim: &Simulator, journal_dir: Option<&Path>) -> Ui {
    start_cached(sim, journal_dir, None)
}

/// [`start`] with the scan cache kept in `cache_dir`, as a real start keeps it.
pub fn start_cached(sim: &Simulator, journal_dir: Option<&Path>, cache_dir: Option<&Path>) -> Ui {
    start_desired(sim, journal_dir, cache_dir, None)
}

/// [`start_cached`] with a keys file for the Drift view, as `--desired` names one.
pub fn start_desired(
    sim: &Simulator,
    journal_dir: Option<&Path>,
    cache_dir: Option<&Path>,
    desired: Option<&Path>,
) -> Ui {
    let services = Services {
        journal: journal_dir.map(bbkeys::journal::Journal::in_dir),
        concurrency: 4,
        ..Services::from(client(sim))
    };
    let mut state = State::new(true, true, Keymap::default(), Theme::default_colours());
    state.insight.settings.cache_dir = cache_dir.map(Path::to_path_buf);
    state.drift.file = desired.map(Path::to_path_buf);
    start_with(state, services)
}

/// Starts the loop at 120×40 on `services`, whichever forge they hold.
pub fn start_services(services: Services) -> Ui {
    let state = State::new(true, true, Keymap::default(), Theme::default_colours());
    start_with(state, services)
}

/// Starts the loop at 120×40 with `state` as it is (profiles, settings) on `services`.
pub fn start_with(state: State, services: Services) -> Ui {
    let host = ScreenHost::default();
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel::<Input>();
    let events = Box::pin(futures::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|e| (e, rx))
    }));
    let mut loop_host = host.clone();
    let task = tokio::spawn(async move {
        let mut term = Terminal::new(TestBackend::new(120, 40)).unwrap();
        run_with(&mut term, events, state, Some(services), &mut loop_host).await
    });
    Ui { host, tx, task }
}

impl Ui {
    /// Types `keys`: Esc is `\u{1b}`, Enter `\n`, Tab `\t`, Space ` `.
    pub fn send(&self, keys: &str) {
        for c in keys.chars() {
            let code = match c {
                '\u{1b}' => KeyCode::Esc,
                '\n' => KeyCode::Enter,
                '\t' => KeyCode::Tab,
                c => KeyCode::Char(c),
            };
            self.tx
                .send(Input::Term(Event::Key(KeyEvent::new(
                    code,
                    KeyModifiers::NONE,
                ))))
                .unwrap();
        }
    }

    /// Pastes `text` as a terminal does with bracketed paste.
    pub fn paste(&self, text: &str) {
        self.tx
            .send(Input::Term(Event::Paste(text.to_string())))
            .unwrap();
    }

    /// Waits until the screen satisfies `pred`; the timeout only keeps a broken build from
    /// hanging.
    pub async fn wait_for(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        loop {
            let screen = self.host.screen.lock().unwrap().clone();
            if pred(&screen) {
                return screen;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "timed out waiting for {what}; screen:\n{screen}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Quits and checks the loop ended cleanly.
    pub async fn quit(self) {
        self.send("\u{1b}\u{1b}q");
        let outcome = tokio::time::timeout(Duration::from_secs(30), self.task)
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        assert_eq!(outcome, TuiOutcome::Quit);
    }
}
