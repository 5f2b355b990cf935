//! Property tests (issue 9, "Fuzzing") for the three parsers that read text bbkeys does not
//! control: the SSH key parser (pasted by people), API JSON decoding (sent by a server) and
//! the journal reader (a file that may be cut short by a crash or edited by hand).
//!
//! Each target is a plain function run by a `TestRunner`, so CI and the long run share them:
//! CI runs a bounded number of cases from a fixed seed (deterministic, a few seconds), and
//! `long_fuzz_run` (ignored) runs many more. Nothing here may panic, and whatever the parsers
//! hand back for display must be free of control characters.
//!
//! `tests/it/sshkey.rs` holds further key-parser properties (round trips, consistency of the
//! strict and lenient parsers); the key target here adds a fixed seed and the display checks.

use std::time::Instant;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bbkeys::bitbucket::models::{Page, Project, Repository, User, WorkspaceAccess};
use bbkeys::bitbucket::{ApiError, DeployKey, Operation};
use bbkeys::journal::{Entry, parse_journal};
use bbkeys::sanitize::clean_line;
use bbkeys::sshkey::{Fingerprint, PublicKey};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, RngSeed, TestError, TestRunner};
use serde_json::{Value, json};

/// Cases per target in CI: enough to reach every branch the strategies aim at, small enough
/// that the whole file runs in seconds on two cores.
const CI_CASES: u32 = 2_000;

/// Cases per target of the ignored long run (`BBKEYS_FUZZ_CASES` overrides).
const LONG_CASES: u32 = 200_000;

/// Fixed seed so a CI failure reproduces on any machine.
const SEED: u64 = 0x0bb5_eed5_2026;

fn runner(cases: u32) -> TestRunner {
    TestRunner::new(Config {
        cases,
        failure_persistence: None,
        rng_algorithm: RngAlgorithm::ChaCha,
        rng_seed: RngSeed::Fixed(SEED),
        // Shrinking a failure of these small inputs is quick; keep it bounded anyway.
        max_shrink_iters: 2_000,
        ..Config::default()
    })
}

fn run<S: Strategy>(cases: u32, strategy: S, test: impl Fn(S::Value)) {
    let result = runner(cases).run(&strategy, |value| {
        test(value);
        Ok(())
    });
    match result {
        Ok(()) => {}
        Err(TestError::Fail(why, value)) => panic!("{why}: minimal failing input {value:?}"),
        Err(TestError::Abort(why)) => panic!("aborted: {why}"),
    }
}

/// No C0/C1 control characters and no bidirectional overrides: safe for a terminal line.
fn assert_printable(what: &str, text: &str) {
    let bad = text.chars().find(|c| {
        (c.is_control() && *c != ' ')
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    });
    assert!(bad.is_none(), "{what} holds {bad:?}: {text:?}");
}

// --- Mutations of valid inputs --------------------------------------------------------------

/// A small edit of a byte string, the kind a bad copy, a crash or a broken proxy makes.
#[derive(Debug, Clone)]
enum Mutation {
    Truncate(usize),
    Replace(usize, Vec<u8>),
    Insert(usize, Vec<u8>),
    Delete(usize, usize),
    Duplicate(usize, usize),
}

/// Fragments that steer decoders into their odd corners.
const TOKENS: [&str; 16] = [
    "null",
    "{",
    "}",
    "[",
    "]",
    "\"",
    ",",
    ":",
    "-1",
    "1e999",
    "18446744073709551616",
    "\\u0000",
    "\\u001b[2J",
    "\u{1b}]52;c;AA\u{7}",
    "\u{9b}31m",
    "\\ud800",
];

fn mutation() -> impl Strategy<Value = Mutation> {
    let bytes = prop_oneof![
        prop::collection::vec(any::<u8>(), 1..6),
        prop::sample::select(TOKENS.to_vec()).prop_map(|t| t.as_bytes().to_vec()),
    ];
    prop_oneof![
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), bytes.clone()).prop_map(|(at, b)| Mutation::Replace(at, b)),
        (any::<usize>(), bytes).prop_map(|(at, b)| Mutation::Insert(at, b)),
        (any::<usize>(), 1usize..40).prop_map(|(at, n)| Mutation::Delete(at, n)),
        (any::<usize>(), 1usize..40).prop_map(|(at, n)| Mutation::Duplicate(at, n)),
    ]
}

