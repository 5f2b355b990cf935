//! The demo data set: three workspaces, 60 repositories, about 150 key holdings and six
//! project keys, shaped after what a real Bitbucket estate accumulates over a decade.
//!
//! Notable holdings (line numbers of `keys.txt`):
//! - line 1 (ed25519, `ci-1`): the CI key on 27 repositories, labelled `ci-deploy` in acme
//!   and `bitbucket-pipelines` in globex, and on project acme/WEB; used this week.
//! - line 3 (ed25519, `jenkins-3`): on 10 repositories in all three workspaces under three
//!   labels (`jenkins`, `jenkins-ci`, `Jenkins build agent`): the "rotate everywhere" case.
//! - line 2 (ed25519, `deploy-2`): `deploy-bot` on 8 repositories.
//! - lines 103-105 (RSA-1024), 106-107 (DSA), 93-102 (RSA-2048): weak keys, some created
//!   in 2013-2015 and never used, one (105) still in use.
//! - acme/platform-monorepo holds 27 keys (paging with pagelen 10); acme/sandbox holds none.
//! - lines 41-43 are the demo user's own account SSH keys (refused as access keys).
//! - lines 24-40, 44, 58, 64 and 84 are used nowhere: fresh keys for tests and demos.

use time::Date;
use time::macros::date;

use super::data::{Builder, RepoSpec, Used, Window};
use super::state::State;

const SEED: u64 = 0x5EED_DE40_0000_0001;

/// `(slug, display name if different, project, admin, language, description)`.
type Row = (
    &'static str,
    Option<&'static str>,
    &'static str,
    bool,
    &'static str,
    &'static str,
);

#[rustfmt::skip]
const ACME: [Row; 25] = [
    ("api", None, "API", true, "python", "Public REST API"),
    ("api-gateway", None, "API", true, "go", "Edge gateway and rate limiting"),
    ("auth-service", None, "API", true, "go", "OAuth and session service"),
    ("payments-service", Some("Payments Service"), "API", true, "java", "Card and invoice payments"),
    ("billing-service", None, "API", true, "java", "Subscriptions and invoicing"),
    ("notifications-service", None, "API", true, "javascript", "E-mail, SMS and push fan-out"),
    ("search-service", None, "API", true, "kotlin", "Catalogue search"),
    ("user-service", None, "API", true, "go", "Accounts and profiles"),
    ("platform-monorepo", Some("Platform Monorepo"), "API", true, "typescript", "Everything not split out yet"),
    ("web-frontend", None, "WEB", true, "typescript", "Customer web app"),
    ("marketing-site", None, "WEB", true, "javascript", "www.acme.example"),
    ("docs-site", None, "WEB", true, "ruby", "developer.acme.example"),
    ("design-system", None, "WEB", true, "typescript", "Shared UI components"),
    ("admin-dashboard", None, "WEB", true, "typescript", "Back-office dashboard"),
    ("mobile-web", None, "WEB", true, "typescript", "m.acme.example"),
    ("infra-terraform", Some("Infra Terraform"), "OPS", true, "hcl", "Cloud infrastructure"),
    ("ansible-playbooks", None, "OPS", true, "shell", "Host configuration"),
    ("k8s-manifests", None, "OPS", true, "", "Cluster manifests"),
    ("helm-charts", None, "OPS", true, "", "Helm charts"),
    ("monitoring-stack", None, "OPS", true, "go", "Prometheus, Grafana, alerting"),
    ("ci-templates", None, "OPS", true, "shell", "Shared pipeline steps"),
    ("sandbox", None, "OPS", true, "", "Try things here"),
    ("data-pipeline", None, "DATA", true, "python", "Event ingestion"),
    ("etl-jobs", None, "DATA", true, "python", "Nightly ETL"),
    ("analytics-dbt", None, "DATA", true, "sql", "dbt models"),
];

