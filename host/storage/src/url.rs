//! Store URLs: `file:PATH` (also `file://PATH`), `memory:`,
//! `redis://[user:pass@]host:port[/db][?prefix=P&ttl=S]` and
//! `postgres://user[:pass]@host:port/db[?table=T]`. Passwords are never shown: [`fmt::Display`]
//! writes `***` in their place.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

/// A store, as `--store`, `--route` and the config file name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreUrl {
    /// Atomic JSON files under this folder, in backtest-kit's `./dump` layout.
    File(PathBuf),
    /// A map in this process, gone when it exits.
    Memory,
    /// A Redis server: keys `<prefix>:<entity>:<id>`.
    Redis(RedisUrl),
    /// A PostgreSQL database: a table with primary key (entity, id).
    Postgres(PostgresUrl),
}

/// A `redis://` store URL, split into the server and our parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedisUrl {
    /// The server's URL without our query parameters (it may hold a password).
    pub server: String,
    /// Key prefix (default `backtest-kit`).
    pub prefix: String,
    /// Expiry of every written key, in seconds.
    pub ttl: Option<u64>,
}

/// A `postgres://` store URL, split into the server and our parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostgresUrl {
    /// The connection URL without our query parameters (it may hold a password).
    pub server: String,
    /// Document table (default `persist_documents`); the quarantine is `<table>_quarantine`.
    pub table: String,
}

/// The URL with its password replaced by `***`.
pub fn redacted(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        Ok(u) => u.to_string(),
        Err(_) => "(unparsable URL)".to_string(),
    }
}

/// A URL as an error shows it: quoted, and redacted when it may hold a password.
fn shown_url(s: &str) -> String {
    if !s.contains('@') {
        return format!("{s:?}");
    }
    match url::Url::parse(s) {
        Ok(_) => format!("{:?}", redacted(s)),
        Err(_) => "(not shown: it may hold a password)".to_string(),
    }
}

/// A PostgreSQL identifier we can put in SQL without quoting.
fn plain_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && name.len() <= 50
}

/// A Redis key prefix: a name without `:`, so that one prefix's namespace never holds
/// another's (with `a:sub` allowed, `a` would list `a:sub`'s documents as its own).
fn redis_prefix(prefix: String) -> Result<String, String> {
    if prefix.is_empty() {
        return Err(
            "prefix= is empty: name a prefix, or leave prefix= out for backtest-kit".into(),
        );
    }
    if prefix.contains(':') || prefix.chars().any(char::is_control) {
        return Err(format!(
            "prefix={prefix:?} may not contain ':' or control characters (its keys would \
             overlap another prefix's); use '-' or '_' instead"
        ));
    }
    Ok(prefix)
}

fn split_query(s: &str) -> Result<(url::Url, Vec<(String, String)>), String> {
    let mut u = url::Url::parse(s).map_err(|e| format!("not a URL: {e}"))?;
    let params: Vec<(String, String)> = u.query_pairs().into_owned().collect();
    u.set_query(None);
    Ok((u, params))
}

/// A store URL that names no store this build can open.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unsupported store URL {url}: {why}; use file:PATH (for example file:./dump), memory:, redis://host:port or postgres://user@host:port/db"
)]
pub struct BadStoreUrl {
    /// The URL as given (its password hidden).
    pub url: String,
    /// What is wrong with it.
    pub why: String,
}

