//! Opening the find view (`f`), and `f` on a forge that answers "where is this key used"
//! itself (Data Center): there the view opens at once and the worker asks the usage lookups
//! (two requests), instead of scanning the project first. The answer is limited to what the
//! credential may see, and the view says so.

use crate::tui::state::insight::{FindTarget, InsightCommand, UsageFind};
use crate::tui::state::msg::Command;
use crate::tui::state::op_failure::OpFailure;
use crate::tui::state::{FullView, State};

/// Whether `f` is answered by the forge rather than by a scan's inventory.
pub fn answers_itself(state: &State) -> bool {
    state.forge.caps.usage_lookup
}

/// Opens the find view for `target` and asks the worker where key `id` is used.
pub fn ask(state: &mut State, target: FindTarget, id: u64, out: &mut Vec<Command>) {
    let req_id = state.req();
    state.message = Some((
        format!(
            "Asking the server where {} is used (its usage lookups)…",
            crate::sanitize::clean_line(&target.name)
        ),
        false,
    ));
    open_find(state, target);
    state.insight.usage = Some(UsageFind {
        req_id,
        id,
        answer: None,
    });
    out.push(Command::Insight(InsightCommand::Usage { req_id, id }));
}

/// Opens the find view on `target`, showing the scan's inventory.
pub fn open_find(state: &mut State, target: FindTarget) {
    state.insight.usage = None;
    state.insight.find = Some(target);
    state.insight.scroll = 0;
    state.views.open(FullView::Find);
}

/// The worker answered request `req_id`; an answer to an earlier `f` is dropped.
pub fn answered(
    state: &mut State,
    req_id: crate::tui::state::ReqId,
    result: Result<crate::forge::Usage, OpFailure>,
) {
    let Some(find) = state.insight.usage.as_mut().filter(|u| u.req_id == req_id) else {
        return;
    };
    match &result {
        Ok(usage) => {
            let places = usage.places.len();
            state.message = Some((
                format!(
                    "Key {} is granted at {places} place(s) this credential may see",
                    find.id
                ),
                false,
            ));
        }
        Err(f) => state.message = Some((f.sentence.clone(), true)),
    }
    find.answer = Some(result);
}
