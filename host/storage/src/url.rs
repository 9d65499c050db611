//! Store URLs: `file:PATH` (also `file://PATH`), `memory:`,
//! `redis://[user:pass@]host:port[/db][?prefix=P&ttl=S&replicas=N&timeout-ms=T]`,
//! `redis+cluster://[user:pass@]host:port[,host:port…][?prefix=P&ttl=S&replicas=N&timeout-ms=T]`,
//! `s3://bucket[/prefix]?endpoint=URL&region=R` and
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
    /// A Redis server (keys `<prefix>:<entity>:<id>`) or a Redis Cluster (keys
    /// `<prefix>:{<entity>}:<id>`).
    Redis(RedisUrl),
    /// A PostgreSQL database: a table with primary key (entity, id).
    Postgres(PostgresUrl),
    /// An S3 bucket: objects `<prefix>/<entity>/<id>.json`.
    S3(S3Url),
}

/// An `s3://bucket[/prefix]?endpoint=URL&region=R` store URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Url {
    /// The bucket's name.
    pub bucket: String,
    /// The folder of the store in the bucket, without slashes at either end (`""`: the
    /// bucket's root).
    pub prefix: String,
    /// The server, `http(s)://host[:port]` (requests in path style); `None`: AWS S3 in the
    /// region (virtual-host style).
    pub endpoint: Option<String>,
    /// The region requests are signed for (default `us-east-1`).
    pub region: String,
    /// `conditional=unchecked`: use a server without checking that it refuses a failed
    /// conditional write.
    pub unchecked: bool,
}

impl S3Url {
    /// The endpoint requests go to.
    pub fn endpoint(&self) -> String {
        match &self.endpoint {
            Some(e) => e.clone(),
            None => format!("https://s3.{}.amazonaws.com", self.region),
        }
    }

    /// The prefix as object keys start with it: `""` or `prefix/`.
    pub fn key_prefix(&self) -> String {
        if self.prefix.is_empty() {
            String::new()
        } else {
            format!("{}/", self.prefix)
        }
    }
}

/// A `redis://` or `redis+cluster://` store URL, split into the server and our parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedisUrl {
    /// The server's URL without our query parameters (it may hold a password); for a
    /// cluster, `redis+cluster://[user:pass@]host:port,host:port…`.
    pub server: String,
    /// Whether the server is a Redis Cluster (`redis+cluster://`).
    pub cluster: bool,
    /// Key prefix (default `backtest-kit`).
    pub prefix: String,
    /// Expiry of every written key, in seconds.
    pub ttl: Option<u64>,
    /// With `replicas=N`, a write counts as done only once N replicas acknowledge it (WAIT).
    pub replicas: Option<u32>,
    /// How long a write waits for those replicas, in milliseconds (`timeout-ms`, default 1000).
    pub wait_ms: u64,
}

/// How long a write waits for its replicas unless `timeout-ms` says otherwise.
pub const DEFAULT_REPLICA_WAIT_MS: u64 = 1000;

impl RedisUrl {
    /// The server as messages show it: its password replaced by `***`.
    pub fn shown_server(&self) -> String {
        if self.cluster {
            match self
                .server
                .split_once("://")
                .and_then(|(_, rest)| rest.split_once('@'))
            {
                Some((userinfo, hosts)) => {
                    let user = userinfo.split_once(':').map_or(userinfo, |(u, _)| u);
                    format!("redis+cluster://{user}:***@{hosts}")
                }
                None => self.server.clone(),
            }
        } else {
            redacted(&self.server)
        }
    }

