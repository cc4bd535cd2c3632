//! Charts drawn as server-rendered SVG: a line chart with axes, ticks and a legend. No
//! script and no fonts to fetch, so it works offline, under the strict CSP and in print.

/// One line of a chart: its name for the legend, its colour and a value per point.
pub struct Series<'a> {
    pub name: &'a str,
    pub colour: &'a str,
    pub values: Vec<i64>,
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A round step for about four ticks up to `max`: 1, 2 or 5 times a power of ten.
pub fn tick_step(max: i64) -> i64 {
    let raw = (max.max(1) as f64 / 4.0).max(1.0);
    let pow = 10f64.powi(raw.log10().floor() as i32);
    let step = [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * pow).find(|s| *s >= raw).unwrap_or(10.0 * pow);
    step.max(1.0) as i64
}

/// A line chart of `series` over the `labels` of the x axis (a label every few points),
/// with a y axis of round ticks from zero and a legend. Empty with fewer than two points.
pub fn line_chart(title: &str, labels: &[String], series: &[Series]) -> String {
    let n = labels.len();
    if n < 2 || series.is_empty() {
        return String::new();
    }
    let (w, h, left, right, top, bottom) = (640.0, 240.0, 44.0, 12.0, 28.0, 30.0);
    let max = series.iter().flat_map(|s| s.values.iter().copied()).max().unwrap_or(0).max(1);
    let step = tick_step(max);
    let top_tick = ((max + step - 1) / step) * step;
    let x = |i: usize| left + i as f64 * (w - left - right) / (n - 1) as f64;
    let y = |v: i64| top + (h - top - bottom) * (1.0 - v as f64 / top_tick as f64);
    let mut out = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"{}\" xmlns=\"http://www.w3.org/2000/svg\">",
        esc(title)
    );
    // The y axis: gridlines and their values.
    let mut v = 0;
    while v <= top_tick {
        let yy = y(v);
        out.push_str(&format!(
            "<line x1=\"{left}\" x2=\"{}\" y1=\"{yy:.1}\" y2=\"{yy:.1}\" stroke=\"#eef1f4\"/><text x=\"{}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\" fill=\"#656d76\">{v}</text>",
            w - right,
            left - 6.0,
            yy + 4.0
        ));
        v += step;
    }
    // The x axis: about six labels, always the first and the last.
    let every = n.div_ceil(6).max(1);
    out.push_str(&format!(
        "<line x1=\"{left}\" x2=\"{}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"#8c959f\"/>",
        w - right,
        y(0),
        y(0)
    ));
    for (i, l) in labels.iter().enumerate() {
        if i % every == 0 || i == n - 1 {
            let anchor = if i == 0 {
                "start"
            } else if i == n - 1 {
                "end"
            } else {
                "middle"
            };
            out.push_str(&format!(
                "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"{anchor}\" fill=\"#656d76\">{}</text>",
                x(i),
                h - 10.0,
                esc(l)
            ));
        }
    }
    for (k, s) in series.iter().enumerate() {
        let pts: Vec<String> = s.values.iter().enumerate().map(|(i, v)| format!("{:.1},{:.1}", x(i), y(*v))).collect();
        out.push_str(&format!(
            "<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"2\" points=\"{}\"><title>{}</title></polyline>",
            s.colour,
            pts.join(" "),
            esc(s.name)
        ));
        // The legend, top left.
        let lx = left + k as f64 * 140.0;
        out.push_str(&format!(
            "<rect x=\"{lx}\" y=\"8\" width=\"14\" height=\"4\" fill=\"{}\"/><text x=\"{}\" y=\"14\" font-size=\"12\" fill=\"#1f2328\">{}</text>",
            s.colour,
            lx + 20.0,
            esc(s.name)
        ));
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round() {
        assert_eq!(tick_step(1), 1);
        assert_eq!(tick_step(9), 5);
        assert_eq!(tick_step(40), 10);
        assert_eq!(tick_step(1234), 500);
    }

    #[test]
    fn a_chart_has_axes_a_legend_and_a_line_per_series() {
        let labels: Vec<String> = (1..=10).map(|d| format!("12-{d:02}")).collect();
        let s = [
            Series { name: "受理", colour: "#b71c1c", values: (0..10).collect() },
            Series { name: "办结", colour: "#1a7f37", values: vec![1; 10] },
        ];
        let svg = line_chart("趋势", &labels, &s);
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert!(svg.contains(">受理</text>") && svg.contains(">办结</text>"), "legend");
        assert!(svg.contains(">12-01</text>") && svg.contains(">12-10</text>"), "first and last day");
        assert!(svg.contains(">0</text>"), "the y axis starts at zero");
        assert!(line_chart("x", &labels[..1], &s).is_empty());
    }
}
