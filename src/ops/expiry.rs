//! When a key expires, and how to say so: forge-neutral, from [`AccessKey::expiry_days`]
//! counted from [`AccessKey::created`] (Data Center's rule, `bitbucket-datacenter-api.md` §7).

use time::{Duration, OffsetDateTime};

use super::audit::Timestamp;
use crate::forge::AccessKey;

/// When `key` expires; `None` when it never does, or its creation date is unknown.
pub fn expires_at(key: &AccessKey) -> Option<OffsetDateTime> {
    let days = key.expiry_days?;
    let created = Timestamp::parse(key.created.as_deref()?)?;
    Some(created.0 + Duration::days(i64::from(days)))
}

/// Whole days from `now` until `at`, rounded up, so a key that expires in five days and some
/// hours is said to expire "in 6 days"; zero or less once it has expired.
pub fn days_left(at: OffsetDateTime, now: OffsetDateTime) -> i64 {
    let seconds = (at - now).whole_seconds();
    if seconds <= 0 {
        return 0;
    }
    (seconds + 86_399) / 86_400
}

/// `expires in 6 days`, `expires in 1 day`, `expired 2025-03-01`, or `never`.
pub fn describe(at: Option<OffsetDateTime>, now: OffsetDateTime) -> String {
    match at {
        None => "never".into(),
        Some(at) if at <= now => format!("expired {}", Timestamp(at).date()),
        Some(at) => match days_left(at, now) {
            1 => "expires in 1 day".into(),
            n => format!("expires in {n} days"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: OffsetDateTime = time::macros::datetime!(2026-03-10 12:00:00 UTC);

    fn key(created: Option<&str>, days: Option<u32>) -> AccessKey {
        AccessKey {
            id: 1,
            key: "ssh-ed25519 AAAA".into(),
            label: String::new(),
            comment: None,
            permission: crate::forge::Permission::Read,
            created: created.map(String::from),
            last_used: None,
            expiry_days: days,
        }
    }

    #[test]
    fn expiry_is_counted_from_creation_and_told_in_days_or_as_a_date() {
        let soon = key(Some("2026-01-10T11:00:00Z"), Some(65));
        let at = expires_at(&soon).unwrap();
        assert_eq!(describe(Some(at), NOW), "expires in 6 days");
        let gone = key(Some("2026-01-01T00:00:00Z"), Some(59));
        assert_eq!(
            describe(expires_at(&gone), NOW),
            "expired 2026-03-01",
            "the date it expired"
        );
        assert_eq!(describe(expires_at(&key(None, Some(30))), NOW), "never");
        assert_eq!(
            describe(expires_at(&key(Some("2026-01-01T00:00:00Z"), None)), NOW),
            "never"
        );
        let tomorrow = NOW + Duration::hours(3);
        assert_eq!(describe(Some(tomorrow), NOW), "expires in 1 day");
    }
}
