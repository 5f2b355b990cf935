//! Performance at scale (issue 8), as behaviour: the request count of a scan, pipelining, the
//! persisted hourly count, the cost announcement and the budget refusal, 429s mid-scan. No
//! test here looks at the clock; the timings are in `cargo bench --bench scale`.

use std::collections::HashMap;
use std::time::Duration;

use bbkeys::bitbucket::Client;
use bbkeys::demo::{self, DataSet, LogEntry, SimOptions, Simulator};
use bbkeys::ops::scan::scan_workspace;

use super::common::{bbkeys, env_full, env_ref, fast_options, full, stderr};

async fn scale_sim(repos: usize, keys: usize, latency_ms: u64) -> Simulator {
    demo::start(SimOptions {
        latency: Duration::from_millis(latency_ms),
        dataset: DataSet::Scale {
            repos,
            keys_per_repo: keys,
        },
        ..SimOptions::default()
    })
    .await
    .unwrap()
}

/// The API requests of the log, in order of arrival.
fn api_log(sim: &Simulator) -> Vec<LogEntry> {
    let mut log: Vec<LogEntry> = sim
        .control()
        .log()
        .into_iter()
        .filter(|e| e.path.starts_with("/2.0/"))
        .collect();
    log.sort_by_key(|e| e.seq);
    log
}

fn is_repo_listing(e: &LogEntry) -> bool {
    e.path == "/2.0/repositories/scale"
}

fn is_repo_keys(e: &LogEntry) -> bool {
    e.path.starts_with("/2.0/repositories/scale/") && e.path.ends_with("/deploy-keys")
}

#[tokio::test]
async fn a_scan_makes_exactly_the_minimum_requests() {
    let sim = scale_sim(250, 2, 0).await;
    let client = Client::new(fast_options(&sim, full())).unwrap();
    let scan = scan_workspace(&client, "scale", &|_| {}).await.unwrap();
    assert_eq!(scan.repositories.len(), 250);
    assert_eq!(scan.projects.len(), 10);
    assert!(
        scan.repo_keys
            .values()
            .all(|k| k.as_ref().unwrap().len() == 2)
    );
    assert_eq!(scan.project_keys.len(), 10);
    // The place each key embeds is dropped: its listing names it.
    assert!(
        scan.repo_keys
            .values()
            .chain(scan.project_keys.values())
            .flat_map(|k| k.as_ref().unwrap())
            .all(|k| {
                // The key type has no field for the place (this pattern is exhaustive).
                let bbkeys::forge::AccessKey {
                    id: _,
                    key: _,
                    label: _,
                    comment: _,
                    permission: _,
                    created: _,
                    last_used: _,
                    expiry_days: _,
                } = k;
                true
            })
    );

    let log = api_log(&sim);
    let listing: Vec<&LogEntry> = log.iter().filter(|e| is_repo_listing(e)).collect();
    assert_eq!(listing.len(), 3, "250 repositories at pagelen 100");
    assert!(listing[0].query.as_deref().unwrap().contains("pagelen=100"));
    assert_eq!(log.iter().filter(|e| is_repo_keys(e)).count(), 250);
    let project_pages = log
        .iter()
        .filter(|e| e.path == "/2.0/workspaces/scale/projects")
        .count();
    assert_eq!(project_pages, 1);
    let project_keys = log
        .iter()
        .filter(|e| e.path.starts_with("/2.0/workspaces/scale/projects/"))
        .count();
    assert_eq!(project_keys, 10);
    // 3 listing pages + 250 repositories + 1 project page + 10 projects, and nothing else.
    assert_eq!(log.len(), 264);
    assert_eq!(client.requests_last_hour(), 264);
}

#[tokio::test]
async fn key_requests_start_before_the_last_listing_page() {
    let sim = scale_sim(250, 1, 10).await;
    let client = Client::new(fast_options(&sim, full())).unwrap();
    scan_workspace(&client, "scale", &|_| {}).await.unwrap();
    let log = api_log(&sim);
    let first_keys = log.iter().find(|e| is_repo_keys(e)).unwrap().seq;
    let last_page = log.iter().rfind(|e| is_repo_listing(e)).unwrap().seq;
    assert!(
        first_keys < last_page,
        "the first key request (#{first_keys}) waited for the last repository page (#{last_page})"
    );
}

