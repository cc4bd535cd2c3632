//! Maps drawn as inline SVG from GeoJSON (WGS84 longitude/latitude): no script, no
//! internet, readable on a phone and in print, allowed by the strict CSP. Each shape may be
//! a link with a hover title; appeals stand on it as pins; the view zooms and pans by links
//! that change the view box. Drawn in Web Mercator, so that an operator's raster tiles
//! (`serve --map-tiles`) can lie under the shapes; without them, nothing is fetched.

use jiayuan_domain::tiles::{self, TileSource};
use serde_json::Value;

pub struct Shape {
    pub label: String,
    pub href: Option<String>,
    pub geometry: String,
    /// How it is drawn: `area` (coloured, labelled when there is room), `building`
    /// (a grey footprint), `outline` (a dashed boundary, e.g. a grid) or `chosen` (the place
    /// picked, in the highlight colour).
    pub kind: ShapeKind,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum ShapeKind {
    Area,
    Building,
    Outline,
    Chosen,
    /// A grid on the district screen, coloured by what is open on it.
    Heat(Heat),
}

/// How a grid stands on the screen: nothing open, appeals open, some of them overdue.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Heat {
    Calm,
    Open,
    Overdue,
}

impl Heat {
    pub fn of(open: i64, overdue: i64) -> Heat {
        if overdue > 0 {
            Heat::Overdue
        } else if open > 0 {
            Heat::Open
        } else {
            Heat::Calm
        }
    }

    /// Fill and stroke; the screen's legend uses the same colours.
    pub fn colours(self) -> (&'static str, &'static str) {
        match self {
            Heat::Calm => ("#2e7d32", "#a5d6a7"),
            Heat::Open => ("#f9a825", "#fff59d"),
            Heat::Overdue => ("#d32f2f", "#ffcdd2"),
        }
    }
}

/// An appeal on the map: where (longitude, latitude), what to call it, where it links.
pub struct Pin {
    pub at: (f64, f64),
    pub label: String,
    pub href: String,
    pub overdue: bool,
}

/// Which part of the map is shown: a zoom (1 = all) around a centre in map units (the
/// 600×400 box), from the page's query.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct View {
    pub zoom: f64,
    pub x: f64,
    pub y: f64,
}

impl Default for View {
    fn default() -> Self {
        View { zoom: 1.0, x: W / 2.0, y: H / 2.0 }
    }
}

const W: f64 = 600.0;
const H: f64 = 400.0;
pub const ZOOMS: [f64; 4] = [1.0, 2.0, 4.0, 8.0];

impl View {
    /// From the query's `zoom`, `x` and `y`, kept inside the map; anything unreadable is
    /// the whole map.
    pub fn from_query(zoom: Option<&str>, x: Option<&str>, y: Option<&str>) -> View {
        let num = |v: Option<&str>| v.and_then(|s| s.parse::<f64>().ok()).filter(|v| v.is_finite());
        let zoom = num(zoom).map(|z| ZOOMS.iter().copied().filter(|s| *s <= z).fold(1.0, f64::max)).unwrap_or(1.0);
        let (hw, hh) = (W / 2.0 / zoom, H / 2.0 / zoom);
        let x = num(x).unwrap_or(W / 2.0).clamp(hw, W - hw);
        let y = num(y).unwrap_or(H / 2.0).clamp(hh, H - hh);
        View { zoom, x, y }
    }

    fn view_box(self) -> String {
        let (w, h) = (W / self.zoom, H / self.zoom);
        format!("{:.1} {:.1} {:.1} {:.1}", self.x - w / 2.0, self.y - h / 2.0, w, h)
    }

    /// The query of a neighbouring view: zoomed by `factor`, moved by (dx, dy) screens.
    pub fn query(self, factor: f64, dx: f64, dy: f64) -> String {
        let zoom = (self.zoom * factor).clamp(1.0, 8.0);
        let v = View::from_query(
            Some(&zoom.to_string()),
            Some(&(self.x + dx * W / self.zoom / 2.0).to_string()),
            Some(&(self.y + dy * H / self.zoom / 2.0).to_string()),
        );
        format!("zoom={}&x={:.0}&y={:.0}", v.zoom, v.x, v.y)
    }
}

/// Outer rings of a polygon or multipolygon, as (longitude, latitude) points.
type Rings = Vec<Vec<(f64, f64)>>;

