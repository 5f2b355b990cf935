//! Where the audit view's cursor stands; the view itself is `audit_view.rs`.

/// Cursor of the audit view: an index into the findings, which are sorted most severe first.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AuditCursor {
    /// The finding under the cursor.
    pub cursor: usize,
    /// First visible line.
    pub offset: usize,
}
