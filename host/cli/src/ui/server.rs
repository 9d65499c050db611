//! The routes of `persist ui`: the pages, the JSON API under `/api/` they are built from, the
//! event stream, the assets, and the access check (a token when serving beyond loopback; a
//! per-server key on the one action, so another site cannot post it).

use super::live::{self, Change};
use super::{data, pages};
use crate::cli::error::CliError;
use axum::Router;
use axum::extract::{Form, Path, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use maud::{Markup, html};
use persist_embed::error::Error;
use persist_embed::session::Persist;
use persist_embed::storage::Routes;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::broadcast;

/// What every request shares.
pub struct Ui {
    routes: Routes,
    /// The guest over the same stores, for the check.
    persist: Mutex<Persist>,
    /// `bucket → URL` lines for the header.
    stores: String,
    /// The token a browser must present, when serving beyond loopback.
    token: Option<String>,
    /// The key the restore form carries: a page of this server has it, another site not.
    action_key: String,
    changes: broadcast::Sender<Change>,
}

impl Ui {
    /// The shared state over `routes`.
    pub fn new(routes: Routes, persist: Persist, token: Option<String>) -> Ui {
        let stores = routes.describe();
        Ui {
            routes,
            persist: Mutex::new(persist),
            stores,
            token,
            action_key: format!("{:032x}", rand::random::<u128>()),
            changes: broadcast::channel(64).0,
        }
    }
}

type Shared = Arc<Ui>;

/// Runs `f` on a blocking thread (the stores and the guest are synchronous).
async fn blocking<T: Send + 'static>(ui: &Shared, f: impl FnOnce(&Ui) -> T + Send + 'static) -> T {
    let ui = ui.clone();
    match tokio::task::spawn_blocking(move || f(&ui)).await {
        Ok(v) => v,
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    }
}

fn page(ui: &Ui, title: &str, active: &str, body: Markup) -> Html<String> {
    Html(pages::layout(title, active, &ui.stores, body).into_string())
}

