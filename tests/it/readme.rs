//! The README and the reference pages in docs/ state facts the code owns; these tests keep
//! them equal.

use std::path::Path;

fn readme() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap()
}

/// The page of the reference that holds the scope table.
const SCOPES_PAGE: &str = "docs/credentials.md";

fn between<'a>(text: &'a str, begin: &str, end: &str) -> &'a str {
    let a = text
        .find(begin)
        .unwrap_or_else(|| panic!("{SCOPES_PAGE} lacks {begin}"))
        + begin.len();
    let b = text[a..]
        .find(end)
        .unwrap_or_else(|| panic!("{SCOPES_PAGE} lacks {end}"))
        + a;
    &text[a..b]
}

/// Set BBKEYS_BLESS=1 to rewrite the scope table from the code.
#[test]
fn readme_scope_table_matches_the_code() {
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(SCOPES_PAGE)).unwrap();
    let want = format!("\n{}", bbkeys::bitbucket::scopes::markdown_table());
    let got = between(&text, "<!-- scopes:begin -->", "<!-- scopes:end -->");
    if got != want && std::env::var_os("BBKEYS_BLESS").is_some() {
        let start = text.find("<!-- scopes:begin -->").unwrap() + "<!-- scopes:begin -->".len();
        let fixed = format!("{}{}{}", &text[..start], want, &text[start + got.len()..]);
        std::fs::write(
            Path::new(env!("CARGO_MANIFEST_DIR")).join(SCOPES_PAGE),
            fixed,
        )
        .unwrap();
        return;
    }
    assert_eq!(
        got, want,
        "{SCOPES_PAGE} scope table differs from bitbucket::scopes; rerun with BBKEYS_BLESS=1"
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

/// The README stays a page a newcomer reads (issue 20): at most 15 KB, with the reference in
/// docs/, every page of which it links.
#[test]
fn readme_is_short_and_links_every_reference_page() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = readme();
    assert!(
        text.len() <= 15 * 1024,
        "README.md is {} bytes, more than 15 KB",
        text.len()
    );
    let mut pages: Vec<String> = std::fs::read_dir(root.join("docs"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".md"))
        .collect();
    pages.sort();
    for page in [
        "cli.md",
        "tui.md",
        "credentials.md",
        "security.md",
        "performance.md",
        "testing.md",
        "architecture.md",
        "datacenter.md",
    ] {
        assert!(pages.iter().any(|p| p == page), "docs/{page} is missing");
    }
    for page in &pages {
        assert!(
            text.contains(&format!("](docs/{page})")),
            "README.md does not link docs/{page}"
        );
    }
    for section in ["## Install", "cargo install --locked --path ."] {
        assert!(text.contains(section), "README.md lacks {section:?}");
    }
}

/// Every relative link of the README and the docs points at a file that exists.
#[test]
fn relative_links_in_the_docs_resolve() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![root.join("README.md")];
    for e in std::fs::read_dir(root.join("docs")).unwrap() {
        files.push(e.unwrap().path());
    }
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let dir = file.parent().unwrap();
        for (i, _) in text.match_indices("](") {
            let rest = &text[i + 2..];
            let target = &rest[..rest.find(')').unwrap()];
            if target.contains("://") || target.starts_with('#') || target.starts_with("mailto:") {
                continue;
            }
            let path = target.split('#').next().unwrap();
            assert!(
                dir.join(path).exists(),
                "{}: link {target} points nowhere",
                file.display()
            );
        }
    }
}

/// Every `bbkeys` line in the README's code blocks is a command bbkeys accepts, so the
/// recipes a newcomer copies cannot go stale.
#[test]
fn readme_commands_parse() {
    let text = readme();
    let mut in_code = false;
    let mut checked = 0;
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if !in_code || !t.starts_with("bbkeys ") {
            continue;
        }
        let command = t.split(" #").next().unwrap().split(" > ").next().unwrap();
        let words: Vec<&str> = command.split_whitespace().collect();
        if let Err(e) = bbkeys::cli::command().try_get_matches_from(&words) {
            panic!("README: `{command}` does not parse: {e}");
        }
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} commands found");
}

/// The README's minimum Rust is the manifest's `rust-version`.
#[test]
fn readme_states_the_rust_version_of_the_manifest() {
    let manifest =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml")).unwrap();
    let version = manifest
        .lines()
        .find_map(|l| l.strip_prefix("rust-version = \""))
        .and_then(|v| v.strip_suffix('"'))
        .expect("Cargo.toml has a rust-version");
    assert!(
        readme().contains(&format!("needs Rust {version} or newer")),
        "README must state Rust {version}"
    );
}