impl FromStr for StoreUrl {
    type Err = BadStoreUrl;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = |why: &str| BadStoreUrl {
            url: shown_url(s),
            why: why.to_string(),
        };
        if let Some(rest) = s.strip_prefix("file:") {
            let path = rest.strip_prefix("//").unwrap_or(rest);
            if path.is_empty() {
                return Err(bad("the path is empty"));
            }
            return Ok(StoreUrl::File(PathBuf::from(path)));
        }
        if s == "memory:" || s == "memory://" {
            return Ok(StoreUrl::Memory);
        }
        if s.starts_with("redis://") {
            let (server, params) = split_query(s).map_err(|w| bad(&w))?;
            let mut url = RedisUrl {
                server: server.to_string(),
                prefix: "backtest-kit".to_string(),
                ttl: None,
            };
            for (k, v) in params {
                match k.as_str() {
                    "prefix" => url.prefix = redis_prefix(v).map_err(|w| bad(&w))?,
                    "ttl" => {
                        url.ttl =
                            Some(v.parse::<u64>().ok().filter(|&t| t > 0).ok_or_else(|| {
                                bad(&format!("ttl={v:?} is not a positive number of seconds"))
                            })?)
                    }
                    other => {
                        return Err(bad(&format!(
                            "unknown parameter {other:?} (redis URLs take prefix= and ttl=)"
                        )));
                    }
                }
            }
            return Ok(StoreUrl::Redis(url));
        }
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            let (server, params) = split_query(s).map_err(|w| bad(&w))?;
            let mut url = PostgresUrl {
                server: server.to_string(),
                table: "persist_documents".to_string(),
            };
            for (k, v) in params {
                match k.as_str() {
                    "table" if plain_identifier(&v) => url.table = v,
                    "table" => {
                        return Err(bad(&format!(
                            "table={v:?} is not a plain SQL name (letters, digits, _; at most 50)"
                        )));
                    }
                    other => {
                        return Err(bad(&format!(
                            "unknown parameter {other:?} (postgres URLs take table=)"
                        )));
                    }
                }
            }
            return Ok(StoreUrl::Postgres(url));
        }
        match s.split_once(':') {
            Some((scheme, _)) => Err(bad(&format!("unknown scheme {scheme:?}"))),
            None => Err(bad("no scheme")),
        }
    }
}

impl fmt::Display for StoreUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreUrl::File(p) => write!(f, "file:{}", p.display()),
            StoreUrl::Memory => write!(f, "memory:"),
            StoreUrl::Redis(r) => {
                write!(f, "{}?prefix={}", redacted(&r.server), r.prefix)?;
                match r.ttl {
                    Some(t) => write!(f, "&ttl={t}"),
                    None => Ok(()),
                }
            }
            StoreUrl::Postgres(p) => write!(f, "{}?table={}", redacted(&p.server), p.table),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_redis_prefix_is_a_namespace_of_its_own() {
        for (url, says) in [
            ("redis://127.0.0.1:6379?prefix=a:sub", "may not contain ':'"),
            ("redis://127.0.0.1:6379?prefix=", "prefix= is empty"),
        ] {
            let e = url.parse::<StoreUrl>().unwrap_err().to_string();
            assert!(e.contains(says), "{url}: {e}");
        }
        let ok: StoreUrl = "redis://127.0.0.1:6379?prefix=live-btc_1".parse().unwrap();
        assert_eq!(ok.to_string(), "redis://127.0.0.1:6379?prefix=live-btc_1");
    }

    #[test]
    fn parses_the_supported_schemes_and_names_what_is_wrong() {
        assert_eq!("file:./dump".parse(), Ok(StoreUrl::File("./dump".into())));
        assert_eq!(
            "file:///var/lib/x".parse(),
            Ok(StoreUrl::File("/var/lib/x".into()))
        );
        assert_eq!("memory:".parse(), Ok(StoreUrl::Memory));
        let e = "ftp://x".parse::<StoreUrl>().unwrap_err();
        assert!(e.to_string().contains("unknown scheme \"ftp\""), "{e}");
        assert!("file:".parse::<StoreUrl>().is_err());
        let r: StoreUrl = "redis://u:secret@127.0.0.1:6379/2?prefix=p1&ttl=60"
            .parse()
            .unwrap();
        assert_eq!(
            r.to_string(),
            "redis://u:***@127.0.0.1:6379/2?prefix=p1&ttl=60"
        );
        let pg: StoreUrl = "postgres://postgres:pw@127.0.0.1:5432/test?table=docs"
            .parse()
            .unwrap();
        assert_eq!(
            pg.to_string(),
            "postgres://postgres:***@127.0.0.1:5432/test?table=docs"
        );
        let e = "postgres://x@h/db?table=a;drop"
            .parse::<StoreUrl>()
            .unwrap_err();
        assert!(e.to_string().contains("not a plain SQL name"), "{e}");
        let e = "redis://:hunter2@h:1?ttl=-1"
            .parse::<StoreUrl>()
            .unwrap_err();
        assert!(!e.to_string().contains("hunter2"), "{e}");
        assert!("./dump".parse::<StoreUrl>().is_err());
    }
}