fn rings(v: &Value) -> Rings {
    let pts = |ring: &Value| -> Vec<(f64, f64)> {
        ring.as_array()
            .map(|a| a.iter().filter_map(|p| Some((p.get(0)?.as_f64()?, p.get(1)?.as_f64()?))).collect())
            .unwrap_or_default()
    };
    match v.get("type").and_then(Value::as_str) {
        Some("Polygon") => v["coordinates"].as_array().map(|r| r.iter().take(1).map(pts).collect()).unwrap_or_default(),
        Some("MultiPolygon") => v["coordinates"]
            .as_array()
            .map(|polys| polys.iter().filter_map(|p| p.get(0)).map(pts).collect())
            .unwrap_or_default(),
        _ => vec![],
    }
}

/// The centre of a shape's outline (the mean of its corners), for a pin or a label.
pub fn centre(geometry: &str) -> Option<(f64, f64)> {
    let v: Value = serde_json::from_str(geometry).ok()?;
    // A ring ends where it began: count that corner once.
    let pts: Vec<(f64, f64)> = rings(&v)
        .into_iter()
        .flat_map(|mut r| {
            if r.len() > 1 && r.first() == r.last() {
                r.pop();
            }
            r
        })
        .collect();
    if pts.is_empty() {
        return None;
    }
    let n = pts.len() as f64;
    Some((pts.iter().map(|p| p.0).sum::<f64>() / n, pts.iter().map(|p| p.1).sum::<f64>() / n))
}

pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// An SVG of the shapes fitted to a 600×400 box; empty when nothing has geometry.
pub fn svg(shapes: &[Shape], label: &str) -> String {
    draw(shapes, &[], label, View::default(), None)
}

/// How longitude/latitude land in the 600×400 box: Web Mercator (as every tile source
/// draws), fitted to the shapes with a margin, north up.
struct Frame<'a> {
    u0: f64,
    v0: f64,
    /// Box units per world-square unit.
    scale: f64,
    ox: f64,
    oy: f64,
    tiles: Option<&'a TileSource>,
}

