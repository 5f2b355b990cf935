//! `auth login` and `logout` with a mock token store and scripted answers.

use std::collections::VecDeque;
use std::path::Path;

use bbkeys::bitbucket::client::{ClientOptions, Credential, Secret};
use bbkeys::config::{Config, CredentialEnv, CredentialSource, TokenKind, resolve_credential_with};
use bbkeys::credentials::login::{
    LoginError, LoginRequest, LogoutOutcome, Prompter, StoredIn, login, logout,
};
use bbkeys::credentials::store::{MemoryStore, TokenStore};
use bbkeys::demo::credentials as cred;

use super::sim;

/// Answers questions from a script and records what was asked.
#[derive(Default)]
struct Script {
    lines: VecDeque<String>,
    secrets: VecDeque<String>,
    confirms: VecDeque<bool>,
    asked: Vec<String>,
    said: Vec<String>,
}

impl Prompter for Script {
    fn line(&mut self, prompt: &str) -> Result<String, String> {
        self.asked.push(prompt.to_string());
        self.lines
            .pop_front()
            .ok_or_else(|| "no terminal".to_string())
    }
    fn secret(&mut self, prompt: &str) -> Result<String, String> {
        self.asked.push(prompt.to_string());
        self.secrets
            .pop_front()
            .ok_or_else(|| "no terminal".to_string())
    }
    fn confirm(&mut self, question: &str) -> Result<bool, String> {
        self.asked.push(question.to_string());
        Ok(self.confirms.pop_front().unwrap_or(false))
    }
    fn say(&mut self, message: &str) {
        self.said.push(message.to_string());
    }
}

fn request(api_url: String, path: &Path) -> LoginRequest {
    LoginRequest {
        profile: "work".into(),
        kind: TokenKind::ApiToken,
        email: None,
        token: None,
        store_in_file: false,
        config_path: path.to_path_buf(),
        client: ClientOptions::new(api_url, Credential::None),
    }
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[tokio::test]
async fn interactive_login_stores_in_the_keyring_and_the_chain_finds_it() {
    let sim = sim().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bbkeys").join("config.toml");
    let store = MemoryStore::new();
    let mut script = Script {
        lines: VecDeque::from([cred::EMAIL.to_string()]),
        secrets: VecDeque::from([format!("  {}  ", cred::TOKEN)]),
        ..Default::default()
    };
    let out = login(
        &request(sim.api_url(), &path),
        &Config::default(),
        &mut script,
        &store,
    )
    .await
    .unwrap();
    assert_eq!(out.stored, StoredIn::Keyring);
    assert_eq!(out.account.display_name.as_deref(), Some("Dana Demo"));
    assert!(out.is_default, "the only profile is the default");
    assert_eq!(script.asked.len(), 2, "{:?}", script.asked);
    assert!(script.asked[1].contains("not shown"));
    assert_eq!(store.peek("work").as_deref(), Some(cred::TOKEN));
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(!text.contains(cred::TOKEN), "{text}");
    // The chain reads the keyring for a profile with neither token_command nor token.
    let cfg = Config::load(&path, true).unwrap();
    let r = resolve_credential_with(&cfg, None, &CredentialEnv::default(), &store).unwrap();
    assert_eq!(
        r.source,
        CredentialSource::Keyring {
            profile: "work".into()
        }
    );
    assert_eq!(
        r.credential,
        Credential::ApiToken {
            email: cred::EMAIL.into(),
            token: Secret::new(cred::TOKEN)
        }
    );
    // Logout removes it, and the chain then says how to log in again.
    assert_eq!(
        logout("work", &path, &cfg, &store).unwrap(),
        LogoutOutcome::RemovedFromKeyring
    );
    assert_eq!(store.peek("work"), None);
    let e = resolve_credential_with(&cfg, None, &CredentialEnv::default(), &store).unwrap_err();
    assert!(
        e.to_string().contains("bbkeys auth login --profile work"),
        "{e}"
    );
}

#[tokio::test]
async fn with_token_reads_nothing_from_the_terminal() {
    let sim = sim().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    let store = MemoryStore::new();
    let mut req = request(sim.api_url(), &path);
    req.email = Some(cred::READONLY_EMAIL.into());
    req.token = Some(Secret::new(cred::READONLY_TOKEN));
    let mut script = Script::default();
    let out = login(&req, &Config::default(), &mut script, &store)
        .await
        .unwrap();
    assert!(script.asked.is_empty(), "{:?}", script.asked);
    assert_eq!(out.stored, StoredIn::Keyring);
    assert_eq!(store.peek("work").as_deref(), Some(cred::READONLY_TOKEN));
}

#[tokio::test]
async fn access_tokens_are_stored_without_an_email() {
    let sim = sim().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    let store = MemoryStore::new();
    let mut req = request(sim.api_url(), &path);
    req.kind = TokenKind::AccessToken;
    req.token = Some(Secret::new(cred::ACCESS_TOKEN));
    login(&req, &Config::default(), &mut Script::default(), &store)
        .await
        .unwrap();
    let cfg = Config::load(&path, true).unwrap();
    assert_eq!(cfg.profiles["work"].kind, TokenKind::AccessToken);
    assert_eq!(cfg.profiles["work"].email, None);
    let r = resolve_credential_with(&cfg, Some("work"), &CredentialEnv::default(), &store).unwrap();
    assert!(matches!(r.credential, Credential::Bearer { .. }));
}

#[cfg(unix)]
#[tokio::test]
async fn without_a_keyring_the_file_needs_consent_and_is_private() {
    let sim = sim().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    let store = MemoryStore::unavailable("no secret service is running");
    let mut req = request(sim.api_url(), &path);
    req.email = Some(cred::EMAIL.into());
    req.token = Some(Secret::new(cred::TOKEN));

    // Declined (the default answer): the token is verified but written nowhere.
    let mut no = Script::default();
    let e = login(&req, &Config::default(), &mut no, &store)
        .await
        .unwrap_err();
    assert!(matches!(e, LoginError::NotStored(_)), "{e}");
    assert!(e.to_string().contains("--store-in-file"), "{e}");
    assert!(
        no.said[0].contains("no secret service is running"),
        "{:?}",
        no.said
    );
    assert!(no.asked[0].contains("mode 0600"), "{:?}", no.asked);
    assert!(!path.exists());

    // Accepted: the token goes into a 0600 file, and the chain uses it.
    let mut yes = Script {
        confirms: VecDeque::from([true]),
        ..Default::default()
    };
    let out = login(&req, &Config::default(), &mut yes, &store)
        .await
        .unwrap();
    assert_eq!(out.stored, StoredIn::ConfigFile(path.clone()));
    assert_eq!(mode(&path), 0o600);
    let cfg = Config::load(&path, true).unwrap();
    let r = resolve_credential_with(&cfg, None, &CredentialEnv::default(), &store).unwrap();
    assert_eq!(
        r.source,
        CredentialSource::InlineToken {
            profile: "work".into()
        }
    );
    assert!(matches!(
        logout("work", &path, &cfg, &store).unwrap(),
        LogoutOutcome::RemovedFromFile(_)
    ));
    assert!(
        !std::fs::read_to_string(&path)
            .unwrap()
            .contains(cred::TOKEN)
    );
}

#[cfg(unix)]
#[tokio::test]
async fn store_in_file_is_consent_given_up_front() {
    let sim = sim().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    // An existing world-readable config: writing a token into it makes it private.
    std::fs::write(&path, "# mine\nconcurrency = 4\n").unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let store = MemoryStore::new();
    let mut req = request(sim.api_url(), &path);
    req.email = Some(cred::EMAIL.into());
    req.token = Some(Secret::new(cred::TOKEN));
    req.store_in_file = true;
    let mut script = Script::default();
    let out = login(&req, &Config::default(), &mut script, &store)
        .await
        .unwrap();
    assert_eq!(out.stored, StoredIn::ConfigFile(path.clone()));
    assert!(script.asked.is_empty());
    assert_eq!(store.peek("work"), None, "the keyring is left alone");
    assert_eq!(mode(&path), 0o600);
    assert!(
        std::fs::read_to_string(&path)
            .unwrap()
            .starts_with("# mine")
    );
}

#[tokio::test]
async fn refused_credentials_write_nothing() {
    let sim = sim().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    let store = MemoryStore::new();
    let mut req = request(sim.api_url(), &path);
    req.email = Some(cred::EMAIL.into());
    req.token = Some(Secret::new(cred::EXPIRED_TOKEN));
    let e = login(&req, &Config::default(), &mut Script::default(), &store)
        .await
        .unwrap_err();
    assert!(matches!(e, LoginError::Api(_)), "{e}");
    assert!(e.to_string().contains("(401)"), "{e}");
    assert!(!path.exists());
    assert_eq!(store.peek("work"), None);

    // A username instead of an email is refused before any request.
    req.email = Some(cred::NICKNAME.into());
    let e = login(&req, &Config::default(), &mut Script::default(), &store)
        .await
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("use your Atlassian account email, not your username"),
        "{e}"
    );
}

