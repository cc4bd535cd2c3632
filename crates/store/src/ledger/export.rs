//! Writing ledgers: the rows of each kind as text, to CSV or XLSX.

use super::*;
use crate::territory::{within_sql, Subtree};
use jiayuan_domain::org::{AssignmentKind, OrgKind, PartyOrgKind};
use jiayuan_domain::person::{DwellingUse, Relation, Tenure};
use jiayuan_domain::spreadsheet::{neutralise, starts_formula};
use jiayuan_domain::{Area, TerritoryKind};

/// (code, name, kind, territory code, contact name, contact phone).
type OrgExportRow = (String, String, String, Option<String>, Option<String>, Option<String>);

/// Writes a header and rows as CSV (UTF-8 with BOM, so Excel opens it in Chinese) or XLSX.
pub(crate) fn write_table(path: &Path, headers: &[&str], rows: &[Vec<String>]) -> Result<()> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    match ext.as_str() {
        "csv" => {
            let file = std::fs::File::create(path)
                .map_err(|e| StoreError::invalid("file", format!("无法写入文件 (cannot write): {e}")))?;
            let mut buf = std::io::BufWriter::new(file);
            std::io::Write::write_all(&mut buf, "\u{feff}".as_bytes())
                .map_err(|e| StoreError::invalid("file", e.to_string()))?;
            let mut w = csv::Writer::from_writer(buf);
            let err = |e: csv::Error| StoreError::invalid("file", format!("无法写入CSV (cannot write CSV): {e}"));
            w.write_record(headers).map_err(err)?;
            for r in rows {
                // A cell that would start a formula is quoted; the import takes the quote off.
                w.write_record(r.iter().map(|c| neutralise(c).into_owned())).map_err(err)?;
            }
            w.flush().map_err(|e| StoreError::invalid("file", e.to_string()))?;
        }
        "xlsx" => {
            use rust_xlsxwriter::{Format, Workbook};
            let err = |e: rust_xlsxwriter::XlsxError| {
                StoreError::invalid("file", format!("无法写入Excel (cannot write XLSX): {e}"))
            };
            let mut wb = Workbook::new();
            let ws = wb.add_worksheet();
            let bold = Format::new().set_bold();
            // Text that looks like a formula stays text even when someone edits the cell.
            let quoted = Format::new().set_quote_prefix();
            for (j, h) in headers.iter().enumerate() {
                ws.write_string_with_format(0, j as u16, *h, &bold).map_err(err)?;
                ws.set_column_width(j as u16, if *h == "几何" { 30.0 } else { 18.0 }).map_err(err)?;
            }
            for (i, r) in rows.iter().enumerate() {
                for (j, v) in r.iter().enumerate() {
                    if !v.is_empty() {
                        // Everything as text: ID numbers and codes must keep every digit.
                        if starts_formula(v) {
                            ws.write_string_with_format((i + 1) as u32, j as u16, v, &quoted).map_err(err)?;
                        } else {
                            ws.write_string((i + 1) as u32, j as u16, v).map_err(err)?;
                        }
                    }
                }
            }
            wb.save(path).map_err(err)?;
        }
        _ => return Err(StoreError::invalid("file", "文件应为 .csv 或 .xlsx (file must be .csv or .xlsx)")),
    }
    Ok(())
}

/// A share in basis points as a percentage without trailing zeros (5000 → "50").
fn share_text(bp: i64) -> String {
    if bp % 100 == 0 {
        format!("{}", bp / 100)
    } else {
        format!("{}.{:02}", bp / 100, bp % 100).trim_end_matches('0').to_string()
    }
}