impl<'a> Frame<'a> {
    fn fit(parsed: &[(&Shape, Rings)], tiles: Option<&'a TileSource>) -> Frame<'a> {
        let mut f = Frame { u0: 0.0, v0: 0.0, scale: 1.0, ox: 0.0, oy: 0.0, tiles };
        let (mut u0, mut v0, mut u1, mut v1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for (x, y) in parsed.iter().flat_map(|(_, r)| r.iter().flatten()) {
            let (u, v) = f.world(*x, *y);
            (u0, v0, u1, v1) = (u0.min(u), v0.min(v), u1.max(u), v1.max(v));
        }
        f.scale = ((W - 20.0) / (u1 - u0).max(1e-12)).min((H - 20.0) / (v1 - v0).max(1e-12));
        f.ox = (W - (u1 - u0) * f.scale) / 2.0;
        f.oy = (H - (v1 - v0) * f.scale) / 2.0;
        (f.u0, f.v0) = (u0, v0);
        f
    }

    fn world(&self, lng: f64, lat: f64) -> (f64, f64) {
        let (lng, lat) = self.tiles.map(|t| t.place(lng, lat)).unwrap_or((lng, lat));
        tiles::world(lng, lat)
    }

    /// A longitude/latitude in box units.
    fn at(&self, lng: f64, lat: f64) -> (f64, f64) {
        let (u, v) = self.world(lng, lat);
        (self.ox + (u - self.u0) * self.scale, self.oy + (v - self.v0) * self.scale)
    }

    /// A point of the box back on the world square.
    fn unproject(&self, x: f64, y: f64) -> (f64, f64) {
        (self.u0 + (x - self.ox) / self.scale, self.v0 + (y - self.oy) / self.scale)
    }

    /// The source's tiles under what `view` shows, about 256 screen pixels each on a page
    /// that shows the box about 640 pixels wide (a desktop page shows it at 550–650, a phone
    /// at 360); at most 64 of them.
    fn tile_images(&self, source: &TileSource, view: View) -> String {
        let (w, h) = (W / view.zoom, H / view.zoom);
        let (x0, y0) = (view.x - w / 2.0, view.y - h / 2.0);
        let (u0, v0) = self.unproject(x0, y0);
        let (u1, v1) = self.unproject(x0 + w, y0 + h);
        let px_per_unit = 640.0 / W * view.zoom;
        let mut level = tiles::level_for(self.scale * px_per_unit, 256.0);
        let mut cover = tiles::covering(level, u0, v0, u1, v1);
        while cover.len() > 64 && level > 0 {
            level -= 1;
            cover = tiles::covering(level, u0, v0, u1, v1);
        }
        let n = (1u64 << level) as f64;
        let side = self.scale / n;
        let mut out = String::from("<g class=\"tiles\" aria-hidden=\"true\">");
        for (tx, ty) in cover {
            out.push_str(&format!(
                "<image href=\"{}\" x=\"{:.2}\" y=\"{:.2}\" width=\"{:.2}\" height=\"{:.2}\" preserveAspectRatio=\"none\"/>",
                esc(&source.url(level, tx, ty)),
                self.ox + (tx as f64 / n - self.u0) * self.scale,
                self.oy + (ty as f64 / n - self.v0) * self.scale,
                side + 0.3,
                side + 0.3
            ));
        }
        out.push_str("</g>");
        out
    }
}

/// The view that shows the shapes `pick` chooses whole, as close as the zoom steps allow;
/// `None` when none of them has a shape.
pub fn focus(shapes: &[Shape], pick: impl Fn(&Shape) -> bool, tiles: Option<&TileSource>) -> Option<View> {
    let parsed = parse(shapes);
    let frame = Frame::fit(&parsed, tiles);
    let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for (_, rings) in parsed.iter().filter(|(s, _)| pick(s)) {
        for (lng, lat) in rings.iter().flatten() {
            let (x, y) = frame.at(*lng, *lat);
            (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
        }
    }
    if x0 > x1 {
        return None;
    }
    // The largest step at which the shapes, with a little room, still fit.
    let zoom =
        ZOOMS.iter().copied().filter(|z| (x1 - x0) * 1.05 <= W / z && (y1 - y0) * 1.05 <= H / z).fold(1.0, f64::max);
    let (cx, cy) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
    Some(View::from_query(Some(&zoom.to_string()), Some(&cx.to_string()), Some(&cy.to_string())))
}

fn parse(shapes: &[Shape]) -> Vec<(&Shape, Rings)> {
    shapes
        .iter()
        .filter_map(|s| serde_json::from_str::<Value>(&s.geometry).ok().map(|v| (s, rings(&v))))
        .filter(|(_, r)| !r.is_empty())
        .collect()
}

/// The shapes, with pins on them, seen through `view`, over the operator's tiles if any.
/// Labels are drawn only where they fit (the title shows on hover everywhere), so that they
/// never pile up.
pub fn draw(shapes: &[Shape], pins: &[Pin], label: &str, view: View, tiles: Option<&TileSource>) -> String {
    let parsed = parse(shapes);
    if parsed.is_empty() {
        return String::new();
    }
    let frame = Frame::fit(&parsed, tiles);
    // A picture, unless it holds links: then a group, so that the links stay reachable.
    let links = !pins.is_empty() || shapes.iter().any(|s| s.href.is_some());
    let mut out = format!(
        "<svg class=\"map\" translate=\"no\" viewBox=\"{}\" role=\"{}\" aria-label=\"{}\" xmlns=\"http://www.w3.org/2000/svg\">",
        view.view_box(),
        if links { "group" } else { "img" },
        esc(label)
    );
    if let Some(source) = tiles {
        out.push_str(&frame.tile_images(source, view));
    }
    // Over a picture the areas let it show through.
    let see_through = if tiles.is_some() { " fill-opacity=\"0.45\"" } else { "" };
    let font = 11.0 / view.zoom;
    for (i, (shape, rings)) in parsed.iter().enumerate() {
        let mut d = String::new();
        let (mut bx0, mut bx1) = (f64::MAX, f64::MIN);
        for ring in rings {
            for (j, (lng, lat)) in ring.iter().enumerate() {
                let (x, y) = frame.at(*lng, *lat);
                d.push_str(&format!("{}{x:.2},{y:.2} ", if j == 0 { "M" } else { "L" }));
                bx0 = bx0.min(x);
                bx1 = bx1.max(x);
            }
            d.push_str("Z ");
        }
        let hue = (i * 47) % 360;
        let style = match shape.kind {
            ShapeKind::Area => format!(
                "fill=\"hsl({hue},55%,85%)\"{see_through} stroke=\"hsl({hue},45%,35%)\" stroke-width=\"{:.2}\"",
                1.0 / view.zoom
            ),
            ShapeKind::Building => {
                format!("fill=\"#d0d7de\"{see_through} stroke=\"#57606a\" stroke-width=\"{:.2}\"", 0.8 / view.zoom)
            }
            ShapeKind::Chosen => {
                format!("fill=\"#f9ab00\" stroke=\"#8a4b00\" stroke-width=\"{:.2}\"", 1.6 / view.zoom)
            }
            ShapeKind::Heat(h) => {
                let (fill, stroke) = h.colours();
                format!(
                    "fill=\"{fill}\" fill-opacity=\"0.85\" stroke=\"{stroke}\" stroke-width=\"{:.2}\"",
                    0.8 / view.zoom
                )
            }
            ShapeKind::Outline => format!(
                "fill=\"none\" stroke=\"#b71c1c\" stroke-width=\"{:.2}\" stroke-dasharray=\"{:.1} {:.1}\"",
                1.2 / view.zoom,
                4.0 / view.zoom,
                3.0 / view.zoom
            ),
        };
        let path = format!("<path d=\"{d}\" {style}><title>{}</title></path>", esc(&shape.label));
        // A label where it fits: about a font-size per character across the shape.
        let fits = !matches!(shape.kind, ShapeKind::Outline | ShapeKind::Heat(_))
            && (bx1 - bx0) > shape.label.chars().count() as f64 * font * 1.05;
        let text = match (fits, centre(&shape.geometry)) {
            (true, Some((cx, cy))) => {
                let (x, y) = frame.at(cx, cy);
                format!(
                    "<text x=\"{x:.2}\" y=\"{:.2}\" text-anchor=\"middle\" font-size=\"{font:.2}\" pointer-events=\"none\">{}</text>",
                    y + font * 0.35,
                    esc(&shape.label)
                )
            }
            _ => String::new(),
        };
        match &shape.href {
            Some(href) => out.push_str(&format!("<a href=\"{}\">{path}{text}</a>", esc(href))),
            None => out.push_str(&format!("{path}{text}")),
        }
    }
    let r = 5.0 / view.zoom;
    for p in pins {
        let colour = if p.overdue { "#b71c1c" } else { "#0b57d0" };
        let (x, y) = frame.at(p.at.0, p.at.1);
        out.push_str(&format!(
            "<a href=\"{}\" class=\"pin\"><circle cx=\"{x:.2}\" cy=\"{y:.2}\" r=\"{r:.2}\" fill=\"{colour}\" stroke=\"#fff\" stroke-width=\"{:.2}\"><title>{}</title></circle></a>",
            esc(&p.href),
            1.5 / view.zoom,
            esc(&p.label)
        ));
    }
    if let Some(source) = tiles.filter(|s| !s.attribution().is_empty()) {
        let (w, h) = (W / view.zoom, H / view.zoom);
        out.push_str(&format!(
            "<text class=\"attribution\" x=\"{:.2}\" y=\"{:.2}\" text-anchor=\"end\" font-size=\"{:.2}\">{}</text>",
            view.x + w / 2.0 - 3.0 / view.zoom,
            view.y + h / 2.0 - 3.0 / view.zoom,
            9.0 / view.zoom,
            esc(source.attribution())
        ));
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(x: f64, y: f64, s: f64) -> String {
        format!(
            r#"{{"type":"Polygon","coordinates":[[[{x},{y}],[{},{y}],[{},{}],[{x},{}],[{x},{y}]]]}}"#,
            x + s,
            x + s,
            y + s,
            y + s
        )
    }

    #[test]
    fn draws_polygons_links_and_pins_and_escapes_labels() {
        let shapes = [
            Shape {
                label: "A<b>".into(),
                href: Some("/t/1".into()),
                geometry: square(121.5, 37.3, 0.1),
                kind: ShapeKind::Area,
            },
            Shape {
                label: "1号楼".into(),
                href: None,
                geometry: square(121.52, 37.32, 0.01),
                kind: ShapeKind::Building,
            },
        ];
        let pins = [Pin { at: (121.55, 37.35), label: "#7 噪音".into(), href: "/appeals/7".into(), overdue: true }];
        let s = draw(&shapes, &pins, "地图", View::default(), None);
        assert!(s.starts_with("<svg") && s.contains("<path") && s.contains("A&lt;b&gt;"));
        assert!(s.contains("<a href=\"/t/1\">") && s.contains("<circle") && s.contains("#7 噪音"));
        assert!(s.contains("aria-label=\"地图\""));
        assert!(svg(
            &[Shape { label: "x".into(), href: None, geometry: "not json".into(), kind: ShapeKind::Area }],
            "地图"
        )
        .is_empty());
    }

    #[test]
    fn labels_only_where_they_fit() {
        let long = "一个名字很长很长很长很长很长很长的小区";
        let shapes = [
            Shape { label: long.into(), href: None, geometry: square(121.5, 37.3, 0.001), kind: ShapeKind::Area },
            Shape { label: "大".into(), href: None, geometry: square(121.6, 37.4, 0.1), kind: ShapeKind::Area },
        ];
        let s = svg(&shapes, "地图");
        assert!(!s.contains(&format!(">{long}</text>")), "no room for the long name");
        assert!(s.contains(">大</text>"));
        assert!(s.contains(&format!("<title>{long}</title>")), "but it has its hover title");
    }

    #[test]
    fn tiles_lie_under_the_shapes_where_the_view_looks() {
        let shapes =
            [Shape {
                label: "小区".into(), href: None, geometry: square(121.60, 37.39, 0.02), kind: ShapeKind::Area
            }];
        let source = TileSource::parse("https://tiles.example.cn/{z}/{x}/{y}.png", false, "© 示例").unwrap();
        let s = draw(&shapes, &[], "地图", View::default(), Some(&source));
        let first_image = s.find("<image").expect("tiles drawn");
        assert!(first_image < s.find("<path").unwrap(), "under the shapes");
        assert!(s.contains("fill-opacity=\"0.45\""), "areas let the picture show through");
        assert!(s.contains(">© 示例</text>"), "the source is named");
        let n = s.matches("<image").count();
        assert!((1..=64).contains(&n), "{n} tiles");
        // The tile under the square's middle is among them, at the level chosen.
        let level: u8 =
            s[first_image..].split("example.cn/").nth(1).unwrap().split('/').next().unwrap().parse().unwrap();
        let (u, v) = tiles::world(121.61, 37.40);
        let m = (1u32 << level) as f64;
        assert!(s.contains(&format!("/{level}/{}/{}.png", (u * m) as u32, (v * m) as u32)), "{s}");
        // Zoomed in, finer tiles.
        let near = draw(&shapes, &[], "地图", View::from_query(Some("4"), None, None), Some(&source));
        assert!(near.contains(&format!("example.cn/{}/", level + 2)), "{near}");
        // GCJ-02 moves the drawing, not the tiles' grid.
        let gcj = TileSource::parse("https://tiles.example.cn/{z}/{x}/{y}.png", true, "").unwrap();
        assert_ne!(draw(&shapes, &[], "地图", View::default(), Some(&gcj)), s);
        assert!(!svg(&shapes, "地图").contains("<image"), "no source, no tiles");
    }

    #[test]
    fn focus_frames_the_chosen_shapes() {
        let shapes = [
            Shape { label: "全区".into(), href: None, geometry: square(121.5, 37.3, 0.1), kind: ShapeKind::Area },
            Shape { label: "一角".into(), href: None, geometry: square(121.5, 37.3, 0.01), kind: ShapeKind::Area },
        ];
        let v = focus(&shapes, |s| s.label == "一角", None).unwrap();
        assert_eq!(v.zoom, 8.0);
        assert!(v.x < 300.0 && v.y > 200.0, "the south-west corner: {v:?}");
        assert_eq!(focus(&shapes, |s| s.label == "全区", None).unwrap(), View::default());
        assert_eq!(focus(&shapes, |_| false, None), None);
    }

    #[test]
    fn views_zoom_and_pan_inside_the_map() {
        assert_eq!(View::from_query(None, None, None), View::default());
        let v = View::from_query(Some("3"), Some("0"), Some("9999"));
        assert_eq!(v.zoom, 2.0, "rounded down to a step");
        assert_eq!((v.x, v.y), (150.0, 300.0), "kept inside the map");
        assert_eq!(View::from_query(Some("nan"), Some("x"), None), View::default());
        assert_eq!(View::default().query(2.0, 0.0, 0.0), "zoom=2&x=300&y=200");
        assert_eq!(View::default().query(0.5, 0.0, 0.0), "zoom=1&x=300&y=200");
    }
}
