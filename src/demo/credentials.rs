//! Demo credentials. They are public on purpose: the simulator is the only server that
//! accepts them, and tests, the `--demo` mode and the README all use them.
//!
//! API tokens are HTTP Basic with the account **email** as user name (`bitbucket-api.md`
//! §2); access tokens are `Authorization: Bearer`.

/// Email of the demo person; the Basic-auth user name for [`TOKEN`].
pub const EMAIL: &str = "demo@bbkeys.example";
/// API token of the demo person with all eight scopes of §1 ([`ALL_SCOPES`]).
pub const TOKEN: &str = "ATATT3xDemoAllScopes0bbkeysFz7Q2w";
/// The demo person's Bitbucket nickname. Basic auth with it instead of the email gets 401,
/// like the real service, so the client can say "use your email".
pub const NICKNAME: &str = "dana-demo";

/// Email of the read-only demo account.
pub const READONLY_EMAIL: &str = "readonly@bbkeys.example";
/// API token with [`READONLY_SCOPES`]: can list everything (including keys) but cannot add,
/// change or delete keys.
pub const READONLY_TOKEN: &str = "ATATT3xDemoReadOnly0bbkeysKq2Lp9";

/// Email of the demo account whose token lacks `write:ssh-key:bitbucket`.
pub const NOWRITE_EMAIL: &str = "nowrite@bbkeys.example";
/// API token with [`NOWRITE_SCOPES`]: everything except adding and changing keys.
pub const NOWRITE_TOKEN: &str = "ATATT3xDemoNoWrite0bbkeysVb81Xr";

/// Workspace access token (Bearer, classic scopes [`ACCESS_TOKEN_SCOPES`]) bound to
/// [`ACCESS_TOKEN_WORKSPACE`]. It may list keys but never add, change or delete repository
/// keys (§2), and sees no other workspace.
pub const ACCESS_TOKEN: &str = "ATCTT3xDemoAcmeWorkspace0bbkeysR4nT";
/// The one workspace [`ACCESS_TOKEN`] is bound to.
pub const ACCESS_TOKEN_WORKSPACE: &str = "acme";

/// A removed app password (§2, removed 2026-07-28): Basic `NICKNAME:APP_PASSWORD` gets 401.
pub const APP_PASSWORD: &str = "ATBBDemoRemovedAppPassword0bbkeys";
/// An expired API token of the demo person: Basic `EMAIL:EXPIRED_TOKEN` gets 401.
pub const EXPIRED_TOKEN: &str = "ATATT3xDemoExpired0bbkeysQ0oZ1a";
/// An API token created without Bitbucket scopes: Basic `EMAIL:NO_BITBUCKET_SCOPES_TOKEN`
/// gets 401 (§2), not 403.
pub const NO_BITBUCKET_SCOPES_TOKEN: &str = "ATATT3xDemoJiraOnly0bbkeysMm3Kd";

/// The eight granular scopes of [`TOKEN`] (the minimal set of §1).
pub const ALL_SCOPES: [&str; 8] = [
    "read:user:bitbucket",
    "read:workspace:bitbucket",
    "read:repository:bitbucket",
    "read:project:bitbucket",
    "admin:repository:bitbucket",
    "admin:project:bitbucket",
    "write:ssh-key:bitbucket",
    "delete:ssh-key:bitbucket",
];

/// Scopes of [`READONLY_TOKEN`]: the `read:*` ones plus the two `admin:*` needed to list keys.
pub const READONLY_SCOPES: [&str; 6] = [
    "read:user:bitbucket",
    "read:workspace:bitbucket",
    "read:repository:bitbucket",
    "read:project:bitbucket",
    "admin:repository:bitbucket",
    "admin:project:bitbucket",
];

/// Scopes of [`NOWRITE_TOKEN`]: all but `write:ssh-key:bitbucket`.
pub const NOWRITE_SCOPES: [&str; 7] = [
    "read:user:bitbucket",
    "read:workspace:bitbucket",
    "read:repository:bitbucket",
    "read:project:bitbucket",
    "admin:repository:bitbucket",
    "admin:project:bitbucket",
    "delete:ssh-key:bitbucket",
];

/// Classic scopes of [`ACCESS_TOKEN`].
pub const ACCESS_TOKEN_SCOPES: [&str; 5] = [
    "account",
    "repository",
    "repository:admin",
    "project",
    "project:admin",
];
