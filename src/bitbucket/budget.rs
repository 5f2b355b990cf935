//! The rolling-hour request count of one allowance, kept across runs.
//!
//! Bitbucket allows about 1,000 requests per rolling hour (`bitbucket-api.md` §5), counted as
//! Bitbucket counts them: API tokens and OAuth tokens spend their user's allowance, shared by
//! every tool of that person; each workspace, project or repository access token has an
//! allowance of its own. It counts every request, whichever process made it: two CLI runs a
//! minute apart spend the same budget. So the count lives in a small file in the state
//! directory of its [`BudgetOwner`], and every client spending that allowance adds to it.
//!
//! The file holds lines `<unix minute> <requests>`. Counting per minute keeps it small (at most
//! 60 useful lines) at the price of up to one minute of over-counting, which errs on the safe
//! side. Processes only ever *append* their new requests (one `write` of a few short lines, which
//! POSIX keeps whole under `O_APPEND`), so two runs at the same time do not lose each other's
//! counts; the file is rewritten, compacted, only when it has grown long, and a run appending in
//! that very instant may lose one line: a rare under-count of a soft limit, accepted to avoid
//! a lock file.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Whose hourly allowance a credential spends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BudgetOwner {
    /// A person, by lowercase email: API tokens, and OAuth tokens declared with the user they
    /// act for (`rate_limit_user` in a profile).
    User(String),
    /// One access token, by `access-token-` and a short digest of it (never the token).
    AccessToken(String),
}

impl BudgetOwner {
    /// The owner of `credential`'s requests; `rate_limit_user` names the person a Bearer
    /// token acts for (an OAuth token), so that it shares that person's count. `None` without
    /// a credential.
    pub fn of(
        credential: &super::Credential,
        rate_limit_user: Option<&str>,
    ) -> Option<BudgetOwner> {
        use sha2::Digest;
        match credential {
            super::Credential::ApiToken { email, .. } => {
                Some(BudgetOwner::User(email.trim().to_lowercase()))
            }
            super::Credential::Bearer { token } => Some(match rate_limit_user {
                Some(user) => BudgetOwner::User(user.trim().to_lowercase()),
                None => {
                    let d = sha2::Sha256::digest(token.expose().as_bytes());
                    let short: String = d.iter().take(6).map(|b| format!("{b:02x}")).collect();
                    BudgetOwner::AccessToken(format!("access-token-{short}"))
                }
            }),
            super::Credential::None => None,
        }
    }

    /// The account name the count's directory is named after: the email, or the token's
    /// digest name (the same names the account's other files use).
    pub fn account(&self) -> &str {
        match self {
            BudgetOwner::User(u) | BudgetOwner::AccessToken(u) => u,
        }
    }

    /// `your` or `this access token's`, for sentences about the budget.
    pub fn whose(&self) -> &'static str {
        match self {
            BudgetOwner::User(_) => "your",
            BudgetOwner::AccessToken(_) => "this access token's",
        }
    }
}

/// The window Bitbucket counts in, in minutes.
const WINDOW_MINUTES: u64 = 60;

/// Unsaved requests are written at most this often, so a scan of 1,000 repositories writes the
/// file a handful of times rather than 1,000 times.
const SAVE_EVERY: Duration = Duration::from_secs(1);

/// Above this many lines the file is rewritten with one line per minute.
const COMPACT_AFTER_LINES: usize = 240;

/// Requests per minute in the last hour of one account, in memory and (when given a path) on
/// disk. Thread-safe; the client holds one and counts every request it sends, retries included,
/// because the server counts those too.
#[derive(Debug)]
pub struct RequestLog {
    path: Option<PathBuf>,
    state: Mutex<LogState>,
}

#[derive(Debug, Default)]
struct LogState {
    /// Every request known, per minute: those read from the file plus this process's own.
    minutes: BTreeMap<u64, u64>,
    /// This process's requests not yet appended to the file, per minute.
    unsaved: BTreeMap<u64, u64>,
    /// When the file was last read and written.
    last_save: Option<Instant>,
}

/// The current UNIX minute. A clock before 1970 counts as minute 0: the count is then only
/// pessimistic, never wrong in the dangerous direction.
fn now_minute() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() / 60)
        .unwrap_or(0)
}

/// Whether `minute` is inside the hour that ends with `now`.
fn in_window(minute: u64, now: u64) -> bool {
    minute + WINDOW_MINUTES > now && minute <= now
}

impl RequestLog {
    /// A count kept in memory only (tests, and runs without a state directory).
    pub fn in_memory() -> RequestLog {
        RequestLog {
            path: None,
            state: Mutex::new(LogState::default()),
        }
    }

