//! What the pages show, read from the stores the UI is routed to: the live state (open and
//! scheduled signals, risk slots, partial and breakeven levels), the signals store's history
//! with its candles, and the store's health. Documents are read as stored and parsed as JSON;
//! one that is not readable is shown as such, never fatal (the Store health page says why).

use persist_core::domain::Domain;
use persist_core::keys::{unescape, unescape_entity};
use persist_embed::storage::{Backend, Routes};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Reads of one entity's documents at once.
const READ_BATCH: usize = 500;

/// A document as stored: where it is and its JSON (`None` when it is not JSON).
#[derive(Debug, Clone, Serialize)]
pub struct Doc {
    /// The bucket (domain name) it belongs to.
    pub bucket: String,
    /// Its entity path as stored (escaped).
    pub entity: String,
    /// Its id as stored (escaped).
    pub id: String,
    /// Its JSON, or `None` when it does not parse.
    pub json: Option<Value>,
}

impl Doc {
    /// The link to the document as backtest-kit stores it.
    pub fn href(&self) -> String {
        format!(
            "/doc/{}/{}/{}",
            self.bucket,
            url_path(&self.entity),
            url_path(&self.id)
        )
    }

    fn text(&self, key: &str) -> String {
        self.json
            .as_ref()
            .and_then(|j| j.get(key))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    }

    fn number(&self, key: &str) -> Option<f64> {
        self.json.as_ref()?.get(key)?.as_f64()
    }
}

/// `text` as a URL path: every byte but letters, digits, `-._~` and `/` percent-encoded (a
/// stored name may hold `%`, which the server decodes back).
fn url_path(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Every document of `domain` in its store, entity by entity.
pub fn documents(routes: &Routes, domain: Domain) -> Result<Vec<Doc>, String> {
    let store = routes.for_bucket(domain.name());
    let mut docs = Vec::new();
    for entity in store.entities(domain.folder()).map_err(|e| e.to_string())? {
        docs.extend(entity_documents(store, domain.name(), &entity)?);
    }
    Ok(docs)
}

fn entity_documents(
    store: &Arc<dyn Backend>,
    bucket: &str,
    entity: &str,
) -> Result<Vec<Doc>, String> {
    let ids = store.list_ids(entity).map_err(|e| e.to_string())?;
    let mut docs = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(READ_BATCH) {
        let values = store.read_many(entity, chunk).map_err(|e| e.to_string())?;
        for (id, bytes) in chunk.iter().zip(values) {
            let Some(bytes) = bytes else { continue };
            docs.push(Doc {
                bucket: bucket.to_string(),
                entity: entity.to_string(),
                id: id.clone(),
                json: serde_json::from_slice(&bytes).ok(),
            });
        }
    }
    Ok(docs)
}

/// Why a document could not be shown.
#[derive(Debug)]
pub enum Missing {
    /// Not a document this store can hold: an unknown bucket or a name it refuses.
    NotADocument(String),
    /// The store failed.
    Store(String),
}

/// One document's bytes, for the document view; `None` when absent.
pub fn document(
    routes: &Routes,
    bucket: &str,
    entity: &str,
    id: &str,
) -> Result<Option<Vec<u8>>, Missing> {
    if !persist_embed::storage::routes::bucket_names().contains(&bucket) {
        return Err(Missing::NotADocument(format!(
            "unknown bucket {bucket:?} (base or one of the 16 domain names)"
        )));
    }
    routes
        .for_bucket(bucket)
        .read(entity, id)
        .map_err(|e| match e {
            persist_embed::storage::StorageError::InvalidKey(_) => {
                Missing::NotADocument(e.to_string())
            }
            other => Missing::Store(other.to_string()),
        })
}

/// An open (pending) signal, with its price now when a candle of it is stored.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OpenSignal {
    /// The signal row as stored.
    pub doc: Doc,
    /// The signal's id.
    pub id: String,
    /// Its symbol, strategy and exchange.
    pub symbol: String,
    /// Its strategy.
    pub strategy_name: String,
    /// Its exchange.
    pub exchange_name: String,
    /// `long` or `short`.
    pub position: String,
    /// Entry, take-profit and stop-loss prices.
    pub price_open: Option<f64>,
    /// The take-profit price.
    pub price_take_profit: Option<f64>,
    /// The stop-loss price.
    pub price_stop_loss: Option<f64>,
    /// When it opened (ms).
    pub pending_at: Option<f64>,
    /// The close of the newest stored candle of its symbol and exchange, and its time.
    pub last_price: Option<(f64, f64)>,
    /// Profit or loss at `last_price`, in percent (fees not included).
    pub unrealised_pnl_percent: Option<f64>,
}

