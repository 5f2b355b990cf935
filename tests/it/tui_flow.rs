//! Flow test (design.md §4, layer 4): the real event loop, keys injected, the simulator
//! behind the worker, the screen read from a `TestBackend` after every frame.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bbkeys::bitbucket::Client;
use bbkeys::bitbucket::client::{ClientOptions, Credential, Secret};
use bbkeys::tui::TuiOutcome;
use bbkeys::tui::keymap::Keymap;
use bbkeys::tui::runloop::{Host, Input, run_with};
use bbkeys::tui::state::State;
use bbkeys::tui::theme::Theme;
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use tokio::sync::mpsc::UnboundedSender;

/// Keeps the last drawn screen as text, and what was copied.
#[derive(Clone, Default)]
struct ScreenHost {
    screen: Arc<Mutex<String>>,
    copied: Arc<Mutex<Vec<String>>>,
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

fn send(tx: &UnboundedSender<Input>, keys: &str) {
    for c in keys.chars() {
        let code = match c {
            '\u{1b}' => KeyCode::Esc,
            '\n' => KeyCode::Enter,
            c => KeyCode::Char(c),
        };
        tx.send(Input::Term(Event::Key(KeyEvent::new(
            code,
            KeyModifiers::NONE,
        ))))
        .unwrap();
    }
}

/// Waits until the screen satisfies `pred`; the timeout only keeps a broken build from hanging.
async fn wait_for(host: &ScreenHost, what: &str, pred: impl Fn(&str) -> bool) -> String {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let screen = host.screen.lock().unwrap().clone();
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn move_to_a_repository_see_its_keys_filter_and_quit() {
    let sim = bbkeys::demo::start(bbkeys::demo::SimOptions {
        port: 0,
        latency: Duration::ZERO,
        ..Default::default()
    })
    .await
    .unwrap();
    let credential = Credential::ApiToken {
        email: bbkeys::demo::credentials::EMAIL.to_string(),
        token: Secret::new(bbkeys::demo::credentials::TOKEN),
    };
    let client = Client::new(ClientOptions::new(sim.api_url(), credential)).unwrap();
    let state = State::new(true, true, Keymap::default(), Theme::default_colours());
    let host = ScreenHost::default();
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel::<Input>();
    let events = Box::pin(futures::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|e| (e, rx))
    }));
    let mut loop_host = host.clone();
    let ui = tokio::spawn(async move {
        let mut term = Terminal::new(TestBackend::new(120, 40)).unwrap();
        run_with(&mut term, events, state, Some(client), &mut loop_host).await
    });

    wait_for(&host, "the repositories", |s| {
        s.contains("Repositories (") && s.contains("DEMO")
    })
    .await;
    // Down into the repositories, one row further, and wait for that repository's keys.
    send(&tx, "2j");
    let screen = wait_for(&host, "a focused key", |s| {
        s.contains("Fingerprint: SHA256:")
    })
    .await;
    assert!(screen.contains("Access keys ("), "{screen}");

    // The filter narrows the key list as it is typed, and Esc brings everything back.
    send(&tx, "3/zz-no-such-key");
    wait_for(&host, "the filter to empty the list", |s| {
        s.contains("Nothing matches /zz-no-such-key")
    })
    .await;
    send(&tx, "\u{1b}");
    wait_for(&host, "the keys to come back", |s| {
        s.contains("Fingerprint: SHA256:")
    })
    .await;

    // y copies the focused key's fingerprint.
    send(&tx, "y");
    wait_for(&host, "the copy message", |s| {
        s.contains("Copied the fingerprint")
    })
    .await;
    assert!(
        host.copied
            .lock()
            .unwrap()
            .first()
            .is_some_and(|c| c.starts_with("SHA256:"))
    );

    send(&tx, "q");
    let outcome = tokio::time::timeout(Duration::from_secs(30), ui)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(outcome, TuiOutcome::Quit);
    sim.shutdown().await;
}
