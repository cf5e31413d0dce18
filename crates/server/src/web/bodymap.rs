//! The body map as server-rendered SVG: anterior and posterior whole-body views and the lateral head view, one
//! element per region and side carrying `data-region="ID"` or `data-region="ID:SIDE"`, as the region
//! vocabulary writes them. Zones are shown by class (no inline style, for the Content-Security-Policy), and a
//! trigger point by an X at its atlas coordinates.

use std::collections::HashMap;
use std::fmt::Write;

use taut_atlas::{REGIONS, RegionId, View};

use super::geometry::{ARM, BodyShape, HAND, HEAD_LATERAL, LEG, Limb, On, SHAPES};

/// How a region is drawn besides its outline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fill {
    Essential,
    Spillover,
    /// Pain marked by the patient, 0-10.
    Pain(u8),
}

/// What to draw on the map.
#[derive(Debug, Default, Clone)]
pub struct Overlay {
    /// Region keys (`temple:right`, `sternum`) → how to fill them.
    pub fills: HashMap<String, Fill>,
    /// Trigger point marks: view and position in that view's coordinates.
    pub marks: Vec<(View, f64, f64)>,
    /// Regions are buttons (the pain drawing); otherwise the map is a picture with a text list beside it.
    pub interactive: bool,
}

/// Whole-body views are drawn 1000 units per atlas unit; the head view 400.
const BODY: f64 = 1000.0;
const HEAD: f64 = 400.0;

fn sided_key(region: &str, side: &str) -> String {
    format!("{region}:{side}")
}

fn label(region: &str, side: Option<&str>) -> String {
    let text = RegionId::lookup(region).map_or(region, |r| REGIONS[r.index()].label);
    match side {
        Some(side) => format!("{text}, {side}"),
        None => text.to_owned(),
    }
}

/// Where the patient's right and left halves are drawn on a whole-body view: x = 0.5 ∓ d on the anterior view
/// (the patient faces us), 0.5 ± d on the posterior view.
fn x_of(view: View, side: &str, d: f64) -> f64 {
    let right_is_low = view == View::Anterior;
    let toward_low = (side == "right") == right_is_low;
    if toward_low { 0.5 - d } else { 0.5 + d }
}

fn path(points: impl Iterator<Item = (f64, f64)>) -> String {
    let mut d = String::new();
    for (i, (x, y)) in points.enumerate() {
        let _ = write!(d, "{}{:.1} {:.1}", if i == 0 { "M" } else { " L" }, x, y);
    }
    d.push_str(" Z");
    d
}

fn interpolate(profile: &[(f64, f64)], y: f64) -> f64 {
    let (first, last) = (profile[0], profile[profile.len() - 1]);
    if y <= first.0 {
        return first.1;
    }
    if y >= last.0 {
        return last.1;
    }
    for pair in profile.windows(2) {
        let ((y0, d0), (y1, d1)) = (pair[0], pair[1]);
        if y >= y0 && y <= y1 {
            let t = if y1 > y0 { (y - y0) / (y1 - y0) } else { 0.0 };
            return d0 + t * (d1 - d0);
        }
    }
    last.1
}

/// The `(d, y)` outline of a band across a limb, following the limb's edges between its top and bottom.
fn limb_band(limb: &Limb, y: (f64, f64), f: (f64, f64)) -> Vec<(f64, f64)> {
    let mut ys = vec![y.0];
    ys.extend(
        limb.inner
            .iter()
            .chain(limb.outer)
            .map(|p| p.0)
            .filter(|&v| v > y.0 && v < y.1),
    );
    ys.push(y.1);
    ys.sort_by(f64::total_cmp);
    ys.dedup();
    let at = |v: f64, frac: f64| {
        let (inner, outer) = (interpolate(limb.inner, v), interpolate(limb.outer, v));
        (inner + frac * (outer - inner), v)
    };
    let mut points: Vec<(f64, f64)> = ys.iter().map(|&v| at(v, f.0)).collect();
    points.extend(ys.iter().rev().map(|&v| at(v, f.1)));
    points
}

fn shown(on: On, view: View) -> bool {
    matches!(
        (on, view),
        (On::Both, _) | (On::Anterior, View::Anterior) | (On::Posterior, View::Posterior)
    )
}

struct Writer<'a> {
    svg: String,
    overlay: &'a Overlay,
}

