//! A forge held in memory: the seam without HTTP.
//!
//! It keeps places, grants and faults in a map and answers as a forge would, so the operations
//! can be tested in microseconds and for either forge's shape: with [`Caps::usage_lookup`] a key
//! keeps one id at every place (Data Center); without it every grant gets its own (Cloud). The
//! HTTP simulators in `demo/` stay the reference for wire quirks.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::Mutex;

use futures::FutureExt;
use futures::future::BoxFuture;

use super::{
    AccessKey, Budget, Caps, CredentialReport, Forge, ForgeError, ForgeErrorKind, ForgeKind,
    Identity, NewAccessKey, Owner, Paged, Permission, Place, Project, Repository, Usage,
    UsageSearch, paging::Chunks, unsupported,
};

/// Which call a queued fault answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Call {
    /// [`Forge::keys`].
    Keys,
    /// [`Forge::add_key`].
    Add,
    /// [`Forge::delete_key`].
    Delete,
    /// [`Forge::repositories`], and each page of [`Forge::repository_pages`].
    Repositories,
    /// Each page of [`Forge::project_pages`].
    Projects,
}

#[derive(Debug, Default)]
struct Inner {
    owners: Vec<Owner>,
    repos: BTreeMap<String, Vec<Repository>>,
    projects: BTreeMap<String, Vec<String>>,
    grants: BTreeMap<Place, Vec<AccessKey>>,
    not_permitted: BTreeSet<Place>,
    faults: BTreeMap<Call, VecDeque<ForgeError>>,
    next_id: u64,
    requests: usize,
    /// Items per listing page; 0 reads as Cloud's 100.
    page_len: usize,
}

/// An in-memory forge.
#[derive(Debug)]
pub struct MemoryForge {
    kind: ForgeKind,
    caps: Caps,
    inner: Mutex<Inner>,
}