#[tokio::test]
async fn the_hourly_count_is_kept_across_clients() {
    let sim = scale_sim(3, 1, 0).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("state").join("request-count.txt");
    let options = || {
        let mut o = fast_options(&sim, full());
        o.request_log = Some(file.clone());
        o
    };
    {
        let a = Client::new(options()).unwrap();
        for _ in 0..3 {
            a.current_user().await.unwrap();
        }
        assert_eq!(a.requests_last_hour(), 3);
    }
    let b = Client::new(options()).unwrap();
    assert_eq!(
        b.requests_last_hour(),
        3,
        "a new client starts from the file"
    );
    b.current_user().await.unwrap();
    b.repositories("scale").await.unwrap();
    assert_eq!(b.requests_last_hour(), 5);
    // A client of another account (another file) starts from zero.
    let mut other = fast_options(&sim, full());
    other.request_log = Some(dir.path().join("other.txt"));
    assert_eq!(Client::new(other).unwrap().requests_last_hour(), 0);
}

/// `(requests, already used)` from the announcement on stderr.
fn announced(err: &str) -> (usize, usize) {
    let line = err
        .lines()
        .find(|l| l.contains("costs about"))
        .unwrap_or_else(|| panic!("no announcement in {err}"));
    let number = |after: &str| -> usize {
        let rest = &line[line.find(after).unwrap() + after.len()..];
        rest.chars()
            .take_while(|c| c.is_ascii_digit() || *c == ',')
            .filter(char::is_ascii_digit)
            .collect::<String>()
            .parse()
            .unwrap()
    };
    (number("costs about "), number("; "))
}

#[tokio::test]
async fn cli_runs_add_up_and_the_announced_cost_is_the_real_cost() {
    let sim = scale_sim(120, 1, 0).await;
    let home = tempfile::tempdir().unwrap();
    let env = env_full(&sim);
    let run = |budget: u32| {
        let config = home.path().join(format!("budget-{budget}.toml"));
        std::fs::write(&config, format!("hourly_budget = {budget}\n")).unwrap();
        let config = config.to_string_lossy().into_owned();
        let home = home.path().to_path_buf();
        let env = env.clone();
        async move {
            let args = ["keys", "list", "scale", "--config", &config];
            bbkeys(&home, &env_ref(&env), &args, "").await
        }
    };

    // Off a terminal the cost is shown when it comes near the budget (133 of 150).
    let first = run(150).await;
    assert!(first.status.success(), "{}", stderr(&first));
    let err = stderr(&first);
    assert!(
        err.contains("bbkeys: warning: scanning scale costs about"),
        "{err}"
    );
    let (cost, used) = announced(&err);
    let made = api_log(&sim).len();
    // 2 listing pages + 120 repositories + 1 project page + 10 projects.
    assert_eq!(
        (cost, made),
        (133, 133),
        "the announced cost is the real cost"
    );
    assert_eq!(used, 0);
    assert!(err.contains("of your 150/hour already used"), "{err}");

    // The second run counts the first one's requests, and would go over: refused.
    let second = run(150).await;
    assert_eq!(second.status.code(), Some(2), "{}", stderr(&second));
    assert_eq!(
        announced(&stderr(&second)),
        (133, 133),
        "{}",
        stderr(&second)
    );
    assert_eq!(
        api_log(&sim).len(),
        135,
        "only its two first pages were requested"
    );

    // Far from the budget, a script's stderr stays quiet.
    let third = run(100_000).await;
    assert!(third.status.success(), "{}", stderr(&third));
    assert!(
        !stderr(&third).contains("costs about"),
        "{}",
        stderr(&third)
    );
    assert_eq!(api_log(&sim).len(), 135 + 133);
}

