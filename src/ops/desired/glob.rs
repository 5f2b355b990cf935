//! Shell-style globs over `owner/repository` names, as a keys file writes them.
//!
//! Only `*` (any run of characters) and `?` (one character) are special: slugs hold letters,
//! digits, `-`, `_` and `.`, so brackets would only invite mistakes. A `*` never crosses the
//! `/` between owner and repository, so `acme/*` cannot reach another workspace.

/// A checked pattern `owner/repository`, either part with `*` and `?`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Glob {
    owner: String,
    name: String,
}

impl Glob {
    /// Checks `pattern`; the error says what is wrong with it.
    pub fn parse(pattern: &str) -> Result<Glob, String> {
        let Some((owner, name)) = pattern.split_once('/') else {
            return Err(format!(
                "{pattern:?} is not a pattern of the form <workspace>/<repository>, such as \"acme/api-*\""
            ));
        };
        for (part, what) in [(owner, "workspace"), (name, "repository")] {
            if part.is_empty() {
                return Err(format!("{pattern:?} has an empty {what} part"));
            }
            if let Some(c) = part
                .chars()
                .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '*' | '?')))
            {
                return Err(format!(
                    "{pattern:?} holds {c:?}, which no {what} name can: use letters, digits, '-', '_', '.', and the wildcards '*' and '?'"
                ));
            }
        }
        Ok(Glob {
            owner: owner.to_string(),
            name: name.to_string(),
        })
    }

    /// The owner part, as written.
    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// Whether the owner part names one owner (no wildcard), so a scan knows what to read.
    pub fn owner_is_literal(&self) -> bool {
        !self.owner.contains(['*', '?'])
    }

    /// Whether the pattern names exactly one repository.
    pub fn is_literal(&self) -> bool {
        self.owner_is_literal() && !self.name.contains(['*', '?'])
    }

    /// Whether `owner/name` matches. Slugs are compared case-insensitively, as the forges
    /// treat them.
    pub fn matches(&self, owner: &str, name: &str) -> bool {
        wildcard(&self.owner, owner) && wildcard(&self.name, name)
    }
}

impl std::fmt::Display for Glob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.owner, self.name)
    }
}

/// `*` and `?` matching, iterative with one backtrack point, so no pattern can take more than
/// linear-times-pattern steps.
fn wildcard(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.to_ascii_lowercase().chars().collect();
    let t: Vec<char> = text.to_ascii_lowercase().chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_match_within_one_part() {
        let g = Glob::parse("acme/api-*").unwrap();
        assert!(g.matches("acme", "api-gateway"));
        assert!(g.matches("ACME", "api-"));
        assert!(!g.matches("acme", "web"));
        assert!(!g.matches("other", "api-x"));
        let g = Glob::parse("*/w?b").unwrap();
        assert!(g.matches("acme", "web") && g.matches("globex", "wab"));
        assert!(!g.matches("acme", "webb"));
        assert!(Glob::parse("acme/*a*b*").unwrap().matches("acme", "xaxxbx"));
        assert!(!Glob::parse("acme/*a*b").unwrap().matches("acme", "xaxxbx"));
    }

    #[test]
    fn literal_patterns_are_known_as_such() {
        assert!(Glob::parse("acme/web").unwrap().is_literal());
        let g = Glob::parse("acme/web*").unwrap();
        assert!(!g.is_literal() && g.owner_is_literal());
        assert!(!Glob::parse("*/web").unwrap().owner_is_literal());
    }

    #[test]
    fn bad_patterns_say_what_is_wrong() {
        for (bad, says) in [
            ("acme", "<workspace>/<repository>"),
            ("/api", "empty workspace"),
            ("acme/", "empty repository"),
            ("acme/api[12]", "'['"),
            ("acme/a/b", "'/'"),
        ] {
            let e = Glob::parse(bad).unwrap_err();
            assert!(e.contains(says), "{bad}: {e}");
        }
    }
}
