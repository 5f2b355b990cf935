//! The Cloud adapter through the forge seam, against the simulator: the same calls `ops` will
//! make, with Bitbucket's wire types and errors converted to the domain's.

use bbkeys::demo::key_line;
use bbkeys::forge::{
    Forge, ForgeErrorKind, ForgeKind, NewAccessKey, Permission, Place, UsageSearch,
};

use crate::common::*;

#[tokio::test]
async fn cloud_reads_through_the_forge_match_the_client() {
    let sim = sim().await;
    let client = client(&sim);
    let forge: &dyn Forge = &client;
    assert_eq!(forge.kind(), ForgeKind::Cloud);
    let caps = forge.caps();
    assert!(caps.project_keys && caps.in_place_label);
    assert!(!caps.permissions && !caps.expiry && !caps.usage_lookup);

    let me = forge.whoami().await.unwrap();
    assert!(!me.display_name.is_empty());
    let owners = forge.owners().await.unwrap();
    let slugs: Vec<&str> = owners.iter().map(|o| o.slug.as_str()).collect();
    assert!(
        slugs.contains(&"acme") && slugs.contains(&"initech"),
        "{slugs:?}"
    );
    let repos = forge.repositories("acme").await.unwrap();
    assert!(repos.iter().any(|r| r.slug == "api" && r.project.is_some()));

    let wire = client.repo_keys("acme", "api").await.unwrap();
    let domain = forge.keys(&Place::cloud_repo("acme", "api")).await.unwrap();
    assert_eq!(wire.len(), domain.len());
    for (w, d) in wire.iter().zip(&domain) {
        assert_eq!((w.id, w.key.as_str()), (d.id, d.key.as_str()));
        assert_eq!(w.label.as_deref().unwrap_or_default(), d.label);
        assert_eq!(w.last_used, d.last_used);
        assert_eq!(d.permission, Permission::Read);
    }
    assert!(forge.budget().used_last_hour >= 5);
    assert_eq!(forge.budget().hourly_limit, Some(1_000));
}

#[tokio::test]
async fn cloud_writes_and_refusals_through_the_forge() {
    let sim = sim().await;
    let client = client(&sim);
    let forge: &dyn Forge = &client;
    let place = Place::cloud_repo("acme", "api");
    let new = NewAccessKey {
        key: key_line(bbkeys::demo::FRESH_KEY_LINES[0])
            .unwrap()
            .to_string(),
        label: "forge-test".into(),
        permission: Permission::Read,
        expiry_days: None,
    };
    let added = forge.add_key(&place, &new).await.unwrap();
    assert_eq!(added.label, "forge-test");
    let dup = forge.add_key(&place, &new).await.unwrap_err();
    assert_eq!(dup.kind, ForgeErrorKind::Duplicate, "{}", dup.advice);

    let relabelled = forge.set_label(&place, added.id, "renamed").await.unwrap();
    assert_eq!(
        (relabelled.id, relabelled.label.as_str()),
        (added.id, "renamed")
    );

    forge.delete_key(&place, added.id).await.unwrap();
    let left = forge.keys(&place).await.unwrap();
    assert!(!left.iter().any(|k| k.id == added.id));

    let write = NewAccessKey {
        permission: Permission::Write,
        ..new.clone()
    };
    let e = forge.add_key(&place, &write).await.unwrap_err();
    assert_eq!(e.kind, ForgeErrorKind::Unsupported);
    let e = forge
        .set_permission(&place, 1, Permission::Write)
        .await
        .unwrap_err();
    assert_eq!(e.kind, ForgeErrorKind::Unsupported);
    let e = forge.usage(1, UsageSearch::Lookups).await.unwrap_err();
    assert_eq!(e.kind, ForgeErrorKind::Unsupported);

    // initech's TPS project is not administered by the demo user: a fact, not a failure.
    let e = forge
        .keys(&Place::cloud_project("initech", "TPS"))
        .await
        .unwrap_err();
    assert_eq!(e.kind, ForgeErrorKind::NotPermitted, "{}", e.advice);
    let e = forge
        .keys(&Place::cloud_repo("acme", "no-such-repo"))
        .await
        .unwrap_err();
    assert_eq!(e.kind, ForgeErrorKind::NotFound, "{}", e.advice);
}

/// The forge's paged listing is the client's: the same pages, in the same order, with the
/// size the first page reported, so a scan through the seam costs what it cost before.
#[tokio::test]
async fn cloud_listing_pages_through_the_forge_match_the_client() {
    let sim = bbkeys::demo::start(bbkeys::demo::SimOptions {
        dataset: bbkeys::demo::DataSet::Scale {
            repos: 250,
            keys_per_repo: 0,
        },
        ..bbkeys::demo::SimOptions::default()
    })
    .await
    .unwrap();
    let client = client(&sim);
    let forge: &dyn Forge = &client;

    let mut wire = client.repository_pages("scale");
    let mut domain = forge.repository_pages("scale");
    let mut pages = 0;
    while let Some(page) = domain.next_page().await {
        let page = page.unwrap();
        let expected = wire.next_page().await.unwrap().unwrap();
        let slugs: Vec<&str> = page.iter().map(|r| r.slug.as_str()).collect();
        let wire_slugs: Vec<&str> = expected.iter().map(|r| r.slug.as_str()).collect();
        assert_eq!(slugs, wire_slugs);
        assert_eq!(domain.size(), wire.size());
        assert_eq!(domain.page_count(), wire.page_count());
        pages += 1;
        assert_eq!(domain.pages_read(), pages);
    }
    assert!(wire.next_page().await.is_none() && wire.is_done() && domain.is_done());
    assert_eq!((pages, domain.size()), (3, Some(250)));

    let mut wire = client.project_pages("scale");
    let mut domain = forge.project_pages("scale");
    let page = domain.next_page().await.unwrap().unwrap();
    let expected = wire.next_page().await.unwrap().unwrap();
    let keys = |p: &[bbkeys::forge::Project]| p.iter().map(|p| p.key.clone()).collect::<Vec<_>>();
    assert_eq!(
        keys(&page),
        expected.iter().map(|p| p.key.clone()).collect::<Vec<_>>()
    );
    assert_eq!(
        page.iter().map(|p| p.name.clone()).collect::<Vec<_>>(),
        expected.iter().map(|p| p.name.clone()).collect::<Vec<_>>()
    );
    assert_eq!(domain.is_done(), wire.is_done());
}

#[tokio::test]
async fn cloud_listings_keep_the_ids_and_names_the_cli_prints() {
    // `bbkeys workspaces --json` and `repos --json` have always shown Bitbucket's UUIDs.
    let sim = sim().await;
    let client = client(&sim);
    let forge: &dyn Forge = &client;
    let wire = client.workspaces().await.unwrap();
    let owners = forge.owners().await.unwrap();
    assert_eq!(wire.len(), owners.len());
    for (w, o) in wire.iter().zip(&owners) {
        assert!(w.uuid.is_some());
        assert_eq!((&w.slug, &w.uuid), (&o.slug, &o.id));
    }
    let wire = client.repositories("acme").await.unwrap();
    let listed = forge.repository_listing("acme").await.unwrap();
    assert_eq!(wire.len(), listed.len());
    for (w, l) in wire.iter().zip(&listed) {
        assert!(w.uuid.is_some());
        assert_eq!((&w.slug, &w.name, &w.uuid), (&l.slug, &l.name, &l.id));
        assert_eq!(w.project.as_ref().map(|p| &p.key), l.project.as_ref());
    }
}
