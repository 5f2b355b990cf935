//! The lists `bbkeys workspaces` and `bbkeys repos` print: what the forge shows of its owners
//! and of the repositories the credential administers, in the forge's order.

use crate::forge::{Forge, ForgeError, ListedRepository, Owner};

/// The owners (workspaces, Data Center projects) the credential can see.
pub async fn owners(forge: &dyn Forge) -> Result<Vec<Owner>, ForgeError> {
    forge.owners().await
}

/// The repositories of `owner` the credential administers, with the forge's ids.
pub async fn repositories(
    forge: &dyn Forge,
    owner: &str,
) -> Result<Vec<ListedRepository>, ForgeError> {
    forge.repository_listing(owner).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forge::memory::MemoryForge;
    use crate::forge::{Caps, ForgeKind};

    #[tokio::test]
    async fn listings_come_from_the_forge() {
        let forge = MemoryForge::new(ForgeKind::Cloud, Caps::default())
            .with_repo("acme", "web", Some("WEB"))
            .with_repo("acme", "api", None)
            .with_repo("globex", "site", None);
        let owners = owners(&forge).await.unwrap();
        let slugs: Vec<&str> = owners.iter().map(|o| o.slug.as_str()).collect();
        assert_eq!(slugs, ["acme", "globex"]);
        let repos = repositories(&forge, "acme").await.unwrap();
        let rows: Vec<(&str, Option<&str>)> = repos
            .iter()
            .map(|r| (r.slug.as_str(), r.project.as_deref()))
            .collect();
        assert!(rows.contains(&("web", Some("WEB"))), "{rows:?}");
        assert!(rows.contains(&("api", None)), "{rows:?}");
        assert_eq!(rows.len(), 2);
        assert!(repos.iter().all(|r| r.id.is_none()));
    }
}
