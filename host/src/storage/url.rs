//! Store URLs: `file:PATH` (also `file://PATH`) and `memory:`.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreUrl {
    /// Atomic JSON files under this folder, in backtest-kit's `./dump` layout.
    File(PathBuf),
    /// A map in this process, gone when it exits.
    Memory,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unsupported store URL {url:?}: {why}; use file:PATH (for example file:./dump) or memory:")]
pub struct BadStoreUrl {
    pub url: String,
    pub why: String,
}

impl FromStr for StoreUrl {
    type Err = BadStoreUrl;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = |why: &str| BadStoreUrl {
            url: s.to_string(),
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
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert!("./dump".parse::<StoreUrl>().is_err());
    }
}
