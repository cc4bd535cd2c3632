//! People and households: lists with subtree, search and sort; detail with ties.

use crate::access::Scope;
use crate::batch::{fetch_all, fetch_i64, fetch_optional, QueryParts};
use crate::model::*;
use crate::territory::like_pattern;
use crate::{Result, Store, StoreError};
use jiayuan_domain::names::NameSearch;
use jiayuan_domain::person::PersonTag;
use jiayuan_domain::{FieldError, ResidentId};
use serde::Serialize;
use uuid::Uuid;

/// Columns of a `people` insert, in the order of [`PersonRow::values`].
pub(crate) const PEOPLE_INSERT_COLS: &[&str] = &[
    "id",
    "community_id",
    "name",
    "name_pinyin",
    "name_py",
    "name_initials",
    "id_number",
    "id_number_hash",
    "birth_date",
    "sex",
    "phone",
    "tags",
    "home_path",
    "created_at",
    "updated_at",
];

/// Columns of a `households` insert.
pub(crate) const HOUSEHOLD_INSERT_COLS: &[&str] = &[
    "id",
    "community_id",
    "number",
    "dwelling_id",
    "tenure",
    "central_household_id",
    "path",
    "created_at",
    "updated_at",
];

/// A person as first written: the search keys of the name are derived here, in one place.
pub(crate) struct PersonRow<'a> {
    pub id: Uuid,
    pub community_id: Option<Uuid>,
    pub name: &'a str,
    pub id_number: &'a str,
    pub birth_date: chrono::NaiveDate,
    pub male: bool,
    pub phone: Option<String>,
    /// Tag codes, comma-separated, in the enum's order
    pub tags: String,
    pub home_path: Option<String>,
    pub at: chrono::DateTime<chrono::Utc>,
}

impl PersonRow<'_> {
    /// The row's values; the ID number and phone are encrypted here, on the way in.
    pub fn values(self, crypto: &crate::crypto::Crypto) -> Vec<crate::batch::Value> {
        let (py, initials) = jiayuan_domain::names::search_keys(self.name);
        vec![
            self.id.into(),
            self.community_id.into(),
            self.name.into(),
            jiayuan_domain::names::pinyin_key(self.name).into(),
            py.into(),
            initials.into(),
            crypto.encrypt(self.id_number).into(),
            crypto.hash(self.id_number).into(),
            self.birth_date.into(),
            (if self.male { "male" } else { "female" }).into(),
            self.phone.map(|p| crypto.encrypt(&p)).into(),
            self.tags.into(),
            self.home_path.into(),
            self.at.into(),
            self.at.into(),
        ]
    }
}

/// Columns of a `person_name_keys` row.
const NAME_KEY_COLS: &[&str] = &["key", "home_path", "name_pinyin", "person_id", "pinyin_overlap"];

/// One `person_name_keys` row, in the order of its primary key.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct NameKeyRow {
    key: String,
    home_path: String,
    name_pinyin: String,
    person_id: Uuid,
    overlap: usize,
}

impl NameKeyRow {
    fn values(self) -> Vec<crate::batch::Value> {
        vec![
            self.key.into(),
            self.home_path.into(),
            self.name_pinyin.into(),
            self.person_id.into(),
            (self.overlap as i64).into(),
        ]
    }
}

/// The `person_name_keys` rows of one person: each key of the name with the home and the
/// sort key beside it.
fn name_key_rows(id: Uuid, name: &str, home_path: Option<&str>) -> Vec<NameKeyRow> {
    let pinyin = jiayuan_domain::names::pinyin_key(name);
    let home = home_path.unwrap_or("");
    jiayuan_domain::names::index_keys(name)
        .into_iter()
        .map(|(key, overlap)| NameKeyRow {
            key,
            home_path: home.to_string(),
            name_pinyin: pinyin.clone(),
            person_id: id,
            overlap,
        })
        .collect()
}

