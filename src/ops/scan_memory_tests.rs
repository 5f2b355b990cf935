//! A scan, a find and an audit on the in-memory forge: the operations through the seam,
//! without HTTP.

use std::sync::Mutex;

use time::macros::datetime;

use super::*;
use crate::config::AuditConfig;
use crate::forge::memory::MemoryForge;
use crate::forge::{Caps, ForgeErrorKind, ForgeKind, NewAccessKey, Permission};
use crate::ops::audit::{FindingCode, Inventory, Snapshot, audit};
use crate::ops::find::{KeyNeedle, find_key};

const KEY: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl ci@build";

/// acme: `api` (API) and `web` (WEB) hold the same key, project API holds it too, `locked`
/// is not administered; one repository per listing page, so the listing has three pages.
async fn acme() -> MemoryForge {
    let forge = MemoryForge::new(
        ForgeKind::Cloud,
        Caps {
            project_keys: true,
            ..Caps::default()
        },
    )
    .with_repo("acme", "web", Some("WEB"))
    .with_repo("acme", "api", Some("API"))
    .with_repo("acme", "locked", Some("API"))
    .deny(Place::cloud_repo("acme", "locked"))
    .with_page_len(1);
    let key = |label: &str| NewAccessKey {
        key: KEY.into(),
        label: label.into(),
        permission: Permission::Read,
        expiry_days: None,
    };
    for place in [
        Place::cloud_repo("acme", "api"),
        Place::cloud_repo("acme", "web"),
        Place::cloud_project("acme", "API"),
    ] {
        forge.add_key(&place, &key("ci")).await.unwrap();
    }
    forge
}

#[tokio::test]
async fn a_scan_through_the_memory_forge_costs_what_it_estimated() {
    let forge = acme().await;
    let before = forge.requests();
    let estimate = Mutex::new(None);
    let gate = |e: &ScanEstimate| {
        *estimate.lock().unwrap() = Some(e.clone());
        Proceed::Yes
    };
    let scan = scan_workspace_gated(&forge, "acme", &|_| {}, &gate)
        .await
        .unwrap()
        .unwrap();
    let estimate = estimate.into_inner().unwrap().unwrap();
    // Three repository pages and three repositories, two project pages and two projects.
    assert_eq!(
        (estimate.repositories, estimate.projects, estimate.exact),
        (3, 2, true)
    );
    assert_eq!((estimate.requests, estimate.made), (10, 2));
    assert_eq!(forge.requests() - before, estimate.requests);

    let slugs: Vec<&str> = scan.repositories.iter().map(|r| r.slug.as_str()).collect();
    assert_eq!(slugs, ["api", "locked", "web"]);
    assert_eq!(scan.repositories[0].project.as_deref(), Some("API"));
    let projects: Vec<&str> = scan.projects.iter().map(|p| p.key.as_str()).collect();
    assert_eq!(projects, ["API", "WEB"]);
    assert_eq!(scan.repo_keys["api"].as_ref().unwrap().len(), 1);
    assert_eq!(scan.project_keys["API"].as_ref().unwrap().len(), 1);
    assert!(scan.project_keys["WEB"].as_ref().unwrap().is_empty());
    let refused = scan.repo_keys["locked"].as_ref().unwrap_err();
    assert_eq!(refused.kind, ForgeErrorKind::NotPermitted);
}

#[tokio::test]
async fn every_grant_of_a_scanned_key_shares_one_text() {
    let forge = acme().await;
    let scan = scan_workspace(&forge, "acme", &|_| {}).await.unwrap();
    let text =
        |keys: &Result<Vec<crate::forge::AccessKey>, _>| keys.as_ref().unwrap()[0].key.clone();
    let (api, web, project) = (
        text(&scan.repo_keys["api"]),
        text(&scan.repo_keys["web"]),
        text(&scan.project_keys["API"]),
    );
    // Each answer brought its own copy; the scan keeps one.
    assert_eq!(
        api,
        KEY.split_whitespace().take(2).collect::<Vec<_>>().join(" ")
    );
    assert!(api.shares_with(&web) && api.shares_with(&project));
    let snapshot = Snapshot::from_owned_scan(scan, datetime!(2026-11-28 09:30 UTC));
    let Some(crate::ops::audit::Listing::Keys(keys)) = snapshot.repo_keys.get("web") else {
        panic!("no keys on web")
    };
    assert!(keys[0].key.shares_with(&api));
}

#[tokio::test]
async fn a_gate_that_says_no_stops_after_the_first_pages() {
    let forge = acme().await;
    let before = forge.requests();
    let scan = scan_workspace_gated(&forge, "acme", &|_| {}, &|_| Proceed::No)
        .await
        .unwrap();
    assert!(scan.is_none());
    assert_eq!(forge.requests() - before, 2, "the two first pages only");
}

#[tokio::test]
async fn find_and_audit_read_a_memory_forge_scan() {
    let forge = acme().await;
    let scan = scan_workspace(&forge, "acme", &|_| {}).await.unwrap();
    let now = datetime!(2026-11-28 00:00 UTC);
    let snapshot = Snapshot::from_owned_scan(scan, now);
    let inventory = Inventory::build(&snapshot);

    let needle = KeyNeedle::parse(KEY).unwrap();
    let found = find_key(&inventory, &needle.fingerprint);
    let entry = found.entry.unwrap();
    let mut places: Vec<String> = entry.holdings.iter().map(|h| h.scope.to_string()).collect();
    places.sort();
    assert_eq!(places, ["acme/api", "acme/web", "project API of acme"]);
    // The project key reaches `locked` as well, through API.
    assert_eq!(entry.reach, 3);

    // A place the forge refuses as not administered is skipped, not unreadable, whichever
    // forge said so.
    let findings = audit(&inventory, &AuditConfig::default(), now);
    let at_locked: Vec<FindingCode> = findings
        .iter()
        .filter(|f| {
            f.location
                .as_ref()
                .is_some_and(|l| l.to_string() == "acme/locked")
        })
        .map(|f| f.code)
        .collect();
    assert_eq!(at_locked, [FindingCode::NotPermitted]);
    assert!(!snapshot.nothing_permitted_readable());
}
