//! The keys file parser: what it accepts, and a table of every refusal with its message and
//! position.

use std::path::{Path, PathBuf};

use super::file::{KeysFile, parse_keys_file};
use crate::demo::{FRESH_KEY_LINES, key_line};
use crate::forge::{ForgeKind, Permission};

fn key(n: usize) -> &'static str {
    FRESH_KEY_LINES
        .get(n)
        .and_then(|&line| key_line(line))
        .unwrap_or_default()
}

/// Reads `keys/<n>.pub` as fresh demo key n, `keys/private` as a private key, and fails for
/// anything else.
fn read(path: &Path) -> std::io::Result<String> {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    if name == "private" {
        return Ok("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjE=\n-----END OPENSSH PRIVATE KEY-----\n".into());
    }
    name.strip_suffix(".pub")
        .and_then(|n| n.parse::<usize>().ok())
        .filter(|&n| n < FRESH_KEY_LINES.len())
        .map(|n| format!("{}\n", key(n)))
        .ok_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::NotFound, "No such file or directory")
        })
}

fn parse(text: &str, forge: ForgeKind) -> Result<KeysFile, Vec<String>> {
    parse_keys_file(&PathBuf::from("conf/keys.toml"), text, forge, &read)
        .map_err(|errors| errors.iter().map(ToString::to_string).collect())
}

#[test]
fn a_full_file_is_read_with_paths_relative_to_it() {
    let text = format!(
        r#"
[[key]]
name = "ci-deploy"
public_key = "keys/0.pub"
label = "ci-{{repo}}"
repos = ["acme/api-*", "acme/web"]
projects = ["acme/WEB"]

[[key]]
name = "backup"
public_key = "{}"
label = "backup"
repos = ["globex/*"]

[prune]
scopes = ["acme/api-*"]
"#,
        key(1)
    );
    let file = parse(&text, ForgeKind::Cloud).unwrap();
    assert_eq!(file.keys.len(), 2);
    let ci = &file.keys[0];
    assert_eq!(ci.name, "ci-deploy");
    assert_eq!(ci.label, "ci-{repo}");
    assert_eq!(ci.repos.len(), 2);
    assert_eq!(ci.repos[0].at.line, 6);
    assert_eq!(ci.projects, vec![("acme".to_string(), "WEB".to_string())]);
    assert_eq!(ci.permission, Permission::Read);
    assert_eq!(ci.at.line, 2);
    assert_ne!(ci.fingerprint, file.keys[1].fingerprint);
    assert_eq!(file.prune.unwrap().scopes[0].glob.to_string(), "acme/api-*");
}

#[test]
fn data_center_fields_are_read_on_data_center() {
    let text = format!(
        "[[key]]\nname = \"deploy\"\npublic_key = \"{}\"\nlabel = \"deploy\"\nrepos = [\"OPS/api\"]\npermission = \"write\"\nexpiry_days = 90\n",
        key(2)
    );
    let file = parse(&text, ForgeKind::DataCenter).unwrap();
    assert_eq!(file.keys[0].permission, Permission::Write);
    assert_eq!(file.keys[0].expiry_days, Some(90));
}