/// Writes name key rows, sorted first: inserted in key order, a b-tree fills page by page
/// instead of touching a page anywhere for each row (the seed demo writes 1.7 million).
async fn insert_name_keys(tx: &mut crate::Tx, mut rows: Vec<NameKeyRow>) -> Result<()> {
    rows.sort_unstable();
    let values: Vec<_> = rows.into_iter().map(NameKeyRow::values).collect();
    crate::batch::insert_rows(tx, "person_name_keys", NAME_KEY_COLS, &values, "").await
}

/// People gathered to be written together, with the keys their names are searched by:
/// the one way new people reach the database, so that no writer forgets the keys.
#[derive(Default)]
pub(crate) struct PeopleBatch {
    rows: Vec<Vec<crate::batch::Value>>,
    keys: Vec<NameKeyRow>,
}

impl PeopleBatch {
    pub fn push(&mut self, p: PersonRow<'_>, crypto: &crate::crypto::Crypto) {
        self.keys.extend(name_key_rows(p.id, p.name, p.home_path.as_deref()));
        self.rows.push(p.values(crypto));
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub async fn write(self, tx: &mut crate::Tx) -> Result<()> {
        self.write_in_slices(tx, usize::MAX, |_| {}).await
    }

    /// Writes the people `slice` at a time, telling `written` how many each time (for a
    /// progress bar), then their keys.
    pub async fn write_in_slices(self, tx: &mut crate::Tx, slice: usize, mut written: impl FnMut(usize)) -> Result<()> {
        for rows in self.rows.chunks(slice.max(1)) {
            crate::batch::insert_rows(tx, "people", PEOPLE_INSERT_COLS, rows, "").await?;
            written(rows.len());
        }
        insert_name_keys(tx, self.keys).await
    }
}

/// A person's name and home as the name keys hold them.
pub(crate) struct NamedHome<'a> {
    pub name: &'a str,
    pub home_path: Option<&'a str>,
}

/// Moves a person's name keys from their old name and home to the new ones; the old rows
/// are found by their whole primary key.
pub(crate) async fn rewrite_name_keys(
    tx: &mut crate::Tx,
    id: Uuid,
    old: NamedHome<'_>,
    new: NamedHome<'_>,
) -> Result<()> {
    let pinyin = jiayuan_domain::names::pinyin_key(old.name);
    for key in jiayuan_domain::names::index_keys(old.name).into_keys() {
        crate::batch::exec(
            tx,
            "DELETE FROM person_name_keys WHERE key = $1 AND home_path = $2 AND name_pinyin = $3 AND person_id = $4",
            &[key.into(), old.home_path.unwrap_or("").to_string().into(), pinyin.clone().into(), id.into()],
        )
        .await?;
    }
    insert_name_keys(tx, name_key_rows(id, new.name, new.home_path)).await
}

/// Fills `person_name_keys` for the people already in a database (migration 9).
pub(crate) async fn backfill_name_keys(tx: &mut crate::Tx) -> Result<()> {
    let people: Vec<(Uuid, String, Option<String>)> =
        crate::batch::fetch_all_tx(tx, "SELECT id, name, home_path FROM people", &[]).await?;
    insert_name_keys(tx, people.iter().flat_map(|(id, name, home)| name_key_rows(*id, name, home.as_deref())).collect())
        .await
}

