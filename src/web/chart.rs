//! Charts drawn on the server as inline SVG: bars, grouped or stacked, with a value axis, the
//! bucket labels and a legend. Text is the page's own font, so Chinese labels render like the
//! rest of the page, on the kiosk and in print. No script, nothing loaded from outside.
//!
//! Our own small module rather than a charting crate: the reports need one kind of chart, and
//! plotters or charts-rs would add their font and drawing stacks to every build of the box for
//! it. Colours come from the stylesheet (`.chart .s0` …), with fills as attributes for print.

use maud::{Markup, Render, html};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::i18n::Lang;

/// The fills of the series, in order (also set in the stylesheet).
const FILLS: [&str; 5] = ["#1f3a5f", "#e8730c", "#7aa6d6", "#1c7c43", "#b9c2cf"];

/// One series of values, one per bucket.
#[derive(Clone, Debug)]
pub struct Series {
    pub name: String,
    pub values: Vec<Decimal>,
}

/// A bar chart over buckets (days, months…).
#[derive(Clone, Debug)]
pub struct BarChart {
    pub lang: Lang,
    /// What the chart shows, for screen readers.
    pub title: String,
    pub labels: Vec<String>,
    pub series: Vec<Series>,
    /// Series on top of each other (parts of a whole) instead of side by side.
    pub stacked: bool,
    pub height: u32,
    /// Small: no legend and fewer axis labels (the home page).
    pub small: bool,
}

/// The drawing's width: near the width it is shown at on a kiosk's half page, so its text
/// stays readable when a phone scales it down.
const WIDTH: f64 = 480.0;

impl BarChart {
    /// The value axis: from the lowest (at most 0) to the highest value (stacked: sum), in
    /// round steps.
    fn axis(&self) -> (f64, f64, f64) {
        let n = self.labels.len();
        let (mut lo, mut hi) = (0.0_f64, 0.0_f64);
        for i in 0..n {
            let values = self.series.iter().map(|s| s.values.get(i).and_then(|v| v.to_f64()).unwrap_or(0.0));
            if self.stacked {
                let (pos, neg): (Vec<f64>, Vec<f64>) = values.partition(|v| *v >= 0.0);
                hi = hi.max(pos.iter().sum());
                lo = lo.min(neg.iter().sum());
            } else {
                for v in values {
                    hi = hi.max(v);
                    lo = lo.min(v);
                }
            }
        }
        let step = nice_step((hi - lo).max(1.0) / if self.small { 2.0 } else { 4.0 });
        ((lo / step).floor() * step, (hi / step).ceil().max(1.0) * step, step)
    }
}

/// A round step (1, 2 or 5 times a power of ten) near `raw`.
fn nice_step(raw: f64) -> f64 {
    let power = 10f64.powf(raw.log10().floor());
    let m = raw / power;
    let nice = if m <= 1.0 {
        1.0
    } else if m <= 2.0 {
        2.0
    } else if m <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * power
}

/// An axis value, short: `12万` / `120k`.
pub fn compact(v: f64, lang: Lang) -> String {
    let a = v.abs();
    match lang {
        Lang::Zh if a >= 10_000.0 => trim(v / 10_000.0, "万"),
        Lang::En if a >= 1_000_000.0 => trim(v / 1_000_000.0, "M"),
        Lang::En if a >= 1_000.0 => trim(v / 1_000.0, "k"),
        _ => trim(v, ""),
    }
}

fn trim(v: f64, unit: &str) -> String {
    let s = format!("{v:.1}");
    let s = s.strip_suffix(".0").unwrap_or(&s);
    format!("{s}{unit}")
}