/// Every refusal: the file (one key declaration unless noted), the forge, and the
/// `file:line:column: message` expected, in part.
#[test]
fn every_refusal_names_its_place_and_says_what_is_wrong() {
    let k0 = key(0);
    let decl = |extra: &str| {
        format!(
            "[[key]]\nname = \"ci\"\npublic_key = \"{k0}\"\nlabel = \"ci\"\nrepos = [\"acme/api\"]\n{extra}"
        )
    };
    let cases: Vec<(String, ForgeKind, &str)> = vec![
        (
            decl("colour = \"red\"\n"),
            ForgeKind::Cloud,
            "conf/keys.toml:6:1: unknown field `colour`",
        ),
        (
            "[keys]\n".into(),
            ForgeKind::Cloud,
            "conf/keys.toml:1:2: unknown field `keys`, expected `key` or `prune`",
        ),
        (
            decl("").replace("acme/api", "acme/api[1]"),
            ForgeKind::Cloud,
            "conf/keys.toml:5:10: \"acme/api[1]\" holds '['",
        ),
        (
            decl("").replace("acme/api", "acme"),
            ForgeKind::Cloud,
            "conf/keys.toml:5:10: \"acme\" is not a pattern",
        ),
        (
            decl("").replace(k0, "keys/9999.pub"),
            ForgeKind::Cloud,
            "conf/keys.toml:3:14: the key file conf/keys/9999.pub cannot be read",
        ),
        (
            decl("").replace(k0, "keys/private"),
            ForgeKind::Cloud,
            "conf/keys.toml:3:14: the key file conf/keys/private: this is a PRIVATE key",
        ),
        (
            decl("").replace(k0, "ssh-ed25519 AAAA"),
            ForgeKind::Cloud,
            "conf/keys.toml:3:14: the key:",
        ),
        (
            format!("{}\n{}", decl(""), decl("")),
            ForgeKind::Cloud,
            "conf/keys.toml:8:8: the name \"ci\" is used twice (first at line 2)",
        ),
        (
            decl("").replace("label = \"ci\"", "label = \"ci-{nope}\""),
            ForgeKind::Cloud,
            "conf/keys.toml:4:9: the label:",
        ),
        (
            decl("").replace("repos = [\"acme/api\"]\n", ""),
            ForgeKind::Cloud,
            "conf/keys.toml:2:8: the key \"ci\" is granted nowhere",
        ),
        (
            decl("projects = [\"acme\"]\n"),
            ForgeKind::Cloud,
            "conf/keys.toml:6:13: \"acme\" is not a project",
        ),
        (
            decl("permission = \"write\"\n"),
            ForgeKind::Cloud,
            "conf/keys.toml:6:14: permission is a Data Center field",
        ),
        (
            decl("expiry_days = 30\n"),
            ForgeKind::Cloud,
            "conf/keys.toml:6:15: expiry_days is a Data Center field",
        ),
        (
            decl("permission = \"admin\"\n"),
            ForgeKind::DataCenter,
            "conf/keys.toml:6:14: \"admin\" is not a permission",
        ),
        (
            decl("expiry_days = 0\n"),
            ForgeKind::DataCenter,
            "conf/keys.toml:6:15: expiry_days must be a whole number of days from 1 to 3650",
        ),
        (
            format!(
                "{}\n{}",
                decl(""),
                decl("")
                    .replace("name = \"ci\"", "name = \"ci2\"")
                    .replace("label = \"ci\"", "label = \"other\"")
            ),
            ForgeKind::Cloud,
            "conf/keys.toml:7:1: \"ci2\" and \"ci\" (line 1) give acme/api the same key with different labels",
        ),
        ("[[key]\n".into(), ForgeKind::Cloud, "conf/keys.toml:1:"),
        (
            decl("").replace("label = \"ci\"\n", ""),
            ForgeKind::Cloud,
            "missing field `label`",
        ),
    ];
    for (text, forge, expected) in cases {
        let errors = parse(&text, forge).expect_err(&text);
        assert!(
            errors.iter().any(|e| e.contains(expected)),
            "expected {expected:?} for\n{text}\ngot {errors:#?}"
        );
        for e in &errors {
            assert!(!e.contains("b3BlbnNzaC1rZXktdjE"), "key material in {e}");
        }
    }
}

#[test]
fn every_mistake_is_reported_at_once() {
    let text = format!(
        "[[key]]\nname = \"a\"\npublic_key = \"keys/404.pub\"\nlabel = \"x-{{bad}}\"\nrepos = [\"nope\"]\npermission = \"write\"\n\n[[key]]\nname = \"b\"\npublic_key = \"{}\"\nlabel = \"b\"\nrepos = [\"acme/*\"]\n",
        key(0)
    );
    let errors = parse(&text, ForgeKind::Cloud).unwrap_err();
    assert_eq!(errors.len(), 4, "{errors:#?}");
    let lines: Vec<&str> = errors
        .iter()
        .map(|e| e.split(':').nth(1).unwrap_or_default())
        .collect();
    assert_eq!(lines, ["3", "4", "5", "6"]);
}