#[rustfmt::skip]
const GLOBEX: [Row; 20] = [
    ("core-engine", None, "CORE", true, "rust", "Matching engine"),
    ("core-api", None, "CORE", true, "rust", "Core HTTP API"),
    ("event-bus", None, "CORE", true, "go", "Kafka topics and schemas"),
    ("scheduler", None, "CORE", true, "go", "Job scheduler"),
    ("ledger", None, "CORE", true, "rust", "Double-entry ledger"),
    ("inventory-service", None, "CORE", true, "java", "Stock levels"),
    ("order-service", None, "CORE", true, "java", "Order lifecycle"),
    ("pricing-engine", None, "CORE", true, "scala", "Price rules"),
    ("ios-app", Some("iOS App"), "MOB", true, "swift", "iPhone and iPad app"),
    ("android-app", Some("Android App"), "MOB", true, "kotlin", "Android app"),
    ("mobile-backend", None, "MOB", true, "javascript", "Backend for frontends"),
    ("push-gateway", None, "MOB", true, "go", "APNs and FCM relay"),
    ("react-native-shared", None, "MOB", true, "typescript", "Shared React Native code"),
    ("terraform-live", None, "INFRA", true, "hcl", "Live environments"),
    ("terraform-modules", None, "INFRA", true, "hcl", "Reusable modules"),
    ("packer-images", None, "INFRA", true, "hcl", "Machine images"),
    ("vault-config", None, "INFRA", true, "hcl", "Vault policies"),
    ("backup-scripts", None, "INFRA", true, "shell", "Database backups"),
    ("log-shipper", None, "INFRA", true, "go", "Log forwarding"),
    ("dns-zones", None, "INFRA", true, "", "Zone files"),
];

/// The user is not an administrator of initech, but of five of its repositories.
#[rustfmt::skip]
const INITECH: [Row; 15] = [
    ("tps-reports", Some("TPS Reports"), "TPS", false, "java", "TPS report generator"),
    ("tps-api", None, "TPS", true, "java", "TPS API"),
    ("cover-sheets", None, "TPS", false, "php", "Cover sheet templates"),
    ("printer-driver", None, "TPS", false, "c", "PC LOAD LETTER"),
    ("reporting-etl", None, "TPS", true, "python", "Reporting ETL"),
    ("intranet", None, "TPS", false, "php", "Intranet portal"),
    ("legacy-billing", None, "LEG", true, "perl", "Billing, 2009 edition"),
    ("legacy-cron", None, "LEG", true, "shell", "Cron jobs on the old box"),
    ("mainframe-bridge", None, "LEG", false, "java", "Mainframe connector"),
    ("fax-gateway", None, "LEG", false, "c", "Fax relay"),
    ("y2k-patches", None, "LEG", false, "", "Do not delete"),
    ("old-website", None, "LEG", false, "php", "initech.example, 2006"),
    ("payroll-sync", None, "LEG", true, "perl", "Payroll export"),
    ("hr-portal", None, "LEG", false, "php", "HR self-service"),
    ("ldap-sync", None, "LEG", false, "python", "Directory sync"),
];

/// `(workspace, key, name, description, user may manage its keys)`.
#[rustfmt::skip]
const PROJECTS: [(&str, &str, &str, &str, bool); 9] = [
    ("acme", "API", "API Platform", "Backend services", true),
    ("acme", "WEB", "Web", "Web front ends", true),
    ("acme", "OPS", "Operations", "Infrastructure and tooling", true),
    ("acme", "DATA", "Data & Analytics", "Pipelines and models", true),
    ("globex", "CORE", "Core Platform", "Trading core", true),
    ("globex", "MOB", "Mobile", "Mobile apps", true),
    ("globex", "INFRA", "Infrastructure", "Cloud and operations", true),
    ("initech", "TPS", "TPS Reports", "Reporting", false),
    ("initech", "LEG", "Legacy Systems", "Here be dragons", false),
];

