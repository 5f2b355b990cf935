//! Injected faults: what goes wrong between a client and Bitbucket (gateways answering HTML,
//! stalls, dropped connections, lost answers, broken JSON, hostile links and labels).
//!
//! A fault matches by method (or any) and path (exact, prefix or glob), fires a number of
//! times or with a probability drawn from the simulator's seeded generator, and acts before
//! the request is processed or after it (then the change is applied but the client sees the
//! fault: "the POST landed but the answer was lost").

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::reply::Reply;
use super::rng::SplitMix64;

/// Which request paths a fault applies to. Paths include the `/2.0` prefix and no query.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PathPattern {
    /// Exactly this path.
    Exact(String),
    /// Any path starting with this.
    Prefix(String),
    /// `*` matches within one segment, `**` across segments, `?` one character.
    Glob(String),
}

impl PathPattern {
    /// Whether `path` matches.
    pub fn matches(&self, path: &str) -> bool {
        match self {
            PathPattern::Exact(p) => p == path,
            PathPattern::Prefix(p) => path.starts_with(p.as_str()),
            PathPattern::Glob(g) => glob(g.as_bytes(), path.as_bytes()),
        }
    }
}

/// When a fault acts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum When {
    /// Instead of processing the request: nothing changes on the server.
    #[default]
    Before,
    /// After processing: the change is applied, the client sees the fault.
    After,
}

/// What a fault does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FaultAction {
    /// Answer with this status, body and content type (such as a 503 HTML page).
    Respond {
        /// HTTP status.
        status: u16,
        /// Body, sent as is.
        body: String,
        /// `Content-Type` header.
        content_type: String,
        /// Extra headers.
        #[serde(default)]
        headers: Vec<(String, String)>,
    },
    /// Wait this long, then carry on normally.
    Delay {
        /// Milliseconds.
        ms: u64,
    },
    /// Wait until `Control::release_all` (or `POST /_sim/release`), then carry on normally.
    Hang,
    /// Send the headers and the first `bytes` bytes of the body, then abort the connection.
    DropMidBody {
        /// Bytes of body to send before the abort.
        bytes: usize,
    },
    /// Close the connection without sending any response.
    CloseBeforeHeaders,
    /// Process the request and send only the first half of the JSON body (with a matching
    /// `Content-Length`, so the transfer itself looks complete). Always acts after.
    TruncateJson,
    /// Process the request and point the `next` link at another origin (added if the page
    /// has none). Always acts after.
    ForeignNext {
        /// Such as `https://evil.example`.
        origin: String,
    },
    /// Answer with a redirect to `location`.
    Redirect {
        /// 301, 302, 307 or 308.
        status: u16,
        /// The `Location` header.
        location: String,
    },
    /// Process the request and set `field` of every listed object (or of the single object)
    /// to `value`: escape sequences or 10,000-character labels. Always acts after.
    SetField {
        /// Field name, such as `label`.
        field: String,
        /// New value.
        value: Value,
    },
}

impl FaultAction {
    /// `status` with a body of the given content type.
    pub fn respond(status: u16, content_type: &str, body: &str) -> FaultAction {
        FaultAction::Respond {
            status,
            body: body.to_string(),
            content_type: content_type.to_string(),
            headers: Vec::new(),
        }
    }

    /// The HTML error page a gateway shows instead of JSON (often 502/503).
    pub fn html(status: u16) -> FaultAction {
        FaultAction::respond(
            status,
            "text/html; charset=utf-8",
            "<!DOCTYPE html><html><head><title>Bitbucket | Service unavailable</title></head>\
             <body><h1>We're down for maintenance</h1><p>Please try again later.</p></body></html>",
        )
    }

    /// A JSON error envelope with `message`.
    pub fn json_error(status: u16, message: &str) -> FaultAction {
        let body = json!({ "type": "error", "error": { "message": message } }).to_string();
        FaultAction::respond(status, "application/json", &body)
    }

    /// A 200 whose JSON body is broken.
    pub fn malformed_json() -> FaultAction {
        FaultAction::respond(
            200,
            "application/json",
            "{\"pagelen\": 10, \"values\": [{\"id\": 1,}",
        )
    }

    /// Overrides the `label` of every key in the answer.
    pub fn label(label: &str) -> FaultAction {
        FaultAction::SetField {
            field: "label".to_string(),
            value: Value::String(label.to_string()),
        }
    }

    /// Whether the action rewrites a processed answer, and so always acts after.
    pub fn is_transform(&self) -> bool {
        matches!(
            self,
            FaultAction::TruncateJson
                | FaultAction::ForeignNext { .. }
                | FaultAction::SetField { .. }
        )
    }
}

/// One fault rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fault {
    /// HTTP method (`GET`, `POST`...), or several joined by `|` (`POST|DELETE`); `None`
    /// matches any.
    #[serde(default)]
    pub method: Option<String>,
    /// Which paths.
    pub path: PathPattern,
    /// Before or after processing.
    #[serde(default)]
    pub when: When,
    /// Fire at most this many times; `None` for ever.
    #[serde(default)]
    pub times: Option<u64>,
    /// Fire with this probability per matching request (seeded); `None` means always.
    #[serde(default)]
    pub probability: Option<f64>,
    /// Let this many matching requests through untouched before the fault starts firing, so
    /// a test can stop a run at its Nth write without timing anything.
    #[serde(default)]
    pub skip: u64,
    /// What happens.
    pub action: FaultAction,
}

