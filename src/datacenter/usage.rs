//! "Where is this key used": the two usage lookups of §1, and the administered places read one
//! by one only when those answer nothing, are refused, or a caller must see every grant.
//!
//! The lookups show grants in projects the user administers and nothing else (§4: "If the
//! current user is not an admin of any of the projects the key provides access to, none are
//! returned"). Empty is not unused, so an empty answer falls back to reading the repositories
//! the user administers; a non-empty one is taken as it is, which is what keeps "where used"
//! at two requests (issue 21).

use futures::StreamExt;

use super::bulk::still_granted;
use super::client::DcClient;
use super::wire::DcGrant;
use crate::forge::{ForgeError, ForgeErrorKind, ForgeKind, Place, Usage, UsageSearch, UsageSource};

/// What the two lookups answered.
struct Lookups {
    places: Vec<Place>,
    /// A lookup answered 401 or 403: the places of the projects the user administers are not
    /// known from it, so a walk must read them too.
    refused: bool,
}

impl DcClient {
    /// The two usage lookups (§1), in flight together. Empty does not mean unused: they show
    /// only projects the user administers (§4). A refusal is an error here.
    pub async fn usage_places(&self, id: u64) -> Result<Vec<Place>, ForgeError> {
        let mut places = Vec::new();
        for answer in self.both_lookups(id).await {
            places.extend(answer?.iter().filter_map(|g| g.place()));
        }
        places.sort();
        places.dedup();
        Ok(places)
    }

    async fn both_lookups(&self, id: u64) -> [Result<Vec<DcGrant>, ForgeError>; 2] {
        let (repos, projects) =
            futures::future::join(self.repositories_using(id), self.projects_using(id)).await;
        [repos, projects]
    }

    /// Where key `id` is used, as far as the credential may see. [`UsageSearch::Lookups`]
    /// costs the two lookups when they answer something; when both answer nothing or are
    /// refused, the places the user administers are read one by one (§4's fallback).
    /// [`UsageSearch::Thorough`] always reads those the lookups cannot show.
    pub async fn usage_report(&self, id: u64, search: UsageSearch) -> Result<Usage, ForgeError> {
        let lookups = self.lookups(id).await?;
        if search == UsageSearch::Lookups && !lookups.places.is_empty() {
            let mut usage = Usage::from_lookups(lookups.places);
            usage.lookups_refused = lookups.refused;
            return Ok(usage);
        }
        let candidates = self.walk_candidates(lookups.refused).await?;
        let read = candidates.len();
        let mut places = lookups.places;
        places.extend(self.granted_among(id, candidates).await?);
        places.sort();
        places.dedup();
        Ok(Usage {
            places,
            source: match search {
                UsageSearch::Lookups => UsageSource::Fallback,
                UsageSearch::Thorough => UsageSource::Thorough,
            },
            lookups_refused: lookups.refused,
            read_one_by_one: read,
        })
    }

    /// The two lookups, a refusal (401, or 403 from some proxies and versions, §5) taken as
    /// "nothing shown" rather than as an error: a repository admin's token may not look up.
    async fn lookups(&self, id: u64) -> Result<Lookups, ForgeError> {
        let mut refused = false;
        let mut places = Vec::new();
        for answer in self.both_lookups(id).await {
            match answer {
                Ok(grants) => places.extend(grants.iter().filter_map(|g| g.place())),
                Err(e) if e.kind == ForgeErrorKind::NotPermitted => refused = true,
                Err(e) => return Err(e),
            }
        }
        places.sort();
        places.dedup();
        Ok(Lookups { places, refused })
    }

    /// The places to read one by one: the repositories the user administers outside the
    /// projects they administer (the lookups cover those projects), or, when the lookups were
    /// refused and so cover nothing, every administered project and repository.
    async fn walk_candidates(&self, refused: bool) -> Result<Vec<Place>, ForgeError> {
        let administered: Vec<String> = self
            .projects_administered()
            .await?
            .into_iter()
            .map(|p| p.key)
            .collect();
        let repositories = self.repositories_administered(None).await?;
        let mut candidates: Vec<Place> = if refused {
            administered
                .iter()
                .map(|p| Place::project(ForgeKind::DataCenter, p.as_str(), p.as_str()))
                .collect()
        } else {
            Vec::new()
        };
        candidates.extend(repositories.into_iter().filter_map(|r| {
            let project = r.project?.key;
            (refused || !administered.contains(&project))
                .then(|| Place::repository(ForgeKind::DataCenter, project, r.slug))
        }));
        Ok(candidates)
    }

    /// Those of `candidates` that grant key `id`, read `concurrency` at a time.
    async fn granted_among(
        &self,
        id: u64,
        candidates: Vec<Place>,
    ) -> Result<Vec<Place>, ForgeError> {
        let answers: Vec<(Place, Result<bool, ForgeError>)> = futures::stream::iter(candidates)
            .map(|place| async move {
                let answer = still_granted(self, &place, id).await;
                (place, answer)
            })
            .buffered(self.inner.concurrency)
            .collect()
            .await;
        let mut found = Vec::new();
        for (place, answer) in answers {
            match answer {
                Ok(true) => found.push(place),
                Ok(false) => {}
                // A project that restricts repository admins (8.8): out of sight, not an error.
                Err(e) if e.kind == ForgeErrorKind::NotPermitted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(found)
    }
}
