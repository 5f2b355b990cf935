//! The query language: what each field matches, every refusal with its position, and
//! printing then parsing gives the same query back.

use proptest::prelude::*;
use time::OffsetDateTime;
use time::macros::{date, datetime};

use super::*;

const NOW: OffsetDateTime = datetime!(2026-12-07 00:00 UTC);

struct H {
    label: &'static str,
    key_type: &'static str,
    bits: u32,
    used: Option<OffsetDateTime>,
    added: OffsetDateTime,
    repo: Option<&'static str>,
    project: Option<&'static str>,
    findings: &'static [&'static str],
}

impl Holding for H {
    fn label(&self) -> &str {
        self.label
    }
    fn key_type(&self) -> Option<&str> {
        Some(self.key_type)
    }
    fn bits(&self) -> Option<u32> {
        Some(self.bits)
    }
    fn last_used(&self) -> Option<OffsetDateTime> {
        self.used
    }
    fn added(&self) -> Option<OffsetDateTime> {
        Some(self.added)
    }
    fn repo(&self) -> Option<&str> {
        self.repo
    }
    fn project(&self) -> Option<&str> {
        self.project
    }
    fn has_finding(&self, code: &str) -> bool {
        self.findings.contains(&code)
    }
}

fn jenkins() -> H {
    H {
        label: "Jenkins-CI",
        key_type: "rsa",
        bits: 2048,
        used: Some(datetime!(2024-06-01 00:00 UTC)),
        added: datetime!(2019-03-01 00:00 UTC),
        repo: Some("api-gateway"),
        project: Some("API"),
        findings: &["unused", "rsa2048"],
    }
}

fn deploy() -> H {
    H {
        label: "deploy",
        key_type: "ed25519",
        bits: 256,
        used: None,
        added: datetime!(2025-01-10 00:00 UTC),
        repo: None,
        project: Some("WEB"),
        findings: &["never_used"],
    }
}

fn hits(q: &str) -> (bool, bool) {
    let q = parse_query(q).unwrap_or_else(|e| panic!("{q}: {e}"));
    (q.matches(&jenkins(), NOW), q.matches(&deploy(), NOW))
}

#[test]
fn each_field_matches_what_it_names() {
    for (q, want) in [
        ("", (true, true)),
        ("jenkins", (true, false)),
        ("JENK", (true, false)),
        ("label:jenkins*", (true, false)),
        ("label:dep*", (false, true)),
        ("type:rsa", (true, false)),
        ("type:ED25519", (false, true)),
        ("bits:<3072", (true, true)),
        ("bits:>=2048", (true, false)),
        ("bits:256", (false, true)),
        ("used:never", (false, true)),
        ("used:>365d", (true, false)),
        ("used:>2y", (true, false)),
        ("used:>3y", (false, false)),
        ("used:<30d", (false, false)),
        ("used:>=2024-06-01", (true, false)),
        ("added:<2022-01-01", (true, false)),
        ("added:>2y", (true, false)),
        ("added:>1y", (true, true)),
        ("repo:api-*", (true, false)),
        ("project:api", (true, false)),
        ("project:W*", (false, true)),
        ("finding:never_used", (false, true)),
        ("finding:rsa2048 type:rsa jenkins", (true, false)),
        ("type:rsa used:never", (false, false)),
    ] {
        assert_eq!(hits(q), want, "{q}");
    }
}

#[test]
fn used_never_and_used_older_than_never_overlap() {
    // A never-used holding is not "used more than a day ago", and the other way round.
    assert_eq!(hits("used:>1d"), (true, false));
    assert_eq!(hits("used:never"), (false, true));
}

#[test]
fn every_refusal_names_the_character_and_what_is_allowed() {
    for (q, position, says) in [
        (
            "colour:red",
            1,
            "\"colour\" is not a field: use label:, type:, bits:",
        ),
        (
            "type:rsa type:foo",
            15,
            "not a key type: use one of ed25519, ecdsa, rsa, dsa, sk-ed25519, sk-ecdsa",
        ),
        ("bits:many", 6, "bits: takes a number"),
        ("bits:<", 6, "bits: takes a number"),
        ("used:>365x", 6, "neither a date (YYYY-MM-DD) nor an age"),
        ("used:", 6, "used: takes never, an age or a date"),
        ("added:2022-13-01", 7, "added: takes an age or a date"),
        (
            "label:",
            7,
            "label: needs a pattern, such as label:jenkins*",
        ),
        ("finding:Never-Used", 9, "finding: takes a finding code"),
        ("label:\"a b", 7, "this quote is never closed"),
        ("ab\"c", 3, "a quote inside a word"),
        ("\"a\"b", 4, "a space must follow the closing quote"),
    ] {
        let e = parse_query(q).expect_err(q);
        assert_eq!(e.position, position, "{q}: {e}");
        assert!(e.message.contains(says), "{q}: {e}");
        assert!(
            e.to_string().contains(&format!("at character {position}")),
            "{e}"
        );
    }
}

#[test]
fn quoted_values_hold_spaces_quotes_and_colons() {
    let q = parse_query(r#"label:"ci \"prod\" key" "a:b""#).unwrap();
    assert_eq!(
        q.terms,
        vec![
            Term::Label("ci \"prod\" key".into()),
            Term::Word("a:b".into())
        ]
    );
    assert_eq!(q.to_string(), r#"label:"ci \"prod\" key" "a:b""#);
}

fn arb_text() -> impl Strategy<Value = String> {
    proptest::string::string_regex(r#"[a-zA-Z0-9 _:*?"\\.-]{1,12}"#).unwrap()
}

fn arb_cmp() -> impl Strategy<Value = Cmp> {
    prop_oneof![
        Just(Cmp::Lt),
        Just(Cmp::Le),
        Just(Cmp::Gt),
        Just(Cmp::Ge),
        Just(Cmp::Eq)
    ]
}

fn arb_when() -> impl Strategy<Value = When> {
    prop_oneof![
        (0u32..5000).prop_map(When::AgeDays),
        (0i32..20000)
            .prop_map(|d| When::Date(date!(1990 - 01 - 01) + time::Duration::days(d.into()))),
    ]
}

fn arb_term() -> impl Strategy<Value = Term> {
    prop_oneof![
        arb_text()
            .prop_filter("a word", |w| !w.trim().is_empty())
            .prop_map(Term::Word),
        arb_text().prop_map(Term::Label),
        proptest::sample::select(KEY_TYPES.to_vec()).prop_map(|t| Term::Type(t.to_string())),
        (arb_cmp(), any::<u32>()).prop_map(|(c, n)| Term::Bits(c, n)),
        Just(Term::NeverUsed),
        (arb_cmp(), arb_when()).prop_map(|(c, w)| Term::Used(c, w)),
        (arb_cmp(), arb_when()).prop_map(|(c, w)| Term::Added(c, w)),
        arb_text().prop_map(Term::Repo),
        arb_text().prop_map(Term::Project),
        "[a-z][a-z0-9_]{0,12}".prop_map(Term::Finding),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn printing_then_parsing_gives_the_same_query(terms in proptest::collection::vec(arb_term(), 0..6)) {
        let q = Query { terms };
        let text = q.to_string();
        let back = parse_query(&text).map_err(|e| TestCaseError::fail(format!("{text:?}: {e}")))?;
        prop_assert_eq!(back, q, "{}", text);
    }

    #[test]
    fn any_text_parses_or_is_refused_without_panicking(text in "\\PC{0,40}") {
        if let Err(e) = parse_query(&text) {
            prop_assert!(e.position >= 1 && e.position <= text.chars().count() + 1);
        }
    }
}