/// The live state: what the Now page shows.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Now {
    /// Open signals.
    pub open: Vec<OpenSignal>,
    /// Scheduled signals (not yet open).
    pub scheduled: Vec<Doc>,
    /// Risk profiles: the entity (`<risk>_<exchange>`) and its `[key, position]` slots.
    pub risk: Vec<(Doc, Vec<String>)>,
    /// Partial-profit levels, one document per signal.
    pub partial: Vec<Doc>,
    /// Breakeven levels, one document per signal.
    pub breakeven: Vec<Doc>,
}

/// Reads the live state.
pub fn now(routes: &Routes) -> Result<Now, String> {
    let mut open = Vec::new();
    for doc in documents(routes, Domain::Signal)? {
        if doc.json.as_ref().is_none_or(Value::is_null) {
            continue;
        }
        let symbol = doc.text("symbol");
        let exchange = doc.text("exchangeName");
        let position = doc.text("position");
        let price_open = doc.number("priceOpen");
        let last_price = last_candle(routes, &exchange, &symbol);
        let unrealised = match (price_open, last_price) {
            (Some(open), Some((close, _))) if open > 0.0 => Some(match position.as_str() {
                "short" => (open - close) / open * 100.0,
                _ => (close - open) / open * 100.0,
            }),
            _ => None,
        };
        open.push(OpenSignal {
            id: doc.text("id"),
            strategy_name: doc.text("strategyName"),
            exchange_name: exchange,
            price_take_profit: doc.number("priceTakeProfit"),
            price_stop_loss: doc.number("priceStopLoss"),
            pending_at: doc.number("pendingAt"),
            symbol,
            position,
            price_open,
            last_price,
            unrealised_pnl_percent: unrealised,
            doc,
        });
    }
    let scheduled = documents(routes, Domain::Schedule)?
        .into_iter()
        .filter(|d| d.json.as_ref().is_some_and(|j| !j.is_null()))
        .collect();
    let risk = documents(routes, Domain::Risk)?
        .into_iter()
        .map(|d| {
            let keys = d
                .json
                .as_ref()
                .and_then(Value::as_array)
                .map(|slots| {
                    slots
                        .iter()
                        .filter_map(|s| s.get(0).and_then(Value::as_str).map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            (d, keys)
        })
        .collect();
    Ok(Now {
        open,
        scheduled,
        risk,
        partial: documents(routes, Domain::Partial)?,
        breakeven: documents(routes, Domain::Breakeven)?,
    })
}

/// The folder of a symbol's candles on an exchange, one entity per interval under it.
fn candle_root(exchange: &str, symbol: &str) -> String {
    format!("{}{exchange}/{symbol}/", Domain::Candle.folder())
}

/// The close and open time of the newest stored candle of a symbol on an exchange, over
/// every interval stored.
fn last_candle(routes: &Routes, exchange: &str, symbol: &str) -> Option<(f64, f64)> {
    let store = routes.for_bucket(Domain::Candle.name());
    let root = candle_root(exchange, symbol);
    let mut newest: Option<(f64, String, String)> = None;
    for entity in store.entities(&root).ok()? {
        for id in store.list_ids(&entity).ok()? {
            let Ok(ts) = id.parse::<f64>() else { continue };
            if newest.as_ref().is_none_or(|(t, _, _)| ts > *t) {
                newest = Some((ts, entity.clone(), id));
            }
        }
    }
    let (ts, entity, id) = newest?;
    let bytes = store.read(&entity, &id).ok()??;
    let candle: Value = serde_json::from_slice(&bytes).ok()?;
    Some((candle.get("close")?.as_f64()?, ts))
}

/// A row of the signals store (`data/storage/<live|backtest>`).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryRow {
    /// The row as stored.
    pub doc: Doc,
    /// `live` or `backtest`.
    pub mode: String,
    /// The signal's id.
    pub id: String,
    /// `opened`, `scheduled`, `closed`, `cancelled`…
    pub status: String,
    /// Its symbol.
    pub symbol: String,
    /// Its strategy.
    pub strategy_name: String,
    /// Its exchange.
    pub exchange_name: String,
    /// `long` or `short`.
    pub position: String,
    /// When it opened (ms) and at what price.
    pub pending_at: Option<f64>,
    /// The entry price.
    pub price_open: Option<f64>,
    /// When it closed (ms), at what price and why.
    pub close_timestamp: Option<f64>,
    /// The exit price.
    pub price_close: Option<f64>,
    /// `take_profit`, `stop_loss`, `time_expired`.
    pub close_reason: String,
    /// Profit or loss in percent, fees included, of a closed signal.
    pub pnl_percentage: Option<f64>,
}

/// The signals store, closed trades ordered by close time, the others after them.
pub fn history(routes: &Routes) -> Result<Vec<HistoryRow>, String> {
    let mut rows: Vec<HistoryRow> = documents(routes, Domain::Storage)?
        .into_iter()
        .map(|doc| HistoryRow {
            mode: doc
                .entity
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .to_string(),
            id: doc.text("id"),
            status: doc.text("status"),
            symbol: doc.text("symbol"),
            strategy_name: doc.text("strategyName"),
            exchange_name: doc.text("exchangeName"),
            position: doc.text("position"),
            pending_at: doc.number("pendingAt"),
            price_open: doc.number("priceOpen"),
            close_timestamp: doc.number("closeTimestamp"),
            price_close: doc.number("currentPrice"),
            close_reason: doc.text("closeReason"),
            pnl_percentage: doc
                .json
                .as_ref()
                .and_then(|j| j.get("pnl"))
                .and_then(|p| p.get("pnlPercentage"))
                .and_then(Value::as_f64),
            doc,
        })
        .collect();
    rows.sort_by(|a, b| {
        let key = |r: &HistoryRow| r.close_timestamp.or(r.pending_at).unwrap_or(f64::MAX);
        key(a).total_cmp(&key(b)).then_with(|| a.id.cmp(&b.id))
    });
    Ok(rows)
}

/// One stored candle.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Candle {
    /// Open time (ms).
    pub t: f64,
    /// Open, high, low, close.
    pub o: f64,
    /// High.
    pub h: f64,
    /// Low.
    pub l: f64,
    /// Close.
    pub c: f64,
}

/// The stored candles of a symbol on an exchange, of its finest interval stored, oldest
/// first, with that interval's name.
pub fn candles(
    routes: &Routes,
    exchange: &str,
    symbol: &str,
) -> Result<(String, Vec<Candle>), String> {
    let store = routes.for_bucket(Domain::Candle.name());
    let root = candle_root(exchange, symbol);
    let entities = store.entities(&root).map_err(|e| e.to_string())?;
    let minutes = |e: &str| {
        persist_core::records::trading::interval_minutes(e.rsplit('/').next().unwrap_or_default())
            .unwrap_or(u32::MAX)
    };
    let Some(entity) = entities
        .iter()
        .filter(|e| e[root.len()..].split('/').count() == 1)
        .min_by_key(|e| minutes(e))
    else {
        return Ok((String::new(), Vec::new()));
    };
    let mut out: Vec<Candle> = entity_documents(store, Domain::Candle.name(), entity)?
        .iter()
        .filter_map(|d| {
            let j = d.json.as_ref()?;
            let n = |k: &str| j.get(k).and_then(Value::as_f64);
            Some(Candle {
                t: n("timestamp")?,
                o: n("open")?,
                h: n("high")?,
                l: n("low")?,
                c: n("close")?,
            })
        })
        .collect();
    out.sort_by(|a, b| a.t.total_cmp(&b.t));
    Ok((
        entity.rsplit('/').next().unwrap_or_default().to_string(),
        out,
    ))
}

/// Documents per domain and the findings of a dry-run check: the Store health page.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Health {
    /// The stores, as `bucket → URL` lines.
    pub stores: String,
    /// Documents read by the check, and how many passed.
    pub checked: u32,
    /// Documents that passed.
    pub valid: u32,
    /// Stored documents per domain (`base` for the rest).
    pub per_domain: BTreeMap<String, usize>,
    /// Invalid documents: bucket, entity, id, reason.
    pub invalid: Vec<(String, String, String, String)>,
    /// The quarantine, oldest first.
    pub quarantine: Vec<Quarantined>,
}

