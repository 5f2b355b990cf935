//! The full-screen views over the panes, as one enum, and which of them are open.
//!
//! They stack in fixed layers: the jobs, selection and message views at the bottom, then All
//! keys, find and Credentials, then Drift, then the help on top. A view opened over one of a
//! lower layer leaves it underneath (Esc in the view on top shows it again); one of the same
//! layer takes its place.

/// A full-screen view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FullView {
    /// `J`: bulk jobs and their items.
    Jobs,
    /// `S`: everything selected.
    Selection,
    /// `m`: every status message of the session, in full.
    Messages,
    /// `K`: every distinct key of the focused workspace.
    AllKeys,
    /// `f`: where one key is held.
    Find,
    /// `C`: what the credential can do.
    Credentials,
    /// `A`: the audit's findings of the focused workspace, by severity.
    Audit,
    /// `L`: the journal's recent operations.
    Journal,
    /// `D`: the keys file against the stored scans.
    Drift,
    /// `?`: the key bindings (and the scope table).
    Help,
}

impl FullView {
    fn layer(self) -> u8 {
        match self {
            FullView::Jobs | FullView::Selection | FullView::Messages => 0,
            FullView::AllKeys
            | FullView::Find
            | FullView::Credentials
            | FullView::Audit
            | FullView::Journal => 1,
            FullView::Drift => 2,
            FullView::Help => 3,
        }
    }
}

/// The open views, lowest layer first, at most one per layer; empty while the panes show.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Views(Vec<FullView>);

impl Views {
    /// The view on top, which sees the keys first.
    pub fn top(&self) -> Option<FullView> {
        self.0.last().copied()
    }

    /// Whether `view` is open, on top or underneath.
    pub fn is_open(&self, view: FullView) -> bool {
        self.0.contains(&view)
    }

    /// Opens `view` over the views of lower layers, in place of the one of its own layer.
    pub fn open(&mut self, view: FullView) {
        self.0.retain(|v| v.layer() != view.layer());
        let at = self.0.partition_point(|v| v.layer() < view.layer());
        self.0.insert(at, view);
    }

    /// Closes `view` if it is open.
    pub fn close(&mut self, view: FullView) {
        self.0.retain(|v| *v != view);
    }

    /// Closes the jobs, selection or message view, if one is open.
    pub fn close_base(&mut self) {
        self.0.retain(|v| v.layer() != 0);
    }

    /// The open view of `view`'s layer, if any.
    fn of_layer(&self, layer: u8) -> Option<FullView> {
        self.0.iter().copied().find(|v| v.layer() == layer)
    }

    /// The jobs, selection or message view; `None` when the panes are underneath.
    pub fn base(&self) -> Option<FullView> {
        self.of_layer(0)
    }

    /// The All keys, find or Credentials view.
    pub fn insight(&self) -> Option<FullView> {
        self.of_layer(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_view_replaces_its_own_layer_and_keeps_the_lower_ones() {
        let mut v = Views::default();
        v.open(FullView::Drift);
        v.open(FullView::Jobs);
        v.open(FullView::AllKeys);
        assert_eq!(v.top(), Some(FullView::Drift));
        v.open(FullView::Find);
        assert_eq!(v.insight(), Some(FullView::Find));
        assert!(!v.is_open(FullView::AllKeys));
        v.close(FullView::Drift);
        assert_eq!(v.top(), Some(FullView::Find));
        v.close_base();
        assert_eq!(v.base(), None);
        assert_eq!(v.top(), Some(FullView::Find));
    }
}
