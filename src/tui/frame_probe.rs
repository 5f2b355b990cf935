//! A benchmark hook: `BBKEYS_BENCH_EXIT_AFTER_CACHED_FRAME=1` makes the TUI say on stderr when
//! it drew its first frame, its first frame showing a cached scan in the panes, and its first
//! frame after the cached scan's inventory (All keys, find, export) was ready; it quits after
//! the last. `cargo bench --bench scale` times start-up to these lines from outside the
//! process (issue 8, figure f). Without the variable the probe does nothing.

use std::time::Instant;

use crate::tui::state::State;

/// Watches the frames the run loop draws.
pub struct FrameProbe {
    /// When the run loop started; `None` when the variable is not set.
    start: Option<Instant>,
    first_said: bool,
    cached_said: bool,
}

impl FrameProbe {
    /// Reads the variable once, so frames cost no environment look-up.
    pub fn from_env() -> FrameProbe {
        let on = std::env::var_os("BBKEYS_BENCH_EXIT_AFTER_CACHED_FRAME").is_some_and(|v| v == "1");
        FrameProbe {
            start: on.then(Instant::now),
            first_said: false,
            cached_said: false,
        }
    }

    /// Called after each drawn frame; returns whether the TUI should quit now.
    pub fn drawn(&mut self, state: &State) -> bool {
        let Some(start) = self.start else {
            return false;
        };
        let ms = start.elapsed().as_secs_f64() * 1000.0;
        if !self.first_said {
            self.first_said = true;
            eprintln!("bbkeys-bench: first frame after {ms:.1} ms in the run loop");
        }
        // The panes show a cached scan from the moment its age is known to the state.
        if !self.cached_said && crate::tui::state::insight::focused_cache_age(state).is_some() {
            self.cached_said = true;
            eprintln!("bbkeys-bench: first cached frame after {ms:.1} ms in the run loop");
        }
        let indexed = crate::tui::state::insight::focused_inventory(state)
            .is_some_and(|w| w.cached.is_some());
        if indexed {
            eprintln!("bbkeys-bench: cached inventory frame after {ms:.1} ms in the run loop");
        }
        indexed
    }
}
