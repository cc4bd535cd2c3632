//! The territory picker: a place chosen by walking down from the tops of the viewer's scope or
//! by searching its names, pinyin and codes, instead of a typed code. It needs no script:
//! every step is a link (or a small GET form) back to the same page with `at` (the node
//! chosen so far) and `pq` (the search), and the page's own form carries the choice as a
//! hidden field. Pages put it before the fields people type into, so walking never loses them.

use super::*;
use crate::auth::Auth;
use crate::state::AppState;
use jiayuan_domain::access::Permission;
use jiayuan_domain::TerritoryKind;
use jiayuan_store::model::{Page, Territory};
use jiayuan_store::territory::TerritoryQuery;

/// How many options one step lists; more are reached by searching.
const STEP: u32 = 60;

fn step() -> Page {
    Page { page: 1, page_size: STEP }
}

/// One place the picker offers.
pub struct PickOption {
    pub code: String,
    pub name: String,
    pub kind: &'static str,
    pub href: String,
}

pub struct TerritoryPicker {
    /// The node chosen so far, if any.
    pub chosen: Option<PickOption>,
    /// The way down to it from the scope's top (links), the chosen node last.
    pub trail: Vec<PickOption>,
    /// The nodes below the chosen one (or the scope's tops, or the search's hits).
    pub options: Vec<PickOption>,
    /// How many there are in all (more than `options` holds when cut at a step).
    pub total: i64,
    pub q: String,
    /// Where the picker's links and search go (the page, without the picker's parameters).
    pub action: String,
    /// Why the node asked for was not taken.
    pub error: Option<String>,
    /// The link that starts over from the tops.
    pub reset: String,
}

impl TerritoryPicker {
    pub fn total_text(&self) -> String {
        thousands(self.total)
    }

    /// Whether more options exist than are listed.
    pub fn cut(&self) -> bool {
        self.total > self.options.len() as i64
    }

    pub fn chosen_code(&self) -> &str {
        self.chosen.as_ref().map(|c| c.code.as_str()).unwrap_or("")
    }
}

/// Builds the picker for a page at `action` whose scope is what `permission` reaches.
/// `at` is a code or id, `q` a search.
pub async fn territory_picker(
    state: &AppState,
    auth: &Auth,
    ui: &Ui,
    permission: Permission,
    action: &str,
    at: Option<&str>,
    q: Option<&str>,
) -> Result<TerritoryPicker, PageError> {
    let s = &state.store;
    let scope = auth.scope(permission).page(ui)?;
    let lang = ui.lang.code();
    let link = |code: Option<&str>| match code {
        Some(c) => format!("{action}?at={}", form_urlencoded::byte_serialize(c.as_bytes()).collect::<String>()),
        None => action.to_string(),
    };
    let option = |t: &Territory| PickOption {
        code: t.code.clone(),
        name: t.name.clone(),
        kind: TerritoryKind::parse(&t.kind).map(|k| k.label(lang)).unwrap_or(""),
        href: link(Some(&t.code)),
    };
    let mut error = None;
    let chosen = match at.map(str::trim).filter(|a| !a.is_empty()) {
        Some(a) => match s.territory_in(&scope, a).await {
            Ok(t) => Some(t),
            Err(_) => {
                error = Some(ui.t("picker.outside").replace("{}", a));
                None
            }
        },
        None => None,
    };
    let q = q.map(str::trim).unwrap_or("").to_string();
    let mut trail = Vec::new();
    let (options, total) = if !q.is_empty() {
        let f = TerritoryQuery { q: Some(q.clone()), ..Default::default() };
        let found = s.list_territories(&scope, &f, step()).await.page(ui)?;
        (found.items.iter().map(option).collect(), found.total)
    } else if let Some(t) = &chosen {
        let f = TerritoryQuery { parent_id: Some(t.id), ..Default::default() };
        let below = s.list_territories(&scope, &f, step()).await.page(ui)?;
        (below.items.iter().map(option).collect(), below.total)
    } else {
        // The tops: the nodes of the grants that give this permission.
        let mut tops: Vec<Territory> = Vec::new();
        for g in auth.principal.grants.iter().filter(|g| g.role.allows(permission)) {
            if scope.roots().contains(&g.path.as_str()) && !tops.iter().any(|t| t.id == g.territory_id) {
                tops.push(s.territory(g.territory_id).await.page(ui)?);
            }
        }
        if tops.is_empty() && scope.is_everything() {
            let f = TerritoryQuery { kind: Some(TerritoryKind::District), ..Default::default() };
            tops = s.list_territories(&scope, &f, step()).await.page(ui)?.items;
        }
        let n = tops.len() as i64;
        (tops.iter().map(option).collect(), n)
    };
    if let Some(t) = &chosen {
        for a in s.ancestors(t).await.page(ui)?.iter().filter(|a| scope.covers(a)) {
            trail.push(option(a));
        }
        trail.push(option(t));
    }
    Ok(TerritoryPicker {
        chosen: chosen.as_ref().map(option),
        trail,
        options,
        total,
        q,
        action: action.to_string(),
        reset: link(None),
        error,
    })
}
