//! Maps drawn as inline SVG from GeoJSON (WGS84 longitude/latitude): no tiles, no script,
//! no internet, readable on a phone and in print, allowed by the strict CSP. Each shape may
//! be a link with a hover title; appeals stand on it as pins; the view zooms and pans by
//! links that change the view box.

use serde_json::Value;

pub struct Shape {
    pub label: String,
    pub href: Option<String>,
    pub geometry: String,
    /// How it is drawn: `area` (coloured, labelled when there is room), `building`
    /// (a grey footprint) or `outline` (a dashed boundary, e.g. a grid).
    pub kind: ShapeKind,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum ShapeKind {
    Area,
    Building,
    Outline,
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
    let pts: Vec<(f64, f64)> = rings(&v).into_iter().flatten().collect();
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
    draw(shapes, &[], label, View::default())
}

/// The shapes, with pins on them, seen through `view`. Labels are drawn only where they fit
/// (the title shows on hover everywhere), so that they never pile up.
pub fn draw(shapes: &[Shape], pins: &[Pin], label: &str, view: View) -> String {
    let parsed: Vec<(&Shape, Rings)> = shapes
        .iter()
        .filter_map(|s| serde_json::from_str::<Value>(&s.geometry).ok().map(|v| (s, rings(&v))))
        .filter(|(_, r)| !r.is_empty())
        .collect();
    if parsed.is_empty() {
        return String::new();
    }
    let all = parsed.iter().flat_map(|(_, r)| r.iter().flatten());
    let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for (x, y) in all {
        x0 = x0.min(*x);
        y0 = y0.min(*y);
        x1 = x1.max(*x);
        y1 = y1.max(*y);
    }
    // Longitude shrinks with latitude: a degree east is cos(lat) of a degree north.
    let k = ((y0 + y1) / 2.0).to_radians().cos().max(0.1);
    let scale = ((W - 20.0) / ((x1 - x0) * k).max(1e-9)).min((H - 20.0) / (y1 - y0).max(1e-9));
    let ox = (W - (x1 - x0) * k * scale) / 2.0;
    let oy = (H - (y1 - y0) * scale) / 2.0;
    let tx = |x: f64| ox + (x - x0) * k * scale;
    let ty = |y: f64| H - oy - (y - y0) * scale; // north up
    let mut out = format!(
        "<svg class=\"map\" translate=\"no\" viewBox=\"{}\" role=\"img\" aria-label=\"{}\" xmlns=\"http://www.w3.org/2000/svg\">",
        view.view_box(),
        esc(label)
    );
    let font = 11.0 / view.zoom;
    for (i, (shape, rings)) in parsed.iter().enumerate() {
        let mut d = String::new();
        let (mut bx0, mut bx1) = (f64::MAX, f64::MIN);
        for ring in rings {
            for (j, (x, y)) in ring.iter().enumerate() {
                d.push_str(&format!("{}{:.2},{:.2} ", if j == 0 { "M" } else { "L" }, tx(*x), ty(*y)));
                bx0 = bx0.min(tx(*x));
                bx1 = bx1.max(tx(*x));
            }
            d.push_str("Z ");
        }
        let hue = (i * 47) % 360;
        let style = match shape.kind {
            ShapeKind::Area => format!(
                "fill=\"hsl({hue},55%,85%)\" stroke=\"hsl({hue},45%,35%)\" stroke-width=\"{:.2}\"",
                1.0 / view.zoom
            ),
            ShapeKind::Building => {
                format!("fill=\"#d0d7de\" stroke=\"#57606a\" stroke-width=\"{:.2}\"", 0.8 / view.zoom)
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
        let fits = shape.kind != ShapeKind::Outline && (bx1 - bx0) > shape.label.chars().count() as f64 * font * 1.05;
        let text = match (fits, centre(&shape.geometry)) {
            (true, Some((cx, cy))) => format!(
                "<text x=\"{:.2}\" y=\"{:.2}\" text-anchor=\"middle\" font-size=\"{font:.2}\" pointer-events=\"none\">{}</text>",
                tx(cx),
                ty(cy) + font * 0.35,
                esc(&shape.label)
            ),
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
        out.push_str(&format!(
            "<a href=\"{}\" class=\"pin\"><circle cx=\"{:.2}\" cy=\"{:.2}\" r=\"{r:.2}\" fill=\"{colour}\" stroke=\"#fff\" stroke-width=\"{:.2}\"><title>{}</title></circle></a>",
            esc(&p.href),
            tx(p.at.0),
            ty(p.at.1),
            1.5 / view.zoom,
            esc(&p.label)
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
        let s = draw(&shapes, &pins, "地图", View::default());
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