impl Writer<'_> {
    fn region(&mut self, key: &str, region: &str, side: Option<&str>, d: &str) {
        let mut class = String::from("r");
        match self.overlay.fills.get(key) {
            Some(Fill::Essential) => class.push_str(" zone-essential"),
            Some(Fill::Spillover) => class.push_str(" zone-spillover"),
            Some(Fill::Pain(n)) => {
                let _ = write!(class, " pain i{}", n.min(&10));
            }
            None => {}
        }
        let text = label(region, side);
        if self.overlay.interactive {
            let pressed = matches!(self.overlay.fills.get(key), Some(Fill::Pain(_)));
            let _ = write!(
                self.svg,
                r#"<path class="{class}" d="{d}" data-region="{key}" data-label="{text}" tabindex="0" role="button" aria-pressed="{pressed}" aria-label="{text}"><title>{text}</title></path>"#
            );
        } else {
            let _ = write!(
                self.svg,
                r#"<path class="{class}" d="{d}" data-region="{key}"><title>{text}</title></path>"#
            );
        }
    }

    fn body_shape(&mut self, view: View, shape: &BodyShape) {
        if !shown(shape.on, view) {
            return;
        }
        if shape.midline {
            let d = path(
                shape
                    .points
                    .iter()
                    .map(|&(d, y)| (x_of(view, "right", d) * BODY, y * BODY)),
            );
            self.region(shape.region, shape.region, None, &d);
            return;
        }
        for side in ["right", "left"] {
            let d = path(
                shape
                    .points
                    .iter()
                    .map(|&(d, y)| (x_of(view, side, d) * BODY, y * BODY)),
            );
            self.region(&sided_key(shape.region, side), shape.region, Some(side), &d);
        }
    }

    fn limb(&mut self, view: View, limb: &Limb) {
        for band in limb.bands.iter().filter(|b| shown(b.on, view)) {
            let outline = limb_band(limb, band.y, band.f);
            for side in ["right", "left"] {
                let d = path(outline.iter().map(|&(d, y)| (x_of(view, side, d) * BODY, y * BODY)));
                self.region(&sided_key(band.region, side), band.region, Some(side), &d);
            }
        }
    }

    fn mark(&mut self, x: f64, y: f64, size: f64) {
        let (r, w) = (size, size / 4.0);
        let _ = write!(
            self.svg,
            r#"<g class="tp-mark"><circle cx="{x:.1}" cy="{y:.1}" r="{:.1}"/><path d="M{:.1} {:.1} L{:.1} {:.1} M{:.1} {:.1} L{:.1} {:.1}" stroke-width="{w:.1}"/></g>"#,
            r * 1.3,
            x - r,
            y - r,
            x + r,
            y + r,
            x - r,
            y + r,
            x + r,
            y - r,
        );
    }
}

/// The title of a view, as shown above it.
pub fn title(view: View) -> &'static str {
    match view {
        View::Anterior => "Front",
        View::Posterior => "Back",
        View::HeadLateral => "Head, right side",
    }
}

/// One view as an `<svg>` element.
pub fn render(view: View, overlay: &Overlay) -> String {
    let mut w = Writer {
        svg: String::with_capacity(32 * 1024),
        overlay,
    };
    let (view_box, caption) = match view {
        View::HeadLateral => (
            "-10 -20 420 430",
            "Right side of the head and neck; the face is to the right",
        ),
        View::Anterior => (
            "180 -30 640 1060",
            "Front of the body; the patient's right is on your left",
        ),
        View::Posterior => (
            "180 -30 640 1060",
            "Back of the body; the patient's right is on your right",
        ),
    };
    let _ = write!(
        w.svg,
        r#"<svg class="bodymap" viewBox="{view_box}" xmlns="http://www.w3.org/2000/svg" data-view="{}" role="group" aria-label="{}: {caption}">"#,
        view.as_str(),
        title(view),
    );
    match view {
        View::HeadLateral => {
            for (region, points) in HEAD_LATERAL {
                let d = path(points.iter().map(|&(x, y)| (x * HEAD, y * HEAD)));
                let id = RegionId::lookup(region);
                if id.is_some_and(RegionId::sided) {
                    w.region(&sided_key(region, "right"), region, Some("right"), &d);
                } else {
                    w.region(region, region, None, &d);
                }
            }
        }
        View::Anterior | View::Posterior => {
            for shape in SHAPES.iter().chain(HAND) {
                w.body_shape(view, shape);
            }
            w.limb(view, &ARM);
            w.limb(view, &LEG);
            let (low, high) = if view == View::Anterior { ("R", "L") } else { ("L", "R") };
            let _ = write!(
                w.svg,
                r#"<text class="side" x="250" y="20" aria-hidden="true">{low}</text><text class="side" x="750" y="20" aria-hidden="true">{high}</text>"#
            );
        }
    }
    let scale = if view == View::HeadLateral { HEAD } else { BODY };
    let size = if view == View::HeadLateral { 9.0 } else { 7.0 };
    for &(v, x, y) in &overlay.marks {
        if v == view {
            w.mark(x * scale, y * scale, size);
        }
    }
    w.svg.push_str("</svg>");
    w.svg
}

