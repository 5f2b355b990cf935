//! Building the simulator's starting state for a [`DataSet`]: the seeded demo set, an empty
//! server, and the synthetic "scale" workspace for benchmarks. Kept apart from the builder so
//! that the demo tables (which use the builder) and the choice of data set (which uses the
//! tables) do not import each other.

use std::sync::Arc;

use time::OffsetDateTime;

use super::DataSet;
use super::data::{Builder, DEMO_NOW, DEMO_SEED};
use super::keys::{KeyMaterial, demo_key};
use super::rng::SplitMix64;
use super::state::{Key, Repo, State, stamp};

/// Builds the starting state for `dataset`, with its dates moved so that [`DEMO_NOW`] falls
/// on `now` (see [`super::SimOptions::now`]).
pub(crate) fn build_at(dataset: &DataSet, now: Option<OffsetDateTime>) -> State {
    let mut state = build(dataset);
    if let Some(now) = now {
        state.shift_dates(now - DEMO_NOW);
    }
    state
}

/// Builds the starting state for `dataset`.
pub(crate) fn build(dataset: &DataSet) -> State {
    match dataset {
        DataSet::Demo => super::demo_data::demo(),
        DataSet::Empty => Builder::new(DEMO_SEED).finish(),
        DataSet::Scale {
            repos,
            keys_per_repo,
        } => scale(*repos, *keys_per_repo),
    }
}

/// One workspace `scale` with `repos` repositories of `keys_per_repo` keys each, for
/// benchmarks. Built without per-repository randomness beyond UUIDs so 10,000 × 3 is cheap
/// (key material is shared through `Arc`).
fn scale(repos: usize, keys_per_repo: usize) -> State {
    let mut b = Builder::new(DEMO_SEED);
    b.workspace(
        "scale",
        "Scale Test",
        true,
        time::macros::date!(2018 - 01 - 01),
    );
    for p in 0..10 {
        let key = format!("P{p:02}");
        b.project(
            "scale",
            &key,
            &format!("Project {p:02}"),
            "Synthetic project",
            true,
        );
    }
    // Every demo key except the user's account keys (which Bitbucket would refuse).
    let pool: Vec<Arc<KeyMaterial>> = (1..=107)
        .filter(|line| !super::ACCOUNT_KEY_LINES.contains(line))
        .filter_map(|line| demo_key(line).map(|k| Arc::clone(&k.material)))
        .collect();
    let per_repo = keys_per_repo.min(pool.len());
    let base = time::macros::datetime!(2019-01-01 00:00:00 UTC);
    let ws_uuid_seed = b.rng.next_u64();
    let mut rng = SplitMix64::new(ws_uuid_seed);
    let mut next_id = b.state.next_id;
    let Some(w) = b.state.workspaces.get_mut("scale") else {
        return b.state;
    };
    for i in 0..repos {
        let slug = format!("repo-{:05}", i + 1);
        let created = base + time::Duration::minutes(i as i64 * 7);
        let keys = (0..per_repo)
            .filter_map(|j| {
                let material = pool.get((i * 7 + j) % pool.len())?;
                next_id += 1;
                let added = created + time::Duration::hours(1 + j as i64);
                Some(Key {
                    id: next_id,
                    material: Arc::clone(material),
                    comment: Some(format!("scale-{}-{}@demo.example", i + 1, j + 1)),
                    label: format!("scale-key-{}", j + 1),
                    created_on: stamp(added),
                    last_used: (j % 3 != 2)
                        .then(|| stamp(DEMO_NOW - time::Duration::hours((i % 500) as i64 + 1))),
                })
            })
            .collect();
        w.repos.insert(
            slug.clone(),
            Repo {
                name: slug.clone(),
                uuid: rng.uuid(),
                project: format!("P{:02}", i % 10),
                administrator: true,
                language: "go".to_string(),
                description: String::new(),
                created_on: stamp(created),
                updated_on: stamp(created + time::Duration::days(30)),
                keys,
                slug,
            },
        );
    }
    b.state.next_id = next_id + 1;
    b.state
}
