//! The command tree as users see it: global options listed once, and examples at the end of
//! every subcommand's help, as `gh` and `glab` do.

use clap::{Arg, Command, CommandFactory};

use super::Cli;

/// Examples per subcommand, by its path below `bbkeys`. Every subcommand has two to four
/// (a test parses each of them, so they cannot go stale).
pub const EXAMPLES: &[(&str, &[&str])] = &[
    (
        "workspaces",
        &[
            "bbkeys workspaces",
            "bbkeys workspaces --json --fields slug,name",
        ],
    ),
    (
        "repos",
        &[
            "bbkeys repos acme",
            "bbkeys repos --fields slug,project",
            "bbkeys repos acme --json",
        ],
    ),
    (
        "keys",
        &[
            "bbkeys keys list acme/api",
            "bbkeys keys find ~/.ssh/deploy.pub -w acme",
            "bbkeys keys rm acme/api 123456 -y",
        ],
    ),
    (
        "keys list",
        &[
            "bbkeys keys list acme",
            "bbkeys keys list acme/api --json --fields fingerprint,label,repo",
            "bbkeys keys list --all-workspaces --csv",
            "bbkeys keys list acme --project API",
        ],
    ),
    (
        "keys add",
        &[
            "bbkeys keys add acme/api --key deploy.pub --label ci",
            "bbkeys keys add acme/api acme/web --key deploy.pub --label '{repo}-ci' --dry-run",
            "bbkeys keys add acme --project API --key deploy.pub --label ci",
            "bbkeys keys add ACME/api --key k.pub --label ci --permission write --expiry-days 90",
        ],
    ),
    (
        "keys permission",
        &[
            "bbkeys --forge datacenter keys permission ACME/api 17 read",
            "bbkeys --forge datacenter keys permission OPS --project OPS 17 write",
        ],
    ),
    (
        "keys relabel",
        &[
            "bbkeys keys relabel acme/api 123456 ci-2027",
            "bbkeys keys relabel --fingerprint SHA256:abc -w acme --label '{repo}-deploy' -y",
        ],
    ),
    (
        "keys rm",
        &[
            "bbkeys keys rm acme/api 123456",
            "bbkeys keys delete acme --project API SHA256:abc -y",
            "bbkeys keys rm --fingerprint SHA256:abc -w acme --dry-run",
        ],
    ),
    (
        "keys rotate",
        &[
            "bbkeys keys rotate --from old.pub --to new.pub -w acme --dry-run",
            "bbkeys keys rotate --from SHA256:abc --to new.pub -w acme --label ci-2027 -y",
            "bbkeys keys rotate --from old.pub --to new.pub -w acme --stage",
        ],
    ),
    (
        "keys find",
        &[
            "bbkeys keys find ~/.ssh/deploy.pub -w acme",
            "pbpaste | bbkeys keys find - -w acme",
            "bbkeys keys find SHA256:abc --all-workspaces --json",
            "bbkeys --forge datacenter keys find 17",
        ],
    ),
    (
        "audit",
        &[
            "bbkeys audit acme",
            "bbkeys audit acme --csv --fields repo,label,last_used,findings",
            "bbkeys audit --all-workspaces --json",
            "bbkeys audit acme --cached",
        ],
    ),
    (
        "export",
        &[
            "bbkeys export acme --out keys.toml",
            "bbkeys export acme --cached",
        ],
    ),
    (
        "plan",
        &[
            "bbkeys plan -f keys.toml",
            "bbkeys plan -f keys.toml --detailed-exitcode --out plan.json",
        ],
    ),
    (
        "apply",
        &["bbkeys apply plan.json", "bbkeys apply -f keys.toml -y"],
    ),
    (
        "journal",
        &["bbkeys journal list", "bbkeys journal recover -y"],
    ),
    (
        "journal list",
        &["bbkeys journal list", "bbkeys journal list --all --json"],
    ),
    (
        "journal show",
        &[
            "bbkeys journal show 3f9a",
            "bbkeys journal show 3f9a --json",
        ],
    ),
    (
        "journal recover",
        &["bbkeys journal recover", "bbkeys journal recover 3f9a -y"],
    ),
    (
        "journal advance",
        &[
            "bbkeys journal advance",
            "bbkeys journal advance 3f9a --json",
        ],
    ),
    (
        "journal finish",
        &[
            "bbkeys journal finish 3f9a",
            "bbkeys journal finish 3f9a -y",
        ],
    ),
    (
        "journal undo",
        &["bbkeys journal undo 3f9a", "bbkeys journal undo 3f9a -y"],
    ),
    (
        "doctor",
        &["bbkeys doctor", "bbkeys --profile ci doctor --json"],
    ),
    (
        "auth",
        &[
            "bbkeys auth login",
            "bbkeys auth status",
            "bbkeys auth logout",
        ],
    ),
    (
        "auth login",
        &[
            "bbkeys auth login --email you@example.com",
            "pass show bb | bbkeys auth login --email you@example.com --with-token",
            "bbkeys auth login --profile ci --access-token --with-token",
        ],
    ),
    (
        "auth status",
        &["bbkeys auth status", "bbkeys auth status --json"],
    ),
    (
        "auth logout",
        &["bbkeys auth logout", "bbkeys auth logout --profile ci"],
    ),
    (
        "completions",
        &[
            "bbkeys completions bash > ~/.local/share/bash-completion/completions/bbkeys",
            "bbkeys completions zsh > ~/.zfunc/_bbkeys",
        ],
    ),
    (
        "demo-server",
        &[
            "bbkeys demo-server",
            "bbkeys demo-server --port 8080 --latency-ms 50",
        ],
    ),
    (
        "man",
        &["bbkeys man", "bbkeys man --dir ~/.local/share/man/man1"],
    ),
];

/// The examples of the subcommand at `path` (such as `keys rm`).
pub fn examples_of(path: &str) -> Option<&'static [&'static str]> {
    EXAMPLES.iter().find(|(p, _)| *p == path).map(|(_, e)| *e)
}

/// The full command tree: the derived one, with examples after every subcommand's help and
/// the global options shown only at the top.
pub fn command() -> Command {
    let mut cmd = Cli::command();
    let globals: Vec<Arg> = cmd
        .get_arguments()
        .filter(|a| a.is_global_set())
        .map(|a| a.clone().hide(true))
        .collect();
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    for name in names {
        cmd = cmd.mut_subcommand(name.as_str(), |sub| decorate(sub, &name, &globals));
    }
    cmd.after_help(
        "Run `bbkeys <command> --help` for a command's options and examples, and \
         `bbkeys man` for manual pages.",
    )
}

/// Adds the examples and hidden copies of the global options to `sub` and its subcommands.
/// clap copies a global option into every subcommand unless the subcommand has one of that
/// name already; a hidden copy keeps it accepted there but out of that help.
fn decorate(mut sub: Command, path: &str, globals: &[Arg]) -> Command {
    for g in globals {
        sub = sub.arg(g.clone());
    }
    if let Some(examples) = examples_of(path) {
        let mut text = String::from("Examples:\n");
        for e in examples {
            text.push_str("  ");
            text.push_str(e);
            text.push('\n');
        }
        sub = sub.after_help(text.trim_end().to_string());
    }
    let names: Vec<String> = sub
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    for name in names {
        let child = format!("{path} {name}");
        sub = sub.mut_subcommand(name.as_str(), |s| decorate(s, &child, globals));
    }
    sub
}
