//! Raster map tiles an operator may lay under the drawn maps: the Web Mercator tile grid
//! (XYZ, and WMTS in its GoogleMapsCompatible matrix set, as 天地图's `_w` layers use), the
//! source's URL template, and the GCJ-02 offset that sources drawn in that datum (高德,
//! 腾讯) need. Our own shapes are WGS84/CGCS2000 and stay so; only their drawing moves.

/// Where a point falls on the Web Mercator world square, `(0, 0)` at the north-west corner
/// and `(1, 1)` at the south-east; latitude is held to the square's ±85.05°.
pub fn world(lng: f64, lat: f64) -> (f64, f64) {
    let lat = lat.clamp(-85.051_128, 85.051_128).to_radians();
    let u = (lng + 180.0) / 360.0;
    let v = (1.0 - lat.tan().asinh() / std::f64::consts::PI) / 2.0;
    (u, v)
}

/// The highest zoom level a source is asked for.
pub const MAX_LEVEL: u8 = 18;

/// How a source names a tile.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Naming {
    /// `{z}/{x}/{y}`
    Xyz,
    /// `TILEMATRIX={TileMatrix}&TILEROW={TileRow}&TILECOL={TileCol}`
    Wmts,
}

/// A tile source: a URL template, and whether its pictures are drawn in GCJ-02.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TileSource {
    template: String,
    naming: Naming,
    gcj02: bool,
    attribution: String,
}

impl TileSource {
    /// Reads an `https://` (or `http://`) template holding `{z}`, `{x}` and `{y}`, or
    /// WMTS's `{TileMatrix}`, `{TileRow}` and `{TileCol}`. The operator's key, if the source
    /// needs one, is part of the template (天地图's `tk=`).
    pub fn parse(template: &str, gcj02: bool, attribution: &str) -> Result<Self, String> {
        let t = template.trim();
        let rest = t
            .strip_prefix("https://")
            .or_else(|| t.strip_prefix("http://"))
            .ok_or_else(|| "地址应以 https:// 开头 (the template must start with https:// or http://)".to_string())?;
        let host = rest.split(['/', '?']).next().unwrap_or_default();
        if host.is_empty() || host.contains(['{', '}', '@']) {
            return Err("地址缺少主机名 (the template needs a plain host name)".into());
        }
        if t.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '"' | '\'' | '<' | '>' | '\\')) {
            return Err("地址含有空格、引号或尖括号 (no spaces, quotes or angle brackets)".into());
        }
        let has = |keys: [&str; 3]| keys.iter().all(|k| t.contains(k));
        let naming = if has(["{z}", "{x}", "{y}"]) {
            Naming::Xyz
        } else if has(["{TileMatrix}", "{TileRow}", "{TileCol}"]) {
            Naming::Wmts
        } else {
            return Err(
                "地址应含 {z}、{x}、{y} 或 {TileMatrix}、{TileRow}、{TileCol} (the template needs the tile's placeholders)"
                    .into(),
            );
        };
        let attribution = attribution.trim();
        if attribution.chars().count() > 80 || attribution.chars().any(char::is_control) {
            return Err("署名最多80个字 (the attribution is one line of at most 80 characters)".into());
        }
        Ok(TileSource { template: t.to_string(), naming, gcj02, attribution: attribution.to_string() })
    }

    /// The address of tile (`level`, `x`, `y`) (column `x` from the west, row `y` from the north).
    pub fn url(&self, level: u8, x: u32, y: u32) -> String {
        let (z, x, y) = (level.to_string(), x.to_string(), y.to_string());
        match self.naming {
            Naming::Xyz => self.template.replace("{z}", &z).replace("{x}", &x).replace("{y}", &y),
            Naming::Wmts => self.template.replace("{TileMatrix}", &z).replace("{TileCol}", &x).replace("{TileRow}", &y),
        }
    }

    /// `scheme://host[:port]`: what the pages' content security policy must allow images from.
    pub fn origin(&self) -> String {
        let (scheme, rest) = self.template.split_once("://").unwrap_or(("https", &self.template));
        format!("{scheme}://{}", rest.split(['/', '?']).next().unwrap_or_default())
    }

    pub fn attribution(&self) -> &str {
        &self.attribution
    }

    /// Where a WGS84 point lies in the source's pictures: itself, or GCJ-02 for a source
    /// drawn in that datum.
    pub fn place(&self, lng: f64, lat: f64) -> (f64, f64) {
        if self.gcj02 {
            wgs84_to_gcj02(lng, lat)
        } else {
            (lng, lat)
        }
    }
}

