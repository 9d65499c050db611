//! Where the CLI's stores come from: `--store` / `PERSIST_STORE`, `--route`, and the
//! `--config` TOML file, in that order of precedence; `file:./dump` when nothing says.

use super::{Cli, Command};
use persist_embed::error::Error;
use persist_embed::storage::routes::RouteError;
use persist_embed::storage::{Routes, StoreUrl};
use std::collections::BTreeMap;
use std::path::Path;

/// The `--config` file.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// The store of every bucket not routed elsewhere.
    pub store: Option<String>,
    /// Bucket name → store URL.
    #[serde(default)]
    pub routes: BTreeMap<String, String>,
}

impl ConfigFile {
    pub fn load(path: &Path) -> Result<ConfigFile, Error> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::Setup(format!("cannot read config file {}: {e}", path.display()))
        })?;
        // The parser's own text quotes the offending line, which may hold a password: say
        // where and what, on one line, never the line itself.
        toml::from_str(&text).map_err(|e| {
            let at = match e.span() {
                Some(span) => {
                    let before = &text[..span.start.min(text.len())];
                    let line = before.matches('\n').count() + 1;
                    let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
                    format!(" at line {line}, column {column}")
                }
                None => String::new(),
            };
            let what = e.message().lines().next().unwrap_or_default().to_string();
            Error::Setup(format!("config file {}{at}: {what}", path.display()))
        })
    }
}

fn url(text: &str, from: &str) -> Result<StoreUrl, Error> {
    text.parse::<StoreUrl>()
        .map_err(|e| Error::Setup(format!("{from}: {e}")))
}

/// A store URL given on the command line (or in `PERSIST_STORE`).
pub fn cli_url(text: &str, flag: &str) -> Result<StoreUrl, Error> {
    text.parse::<StoreUrl>()
        .map_err(|e| Error::Usage(format!("{flag}: {e}")))
}

/// The stores the command runs on.
pub fn routes(cli: &Cli) -> Result<Routes, Error> {
    let file = match &cli.config {
        Some(path) => ConfigFile::load(path)?,
        None => ConfigFile::default(),
    };
    let from_file = |what: &str| match &cli.config {
        Some(path) => format!("config file {} ({what})", path.display()),
        None => what.to_string(),
    };
    let default = match (&cli.store, &file.store) {
        (Some(text), _) => cli_url(text, "--store")?,
        (None, Some(text)) => url(text, &from_file("store"))?,
        (None, None) => StoreUrl::File("./dump".into()),
    };
    let mut routes: BTreeMap<String, StoreUrl> = BTreeMap::new();
    for (bucket, text) in &file.routes {
        routes.insert(
            bucket.clone(),
            url(text, &from_file(&format!("routes.{bucket}")))?,
        );
    }
    for text in &cli.routes {
        let (bucket, url) = persist_embed::storage::routes::parse_route(text)
            .map_err(|e| Error::Usage(format!("--route: {e}")))?;
        routes.insert(bucket, url);
    }
    let routes: Vec<(String, StoreUrl)> = routes.into_iter().collect();
    // A dry-run check is a look that must change nothing, not even by a file store's sweep
    // of stale temp files.
    let housekeeping = !matches!(cli.command, Command::Check { dry_run: true, .. });
    Routes::open_with(&default, &routes, cli.max_document_bytes, housekeeping).map_err(
        |e| match e {
            // A bucket that does not exist is a mistake in what was given, like any other usage.
            RouteError::UnknownBucket(_) => Error::Usage(e.to_string()),
            RouteError::Open { .. } => Error::Setup(e.to_string()),
        },
    )
}
