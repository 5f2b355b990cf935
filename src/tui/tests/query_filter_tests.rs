//! The query language in the keys pane's `/` and in All keys (`K`).

use crate::tui::action::Action;
use crate::tui::state::*;
use crate::tui::tests::fixtures::*;
use crate::tui::tests::insight_fixtures::*;
use crate::tui::update::{Msg, TextInput, update};

fn type_filter(s: &mut State, text: &str) {
    update(s, Msg::Input(TextInput::Paste(text.into())));
}

fn pane_labels(s: &State) -> Vec<String> {
    s.key_rows()
        .iter()
        .map(|r| match r {
            KeyRow::Key { key, .. } => key.label.clone(),
            KeyRow::Problem(p, _) => format!("problem {p}"),
        })
        .collect()
}

#[test]
fn all_keys_query_matches_a_key_when_one_of_its_holdings_does() {
    let mut s = scanned();
    act(&mut s, Action::AllKeys);
    act(&mut s, Action::Filter);
    // Key 1 is never used on api but used on web: `used:` is judged per holding.
    type_filter(&mut s, "used:never");
    assert_eq!(labels(&s), ["release-signing", "ci-deploy, web-deploy"]);
    act(&mut s, Action::Cancel);
    act(&mut s, Action::Filter);
    type_filter(&mut s, "used:never repo:web");
    assert!(labels(&s).is_empty(), "{:?}", labels(&s));
    act(&mut s, Action::Cancel);
    act(&mut s, Action::Filter);
    type_filter(&mut s, "type:rsa bits:<=2048 added:<2020-01-01");
    assert_eq!(labels(&s), ["legacy-rsa"]);
    act(&mut s, Action::Cancel);
    act(&mut s, Action::Filter);
    // A repository's holding answers `project:` with the repository's project.
    type_filter(&mut s, "project:api label:*-deploy");
    assert_eq!(labels(&s), ["ci-deploy, web-deploy"]);
    assert_eq!(s.message, None);
}

#[test]
fn all_keys_query_asks_the_audit_for_findings() {
    let mut s = scanned();
    act(&mut s, Action::AllKeys);
    act(&mut s, Action::Filter);
    type_filter(&mut s, "finding:rsa_2048");
    assert_eq!(labels(&s), ["legacy-rsa"]);
    act(&mut s, Action::Cancel);
    act(&mut s, Action::Filter);
    type_filter(&mut s, "finding:many_labels");
    assert_eq!(labels(&s), ["ci-deploy, web-deploy"]);
}

#[test]
fn all_keys_plain_words_still_match_fingerprints_and_places() {
    let mut s = scanned();
    let fp = all_keys_rows_fingerprint(&s, "legacy-rsa");
    act(&mut s, Action::AllKeys);
    act(&mut s, Action::Filter);
    type_filter(&mut s, &fp[7..20]);
    assert_eq!(labels(&s), ["legacy-rsa"]);
}

fn all_keys_rows_fingerprint(s: &State, label: &str) -> String {
    let inv = &crate::tui::state::insight::focused_inventory(s)
        .unwrap()
        .inventory;
    let e = inv.keys.iter().find(|e| e.labels.contains(label)).unwrap();
    e.fingerprint.to_string()
}

#[test]
fn all_keys_malformed_query_names_the_position_and_keeps_the_last_good_rows() {
    let mut s = scanned();
    act(&mut s, Action::AllKeys);
    act(&mut s, Action::Filter);
    type_filter(&mut s, "type:rsa");
    assert_eq!(labels(&s), ["legacy-rsa"]);
    type_filter(&mut s, " bits:<x");
    let (msg, failure) = s.message.clone().expect("the error is shown");
    assert!(failure);
    assert!(msg.contains("character 15"), "{msg}");
    assert_eq!(labels(&s), ["legacy-rsa"], "the last good rows stay");
    // Fixing the text reads it again and clears the error.
    update(&mut s, Msg::Input(TextInput::Backspace));
    type_filter(&mut s, "4096");
    assert_eq!(s.insight.all_keys.filter, "type:rsa bits:<4096");
    assert_eq!(s.message, None);
    assert_eq!(labels(&s), ["legacy-rsa"]);
    update(&mut s, Msg::Input(TextInput::Backspace));
    update(&mut s, Msg::Input(TextInput::Backspace));
    update(&mut s, Msg::Input(TextInput::Backspace));
    update(&mut s, Msg::Input(TextInput::Backspace));
    type_filter(&mut s, "2048");
    assert!(labels(&s).is_empty());
}

