//! Flow test of the workspace-wide views (issues 6 and 7): the real event loop against the
//! simulator. `R` scans, `K` lists every key, `f` shows where the focused one is held, `C`
//! shows what the credential can do.

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

/// Keeps the last drawn screen as text.
#[derive(Clone, Default)]
struct ScreenHost {
    screen: Arc<Mutex<String>>,
}

impl Host for ScreenHost {
    fn copy_to_clipboard(&mut self, _text: &str) -> std::io::Result<()> {
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
async fn scan_list_all_keys_find_holders_and_check_credentials() {
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

    wait_for(&host, "the repositories", |s| s.contains("Repositories (")).await;
    // Before a scan the view says how to get one.
    send(&tx, "K");
    wait_for(&host, "the hint to scan", |s| {
        s.contains("press R to scan the workspace")
    })
    .await;
    send(&tx, "R");
    let screen = wait_for(&host, "the scanned keys", |s| {
        s.contains("All keys of ") && s.contains("· scanned ") && s.contains("SHA256:")
    })
    .await;
    assert!(screen.contains("Last used"), "{screen}");

    // `f` on the first row lists every place holding that key.
    send(&tx, "f");
    let screen = wait_for(&host, "the holders", |s| {
        s.contains("Where is ") && s.contains("times, reaching")
    })
    .await;
    assert!(
        screen.contains("Where ") && screen.contains("Label"),
        "{screen}"
    );
    // Esc goes back to the list, a second Esc closes it.
    send(&tx, "\u{1b}");
    wait_for(&host, "the list again", |s| s.contains("All keys of ")).await;
    send(&tx, "\u{1b}");
    wait_for(&host, "the panes again", |s| !s.contains("All keys of ")).await;

    // `C` runs the read-only probes and shows the verdicts and the scope table.
    send(&tx, "C");
    let screen = wait_for(&host, "the doctor report", |s| {
        s.contains("Operations") && s.contains("list repository keys")
    })
    .await;
    assert!(screen.contains("Credential "), "{screen}");

    send(&tx, "\u{1b}q");
    let outcome = tokio::time::timeout(Duration::from_secs(30), ui)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(outcome, TuiOutcome::Quit);
    sim.shutdown().await;
}