#[tokio::test]
async fn a_scan_over_the_budget_is_refused_off_a_terminal() {
    let sim = scale_sim(120, 1, 0).await;
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("budget.toml");
    std::fs::write(&config, "hourly_budget = 100\n").unwrap();
    let config = config.to_string_lossy().into_owned();
    let env = env_full(&sim);
    let fp = "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    for args in [
        vec!["keys", "list", "scale"],
        vec!["audit", "scale"],
        vec!["keys", "find", fp, "-w", "scale"],
        vec![
            "keys",
            "rm",
            "--fingerprint",
            fp,
            "--workspace",
            "scale",
            "--yes",
        ],
    ] {
        sim.control().clear_log();
        let mut args: Vec<&str> = args;
        args.extend(["--config", &config]);
        let out = bbkeys(home.path(), &env_ref(&env), &args, "").await;
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains("not scanning scale")
                && err.contains("costs about 133 requests")
                && err.contains("would go over your hourly budget")
                && err.contains("hourly_budget"),
            "{args:?}: {err}"
        );
        // Only the two first pages, which told the cost, were requested.
        assert_eq!(api_log(&sim).len(), 2, "{args:?}");
    }
}

#[tokio::test]
async fn a_429_mid_scan_slows_down_and_never_repeats_a_finished_request() {
    let sim = demo::start(SimOptions {
        request_budget: Some(40),
        budget_window: Duration::from_millis(200),
        dataset: DataSet::Scale {
            repos: 250,
            keys_per_repo: 1,
        },
        ..SimOptions::default()
    })
    .await
    .unwrap();
    let mut o = fast_options(&sim, full());
    o.max_tries = 10;
    o.backoff_base = Duration::from_millis(5);
    o.backoff_max = Duration::from_millis(300);
    let client = Client::new(o).unwrap();
    let scan = scan_workspace(&client, "scale", &|_| {}).await.unwrap();
    assert_eq!(scan.repositories.len(), 250);
    assert!(
        scan.repo_keys.values().all(Result::is_ok),
        "every repository was read in the end"
    );

    let log = api_log(&sim);
    assert!(log.iter().any(|e| e.status == 429), "the budget never bit");
    let mut last_ok: HashMap<(String, Option<String>), u64> = HashMap::new();
    for e in &log {
        let url = (e.path.clone(), e.query.clone());
        if let Some(done) = last_ok.get(&url) {
            panic!(
                "{url:?} was requested again (#{}) after it succeeded (#{done})",
                e.seq
            );
        }
        if e.status == 200 {
            last_ok.insert(url, e.seq);
        }
    }
    // Each listing page and each key listing succeeded exactly once.
    assert_eq!(last_ok.len(), 264);
}

#[tokio::test]
async fn without_size_the_estimate_is_a_lower_bound_and_a_no_stops_the_scan() {
    use bbkeys::demo::{Fault, FaultAction, PathPattern, credentials as cred};
    use bbkeys::ops::scan::{Proceed, ScanEstimate, scan_workspace_gated};
    use std::sync::Mutex;

    let sim = scale_sim(250, 1, 0).await;
    let client = Client::new(fast_options(&sim, full())).unwrap();
    // The real first page, without `size` (only `values` and `next` are guaranteed, §3).
    let url = format!(
        "{}/repositories/scale?role=admin&pagelen=100&sort=slug",
        sim.api_url()
    );
    let mut page: serde_json::Value = reqwest::Client::new()
        .get(&url)
        .basic_auth(cred::EMAIL, Some(cred::TOKEN))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    page.as_object_mut().unwrap().remove("size");
    let no_size = || {
        Fault::new(
            PathPattern::Exact("/2.0/repositories/scale".into()),
            FaultAction::respond(200, "application/json", &page.to_string()),
        )
        .times(1)
    };

    sim.control().clear_log();
    sim.control().add_fault(no_size());
    let seen: Mutex<Option<ScanEstimate>> = Mutex::new(None);
    let gate = |e: &ScanEstimate| {
        *seen.lock().unwrap() = Some(e.clone());
        Proceed::Yes
    };
    let scan = scan_workspace_gated(&client, "scale", &|_| {}, &gate)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(scan.repositories.len(), 250);
    let e = seen.lock().unwrap().clone().unwrap();
    assert!(!e.exact);
    assert_eq!((e.repositories, e.projects, e.made), (101, 10, 2));
    // 2 pages + 101 repositories + 1 project page + 10 projects, at least.
    assert_eq!(e.requests, 114);
    assert!(e.requests <= api_log(&sim).len());

    // With `size`, the estimate is the exact cost; a gate that says no stops after it.
    sim.control().clear_log();
    let stopped = scan_workspace_gated(&client, "scale", &|_| {}, &|e| {
        assert!(e.exact);
        assert_eq!(e.requests, 264);
        Proceed::No
    })
    .await
    .unwrap();
    assert!(stopped.is_none());
    assert_eq!(api_log(&sim).len(), 2, "only the two first pages");
}

