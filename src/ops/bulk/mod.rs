//! Bulk operations across many repositories: plan first, re-check just before applying, then
//! apply exactly that plan with bounded concurrency. Every item is a journaled single-key
//! operation (`keyops`), so a crash mid-batch loses nothing, and one failure never stops the
//! others.

mod apply;
mod item;
mod journaled;
mod plan;
mod request;
mod revoke;
mod template;

pub use apply::{Staged, apply, snapshot, stage};
pub use item::{ItemResult, ItemStatus};
pub use journaled::{batch_plan, planned_item};
pub use plan::*;
pub use template::{render_label, template_uses, validate_add_template, validate_template};

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::forge::AccessKey;
    use crate::forge::{ForgeKind, Place};
    use crate::sshkey::{Fingerprint, PublicKey};

    const K1: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBs2KvYGTdcJGsPkdQY+lkvX3pYqXbFz4nSH3B3eUDsT";

    fn dk(id: u64, key: &str, label: &str) -> AccessKey {
        serde_json::from_value(serde_json::json!({"id": id, "key": key, "label": label})).unwrap()
    }

    fn repo(r: &str) -> Place {
        Place::repository(ForgeKind::Cloud, "acme", r)
    }

    fn fp(k: &str) -> Fingerprint {
        PublicKey::from_server(k).unwrap().fingerprint()
    }

    #[test]
    fn templates_render_and_refuse_unknown_placeholders() {
        assert!(validate_template("{repo}-deploy").is_ok());
        assert!(validate_template("{nope}").unwrap_err().contains("{nope}"));
        assert!(validate_template("{repo").is_err());
        assert_eq!(
            render_label("{workspace}/{repo}-{label}", &repo("api"), "ci", None).unwrap(),
            "acme/api-ci"
        );
        assert_eq!(
            render_label("{project}-x", &repo("api"), "", Some("API")).unwrap(),
            "API-x"
        );
        assert!(
            render_label(
                "{repo}",
                &Place::project(ForgeKind::Cloud, "acme", "P"),
                "",
                None
            )
            .is_err()
        );
    }

    #[test]
    fn templates_take_doubled_braces_literally() {
        assert!(validate_template("{{repo}}-{repo}").is_ok());
        assert_eq!(
            render_label("{{x}}-{repo}-}}{{", &repo("api"), "", None).unwrap(),
            "{x}-api-}{"
        );
        // A lone brace is neither a placeholder nor a literal one.
        assert!(validate_template("a}b").is_err());
        assert!(validate_template("a{b").is_err());
    }

    #[test]
    fn add_plans_render_the_label_template_per_place() {
        let mut snap = Snapshot::new();
        snap.insert(repo("a"), vec![]);
        snap.insert(repo("b"), vec![]);
        let key = NewKey {
            text: K1.into(),
            ..NewKey::from(&PublicKey::parse(K1).unwrap())
        };
        let projects = BTreeMap::from([(repo("b"), "API".to_string())]);
        let plan = BulkRequest::Add {
            key,
            label: "ci-{repo}-{project}".into(),
            scopes: vec![repo("a"), repo("b")],
        }
        .plan(&snap, &projects);
        let labels: Vec<&str> = plan
            .changes
            .iter()
            .map(|c| match c {
                Change::Add { label, .. } => label.as_str(),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(labels, ["ci-a-", "ci-b-API"]);
    }

    #[test]
    fn a_repository_that_keeps_an_inherited_project_key_is_not_left_without_keys() {
        let project = Place::project(ForgeKind::Cloud, "acme", "API");
        const K2: &str =
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKxVdOnuAmFQ6Fj2tyKg8RVbBCbsk8YYfxIbjhTlyvlE";
        let mut snap = Snapshot::new();
        snap.insert(repo("a"), vec![dk(1, K1, "ci")]);
        snap.insert(repo("b"), vec![dk(2, K1, "ci")]);
        snap.insert(project.clone(), vec![dk(3, K2, "project-wide")]);
        // a inherits the project's key; b is in no project.
        let projects = BTreeMap::from([(repo("a"), "API".to_string())]);
        let request = BulkRequest::Delete {
            targets: vec![(repo("a"), fp(K1)), (repo("b"), fp(K1))],
        };
        let plan = request.plan(&snap, &projects);
        assert_eq!(plan.empties, vec![repo("b")]);
        assert!(
            plan.summary()
                .contains("Leaves 1 place without any key: acme/b.")
        );
        // Once the project's key goes in the same plan, a has nothing left either.
        let request = BulkRequest::Delete {
            targets: vec![(repo("a"), fp(K1)), (project.clone(), fp(K2))],
        };
        let plan = request.plan(&snap, &projects);
        assert_eq!(plan.empties, vec![repo("a"), project]);
    }

    #[test]
    fn delete_plan_flags_last_key_and_missing_targets() {
        let mut snap = Snapshot::new();
        snap.insert(repo("a"), vec![dk(1, K1, "ci")]);
        snap.insert(repo("b"), vec![]);
        let req = BulkRequest::Delete {
            targets: vec![(repo("a"), fp(K1)), (repo("b"), fp(K1))],
        };
        let plan = req.plan(&snap, &BTreeMap::new());
        assert_eq!(plan.counts().delete, 1);
        assert_eq!(plan.missing.len(), 1);
        assert_eq!(plan.empties, vec![repo("a")]);
        assert!(plan.needs_typed_confirmation());
        assert!(plan.lines()[0].starts_with("-   acme/a"));
        assert_eq!(plan.request_cost(), 2);
    }

    #[test]
    fn add_plan_reports_already_present() {
        let mut snap = Snapshot::new();
        snap.insert(repo("a"), vec![dk(1, K1, "ci")]);
        snap.insert(repo("b"), vec![]);
        let key = NewKey {
            text: K1.into(),
            ..NewKey::from(&PublicKey::parse(K1).unwrap())
        };
        let plan = BulkRequest::Add {
            key,
            label: "x".into(),
            scopes: vec![repo("a"), repo("b")],
        }
        .plan(&snap, &BTreeMap::new());
        assert_eq!(plan.already_present, vec![repo("a")]);
        assert_eq!(plan.counts().add, 1);
        assert!(!plan.needs_typed_confirmation());
    }

    #[test]
    fn an_add_plan_names_the_label_a_present_key_carries_when_it_differs() {
        let mut snap = Snapshot::new();
        snap.insert(repo("a"), vec![dk(1, K1, "old-name")]);
        snap.insert(repo("b"), vec![dk(2, K1, "{b}")]);
        let key = NewKey {
            text: K1.into(),
            ..NewKey::from(&PublicKey::parse(K1).unwrap())
        };
        let plan = BulkRequest::Add {
            key,
            label: "{{{repo}}}".into(),
            scopes: vec![repo("a"), repo("b")],
        }
        .plan(&snap, &BTreeMap::new());
        assert_eq!(plan.already_present, vec![repo("a"), repo("b")]);
        assert_eq!(
            plan.lines(),
            [
                "=   acme/a  already present as 'old-name', not '{a}'",
                "=   acme/b  already present",
            ]
        );
    }

    #[test]
    fn more_than_five_removals_need_typed_confirmation() {
        let mut snap = Snapshot::new();
        let mut targets = Vec::new();
        for i in 0..6 {
            let r = repo(&format!("r{i}"));
            snap.insert(r.clone(), vec![dk(i, K1, "ci"), dk(100 + i, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKxVdOnuAmFQ6Fj2tyKg8RVbBCbsk8YYfxIbjhTlyvlE", "other")]);
            targets.push((r, fp(K1)));
        }
        let plan = BulkRequest::Delete { targets }.plan(&snap, &BTreeMap::new());
        assert!(plan.empties.is_empty());
        assert!(plan.needs_typed_confirmation());
        assert_eq!(plan.confirmation_text(), "6");
    }

    #[test]
    fn a_narrowed_request_plans_exactly_the_changes_it_was_narrowed_to() {
        const K2: &str =
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKxVdOnuAmFQ6Fj2tyKg8RVbBCbsk8YYfxIbjhTlyvlE";
        let mut snap = Snapshot::new();
        // Two keys on a, one on b, c and e; d holds nothing.
        snap.insert(repo("a"), vec![dk(1, K1, "ci"), dk(2, K2, "deploy")]);
        snap.insert(repo("b"), vec![dk(3, K1, "ci")]);
        snap.insert(repo("c"), vec![dk(4, K1, "ci")]);
        snap.insert(repo("d"), vec![]);
        snap.insert(repo("e"), vec![dk(5, K1, "ci")]);
        let new = |k: &str| NewKey {
            text: k.into(),
            ..NewKey::from(&PublicKey::parse(k).unwrap())
        };
        let requests = [
            BulkRequest::Delete {
                targets: vec![
                    (repo("a"), fp(K1)),
                    (repo("a"), fp(K2)),
                    (repo("b"), fp(K1)),
                ],
            },
            BulkRequest::Relabel {
                targets: vec![
                    (repo("a"), fp(K1)),
                    (repo("b"), fp(K1)),
                    (repo("c"), fp(K1)),
                ],
                template: "{repo}-{label}".into(),
            },
            BulkRequest::Add {
                key: new(K2),
                label: "new".into(),
                scopes: vec![repo("b"), repo("c"), repo("d")],
            },
            BulkRequest::Rotate {
                from: fp(K1),
                to: new(K2),
                label: None,
                scopes: vec![repo("b"), repo("c"), repo("e")],
            },
        ];
        for request in requests {
            let plan = request.plan(&snap, &BTreeMap::new());
            assert_eq!(plan.changes.len(), 3, "{request:?}");
            // Any one change, or the last two: planned again, the same changes and no others.
            for keep in [vec![0], vec![1], vec![2], vec![1, 2]] {
                let subset = plan.only(&keep);
                let again = request
                    .narrowed(&subset.changes)
                    .plan(&snap, &BTreeMap::new());
                assert_eq!(again.changes, subset.changes, "{request:?} {keep:?}");
                assert!(again.missing.is_empty() && again.already_present.is_empty());
            }
        }
    }
}
