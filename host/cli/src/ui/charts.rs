//! The charts, drawn on the server as SVG: a strategy's equity curve (one point per closed
//! trade) and a symbol's candles with its trades' entries and exits marked.

use super::data::{Candle, HistoryRow};
use maud::{Markup, PreEscaped, html};

const WIDTH: f64 = 900.0;
const HEIGHT: f64 = 260.0;
const PAD: f64 = 36.0;
/// Candles drawn at most; more are merged into this many (open, high, low, close kept).
const MAX_BARS: usize = 450;

/// Maps a value range onto the chart's height (top = high).
fn scale(lo: f64, hi: f64) -> impl Fn(f64) -> f64 {
    let span = if hi > lo { hi - lo } else { 1.0 };
    move |v| PAD + (HEIGHT - 2.0 * PAD) * (1.0 - (v - lo) / span)
}

/// The cumulative profit, in percent, after each closed trade of `rows` (in close order).
pub fn equity(rows: &[&HistoryRow]) -> Vec<(f64, f64)> {
    let mut total = 0.0;
    rows.iter()
        .filter(|r| r.status == "closed")
        .filter_map(|r| {
            total += r.pnl_percentage?;
            Some((r.close_timestamp?, total))
        })
        .collect()
}

/// The equity curve: a line through one point (a `circle.equity-point`) per closed trade.
pub fn equity_curve(points: &[(f64, f64)]) -> Markup {
    if points.is_empty() {
        return html! { p.muted { "No closed trade yet." } };
    }
    let lo = points.iter().map(|p| p.1).fold(0.0_f64, f64::min);
    let hi = points.iter().map(|p| p.1).fold(0.0_f64, f64::max);
    let y = scale(lo, hi);
    let step = (WIDTH - 2.0 * PAD) / (points.len().max(2) - 1) as f64;
    let xy: Vec<(f64, f64)> = points
        .iter()
        .enumerate()
        .map(|(i, p)| (PAD + step * i as f64, y(p.1)))
        .collect();
    let line: String = xy
        .iter()
        .map(|(x, y)| format!("{x:.1},{y:.1}"))
        .collect::<Vec<_>>()
        .join(" ");
    html! {
        svg.chart.equity viewBox=(format!("0 0 {WIDTH} {HEIGHT}")) role="img"
            aria-label=(format!("equity curve of {} closed trades", points.len())) {
            line.zero x1=(PAD) x2=(WIDTH - PAD) y1=(format!("{:.1}", y(0.0))) y2=(format!("{:.1}", y(0.0))) {}
            text.axis x="4" y=(format!("{:.1}", y(hi) + 4.0)) { (format!("{hi:+.2}%")) }
            text.axis x="4" y=(format!("{:.1}", y(lo) + 4.0)) { (format!("{lo:+.2}%")) }
            polyline.curve points=(line) {}
            @for ((x, cy), p) in xy.iter().zip(points) {
                circle.equity-point cx=(format!("{x:.1}")) cy=(format!("{cy:.1}")) r="3" {
                    title { (format!("{:+.3}% after the trade closed at {}", p.1, super::pages::utc(p.0))) }
                }
            }
        }
    }
}

/// `candles` merged into at most [`MAX_BARS`] bars.
fn bars(candles: &[Candle]) -> Vec<Candle> {
    let per = candles.len().div_ceil(MAX_BARS).max(1);
    candles
        .chunks(per)
        .map(|c| Candle {
            t: c[0].t,
            o: c[0].o,
            h: c.iter().map(|x| x.h).fold(f64::MIN, f64::max),
            l: c.iter().map(|x| x.l).fold(f64::MAX, f64::min),
            c: c[c.len() - 1].c,
        })
        .collect()
}

/// The candle chart of one symbol, with each trade's entry (`path.entry`) and exit
/// (`path.exit`) marked at its time and price.
pub fn candle_chart(candles: &[Candle], trades: &[&HistoryRow]) -> Markup {
    if candles.is_empty() {
        return html! { p.muted { "No candle of this symbol is stored." } };
    }
    let bars = bars(candles);
    let (t0, t1) = (candles[0].t, candles[candles.len() - 1].t);
    let lo = bars.iter().map(|b| b.l).fold(f64::MAX, f64::min);
    let hi = bars.iter().map(|b| b.h).fold(f64::MIN, f64::max);
    let y = scale(lo, hi);
    let span = if t1 > t0 { t1 - t0 } else { 1.0 };
    let x = |t: f64| PAD + (WIDTH - 2.0 * PAD) * (t - t0) / span;
    let w = ((WIDTH - 2.0 * PAD) / bars.len() as f64 * 0.7).max(0.6);
    let mut body = String::new();
    for b in &bars {
        let class = if b.c >= b.o { "up" } else { "down" };
        let cx = x(b.t);
        body.push_str(&format!(
            r#"<line class="wick {class}" x1="{cx:.1}" x2="{cx:.1}" y1="{:.1}" y2="{:.1}"/><rect class="{class}" x="{:.1}" y="{:.1}" width="{w:.2}" height="{:.2}"/>"#,
            y(b.h),
            y(b.l),
            cx - w / 2.0,
            y(b.o.max(b.c)),
            (y(b.o.min(b.c)) - y(b.o.max(b.c))).max(0.5)
        ));
    }
    let marker = |t: f64, price: f64, class: &str, up: bool| {
        let (mx, my) = (x(t), y(price));
        let d = if up {
            format!("M{mx:.1},{:.1} l-5,9 h10 z", my + 2.0)
        } else {
            format!("M{mx:.1},{:.1} l-5,-9 h10 z", my - 2.0)
        };
        format!(r#"<path class="{class}" d="{d}"/>"#)
    };
    let mut marks = String::new();
    for r in trades {
        if let (Some(t), Some(p)) = (r.pending_at, r.price_open)
            && (t0..=t1).contains(&t)
        {
            marks.push_str(&marker(t, p, "entry", r.position != "short"));
        }
        if let (Some(t), Some(p)) = (r.close_timestamp, r.price_close)
            && (t0..=t1).contains(&t)
        {
            marks.push_str(&marker(t, p, "exit", r.position == "short"));
        }
    }
    html! {
        svg.chart.candles viewBox=(format!("0 0 {WIDTH} {HEIGHT}")) role="img"
            aria-label=(format!("{} candles, {} trades", candles.len(), trades.len())) {
            text.axis x="4" y=(format!("{:.1}", y(hi) + 4.0)) { (format!("{hi:.2}")) }
            text.axis x="4" y=(format!("{:.1}", y(lo) + 4.0)) { (format!("{lo:.2}")) }
            text.axis x=(PAD) y=(HEIGHT - 8.0) { (super::pages::utc(t0)) }
            text.axis x=(WIDTH - PAD - 110.0) y=(HEIGHT - 8.0) { (super::pages::utc(t1)) }
            (PreEscaped(body))
            (PreEscaped(marks))
        }
    }
}
