//! The HTML pages: Now (the live state, updated by server-sent events), History (the signals
//! store per strategy with its equity curve, and per symbol the candle chart), Store health
//! (documents per domain, invalid ones, the quarantine with restore) and a document as stored.

use super::charts;
use super::data::{Health, HistoryRow, Now};
use maud::{DOCTYPE, Markup, html};
use std::collections::BTreeMap;

/// Milliseconds since the epoch as `YYYY-MM-DD HH:MM` (UTC).
pub fn utc(ms: f64) -> String {
    let t = persist_core::time::UtcTime::from_ms(ms as i64);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        t.year, t.month, t.day, t.hour, t.minute
    )
}

fn price(v: Option<f64>) -> String {
    v.map_or_else(|| "–".into(), |p| format!("{p:.4}"))
}

fn since(from_ms: Option<f64>, now_ms: f64) -> String {
    let Some(from) = from_ms else {
        return "–".into();
    };
    let minutes = ((now_ms - from) / 60_000.0).max(0.0) as u64;
    match minutes {
        m if m < 60 => format!("{m} min"),
        m if m < 48 * 60 => format!("{} h {} min", m / 60, m % 60),
        m => format!("{} d", m / (24 * 60)),
    }
}

fn now_ms() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_millis() as f64)
}

/// The page around `body`: the navigation, the stores, and a banner when the store failed.
pub fn layout(title: &str, active: &str, stores: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · persist ui" }
                link rel="stylesheet" href="/assets/style.css";
            }
            body {
                header {
                    strong { "persist ui" }
                    nav {
                        @for (href, name) in [("/", "Now"), ("/history", "History"), ("/health", "Store health")] {
                            a href=(href) class=[(name == active).then_some("active")] { (name) }
                        }
                    }
                    span.stores title="where each bucket lives" { (stores) }
                }
                div #banner hidden {}
                main { (body) }
                script src="/assets/live.js" {}
            }
        }
    }
}

/// The store could not be read: what the page says instead of its content.
pub fn unreachable(error: &str) -> Markup {
    html! {
        div.error #store-error {
            strong { "The store is unreachable: " } (error)
            p { "This page keeps running and shows the data again as soon as the store answers." }
        }
    }
}

/// The Now page's content (also sent alone to the page when the store changes).
pub fn now(now: &Now) -> Markup {
    let t = now_ms();
    html! {
        section {
            h2 { "Open signals " span.count #open-count { (now.open.len()) } }
            @if now.open.is_empty() {
                p.muted { "No open signal." }
            } @else {
                table #open-signals {
                    thead { tr {
                        th { "Signal" } th { "Symbol" } th { "Strategy" } th { "Exchange" } th { "Side" }
                        th.num { "Open" } th.num { "Take profit" } th.num { "Stop loss" }
                        th { "Open for" } th.num { "Last price" } th.num { "Unrealised" }
                    } }
                    tbody {
                        @for s in &now.open {
                            tr data-signal-id=(s.id) {
                                td { a href=(s.doc.href()) { (s.id) } }
                                td { (s.symbol) } td { (s.strategy_name) } td { (s.exchange_name) }
                                td class=(s.position) { (s.position) }
                                td.num { (price(s.price_open)) }
                                td.num { (price(s.price_take_profit)) }
                                td.num { (price(s.price_stop_loss)) }
                                td { (since(s.pending_at, t)) }
                                td.num title=[s.last_price.map(|(_, at)| format!("the newest stored candle, {}", utc(at)))] {
                                    (price(s.last_price.map(|p| p.0)))
                                }
                                td.num class=[s.unrealised_pnl_percent.map(|p| if p >= 0.0 { "gain" } else { "loss" })] {
                                    (s.unrealised_pnl_percent.map_or_else(|| "–".into(), |p| format!("{p:+.2}%")))
                                }
                            }
                        }
                    }
                }
            }
        }
        section {
            h2 { "Scheduled signals " span.count { (now.scheduled.len()) } }
            @if now.scheduled.is_empty() { p.muted { "None." } }
            ul { @for d in &now.scheduled { li { a href=(d.href()) { (d.entity) } } } }
        }
        section {
            h2 { "Risk profiles" }
            @if now.risk.is_empty() { p.muted { "None stored." } }
            table { tbody {
                @for (d, keys) in &now.risk {
                    tr {
                        td { a href=(d.href()) { (d.entity.rsplit('/').next().unwrap_or_default()) } }
                        td { (keys.len()) " slot(s) taken" }
                        td.muted { (keys.join(", ")) }
                    }
                }
            } }
        }
        section {
            h2 { "Partial and breakeven levels" }
            @if now.partial.is_empty() && now.breakeven.is_empty() { p.muted { "None stored." } }
            table { tbody {
                @for d in now.partial.iter().chain(&now.breakeven) {
                    tr {
                        td { (d.bucket) }
                        td { a href=(d.href()) { (d.entity.rsplit('/').next().unwrap_or_default()) " · " (d.id) } }
                        td.muted.json { (d.json.as_ref().map(|j| j.to_string()).unwrap_or_else(|| "(not JSON)".into())) }
                    }
                }
            } }
        }
    }
}