impl Fault {
    /// A fault on every request whose path matches, acting before processing, for ever.
    pub fn new(path: PathPattern, action: FaultAction) -> Fault {
        Fault {
            method: None,
            path,
            when: When::Before,
            times: None,
            probability: None,
            skip: 0,
            action,
        }
    }

    /// [`Fault::new`] with a path prefix, such as `/2.0/repositories/acme/api/deploy-keys`.
    pub fn prefix(prefix: &str, action: FaultAction) -> Fault {
        Fault::new(PathPattern::Prefix(prefix.to_string()), action)
    }

    /// [`Fault::new`] with a glob, such as `/2.0/repositories/*/*/deploy-keys`.
    pub fn glob(glob: &str, action: FaultAction) -> Fault {
        Fault::new(PathPattern::Glob(glob.to_string()), action)
    }

    /// Only for this method.
    pub fn method(mut self, method: &str) -> Fault {
        self.method = Some(method.to_ascii_uppercase());
        self
    }

    /// Fire at most `n` times.
    pub fn times(mut self, n: u64) -> Fault {
        self.times = Some(n);
        self
    }

    /// Fire once.
    pub fn once(self) -> Fault {
        self.times(1)
    }

    /// Let the first `n` matching requests through; the fault acts from the one after.
    pub fn skip(mut self, n: u64) -> Fault {
        self.skip = n;
        self
    }

    /// Fire with probability `p` (0..=1) per matching request.
    pub fn probability(mut self, p: f64) -> Fault {
        self.probability = Some(p);
        self
    }

    /// Act after processing: the change lands, the answer does not.
    pub fn after(mut self) -> Fault {
        self.when = When::After;
        self
    }

    fn acts_after(&self) -> bool {
        self.when == When::After || self.action.is_transform()
    }
}

/// A fault rule with its id and how often it fired.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaultStatus {
    /// Id for removal.
    pub id: u64,
    /// The rule.
    pub fault: Fault,
    /// How many requests it acted on.
    pub fired: u64,
    /// How many matching requests it let through because of `skip`.
    #[serde(default)]
    pub skipped: u64,
}

/// The installed faults and the generator their probabilities draw from.
#[derive(Debug)]
pub(crate) struct FaultSet {
    next_id: u64,
    rules: Vec<FaultStatus>,
    rng: SplitMix64,
}

impl FaultSet {
    pub(crate) fn new(seed: u64) -> FaultSet {
        FaultSet {
            next_id: 1,
            rules: Vec::new(),
            rng: SplitMix64::new(seed ^ 0xFA17_5EED),
        }
    }

    pub(crate) fn add(&mut self, fault: Fault) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        self.rules.push(FaultStatus {
            id,
            fault,
            fired: 0,
            skipped: 0,
        });
        id
    }

    pub(crate) fn remove(&mut self, id: u64) -> bool {
        let before = self.rules.len();
        self.rules.retain(|r| r.id != id);
        self.rules.len() != before
    }

    pub(crate) fn clear(&mut self) {
        self.rules.clear();
    }

    pub(crate) fn list(&self) -> Vec<FaultStatus> {
        self.rules.clone()
    }

    /// The first rule (oldest first) for this phase that matches and decides to fire.
    pub(crate) fn take(
        &mut self,
        method: &str,
        path: &str,
        after: bool,
    ) -> Option<(u64, FaultAction)> {
        let rng = &mut self.rng;
        let mut chosen = None;
        for r in self.rules.iter_mut() {
            let f = &r.fault;
            let matches = f.acts_after() == after
                && f.method
                    .as_deref()
                    .is_none_or(|m| m.split('|').any(|m| m.eq_ignore_ascii_case(method)))
                && f.path.matches(path)
                && f.times.is_none_or(|n| r.fired < n);
            if !matches {
                continue;
            }
            if r.skipped < f.skip {
                r.skipped += 1;
                continue;
            }
            if f.probability.is_none_or(|p| rng.unit() < p) {
                chosen = Some(r);
                break;
            }
        }
        let rule = chosen?;
        rule.fired += 1;
        Some((rule.id, rule.fault.action.clone()))
    }
}

