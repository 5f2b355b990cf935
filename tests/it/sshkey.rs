//! `bbkeys::sshkey` against `ssh-keygen`: recorded output for the demo key set and for crafted
//! FIDO and non-canonical keys, freshly generated keys when `ssh-keygen` is installed, one test
//! per refusal, and property tests for "never panics".

use std::path::Path;
use std::process::Command;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bbkeys::sshkey::{Fingerprint, KeyError, PublicKey, Strength};
use proptest::prelude::*;

const DEMO_KEYS: &str = include_str!("../../src/demo/keys.txt");
const DEMO_FINGERPRINTS: &str = include_str!("../fixtures/demo-key-fingerprints.txt");
const SK_KEYS: &str = include_str!("../fixtures/sk-keys.txt");
const SK_FINGERPRINTS: &str = include_str!("../fixtures/sk-key-fingerprints.txt");
const NONCANONICAL_KEYS: &str = include_str!("../fixtures/noncanonical-keys.txt");
const NONCANONICAL_FINGERPRINTS: &str =
    include_str!("../fixtures/noncanonical-key-fingerprints.txt");

/// One line of `ssh-keygen -lf` output, plus the MD5 column our fixtures add after a TAB.
#[derive(Debug, PartialEq)]
struct Expected {
    bits: u32,
    sha256: String,
    comment: String,
    short_type: String,
    md5: Option<String>,
}

fn parse_keygen_line(line: &str) -> Expected {
    let (lf, md5) = match line.split_once('\t') {
        Some((lf, md5)) => (lf, Some(md5.trim().to_owned())),
        None => (line, None),
    };
    let (bits, rest) = lf.trim().split_once(' ').unwrap();
    let (sha256, rest) = rest.split_once(' ').unwrap();
    let (comment, short_type) = rest.rsplit_once(" (").unwrap();
    Expected {
        bits: bits.parse().unwrap(),
        sha256: sha256.to_owned(),
        comment: comment.to_owned(),
        short_type: short_type.trim_end_matches(')').to_owned(),
        md5,
    }
}

fn actual(key: &PublicKey, with_md5: bool) -> Expected {
    Expected {
        bits: key.bits(),
        sha256: key.fingerprint().to_string(),
        comment: key.comment().unwrap_or("no comment").to_owned(),
        short_type: key.short_type().to_owned(),
        md5: with_md5.then(|| key.md5_fingerprint()),
    }
}

fn pairs<'a>(keys: &'a str, fingerprints: &'a str) -> Vec<(&'a str, Expected)> {
    let keys: Vec<&str> = keys.lines().collect();
    let expected: Vec<Expected> = fingerprints.lines().map(parse_keygen_line).collect();
    assert_eq!(keys.len(), expected.len(), "fixture files out of step");
    keys.into_iter().zip(expected).collect()
}

fn demo_line(n: usize) -> &'static str {
    DEMO_KEYS.lines().nth(n - 1).unwrap()
}

/// Demo line 1: an ed25519 key used as the base of most refusal tests.
fn ed25519_line() -> &'static str {
    demo_line(1)
}

fn blob_of(line: &str) -> Vec<u8> {
    STANDARD.decode(line.split(' ').nth(1).unwrap()).unwrap()
}

/// Wire-format fields of a blob (length-prefixed strings).
fn fields_of(blob: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut rest = blob;
    while rest.len() >= 4 {
        let len = u32::from_be_bytes(rest[..4].try_into().unwrap()) as usize;
        out.push(rest[4..4 + len].to_vec());
        rest = &rest[4 + len..];
    }
    out
}

fn blob(fields: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::new();
    for f in fields {
        out.extend_from_slice(&(f.len() as u32).to_be_bytes());
        out.extend_from_slice(f);
    }
    out
}

fn line(key_type: &str, blob: &[u8]) -> String {
    format!("{key_type} {}", STANDARD.encode(blob))
}

// --- 1. The demo key set against recorded `ssh-keygen -lf` output ---------------------------

#[test]
fn every_demo_key_matches_ssh_keygen() {
    let pairs = pairs(DEMO_KEYS, DEMO_FINGERPRINTS);
    assert_eq!(pairs.len(), 107);
    let mut refused = 0;
    for (text, expected) in pairs {
        let lenient = PublicKey::from_server(text).unwrap();
        assert_eq!(actual(&lenient, true), expected, "{text}");
        match PublicKey::parse(text) {
            Ok(strict) => {
                assert_eq!(strict, lenient);
                assert_eq!(actual(&strict, true), expected, "{text}");
            }
            Err(e) => {
                // Only the RSA 1024 keys of the set are refused, and for that reason alone.
                assert_eq!(expected.short_type, "RSA", "{text}: {e}");
                assert_eq!(
                    e,
                    KeyError::RsaTooSmall {
                        bits: expected.bits
                    }
                );
                assert!(expected.bits < 2048);
                refused += 1;
            }
        }
    }
    assert_eq!(refused, 3, "the demo set holds three RSA 1024 keys");
}

