//! The key table of docs/tui.md is generated from the keymap; this keeps the two equal.

use std::path::Path;

const BEGIN: &str = "<!-- keys:begin -->";
const END: &str = "<!-- keys:end -->";

/// Set BBKEYS_BLESS=1 to rewrite the key table of docs/tui.md from the code.
#[test]
fn readme_key_table_matches_the_keymap() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/tui.md");
    let text = std::fs::read_to_string(&path).unwrap();
    let want = format!("\n{}", bbkeys::tui::keymap::markdown_table());
    let start = text
        .find(BEGIN)
        .expect("docs/tui.md lacks <!-- keys:begin -->")
        + BEGIN.len();
    let len = text[start..]
        .find(END)
        .expect("docs/tui.md lacks <!-- keys:end -->");
    let got = &text[start..start + len];
    if got != want && std::env::var_os("BBKEYS_BLESS").is_some() {
        let fixed = format!("{}{}{}", &text[..start], want, &text[start + len..]);
        std::fs::write(&path, fixed).unwrap();
        return;
    }
    assert_eq!(
        got, want,
        "docs/tui.md key table differs from tui::keymap; rerun with BBKEYS_BLESS=1"
    );
}

#[test]
fn readme_shows_the_screenshot() {
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    assert!(text.contains("assets/screenshot.svg"));
    assert!(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("assets/screenshot.svg")
            .exists()
    );
}