fn apply(input: &[u8], mutations: &[Mutation]) -> Vec<u8> {
    let mut out = input.to_vec();
    for m in mutations {
        let len = out.len();
        let pos = |at: usize| at % (len + 1);
        match m {
            Mutation::Truncate(at) => out.truncate(pos(*at)),
            Mutation::Replace(at, b) if len > 0 => {
                let at = at % len;
                let end = (at + b.len()).min(len);
                out.splice(at..end, b.iter().copied());
            }
            Mutation::Replace(..) => {}
            Mutation::Insert(at, b) => {
                let at = pos(*at);
                out.splice(at..at, b.iter().copied());
            }
            Mutation::Delete(at, n) => {
                let at = pos(*at);
                out.drain(at..(at + n).min(len));
            }
            Mutation::Duplicate(at, n) => {
                let at = pos(*at);
                let copy = out[at..(at + n).min(len)].to_vec();
                out.splice(at..at, copy);
            }
        }
    }
    out
}

fn mutated(samples: Vec<String>) -> impl Strategy<Value = String> {
    (
        prop::sample::select(samples),
        prop::collection::vec(mutation(), 1..4),
    )
        .prop_map(|(text, ms)| String::from_utf8_lossy(&apply(text.as_bytes(), &ms)).into_owned())
}

// --- Target 1: the SSH key parser -----------------------------------------------------------

fn key_samples() -> Vec<String> {
    [1, 45, 59, 65, 69, 93, 103, 106]
        .iter()
        .filter_map(|n| bbkeys::demo::key_line(*n))
        .map(str::to_string)
        .collect()
}

/// Key lines whose base64 decodes to a mutated blob, so the wire-format reader is reached.
fn mutated_blobs() -> impl Strategy<Value = String> {
    (
        prop::sample::select(key_samples()),
        prop::collection::vec(mutation(), 1..3),
    )
        .prop_map(|(line, ms)| {
            let mut words = line.split(' ');
            let key_type = words.next().unwrap_or_default();
            let blob = STANDARD.decode(words.next().unwrap_or_default()).unwrap();
            format!("{key_type} {}", STANDARD.encode(apply(&blob, &ms)))
        })
}

fn key_input() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp256|SHA256:|MD5:)?[ \t]{0,2}[A-Za-z0-9+/=]{0,120}[ -~\u{1b}\u{9b}]{0,16}",
        mutated(key_samples()),
        mutated_blobs(),
    ]
}

fn key_target(text: String) {
    match PublicKey::parse(&text) {
        Ok(key) => {
            assert!(Fingerprint::parse(key.fingerprint().as_str()).is_ok());
        }
        Err(e) => assert_printable("a key error", &e.to_string()),
    }
    if let Ok(key) = PublicKey::from_server(&text) {
        // The comment is server text: cleaned, it is safe to show.
        assert_printable(
            "a cleaned comment",
            &clean_line(key.comment().unwrap_or("")),
        );
        let again = PublicKey::from_server(&key.to_openssh()).unwrap();
        assert_eq!(again.fingerprint(), key.fingerprint());
    }
    if let Err(e) = Fingerprint::parse(&text) {
        assert_printable("a fingerprint error", &e.to_string());
    }
}

// --- Target 2: API JSON decoding ------------------------------------------------------------

