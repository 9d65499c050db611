//! A real browser for the UI tests: Debian's `chromium`, headless, driven by its
//! `chromedriver` over the WebDriver protocol (JSON over HTTP) on a free loopback port.

use crate::servers::free_port;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A chromedriver with one headless Chromium session; both stop on drop.
pub struct Browser {
    driver: Child,
    base: String,
    session: String,
    agent: ureq::Agent,
}

fn missing(what: &str) -> String {
    format!(
        "{what} is not installed; the UI tests drive a real browser: apt-get install -y chromium \
         chromium-driver"
    )
}

impl Browser {
    /// Starts chromedriver and a headless Chromium session with a 1280×1000 window.
    pub fn start() -> Browser {
        let port = free_port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{}: {e}", missing("chromedriver")));
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        let base = format!("http://127.0.0.1:{port}");
        let start = Instant::now();
        while agent.get(format!("{base}/status")).call().is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "chromedriver did not answer in 20 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let mut browser = Browser {
            driver,
            base,
            session: String::new(),
            agent,
        };
        let binary = ["/usr/bin/chromium", "/usr/lib/chromium/chromium"]
            .into_iter()
            .find(|p| Path::new(p).exists())
            .unwrap_or_else(|| panic!("{}", missing("chromium")));
        let created = browser.post(
            "/session",
            serde_json::json!({ "capabilities": { "alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": {
                    "binary": binary,
                    "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                             "--disable-dev-shm-usage", "--window-size=1280,1000",
                             "--hide-scrollbars"]
                }
            } } }),
        );
        browser.session = created["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("chromedriver made no session: {created}"))
            .to_string();
        browser
    }

    fn post(&self, path: &str, body: serde_json::Value) -> serde_json::Value {
        let mut r = self
            .agent
            .post(format!("{}{path}", self.base))
            .send_json(&body)
            .unwrap_or_else(|e| panic!("chromedriver {path}: {e}"));
        let value: serde_json::Value = r
            .body_mut()
            .read_json()
            .unwrap_or_else(|e| panic!("chromedriver {path}: {e}"));
        if value["value"]["error"].is_string() {
            panic!("chromedriver {path}: {}", value["value"]);
        }
        value["value"].clone()
    }

    fn session_path(&self, path: &str) -> String {
        format!("/session/{}{path}", self.session)
    }

    /// Opens `url` and waits for the page to load.
    pub fn goto(&self, url: &str) {
        self.post(
            &self.session_path("/url"),
            serde_json::json!({ "url": url }),
        );
    }

    /// The value of `script` (a function body, `return …`) run in the page.
    pub fn eval(&self, script: &str) -> serde_json::Value {
        self.post(
            &self.session_path("/execute/sync"),
            serde_json::json!({ "script": script, "args": [] }),
        )
    }

    /// Waits up to `within` for `script` to return `true`; the time it took, or `None`.
    pub fn wait_for(&self, script: &str, within: Duration) -> Option<Duration> {
        let start = Instant::now();
        loop {
            if self.eval(script) == serde_json::Value::Bool(true) {
                return Some(start.elapsed());
            }
            if start.elapsed() > within {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Saves a PNG of the window to `path` (its folder is made).
    pub fn screenshot(&self, path: &Path) {
        let mut r = self
            .agent
            .get(format!("{}{}", self.base, self.session_path("/screenshot")))
            .call()
            .unwrap_or_else(|e| panic!("chromedriver screenshot: {e}"));
        let value: serde_json::Value = r.body_mut().read_json().expect("screenshot JSON");
        let png = decode_base64(value["value"].as_str().expect("a base64 PNG"));
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("the screenshot folder");
        }
        std::fs::write(path, png).expect("writing the screenshot");
    }

    /// Resizes the window (to fit a whole page into a screenshot).
    pub fn resize(&self, width: u32, height: u32) {
        self.post(
            &self.session_path("/window/rect"),
            serde_json::json!({ "width": width, "height": height }),
        );
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = self
                .agent
                .delete(format!("{}/session/{}", self.base, self.session))
                .call();
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// Standard base64 (as WebDriver sends screenshots).
fn decode_base64(text: &str) -> Vec<u8> {
    let value = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let digits: Vec<u32> = text.bytes().filter_map(value).collect();
    let mut out = Vec::with_capacity(digits.len() * 3 / 4);
    for chunk in digits.chunks(4) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, d)| acc | (d << (18 - 6 * i)));
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..chunk.len().saturating_sub(1)]);
    }
    out
}