    /// A count kept in `path`, starting from what the file already holds. A missing or
    /// unreadable file starts from zero: the count is advice, and must never stop the work.
    pub fn at(path: impl Into<PathBuf>) -> RequestLog {
        let path = path.into();
        let minutes = read_file(&path);
        RequestLog {
            path: Some(path),
            state: Mutex::new(LogState {
                minutes,
                ..LogState::default()
            }),
        }
    }

    /// The file the count is kept in, if any.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LogState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Counts one request made now.
    pub fn record(&self) {
        self.record_at(now_minute());
    }

    /// Counts one request made in `minute` (UNIX minutes); the clock is a parameter for tests.
    pub fn record_at(&self, minute: u64) {
        let mut st = self.lock();
        *st.minutes.entry(minute).or_insert(0) += 1;
        *st.unsaved.entry(minute).or_insert(0) += 1;
        let due = st.last_save.is_none_or(|t| t.elapsed() >= SAVE_EVERY);
        if due {
            self.save_locked(&mut st, minute);
        }
    }

    /// Requests in the last hour, this process's and (as of the last save) every other
    /// process's of the same account.
    pub fn last_hour(&self) -> usize {
        self.last_hour_at(now_minute())
    }

    /// [`Self::last_hour`] at a given minute.
    pub fn last_hour_at(&self, now: u64) -> usize {
        let st = self.lock();
        count(&st.minutes, now)
    }

    /// Re-reads the file, so requests of runs that ended since this one started are counted.
    pub fn refresh(&self) {
        let Some(path) = &self.path else { return };
        let mut st = self.lock();
        let mut minutes = read_file(path);
        for (m, n) in &st.unsaved {
            *minutes.entry(*m).or_insert(0) += n;
        }
        st.minutes = minutes;
    }

    /// Minutes to wait until `needed` more requests fit under `budget`, or `None` when they
    /// never will (more than the whole budget). `Some(0)` means now.
    pub fn minutes_until_room(&self, needed: usize, budget: usize) -> Option<u64> {
        self.minutes_until_room_at(needed, budget, now_minute())
    }

    /// [`Self::minutes_until_room`] at a given minute.
    pub fn minutes_until_room_at(&self, needed: usize, budget: usize, now: u64) -> Option<u64> {
        if needed > budget {
            return None;
        }
        let st = self.lock();
        // Each minute of the window leaves it WINDOW_MINUTES after it began; walk forward until
        // what is left plus `needed` fits.
        (0..=WINDOW_MINUTES).find(|ahead| count(&st.minutes, now + ahead) + needed <= budget)
    }

    /// Writes this process's unsaved requests now (also done on drop).
    pub fn save(&self) {
        let mut st = self.lock();
        self.save_locked(&mut st, now_minute());
    }

    fn save_locked(&self, st: &mut LogState, now: u64) {
        st.last_save = Some(Instant::now());
        let Some(path) = &self.path else {
            st.unsaved.clear();
            return;
        };
        // Pick up other processes' requests first, then add ours on top of theirs.
        let mut minutes = read_file(path);
        let mut lines = String::new();
        for (m, n) in &st.unsaved {
            *minutes.entry(*m).or_insert(0) += n;
            lines.push_str(&format!("{m} {n}\n"));
        }
        minutes.retain(|m, _| in_window(*m, now));
        let written = if line_count(path) + st.unsaved.len() > COMPACT_AFTER_LINES {
            rewrite(path, &minutes)
        } else if lines.is_empty() {
            Ok(())
        } else {
            append(path, &lines)
        };
        match written {
            Ok(()) => st.unsaved.clear(),
            // Keep the requests unsaved and try again later; only the log hears of it.
            Err(e) => {
                tracing::debug!(path = %path.display(), error = %e, "request count not saved")
            }
        }
        // `minutes` holds the unsaved requests already, whether or not they were written.
        st.minutes = minutes;
    }
}

impl Drop for RequestLog {
    fn drop(&mut self) {
        let mut st = self.lock();
        if !st.unsaved.is_empty() {
            self.save_locked(&mut st, now_minute());
        }
    }
}

fn count(minutes: &BTreeMap<u64, u64>, now: u64) -> usize {
    let from = (now + 1).saturating_sub(WINDOW_MINUTES);
    let n: u64 = minutes.range(from..=now).map(|(_, n)| n).sum();
    usize::try_from(n).unwrap_or(usize::MAX)
}