/// Issue 19: budgets are counted as Bitbucket counts them. A workspace access token has an
/// allowance of its own, so a nightly audit with one does not spend the person's; an OAuth
/// token declared as the person's (`rate_limit_user`) shares the person's count.
#[tokio::test]
async fn an_access_token_counts_its_own_allowance_and_oauth_the_users() {
    use bbkeys::demo::credentials as cred;
    let sim = crate::common::sim().await;
    let home = tempfile::tempdir().unwrap();
    let api = sim.api_url();
    let run = |envs: Vec<(&'static str, String)>, config: String| {
        let home = home.path().to_path_buf();
        async move {
            let args = ["--config", config.as_str(), "audit", "acme", "--csv"];
            bbkeys(&home, &env_ref(&envs), &args, "").await
        }
    };
    // A budget the scan of acme fits in once, not twice, and near enough to be announced.
    let probe_config = home.path().join("probe.toml");
    std::fs::write(&probe_config, "hourly_budget = 1\n").unwrap();
    let probe_home = tempfile::tempdir().unwrap();
    let probe_args = ["--config", probe_config.to_str().unwrap(), "audit", "acme"];
    let probe = bbkeys(
        probe_home.path(),
        &env_ref(&env_full(&sim)),
        &probe_args,
        "",
    )
    .await;
    let (cost, _) = announced(&stderr(&probe));
    let budget = cost + cost / 10;
    let config = home.path().join("config.toml");
    std::fs::write(&config, format!("hourly_budget = {budget}\n")).unwrap();
    let config = config.to_string_lossy().into_owned();

    let person = run(env_full(&sim), config.clone()).await;
    assert!(person.status.success(), "{}", stderr(&person));
    assert!(
        stderr(&person).contains(&format!("of your {budget}/hour")),
        "{}",
        stderr(&person)
    );

    let token_env = vec![
        ("BBKEYS_API_URL", api.clone()),
        ("BBKEYS_ACCESS_TOKEN", cred::ACCESS_TOKEN.to_string()),
    ];
    let token = run(token_env, config.clone()).await;
    assert!(token.status.success(), "{}", stderr(&token));
    let err = stderr(&token);
    assert!(
        err.contains(&format!(
            "; 0 of this access token's {budget}/hour already used"
        )),
        "{err}"
    );

    // The same token declared as the person's OAuth token: the person's count, so refused.
    let oauth_config = home.path().join("oauth.toml");
    std::fs::write(
        &oauth_config,
        format!(
            "hourly_budget = {budget}\n[profiles.nightly]\nkind = \"access_token\"\nrate_limit_user = \"{}\"\ntoken = \"{}\"\napi_url = \"{api}\"\n",
            cred::EMAIL.to_uppercase(),
            cred::ACCESS_TOKEN
        ),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&oauth_config, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let oauth = run(vec![], oauth_config.to_string_lossy().into_owned()).await;
    assert_eq!(oauth.status.code(), Some(2), "{}", stderr(&oauth));
    assert!(
        stderr(&oauth).contains("over your hourly budget"),
        "{}",
        stderr(&oauth)
    );
    sim.shutdown().await;
}
