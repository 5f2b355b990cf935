//! Demo credentials of the Data Center simulator. Public on purpose: only the simulator
//! accepts them. Each token works as `Bearer`, or as Basic with its user's name (§2).

/// The demo admin: PROJECT_ADMIN of `ACME` and `OPS`, REPO_ADMIN of `SEC/vault` (a project
/// she does not administer) and of `DATA/warehouse` (a project that restricts repository
/// admins, 8.8).
pub const ADMIN_USERNAME: &str = "dana";
/// [`ADMIN_USERNAME`]'s personal access token.
pub const ADMIN_TOKEN: &str = "BBDC-DemoDanaAdmin0bbkeysQ7x";

/// A repository admin only (REPO_ADMIN of `ACME/web`): usage lookups show her nothing (§4).
pub const REPO_ADMIN_USERNAME: &str = "rita";
/// [`REPO_ADMIN_USERNAME`]'s personal access token.
pub const REPO_ADMIN_TOKEN: &str = "BBDC-DemoRitaRepoAdmin0bbkeysM2k";

/// A user who may read project `ACME` but administers nothing: every key call gets 401.
pub const VIEWER_USERNAME: &str = "victor";
/// [`VIEWER_USERNAME`]'s personal access token.
pub const VIEWER_TOKEN: &str = "BBDC-DemoVictorViewer0bbkeysP3d";

/// An expired token: 401 `IncorrectPasswordAuthenticationException`.
pub const EXPIRED_TOKEN: &str = "BBDC-DemoExpired0bbkeysZ0z";

/// Line of `keys.txt` registered as the admin's personal SSH key: adding it as an access key
/// gets 409 `SshKeyAlreadyInUseException` (§4).
pub const PERSONAL_KEY_LINE: usize = 41;
