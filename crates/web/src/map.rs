//! Grid maps drawn as inline SVG from GeoJSON: no tiles, no internet, readable on a phone
//! and in print.

use serde_json::Value;

pub struct Shape {
    pub label: String,
    pub href: Option<String>,
    pub geometry: String,
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

pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// An SVG of the shapes fitted to a 600×400 box; empty when nothing has geometry.
pub fn svg(shapes: &[Shape], label: &str) -> String {
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
    let (w, h) = (600.0, 400.0);
    let scale = ((w - 20.0) / (x1 - x0).max(1e-9)).min((h - 20.0) / (y1 - y0).max(1e-9));
    let tx = |x: f64| 10.0 + (x - x0) * scale;
    let ty = |y: f64| h - 10.0 - (y - y0) * scale; // north up
    let mut out =
        format!("<svg class=\"map\" translate=\"no\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"{}\" xmlns=\"http://www.w3.org/2000/svg\">", esc(label));
    for (i, (shape, rings)) in parsed.iter().enumerate() {
        let mut d = String::new();
        let (mut cx, mut cy, mut n) = (0.0, 0.0, 0.0);
        for ring in rings {
            for (j, (x, y)) in ring.iter().enumerate() {
                d.push_str(&format!("{}{:.1},{:.1} ", if j == 0 { "M" } else { "L" }, tx(*x), ty(*y)));
                cx += tx(*x);
                cy += ty(*y);
                n += 1.0;
            }
            d.push_str("Z ");
        }
        let hue = (i * 47) % 360;
        let path = format!("<path d=\"{d}\" fill=\"hsl({hue},60%,80%)\" stroke=\"hsl({hue},50%,35%)\" stroke-width=\"1\"><title>{}</title></path>", esc(&shape.label));
        let label = if n > 0.0 {
            format!(
                "<text translate=\"no\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"11\">{}</text>",
                cx / n,
                cy / n,
                esc(&shape.label)
            )
        } else {
            String::new()
        };
        match &shape.href {
            Some(href) => out.push_str(&format!("<a href=\"{}\">{path}{label}</a>", esc(href))),
            None => out.push_str(&format!("{path}{label}")),
        }
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_polygons_and_escapes_labels() {
        let g = r#"{"type":"Polygon","coordinates":[[[121.5,37.3],[121.6,37.3],[121.6,37.4],[121.5,37.3]]]}"#;
        let s = svg(&[Shape { label: "A<b>".into(), href: Some("/t/1".into()), geometry: g.into() }], "地图");
        assert!(s.starts_with("<svg") && s.contains("<path") && s.contains("A&lt;b&gt;"));
        assert!(svg(&[Shape { label: "x".into(), href: None, geometry: "not json".into() }], "地图").is_empty());
    }
}
