//! What `State` knows of the forge in use: its kind and caps, and the time expiry is told
//! against.

/// The forge the session talks to, as the panes need it.
#[derive(Debug, Clone, Copy)]
pub struct ForgeFacts {
    /// Cloud or Data Center.
    pub kind: crate::forge::ForgeKind,
    /// Its capabilities (permissions, expiry, ...).
    pub caps: crate::forge::Caps,
    /// The time expiry is told against ("expires in 6 days"); kept here so rendering stays
    /// pure, and set by the run loop.
    pub now: time::OffsetDateTime,
}

impl Default for ForgeFacts {
    fn default() -> Self {
        ForgeFacts {
            kind: crate::forge::ForgeKind::Cloud,
            caps: crate::forge::Caps::default(),
            now: time::OffsetDateTime::UNIX_EPOCH,
        }
    }
}