/// A key (by `keys.txt` line) under one label on some repositories (space-separated
/// `ws/slug`), created from a date within some days, last used as given.
type Holding = (usize, &'static str, &'static str, Window, Used);

const fn w(from: Date, days: u32) -> Window {
    Window { from, days }
}

const RECENT: Used = Used::Around(date!(2026 - 11 - 27), 3);

/// Keys that sit on many repositories (the "rotate everywhere" cases) and small groups.
#[rustfmt::skip]
const SHARED: [Holding; 13] = [
    (1, "ci-deploy", "acme/api acme/api-gateway acme/auth-service acme/payments-service \
        acme/billing-service acme/notifications-service acme/search-service acme/user-service \
        acme/platform-monorepo acme/web-frontend acme/design-system acme/admin-dashboard \
        acme/infra-terraform acme/k8s-manifests acme/helm-charts acme/data-pipeline acme/etl-jobs",
        w(date!(2022 - 01 - 10), 300), RECENT),
    (1, "bitbucket-pipelines", "globex/core-engine globex/core-api globex/event-bus \
        globex/scheduler globex/ledger globex/order-service globex/ios-app globex/android-app \
        globex/mobile-backend globex/terraform-live",
        w(date!(2022 - 06 - 01), 200), Used::Around(date!(2026 - 11 - 27), 5)),
    (3, "jenkins", "acme/api acme/payments-service acme/billing-service acme/ansible-playbooks \
        globex/core-engine globex/ledger",
        w(date!(2017 - 05 - 02), 120), Used::Around(date!(2024 - 02 - 14), 60)),
    (3, "jenkins-ci", "acme/platform-monorepo globex/inventory-service",
        w(date!(2018 - 03 - 01), 60), Used::Never),
    (3, "Jenkins build agent", "globex/pricing-engine initech/tps-api",
        w(date!(2017 - 09 - 01), 30), Used::Around(date!(2023 - 06 - 01), 30)),
    (2, "deploy-bot", "acme/web-frontend acme/marketing-site acme/docs-site acme/mobile-web \
        acme/admin-dashboard globex/push-gateway globex/react-native-shared globex/mobile-backend",
        w(date!(2020 - 04 - 01), 90), Used::Around(date!(2026 - 10 - 30), 20)),
    (5, "staging-pull", "acme/api acme/auth-service acme/user-service acme/k8s-manifests acme/helm-charts",
        w(date!(2021 - 02 - 01), 30), Used::Around(date!(2026 - 11 - 25), 10)),
    (4, "pipelines-runner", "globex/core-api globex/event-bus globex/scheduler globex/order-service",
        w(date!(2023 - 03 - 01), 30), Used::Around(date!(2026 - 11 - 26), 2)),
    (6, "prod-deploy", "acme/payments-service acme/billing-service acme/api",
        w(date!(2023 - 08 - 01), 10), Used::Around(date!(2026 - 11 - 20), 5)),
    (7, "backup-mirror", "globex/backup-scripts globex/vault-config globex/dns-zones",
        w(date!(2019 - 11 - 01), 5), Used::Never),
    (18, "runner", "initech/fax-gateway initech/old-website",
        w(date!(2016 - 03 - 01), 100), Used::Around(date!(2020 - 01 - 15), 30)),
    (20, "prod", "initech/ldap-sync", w(date!(2018 - 05 - 01), 10), Used::Never),
    (22, "mirror-sync", "acme/ci-templates acme/monitoring-stack",
        w(date!(2021 - 09 - 01), 60), Used::Around(date!(2026 - 11 - 28), 0)),
];