impl MemoryForge {
    /// An empty forge of `kind` with `caps`.
    pub fn new(kind: ForgeKind, caps: Caps) -> MemoryForge {
        MemoryForge {
            kind,
            caps,
            inner: Mutex::new(Inner {
                next_id: 1,
                ..Inner::default()
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Adds a repository of `owner` (and the owner, the first time).
    pub fn with_repo(self, owner: &str, repo: &str, project: Option<&str>) -> MemoryForge {
        {
            let mut inner = self.lock();
            if !inner.owners.iter().any(|o| o.slug == owner) {
                inner.owners.push(Owner {
                    slug: owner.to_string(),
                    name: owner.to_string(),
                    administrator: true,
                    id: None,
                });
            }
            inner
                .repos
                .entry(owner.to_string())
                .or_default()
                .push(Repository {
                    slug: repo.to_string(),
                    name: repo.to_string(),
                    project: project.map(String::from),
                });
            if let Some(p) = project {
                let projects = inner.projects.entry(owner.to_string()).or_default();
                if !projects.iter().any(|x| x == p) {
                    projects.push(p.to_string());
                }
            }
        }
        self
    }

    /// Cuts listings into pages of `len` items (100 unless set).
    pub fn with_page_len(self, len: usize) -> MemoryForge {
        self.lock().page_len = len;
        self
    }

    fn page_len(&self) -> usize {
        match self.lock().page_len {
            0 => 100,
            n => n,
        }
    }

    /// Makes `place` answer as a place the account does not administer.
    pub fn deny(self, place: Place) -> MemoryForge {
        self.lock().not_permitted.insert(place);
        self
    }

    /// The next `call` fails with `error` (faults queue up in order).
    pub fn fail_next(&self, call: Call, error: ForgeError) {
        self.lock().faults.entry(call).or_default().push_back(error);
    }

    /// Every grant at `place`, as stored.
    pub fn grants(&self, place: &Place) -> Vec<AccessKey> {
        self.lock().grants.get(place).cloned().unwrap_or_default()
    }

    /// Sets the last-used time (RFC 3339) of key `id` at `place`, as the forge does when the key
    /// is used; false when there is no such key.
    pub fn mark_used(&self, place: &Place, id: u64, at: &str) -> bool {
        let mut inner = self.lock();
        let key = inner
            .grants
            .get_mut(place)
            .and_then(|keys| keys.iter_mut().find(|k| k.id == id));
        match key {
            Some(k) => {
                k.last_used = Some(at.to_string());
                true
            }
            None => false,
        }
    }

    /// Requests answered so far, faults included.
    pub fn requests(&self) -> usize {
        self.lock().requests
    }

    /// Counts the request and takes a queued fault or the refusal of a place not
    /// administered.
    fn enter(
        &self,
        call: Call,
        place: Option<&Place>,
    ) -> Result<std::sync::MutexGuard<'_, Inner>, ForgeError> {
        let mut inner = self.lock();
        inner.requests += 1;
        if let Some(e) = inner.faults.get_mut(&call).and_then(VecDeque::pop_front) {
            return Err(e);
        }
        if let Some(p) = place {
            if inner.not_permitted.contains(p) {
                return Err(ForgeError::new(
                    ForgeErrorKind::NotPermitted,
                    format!("you do not administer {p}."),
                )
                .with_status(403));
            }
            if !inner.knows(p) {
                return Err(ForgeError::new(
                    ForgeErrorKind::NotFound,
                    format!("{p} does not exist."),
                )
                .with_status(404));
            }
        }
        Ok(inner)
    }

    fn add(&self, place: &Place, new: &NewAccessKey) -> Result<AccessKey, ForgeError> {
        if new.permission == Permission::Write && !self.caps.permissions {
            return Err(unsupported(
                self.kind,
                "grant write access with an access key",
            ));
        }
        let mut inner = self.enter(Call::Add, Some(place))?;
        let blob = key_blob(&new.key);
        if blob.is_empty() {
            return Err(
                ForgeError::new(ForgeErrorKind::InvalidInput, "that is not a public key.")
                    .with_status(400),
            );
        }
        let held = inner.grants.get(place).into_iter().flatten();
        if held.clone().any(|k| k.key == blob) {
            return Err(ForgeError::new(
                ForgeErrorKind::Duplicate,
                format!("{place} already holds that key."),
            )
            .with_status(409));
        }
        // One id per key where the forge has usage lookups (Data Center's key entity), one
        // per grant elsewhere (Cloud).
        let shared = self.caps.usage_lookup.then(|| {
            inner
                .grants
                .values()
                .flatten()
                .find(|k| k.key == blob)
                .map(|k| k.id)
        });
        let id = match shared.flatten() {
            Some(id) => id,
            None => {
                let id = inner.next_id;
                inner.next_id += 1;
                id
            }
        };
        let grant = AccessKey {
            id,
            key: blob.as_str().into(),
            label: new.label.clone(),
            comment: new.key.split_whitespace().nth(2).map(String::from),
            permission: new.permission,
            created: None,
            last_used: None,
            expiry_days: new.expiry_days.filter(|_| self.caps.expiry),
        };
        inner
            .grants
            .entry(place.clone())
            .or_default()
            .push(grant.clone());
        Ok(grant)
    }

    fn edit(
        &self,
        place: &Place,
        id: u64,
        change: impl FnOnce(&mut AccessKey),
    ) -> Result<AccessKey, ForgeError> {
        let mut inner = self.enter(Call::Keys, Some(place))?;
        let grant = inner
            .grants
            .get_mut(place)
            .and_then(|g| g.iter_mut().find(|k| k.id == id))
            .ok_or_else(|| {
                ForgeError::new(
                    ForgeErrorKind::NotFound,
                    format!("{place} has no key {id}."),
                )
                .with_status(404)
            })?;
        change(grant);
        Ok(grant.clone())
    }
}

impl Inner {
    fn knows(&self, place: &Place) -> bool {
        match place {
            Place::Repository { owner, repo, .. } => self
                .repos
                .get(owner)
                .is_some_and(|r| r.iter().any(|x| &x.slug == repo)),
            Place::Project { owner, project, .. } => self
                .projects
                .get(owner)
                .is_some_and(|p| p.iter().any(|x| x == project)),
        }
    }
}

/// `<type> <base64>` of a key line: what forges store and compare.
fn key_blob(line: &str) -> String {
    let mut parts = line.split_whitespace();
    match (parts.next(), parts.next()) {
        (Some(t), Some(b)) => format!("{t} {b}"),
        _ => String::new(),
    }
}

impl Forge for MemoryForge {
    fn kind(&self) -> ForgeKind {
        self.kind
    }

    fn caps(&self) -> Caps {
        self.caps
    }

    fn budget(&self) -> Budget {
        Budget {
            used_last_hour: self.requests(),
            hourly_limit: None,
        }
    }

    fn whoami(&self) -> BoxFuture<'_, Result<Identity, ForgeError>> {
        async {
            Ok(Identity {
                display_name: "In-memory user".into(),
                handle: None,
            })
        }
        .boxed()
    }

    fn owners(&self) -> BoxFuture<'_, Result<Vec<Owner>, ForgeError>> {
        let owners = self.lock().owners.clone();
        async move { Ok(owners) }.boxed()
    }

    fn repositories<'a>(
        &'a self,
        owner: &'a str,
    ) -> BoxFuture<'a, Result<Vec<Repository>, ForgeError>> {
        let result = self
            .enter(Call::Repositories, None)
            .map(|inner| inner.repos.get(owner).cloned().unwrap_or_default());
        async move { result }.boxed()
    }

    fn projects<'a>(&'a self, owner: &'a str) -> BoxFuture<'a, Result<Vec<String>, ForgeError>> {
        let projects = self.lock().projects.get(owner).cloned().unwrap_or_default();
        async move { Ok(projects) }.boxed()
    }

    fn repository_pages<'a>(&'a self, owner: &'a str) -> Paged<'a, Repository> {
        let repos = self.lock().repos.get(owner).cloned().unwrap_or_default();
        Box::new(Chunks::new(repos, self.page_len(), move || {
            self.enter(Call::Repositories, None).map(drop)
        }))
    }

    fn project_pages<'a>(&'a self, owner: &'a str) -> Paged<'a, Project> {
        let projects = self.lock().projects.get(owner).cloned().unwrap_or_default();
        let projects = projects
            .into_iter()
            .map(|key| Project { key, name: None })
            .collect();
        Box::new(Chunks::new(projects, self.page_len(), move || {
            self.enter(Call::Projects, None).map(drop)
        }))
    }

    fn keys<'a>(&'a self, place: &'a Place) -> BoxFuture<'a, Result<Vec<AccessKey>, ForgeError>> {
        let result = self
            .enter(Call::Keys, Some(place))
            .map(|inner| inner.grants.get(place).cloned().unwrap_or_default());
        async move { result }.boxed()
    }

    fn add_key<'a>(
        &'a self,
        place: &'a Place,
        key: &'a NewAccessKey,
    ) -> BoxFuture<'a, Result<AccessKey, ForgeError>> {
        let result = self.add(place, key);
        async move { result }.boxed()
    }

    fn delete_key<'a>(
        &'a self,
        place: &'a Place,
        id: u64,
    ) -> BoxFuture<'a, Result<(), ForgeError>> {
        let result = self.enter(Call::Delete, Some(place)).map(|mut inner| {
            if let Some(g) = inner.grants.get_mut(place) {
                g.retain(|k| k.id != id);
            }
        });
        async move { result }.boxed()
    }

    fn set_label<'a>(
        &'a self,
        place: &'a Place,
        id: u64,
        label: &'a str,
    ) -> BoxFuture<'a, Result<AccessKey, ForgeError>> {
        let result = if self.caps.in_place_label {
            self.edit(place, id, |k| k.label = label.to_string())
        } else {
            Err(unsupported(self.kind, "change a key's label in place"))
        };
        async move { result }.boxed()
    }

    fn set_permission<'a>(
        &'a self,
        place: &'a Place,
        id: u64,
        permission: Permission,
    ) -> BoxFuture<'a, Result<AccessKey, ForgeError>> {
        let result = if self.caps.permissions {
            self.edit(place, id, |k| k.permission = permission)
        } else {
            Err(unsupported(self.kind, "give access keys write access"))
        };
        async move { result }.boxed()
    }

    fn usage<'a>(
        &'a self,
        id: u64,
        _search: UsageSearch,
    ) -> BoxFuture<'a, Result<Usage, ForgeError>> {
        // Nothing is hidden from the lookups here, so how far to look changes nothing.
        let result = if self.caps.usage_lookup {
            let inner = self.lock();
            Ok(Usage::from_lookups(
                inner
                    .grants
                    .iter()
                    .filter(|(p, g)| {
                        !inner.not_permitted.contains(*p) && g.iter().any(|k| k.id == id)
                    })
                    .map(|(p, _)| p.clone())
                    .collect(),
            ))
        } else {
            Err(unsupported(
                self.kind,
                "tell where a key is used without a scan",
            ))
        };
        async move { result }.boxed()
    }

    fn diagnose(&self, _in_place_relabel: bool) -> BoxFuture<'_, CredentialReport> {
        let owners: Vec<String> = self.lock().owners.iter().map(|o| o.slug.clone()).collect();
        let answer = super::credential::everything_works(self.kind, self.caps, owners);
        async move { answer }.boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl ci@build";

    fn cloud() -> MemoryForge {
        MemoryForge::new(
            ForgeKind::Cloud,
            Caps {
                project_keys: true,
                ..Caps::default()
            },
        )
        .with_repo("acme", "api", Some("API"))
        .with_repo("acme", "web", Some("WEB"))
    }

    fn new_key(label: &str) -> NewAccessKey {
        NewAccessKey {
            key: KEY.into(),
            label: label.into(),
            permission: Permission::Read,
            expiry_days: None,
        }
    }

    #[tokio::test]
    async fn add_list_delete_and_a_duplicate() {
        let forge = cloud();
        let api = Place::cloud_repo("acme", "api");
        let added = forge.add_key(&api, &new_key("ci")).await.unwrap();
        assert_eq!(added.comment.as_deref(), Some("ci@build"));
        assert!(!added.key.contains("ci@build"), "the comment is split off");
        let dup = forge.add_key(&api, &new_key("ci again")).await.unwrap_err();
        assert_eq!(dup.kind, ForgeErrorKind::Duplicate);
        assert_eq!(forge.keys(&api).await.unwrap(), vec![added.clone()]);
        forge.delete_key(&api, added.id).await.unwrap();
        assert!(forge.keys(&api).await.unwrap().is_empty());
        // Deleting what is gone is not an error.
        forge.delete_key(&api, added.id).await.unwrap();
    }

    #[tokio::test]
    async fn cloud_grants_get_their_own_ids_and_data_center_keys_share_one() {
        let forge = cloud();
        let a = forge
            .add_key(&Place::cloud_repo("acme", "api"), &new_key("ci"))
            .await
            .unwrap();
        let b = forge
            .add_key(&Place::cloud_repo("acme", "web"), &new_key("ci"))
            .await
            .unwrap();
        assert_ne!(a.id, b.id);
        let caps = Caps {
            usage_lookup: true,
            permissions: true,
            project_keys: true,
            ..Caps::default()
        };
        let dc = MemoryForge::new(ForgeKind::DataCenter, caps)
            .with_repo("OPS", "api", Some("OPS"))
            .with_repo("OPS", "web", Some("OPS"));
        let place = |r: &str| Place::Repository {
            forge: ForgeKind::DataCenter,
            owner: "OPS".into(),
            repo: r.into(),
        };
        let a = dc.add_key(&place("api"), &new_key("ci")).await.unwrap();
        let b = dc.add_key(&place("web"), &new_key("ci")).await.unwrap();
        assert_eq!(a.id, b.id);
        assert_eq!(
            dc.usage(a.id, UsageSearch::Lookups).await.unwrap().places,
            vec![place("api"), place("web")]
        );
        let w = dc
            .set_permission(&place("web"), b.id, Permission::Write)
            .await
            .unwrap();
        assert_eq!(w.permission, Permission::Write);
    }

    #[tokio::test]
    async fn refusals_carry_their_kind() {
        let forge = cloud().deny(Place::cloud_project("acme", "WEB"));
        let e = forge
            .keys(&Place::cloud_project("acme", "WEB"))
            .await
            .unwrap_err();
        assert_eq!(e.kind, ForgeErrorKind::NotPermitted);
        assert_eq!(e.status, Some(403));
        let e = forge
            .keys(&Place::cloud_repo("acme", "nope"))
            .await
            .unwrap_err();
        assert_eq!(e.kind, ForgeErrorKind::NotFound);
        let e = forge
            .set_label(&Place::cloud_repo("acme", "api"), 1, "x")
            .await
            .unwrap_err();
        assert_eq!(e.kind, ForgeErrorKind::Unsupported);
        assert!(e.advice.contains("Bitbucket Cloud cannot"), "{}", e.advice);
        let e = forge.usage(1, UsageSearch::Lookups).await.unwrap_err();
        assert_eq!(e.kind, ForgeErrorKind::Unsupported);
        let mut write = new_key("w");
        write.permission = Permission::Write;
        let e = forge
            .add_key(&Place::cloud_repo("acme", "api"), &write)
            .await
            .unwrap_err();
        assert_eq!(e.kind, ForgeErrorKind::Unsupported);
    }

    #[tokio::test]
    async fn queued_faults_answer_in_order_and_are_counted() {
        let forge = cloud();
        let api = Place::cloud_repo("acme", "api");
        forge.fail_next(
            Call::Keys,
            ForgeError::new(ForgeErrorKind::Server, "Bitbucket failed (502).").with_status(502),
        );
        let e = forge.keys(&api).await.unwrap_err();
        assert!(e.kind.is_transient());
        assert!(forge.keys(&api).await.is_ok());
        assert_eq!(forge.budget().used_last_hour, 2);
    }
}
