//! Points, boxes and polygons in longitude/latitude (GeoJSON order): where a reported point
//! lies, and whether it is in the district at all.

/// A bounding box: `south,west,north,east` in degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bounds {
    pub south: f64,
    pub west: f64,
    pub north: f64,
    pub east: f64,
}

impl Bounds {
    /// Reads `south,west,north,east` (latitudes −90…90, longitudes −180…180, south < north,
    /// west < east).
    pub fn parse(s: &str) -> Result<Self, String> {
        let v: Vec<f64> =
            s.split(',').map(|x| x.trim().parse::<f64>()).collect::<Result<_, _>>().map_err(|_| {
                format!("“{s}”应为 南纬,西经,北纬,东经 四个数 (expected south,west,north,east in degrees)")
            })?;
        let [south, west, north, east] = v[..] else {
            return Err(format!("“{s}”应为四个数 (expected four numbers: south,west,north,east)"));
        };
        let ok = (-90.0..=90.0).contains(&south)
            && (-90.0..=90.0).contains(&north)
            && (-180.0..=180.0).contains(&west)
            && (-180.0..=180.0).contains(&east)
            && south < north
            && west < east;
        if !ok {
            return Err(format!("“{s}”不是有效的范围 (not a valid box: south < north, west < east)"));
        }
        Ok(Self { south, west, north, east })
    }

    pub fn contains(&self, lng: f64, lat: f64) -> bool {
        (self.south..=self.north).contains(&lat) && (self.west..=self.east).contains(&lng)
    }

    /// The box around every point of some rings.
    pub fn around(polygons: &[Polygon]) -> Option<Self> {
        let mut pts = polygons.iter().flat_map(|p| p.iter()).flat_map(|r| r.iter());
        let first = pts.next()?;
        let mut b = Self { south: first[1], west: first[0], north: first[1], east: first[0] };
        for p in pts {
            b.west = b.west.min(p[0]);
            b.east = b.east.max(p[0]);
            b.south = b.south.min(p[1]);
            b.north = b.north.max(p[1]);
        }
        Some(b)
    }
}

/// One polygon: an outer ring and holes, each a list of `[lng, lat]`.
pub type Polygon = Vec<Vec<[f64; 2]>>;

/// Whether `(lng, lat)` lies inside a ring (even-odd rule).
fn in_ring(ring: &[[f64; 2]], lng: f64, lat: f64) -> bool {
    let mut inside = false;
    let n = ring.len();
    if n < 3 {
        return false;
    }
    let mut j = n - 1;
    for i in 0..n {
        let (xi, yi) = (ring[i][0], ring[i][1]);
        let (xj, yj) = (ring[j][0], ring[j][1]);
        if (yi > lat) != (yj > lat) && lng < (xj - xi) * (lat - yi) / (yj - yi) + xi {
            inside = !inside;
        }
        j = i;
    }
    inside
}

/// Whether the point lies in the polygon: inside the outer ring and in none of its holes.
pub fn polygon_contains(p: &Polygon, lng: f64, lat: f64) -> bool {
    match p.split_first() {
        Some((outer, holes)) => in_ring(outer, lng, lat) && !holes.iter().any(|h| in_ring(h, lng, lat)),
        None => false,
    }
}

/// Whether any of the polygons (a MultiPolygon) holds the point.
pub fn contains(polygons: &[Polygon], lng: f64, lat: f64) -> bool {
    polygons.iter().any(|p| polygon_contains(p, lng, lat))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn square(x0: f64, y0: f64, size: f64) -> Vec<[f64; 2]> {
        vec![[x0, y0], [x0 + size, y0], [x0 + size, y0 + size], [x0, y0 + size], [x0, y0]]
    }

    #[test]
    fn points_in_polygons_with_holes() {
        let with_hole: Polygon = vec![square(0.0, 0.0, 10.0), square(4.0, 4.0, 2.0)];
        assert!(polygon_contains(&with_hole, 1.0, 1.0));
        assert!(!polygon_contains(&with_hole, 5.0, 5.0), "in the hole");
        assert!(!polygon_contains(&with_hole, 11.0, 5.0));
        assert!(contains(&[vec![square(20.0, 20.0, 1.0)], with_hole], 20.5, 20.5));
        assert!(!contains(&[], 0.0, 0.0));
    }

    #[test]
    fn bounds_parse_and_hold() {
        let b = Bounds::parse("37.0,121.2,37.7,122.0").unwrap();
        assert!(b.contains(121.45, 37.39), "牟平");
        assert!(!b.contains(151.21, -33.87), "Sydney");
        for bad in ["1,2,3", "a,b,c,d", "37.7,121.2,37.0,122.0", "0,0,95,1"] {
            assert!(Bounds::parse(bad).is_err(), "{bad}");
        }
        let around = Bounds::around(&[vec![square(1.0, 2.0, 3.0)]]).unwrap();
        assert_eq!(around, Bounds { south: 2.0, west: 1.0, north: 5.0, east: 4.0 });
    }

    proptest! {
        #[test]
        fn a_point_in_a_square_is_inside(x in 0.01f64..9.99, y in 0.01f64..9.99) {
            prop_assert!(polygon_contains(&vec![square(0.0, 0.0, 10.0)], x, y));
            prop_assert!(!polygon_contains(&vec![square(0.0, 0.0, 10.0)], x + 10.0, y));
        }
    }
}