/// A quarantined document as the pages show it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Quarantined {
    /// The store holding it.
    pub store: String,
    /// Entity and id as the user knows them (unescaped).
    pub entity: String,
    /// Its id.
    pub id: String,
    /// When it was moved (ms).
    pub at_ms: u64,
    /// Why.
    pub reason: String,
    /// Its size in bytes.
    pub size: u64,
}

/// Stored documents per domain.
pub fn per_domain(routes: &Routes) -> Result<BTreeMap<String, usize>, String> {
    let mut counts = BTreeMap::new();
    for domain in Domain::ALL {
        let store = routes.for_bucket(domain.name());
        let mut n = 0;
        for entity in store.entities(domain.folder()).map_err(|e| e.to_string())? {
            n += store.list_ids(&entity).map_err(|e| e.to_string())?.len();
        }
        counts.insert(domain.name().to_string(), n);
    }
    Ok(counts)
}

/// The quarantine of every store, oldest first (as `persist quarantine ls` lists it).
pub fn quarantine(routes: &Routes) -> Result<Vec<Quarantined>, String> {
    Ok(crate::cli::quarantine::entries(routes)
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|e| Quarantined {
            store: e.store.url(),
            entity: unescape_entity(&e.doc.entity),
            id: unescape(&e.doc.id),
            at_ms: e.doc.at_ms,
            reason: e.doc.reason,
            size: e.doc.size,
        })
        .collect())
}