/// Conditions over `person_name_keys k` for a name search in a scope, their values bound in
/// `q`; `pn` is the person, joined when the name itself or a tag must be read. Returns the
/// FROM … WHERE text; each person found is one row of it.
fn name_key_query(q: &mut QueryParts, scope: &Scope, search: &NameSearch, tag: Option<PersonTag>) -> String {
    let outer = std::mem::take(&mut q.conds);
    scope.restrict(q, "k.home_path", Some(&|q: &mut QueryParts, me| format!("k.person_id = {}", q.bind(me))));
    let mut join = tag.is_some();
    match search {
        NameSearch::Key(k) => q.cond_bind("k.key = {}", k.clone()),
        NameSearch::KeyThenName { key, text } => {
            q.cond_bind("k.key = {}", key.clone());
            q.cond_bind("lower(pn.name) LIKE {} ESCAPE '\\'", like_pattern(text, false));
            join = true;
        }
        NameSearch::Prefix { from, to } => {
            let (a, b) = (q.bind(from.clone()), q.bind(to.clone()));
            // Initials that share the prefix with the pinyin: the person is found by the pinyin.
            let n = q.bind(from.len() as i64);
            q.cond(format!("k.key >= {a} AND k.key < {b} AND k.pinyin_overlap < {n}"));
        }
        NameSearch::Nothing => q.cond("1 = 0".into()),
    }
    if let Some(t) = tag {
        q.cond_bind("(',' || pn.tags || ',') LIKE {}", format!("%,{},%", t.as_str()));
    }
    let from = format!(
        "FROM person_name_keys k{}{}",
        if join { " JOIN people pn ON pn.id = k.person_id" } else { "" },
        q.where_clause()
    );
    q.conds = outer;
    from
}

#[derive(Debug, Clone, Default)]
pub struct PeopleQuery {
    /// Name fragment, pinyin or initials prefix, or a whole ID number.
    pub q: Option<String>,
    pub tag: Option<PersonTag>,
    pub sort: Option<String>,
}

fn people_order(sort: Option<&str>) -> Result<&'static str, FieldError> {
    Ok(match sort.unwrap_or("name") {
        "name" => "p.name_pinyin, p.id",
        "-name" => "p.name_pinyin DESC, p.id",
        "birth_date" => "p.birth_date, p.id",
        "-birth_date" => "p.birth_date DESC, p.id",
        "address" => "p.home_path, p.id",
        other => {
            return Err(FieldError::new(
                "sort",
                format!("不支持按“{other}”排序，可选 name、-name、birth_date、-birth_date、address"),
            ))
        }
    })
}

