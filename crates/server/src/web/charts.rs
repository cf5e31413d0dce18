//! Line charts as server-rendered SVG: pain NRS over time with procedure markers, and pressure thresholds per
//! trigger point over visits. Drawing only: the values come from the records as they are; no rule lives here.
//!
//! Each chart names itself (`<title>`, `<desc>`, `role="img"`), labels both axes, draws with classes from the
//! stylesheet (no inline style), and tells series apart by marker shape and dash as well as colour, so that it
//! reads in black-and-white print.

use std::fmt::Write;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

const WIDTH: f64 = 760.0;
const HEIGHT: f64 = 280.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 18.0;
const BOTTOM: f64 = 56.0;
const DAY: f64 = 86_400.0;

/// One measured value.
pub struct Point {
    pub at: OffsetDateTime,
    pub value: f64,
}

/// A named line of values.
pub struct Series {
    pub label: String,
    pub points: Vec<Point>,
}

/// A vertical marker (a procedure) at a time.
pub struct Marker {
    pub at: OffsetDateTime,
    pub label: String,
}

/// What a chart shows.
pub struct Chart<'a> {
    /// Unique within the page (ids of the title and description).
    pub id: &'a str,
    pub title: &'a str,
    pub y_label: &'a str,
    /// The value axis runs from 0 to this (at least the largest value).
    pub y_max: f64,
    pub series: Vec<Series>,
    pub markers: Vec<Marker>,
}

/// A stored RFC 3339 instant.
pub fn instant(stamp: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(stamp, &Rfc3339).ok()
}

fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn day(at: OffsetDateTime) -> String {
    let d = at.date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

fn number(value: f64) -> String {
    if value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.1}")
    }
}

/// A round step for about five gridlines up to `max`.
fn y_step(max: f64) -> f64 {
    let raw = max / 5.0;
    let magnitude = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw)
        .unwrap_or(magnitude * 10.0)
}

