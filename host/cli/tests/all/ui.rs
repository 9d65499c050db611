//! `persist ui` in a real browser (Debian's headless Chromium through chromedriver) over a
//! store filled by `persist run` of the example plugin: the Now page shows the open signal and
//! updates by server-sent events without a reload, the History page has one equity point per
//! closed trade and the candle chart, the Store health page lists a quarantined document with
//! its reason. Screenshots go to `target/ui-screenshots/`. Beside the browser: the JSON API,
//! the token beyond loopback, a taken port, and a store that goes away and comes back.

use crate::{persist, persist_bin};
use persist_test_support::browser::Browser;
use persist_test_support::servers::{RedisServer, free_port};
use persist_test_support::*;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

/// Where the screenshots go: `target/ui-screenshots/`.
fn screenshots() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    target.join("ui-screenshots")
}

/// A running `persist ui`, stopped on drop.
struct Ui {
    child: Child,
    url: String,
}

/// Reads what the child prints after its first line, so that it never writes to a closed pipe.
fn drain(reader: impl BufRead + Send + 'static) {
    std::thread::spawn(move || for _ in reader.lines() {});
}

impl Ui {
    /// `persist ui` with `args` (a store, a listen address…); returns once it printed its URL.
    fn start(args: &[&str]) -> Ui {
        let mut child = persist_bin()
            .arg("ui")
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("persist ui starts");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut first = String::new();
        stdout
            .read_line(&mut first)
            .expect("persist ui prints its URL");
        drain(stdout);
        drain(BufReader::new(child.stderr.take().expect("stderr")));
        let url = first
            .trim()
            .strip_prefix("persist ui on ")
            .unwrap_or_else(|| panic!("persist ui printed {first:?}"))
            .to_string();
        Ui { child, url }
    }

    fn at(&self, path: &str) -> String {
        let base = self.url.split('?').next().unwrap_or_default();
        format!("{}{}", base.trim_end_matches('/'), path)
    }
}

impl Drop for Ui {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn http() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into()
}

fn get(url: &str) -> (u16, String) {
    let mut r = http().get(url).call().expect("the UI answers");
    let status = r.status().as_u16();
    (status, r.body_mut().read_to_string().unwrap_or_default())
}

/// A store after `persist run` of the example plugin over the first `candles` sample candles:
/// with 700, three trades are closed and a fourth is open.
fn store_after_run(dir: &Path, candles: usize) -> serde_json::Value {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/candles/BTCUSDT-1m.csv"),
    )
    .unwrap();
    // Named as the sample is: the symbol comes from the file's name.
    let feed = dir.join("BTCUSDT-1m.csv");
    let lines: Vec<&str> = text.lines().take(candles + 1).collect();
    std::fs::write(&feed, lines.join("\n")).unwrap();
    let o = run(persist(&dir.join("store"))
        .arg("run")
        .arg(persist_plugins::MA_CROSSOVER)
        .arg("--candles")
        .arg(&feed)
        .arg("--json"));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    serde_json::from_str(&stdout(&o)).expect("the run's report")
}