#[test]
fn demo_keys_have_the_expected_types_and_strengths() {
    let mut seen = std::collections::BTreeMap::new();
    for text in DEMO_KEYS.lines() {
        let key = PublicKey::from_server(text).unwrap();
        assert_eq!(key.key_type(), text.split(' ').next().unwrap());
        let expected = match (key.short_type(), key.bits()) {
            ("DSA", _) => Strength::Weak,
            ("RSA", b) if b < 2048 => Strength::Weak,
            ("RSA", 2048) => Strength::Legacy,
            _ => Strength::Good,
        };
        assert_eq!(key.strength(), expected, "{text}");
        *seen
            .entry((key.key_type().to_owned(), key.bits()))
            .or_insert(0) += 1;
    }
    let count = |t: &str, b: u32| seen.get(&(t.to_owned(), b)).copied().unwrap_or(0);
    assert_eq!(count("ssh-ed25519", 256), 44);
    assert_eq!(count("ecdsa-sha2-nistp256", 256), 14);
    assert_eq!(count("ecdsa-sha2-nistp384", 384), 6);
    assert_eq!(count("ecdsa-sha2-nistp521", 521), 4);
    assert_eq!(count("ssh-rsa", 3072), 16);
    assert_eq!(count("ssh-rsa", 4096), 8);
    assert_eq!(count("ssh-rsa", 2048), 10);
    assert_eq!(count("ssh-rsa", 1024), 3);
    assert_eq!(count("ssh-dss", 1024), 2);
}

#[test]
fn server_form_without_comment_is_the_same_key() {
    for text in DEMO_KEYS.lines() {
        let with = PublicKey::from_server(text).unwrap();
        let without = PublicKey::from_server(&with.to_openssh()).unwrap();
        assert_eq!(without.comment(), None);
        assert_eq!(without, with, "equality ignores the comment");
        assert_eq!(without.fingerprint(), with.fingerprint());
        // Canonical keys re-encode to exactly what ssh-keygen wrote.
        let (type_and_data, _) = text.rsplit_once(' ').unwrap();
        assert_eq!(with.to_openssh(), type_and_data);
    }
}

// --- 6. Round trip ------------------------------------------------------------------------

#[test]
fn round_trip_through_to_openssh_with_comment() {
    for text in DEMO_KEYS.lines().chain(SK_KEYS.lines()) {
        let key = PublicKey::from_server(text).unwrap();
        let again = PublicKey::from_server(&key.to_openssh_with_comment()).unwrap();
        assert_eq!(again, key);
        assert_eq!(again.comment(), key.comment());
        assert_eq!(again.fingerprint(), key.fingerprint());
        assert_eq!(key.to_openssh_with_comment(), text);
        if key.strength() != Strength::Weak || key.short_type() == "DSA" {
            assert_eq!(
                PublicKey::parse(&key.to_openssh_with_comment()).unwrap(),
                key
            );
        }
    }
}

// --- 3. Crafted FIDO keys and non-canonical encodings -------------------------------------

#[test]
fn security_key_types_match_ssh_keygen() {
    let pairs = pairs(SK_KEYS, SK_FINGERPRINTS);
    assert_eq!(pairs.len(), 4);
    let mut types = std::collections::BTreeSet::new();
    for (text, expected) in pairs {
        let key = PublicKey::parse(text).unwrap();
        assert_eq!(actual(&key, true), expected, "{text}");
        assert_eq!(key.strength(), Strength::Good);
        types.insert(key.key_type().to_owned());
    }
    let expected_types = [
        "sk-ecdsa-sha2-nistp256@openssh.com",
        "sk-ssh-ed25519@openssh.com",
    ];
    assert_eq!(types.into_iter().collect::<Vec<_>>(), expected_types);
}

#[test]
fn security_key_application_is_part_of_the_key() {
    let keys: Vec<PublicKey> = SK_KEYS
        .lines()
        .map(|l| PublicKey::parse(l).unwrap())
        .collect();
    // Same point, different application string: different keys, as ssh-keygen says.
    assert_ne!(keys[0], keys[1]);
    assert_ne!(keys[2], keys[3]);
}

#[test]
fn non_canonical_numbers_fingerprint_like_ssh_keygen() {
    for (text, expected) in pairs(NONCANONICAL_KEYS, NONCANONICAL_FINGERPRINTS) {
        let key = PublicKey::parse(text).unwrap();
        assert_eq!(actual(&key, true), expected, "{text}");
        // The re-encoding drops the superfluous zero bytes and so equals the demo key it was
        // made from (gen-crafted-keys.py).
        let (type_and_data, _) = text.rsplit_once(' ').unwrap();
        assert_ne!(key.to_openssh(), type_and_data);
        let original = DEMO_KEYS
            .lines()
            .map(|l| PublicKey::from_server(l).unwrap())
            .find(|k| k.fingerprint() == key.fingerprint())
            .unwrap();
        assert_eq!(key.to_openssh(), original.to_openssh());
        assert_eq!(key, original);
    }
}

// --- 2. Fresh keys from ssh-keygen --------------------------------------------------------