/// Sums the file's lines per minute; lines that are not two numbers are skipped (a torn line
/// of a crashed run must not make the count unusable).
fn read_file(path: &Path) -> BTreeMap<u64, u64> {
    let mut minutes = BTreeMap::new();
    let Ok(text) = std::fs::read_to_string(path) else {
        return minutes;
    };
    for line in text.lines() {
        let mut parts = line.split_ascii_whitespace();
        let (Some(m), Some(n), None) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        if let (Ok(m), Ok(n)) = (m.parse::<u64>(), n.parse::<u64>()) {
            *minutes.entry(m).or_insert(0) += n;
        }
    }
    minutes
}

fn line_count(path: &Path) -> usize {
    std::fs::read_to_string(path)
        .map(|t| t.lines().count())
        .unwrap_or(0)
}

fn append(path: &Path, lines: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    // One write call, so a concurrent appender's lines never interleave with ours.
    f.write_all(lines.as_bytes())
}

fn rewrite(path: &Path, minutes: &BTreeMap<u64, u64>) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let text: String = minutes.iter().map(|(m, n)| format!("{m} {n}\n")).collect();
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bitbucket::client::{Credential, Secret};

    #[test]
    fn api_and_oauth_tokens_share_their_users_budget_access_tokens_have_their_own() {
        let api = Credential::ApiToken {
            email: "Ann@Example.com".into(),
            token: Secret::new("api"),
        };
        let bearer = |t: &str| Credential::Bearer {
            token: Secret::new(t),
        };
        let user = BudgetOwner::of(&api, None).unwrap();
        assert_eq!(user, BudgetOwner::User("ann@example.com".into()));
        // An OAuth token declared as Ann's counts with her API token's requests.
        assert_eq!(
            BudgetOwner::of(&bearer("oauth-1"), Some("ann@example.com")),
            Some(user.clone())
        );
        // Two access tokens: two allowances, neither of them Ann's.
        let a = BudgetOwner::of(&bearer("ws-token-a"), None).unwrap();
        let b = BudgetOwner::of(&bearer("ws-token-b"), None).unwrap();
        assert_ne!(a, b);
        assert_ne!(a, user);
        assert!(!a.account().contains("ws-token"), "the token never shows");
        assert_eq!(a.whose(), "this access token's");
        assert_eq!(user.whose(), "your");
        assert_eq!(BudgetOwner::of(&Credential::None, None), None);
    }

    #[test]
    fn counts_the_rolling_hour_per_minute() {
        let log = RequestLog::in_memory();
        log.record_at(1000);
        log.record_at(1000);
        log.record_at(1030);
        log.record_at(1059);
        assert_eq!(log.last_hour_at(1059), 4);
        assert_eq!(log.last_hour_at(1060), 2, "minute 1000 left the hour");
        assert_eq!(log.last_hour_at(1089), 2);
        assert_eq!(log.last_hour_at(1090), 1);
        assert_eq!(log.last_hour_at(1119), 0);
    }

    #[test]
    fn room_frees_up_as_minutes_leave_the_hour() {
        let log = RequestLog::in_memory();
        for _ in 0..6 {
            log.record_at(1000);
        }
        for _ in 0..3 {
            log.record_at(1020);
        }
        assert_eq!(log.minutes_until_room_at(1, 10, 1030), Some(0));
        assert_eq!(log.minutes_until_room_at(5, 10, 1030), Some(30));
        assert_eq!(log.minutes_until_room_at(10, 10, 1030), Some(50));
        assert_eq!(log.minutes_until_room_at(11, 10, 1030), None);
    }

    #[test]
    fn two_logs_on_one_file_add_up() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state").join("requests");
        {
            let a = RequestLog::at(&path);
            a.record_at(now_minute());
            a.record_at(now_minute());
        }
        let b = RequestLog::at(&path);
        assert_eq!(b.last_hour(), 2);
        b.record_at(now_minute());
        b.save();
        let c = RequestLog::at(&path);
        assert_eq!(c.last_hour(), 3);
        // A torn line from a crash is skipped, not fatal.
        std::fs::write(&path, format!("{} 4\n12 x\n77", now_minute())).unwrap();
        assert_eq!(RequestLog::at(&path).last_hour(), 4);
    }

    #[test]
    fn a_long_file_is_compacted_to_the_last_hour() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("requests");
        let now = now_minute();
        let old: String = (0..300).map(|i| format!("{} 1\n", now - 500 + i)).collect();
        std::fs::write(&path, format!("{old}{now} 5\n")).unwrap();
        let log = RequestLog::at(&path);
        log.record_at(now);
        log.save();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 1, "{text}");
        assert_eq!(RequestLog::at(&path).last_hour(), 6);
    }
}
