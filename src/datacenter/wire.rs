//! Data Center's JSON as it arrives (`bitbucket-datacenter-api.md` §3), read leniently:
//! unknown fields ignored, `createdDate` as a number or a date-time, `lastAuthenticated` as
//! an epoch-millisecond string (or number, or absent), fingerprints without `SHA256:`. The
//! conversions to the forge's domain types live here too, so nothing above sees wire spelling.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::forge::{AccessKey, ForgeKind, Permission, Place};
use crate::sshkey::{Fingerprint, PublicKey};

/// One page of a paged listing (§3): `nextPageStart` is absent or `null` on the last page.
#[derive(Debug, Clone, Deserialize)]
pub struct DcPage<T> {
    /// The items.
    #[serde(default = "Vec::new")]
    pub values: Vec<T>,
    /// Items on this page.
    #[serde(default)]
    pub size: Option<u64>,
    /// The page size the server used, which may be less than asked for.
    #[serde(default)]
    pub limit: Option<u32>,
    /// Whether this is the last page.
    #[serde(default, rename = "isLastPage")]
    pub is_last_page: Option<bool>,
    /// The `start` of this page.
    #[serde(default)]
    pub start: Option<u64>,
    /// The `start` of the next page: to be sent as is, never computed (§3).
    #[serde(default, rename = "nextPageStart")]
    pub next_page_start: Option<u64>,
}

/// `GET /api/1.0/application-properties`.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct ServerInfo {
    /// Such as `10.2.1`.
    #[serde(default)]
    pub version: String,
    /// Build number.
    #[serde(default, rename = "buildNumber")]
    pub build_number: Option<String>,
    /// Product name.
    #[serde(default, rename = "displayName")]
    pub display_name: Option<String>,
}

/// `GET /ssh/1.0/settings` (the fields bbkeys reads).
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct SshSettings {
    /// SSH access is on.
    #[serde(default)]
    pub enabled: bool,
    /// Access keys are on.
    #[serde(default, rename = "accessKeysEnabled")]
    pub access_keys_enabled: bool,
    /// `ssh://git@host:port`.
    #[serde(default, rename = "baseUrl")]
    pub base_url: Option<String>,
}

/// A project: `{key, id, name, type}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct DcProject {
    /// The project key, as paths use it.
    pub key: String,
    /// Numeric id.
    #[serde(default)]
    pub id: Option<u64>,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
}

/// A repository: `{slug, id, name, project{key}, archived, state}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct DcRepository {
    /// Slug, as paths use it.
    pub slug: String,
    /// Numeric id.
    #[serde(default)]
    pub id: Option<u64>,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// The project it belongs to.
    #[serde(default)]
    pub project: Option<DcProject>,
    /// Archived repositories keep their keys (§1).
    #[serde(default)]
    pub archived: Option<bool>,
}

/// `RestSshAccessKey`: one grant, with the key inside (§3).
#[derive(Debug, Clone, Deserialize)]
pub struct DcGrant {
    /// The key entity, shared by every grant of the key.
    pub key: DcKey,
    /// `REPO_READ`, `REPO_WRITE`, `PROJECT_READ`, `PROJECT_WRITE`, or any other value the
    /// server chooses to show (kept as sent).
    #[serde(default)]
    pub permission: String,
    /// Present on repository grants.
    #[serde(default)]
    pub repository: Option<DcRepository>,
    /// Present on project grants.
    #[serde(default)]
    pub project: Option<DcProject>,
    /// With `withRestrictions=true`: the caller may not change this grant (8.8 restriction).
    #[serde(default, rename = "readOnly")]
    pub read_only: Option<bool>,
}

/// The key entity (§3): id, text, label, dates and expiry belong to it, not to a grant.
#[derive(Debug, Clone, Deserialize)]
pub struct DcKey {
    /// Global per public key: the same on every grant.
    pub id: u64,
    /// The whole line, comment included.
    #[serde(default)]
    pub text: String,
    /// The label, shared by every grant.
    #[serde(default)]
    pub label: Option<String>,
    /// Such as `RSA`.
    #[serde(default, rename = "algorithmType")]
    pub algorithm_type: Option<String>,
    /// Key length in bits.
    #[serde(default, rename = "bitLength")]
    pub bit_length: Option<u32>,
    /// Epoch milliseconds, read from a number or a date-time string.
    #[serde(default, rename = "createdDate", deserialize_with = "epoch_ms")]
    pub created_ms: Option<i64>,
    /// Days valid from `createdDate`; `None` for no expiry.
    #[serde(default, rename = "expiryDays")]
    pub expiry_days: Option<u32>,
    /// Unpadded base64 SHA-256, usually without `SHA256:`.
    #[serde(default)]
    pub fingerprint: Option<String>,
    /// Epoch milliseconds of the last use, sent as a string.
    #[serde(default, rename = "lastAuthenticated", deserialize_with = "epoch_ms")]
    pub last_authenticated_ms: Option<i64>,
    /// Such as `RSA_UNSAFE_MODULUS`.
    #[serde(default)]
    pub warning: Option<String>,
}