/// The chart as an SVG element; `None` when there is nothing to draw.
pub fn render(chart: &Chart<'_>) -> Option<String> {
    let times: Vec<f64> = chart
        .series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.at))
        .chain(chart.markers.iter().map(|m| m.at))
        .map(|t| t.unix_timestamp() as f64)
        .collect();
    let count: usize = chart.series.iter().map(|s| s.points.len()).sum();
    if count == 0 {
        return None;
    }
    let (mut t0, mut t1) = times
        .iter()
        .fold((f64::MAX, f64::MIN), |(lo, hi), t| (lo.min(*t), hi.max(*t)));
    // Half a day either side at least, so that a single day still spans the axis.
    let pad = ((t1 - t0) * 0.04).max(DAY / 2.0);
    t0 -= pad;
    t1 += pad;
    let largest = chart
        .series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.value))
        .fold(0.0, f64::max);
    let step = y_step(chart.y_max.max(largest).max(1.0));
    let y_top = (chart.y_max.max(largest) / step).ceil() * step;
    let (plot_w, plot_h) = (WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM);
    let x = |t: OffsetDateTime| LEFT + (t.unix_timestamp() as f64 - t0) / (t1 - t0) * plot_w;
    let y = |v: f64| TOP + plot_h - v / y_top * plot_h;

    let labels: Vec<&str> = chart.series.iter().map(|s| s.label.as_str()).collect();
    let first = chart.series.iter().flat_map(|s| &s.points).map(|p| p.at).min();
    let last = chart.series.iter().flat_map(|s| &s.points).map(|p| p.at).max();
    let mut desc = format!(
        "{count} value(s) of {} from {} to {}",
        labels.join(", "),
        first.map(day).unwrap_or_default(),
        last.map(day).unwrap_or_default()
    );
    if !chart.markers.is_empty() {
        let _ = write!(
            desc,
            "; {} procedure(s) marked: {}",
            chart.markers.len(),
            chart.markers.iter().map(|m| day(m.at)).collect::<Vec<_>>().join(", ")
        );
    }
    let id = esc(chart.id);
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="chart" id="{id}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="{id}-title {id}-desc" xmlns="http://www.w3.org/2000/svg"><title id="{id}-title">{}</title><desc id="{id}-desc">{}.</desc>"#,
        esc(chart.title),
        esc(&desc)
    );
    // Value gridlines and labels.
    let mut v = 0.0;
    while v <= y_top + 1e-9 {
        let yy = y(v);
        let _ = write!(
            svg,
            r#"<line class="grid" x1="{LEFT}" x2="{:.1}" y1="{yy:.1}" y2="{yy:.1}"/><text class="tick" x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
            WIDTH - RIGHT,
            LEFT - 6.0,
            yy + 4.0,
            number(v)
        );
        v += step;
    }
    // Time ticks: up to five evenly spaced days.
    let ticks = 5;
    let mut last_label = String::new();
    for i in 0..ticks {
        let t = t0 + pad + (t1 - t0 - 2.0 * pad) * f64::from(i) / f64::from(ticks - 1);
        let Ok(at) = OffsetDateTime::from_unix_timestamp(t as i64) else {
            continue;
        };
        let label = day(at);
        if label == last_label {
            continue;
        }
        let xx = x(at);
        let _ = write!(
            svg,
            r#"<line class="axis-tick" x1="{xx:.1}" x2="{xx:.1}" y1="{:.1}" y2="{:.1}"/><text class="tick" x="{xx:.1}" y="{:.1}" text-anchor="middle">{label}</text>"#,
            TOP + plot_h,
            TOP + plot_h + 5.0,
            TOP + plot_h + 20.0
        );
        last_label = label;
    }
    // Axes and their labels.
    let _ = write!(
        svg,
        r#"<line class="axis" x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{:.1}"/><line class="axis" x1="{LEFT}" x2="{:.1}" y1="{:.1}" y2="{:.1}"/><text class="axis-label" x="{:.1}" y="{:.1}" text-anchor="middle">Date</text><text class="axis-label" transform="translate(14 {:.1}) rotate(-90)" text-anchor="middle">{}</text>"#,
        TOP + plot_h,
        WIDTH - RIGHT,
        TOP + plot_h,
        TOP + plot_h,
        LEFT + plot_w / 2.0,
        HEIGHT - 10.0,
        TOP + plot_h / 2.0,
        esc(chart.y_label)
    );
    // Procedure markers.
    for m in &chart.markers {
        let xx = x(m.at);
        let _ = write!(
            svg,
            r#"<g class="marker" data-at="{}"><title>{}</title><line x1="{xx:.1}" x2="{xx:.1}" y1="{TOP}" y2="{:.1}"/><path d="M{:.1} {TOP} l6 0 l-6 9 l-6 -9 z"/></g>"#,
            day(m.at),
            esc(&m.label),
            TOP + plot_h,
            xx
        );
    }
    // The lines, each with its own dash and marker shape.
    for (i, s) in chart.series.iter().enumerate() {
        let style = i % 4;
        let mut points: Vec<&Point> = s.points.iter().collect();
        points.sort_by_key(|p| p.at);
        let path: Vec<String> = points
            .iter()
            .map(|p| format!("{:.1},{:.1}", x(p.at), y(p.value)))
            .collect();
        let _ = write!(
            svg,
            r#"<g class="series s{style}" data-series="{}"><polyline points="{}"/>"#,
            esc(&s.label),
            path.join(" ")
        );
        for p in points {
            let (xx, yy) = (x(p.at), y(p.value));
            let title = format!("{}: {} on {}", s.label, number(p.value), day(p.at));
            let shape = match style {
                0 => format!(r#"<circle cx="{xx:.1}" cy="{yy:.1}" r="5.5"/>"#),
                1 => format!(
                    r#"<rect x="{:.1}" y="{:.1}" width="8" height="8"/>"#,
                    xx - 4.0,
                    yy - 4.0
                ),
                2 => format!(r#"<path d="M{xx:.1} {:.1} l5 9 l-10 0 z"/>"#, yy - 5.5),
                _ => format!(r#"<path d="M{xx:.1} {:.1} l5 5.5 l-5 5.5 l-5 -5.5 z"/>"#, yy - 5.5),
            };
            let _ = write!(
                svg,
                r#"<g class="point" data-value="{}" data-at="{}"><title>{}</title>{shape}</g>"#,
                number(p.value),
                day(p.at),
                esc(&title)
            );
        }
        svg.push_str("</g>");
    }
    svg.push_str("</svg>");
    Some(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> OffsetDateTime {
        instant(text).expect("instant")
    }

    #[test]
    fn a_chart_names_itself_labels_its_axes_and_draws_every_value() {
        let chart = Chart {
            id: "nrs",
            title: "Pain <NRS>",
            y_label: "Pain NRS (0-10)",
            y_max: 10.0,
            series: vec![Series {
                label: "Pain NRS".into(),
                points: vec![
                    Point {
                        at: at("2026-10-01T09:00:00Z"),
                        value: 7.0,
                    },
                    Point {
                        at: at("2026-10-29T09:00:00Z"),
                        value: 3.5,
                    },
                ],
            }],
            markers: vec![Marker {
                at: at("2026-10-02T10:00:00Z"),
                label: "Procedure".into(),
            }],
        };
        let svg = render(&chart).expect("drawn");
        assert!(svg.contains(r#"role="img""#) && svg.contains("<title id=\"nrs-title\">Pain &lt;NRS&gt;</title>"));
        assert!(svg.contains("Pain NRS (0-10)") && svg.contains(">Date</text>"));
        assert!(svg.contains(r#"data-value="7" data-at="2026-10-01""#), "{svg}");
        assert!(svg.contains(r#"data-value="3.5" data-at="2026-10-29""#));
        assert!(svg.contains(r#"class="marker" data-at="2026-10-02""#));
        assert!(svg.contains("2 value(s) of Pain NRS from 2026-10-01 to 2026-10-29; 1 procedure(s) marked"));
        // The axis reaches 10 whatever the values.
        assert!(svg.contains(">10</text>"));
    }

    #[test]
    fn nothing_to_draw_is_no_chart() {
        let chart = Chart {
            id: "empty",
            title: "t",
            y_label: "y",
            y_max: 10.0,
            series: vec![Series {
                label: "none".into(),
                points: Vec::new(),
            }],
            markers: Vec::new(),
        };
        assert!(render(&chart).is_none());
    }

    #[test]
    fn the_value_axis_rounds_up_past_the_largest_value() {
        assert_eq!(y_step(10.0), 2.0);
        assert_eq!(y_step(4.3), 1.0);
        assert_eq!(y_step(12.0), 2.5);
    }
}
