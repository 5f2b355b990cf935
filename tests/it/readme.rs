//! The README states facts the code owns; these tests keep them equal.

use std::path::Path;

fn readme() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap()
}

fn between<'a>(text: &'a str, begin: &str, end: &str) -> &'a str {
    let a = text
        .find(begin)
        .unwrap_or_else(|| panic!("README lacks {begin}"))
        + begin.len();
    let b = text[a..]
        .find(end)
        .unwrap_or_else(|| panic!("README lacks {end}"))
        + a;
    &text[a..b]
}

/// Set BBKEYS_BLESS=1 to rewrite the README's table from the code.
#[test]
fn readme_scope_table_matches_the_code() {
    let text = readme();
    let want = format!("\n{}", bbkeys::bitbucket::scopes::markdown_table());
    let got = between(&text, "<!-- scopes:begin -->", "<!-- scopes:end -->");
    if got != want && std::env::var_os("BBKEYS_BLESS").is_some() {
        let start = text.find("<!-- scopes:begin -->").unwrap() + "<!-- scopes:begin -->".len();
        let fixed = format!("{}{}{}", &text[..start], want, &text[start + got.len()..]);
        std::fs::write(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"),
            fixed,
        )
        .unwrap();
        return;
    }
    assert_eq!(
        got, want,
        "README scope table differs from bitbucket::scopes; rerun with BBKEYS_BLESS=1"
    );
}

#[test]
fn readme_has_the_two_commands() {
    let text = readme();
    assert!(text.contains("cargo run --release -- --demo"));
    assert!(text.contains("cargo test --locked"));
    let ci =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/run")).unwrap();
    assert!(
        ci.contains("cargo test --locked"),
        ".ci/run must run the README's test command"
    );
}
