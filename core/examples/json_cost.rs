fn main() {
    let doc = std::fs::read_to_string(std::env::args().nth(1).unwrap()).unwrap();
    let n = 100_000;
    let t = std::time::Instant::now();
    for _ in 0..n {
        let v: serde_json::Value = serde_json::from_str(&doc).unwrap();
        std::hint::black_box(persist_core::json::to_js_string(&v).unwrap());
    }
    println!(
        "parse+stringify {:.2} µs",
        t.elapsed().as_secs_f64() * 1e6 / n as f64
    );
    let t = std::time::Instant::now();
    for _ in 0..n {
        let v: serde::de::IgnoredAny = serde_json::from_str(&doc).unwrap();
        std::hint::black_box(v);
    }
    println!(
        "validate only {:.2} µs",
        t.elapsed().as_secs_f64() * 1e6 / n as f64
    );
}
