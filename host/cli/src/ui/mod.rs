//! `persist ui`: a local web server showing what the stores hold: the live state (Now,
//! updated by server-sent events), the signals store's history with its equity curve and
//! candle chart, and the store's health with the quarantine. Read-only, except restoring a
//! quarantined document. Every asset is served by the binary; nothing is fetched elsewhere.
//!
//! - [`data`]: reading what the pages show from the routed stores.
//! - [`pages`]: the HTML; [`charts`]: the SVG charts.
//! - [`live`]: the change watcher behind `/api/events`.
//! - [`server`]: the routes, the JSON API and the access check.

mod charts;
mod data;
mod live;
mod pages;
mod server;

use crate::cli::error::CliError;
use persist_embed::error::Error;
use persist_embed::runtime::Runtime;
use persist_embed::storage::Routes;
use std::net::SocketAddr;

/// `persist ui`'s options.
#[derive(clap::Args, Debug, Clone)]
pub struct UiArgs {
    /// Address to serve on. Anything but a loopback address needs --allow-remote.
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// Serve on a non-loopback address; the browser must then present the token printed at
    /// start (open the printed URL once: it sets a cookie).
    #[arg(long)]
    pub allow_remote: bool,
    /// How often the store is looked at for changes, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 250)]
    pub poll_ms: u64,
}

/// Serves until the process is stopped.
pub fn run(runtime: Runtime, routes: Routes, args: &UiArgs) -> Result<(), CliError> {
    let addr: SocketAddr = args.listen.parse().map_err(|_| {
        Error::Usage(format!(
            "--listen {:?}: give HOST:PORT with an IP address, for example 127.0.0.1:8080",
            args.listen
        ))
    })?;
    if !addr.ip().is_loopback() && !args.allow_remote {
        return Err(Error::Usage(format!(
            "--listen {addr} is reachable from other machines: add --allow-remote (the browser \
             then needs the token printed at start), or listen on 127.0.0.1"
        ))
        .into());
    }
    let token = (!addr.ip().is_loopback()).then(|| format!("{:032x}", rand::random::<u128>()));
    let persist = runtime.open_routed(routes.clone())?;
    let tokio = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Error::Setup(format!("persist ui: cannot start its runtime: {e}")))?;
    tokio.block_on(server::serve(
        addr,
        server::Ui::new(routes, persist, token),
        std::time::Duration::from_millis(args.poll_ms.max(20)),
    ))
}