#[derive(Debug, Clone, Serialize)]
pub struct PersonDetail {
    pub person: Person,
    pub address: Option<String>,
    pub household: Option<Household>,
    pub members: Vec<Member>,
    pub owns: Vec<Territory>,
    pub party: Option<PartyMembership>,
    /// Households this person looks after as a party-member central household.
    pub serves_households: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct HouseholdDetail {
    pub household: Household,
    pub address: String,
    pub members: Vec<Member>,
    pub central_household: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct HouseholdQuery {
    pub q: Option<String>,
    pub sort: Option<String>,
}

/// SQL for "the household the principal belongs to".
fn own_household(q: &mut QueryParts, me: Uuid) -> String {
    format!("h.id IN (SELECT m.household_id FROM household_members m WHERE m.person_id = {})", q.bind(me))
}

impl Store {
    /// The conditions and order of a people search in a scope.
    fn people_filter(&self, scope: &Scope, f: &PeopleQuery) -> Result<(QueryParts, &'static str)> {
        let order = people_order(f.sort.as_deref())?;
        let mut q = QueryParts::default();
        let text = f.q.as_deref().map(str::trim).filter(|s| !s.is_empty());
        match text.map(|t| (t, ResidentId::parse(t))) {
            Some((_, Ok(id))) => {
                scope.restrict(&mut q, "p.home_path", Some(&|q: &mut QueryParts, me| format!("p.id = {}", q.bind(me))));
                q.cond_bind("p.id_number_hash = {}", self.crypto.hash(id.as_str()));
            }
            Some((text, Err(_))) => {
                // By the name's keys, the scope read there too: a scope condition on the
                // person would lead the planner to walk every home of the scope instead.
                let from = name_key_query(&mut q, scope, &NameSearch::parse(text), None);
                q.cond(format!("p.id IN (SELECT k.person_id {from})"));
            }
            None => {
                scope.restrict(&mut q, "p.home_path", Some(&|q: &mut QueryParts, me| format!("p.id = {}", q.bind(me))));
            }
        }
        if let Some(t) = f.tag {
            q.cond_bind("(',' || p.tags || ',') LIKE {}", format!("%,{},%", t.as_str()));
        }
        Ok((q, order))
    }

    /// Residents in the scope (and the principal's own record), searched and sorted.
    pub async fn list_people(&self, scope: &Scope, f: &PeopleQuery, page: Page) -> Result<Paged<Person>> {
        if let Some(found) = self.people_by_name_keys(scope, f, page).await? {
            return Ok(found);
        }
        let (mut q, order) = self.people_filter(scope, f)?;
        let w = q.where_clause();
        let total = fetch_i64(&self.db, &format!("SELECT count(*) FROM people p{w}"), &q.vals).await?;
        let lim = q.bind(page.limit());
        let off = q.bind(page.offset());
        // SQLite's planner takes the subtree range and sorts all of it, which for a community
        // (10k residents) costs ~4 ms a page; walking the name index and filtering costs
        // ~0.1 ms while matches are not rare (the count just taken says so). Only for a bare
        // scope: a search has better indexes of its own.
        let scope_only = f.q.as_deref().is_none_or(|q| q.trim().is_empty()) && f.tag.is_none();
        let hint = if self.backend() == crate::Backend::Sqlite
            && scope_only
            && order.starts_with("p.name_pinyin")
            && total > 500
        {
            " INDEXED BY people_name_path"
        } else {
            ""
        };
        let sql = format!("SELECT {PERSON_COLS} FROM people p{hint}{w} ORDER BY {order} LIMIT {lim} OFFSET {off}");
        let rows: Vec<Person> = fetch_all(&self.db, &sql, &q.vals).await?;
        let items = rows.into_iter().map(|p| self.open_person(p)).collect::<Result<_>>()?;
        Ok(Paged { items, page: page.page, page_size: page.page_size, total })
    }

    /// A name search in name order, answered from `person_name_keys` alone: the count and the
    /// page's ids in the index, then only the page's people read. `None` when the search is
    /// not by name (no text, an ID number) or is sorted otherwise.
    async fn people_by_name_keys(&self, scope: &Scope, f: &PeopleQuery, page: Page) -> Result<Option<Paged<Person>>> {
        let desc = match people_order(f.sort.as_deref())? {
            "p.name_pinyin, p.id" => "",
            "p.name_pinyin DESC, p.id" => " DESC",
            _ => return Ok(None),
        };
        let Some(text) = f.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) else { return Ok(None) };
        if ResidentId::parse(text).is_ok() {
            return Ok(None);
        }
        let mut q = QueryParts::default();
        let from = name_key_query(&mut q, scope, &NameSearch::parse(text), f.tag);
        let total = fetch_i64(&self.db, &format!("SELECT count(*) {from}"), &q.vals).await?;
        let lim = q.bind(page.limit());
        let off = q.bind(page.offset());
        let ids: Vec<(Uuid, String)> = fetch_all(
            &self.db,
            &format!(
                "SELECT k.person_id, k.name_pinyin {from} ORDER BY k.name_pinyin{desc}, k.person_id LIMIT {lim} OFFSET {off}"
            ),
            &q.vals,
        )
        .await?;
        let mut rows: Vec<Person> = if ids.is_empty() {
            Vec::new()
        } else {
            let mut pq = QueryParts::default();
            let list: Vec<String> = ids.iter().map(|(id, _)| pq.bind(*id)).collect();
            fetch_all(
                &self.db,
                &format!("SELECT {PERSON_COLS} FROM people p WHERE p.id IN ({})", list.join(", ")),
                &pq.vals,
            )
            .await?
        };
        // In the order the keys gave.
        rows.sort_by_key(|p| ids.iter().position(|(id, _)| *id == p.id));
        let items = rows.into_iter().map(|p| self.open_person(p)).collect::<Result<_>>()?;
        Ok(Some(Paged { items, page: page.page, page_size: page.page_size, total }))
    }

    /// Every resident a search finds in the scope, for an export.
    pub async fn people_for_export(&self, scope: &Scope, f: &PeopleQuery) -> Result<Vec<Person>> {
        let (q, order) = self.people_filter(scope, f)?;
        let sql = format!("SELECT {PERSON_COLS} FROM people p{} ORDER BY {order}", q.where_clause());
        let rows: Vec<Person> = fetch_all(&self.db, &sql, &q.vals).await?;
        rows.into_iter().map(|p| self.open_person(p)).collect()
    }

    /// One resident with full numbers, for someone whose reveal scope covers their home,
    /// audited with the reason in the same transaction. Outside the scope: not found.
    pub async fn reveal_person(
        &self,
        scope: &Scope,
        ctx: &crate::audit::AuditCtx,
        id: Uuid,
        reason: &str,
    ) -> Result<Person> {
        let person = self.person(id).await?;
        let home = person.home_path.clone().unwrap_or_default();
        if !(scope.covers_path(&home) || scope.own_person() == Some(id)) {
            return Err(StoreError::NotFound);
        }
        let mut tx = self.begin().await?;
        crate::audit::append(
            &mut tx,
            ctx,
            crate::audit::AuditEvent {
                scope_path: if home.is_empty() { "/" } else { &home },
                action: "person.reveal",
                object: format!("person:{id}"),
                summary: serde_json::json!({"reason": reason, "fields": ["id_number", "phone"]}),
                result: "ok",
            },
        )
        .await?;
        tx.commit().await?;
        Ok(person)
    }

    pub(crate) async fn person(&self, id: Uuid) -> Result<Person> {
        let sql = format!("SELECT {PERSON_COLS} FROM people p WHERE p.id = $1");
        let p = fetch_optional(&self.db, &sql, &[id.into()]).await?.ok_or(StoreError::NotFound)?;
        self.open_person(p)
    }

    /// Decrypts the personal fields of a row as read from the table.
    fn open_person(&self, mut p: Person) -> Result<Person> {
        p.id_number = self.crypto.decrypt(&p.id_number)?;
        p.phone = self.crypto.decrypt_opt(p.phone.as_deref())?;
        Ok(p)
    }

    /// One resident, if in the scope (or the principal's own record); otherwise not found.
    pub async fn person_detail(&self, scope: &Scope, id: Uuid) -> Result<PersonDetail> {
        let person = self.person(id).await?;
        let visible =
            scope.own_person() == Some(id) || person.home_path.as_deref().is_some_and(|p| scope.covers_path(p));
        if !visible {
            return Err(StoreError::NotFound);
        }
        let hh_sql = format!(
            "SELECT {HOUSEHOLD_COLS} FROM households h JOIN territories d ON d.id = h.dwelling_id \
             WHERE h.id = (SELECT m.household_id FROM household_members m WHERE m.person_id = $1)"
        );
        let household: Option<Household> = fetch_optional(&self.db, &hh_sql, &[id.into()]).await?;
        let members = match &household {
            Some(h) => self.members(h.id).await?,
            None => vec![],
        };
        let address = match &household {
            Some(h) => Some(self.address_of(h.dwelling_id).await?),
            None => None,
        };
        let owns_sql = format!(
            "SELECT {} FROM owners o JOIN territories t ON t.id = o.dwelling_id WHERE o.person_id = $1 ORDER BY t.path",
            TERRITORY_COLS
        );
        let owns = fetch_all(&self.db, &owns_sql, &[id.into()]).await?;
        let party_sql = "SELECT o.name AS org_name, o.kind AS org_kind, m.joined_on, m.in_service, m.work_unit, c.name AS reported_community \
                         FROM party_members m LEFT JOIN party_orgs o ON o.id = m.org_id LEFT JOIN territories c ON c.id = m.reported_community_id WHERE m.person_id = $1";
        let party = fetch_optional(&self.db, party_sql, &[id.into()]).await?;
        let serves_households = fetch_i64(
            &self.db,
            "SELECT count(*) FROM households h JOIN central_households c ON c.id = h.central_household_id WHERE c.member_id = $1",
            &[id.into()],
        )
        .await?;
        Ok(PersonDetail { person, address, household, members, owns, party, serves_households })
    }

    async fn members(&self, household_id: Uuid) -> Result<Vec<Member>> {
        let sql = "SELECT p.id AS person_id, p.name, m.relation, p.id_number, p.birth_date, p.sex FROM household_members m JOIN people p ON p.id = m.person_id \
                   WHERE m.household_id = $1 ORDER BY CASE m.relation WHEN 'head' THEN 0 ELSE 1 END, p.birth_date";
        let mut members: Vec<Member> = fetch_all(&self.db, sql, &[household_id.into()]).await?;
        for m in &mut members {
            m.id_number = self.crypto.decrypt(&m.id_number)?;
        }
        Ok(members)
    }

    /// A readable address: community, compound, building, entrance and dwelling names.
    pub async fn address_of(&self, territory_id: Uuid) -> Result<String> {
        let t = self.territory(territory_id).await?;
        let anc = self.ancestors(&t).await?;
        let mut parts: Vec<String> = anc.into_iter().filter(|a| a.depth >= 2).map(|a| a.name).collect();
        parts.push(t.name);
        Ok(parts.join(""))
    }

    pub async fn list_households(&self, scope: &Scope, f: &HouseholdQuery, page: Page) -> Result<Paged<Household>> {
        let order = match f.sort.as_deref().unwrap_or("address") {
            "address" => "h.path",
            "-address" => "h.path DESC",
            "number" => "h.number",
            other => {
                return Err(
                    FieldError::new("sort", format!("不支持按“{other}”排序，可选 address、-address、number")).into()
                )
            }
        };
        let mut q = QueryParts::default();
        scope.restrict(&mut q, "h.path", Some(&own_household));
        if let Some(text) = f.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            let a = q.bind(like_pattern(text, false));
            let b = q.bind(like_pattern(text, false));
            q.cond(format!("(h.number LIKE {a} ESCAPE '\\' OR h.id IN (SELECT m.household_id FROM household_members m JOIN people p ON p.id = m.person_id WHERE m.relation = 'head' AND p.name LIKE {b} ESCAPE '\\'))"));
        }
        let w = q.where_clause();
        let total = fetch_i64(&self.db, &format!("SELECT count(*) FROM households h{w}"), &q.vals).await?;
        let lim = q.bind(page.limit());
        let off = q.bind(page.offset());
        let sql = format!("SELECT {HOUSEHOLD_COLS} FROM households h JOIN territories d ON d.id = h.dwelling_id{w} ORDER BY {order} LIMIT {lim} OFFSET {off}");
        let items = fetch_all(&self.db, &sql, &q.vals).await?;
        Ok(Paged { items, page: page.page, page_size: page.page_size, total })
    }

    /// One household, if in the scope (or the principal's own); otherwise not found.
    pub async fn household_detail(&self, scope: &Scope, id: Uuid) -> Result<HouseholdDetail> {
        let sql = format!(
            "SELECT {HOUSEHOLD_COLS} FROM households h JOIN territories d ON d.id = h.dwelling_id WHERE h.id = $1"
        );
        let household: Household = fetch_optional(&self.db, &sql, &[id.into()]).await?.ok_or(StoreError::NotFound)?;
        let members = self.members(id).await?;
        let mine = scope.own_person().is_some_and(|me| members.iter().any(|m| m.person_id == me));
        if !mine && !scope.covers_path(&household.path) {
            return Err(StoreError::NotFound);
        }
        let address = self.address_of(household.dwelling_id).await?;
        let central_household = match household.central_household_id {
            Some(c) => {
                let name: Option<(String,)> = fetch_optional(
                    &self.db,
                    "SELECT p.name FROM central_households c JOIN people p ON p.id = c.member_id WHERE c.id = $1",
                    &[c.into()],
                )
                .await?;
                name.map(|n| n.0)
            }
            None => None,
        };
        Ok(HouseholdDetail { household, address, members, central_household })
    }
}