fn api_samples() -> Vec<String> {
    let key = bbkeys::demo::key_line(1).unwrap_or_default();
    let blob: String = key.split(' ').take(2).collect::<Vec<_>>().join(" ");
    let deploy_key = json!({
        "id": 123, "key": blob, "label": "ci-deploy", "comment": "ci@build",
        "type": "deploy_key", "created_on": "2018-08-15T23:50:59.993890+00:00", "last_used": null,
        "repository": {"full_name": "acme/api", "name": "api", "type": "repository", "uuid": "{1}"},
        "links": {"self": {"href": "https://api.bitbucket.org/2.0/repositories/acme/api/deploy-keys/123"}}
    });
    let project_key = json!({
        "id": "77", "key": blob, "label": "p", "type": "project_deploy_key",
        "added_on": "2020-01-01T00:00:00+00:00", "last_used": "2024-05-01T00:00:00+00:00",
        "project": {"key": "API", "name": "Api", "uuid": "{2}"}, "created_by": {"uuid": "{3}"}
    });
    [
        json!({"pagelen": 100, "values": [deploy_key, project_key], "next": "https://api.bitbucket.org/2.0/x?page=2", "page": 1, "size": 3}),
        json!({"values": [{"slug": "api", "name": "API", "full_name": "acme/api", "uuid": "{4}", "project": {"key": "API", "name": "Api"}}, {"full_name": "acme/web"}]}),
        json!({"values": [{"administrator": true, "workspace": {"slug": "acme", "uuid": "{5}"}}]}),
        json!({"values": [{"key": "API", "name": "Api", "uuid": "{6}"}]}),
        json!({"uuid": "{7}", "display_name": "Dana", "nickname": "dana", "account_id": "557058:1"}),
        json!({"type": "error", "error": {"message": "Your credentials lack one or more required privilege scopes.", "detail": {"required": ["write:ssh-key:bitbucket"], "granted": []}, "data": {"announcement_url": "https://example.invalid"}}}),
        json!({"type": "error", "error": {"message": "Bad request", "fields": {"key": ["Someone has already added that access key to this repository."]}}}),
    ]
    .iter()
    .map(Value::to_string)
    .collect()
}

/// Field names bbkeys reads, so generated objects reach the typed decoders' deep paths.
const FIELDS: [&str; 24] = [
    "values",
    "next",
    "id",
    "key",
    "label",
    "comment",
    "type",
    "created_on",
    "added_on",
    "last_used",
    "repository",
    "project",
    "slug",
    "full_name",
    "name",
    "uuid",
    "workspace",
    "administrator",
    "pagelen",
    "size",
    "error",
    "message",
    "detail",
    "required",
];

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_filter_map("finite", |f| serde_json::Number::from_f64(f)
            .map(Value::Number)),
        any::<String>().prop_map(Value::String),
        "[ -~\u{1b}\u{7}\u{9b}\u{202e}]{0,24}".prop_map(Value::String),
    ];
    let name = prop_oneof![
        prop::sample::select(FIELDS.to_vec()).prop_map(String::from),
        ".{0,8}"
    ];
    leaf.prop_recursive(5, 96, 8, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(name.clone(), inner, 0..8)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A real-shaped page with one field of one key replaced by anything.
fn one_field_wrong() -> impl Strategy<Value = String> {
    (prop::sample::select(FIELDS.to_vec()), json_value()).prop_map(|(field, value)| {
        let mut page: Value = serde_json::from_str(&api_samples()[0]).unwrap_or(Value::Null);
        page["values"][0][field] = value;
        page.to_string()
    })
}

fn api_input() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        json_value().prop_map(|v| v.to_string()),
        json_value().prop_map(|v| json!({"values": [v], "next": null}).to_string()),
        one_field_wrong(),
        mutated(api_samples()),
    ]
}

fn api_target(text: String) {
    if let Ok(page) = serde_json::from_str::<Page<DeployKey>>(&text) {
        for key in &page.values {
            let _ = PublicKey::from_server(&key.key).map(|k| k.fingerprint());
            assert_printable(
                "a cleaned label",
                &clean_line(key.label.as_deref().unwrap_or("")),
            );
        }
    }
    let _ = serde_json::from_str::<DeployKey>(&text);
    if let Ok(page) = serde_json::from_str::<Page<Repository>>(&text) {
        for repo in page.values {
            let _ = repo.normalise();
        }
    }
    let _ = serde_json::from_str::<Page<WorkspaceAccess>>(&text);
    let _ = serde_json::from_str::<Page<Project>>(&text);
    let _ = serde_json::from_str::<User>(&text);
    // Every error answer becomes a sentence fit for a terminal, whatever the body.
    for status in [400, 403, 404, 410, 429, 502] {
        let e = ApiError::from_response(
            status,
            &text,
            None,
            Operation::ListRepoKeys,
            "acme/api",
            Default::default(),
        );
        assert_printable("an error sentence", &e.to_string());
    }
}

// --- Target 3: the journal reader -----------------------------------------------------------