    /// A cluster URL's `user:password` part (as written, percent-encoded) and its seed
    /// addresses (`host:port`, at least one).
    pub fn cluster_seeds(&self) -> Result<(Option<String>, Vec<String>), String> {
        let rest = self
            .server
            .strip_prefix("redis+cluster://")
            .ok_or("not a redis+cluster:// URL")?;
        let (userinfo, hosts) = match rest.rsplit_once('@') {
            Some((u, h)) => (Some(u.to_string()), h),
            None => (None, rest),
        };
        let seeds: Vec<String> = hosts
            .trim_end_matches('/')
            .split(',')
            .map(str::trim)
            .filter(|h| !h.is_empty())
            .map(str::to_string)
            .collect();
        if seeds.is_empty() {
            return Err("name at least one node, as host:port".into());
        }
        for seed in &seeds {
            let port = seed.rsplit_once(':').map(|(_, p)| p);
            if port.is_none_or(|p| p.parse::<u16>().is_err()) || seed.contains('/') {
                return Err(format!("node {seed:?} is not host:port"));
            }
        }
        Ok((userinfo, seeds))
    }
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
    if s.starts_with("s3:") || s.starts_with("redis+cluster:") {
        return "(not shown: it may hold a password)".to_string();
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
/// In a cluster it may not hold `{` or `}` either: the entity is each key's hash tag.
fn redis_prefix(prefix: String, cluster: bool) -> Result<String, String> {
    if prefix.is_empty() {
        return Err(
            "prefix= is empty: name a prefix, or leave prefix= out for backtest-kit".into(),
        );
    }
    if cluster && (prefix.contains('{') || prefix.contains('}')) {
        return Err(format!(
            "prefix={prefix:?} may not contain '{{' or '}}' in a cluster (the entity is each \
             key's hash tag); use '-' or '_' instead"
        ));
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
    "unsupported store URL {url}: {why}; use file:PATH (for example file:./dump), memory:, redis://host:port, redis+cluster://host:port[,host:port…], postgres://user@host:port/db or s3://bucket[/prefix]?endpoint=URL&region=R"
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
        if s.starts_with("redis://") || s.starts_with("redis+cluster://") {
            let cluster = s.starts_with("redis+cluster://");
            let (server, params) = if cluster {
                // Several host:port in the authority: not a URL the url crate reads.
                let (server, query) = s.split_once('?').unwrap_or((s, ""));
                let params = url::form_urlencoded::parse(query.as_bytes())
                    .into_owned()
                    .collect();
                (server.to_string(), params)
            } else {
                let (server, params) = split_query(s).map_err(|w| bad(&w))?;
                (server.to_string(), params)
            };
            let mut url = RedisUrl {
                server,
                cluster,
                prefix: "backtest-kit".to_string(),
                ttl: None,
                replicas: None,
                wait_ms: DEFAULT_REPLICA_WAIT_MS,
            };
            let positive = |name: &str, v: &str| {
                v.parse::<u64>()
                    .ok()
                    .filter(|&n| n > 0)
                    .ok_or_else(|| bad(&format!("{name}={v:?} is not a positive whole number")))
            };
            for (k, v) in params {
                match k.as_str() {
                    "prefix" => url.prefix = redis_prefix(v, cluster).map_err(|w| bad(&w))?,
                    "ttl" => url.ttl = Some(positive("ttl (seconds)", &v)?),
                    "replicas" => {
                        url.replicas = Some(
                            u32::try_from(positive("replicas", &v)?)
                                .map_err(|_| bad(&format!("replicas={v:?} is too large")))?,
                        )
                    }
                    "timeout-ms" => url.wait_ms = positive("timeout-ms", &v)?,
                    other => {
                        return Err(bad(&format!(
                            "unknown parameter {other:?} (redis URLs take prefix=, ttl=, \
                             replicas= and timeout-ms=)"
                        )));
                    }
                }
            }
            if cluster {
                url.cluster_seeds().map_err(|w| bad(&w))?;
            }
            return Ok(StoreUrl::Redis(url));
        }
        if let Some(rest) = s.strip_prefix("s3://") {
            let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
            let (bucket, prefix) = path.split_once('/').unwrap_or((path, ""));
            let prefix = prefix.trim_end_matches('/');
            let bucket_ok = (3..=63).contains(&bucket.len())
                && bucket
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
                && !bucket.starts_with(['-', '.'])
                && !bucket.ends_with(['-', '.']);
            if !bucket_ok {
                return Err(bad(&format!(
                    "{bucket:?} is not an S3 bucket name (3 to 63 lowercase letters, digits, '-' \
                     and '.')"
                )));
            }
            if !prefix.is_empty()
                && prefix
                    .split('/')
                    .any(|seg| seg.is_empty() || seg.starts_with('.') || seg.contains('\\'))
            {
                return Err(bad(&format!(
                    "the prefix {prefix:?} has an empty segment or one starting with '.'"
                )));
            }
            let mut url = S3Url {
                bucket: bucket.to_string(),
                prefix: prefix.to_string(),
                endpoint: None,
                region: "us-east-1".to_string(),
                unchecked: false,
            };
            for (k, v) in url::form_urlencoded::parse(query.as_bytes()).into_owned() {
                match k.as_str() {
                    "endpoint" => {
                        let parsed = url::Url::parse(&v)
                            .map_err(|e| bad(&format!("endpoint= is not a URL ({e})")))?;
                        if parsed.password().is_some() || !parsed.username().is_empty() {
                            return Err(bad("endpoint= may not hold credentials (they come from \
                                 AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)"));
                        }
                        if !matches!(parsed.scheme(), "http" | "https")
                            || parsed.host_str().is_none()
                        {
                            return Err(bad(&format!(
                                "endpoint={v:?} must be http(s)://host[:port]"
                            )));
                        }
                        url.endpoint = Some(v.trim_end_matches('/').to_string());
                    }
                    "region" if !v.is_empty() => url.region = v,
                    "conditional" if v == "unchecked" => url.unchecked = true,
                    "conditional" => {
                        return Err(bad(&format!(
                            "conditional={v:?}: the only value is unchecked (skip the check \
                             that the server refuses failed conditional writes)"
                        )));
                    }
                    other => {
                        return Err(bad(&format!(
                            "unknown parameter {other:?} (s3 URLs take endpoint=, region= and \
                             conditional=unchecked)"
                        )));
                    }
                }
            }
            return Ok(StoreUrl::S3(url));
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
                write!(f, "{}?prefix={}", r.shown_server(), r.prefix)?;
                if let Some(t) = r.ttl {
                    write!(f, "&ttl={t}")?;
                }
                if let Some(n) = r.replicas {
                    write!(f, "&replicas={n}&timeout-ms={}", r.wait_ms)?;
                }
                Ok(())
            }
            StoreUrl::Postgres(p) => write!(f, "{}?table={}", redacted(&p.server), p.table),
            StoreUrl::S3(u) => write!(f, "{u}"),
        }
    }
}

impl fmt::Display for S3Url {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "s3://{}", self.bucket)?;
        if !self.prefix.is_empty() {
            write!(f, "/{}", self.prefix)?;
        }
        write!(f, "?")?;
        if let Some(e) = &self.endpoint {
            write!(f, "endpoint={e}&")?;
        }
        write!(f, "region={}", self.region)?;
        if self.unchecked {
            write!(f, "&conditional=unchecked")?;
        }
        Ok(())
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