/// Every `data-region` key a view draws, in drawing order (for tests and for the region list).
pub fn keys(view: View) -> Vec<String> {
    let svg = render(view, &Overlay::default());
    svg.split("data-region=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// Every region of the vocabulary is drawn on every view that the vocabulary says shows it, on both sides
    /// when it is sided (the head view shows the right side only), and on no other view.
    #[test]
    fn every_region_is_drawn_on_its_views_and_sides() {
        for view in View::ALL {
            let drawn: BTreeSet<String> = keys(view).into_iter().collect();
            let mut expected = BTreeSet::new();
            for region in REGIONS.iter().filter(|r| r.views.contains(&view)) {
                if !region.sided {
                    expected.insert(region.id.to_owned());
                } else if view == View::HeadLateral {
                    expected.insert(format!("{}:right", region.id));
                } else {
                    expected.insert(format!("{}:right", region.id));
                    expected.insert(format!("{}:left", region.id));
                }
            }
            assert_eq!(drawn, expected, "{view:?}");
        }
        let all: BTreeSet<String> = View::ALL
            .iter()
            .flat_map(|v| keys(*v))
            .map(|k| k.split(':').next().unwrap_or_default().to_owned())
            .collect();
        assert_eq!(all.len(), REGIONS.len(), "all 86 regions appear");
    }

    /// Each key appears once per view: one element per region and side.
    #[test]
    fn each_region_and_side_is_one_element() {
        for view in View::ALL {
            let keys = keys(view);
            let unique: BTreeSet<&String> = keys.iter().collect();
            assert_eq!(unique.len(), keys.len(), "{view:?}");
        }
    }

    fn centre(points: &[(f64, f64)]) -> (f64, f64) {
        let n = points.len() as f64;
        (
            points.iter().map(|p| p.0).sum::<f64>() / n,
            points.iter().map(|p| p.1).sum::<f64>() / n,
        )
    }

    /// The patient's right is on the viewer's left from the front and on the viewer's right from behind.
    #[test]
    fn sides_are_drawn_where_the_atlas_puts_them() {
        let shape = SHAPES.iter().find(|s| s.region == "breast").expect("breast");
        let (d, _) = centre(shape.points);
        assert!(x_of(View::Anterior, "right", d) < 0.5);
        assert!(x_of(View::Anterior, "left", d) > 0.5);
        let shape = SHAPES.iter().find(|s| s.region == "buttock").expect("buttock");
        let (d, _) = centre(shape.points);
        assert!(x_of(View::Posterior, "right", d) > 0.5);
        assert!(x_of(View::Posterior, "left", d) < 0.5);
    }

    fn inside(point: (f64, f64), polygon: &[(f64, f64)]) -> bool {
        let mut inside = false;
        let mut j = polygon.len() - 1;
        for i in 0..polygon.len() {
            let ((xi, yi), (xj, yj)) = (polygon[i], polygon[j]);
            if (yi > point.1) != (yj > point.1) && point.0 < (xj - xi) * (point.1 - yi) / (yj - yi) + xi {
                inside = !inside;
            }
            j = i;
        }
        inside
    }

    /// The outlines of a region on a view, in that view's atlas coordinates (right side for sided regions).
    fn outlines(view: View, region: &str) -> Vec<Vec<(f64, f64)>> {
        let mut found = Vec::new();
        if view == View::HeadLateral {
            for (r, points) in HEAD_LATERAL {
                if *r == region {
                    found.push(points.to_vec());
                }
            }
            return found;
        }
        for shape in SHAPES.iter().chain(HAND) {
            if shape.region == region && shown(shape.on, view) {
                found.push(shape.points.iter().map(|&(d, y)| (x_of(view, "right", d), y)).collect());
            }
        }
        for limb in [&ARM, &LEG] {
            for band in limb.bands.iter().filter(|b| b.region == region && shown(b.on, view)) {
                let outline = limb_band(limb, band.y, band.f);
                found.push(outline.iter().map(|&(d, y)| (x_of(view, "right", d), y)).collect());
            }
        }
        found
    }

    /// Most trigger points' X lands on the shape of the region the atlas says it lies in: the drawing follows
    /// the atlas's coordinate system. (A point on a shared border may fall just outside its shape.)
    #[test]
    fn trigger_points_land_on_their_regions() {
        let atlas = taut_atlas::Atlas::embedded().expect("atlas");
        let (mut total, mut hits, mut misses) = (0, 0, Vec::new());
        for (_, tp) in atlas.trigger_points() {
            let polygons = outlines(tp.position.view, tp.local_region.as_str());
            assert!(
                !polygons.is_empty(),
                "{} has no shape for {}",
                tp.id,
                tp.local_region.as_str()
            );
            total += 1;
            let near = |dx: f64, dy: f64| {
                polygons
                    .iter()
                    .any(|p| inside((tp.position.x + dx, tp.position.y + dy), p))
            };
            // Within a small tolerance (the atlas places points by eye, half a centimetre matters little).
            let tol = if tp.position.view == View::HeadLateral {
                0.02
            } else {
                0.006
            };
            if [(0.0, 0.0), (tol, 0.0), (-tol, 0.0), (0.0, tol), (0.0, -tol)]
                .iter()
                .any(|&(dx, dy)| near(dx, dy))
            {
                hits += 1;
            } else {
                misses.push(tp.id.clone());
            }
        }
        assert!(
            hits * 100 >= total * 80,
            "{hits} of {total} on their region; misses: {misses:?}"
        );
    }
}