/// RSA-1024 (103-105) and DSA (106-107) keys from before anyone looked; 105 is still used.
#[rustfmt::skip]
const ANCIENT: [Holding; 5] = [
    (103, "old-jenkins", "initech/legacy-billing initech/legacy-cron initech/tps-reports",
        w(date!(2014 - 06 - 03), 3), Used::Never),
    (104, "prod-deploy-2015", "initech/payroll-sync initech/y2k-patches",
        w(date!(2015 - 01 - 12), 2), Used::Around(date!(2019 - 08 - 01), 10)),
    (105, "backup", "globex/backup-scripts", w(date!(2016 - 02 - 10), 0), Used::Around(date!(2026 - 11 - 01), 3)),
    (106, "mirror-sync", "globex/log-shipper initech/legacy-cron", w(date!(2013 - 09 - 20), 0), Used::Never),
    (107, "release", "initech/mainframe-bridge initech/reporting-etl",
        w(date!(2014 - 01 - 08), 0), Used::Around(date!(2018 - 03 - 01), 30)),
];

/// Keys on one to three repositories: RSA-2048 (93-102), RSA-3072/4096, ECDSA. The `last_used`
/// of these rows cycles through never / this month / this year / long ago.
#[rustfmt::skip]
const SINGLES: [(usize, &str, &str); 47] = [
    (93, "release-signing", "globex/terraform-modules globex/packer-images"),
    (94, "nightly", "initech/reporting-etl"),
    (95, "docs-build", "acme/docs-site"),
    (96, "qa", "globex/android-app globex/ios-app"),
    (97, "ops", "initech/tps-api"),
    (98, "build", "initech/payroll-sync"),
    (99, "ci-old", "globex/core-engine"),
    (100, "deploy", "initech/legacy-billing"),
    (101, "jenkins-old", "initech/intranet initech/hr-portal"),
    (102, "runner", "globex/scheduler"),
    (69, "ops-automation", "acme/ansible-playbooks"),
    (70, "build", "acme/ci-templates"),
    (71, "circleci", "acme/marketing-site"),
    (72, "heroku-deploy", "acme/docs-site"),
    (73, "jenkins", "acme/monitoring-stack"),
    (74, "gitlab-mirror", "acme/analytics-dbt"),
    // Same label as line 5 elsewhere, different key: labels prove nothing.
    (75, "staging-pull", "globex/order-service"),
    (76, "prod-pull", "globex/inventory-service"),
    (77, "backup", "globex/vault-config"),
    (78, "github-mirror", "globex/core-api"),
    (79, "release", "globex/ios-app"),
    (80, "nightly", "globex/android-app"),
    (81, "docs", "acme/design-system"),
    (82, "qa-e2e", "acme/web-frontend"),
    (83, "ops", "globex/dns-zones"),
    // Same label as the CI key (line 1), different key.
    (85, "ci-deploy", "acme/monitoring-stack"),
    (86, "argo-cd", "acme/k8s-manifests acme/helm-charts globex/terraform-live"),
    (87, "jenkins", "initech/tps-reports"),
    (88, "runner", "globex/push-gateway"),
    (89, "staging", "acme/mobile-web"),
    (90, "prod-deploy", "acme/infra-terraform"),
    (91, "backup", "globex/backup-scripts"),
    (92, "mirror", "globex/log-shipper"),
    (54, "qa", "acme/search-service"),
    (55, "ops", "acme/ci-templates"),
    (56, "build", "acme/etl-jobs acme/data-pipeline"),
    (59, "jenkins", "globex/event-bus"),
    (60, "runner", "globex/ledger"),
    (61, "staging", "globex/react-native-shared"),
    (62, "prod", "acme/payments-service"),
    (63, "backup", "acme/analytics-dbt"),
    (65, "release", "globex/pricing-engine"),
    (66, "nightly", "acme/data-pipeline"),
    (67, "docs", "initech/cover-sheets initech/intranet"),
    (68, "qa", "initech/tps-api"),
    (8, "mirror", "globex/terraform-modules"),
    (12, "qa", "acme/notifications-service"),
];