#[test]
fn a_run_stopped_with_a_signal_open_seen_in_chromium() {
    let dir = tempfile::tempdir().unwrap();
    let report = store_after_run(dir.path(), 700);
    assert_eq!(report["active"], "opened", "{report}");
    let closed = report["trades"].as_array().unwrap().len();
    assert_eq!(closed, 3, "{report}");
    let store = dir.path().join("store");
    let signal: serde_json::Value = serde_json::from_str(&stdout(&run(persist(&store).args([
        "signal",
        "read",
        "--symbol",
        "BTCUSDT",
        "--strategy",
        "ma_crossover",
        "--exchange",
        "binance",
    ]))))
    .unwrap();
    let id = signal["id"].as_str().unwrap().to_string();

    let port = free_port().to_string();
    let ui = Ui::start(&[
        "--store",
        &format!("file:{}", store.display()),
        "--listen",
        &format!("127.0.0.1:{port}"),
    ]);
    let shots = screenshots();
    let browser = Browser::start();

    // Now: the open signal's id and prices, each linking to the record as stored.
    browser.goto(&ui.at("/"));
    let row = browser.eval(&format!(
        "const r = document.querySelector('tr[data-signal-id=\"{id}\"]'); \
         return r ? Array.from(r.cells).map(c => c.textContent.trim()) : null;"
    ));
    let cells: Vec<String> = serde_json::from_value(row.clone()).unwrap_or_else(|_| {
        panic!(
            "no row of {id} on the Now page: {}",
            browser.eval("return document.body.innerText")
        )
    });
    assert_eq!(cells[0], id);
    assert_eq!(cells[1..4], ["BTCUSDT", "ma_crossover", "binance"]);
    for (cell, field) in [
        (5, "priceOpen"),
        (6, "priceTakeProfit"),
        (7, "priceStopLoss"),
    ] {
        assert_eq!(
            cells[cell],
            format!("{:.4}", signal[field].as_f64().unwrap()),
            "{field}"
        );
    }
    assert!(
        cells[10].ends_with('%'),
        "unrealised pnl against the last stored candle: {cells:?}"
    );
    browser.screenshot(&shots.join("now.png"));
    let href = browser.eval(&format!(
        "return document.querySelector('tr[data-signal-id=\"{id}\"] a').href"
    ));
    browser.goto(href.as_str().unwrap());
    let shown: serde_json::Value = serde_json::from_str(
        browser
            .eval("return document.getElementById('document').textContent")
            .as_str()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(shown, signal, "the record as backtest-kit stores it");

    // Live: a signal written through the CLI appears on the open page, with no reload.
    browser.goto(&ui.at("/"));
    browser.eval("window.persistMarker = 'still this page'; return true");
    let sig = std::fs::read_to_string(
        fixture_dump().join("data/signal/BTCUSDT_my-strategy_binance/BTCUSDT.json"),
    )
    .unwrap();
    let written = Instant::now();
    let w = run(persist(&store)
        .args(["signal", "write", "--symbol", "BTCUSDT"])
        .args(["--strategy", "my-strategy", "--exchange", "binance"])
        .arg(&sig));
    assert_eq!(w.status.code(), Some(0), "{}", stderr(&w));
    let cli_took = written.elapsed();
    let shown_after = browser.wait_for(
        "return document.querySelector('tr[data-signal-id=\"sig-1\"]') !== null",
        Duration::from_secs(2),
    );
    let seen = shown_after.unwrap_or_else(|| {
        panic!(
            "the new signal did not appear within 2 s: {}",
            browser.eval("return document.body.innerText")
        )
    });
    assert_eq!(
        browser.eval("return window.persistMarker"),
        "still this page",
        "the page was updated in place, not reloaded"
    );
    eprintln!(
        "SSE: the new signal was on the page {} ms after `persist signal write` returned \
         ({} ms for the CLI itself)",
        seen.as_millis(),
        cli_took.as_millis()
    );
    assert_eq!(
        browser.eval("return document.getElementById('open-count').textContent"),
        "2"
    );

    // History: one equity point per closed trade, and the candle chart with the trades.
    browser.goto(&ui.at("/history"));
    assert_eq!(
        browser.eval("return document.querySelectorAll('circle.equity-point').length"),
        closed
    );
    assert_eq!(
        browser.eval("return document.getElementById('trade-count').textContent"),
        closed.to_string()
    );
    assert_eq!(
        browser.eval("return document.querySelector('svg.candles').getAttribute('aria-label')"),
        "700 candles, 4 trades"
    );
    assert_eq!(
        browser.eval("return document.querySelectorAll('svg.candles path.entry').length"),
        4,
        "three closed trades and the open one"
    );
    browser.screenshot(&shots.join("history.png"));

    // Store health: a corrupted document, moved to the quarantine by `persist check`, is
    // listed with its reason; restoring it is refused while it is still invalid.
    let partial = std::fs::read_dir(store.join("data/partial/BTCUSDT_ma_crossover_binance"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "json"))
        .expect("a partial-levels document");
    std::fs::write(&partial, b"{\"truncated\":").unwrap();
    let check = run(persist(&store).arg("check"));
    assert_eq!(check.status.code(), Some(6), "{}", stdout(&check));
    browser.goto(&ui.at("/health"));
    let quarantine = browser.eval("return document.getElementById('quarantine').innerText");
    let text = quarantine.as_str().unwrap();
    let stem = partial.file_stem().unwrap().to_string_lossy().to_string();
    assert!(
        text.contains(&format!("data/partial/BTCUSDT_ma_crossover_binance:{stem}")),
        "{text}"
    );
    assert!(text.contains("not valid JSON"), "{text}");
    browser.screenshot(&shots.join("health.png"));
    browser.eval("document.querySelector('#quarantine button').click(); return true");
    assert!(
        browser
            .wait_for(
                "return document.getElementById('restore-refused') !== null",
                Duration::from_secs(5)
            )
            .is_some(),
        "{}",
        browser.eval("return document.body.innerText")
    );
    assert!(
        browser
            .eval("return document.getElementById('restore-refused').textContent")
            .as_str()
            .unwrap()
            .contains("still invalid"),
    );
}

#[test]
fn the_readme_run_shows_its_32_trades_equity_curve_and_candle_chart() {
    let dir = tempfile::tempdir().unwrap();
    let report = store_after_run(dir.path(), 4320);
    assert_eq!(report["trades"].as_array().unwrap().len(), 32);
    let ui = Ui::start(&[
        "--store",
        &format!("file:{}", dir.path().join("store").display()),
        "--listen",
        &format!("127.0.0.1:{}", free_port()),
    ]);
    let browser = Browser::start();
    browser.goto(&ui.at("/history"));
    assert_eq!(
        browser.eval("return document.getElementById('trade-count').textContent"),
        "32"
    );
    assert_eq!(
        browser.eval("return document.querySelectorAll('circle.equity-point').length"),
        32
    );
    assert_eq!(
        browser.eval("return document.querySelector('svg.candles').getAttribute('aria-label')"),
        "4320 candles, 32 trades"
    );
    browser.resize(1280, 1000);
    browser.screenshot(&screenshots().join("history-32-trades.png"));
}

#[test]
fn the_json_api_serves_what_the_pages_show() {
    let dir = tempfile::tempdir().unwrap();
    store_after_run(dir.path(), 700);
    let ui = Ui::start(&[
        "--store",
        &format!("file:{}", dir.path().join("store").display()),
        "--listen",
        &format!("127.0.0.1:{}", free_port()),
    ]);
    let (status, body) = get(&ui.at("/api/now"));
    assert_eq!(status, 200);
    let now: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(now["open"].as_array().unwrap().len(), 1, "{now}");
    assert_eq!(now["open"][0]["symbol"], "BTCUSDT");
    let (_, body) = get(&ui.at("/api/history"));
    let rows: serde_json::Value = serde_json::from_str(&body).unwrap();
    let closed = rows
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == "closed")
        .count();
    assert_eq!(closed, 3);
    let (_, body) = get(&ui.at("/api/health"));
    let health: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(health["invalid"].as_array().unwrap().len(), 0, "{health}");
    assert_eq!(health["perDomain"]["candle"], 700);
    let (_, body) = get(&ui.at("/api/candles/binance/BTCUSDT"));
    let candles: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(candles[0], "1m");
    assert_eq!(candles[1].as_array().unwrap().len(), 700);
    let (status, _) = get(&ui.at("/api/doc/signal/nowhere/x"));
    assert_eq!(status, 404);
    let (status, body) = get(&ui.at("/api/doc/nonsense/a/b"));
    assert_eq!(status, 404);
    let e: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(e["retryable"], false);
    assert!(
        e["error"]
            .as_str()
            .unwrap()
            .starts_with("unknown bucket \"nonsense\""),
        "{body}"
    );
    let (status, body) = get(&ui.at("/api/doc/signal/data/signal/..%2F..%2Fetc/passwd"));
    assert_eq!(
        status, 404,
        "a name the store refuses is not a document: {body}"
    );
    let (status, body) = get(&ui.at("/doc/signal/a/.hidden"));
    assert_eq!(status, 404);
    assert!(body.contains("Not a document"), "{body}");
    // The one action needs the page's key: another site cannot post it.
    let mut r = http()
        .post(ui.at("/quarantine/restore"))
        .send_form([("entity", "data/partial/x"), ("id", "y"), ("key", "guess")])
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    assert!(
        r.body_mut()
            .read_to_string()
            .unwrap()
            .contains("not from this persist ui")
    );
}

