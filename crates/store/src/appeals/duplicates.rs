//! Likely duplicates: one rule for both places that look for them — the answer to a
//! filing (worked out by the intake writer for its whole batch) and an appeal's page.
//!
//! The rule: another open appeal of the same category, at the same place or at the
//! building the place is in, filed no more than 30 days before this one (or since), that
//! the viewer may see; the newest five.

use super::*;

/// How long before an appeal a duplicate may have been filed.
const WINDOW_DAYS: i64 = 30;
/// How many are shown.
const SHOWN: usize = 5;
/// Candidates read per place and category, before the viewer's filter.
const CANDIDATES: usize = 12;

/// Where duplicates are looked for: the place, and its building when the place is below one.
pub(crate) fn places(place: Uuid, building: Option<Uuid>) -> Vec<Uuid> {
    let mut out = vec![place];
    out.extend(building.filter(|b| *b != place));
    out
}

/// The earliest filing time a duplicate of an appeal filed at `at` may have.
pub(crate) fn since(at: DateTime<Utc>) -> DateTime<Utc> {
    at - Duration::days(WINDOW_DAYS)
}

/// One statement for the candidates of many (place, category) groups: each walks the
/// `(territory_id, category_code, created_at)` index backwards and stops at a dozen,
/// however many appeals the place has.
pub(crate) fn candidates_sql(groups: &[(Uuid, &str)], since: DateTime<Utc>) -> (String, Vec<Value>) {
    let mut q = QueryParts::default();
    let parts: Vec<String> = groups
        .iter()
        .enumerate()
        .map(|(i, (place, category))| {
            let (p, c, t) = (q.bind(*place), q.bind(category.to_string()), q.bind(since));
            format!(
                "SELECT * FROM (SELECT {APPEAL_COLS} FROM appeals a WHERE a.territory_id = {p} AND a.category_code = {c}
                 AND a.created_at >= {t} AND a.is_open = TRUE ORDER BY a.created_at DESC LIMIT {CANDIDATES}) d{i}"
            )
        })
        .collect();
    (parts.join(" UNION ALL "), q.vals)
}

/// The rule itself, over candidates read with [`candidates_sql`].
pub(crate) fn likely(a: &AppealRow, places: &[Uuid], who: &Viewer, candidates: &[AppealRow]) -> Vec<AppealRow> {
    let mut out: Vec<AppealRow> = candidates
        .iter()
        .filter(|c| {
            c.id != a.id
                && c.is_open
                && c.category_code == a.category_code
                && places.contains(&c.territory_id)
                && c.created_at >= since(a.created_at)
                && who.can_see(c)
        })
        .cloned()
        .collect();
    out.sort_by_key(|c| std::cmp::Reverse((c.created_at, c.number)));
    out.dedup_by_key(|c| c.id);
    out.truncate(SHOWN);
    out
}

impl Store {
    /// The likely duplicates of an appeal that the viewer may see (see the module's rule).
    pub async fn duplicates_of(&self, who: &Viewer, a: &AppealRow) -> Result<Vec<AppealRow>> {
        let building_path = path_prefixes(&a.path).get(4).filter(|b| **b != a.path).cloned();
        let building = match building_path {
            Some(path) => {
                fetch_optional::<(Uuid,)>(&self.db, "SELECT id FROM territories WHERE path = $1", &[path.into()])
                    .await?
                    .map(|(id,)| id)
            }
            None => None,
        };
        let places = places(a.territory_id, building);
        let groups: Vec<(Uuid, &str)> = places.iter().map(|p| (*p, a.category_code.as_str())).collect();
        let (sql, vals) = candidates_sql(&groups, since(a.created_at));
        let candidates: Vec<AppealRow> = fetch_all(&self.db, &sql, &vals).await?;
        Ok(likely(a, &places, who, &candidates))
    }
}
