//! Ctrl-C and SIGTERM during a journaled write: the current step finishes, then the
//! operation stops and says what is left pending.

use std::sync::atomic::{AtomicBool, Ordering};

/// Sets a flag on Ctrl-C or SIGTERM instead of dying, so a journaled operation finishes its
/// current step and leaves its entry pending or done.
pub struct StopOnSignal(tokio::task::JoinHandle<()>);

impl StopOnSignal {
    /// Starts listening.
    pub fn install(flag: std::sync::Arc<AtomicBool>) -> StopOnSignal {
        StopOnSignal(tokio::spawn(async move {
            #[cfg(unix)]
            {
                use tokio::signal::unix::{SignalKind, signal};
                if let (Ok(mut term), Ok(mut hup)) = (
                    signal(SignalKind::terminate()),
                    signal(SignalKind::hangup()),
                ) {
                    tokio::select! {
                        _ = tokio::signal::ctrl_c() => {}
                        _ = term.recv() => {}
                        _ = hup.recv() => {}
                    }
                    flag.store(true, Ordering::SeqCst);
                    eprintln!("bbkeys: stopping after the current step…");
                    return;
                }
            }
            if tokio::signal::ctrl_c().await.is_ok() {
                flag.store(true, Ordering::SeqCst);
                eprintln!("bbkeys: stopping after the current step…");
            }
        }))
    }
}

impl Drop for StopOnSignal {
    fn drop(&mut self) {
        self.0.abort();
    }
}