async fn now_page(State(ui): State<Shared>) -> Html<String> {
    let body = blocking(&ui, |ui| match data::now(&ui.routes) {
        Ok(now) => pages::now(&now),
        Err(e) => pages::unreachable(&e),
    })
    .await;
    page(
        &ui,
        "Now",
        "Now",
        html! { div #now data-live="/fragment/now" { (body) } },
    )
}

async fn now_fragment(State(ui): State<Shared>) -> Html<String> {
    let body = blocking(&ui, |ui| match data::now(&ui.routes) {
        Ok(now) => pages::now(&now),
        Err(e) => pages::unreachable(&e),
    })
    .await;
    Html(body.into_string())
}

async fn history_page(State(ui): State<Shared>) -> Html<String> {
    let body = blocking(&ui, |ui| {
        let rows = match data::history(&ui.routes) {
            Ok(rows) => rows,
            Err(e) => return pages::unreachable(&e),
        };
        let mut symbols: Vec<(String, String)> = rows
            .iter()
            .map(|r| (r.exchange_name.clone(), r.symbol.clone()))
            .collect();
        symbols.sort();
        symbols.dedup();
        let mut charts = Vec::new();
        for (exchange, symbol) in symbols {
            let trades: Vec<&data::HistoryRow> = rows
                .iter()
                .filter(|r| r.exchange_name == exchange && r.symbol == symbol)
                .collect();
            match data::candles(&ui.routes, &exchange, &symbol) {
                Ok((interval, candles)) => {
                    let chart = super::charts::candle_chart(&candles, &trades);
                    charts.push((exchange, symbol, interval, chart));
                }
                Err(e) => return pages::unreachable(&e),
            }
        }
        pages::history(&rows, &charts)
    })
    .await;
    page(&ui, "History", "History", body)
}

fn health(ui: &Ui) -> Result<data::Health, String> {
    let report = ui
        .persist
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .check(true)
        .map_err(|e| e.to_string())?;
    Ok(data::Health {
        stores: ui.stores.clone(),
        checked: report.checked,
        valid: report.valid,
        per_domain: data::per_domain(&ui.routes)?,
        invalid: report
            .findings
            .into_iter()
            .map(|f| (f.bucket, f.entity, f.id, f.reason))
            .collect(),
        quarantine: data::quarantine(&ui.routes)?,
    })
}

async fn health_page(State(ui): State<Shared>) -> Html<String> {
    let body = blocking(&ui, |ui| match health(ui) {
        Ok(h) => pages::health(&h, &ui.action_key),
        Err(e) => pages::unreachable(&e),
    })
    .await;
    page(&ui, "Store health", "Store health", body)
}

/// `<entity…>/<id>` of a document path, or what one looks like.
fn split_doc_path(path: &str, route: &str) -> Result<(String, String), String> {
    match path.rsplit_once('/') {
        Some((entity, id)) if !entity.is_empty() && !id.is_empty() => {
            Ok((entity.to_string(), id.to_string()))
        }
        _ => Err(format!("a document is {route}/<bucket>/<entity>/<id>")),
    }
}

async fn document_page(
    State(ui): State<Shared>,
    Path((bucket, path)): Path<(String, String)>,
) -> Response {
    let (entity, id) = match split_doc_path(&path, "/doc") {
        Ok(found) => found,
        Err(why) => return (StatusCode::NOT_FOUND, why).into_response(),
    };
    let (status, body) = blocking(&ui, move |ui| {
        match data::document(&ui.routes, &bucket, &entity, &id) {
            Ok(bytes) => (
                StatusCode::OK,
                pages::document(&bucket, &entity, &id, bytes.as_deref()),
            ),
            Err(data::Missing::NotADocument(e)) => (
                StatusCode::NOT_FOUND,
                html! { div.error { "Not a document: " (e) } },
            ),
            Err(data::Missing::Store(e)) => (StatusCode::OK, pages::unreachable(&e)),
        }
    })
    .await;
    (status, page(&ui, "Document", "", body)).into_response()
}

#[derive(serde::Deserialize)]
struct RestoreForm {
    entity: String,
    id: String,
    key: String,
}

async fn restore(State(ui): State<Shared>, Form(form): Form<RestoreForm>) -> Response {
    if form.key != ui.action_key {
        return (
            StatusCode::FORBIDDEN,
            "this form is not from this persist ui (reload the Store health page and try again)",
        )
            .into_response();
    }
    let said = blocking(&ui, move |ui| {
        crate::cli::quarantine::restore(&ui.routes, &form.entity, &form.id, false)
    })
    .await;
    let body = match said {
        Ok(text) => {
            html! { div.notice #restored { (text) } a href="/health" { "Back to Store health" } }
        }
        Err(e) => {
            html! { div.error #restore-refused { (e.to_string()) } a href="/health" { "Back to Store health" } }
        }
    };
    page(&ui, "Restore", "Store health", body).into_response()
}

fn json<T: serde::Serialize>(value: Result<T, String>) -> Response {
    match value {
        Ok(v) => axum::Json(v).into_response(),
        Err(e) => (
            StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(serde_json::json!({ "error": e, "retryable": true })),
        )
            .into_response(),
    }
}

async fn api_now(State(ui): State<Shared>) -> Response {
    json(blocking(&ui, |ui| data::now(&ui.routes)).await)
}

async fn api_history(State(ui): State<Shared>) -> Response {
    json(blocking(&ui, |ui| data::history(&ui.routes)).await)
}

async fn api_health(State(ui): State<Shared>) -> Response {
    json(blocking(&ui, health).await)
}

async fn api_quarantine(State(ui): State<Shared>) -> Response {
    json(blocking(&ui, |ui| data::quarantine(&ui.routes)).await)
}

async fn api_candles(
    State(ui): State<Shared>,
    Path((exchange, symbol)): Path<(String, String)>,
) -> Response {
    json(blocking(&ui, move |ui| data::candles(&ui.routes, &exchange, &symbol)).await)
}

async fn api_document(
    State(ui): State<Shared>,
    Path((bucket, path)): Path<(String, String)>,
) -> Response {
    let (entity, id) = match split_doc_path(&path, "/api/doc") {
        Ok(found) => found,
        Err(why) => return (StatusCode::NOT_FOUND, why).into_response(),
    };
    match blocking(&ui, move |ui| {
        data::document(&ui.routes, &bucket, &entity, &id)
    })
    .await
    {
        Ok(Some(bytes)) => ([(header::CONTENT_TYPE, "application/json")], bytes).into_response(),
        Ok(None) => (StatusCode::NOT_FOUND, "no such document").into_response(),
        Err(data::Missing::NotADocument(e)) => (
            StatusCode::NOT_FOUND,
            axum::Json(serde_json::json!({ "error": e, "retryable": false })),
        )
            .into_response(),
        Err(data::Missing::Store(e)) => json::<()>(Err(e)),
    }
}

async fn events(
    State(ui): State<Shared>,
) -> Sse<impl futures_util::Stream<Item = Result<Event, Infallible>>> {
    let rx = ui.changes.subscribe();
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        let event = match rx.recv().await {
            Ok(Change::Changed) | Err(broadcast::error::RecvError::Lagged(_)) => {
                Event::default().event("change").data("now")
            }
            Ok(Change::StoreError(e)) => Event::default()
                .event("store-error")
                .data(e.replace(['\r', '\n'], " ")),
            Ok(Change::StoreOk) => Event::default().event("store-ok").data("ok"),
            Err(broadcast::error::RecvError::Closed) => return None,
        };
        Some((Ok(event), rx))
    });
    Sse::new(stream).keep_alive(KeepAlive::default())
}

/// Equal strings, compared in time that does not depend on where they differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Lets a request through when no token is needed, or it carries the token (header
/// `Authorization: Bearer …`, the cookie, or `?token=…`, which then sets the cookie).
/// How a request presents the token: (in a header or cookie, in the query).
fn presents(request: &Request, token: &str) -> (bool, bool) {
    let values = |name: header::HeaderName| -> Vec<String> {
        request
            .headers()
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(str::to_string)
            .collect()
    };
    let bearer = values(header::AUTHORIZATION)
        .iter()
        .any(|v| v.strip_prefix("Bearer ").is_some_and(|t| same(t, token)));
    let cookie = values(header::COOKIE).iter().any(|v| {
        v.split(';')
            .filter_map(|c| c.trim().strip_prefix("persist_ui_token="))
            .any(|t| same(t, token))
    });
    let query = request.uri().query().is_some_and(|q| {
        q.split('&')
            .filter_map(|p| p.strip_prefix("token="))
            .any(|t| same(t, token))
    });
    (bearer || cookie, query)
}

async fn guard(State(ui): State<Shared>, request: Request, next: Next) -> Response {
    let Some(token) = ui.token.clone() else {
        return next.run(request).await;
    };
    let (held, query) = presents(&request, &token);
    if held {
        return next.run(request).await;
    }
    if query {
        let mut response = next.run(request).await;
        if let Ok(value) =
            format!("persist_ui_token={token}; HttpOnly; SameSite=Strict; Path=/").parse()
        {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
        return response;
    }
    (
        StatusCode::UNAUTHORIZED,
        "this persist ui serves beyond loopback and needs its token: open the URL it printed at \
         start (http://HOST:PORT/?token=…) once, or send Authorization: Bearer <token>",
    )
        .into_response()
}

fn router(ui: Shared) -> Router {
    Router::new()
        .route("/", get(now_page))
        .route("/fragment/now", get(now_fragment))
        .route("/history", get(history_page))
        .route("/health", get(health_page))
        .route("/doc/{bucket}/{*path}", get(document_page))
        .route("/quarantine/restore", post(restore))
        .route("/api/now", get(api_now))
        .route("/api/history", get(api_history))
        .route("/api/health", get(api_health))
        .route("/api/quarantine", get(api_quarantine))
        .route("/api/candles/{exchange}/{symbol}", get(api_candles))
        .route("/api/doc/{bucket}/{*path}", get(api_document))
        .route("/api/events", get(events))
        .route(
            "/assets/style.css",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
                    include_str!("assets/style.css"),
                )
            }),
        )
        .route(
            "/assets/live.js",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
                    include_str!("assets/live.js"),
                )
            }),
        )
        .layer(middleware::from_fn_with_state(ui.clone(), guard))
        .with_state(ui)
}

/// Binds `addr` and serves until the process ends.
pub async fn serve(addr: SocketAddr, ui: Ui, poll: Duration) -> Result<(), CliError> {
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| {
        let why = if e.kind() == std::io::ErrorKind::AddrInUse {
            "the port is taken (another persist ui, or another server); pick a free one with \
             --listen 127.0.0.1:PORT"
                .to_string()
        } else {
            e.to_string()
        };
        Error::Usage(format!("persist ui cannot listen on {addr}: {why}"))
    })?;
    let bound = listener
        .local_addr()
        .map_err(|e| Error::Setup(format!("persist ui: {e}")))?;
    let url = match &ui.token {
        Some(token) => format!("http://{bound}/?token={token}"),
        None => format!("http://{bound}/"),
    };
    // A closed stdout (the reader went away) must not stop the server.
    {
        use std::io::Write as _;
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "persist ui on {url}");
        let _ = writeln!(out, "{}", ui.stores);
        let _ = out.flush();
    }
    let ui = Arc::new(ui);
    tokio::spawn(live::watch(ui.routes.clone(), poll, ui.changes.clone()));
    axum::serve(listener, router(ui))
        .await
        .map_err(|e| Error::Setup(format!("persist ui stopped serving: {e}")).into())
}