fn ssh_keygen_available() -> bool {
    Command::new("ssh-keygen")
        .arg("-?")
        .output()
        .is_ok_and(|o| !o.stderr.is_empty() || !o.stdout.is_empty())
}

fn keygen(args: &[&str], file: &Path) -> Option<String> {
    let out = Command::new("ssh-keygen")
        .args(args)
        .arg(file)
        .output()
        .unwrap();
    out.status
        .success()
        .then(|| String::from_utf8(out.stdout).unwrap())
}

#[test]
fn freshly_generated_keys_match_ssh_keygen() {
    if !ssh_keygen_available() {
        println!("skipped freshly_generated_keys_match_ssh_keygen: ssh-keygen is not on PATH");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let kinds: [(&str, Option<&str>); 8] = [
        ("ed25519", None),
        ("ecdsa", Some("256")),
        ("ecdsa", Some("384")),
        ("ecdsa", Some("521")),
        ("rsa", Some("2048")),
        ("rsa", Some("3072")),
        ("rsa", Some("1024")),
        ("dsa", Some("1024")),
    ];
    let mut checked = 0;
    for (i, (kind, bits)) in kinds.into_iter().enumerate() {
        let file = dir.path().join(format!("key{i}"));
        let comment = format!("fresh {kind} key@test");
        let mut args = vec!["-q", "-t", kind, "-N", "", "-C", &comment];
        if let Some(b) = bits {
            args.extend(["-b", b]);
        }
        args.push("-f");
        if keygen(&args, &file).is_none() {
            // OpenSSH 10 dropped DSA; newer builds may refuse RSA 1024 too.
            println!("skipped {kind} {bits:?}: this ssh-keygen does not generate it");
            continue;
        }
        let public = file.with_extension("pub");
        let text = std::fs::read_to_string(&public).unwrap();
        let lf = keygen(&["-lf"], &public).unwrap();
        let md5 = keygen(&["-E", "md5", "-lf"], &public).unwrap();
        let mut expected = parse_keygen_line(&lf);
        expected.md5 = Some(parse_keygen_line(&md5).sha256);

        let key = PublicKey::from_server(&text).unwrap();
        assert_eq!(actual(&key, true), expected, "{kind} {bits:?}");
        match PublicKey::parse(&text) {
            Ok(strict) => assert_eq!(actual(&strict, true), expected),
            Err(e) => assert_eq!(e, KeyError::RsaTooSmall { bits: key.bits() }),
        }
        // The private half is refused as such.
        let private = std::fs::read_to_string(&file).unwrap();
        assert_eq!(PublicKey::parse(&private), Err(KeyError::PrivateKey));
        assert_eq!(PublicKey::from_server(&private), Err(KeyError::PrivateKey));
        checked += 1;
    }
    assert!(
        checked >= 6,
        "ed25519, ecdsa and rsa are always generatable"
    );
}

/// The curve check must refuse what ssh-keygen refuses: a P-256 point moved off the curve.
#[test]
fn point_off_the_curve_is_refused_like_ssh_keygen_does() {
    let text = demo_line(45);
    let mut fields = fields_of(&blob_of(text));
    *fields[2].last_mut().unwrap() ^= 1;
    let refs: Vec<&[u8]> = fields.iter().map(Vec::as_slice).collect();
    let bad = line("ecdsa-sha2-nistp256", &blob(&refs));
    assert_eq!(
        PublicKey::from_server(&bad),
        Err(KeyError::InvalidKeyData {
            key_type: "ecdsa-sha2-nistp256".into(),
            reason: "the point is not on the curve",
        })
    );
    if !ssh_keygen_available() {
        println!("ssh-keygen is not on PATH: not cross-checking the off-curve point");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.pub");
    std::fs::write(&file, format!("{bad} off-curve\n")).unwrap();
    assert_eq!(
        keygen(&["-lf"], &file),
        None,
        "ssh-keygen accepted an off-curve point"
    );
}

// --- Normalisation ------------------------------------------------------------------------

#[test]
fn surrounding_whitespace_and_inner_blank_runs_are_accepted() {
    let base = PublicKey::parse(ed25519_line()).unwrap();
    let (key_type, rest) = ed25519_line().split_once(' ').unwrap();
    let (data, comment) = rest.split_once(' ').unwrap();
    for text in [
        format!("{}\n", ed25519_line()),
        format!("{}\r\n", ed25519_line()),
        format!("  \t{}  \t\r\n\n", ed25519_line()),
        format!("\n\n{}\n", ed25519_line()),
        format!("{key_type} \t  {data}\t\t{comment}"),
        format!("\u{feff}{}", ed25519_line()),
    ] {
        let key = PublicKey::parse(&text).unwrap();
        assert_eq!(key, base);
        assert_eq!(key.comment(), Some(comment));
    }
}

#[test]
fn comment_keeps_inner_spacing_and_may_be_absent() {
    let (type_and_data, _) = ed25519_line().rsplit_once(' ').unwrap();
    let key = PublicKey::parse(&format!("{type_and_data} alice  at  laptop ")).unwrap();
    assert_eq!(key.comment(), Some("alice  at  laptop"));
    assert_eq!(
        key.to_openssh_with_comment(),
        format!("{type_and_data} alice  at  laptop")
    );
    let bare = PublicKey::parse(type_and_data).unwrap();
    assert_eq!(bare.comment(), None);
    assert_eq!(bare.to_openssh_with_comment(), type_and_data);
    assert_eq!(bare, key);
}

#[test]
fn from_server_accepts_weak_keys_and_control_characters_in_the_comment() {
    let rsa1024 = demo_line(103);
    assert_eq!(
        PublicKey::from_server(rsa1024).unwrap().strength(),
        Strength::Weak
    );
    let dsa = demo_line(106);
    assert_eq!(PublicKey::parse(dsa).unwrap().strength(), Strength::Weak);
    let (type_and_data, _) = ed25519_line().rsplit_once(' ').unwrap();
    let odd = format!("{type_and_data} bell\u{7}");
    assert!(PublicKey::from_server(&odd).is_ok());
    assert!(matches!(
        PublicKey::parse(&odd),
        Err(KeyError::ControlCharacter { .. })
    ));
}

// --- 4. One test per refusal --------------------------------------------------------------

const PEM_RSA_PRIVATE: &str = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAs3cr3tn0tAr34lk3y\n-----END RSA PRIVATE KEY-----\n";
const OPENSSH_PRIVATE: &str = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\nQyNTUxOQAAACCdukknRBwSfm7tx7ON9UL/KHmCCja50Rt6cC8co4/1GgAAAJhs3cr3t\n-----END OPENSSH PRIVATE KEY-----\n";
const PUTTY_PRIVATE: &str = "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: s3cr3t\nPublic-Lines: 2\nAAAAC3NzaC1lZDI1NTE5AAAAIJ26SSdEHBJ+bu3Hs431Qv8oeYIKNrnRG3pwLxyjj/Ua\nPrivate-Lines: 1\nAAAAIHs3cr3ts3cr3t\nPrivate-MAC: 00\n";

#[test]
fn refuses_pem_private_keys() {
    for kind in ["RSA ", "EC ", "DSA ", "", "ENCRYPTED "] {
        let pem = PEM_RSA_PRIVATE.replace("RSA ", kind);
        assert_eq!(PublicKey::parse(&pem), Err(KeyError::PrivateKey), "{kind}");
    }
}

#[test]
fn refuses_openssh_private_keys_even_without_armour() {
    assert_eq!(PublicKey::parse(OPENSSH_PRIVATE), Err(KeyError::PrivateKey));
    let body = OPENSSH_PRIVATE.lines().nth(1).unwrap();
    assert_eq!(PublicKey::parse(body), Err(KeyError::PrivateKey));
    let message = KeyError::PrivateKey.to_string();
    assert!(message.contains("PRIVATE key"), "{message}");
    assert!(message.contains("never paste"), "{message}");
    assert!(message.contains(".pub"), "{message}");
}

#[test]
fn refuses_putty_private_keys() {
    assert_eq!(
        PublicKey::parse(PUTTY_PRIVATE),
        Err(KeyError::PuttyPrivateKey)
    );
    let message = KeyError::PuttyPrivateKey.to_string();
    assert!(message.contains("PRIVATE key"), "{message}");
    assert!(message.contains("never paste"), "{message}");
}

#[test]
fn refuses_ssh2_public_key_blocks() {
    let block = "---- BEGIN SSH2 PUBLIC KEY ----\nComment: \"ed25519-key\"\nAAAAC3NzaC1lZDI1NTE5AAAAIJ26SSdEHBJ+bu3Hs431Qv8oeYIKNrnRG3pwLxyjj/Ua\n---- END SSH2 PUBLIC KEY ----\n";
    assert_eq!(PublicKey::parse(block), Err(KeyError::Ssh2PublicKey));
    assert!(
        KeyError::Ssh2PublicKey
            .to_string()
            .contains("ssh-keygen -i -f")
    );
}

#[test]
fn refuses_pem_public_keys() {
    let pem = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAnbpJJ0QcEn5u7cezjfVC/yh5ggo2udEbenAvHKOP9Ro=\n-----END PUBLIC KEY-----\n";
    assert_eq!(PublicKey::parse(pem), Err(KeyError::PemPublicKey));
    assert!(
        KeyError::PemPublicKey
            .to_string()
            .contains("ssh-keygen -i -m PKCS8")
    );
}

#[test]
fn refuses_two_pasted_lines() {
    let (a, b) = (demo_line(1), demo_line(2));
    for text in [
        format!("{a}\n{b}"),
        format!("{a}\r\n{b}\r\n"),
        format!("{a}\n\n  \n{b}\n"),
        format!("{a}\r{b}"),
        format!("{a}\u{2028}{b}"),
    ] {
        assert_eq!(
            PublicKey::parse(&text),
            Err(KeyError::MultipleLines { lines: 2 })
        );
        // The lenient form refuses too: never a key with another hidden behind it.
        assert_eq!(
            PublicKey::from_server(&text),
            Err(KeyError::MultipleLines { lines: 2 })
        );
    }
    let message = KeyError::MultipleLines { lines: 2 }.to_string();
    assert!(message.contains("one key at a time") && message.contains("one key per line"));
}

#[test]
fn refuses_a_second_key_in_the_comment() {
    let text = format!("{} {}", demo_line(1), demo_line(50));
    assert_eq!(PublicKey::parse(&text), Err(KeyError::SecondKeyInComment));
    // A comment that merely names a key type is fine.
    let (type_and_data, _) = ed25519_line().rsplit_once(' ').unwrap();
    assert!(PublicKey::parse(&format!("{type_and_data} replaces ssh-rsa key")).is_ok());
}

#[test]
fn refuses_authorized_keys_options() {
    let key = ed25519_line();
    for options in [
        "from=\"10.0.0.0/8\"",
        "command=\"echo hello world\"",
        "no-pty",
        "restrict",
        "restrict,command=\"uptime\"",
        "cert-authority",
        "no-port-forwarding,no-agent-forwarding",
        "environment=\"A=b\" tunnel=\"0\"",
    ] {
        let text = format!("{options} {key}");
        assert_eq!(PublicKey::parse(&text), Err(KeyError::Options), "{options}");
    }
    // An option alone, with the key lost.
    assert_eq!(PublicKey::parse("no-pty"), Err(KeyError::Options));
    assert!(
        KeyError::Options
            .to_string()
            .contains("remove everything before the key type")
    );
}

#[test]
fn refuses_control_characters_and_names_the_position() {
    let key = ed25519_line();
    // "ssh-ed25519 " is 12 characters and the base64 68, so the comment starts at 82.
    let with_escape = key.replacen(" ci-1", " \u{1b}[31mci-1", 1);
    assert_eq!(
        PublicKey::parse(&with_escape),
        Err(KeyError::ControlCharacter {
            position: 82,
            code: 0x1b
        })
    );
    // Positions count from the start of what was pasted, leading blanks included.
    assert_eq!(
        PublicKey::parse(&format!("  {with_escape}")),
        Err(KeyError::ControlCharacter {
            position: 84,
            code: 0x1b
        })
    );
    let with_nul = key.replacen("ssh-ed25519", "ssh-ed2551\u{0}9", 1);
    assert_eq!(
        PublicKey::parse(&with_nul),
        Err(KeyError::ControlCharacter {
            position: 11,
            code: 0
        })
    );
    let with_bidi = format!("{key}\u{202e}");
    assert!(matches!(
        PublicKey::parse(&with_bidi),
        Err(KeyError::ControlCharacter { code: 0x202e, .. })
    ));
    let message = KeyError::ControlCharacter {
        position: 82,
        code: 0x1b,
    }
    .to_string();
    assert!(
        message.contains("U+001B") && message.contains("position 82"),
        "{message}"
    );
}

#[test]
fn refuses_empty_input() {
    for text in ["", "   ", "\n", " \t\r\n ", "\u{feff}"] {
        assert_eq!(PublicKey::parse(text), Err(KeyError::Empty), "{text:?}");
        assert_eq!(
            PublicKey::from_server(text),
            Err(KeyError::Empty),
            "{text:?}"
        );
    }
}

#[test]
fn refuses_overlong_input() {
    let text = format!("{} {}", ed25519_line(), "x".repeat(17 * 1024));
    assert!(matches!(
        PublicKey::parse(&text),
        Err(KeyError::TooLong { limit: 16384, .. })
    ));
}

#[test]
fn refuses_unknown_key_types_and_lists_the_accepted_ones() {
    let data = ed25519_line().split(' ').nth(1).unwrap();
    let err = PublicKey::parse(&format!("ssh-ed448 {data}")).unwrap_err();
    assert_eq!(
        err,
        KeyError::UnknownKeyType {
            found: Some("ssh-ed448".into())
        }
    );
    let message = err.to_string();
    for accepted in bbkeys::sshkey::ACCEPTED_KEY_TYPES {
        assert!(message.contains(accepted), "{message} lacks {accepted}");
    }
    // A word that does not look like a key type is not repeated: it may be a password.
    let err = PublicKey::parse("hunter2-s3cr3t and more").unwrap_err();
    assert_eq!(err, KeyError::UnknownKeyType { found: None });
    assert!(!err.to_string().contains("s3cr3t"));
}

#[test]
fn refuses_key_data_without_its_type() {
    let data = ed25519_line().split(' ').nth(1).unwrap();
    assert_eq!(PublicKey::parse(data), Err(KeyError::MissingKeyType));
}

#[test]
fn refuses_a_type_without_key_data() {
    assert_eq!(
        PublicKey::parse("ssh-ed25519 \n"),
        Err(KeyError::MissingKeyData {
            key_type: "ssh-ed25519".into()
        })
    );
}

#[test]
fn refuses_certificates() {
    let fields = fields_of(&blob_of(ed25519_line()));
    let cert_type = "ssh-ed25519-cert-v01@openssh.com";
    let cert = line(
        cert_type,
        &blob(&[cert_type.as_bytes(), &[0; 32], &fields[1]]),
    );
    let expected = KeyError::Certificate {
        key_type: cert_type.into(),
    };
    assert_eq!(PublicKey::parse(&cert), Err(expected.clone()));
    assert_eq!(PublicKey::from_server(&cert), Err(expected));
    // Declared as a plain key, the data still gives the certificate away.
    let disguised = line("ssh-ed25519", &blob(&[cert_type.as_bytes(), &[0; 32]]));
    assert_eq!(
        PublicKey::parse(&disguised),
        Err(KeyError::TypeMismatch {
            declared: "ssh-ed25519".into(),
            embedded: Some(cert_type.into())
        })
    );
}

#[test]
fn refuses_bad_base64() {
    let key = ed25519_line();
    // Character 10 of the data replaced by '*'.
    let mut bad = key.to_owned();
    bad.replace_range(12 + 9..12 + 10, "*");
    assert_eq!(
        PublicKey::parse(&bad),
        Err(KeyError::InvalidBase64 { position: Some(10) })
    );
    // ecdsa-sha2-nistp256 data ends in one '=' of padding; OpenSSH requires it.
    let unpadded = demo_line(45).replacen("= ", " ", 1);
    assert_ne!(unpadded, demo_line(45));
    assert!(matches!(
        PublicKey::parse(&unpadded),
        Err(KeyError::InvalidBase64 { .. })
    ));
    assert!(
        KeyError::InvalidBase64 { position: Some(10) }
            .to_string()
            .contains("character 10")
    );
}

#[test]
fn refuses_a_type_that_differs_from_the_data() {
    let data = ed25519_line().split(' ').nth(1).unwrap();
    assert_eq!(
        PublicKey::parse(&format!("ssh-rsa {data}")),
        Err(KeyError::TypeMismatch {
            declared: "ssh-rsa".into(),
            embedded: Some("ssh-ed25519".into())
        })
    );
    let garbage = line("ssh-ed25519", &blob(&[b"s3cr3t", &[0; 32]]));
    let err = PublicKey::parse(&garbage).unwrap_err();
    assert_eq!(
        err,
        KeyError::TypeMismatch {
            declared: "ssh-ed25519".into(),
            embedded: None
        }
    );
    assert!(!err.to_string().contains("s3cr3t"));
}

#[test]
fn refuses_truncated_key_data() {
    for n in [1, 45, 80, 103, 106] {
        let text = demo_line(n);
        let key_type = text.split(' ').next().unwrap();
        let full = blob_of(text);
        for cut in [1, 2, 5, full.len() / 2, full.len() - 1] {
            let short = line(key_type, &full[..full.len() - cut]);
            assert_eq!(
                PublicKey::from_server(&short),
                Err(KeyError::TruncatedBlob {
                    key_type: key_type.into()
                }),
                "line {n} cut by {cut}"
            );
        }
    }
}

#[test]
fn refuses_trailing_bytes_after_the_key() {
    for n in [1, 45, 60, 66, 80, 106] {
        let text = demo_line(n);
        let key_type = text.split(' ').next().unwrap();
        let mut long = blob_of(text);
        long.extend_from_slice(&[0, 0, 0, 0]);
        assert_eq!(
            PublicKey::from_server(&line(key_type, &long)),
            Err(KeyError::TrailingData {
                key_type: key_type.into()
            }),
            "line {n}"
        );
    }
}

#[test]
fn refuses_key_data_that_cannot_be_a_key() {
    let invalid = |key_type: &str, reason| KeyError::InvalidKeyData {
        key_type: key_type.into(),
        reason,
    };
    let short_point = line("ssh-ed25519", &blob(&[b"ssh-ed25519", &[7; 31]]));
    assert_eq!(
        PublicKey::parse(&short_point),
        Err(invalid(
            "ssh-ed25519",
            "an Ed25519 public key is 32 bytes long"
        ))
    );
    let ec = fields_of(&blob_of(demo_line(45)));
    let wrong_curve = line("ecdsa-sha2-nistp256", &blob(&[&ec[0], b"nistp384", &ec[2]]));
    assert_eq!(
        PublicKey::parse(&wrong_curve),
        Err(invalid(
            "ecdsa-sha2-nistp256",
            "the curve name does not match the key type"
        ))
    );
    let mut compressed = ec[2][..33].to_vec();
    compressed[0] = 2;
    let compressed = line("ecdsa-sha2-nistp256", &blob(&[&ec[0], &ec[1], &compressed]));
    assert!(matches!(
        PublicKey::parse(&compressed),
        Err(KeyError::InvalidKeyData { .. })
    ));
    let rsa = fields_of(&blob_of(demo_line(80)));
    let negative = line("ssh-rsa", &blob(&[&rsa[0], &rsa[1], &rsa[2][1..]]));
    assert_eq!(
        PublicKey::parse(&negative),
        Err(invalid("ssh-rsa", "it holds a negative number"))
    );
    let even_exponent = line("ssh-rsa", &blob(&[&rsa[0], &[2], &rsa[2]]));
    assert_eq!(
        PublicKey::parse(&even_exponent),
        Err(invalid(
            "ssh-rsa",
            "the public exponent cannot belong to an RSA key"
        ))
    );
}

#[test]
fn refuses_rsa_under_2048_bits() {
    let err = PublicKey::parse(demo_line(103)).unwrap_err();
    assert_eq!(err, KeyError::RsaTooSmall { bits: 1024 });
    let message = err.to_string();
    assert!(
        message.contains("Bitbucket refuses RSA keys under 2048 bits"),
        "{message}"
    );
    assert!(message.contains("ssh-keygen -t ed25519"), "{message}");
}

/// Every refusal above, collected: each message is its own, and none repeats the input.
#[test]
fn every_refusal_has_its_own_message_and_never_echoes_the_input() {
    let secret = "s3cr3t";
    let key = ed25519_line();
    let (type_and_data, _) = key.rsplit_once(' ').unwrap();
    let data = type_and_data.split(' ').nth(1).unwrap();
    let with_secret = |t: &str| format!("{t} {secret}");
    let inputs = vec![
        String::new(),
        format!("{} {secret}", "x".repeat(20_000)),
        PEM_RSA_PRIVATE.replace("MIIE", secret),
        PUTTY_PRIVATE.to_owned(),
        format!("---- BEGIN SSH2 PUBLIC KEY ----\n{secret}\n---- END SSH2 PUBLIC KEY ----"),
        format!("-----BEGIN PUBLIC KEY-----\n{secret}\n-----END PUBLIC KEY-----"),
        format!("{key} {secret}\n{key}"),
        format!("{type_and_data} {secret} {}", demo_line(2)),
        format!("{type_and_data} {secret}\u{7}"),
        format!("command=\"{secret}\" {key}"),
        format!("{secret} {data}"),
        data.to_owned(),
        "ssh-ed25519".to_owned(),
        with_secret(&line("ssh-rsa-cert-v01@openssh.com", &blob_of(key))),
        with_secret(&format!("ssh-ed25519 {secret}")),
        with_secret(&format!("ssh-rsa {data}")),
        with_secret(&line("ssh-ed25519", &blob_of(key)[..40])),
        with_secret(&line("ssh-ed25519", &[blob_of(key), vec![1]].concat())),
        with_secret(&line("ssh-ed25519", &blob(&[b"ssh-ed25519", &[1; 31]]))),
        with_secret(demo_line(103).rsplit_once(' ').unwrap().0),
    ];
    let mut messages = std::collections::BTreeSet::new();
    let mut variants = std::collections::BTreeSet::new();
    for input in &inputs {
        let err = PublicKey::parse(input).unwrap_err();
        let message = err.to_string();
        assert!(!message.contains(secret), "{message}");
        assert!(!message.contains(data), "{message}");
        let variant = format!("{err:?}");
        variants.insert(variant.split([' ', '{']).next().unwrap().to_owned());
        messages.insert(message);
    }
    for fingerprint in [
        "MD5:7d:75:d8:59:f3:19:09:53:ea:17:37:0a:93:fa:db:22",
        secret,
        "SHA256:s3cr3t",
    ] {
        let err = Fingerprint::parse(fingerprint).unwrap_err();
        assert!(!err.to_string().contains(secret));
        variants.insert(format!("{err:?}"));
        messages.insert(err.to_string());
    }
    assert_eq!(
        variants.len(),
        inputs.len() + 3,
        "one variant per refusal: {variants:?}"
    );
    assert_eq!(messages.len(), inputs.len() + 3, "one message per refusal");
}

// --- Fingerprint::parse --------------------------------------------------------------------

#[test]
fn fingerprint_parse_accepts_ssh_keygen_output_and_tolerates_padding() {
    for (text, expected) in pairs(DEMO_KEYS, DEMO_FINGERPRINTS) {
        let key = PublicKey::from_server(text).unwrap();
        let parsed = Fingerprint::parse(&expected.sha256).unwrap();
        assert_eq!(parsed, key.fingerprint());
        assert_eq!(parsed.as_str(), expected.sha256);
        assert_eq!(
            Fingerprint::parse(&format!("  {}=\n", expected.sha256)).unwrap(),
            parsed
        );
        let lower = expected.sha256.replacen("SHA256:", "sha256:", 1);
        assert_eq!(lower.parse::<Fingerprint>().unwrap(), parsed);
    }
}

#[test]
fn fingerprint_parse_refuses_other_forms() {
    let good = "SHA256:WVwdVcjLeHrHKjCq+r0SGHiqW850qEBPr5+1wwMdG6M";
    assert!(Fingerprint::parse(good).is_ok());
    assert_eq!(
        Fingerprint::parse("MD5:7d:75:d8:59:f3:19:09:53:ea:17:37:0a:93:fa:db:22"),
        Err(KeyError::Md5Fingerprint)
    );
    assert_eq!(
        Fingerprint::parse("7d:75:d8:59:f3:19:09:53:ea:17:37:0a:93:fa:db:22"),
        Err(KeyError::Md5Fingerprint)
    );
    assert_eq!(
        Fingerprint::parse(&good["SHA256:".len()..]),
        Err(KeyError::FingerprintNotSha256)
    );
    assert_eq!(Fingerprint::parse(""), Err(KeyError::FingerprintNotSha256));
    for bad in [
        &good[..good.len() - 1],
        &format!("{good}A"),
        &good.replacen('W', "*", 1),
        &good.replacen("SHA256:", "SHA256: ", 1),
        // The last character carries 2 bits that must be zero.
        &good.replacen("G6M", "G6N", 1),
    ] {
        assert_eq!(
            Fingerprint::parse(bad),
            Err(KeyError::InvalidFingerprint),
            "{bad}"
        );
    }
}

// --- 5. Property tests ---------------------------------------------------------------------

fn config() -> ProptestConfig {
    // A fixed seed keeps CI deterministic; props.rs has the long, ignored run.
    ProptestConfig {
        cases: 256,
        failure_persistence: None,
        rng_seed: proptest::test_runner::RngSeed::Fixed(0x6262_6b65_7973),
        ..ProptestConfig::default()
    }
}

/// All the valid lines the tests know, to mutate.
fn valid_lines() -> Vec<&'static str> {
    DEMO_KEYS
        .lines()
        .chain(SK_KEYS.lines())
        .chain(NONCANONICAL_KEYS.lines())
        .collect()
}

#[derive(Debug, Clone)]
enum Mutation {
    Truncate(usize),
    Replace(usize, char),
    Insert(usize, Vec<u8>),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), any::<char>()).prop_map(|(at, c)| Mutation::Replace(at, c)),
        (any::<usize>(), proptest::collection::vec(any::<u8>(), 1..8))
            .prop_map(|(at, bytes)| Mutation::Insert(at, bytes)),
    ]
}