/// `loaded()` with the keys of acme/api dated, and the keys pane focused on api.
fn keys_pane_on_api() -> State {
    let mut s = loaded();
    let mut used = key(2, "jenkins", "jenk2", repo_scope("acme", "api"));
    used.last_used = Some("2026-11-20T08:00:00+00:00".into());
    used.created = Some("2021-06-01T00:00:00+00:00".into());
    s.keys.insert(
        ("acme".into(), "api".into()),
        Load::Ready(vec![
            key(1, "ci-deploy", "shared1", repo_scope("acme", "api")),
            used,
        ]),
    );
    while !matches!(s.focused_repo_row(), Some(RepoRow::Repo(r)) if r.slug == "api") {
        act(&mut s, Action::Down);
        assert!(s.cursor[1] < 5, "api is listed");
        s.focus = Pane::Repositories;
    }
    s.focus = Pane::Keys;
    s
}

#[test]
fn keys_pane_filter_reads_queries_and_keeps_plain_words() {
    let mut s = keys_pane_on_api();
    assert_eq!(pane_labels(&s), ["ci-deploy", "jenkins", "release-signing"]);
    act(&mut s, Action::Filter);
    type_filter(&mut s, "used:never");
    assert_eq!(pane_labels(&s), ["ci-deploy", "release-signing"]);
    act(&mut s, Action::Cancel);
    act(&mut s, Action::Filter);
    type_filter(&mut s, "added:<2022-01-01 repo:api");
    assert_eq!(pane_labels(&s), ["jenkins"]);
    act(&mut s, Action::Cancel);
    act(&mut s, Action::Filter);
    type_filter(&mut s, "project:API type:ed25519 bits:256");
    assert_eq!(pane_labels(&s), ["ci-deploy", "jenkins", "release-signing"]);
    act(&mut s, Action::Cancel);
    act(&mut s, Action::Filter);
    // Plain words keep matching the comment too, as they always did.
    type_filter(&mut s, "JENKINS@b");
    assert_eq!(pane_labels(&s), ["jenkins"]);
}

#[test]
fn keys_pane_malformed_query_shows_the_error_and_keeps_the_last_good_rows() {
    let mut s = keys_pane_on_api();
    act(&mut s, Action::Filter);
    type_filter(&mut s, "used:never");
    assert_eq!(pane_labels(&s), ["ci-deploy", "release-signing"]);
    type_filter(&mut s, " colour:red");
    let (msg, failure) = s.message.clone().expect("the error is shown");
    assert!(failure);
    assert!(msg.contains("character 12"), "{msg}");
    assert!(msg.contains("label:"), "the fields are named: {msg}");
    assert_eq!(pane_labels(&s), ["ci-deploy", "release-signing"]);
    act(&mut s, Action::Cancel);
    assert_eq!(s.message, None, "a cleared filter is good again");
    assert_eq!(pane_labels(&s).len(), 3);
}

#[test]
fn keys_pane_finding_reads_the_audit_of_the_scan() {
    let mut s = scanned();
    // The pane shows the very keys the scan holds, so the audit's findings apply to them.
    let api = repo_scope("acme", "api");
    let view = |id, n, label: &str, created, used| {
        crate::tui::state::from_forge::key_view(dk(id, n, label, created, used), api.clone())
    };
    s.keys.insert(
        ("acme".into(), "api".into()),
        Load::Ready(vec![
            view(1, 1, "ci-deploy", "2024-03-01T09:15:00+00:00", None),
            view(
                3,
                93,
                "legacy-rsa",
                "2019-05-02T10:00:00+00:00",
                Some("2026-11-20T08:00:00+00:00"),
            ),
        ]),
    );
    while !matches!(s.focused_repo_row(), Some(RepoRow::Repo(r)) if r.slug == "api") {
        s.focus = Pane::Repositories;
        act(&mut s, Action::Down);
        assert!(s.cursor[1] < 5, "api is listed");
    }
    s.focus = Pane::Keys;
    act(&mut s, Action::Filter);
    type_filter(&mut s, "finding:rsa_2048");
    assert_eq!(pane_labels(&s), ["legacy-rsa"]);
    act(&mut s, Action::Cancel);
    act(&mut s, Action::Filter);
    // `used:` is this holding's (never used on api); `many_labels` is about the key everywhere.
    type_filter(&mut s, "used:never finding:many_labels");
    assert_eq!(pane_labels(&s), ["ci-deploy"]);
}