fn journal_line() -> impl Strategy<Value = String> {
    let text = prop_oneof![
        "[a-z0-9:]{1,12}",
        any::<String>(),
        "[ -~\u{1b}\u{7}\u{9b}]{0,16}"
    ];
    let entry = prop::sample::select(vec!["e1", "e2", "e3"]);
    let scope = prop_oneof![
        (text.clone(), text.clone())
            .prop_map(|(w, r)| json!({"scope": "repository", "workspace": w, "repo": r})),
        (text.clone(), text.clone())
            .prop_map(|(w, p)| json!({"scope": "project", "workspace": w, "project": p})),
    ];
    let intent = (
        prop::sample::select(vec!["add", "delete", "relabel"]),
        scope,
        text.clone(),
        prop::option::of(text.clone()),
        prop::option::of(any::<u64>()),
    )
        .prop_map(|(intent, scope, s, label, id)| {
            json!({"step": "intent", "intent": intent, "scope": scope, "key": s,
                   "fingerprint": s, "comment": label, "old_label": label,
                   "new_label": label, "old_id": id})
        });
    let step = prop_oneof![
        intent,
        Just(json!({"step": "deleted"})),
        any::<u64>().prop_map(|id| json!({"step": "added", "id": id})),
        text.clone()
            .prop_map(|r| json!({"step": "failed", "reason": r})),
        Just(json!({"step": "done"})),
        text.prop_map(|r| json!({"step": "closed", "reason": r})),
    ];
    (entry, step).prop_map(|(entry, mut step)| {
        step["entry"] = json!(entry);
        step["at"] = json!("2026-11-28T10:00:00Z");
        step.to_string()
    })
}

fn journal_input() -> impl Strategy<Value = String> {
    let file = || prop::collection::vec(journal_line(), 0..12).prop_map(|l| l.join("\n"));
    prop_oneof![
        any::<String>(),
        file(),
        (file(), prop::collection::vec(mutation(), 1..4)).prop_map(|(text, ms)| {
            String::from_utf8_lossy(&apply(text.as_bytes(), &ms)).into_owned()
        }),
    ]
}

fn journal_target(text: String) {
    let (entries, report) = parse_journal(&text);
    let lines = text.split('\n').count();
    assert!(report.skipped_lines.iter().all(|n| (1..=lines).contains(n)));
    let mut ids: Vec<&str> = entries.iter().map(|e: &Entry| e.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), entries.len(), "one entry per id");
    for e in &entries {
        let _ = e.pending();
        // The recovery dialog and the CLI warning print this sentence as is.
        assert_printable("an entry's description", &e.describe());
    }
}

// --- The sanitiser every target relies on ---------------------------------------------------

fn sanitizer_target(text: String) {
    let once = clean_line(&text);
    assert_printable("clean_line's output", &once);
    assert_eq!(clean_line(&once), once, "clean_line is idempotent");
}

fn sanitizer_input() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "([\u{0}-\u{1f}\u{7f}-\u{9f}\u{202a}-\u{202e}\u{2066}-\u{2069}]|\u{1b}[\\[\\]P^_X]?|[a-z0-9;])*",
    ]
}

// --- CI runs and the long run ---------------------------------------------------------------

#[test]
fn ssh_key_parser_never_panics() {
    run(CI_CASES, key_input(), key_target);
}

#[test]
fn api_json_decoding_never_panics() {
    run(CI_CASES, api_input(), api_target);
}

#[test]
fn journal_reader_never_panics() {
    run(CI_CASES, journal_input(), journal_target);
}

#[test]
fn sanitised_text_has_no_controls() {
    run(CI_CASES, sanitizer_input(), sanitizer_target);
}

/// The long run recorded in docs/testing.md. `cargo test --test it props::long_fuzz_run --
/// --ignored --nocapture`; `BBKEYS_FUZZ_CASES` sets the cases per target.
#[test]
#[ignore = "long: about a million cases; run by hand"]
fn long_fuzz_run() {
    let cases = std::env::var("BBKEYS_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(LONG_CASES);
    let start = Instant::now();
    let timed = |name: &str, f: &dyn Fn()| {
        let t = Instant::now();
        f();
        println!(
            "{name}: {cases} cases in {:.1} s",
            t.elapsed().as_secs_f64()
        );
    };
    timed("ssh key parser", &|| run(cases, key_input(), key_target));
    timed("api json", &|| run(cases, api_input(), api_target));
    timed("journal reader", &|| {
        run(cases, journal_input(), journal_target)
    });
    timed("sanitiser", &|| {
        run(cases, sanitizer_input(), sanitizer_target)
    });
    println!(
        "total: {} cases in {:.1} s",
        u64::from(cases) * 4,
        start.elapsed().as_secs_f64()
    );
}
