//! The layering of design.md §2 that a grep can check: the core names no adapter.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn ops_the_journal_and_the_cache_name_no_adapter() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src.join("ops"), &mut files);
    rust_files(&src.join("journal"), &mut files);
    files.push(src.join("journal.rs"));
    rust_files(&src.join("store"), &mut files);
    assert!(files.len() > 20, "{files:?}");
    let mut hits = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for (n, line) in text.lines().enumerate() {
            if line.contains("bitbucket::") || line.contains("datacenter::") {
                hits.push(format!("{}:{}: {line}", file.display(), n + 1));
            }
        }
    }
    assert!(hits.is_empty(), "{}", hits.join("\n"));
}