/// The level at which a tile's side spans about `pixels` screen pixels, for a drawing that
/// shows the whole world square at `world_pixels` pixels across.
pub fn level_for(world_pixels: f64, pixels: f64) -> u8 {
    if !world_pixels.is_finite() || world_pixels <= 0.0 || pixels <= 0.0 {
        return 0;
    }
    (world_pixels / pixels).log2().round().clamp(0.0, MAX_LEVEL as f64) as u8
}

/// The tiles `(x, y)` at `level` that cover the world-square box `u0..u1` × `v0..v1`.
pub fn covering(level: u8, u0: f64, v0: f64, u1: f64, v1: f64) -> Vec<(u32, u32)> {
    let n = 1u32 << level.min(MAX_LEVEL);
    let idx = |t: f64| ((t.clamp(0.0, 1.0) * n as f64).floor() as u32).min(n - 1);
    let (x0, x1, y0, y1) = (idx(u0.min(u1)), idx(u0.max(u1)), idx(v0.min(v1)), idx(v0.max(v1)));
    (y0..=y1).flat_map(|y| (x0..=x1).map(move |x| (x, y))).collect()
}

/// Outside this box GCJ-02 leaves points where they are.
fn outside_china(lng: f64, lat: f64) -> bool {
    !(72.004..=137.8347).contains(&lng) || !(0.8293..=55.8271).contains(&lat)
}