/// The History page: per strategy and symbol its equity curve, the symbol's candle chart
/// with the trades marked, and the rows of the signals store.
pub fn history(
    rows: &[HistoryRow],
    charts_by_symbol: &[(String, String, String, Markup)],
) -> Markup {
    let mut by_strategy: BTreeMap<(String, String, String), Vec<&HistoryRow>> = BTreeMap::new();
    for r in rows {
        by_strategy
            .entry((
                r.strategy_name.clone(),
                r.symbol.clone(),
                r.exchange_name.clone(),
            ))
            .or_default()
            .push(r);
    }
    html! {
        @if rows.is_empty() { p.muted { "The signals store (data/storage) is empty." } }
        @for ((strategy, symbol, exchange), rows) in &by_strategy {
            @let closed: Vec<&&HistoryRow> = rows.iter().filter(|r| r.status == "closed").collect();
            @let total: f64 = closed.iter().filter_map(|r| r.pnl_percentage).sum();
            @let won = closed.iter().filter(|r| r.pnl_percentage.unwrap_or(0.0) > 0.0).count();
            section.strategy {
                h2 { (strategy) " · " (symbol) " · " (exchange) }
                p.summary {
                    span #trade-count { (closed.len()) } " trades: " (won) " won, " (closed.len() - won) " lost, total pnl "
                    span class=(if total >= 0.0 { "gain" } else { "loss" }) { (format!("{total:+.3}")) " %" }
                    " (fees included)"
                }
                h3 { "Equity curve" }
                (charts::equity_curve(&charts::equity(rows)))
                @for (_, _, interval, chart) in charts_by_symbol.iter().filter(|c| &c.0 == exchange && &c.1 == symbol) {
                    h3 { (symbol) " " (interval) " candles: ▲ entry of a long / exit of a short, ▼ the other way; green entries, blue exits" }
                    (chart)
                }
                details open[rows.len() <= 12] {
                    summary { (rows.len()) " rows of the signals store" }
                    table.trades {
                        thead { tr {
                            th { "Signal" } th { "Status" } th { "Side" } th { "Opened" } th.num { "Open" }
                            th { "Closed" } th.num { "Close" } th { "Reason" } th.num { "Pnl %" }
                        } }
                        tbody {
                            @for r in rows.iter() {
                                tr {
                                    td { a href=(r.doc.href()) { (r.id) } }
                                    td { (r.status) } td class=(r.position) { (r.position) }
                                    td { (r.pending_at.map(utc).unwrap_or_default()) }
                                    td.num { (price(r.price_open)) }
                                    td { (r.close_timestamp.map(utc).unwrap_or_default()) }
                                    td.num { (price(r.price_close)) }
                                    td { (r.close_reason) }
                                    td.num class=[r.pnl_percentage.map(|p| if p >= 0.0 { "gain" } else { "loss" })] {
                                        (r.pnl_percentage.map_or_else(String::new, |p| format!("{p:+.3}")))
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The Store health page.
pub fn health(h: &Health, action_key: &str) -> Markup {
    html! {
        section {
            h2 { "Documents" }
            p #check-summary { "Checked " (h.checked) " documents: " (h.valid) " valid, " (h.invalid.len()) " invalid." }
            table.domains { tbody {
                @for (domain, n) in &h.per_domain {
                    tr {
                        td { (domain) }
                        td.num { (n) }
                        td.num { @let bad = h.invalid.iter().filter(|f| &f.0 == domain).count();
                            @if bad > 0 { span.loss { (bad) " invalid" } } }
                    }
                }
            } }
        }
        section {
            h2 { "Invalid documents" }
            @if h.invalid.is_empty() { p.muted { "None: every document validates." } }
            table #invalid { tbody {
                @for (bucket, entity, id, reason) in &h.invalid {
                    tr { td { (bucket) } td { (entity) ":" (id) } td { (reason) } }
                }
            } }
            @if !h.invalid.is_empty() {
                p.muted { "`persist check` moves them to the quarantine; nothing here changes them." }
            }
        }
        section {
            h2 { "Quarantine " span.count { (h.quarantine.len()) } }
            @if h.quarantine.is_empty() { p.muted { "Empty." } }
            table #quarantine { tbody {
                @for q in &h.quarantine {
                    tr {
                        td { (utc(q.at_ms as f64)) }
                        td.doc { (q.entity) ":" (q.id) }
                        td.num { (q.size) " bytes" }
                        td.reason { (q.reason) }
                        td {
                            form method="post" action="/quarantine/restore" {
                                input type="hidden" name="entity" value=(q.entity);
                                input type="hidden" name="id" value=(q.id);
                                input type="hidden" name="key" value=(action_key);
                                button type="submit" title="put it back if it now validates and no live document has its id" { "Restore" }
                            }
                        }
                    }
                }
            } }
        }
    }
}

/// A document as backtest-kit stores it.
pub fn document(bucket: &str, entity: &str, id: &str, bytes: Option<&[u8]>) -> Markup {
    html! {
        h2 { (bucket) " · " (entity) " · " (id) }
        @match bytes {
            Some(b) => {
                @let text = String::from_utf8_lossy(b);
                @let pretty = serde_json::from_slice::<serde_json::Value>(b)
                    .ok()
                    .and_then(|v| serde_json::to_string_pretty(&v).ok());
                p.muted { (b.len()) " bytes as stored" @if pretty.is_none() { ", not JSON" } }
                pre #document { (pretty.unwrap_or_else(|| text.into_owned())) }
            }
            None => p.muted { "No such document (it may have been removed meanwhile)." },
        }
    }
}