/// Reads epoch milliseconds from a number, a string of digits or an RFC 3339 date-time;
/// `null`, an empty string and anything else unreadable are `None` ("never / unknown", §3).
fn epoch_ms<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::Number(n)) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Some(Value::String(s)) => parse_epoch_text(&s),
        _ => None,
    })
}

/// `"1630041546434"` or `"2024-10-27T03:33:20Z"` (or with an offset) as epoch ms.
pub(crate) fn parse_epoch_text(s: &str) -> Option<i64> {
    let s = s.trim();
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse().ok();
    }
    let t = OffsetDateTime::parse(s, &Rfc3339).ok()?;
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok()
}

/// Epoch milliseconds as RFC 3339 (UTC, whole seconds).
pub fn rfc3339_of_ms(ms: i64) -> Option<String> {
    let t = OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000)).ok()?;
    t.format(&Rfc3339).ok()
}

impl DcKey {
    /// The fingerprint in `ssh-keygen`'s form: the server's value with `SHA256:` prepended
    /// (§3), or computed from the key text when the server sent none.
    pub fn fingerprint(&self) -> Option<Fingerprint> {
        let sent = self
            .fingerprint
            .as_deref()
            .map(str::trim)
            .filter(|f| !f.is_empty());
        match sent {
            Some(f) if f.len() >= 7 && f[..7].eq_ignore_ascii_case("SHA256:") => {
                Fingerprint::parse(f).ok()
            }
            Some(f) => Fingerprint::parse(&format!("SHA256:{f}")).ok(),
            None => PublicKey::from_server(&self.text)
                .ok()
                .map(|k| k.fingerprint()),
        }
    }

    /// When the key expires, epoch ms: `createdDate` + `expiryDays` days (§7; 10.2 has no
    /// expiry-date field). `None` without expiry, or without a creation date to count from.
    pub fn expires_ms(&self) -> Option<i64> {
        let days = i64::from(self.expiry_days?);
        Some(self.created_ms? + days * 86_400_000)
    }

    /// `(<type> <base64>, comment)`: the key text split where the comment starts.
    pub fn split_text(&self) -> (String, Option<String>) {
        let mut parts = self.text.split_whitespace();
        let head: Vec<&str> = parts.by_ref().take(2).collect();
        let rest: Vec<&str> = parts.collect();
        let comment = (!rest.is_empty()).then(|| crate::sanitize::clean_line(&rest.join(" ")));
        (head.join(" "), comment)
    }
}

/// The wire permission for a domain permission at a place (§1): `REPO_*` on repositories,
/// `PROJECT_*` on projects. `REPO_ADMIN` is never sent (§3).
pub fn wire_permission(place: &Place, permission: Permission) -> &'static str {
    match (place, permission) {
        (Place::Repository { .. }, Permission::Read) => "REPO_READ",
        (Place::Repository { .. }, Permission::Write) => "REPO_WRITE",
        (Place::Project { .. }, Permission::Read) => "PROJECT_READ",
        (Place::Project { .. }, Permission::Write) => "PROJECT_WRITE",
    }
}

/// The domain permission of a wire value. Anything above read (`*_WRITE`, and `*_ADMIN`
/// should a server show one, §3) counts as write: it can push, so an audit must rank it so.
pub fn domain_permission(wire: &str) -> Permission {
    if wire.ends_with("_READ") {
        Permission::Read
    } else if wire.ends_with("_WRITE") || wire.ends_with("_ADMIN") {
        Permission::Write
    } else {
        // An unknown value is shown by the caller; read is the least surprising reading.
        Permission::Read
    }
}

impl DcGrant {
    /// Where this grant is, when the answer says (`repository` or `project`, §3).
    pub fn place(&self) -> Option<Place> {
        if let Some(repo) = &self.repository {
            let project = repo.project.as_ref()?;
            return Some(Place::Repository {
                forge: ForgeKind::DataCenter,
                owner: project.key.clone(),
                repo: repo.slug.clone(),
            });
        }
        self.project.as_ref().map(|p| Place::Project {
            forge: ForgeKind::DataCenter,
            owner: p.key.clone(),
            project: p.key.clone(),
        })
    }

    /// The grant as the domain sees it; label and comment are sanitised server text.
    pub fn to_access_key(&self) -> AccessKey {
        let (key, comment) = self.key.split_text();
        AccessKey {
            id: self.key.id,
            key: key.into(),
            label: crate::sanitize::clean_line(self.key.label.as_deref().unwrap_or_default()),
            comment,
            permission: domain_permission(&self.permission),
            created: self.key.created_ms.and_then(rfc3339_of_ms),
            last_used: self.key.last_authenticated_ms.and_then(rfc3339_of_ms),
            expiry_days: self.key.expiry_days,
        }
    }
}

/// A usage-lookup answer: a page (`Bitbucket.Net` fixtures) or a bare array (UNVERIFIED, §3).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum PageOrArray<T> {
    /// `[...]`; tried first, because serde would also read an array as a struct.
    Array(Vec<T>),
    /// `{"values": [...], ...}`.
    Page(DcPage<T>),
}

#[cfg(test)]
mod tests;
