//! Revocations that must be verified (every DELETE answers 204, §4), and the bulk revoke with
//! its per-grant fallback (§3: the body's form is UNVERIFIED).

use reqwest::Method;
use serde_json::{Value, json};

use super::client::DcClient;
use crate::forge::{ForgeError, ForgeErrorKind, Place};

/// What revoking one key at several places did.
#[derive(Debug, Clone, Default)]
pub struct BulkRevoke {
    /// Places where the grant is verified gone.
    pub revoked: Vec<Place>,
    /// Places where it could not be removed, with why.
    pub failed: Vec<(Place, ForgeError)>,
    /// Whether per-grant DELETEs were needed because the bulk request did not do it all.
    pub fell_back: bool,
}

/// The bulk-revoke body bbkeys sends: arrays of the identifying fields (§3).
pub(crate) fn bulk_body(places: &[Place]) -> Value {
    let mut projects = Vec::new();
    let mut repositories = Vec::new();
    for place in places {
        match place {
            Place::Project { project, .. } => projects.push(json!({ "key": project })),
            Place::Repository { owner, repo, .. } => {
                repositories.push(json!({ "slug": repo, "project": { "key": owner } }))
            }
        }
    }
    json!({ "projects": projects, "repositories": repositories })
}

/// Whether the grant is still at `place`: `Ok(false)` once the GET answers 404 (§5).
pub(super) async fn still_granted(
    client: &DcClient,
    place: &Place,
    id: u64,
) -> Result<bool, ForgeError> {
    match client.grant(place, id).await {
        Ok(_) => Ok(true),
        Err(e) if e.kind == ForgeErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}

fn not_removed(place: &Place, id: u64) -> ForgeError {
    ForgeError::new(
        ForgeErrorKind::Server,
        format!(
            "Could not remove key {id} from {place}: the server answered 204 but the key is still there; look at the key in the Bitbucket UI."
        ),
    )
}

impl DcClient {
    /// Revokes grant `id` at `place` and reads it back: 204 also means "nothing matched"
    /// (§4), so only a 404 afterwards proves it is gone.
    pub async fn revoke_verified(&self, place: &Place, id: u64) -> Result<(), ForgeError> {
        self.revoke_grant(place, id).await?;
        if still_granted(self, place, id).await? {
            return Err(not_removed(place, id));
        }
        Ok(())
    }

    /// `DELETE /keys/1.0/ssh/{id}` with a body naming `places`, then every place read back;
    /// what the bulk request left (or all of it, when the server refused the body) is revoked
    /// grant by grant. A refused credential stops everything; other refusals are per place.
    pub async fn bulk_revoke(&self, id: u64, places: &[Place]) -> Result<BulkRevoke, ForgeError> {
        let mut outcome = BulkRevoke::default();
        if places.is_empty() {
            return Ok(outcome);
        }
        let url = self.url(&["keys", "1.0", "ssh", &id.to_string()]);
        let what = format!("remove key {id} from {} places", places.len());
        let answer = self
            .write(Method::DELETE, url, Some(bulk_body(places)), &what)
            .await?;
        if !(200..300).contains(&answer.status) {
            let e = self.error_of(&answer, &what);
            if e.kind.is_credential_problem() || e.kind.is_transient() {
                return Err(e);
            }
            // 400/404/405 (body not understood, a target missing) or 401 (a target not yours):
            // the per-grant path tells which places are the problem.
            tracing::info!(
                status = answer.status,
                "bulk revoke refused; revoking grant by grant"
            );
        }
        let mut left = Vec::new();
        for place in places {
            match still_granted(self, place, id).await {
                Ok(false) => outcome.revoked.push(place.clone()),
                Ok(true) => left.push(place.clone()),
                Err(e) => outcome.failed.push((place.clone(), e)),
            }
        }
        outcome.fell_back = !left.is_empty();
        for place in left {
            match self.revoke_verified(&place, id).await {
                Ok(()) => outcome.revoked.push(place),
                Err(e) => outcome.failed.push((place, e)),
            }
        }
        Ok(outcome)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forge::ForgeKind;

    #[test]
    fn the_bulk_body_names_targets_in_arrays() {
        let places = [
            Place::Project {
                forge: ForgeKind::DataCenter,
                owner: "OPS".into(),
                project: "OPS".into(),
            },
            Place::Repository {
                forge: ForgeKind::DataCenter,
                owner: "ACME".into(),
                repo: "api".into(),
            },
        ];
        assert_eq!(
            bulk_body(&places),
            json!({"projects": [{"key": "OPS"}], "repositories": [{"slug": "api", "project": {"key": "ACME"}}]})
        );
    }
}