fn yes(b: bool) -> String {
    if b {
        "是".into()
    } else {
        "否".into()
    }
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

impl Store {
    /// Writes a complete (unmasked) ledger of one kind for a subtree; returns the row count.
    /// Callers that are not the key-holding operator must mask before handing it out.
    pub async fn export_ledger(&self, kind: LedgerKind, path: &Path, within: &Subtree) -> Result<usize> {
        let headers: Vec<&str> = kind.columns().iter().map(|c| c.0).collect();
        let rows = self.ledger_rows(kind, within).await?;
        write_table(path, &headers, &rows)?;
        Ok(rows.len())
    }

    /// The rows of a ledger as text, in the column order of [`LedgerKind::columns`].
    pub async fn ledger_rows(&self, kind: LedgerKind, within: &Subtree) -> Result<Vec<Vec<String>>> {
        let range = within.bounds();
        // Every query here binds the subtree as $1 and $2.
        let inside = |col: &str| within_sql(col, "$1", "$2");
        let whole = within.path == "/";
        Ok(match kind {
            LedgerKind::Territories => {
                type R = (String, String, String, Option<String>, Option<i64>, Option<String>, Option<String>);
                let rows: Vec<R> = fetch_all(&self.db, &format!("SELECT t.code, t.name, t.kind, p.code, t.area_centi, t.dwelling_use, t.geometry FROM territories t LEFT JOIN territories p ON p.id = t.parent_id WHERE {} ORDER BY t.path", inside("t.path")), &range).await?;
                rows.into_iter()
                    .map(|(code, name, k, parent, area, use_, geom)| {
                        vec![
                            code,
                            name,
                            TerritoryKind::parse(&k).map(|k| k.label_zh().to_string()).unwrap_or(k),
                            opt(parent),
                            opt(area.map(Area)),
                            opt(use_.and_then(|u| DwellingUse::parse(&u)).map(|u| u.label_zh())),
                            opt(geom),
                        ]
                    })
                    .collect()
            }
            LedgerKind::People => {
                type R = (
                    Uuid,
                    String,
                    String,
                    String,
                    NaiveDate,
                    Option<String>,
                    String,
                    Option<String>,
                    Option<String>,
                    Option<String>,
                    Option<String>,
                    Option<String>,
                    Option<String>,
                    Option<String>,
                );
                let sql = "SELECT p.id, p.name, p.id_number, p.sex, p.birth_date, p.phone, p.tags, h.number, m.relation, cm.name, c.name, b.name, e.name, d.name \
                    FROM people p LEFT JOIN household_members m ON m.person_id = p.id LEFT JOIN households h ON h.id = m.household_id \
                    LEFT JOIN territories d ON d.id = h.dwelling_id LEFT JOIN territories e ON e.id = d.parent_id LEFT JOIN territories b ON b.id = e.parent_id \
                    LEFT JOIN territories c ON c.id = b.parent_id LEFT JOIN territories cm ON cm.id = c.parent_id \
                    WHERE {in_range} ORDER BY COALESCE(p.home_path, ''), p.id_number_hash";
                // People with no home in the district (cadres, in-service members) belong to a whole-district export.
                let in_range = if whole {
                    format!("(p.home_path IS NULL OR {})", inside("p.home_path"))
                } else {
                    inside("p.home_path")
                };
                let rows: Vec<R> = fetch_all(&self.db, &sql.replace("{in_range}", &in_range), &range).await?;
                let owned: Vec<(Uuid, String, i64)> = fetch_all(&self.db, &format!("SELECT p.id, d.code, CAST(o.share_bp AS BIGINT) FROM owners o JOIN people p ON p.id = o.person_id JOIN territories d ON d.id = o.dwelling_id WHERE {} ORDER BY d.code", inside("p.home_path")), &range).await?;
                let mut owns: HashMap<Uuid, Vec<String>> = HashMap::new();
                for (person, code, bp) in owned {
                    owns.entry(person).or_default().push(format!("{code}:{}", share_text(bp)));
                }
                rows.into_iter()
                    .map(|(id, name, idn, sex, birth, phone, tags, hh, rel, cm, c, b, e, d)| {
                        let own = owns.get(&id).map(|v| v.join("、")).unwrap_or_default();
                        let tags_zh: Vec<&str> = tags
                            .split(',')
                            .filter_map(jiayuan_domain::person::PersonTag::parse)
                            .map(|t| t.label_zh())
                            .collect();
                        let address: String = [cm, c, b, e, d].into_iter().flatten().collect();
                        Ok(vec![
                            name,
                            self.crypto.decrypt(&idn)?,
                            (if sex == "male" { "男" } else { "女" }).into(),
                            birth.to_string(),
                            opt(self.crypto.decrypt_opt(phone.as_deref())?),
                            tags_zh.join("、"),
                            opt(hh),
                            opt(rel.and_then(|r| Relation::parse(&r)).map(|r| r.label_zh())),
                            own,
                            address,
                        ])
                    })
                    .collect::<Result<Vec<_>>>()?
            }
            LedgerKind::Households => {
                let rows: Vec<(String, String, String)> = fetch_all(&self.db, &format!("SELECT h.number, d.code, h.tenure FROM households h JOIN territories d ON d.id = h.dwelling_id WHERE {} ORDER BY h.path, h.number", inside("h.path")), &range).await?;
                rows.into_iter()
                    .map(|(number, code, tenure)| {
                        vec![number, code, Tenure::parse(&tenure).map(|t| t.label_zh().to_string()).unwrap_or(tenure)]
                    })
                    .collect()
            }
            LedgerKind::PartyMembers => {
                type R = (
                    Uuid,
                    String,
                    String,
                    Option<String>,
                    Option<NaiveDate>,
                    bool,
                    Option<String>,
                    Option<String>,
                    Option<NaiveDate>,
                    Option<Uuid>,
                );
                let sql = "SELECT p.id, p.id_number, p.name, t.code, m.joined_on, m.in_service, m.work_unit, rc.code, m.reported_on, ch.id \
                    FROM party_members m JOIN people p ON p.id = m.person_id LEFT JOIN party_orgs o ON o.id = m.org_id LEFT JOIN territories t ON t.id = o.territory_id \
                    LEFT JOIN territories rc ON rc.id = m.reported_community_id LEFT JOIN central_households ch ON ch.member_id = m.person_id \
                    WHERE {in_range} ORDER BY COALESCE(m.path, ''), p.id_number_hash";
                let in_range =
                    if whole { format!("(m.path IS NULL OR {})", inside("m.path")) } else { inside("m.path") };
                let rows: Vec<R> = fetch_all(&self.db, &sql.replace("{in_range}", &in_range), &range).await?;
                let served: Vec<(Uuid, String)> = fetch_all(&self.db, &format!("SELECT h.central_household_id, h.number FROM households h WHERE h.central_household_id IS NOT NULL AND {} ORDER BY h.path", inside("h.path")), &range).await?;
                let mut by_central: HashMap<Uuid, Vec<String>> = HashMap::new();
                for (c, n) in served {
                    by_central.entry(c).or_default().push(n);
                }
                rows.into_iter()
                    .map(|(_, idn, name, org, joined, in_service, unit, rc, ron, central)| {
                        Ok(vec![
                            self.crypto.decrypt(&idn)?,
                            name,
                            opt(org),
                            opt(joined),
                            yes(in_service),
                            opt(unit),
                            opt(rc),
                            opt(ron),
                            yes(central.is_some()),
                            central.and_then(|c| by_central.get(&c)).map(|v| v.join("、")).unwrap_or_default(),
                        ])
                    })
                    .collect::<Result<Vec<_>>>()?
            }
            LedgerKind::Organisations => {
                let party: Vec<(String, String, String, Option<String>)> = fetch_all(&self.db, &format!("SELECT t.code, o.name, o.kind, l.id_number FROM party_orgs o JOIN territories t ON t.id = o.territory_id LEFT JOIN people l ON l.id = o.leader_id WHERE {} ORDER BY o.path, o.kind", inside("o.path")), &range).await?;
                let mut out: Vec<Vec<String>> = party
                    .into_iter()
                    .map(|(tcode, name, kind, leader)| {
                        let label =
                            PartyOrgKind::parse(&kind).map(|k| k.label_zh().to_string()).unwrap_or(kind.clone());
                        let leader = self.crypto.decrypt_opt(leader.as_deref())?;
                        Ok(vec![
                            format!("{tcode}/{kind}"),
                            name,
                            label,
                            tcode,
                            opt(leader),
                            String::new(),
                            String::new(),
                        ])
                    })
                    .collect::<Result<Vec<_>>>()?;
                // Organisations without a territory (district-level units) belong to every export of the whole district.
                let in_range =
                    if whole { format!("(o.path IS NULL OR {})", inside("o.path")) } else { inside("o.path") };
                let orgs_sql = format!("SELECT o.code, o.name, o.kind, t.code, o.contact_name, o.contact_phone FROM organisations o LEFT JOIN territories t ON t.id = o.territory_id WHERE {in_range} ORDER BY o.code");
                let orgs: Vec<OrgExportRow> = fetch_all(&self.db, &orgs_sql, &range).await?;
                for (code, name, kind, t, c, p) in orgs {
                    out.push(vec![
                        code,
                        name,
                        OrgKind::parse(&kind).map(|k| k.label_zh().to_string()).unwrap_or(kind),
                        opt(t),
                        String::new(),
                        opt(c),
                        opt(self.crypto.decrypt_opt(p.as_deref())?),
                    ]);
                }
                out
            }
            LedgerKind::Assignments => {
                let sql = format!("SELECT a.kind, o.code, p.id_number, COALESCE(t.code, h.number, '') FROM assignments a LEFT JOIN organisations o ON o.id = a.organisation_id \
                    LEFT JOIN people p ON p.id = a.person_id LEFT JOIN territories t ON t.id = a.territory_id LEFT JOIN households h ON h.id = a.household_id \
                    WHERE {} ORDER BY a.target_path, a.kind, COALESCE(o.code, p.id_number_hash, '')", inside("a.target_path"));
                let rows: Vec<(String, Option<String>, Option<String>, String)> =
                    fetch_all(&self.db, &sql, &range).await?;
                rows.into_iter()
                    .map(|(k, org, person, t)| {
                        let assignee = match org {
                            Some(code) => code,
                            None => opt(self.crypto.decrypt_opt(person.as_deref())?),
                        };
                        Ok(vec![AssignmentKind::parse(&k).map(|k| k.label_zh().to_string()).unwrap_or(k), assignee, t])
                    })
                    .collect::<Result<Vec<_>>>()?
            }
        })
    }
}