/// Applies a transform action to a processed answer (`path` is the request path, for a
/// `next` link made up from nothing).
pub(crate) fn transform(action: &FaultAction, reply: Reply, path: &str) -> Reply {
    match action {
        FaultAction::TruncateJson => {
            let cut = reply.body.len() / 2;
            Reply {
                body: reply.body.slice(..cut),
                ..reply
            }
        }
        FaultAction::ForeignNext { origin } => {
            let Some(mut body) = reply.json_body() else {
                return reply;
            };
            let next = match body.get("next").and_then(Value::as_str) {
                Some(next) => match split_origin(next) {
                    Some((_, rest)) => format!("{}{rest}", origin.trim_end_matches('/')),
                    None => format!("{}{path}?page=2", origin.trim_end_matches('/')),
                },
                None => format!("{}{path}?page=2", origin.trim_end_matches('/')),
            };
            body["next"] = Value::String(next);
            reply.with_json_body(&body)
        }
        FaultAction::SetField { field, value } => {
            let Some(mut body) = reply.json_body() else {
                return reply;
            };
            if let Some(items) = body.get_mut("values").and_then(Value::as_array_mut) {
                for item in items.iter_mut().filter(|i| i.is_object()) {
                    item[field.as_str()] = value.clone();
                }
            } else if let Some(object) = body.as_object_mut() {
                object.insert(field.clone(), value.clone());
            }
            reply.with_json_body(&body)
        }
        _ => reply,
    }
}

/// `("http://host:port", "/path?query")` of an absolute URL.
fn split_origin(url: &str) -> Option<(&str, &str)> {
    let scheme_end = url.find("://")? + 3;
    let path_start = url[scheme_end..]
        .find('/')
        .map_or(url.len(), |i| scheme_end + i);
    Some(url.split_at(path_start))
}

/// Glob match with `*` (within a segment), `**` (across segments) and `?`.
fn glob(pattern: &[u8], text: &[u8]) -> bool {
    match pattern {
        [] => text.is_empty(),
        [b'*', b'*', rest @ ..] => (0..=text.len()).any(|i| glob(rest, &text[i..])),
        [b'*', rest @ ..] => {
            let segment = text.iter().position(|&c| c == b'/').unwrap_or(text.len());
            (0..=segment).any(|i| glob(rest, &text[i..]))
        }
        [b'?', rest @ ..] => text.first().is_some_and(|&c| c != b'/') && glob(rest, &text[1..]),
        [c, rest @ ..] => text.first() == Some(c) && glob(rest, &text[1..]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        let g = |p: &str, t: &str| PathPattern::Glob(p.to_string()).matches(t);
        assert!(g(
            "/2.0/repositories/*/*/deploy-keys",
            "/2.0/repositories/acme/api/deploy-keys"
        ));
        assert!(!g(
            "/2.0/repositories/*/deploy-keys",
            "/2.0/repositories/acme/api/deploy-keys"
        ));
        assert!(g(
            "/2.0/**/deploy-keys",
            "/2.0/workspaces/acme/projects/API/deploy-keys"
        ));
        assert!(g(
            "/2.0/repositories/acme/ap?",
            "/2.0/repositories/acme/api"
        ));
        assert!(!g("/2.0/user", "/2.0/user/workspaces"));
        assert!(PathPattern::Prefix("/2.0/user".into()).matches("/2.0/user/workspaces"));
    }

    #[test]
    fn times_and_probability_are_deterministic() {
        let mut set = FaultSet::new(9);
        set.add(Fault::prefix("/2.0", FaultAction::Hang).times(2));
        assert!(set.take("GET", "/2.0/user", false).is_some());
        assert!(set.take("GET", "/2.0/user", true).is_none(), "wrong phase");
        assert!(set.take("GET", "/2.0/user", false).is_some());
        assert!(set.take("GET", "/2.0/user", false).is_none(), "used up");

        let run = || {
            let mut set = FaultSet::new(5);
            set.add(
                Fault::prefix("/", FaultAction::Hang)
                    .probability(0.3)
                    .method("get"),
            );
            (0..200)
                .map(|_| set.take("GET", "/2.0/user", false).is_some())
                .collect::<Vec<_>>()
        };
        let a = run();
        assert_eq!(a, run());
        let fired = a.iter().filter(|f| **f).count();
        assert!((30..90).contains(&fired), "{fired}");
    }

    #[test]
    fn skip_lets_the_first_writes_through_and_methods_can_be_listed() {
        let mut set = FaultSet::new(1);
        set.add(
            Fault::prefix("/2.0", FaultAction::Hang)
                .method("post|DELETE")
                .skip(2)
                .once(),
        );
        assert!(
            set.take("GET", "/2.0/x", false).is_none(),
            "a read is not counted"
        );
        assert!(
            set.take("POST", "/2.0/x", false).is_none(),
            "first write passes"
        );
        assert!(
            set.take("DELETE", "/2.0/x", false).is_none(),
            "second write passes"
        );
        assert!(
            set.take("DELETE", "/2.0/x", false).is_some(),
            "the third is held"
        );
        assert!(set.take("POST", "/2.0/x", false).is_none(), "used up");
        assert_eq!(set.list()[0].skipped, 2);
    }

    #[test]
    fn foreign_next_rewrites_the_origin() {
        let reply = Reply::json(
            200,
            &json!({"values": [], "next": "http://127.0.0.1:1/2.0/user/workspaces?page=2"}),
        );
        let out = transform(
            &FaultAction::ForeignNext {
                origin: "https://evil.example".into(),
            },
            reply,
            "/x",
        );
        assert_eq!(
            out.json_body().unwrap()["next"],
            "https://evil.example/2.0/user/workspaces?page=2"
        );
    }
}