/// WGS84 → GCJ-02 (the published approximation every map SDK carries).
pub fn wgs84_to_gcj02(lng: f64, lat: f64) -> (f64, f64) {
    use std::f64::consts::PI;
    if outside_china(lng, lat) {
        return (lng, lat);
    }
    const A: f64 = 6_378_245.0;
    const EE: f64 = 0.006_693_421_622_965_943;
    let (x, y) = (lng - 105.0, lat - 35.0);
    let common = |x: f64| (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    let d_lat = -100.0
        + 2.0 * x
        + 3.0 * y
        + 0.2 * y * y
        + 0.1 * x * y
        + 0.2 * x.abs().sqrt()
        + common(x)
        + (20.0 * (y * PI).sin() + 40.0 * (y / 3.0 * PI).sin()) * 2.0 / 3.0
        + (160.0 * (y / 12.0 * PI).sin() + 320.0 * (y * PI / 30.0).sin()) * 2.0 / 3.0;
    let d_lng = 300.0
        + x
        + 2.0 * y
        + 0.1 * x * x
        + 0.1 * x * y
        + 0.1 * x.abs().sqrt()
        + common(x)
        + (20.0 * (x * PI).sin() + 40.0 * (x / 3.0 * PI).sin()) * 2.0 / 3.0
        + (150.0 * (x / 12.0 * PI).sin() + 300.0 * (x / 30.0 * PI).sin()) * 2.0 / 3.0;
    let rad = lat.to_radians();
    let magic = 1.0 - EE * rad.sin() * rad.sin();
    let sqrt_magic = magic.sqrt();
    let d_lat = d_lat * 180.0 / ((A * (1.0 - EE)) / (magic * sqrt_magic) * PI);
    let d_lng = d_lng * 180.0 / (A / sqrt_magic * rad.cos() * PI);
    (lng + d_lng, lat + d_lat)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Metres between two nearby points.
    fn metres(a: (f64, f64), b: (f64, f64)) -> f64 {
        let k = 111_320.0;
        (((a.0 - b.0) * k * a.1.to_radians().cos()).powi(2) + ((a.1 - b.1) * k).powi(2)).sqrt()
    }

    #[test]
    fn templates_are_read_and_filled() {
        let xyz = TileSource::parse("https://tiles.example.cn/{z}/{x}/{y}.png", false, "© 示例").unwrap();
        assert_eq!(xyz.url(15, 27_435, 12_645), "https://tiles.example.cn/15/27435/12645.png");
        assert_eq!(xyz.origin(), "https://tiles.example.cn");
        let tdt = TileSource::parse(
            "http://t0.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=vec&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={TileMatrix}&TILEROW={TileRow}&TILECOL={TileCol}&tk=KEY",
            false,
            "天地图",
        )
        .unwrap();
        let u = tdt.url(12, 3421, 1580);
        assert!(u.contains("TILEMATRIX=12&TILEROW=1580&TILECOL=3421&tk=KEY"), "{u}");
        assert_eq!(tdt.origin(), "http://t0.tianditu.gov.cn");
        for bad in [
            "ftp://x/{z}/{x}/{y}",
            "https://x/{z}/{x}",
            "https:///{z}/{x}/{y}",
            "https://x/{z}/{x}/{y}\" onload=\"",
            "https://{s}.x/{z}/{x}/{y}",
            "tiles/{z}/{x}/{y}",
        ] {
            assert!(TileSource::parse(bad, false, "").is_err(), "{bad}");
        }
        assert!(TileSource::parse("https://x/{z}/{x}/{y}", false, &"长".repeat(81)).is_err());
    }

    #[test]
    fn the_world_square_and_the_tiles_over_a_box() {
        assert_eq!(world(-180.0, 0.0), (0.0, 0.5));
        let (u, v) = world(121.6, 37.39);
        assert!((u - 0.837_777).abs() < 1e-5 && (v - 0.387_870).abs() < 1e-5, "{u} {v}");
        // Level 15 around the district: tile 27,452 across, as slippy-map tools count.
        assert_eq!(covering(15, u, v, u, v), vec![((u * 32768.0) as u32, (v * 32768.0) as u32)]);
        assert_eq!(covering(1, 0.0, 0.0, 1.0, 1.0).len(), 4);
        assert_eq!(covering(0, -3.0, -3.0, 9.0, 9.0), vec![(0, 0)]);
        assert_eq!(level_for(256.0 * 1024.0, 256.0), 10);
        assert_eq!(level_for(f64::NAN, 256.0), 0);
        assert_eq!(level_for(1e30, 256.0), MAX_LEVEL);
    }

    #[test]
    fn gcj02_moves_points_in_china_by_hundreds_of_metres_and_nowhere_else() {
        let yantai = (121.6, 37.39);
        let moved = wgs84_to_gcj02(yantai.0, yantai.1);
        let d = metres(yantai, moved);
        assert!((100.0..800.0).contains(&d), "{d} m");
        assert_eq!(wgs84_to_gcj02(2.35, 48.85), (2.35, 48.85), "Paris stays");
        let s = TileSource::parse("https://x/{z}/{x}/{y}", true, "").unwrap();
        assert_eq!(s.place(yantai.0, yantai.1), moved);
        let w = TileSource::parse("https://x/{z}/{x}/{y}", false, "").unwrap();
        assert_eq!(w.place(yantai.0, yantai.1), yantai);
    }

    proptest! {
        #[test]
        fn the_offset_is_small_and_smooth(lng in 75.0f64..134.0, lat in 18.0f64..53.0) {
            let a = wgs84_to_gcj02(lng, lat);
            let b = wgs84_to_gcj02(lng + 0.0001, lat + 0.0001);
            prop_assert!(metres((lng, lat), a) < 1_200.0);
            // Ten metres apart before, about ten metres apart after.
            let before = metres((lng, lat), (lng + 0.0001, lat + 0.0001));
            prop_assert!((metres(a, b) - before).abs() < 1.0);
        }

        #[test]
        fn every_point_lies_in_a_tile_that_covers_it(lng in -179.0f64..179.0, lat in -80.0f64..80.0, level in 0u8..=18) {
            let (u, v) = world(lng, lat);
            let tiles = covering(level, u, v, u, v);
            prop_assert_eq!(tiles.len(), 1);
            let n = (1u32 << level) as f64;
            let (x, y) = tiles[0];
            prop_assert!(x as f64 / n <= u && u <= (x + 1) as f64 / n);
            prop_assert!(y as f64 / n <= v && v <= (y + 1) as f64 / n);
        }
    }
}