#[tokio::test]
async fn a_token_command_profile_is_not_overridden() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    let cfg =
        Config::parse("[profiles.work]\nemail = \"a@x.io\"\ntoken_command = \"pass show bb\"\n")
            .unwrap();
    let store = MemoryStore::new();
    let req = request("http://127.0.0.1:9/2.0".into(), &path);
    let e = login(&req, &cfg, &mut Script::default(), &store)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("token_command"), "{e}");
    assert_eq!(
        logout("work", &path, &cfg, &store).unwrap(),
        LogoutOutcome::UsesTokenCommand("pass show bb".into())
    );
    assert!(store.set("other", &Secret::new("t")).is_ok());
}

#[tokio::test]
async fn an_invalid_email_at_the_prompt_is_asked_again() {
    let sim = sim().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    let store = MemoryStore::new();
    let mut script = Script {
        lines: VecDeque::from([
            cred::NICKNAME.to_string(),
            String::new(),
            cred::EMAIL.to_string(),
        ]),
        secrets: VecDeque::from([cred::TOKEN.to_string()]),
        ..Default::default()
    };
    let out = login(
        &request(sim.api_url(), &path),
        &Config::default(),
        &mut script,
        &store,
    )
    .await
    .unwrap();
    assert_eq!(out.stored, StoredIn::Keyring);
    let emails = script.asked.iter().filter(|q| q.contains("email")).count();
    assert_eq!(emails, 3, "{:?}", script.asked);
    assert!(
        script.said.iter().any(|s| s.contains("not your username")),
        "{:?}",
        script.said
    );
    assert!(script.lines.is_empty());
}

#[tokio::test]
async fn invalid_emails_at_the_prompt_end_after_three_tries() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    let store = MemoryStore::new();
    let mut script = Script {
        lines: VecDeque::from([
            "a".to_string(),
            "b".to_string(),
            "c".to_string(),
            "d".to_string(),
        ]),
        ..Default::default()
    };
    let e = login(
        &request("http://127.0.0.1:9/2.0".into(), &path),
        &Config::default(),
        &mut script,
        &store,
    )
    .await
    .unwrap_err();
    assert!(matches!(e, LoginError::Input(_)), "{e}");
    assert!(e.to_string().contains("\"c\" is not an email"), "{e}");
    assert_eq!(script.lines, ["d"], "asked three times, no more");
    assert!(!path.exists());
}