/// Six project keys; acme/WEB carries the CI key too, so "where is this key" spans both kinds.
#[rustfmt::skip]
const PROJECT_KEYS: [(usize, &str, &str, &str); 6] = [
    (57, "api-readonly", "acme", "API"),
    (1, "ci-deploy", "acme", "WEB"),
    (83, "ops-readonly", "acme", "OPS"),
    (54, "qa-readonly", "globex", "CORE"),
    (91, "backup-pull", "globex", "INFRA"),
    (99, "mobile-ci", "globex", "MOB"),
];

/// Builds the demo data set; the same every time.
pub(crate) fn demo() -> State {
    let mut b = Builder::new(SEED);
    b.workspace("acme", "Acme Corporation", true, date!(2015 - 02 - 09));
    b.workspace("globex", "Globex Engineering", true, date!(2016 - 06 - 20));
    b.workspace("initech", "Initech", false, date!(2011 - 04 - 01));
    for (ws, key, name, description, admin) in PROJECTS {
        b.project(ws, key, name, description, admin);
    }
    for (ws, rows, spread_days) in [
        ("acme", &ACME[..], 1400),
        ("globex", &GLOBEX[..], 1200),
        ("initech", &INITECH[..], 700),
    ] {
        for &(slug, name, project, admin, language, description) in rows {
            b.repo(
                ws,
                &RepoSpec {
                    slug,
                    name,
                    project,
                    admin,
                    language,
                    description,
                    spread_days,
                },
            );
        }
    }
    for (line, label, repos, created, used) in SHARED.into_iter().chain(ANCIENT) {
        b.hold(line, label, &targets(repos), created, used);
    }
    monorepo_keys(&mut b);
    for (i, (line, label, repos)) in SINGLES.into_iter().enumerate() {
        let used = match i % 4 {
            0 => Used::Never,
            1 => Used::Around(date!(2026 - 11 - 26), 14),
            2 => Used::Around(date!(2026 - 09 - 01), 90),
            _ => Used::Around(date!(2025 - 03 - 01), 365),
        };
        b.hold(
            line,
            label,
            &targets(repos),
            w(date!(2016 - 01 - 01), 3000),
            used,
        );
    }
    for (i, (line, label, ws, project)) in PROJECT_KEYS.into_iter().enumerate() {
        let used = if i % 2 == 0 {
            Used::Around(date!(2026 - 11 - 24), 7)
        } else {
            Used::Never
        };
        b.hold_project(
            line,
            label,
            ws,
            project,
            w(date!(2024 - 02 - 01), 500),
            used,
        );
    }
    b.finish()
}

fn targets(list: &str) -> Vec<&str> {
    list.split_whitespace().collect()
}

/// acme/platform-monorepo collects one key per tool and team: 25 here plus the CI and
/// Jenkins keys make 27, three pages at the default pagelen of 10.
fn monorepo_keys(b: &mut Builder) {
    for (i, line) in (8..=23).chain(45..=53).enumerate() {
        let host = super::keys::demo_key(line)
            .and_then(|k| k.comment.as_deref())
            .and_then(|c| c.split('-').next())
            .unwrap_or("key");
        let label = match host {
            "mirror" => "github-mirror",
            "release" => "release-bot",
            "nightly" => "nightly-build",
            "docs" => "docs-publish",
            "qa" => "qa-e2e",
            "ops" => "ops-tools",
            "build" => "build-agent",
            "ci" => "ci-legacy",
            "jenkins" => "jenkins-agent",
            "runner" => "self-hosted-runner",
            "prod" => "prod-readonly",
            other => other,
        };
        let label = format!("{label}-{:02}", i + 1);
        let used = if line % 2 == 0 {
            Used::Around(date!(2026 - 11 - 20), 200)
        } else {
            Used::Never
        };
        b.hold(
            line,
            &label,
            &["acme/platform-monorepo"],
            w(date!(2019 - 01 - 01), 1500),
            used,
        );
    }
}