impl Render for BarChart {
    fn render(&self) -> Markup {
        let n = self.labels.len().max(1);
        let (left, right, top, bottom) = (48.0, 6.0, if self.small { 8.0 } else { 30.0 }, 22.0);
        let height = f64::from(self.height);
        let plot_h = height - top - bottom;
        let (lo, hi, step) = self.axis();
        let y = |v: f64| top + plot_h * (hi - v) / (hi - lo);
        let slot = (WIDTH - left - right) / n as f64;
        let groups = if self.stacked { 1 } else { self.series.len().max(1) };
        let bar_w = (slot * 0.8 / groups as f64).max(1.0);
        let ticks: Vec<f64> = {
            let mut t = Vec::new();
            let mut v = lo;
            while v <= hi + step / 2.0 {
                t.push(v);
                v += step;
            }
            t
        };
        // Every label when they fit, else every second or fifth.
        let every = if slot >= 22.0 {
            1
        } else if slot >= 11.0 {
            2
        } else {
            5
        };
        html! {
            svg.chart viewBox={ "0 0 " (WIDTH) " " (height) } role="img" aria-label=(self.title)
                preserveAspectRatio="xMidYMid meet" xmlns="http://www.w3.org/2000/svg" {
                title { (self.title) }
                @for t in &ticks {
                    line.grid x1=(left) x2=(WIDTH - right) y1=(fmt(y(*t))) y2=(fmt(y(*t))) stroke="#d9dee5" {}
                    text.axis x=(left - 6.0) y=(fmt(y(*t) + 4.0)) text-anchor="end" font-size="12" fill="#5b6675" {
                        (compact(*t, self.lang))
                    }
                }
                @for (i, label) in self.labels.iter().enumerate() {
                    @let x0 = left + slot * i as f64 + slot * 0.1;
                    @let mut up = 0.0_f64;
                    @let mut down = 0.0_f64;
                    g data-bar=(label) {
                        @for (k, s) in self.series.iter().enumerate() {
                            @let value = s.values.get(i).copied().unwrap_or_default();
                            @let v = value.to_f64().unwrap_or(0.0);
                            @let (from, to) = if self.stacked {
                                if v >= 0.0 { let f = up; up += v; (f, up) } else { let f = down; down += v; (f, down) }
                            } else { (0.0, v) };
                            @let x = if self.stacked { x0 } else { x0 + bar_w * k as f64 };
                            @let (y1, y2) = (y(from.max(to)), y(from.min(to)));
                            rect class={ "s" (k % FILLS.len()) } x=(fmt(x)) y=(fmt(y1)) width=(fmt(bar_w))
                                height=(fmt((y2 - y1).max(0.0))) fill=(FILLS[k % FILLS.len()])
                                data-series=(k) data-value=(value) {
                                title { (label) " · " (s.name) ": " (value.round_dp(2)) }
                            }
                        }
                        @if i % every == 0 {
                            text.axis x=(fmt(left + slot * (i as f64 + 0.5))) y=(fmt(height - 6.0))
                                text-anchor="middle" font-size="12" fill="#5b6675" { (label) }
                        }
                    }
                }
                line x1=(left) x2=(WIDTH - right) y1=(fmt(y(0.0))) y2=(fmt(y(0.0))) stroke="#5b6675" {}
                @if !self.small {
                    @for (k, s) in self.series.iter().enumerate() {
                        @let x = left + 120.0 * k as f64;
                        rect x=(fmt(x)) y="8" width="14" height="14" fill=(FILLS[k % FILLS.len()]) {}
                        text x=(fmt(x + 20.0)) y="20" font-size="13" fill="#1c2430" { (s.name) }
                    }
                }
            }
        }
    }
}

fn fmt(v: f64) -> String {
    format!("{v:.1}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(v: i64) -> Decimal {
        Decimal::from(v)
    }

    fn chart(stacked: bool, values: Vec<Vec<Decimal>>) -> BarChart {
        BarChart {
            lang: Lang::Zh,
            title: "营收".into(),
            labels: (1..=values[0].len()).map(|i| i.to_string()).collect(),
            series: values
                .into_iter()
                .enumerate()
                .map(|(i, v)| Series { name: format!("系列{i}"), values: v })
                .collect(),
            stacked,
            height: 240,
            small: false,
        }
    }

    #[test]
    fn the_axis_covers_the_values_in_round_steps() {
        let c = chart(false, vec![vec![d(120), d(380), d(90)]]);
        assert_eq!(c.axis(), (0.0, 400.0, 100.0));
        let stacked = chart(true, vec![vec![d(300), d(100)], vec![d(250), d(0)]]);
        assert_eq!(stacked.axis().1, 600.0, "stacked bars reach the sum");
        let negative = chart(false, vec![vec![d(-50), d(200)]]);
        assert!(negative.axis().0 < 0.0);
    }

    #[test]
    fn every_bar_carries_its_value_and_chinese_labels_are_kept() {
        let html = chart(true, vec![vec![d(1), d(2)], vec![d(3), d(4)]]).render().into_string();
        assert_eq!(html.matches("<rect class=").count(), 4);
        assert!(html.contains(r#"data-value="4""#));
        assert!(html.contains("系列1"));
        assert!(html.contains(r#"data-bar="2""#));
    }

    #[test]
    fn axis_values_are_short_in_each_language() {
        assert_eq!(compact(125_000.0, Lang::Zh), "12.5万");
        assert_eq!(compact(125_000.0, Lang::En), "125k");
        assert_eq!(compact(2_000_000.0, Lang::En), "2M");
        assert_eq!(compact(500.0, Lang::Zh), "500");
    }
}