#[test]
fn beyond_loopback_it_needs_allow_remote_and_then_its_token() {
    let dir = tempfile::tempdir().unwrap();
    let store = format!("file:{}", dir.path().display());
    let o = run(persist_bin().args(["--store", &store, "ui", "--listen", "0.0.0.0:1"]));
    assert_eq!(o.status.code(), Some(2), "a usage error");
    assert!(stderr(&o).contains("add --allow-remote"), "{}", stderr(&o));

    let port = free_port();
    let ui = Ui::start(&[
        "--store",
        &store,
        "--listen",
        &format!("0.0.0.0:{port}"),
        "--allow-remote",
    ]);
    let token = ui
        .url
        .split("token=")
        .nth(1)
        .expect("a token in the URL")
        .to_string();
    assert_eq!(token.len(), 32);
    let (status, body) = get(&format!("http://127.0.0.1:{port}/"));
    assert_eq!(status, 401);
    assert!(body.contains("needs its token"), "{body}");
    let (status, _) = get(&format!("http://127.0.0.1:{port}/api/now?token=wrong"));
    assert_eq!(status, 401);
    let r = http()
        .get(format!("http://127.0.0.1:{port}/?token={token}"))
        .call()
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let cookie = r
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(
        cookie.starts_with(&format!("persist_ui_token={token}")),
        "{cookie}"
    );
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    let r = http()
        .get(format!("http://127.0.0.1:{port}/api/now"))
        .header("Authorization", &format!("Bearer {token}"))
        .call()
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
}

#[test]
fn a_taken_port_is_a_clear_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let o = run(persist_bin().args(["--store", "memory:", "ui", "--listen", &addr]));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(&format!("cannot listen on {addr}: the port is taken")),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_store_that_goes_away_is_shown_and_the_page_recovers_when_it_is_back() {
    let mut redis = RedisServer::start(false);
    let store = format!("{}?prefix=ui", redis.url());
    let ui = Ui::start(&[
        "--store",
        &store,
        "--listen",
        &format!("127.0.0.1:{}", free_port()),
    ]);
    let (status, body) = get(&ui.at("/"));
    assert_eq!(status, 200);
    assert!(body.contains("No open signal."), "{body}");
    redis.kill();
    let (status, body) = get(&ui.at("/"));
    assert_eq!(status, 200, "the server keeps running");
    assert!(body.contains("The store is unreachable"), "{body}");
    let (status, body) = get(&ui.at("/api/now"));
    assert_eq!(status, 503);
    assert!(body.contains("\"retryable\":true"), "{body}");
    redis.restart();
    let (status, body) = get(&ui.at("/"));
    assert_eq!(status, 200);
    assert!(
        body.contains("No open signal."),
        "recovered without a restart: {body}"
    );
}