fn apply(bytes: &[u8], m: &Mutation) -> Vec<u8> {
    let mut out = bytes.to_vec();
    match m {
        Mutation::Truncate(at) => out.truncate(at % (bytes.len() + 1)),
        Mutation::Replace(at, c) => {
            if !out.is_empty() {
                let at = at % out.len();
                let mut buf = [0; 4];
                out.splice(at..at + 1, c.encode_utf8(&mut buf).bytes());
            }
        }
        Mutation::Insert(at, inserted) => {
            let at = at % (out.len() + 1);
            out.splice(at..at, inserted.iter().copied());
        }
    }
    out
}

/// Whatever parses strictly parses leniently too, to the same key, and survives a round trip.
fn check_consistency(text: &str) {
    let strict = PublicKey::parse(text);
    let lenient = PublicKey::from_server(text);
    let _ = Fingerprint::parse(text);
    if let Ok(key) = &strict {
        assert_eq!(lenient.as_ref(), Ok(key));
    }
    if let Ok(key) = lenient {
        let again = PublicKey::from_server(&key.to_openssh_with_comment()).unwrap();
        assert_eq!(again, key);
        assert_eq!(again.fingerprint(), key.fingerprint());
        assert!(key.fingerprint().as_str().starts_with("SHA256:"));
        assert_eq!(
            Fingerprint::parse(key.fingerprint().as_str()),
            Ok(key.fingerprint())
        );
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn never_panics_on_arbitrary_strings(text in any::<String>()) {
        check_consistency(&text);
    }

    #[test]
    fn never_panics_on_key_shaped_strings(
        text in "(ssh-ed25519|ssh-rsa|ssh-dss|ecdsa-sha2-nistp521|sk-ssh-ed25519@openssh.com|SHA256:)?[ \t]{0,2}[A-Za-z0-9+/=]{0,200}[ \t]{0,2}[ -~]{0,20}"
    ) {
        check_consistency(&text);
    }

    #[test]
    fn never_panics_on_mutated_lines(index in any::<prop::sample::Index>(), m in mutation()) {
        let lines = valid_lines();
        let line = index.get(&lines);
        let mutated = apply(line.as_bytes(), &m);
        check_consistency(&String::from_utf8_lossy(&mutated));
    }

    /// Mutations of the decoded blob, re-encoded as valid base64, reach the field parser.
    #[test]
    fn never_panics_on_mutated_blobs(index in any::<prop::sample::Index>(), m in mutation()) {
        let lines = valid_lines();
        let line = index.get(&lines);
        let key_type = line.split(' ').next().unwrap();
        let mutated = apply(&blob_of(line), &m);
        check_consistency(&format!("{key_type} {}", STANDARD.encode(mutated)));
    }

    /// Any length prefix, including ones far beyond the data, is handled.
    #[test]
    fn never_panics_on_forged_length_prefixes(index in any::<prop::sample::Index>(), at in any::<usize>(), len in any::<u32>()) {
        let lines = valid_lines();
        let line = index.get(&lines);
        let key_type = line.split(' ').next().unwrap();
        let mut bytes = blob_of(line);
        let at = at % (bytes.len() - 3);
        bytes[at..at + 4].copy_from_slice(&len.to_be_bytes());
        check_consistency(&format!("{key_type} {}", STANDARD.encode(bytes)));
    }
}
