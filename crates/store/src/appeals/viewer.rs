//! Who is looking at appeals, and the SQL that keeps each list to what they may see.

use super::*;

/// Who is looking at appeals: where they may view and where they may handle, and who they
/// are as a reporter. Only a principal (or the public page, which sees nothing) makes one.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub view: Option<Scope>,
    pub handle: Option<Scope>,
    pub user_id: Option<Uuid>,
    pub person_id: Option<Uuid>,
    pub name: String,
    pub manage: bool,
    /// An appeal this viewer follows by its tracking code (a reporter without an account).
    pub tracked: Option<Uuid>,
    /// Where the viewer may see residents: only there are reporters' names and phones shown.
    pub people: Option<Scope>,
    /// Where the viewer sees and handles every category; elsewhere in `view` a limited role
    /// (property staff, owners' committee) sees no sensitive category and acts only on
    /// property categories.
    pub all_categories: Option<Scope>,
    /// Whether some grant of the viewer is such a limited one.
    pub limited: bool,
    /// The nodes where the viewer's handling grants sit: "my level", whose appeals (and
    /// requests for help) are the viewer's own to-dos rather than ones to oversee below.
    pub desks: Vec<String>,
}

/// The category tree's root whose appeals property staff act on.
pub const PROPERTY_CATEGORY: &str = "property";

fn is_property_category(code: &str) -> bool {
    code == PROPERTY_CATEGORY || code.strip_prefix(PROPERTY_CATEGORY).is_some_and(|r| r.starts_with('.'))
}

impl Viewer {
    pub fn of(p: &Principal) -> Self {
        Self {
            view: p.scope(Permission::ViewAppeals).ok(),
            handle: p.scope(Permission::HandleAppeals).ok(),
            user_id: p.user_id,
            person_id: p.person_id,
            name: p.display_name.clone(),
            manage: p.can(Permission::ManageAppeals),
            tracked: None,
            people: p.scope(Permission::ViewPeople).ok(),
            all_categories: p.scope(Permission::AllAppealCategories).ok(),
            limited: p
                .grants
                .iter()
                .any(|g| g.role.allows(Permission::ViewAppeals) && !g.role.allows(Permission::AllAppealCategories)),
            desks: p
                .grants
                .iter()
                .filter(|g| g.role.allows(Permission::HandleAppeals))
                .map(|g| g.path.clone())
                .collect(),
        }
    }

    /// Someone on the public report page: sees nothing but what they filed, by its code.
    pub fn public() -> Self {
        Self {
            view: None,
            handle: None,
            user_id: None,
            person_id: None,
            name: "公众".into(),
            manage: false,
            tracked: None,
            people: None,
            all_categories: None,
            limited: true,
            desks: vec![],
        }
    }

    /// The reporter of one appeal, known by the tracking code they were given.
    pub fn tracking(a: &AppealRow) -> Self {
        Self { name: "反映人".into(), tracked: Some(a.id), ..Self::public() }
    }

    /// An Open311 caller without an api_key: may list every appeal, and the Open311 layer
    /// shows such callers only the public fields (never description, place or reporter).
    pub fn open311_public() -> Self {
        Self {
            view: Some(Scope::everything()),
            handle: None,
            user_id: None,
            person_id: None,
            name: "Open311".into(),
            manage: false,
            tracked: None,
            people: None,
            all_categories: None,
            // The public list never shows that a family dispute or a care case exists.
            limited: true,
            desks: vec![],
        }
    }

    pub fn is_staff(&self) -> bool {
        self.handle.is_some()
    }

    /// Whether this viewer filed the appeal.
    pub fn reported_here(&self, a: &AppealRow) -> bool {
        self.reported(a)
    }

    pub(crate) fn reported(&self, a: &AppealRow) -> bool {
        self.tracked == Some(a.id)
            || (self.user_id.is_some() && a.reporter_user_id == self.user_id)
            || (self.person_id.is_some() && a.reporter_person_id == self.person_id)
    }

    pub fn can_see(&self, a: &AppealRow) -> bool {
        let in_view = |s: &Scope| {
            s.covers_path(&a.path)
                || s.covers_path(&a.handler_path)
                || a.helper_path.as_deref().is_some_and(|h| s.covers_path(h))
        };
        let category_ok = !self.limited || !a.sensitive || self.all_categories.as_ref().is_some_and(in_view);
        (self.view.as_ref().is_some_and(in_view) && category_ok) || self.reported(a)
    }

    /// Whether the viewer's handling roles reach this appeal's category: everyone's do but a
    /// limited role's, which reach only property categories.
    pub fn may_act_on_category(&self, a: &AppealRow) -> bool {
        !self.limited
            || is_property_category(&a.category_code)
            || self.all_categories.as_ref().is_some_and(|s| s.covers_path(&a.handler_path) || s.covers_path(&a.path))
    }

    /// Whether the reporter's name and phone may be shown to this viewer: to those who may
    /// see the residents where the appeal is, and to the reporter.
    pub fn sees_reporter(&self, a: &AppealRow) -> bool {
        self.people.as_ref().is_some_and(|s| s.covers_path(&a.path)) || self.reported(a)
    }

    /// For a limited viewer, the condition on categories: not sensitive (`acting`: a property
    /// category), unless in a subtree where the viewer sees every category. `None` for others.
    fn category_condition(&self, q: &mut QueryParts, acting: bool) -> Option<String> {
        if !self.limited {
            return None;
        }
        let mut ors = vec![if acting {
            let (eq, like) = (q.bind(PROPERTY_CATEGORY.to_string()), q.bind(format!("{PROPERTY_CATEGORY}.%")));
            format!("(a.category_code = {eq} OR a.category_code LIKE {like})")
        } else {
            "CAST(a.sensitive AS INTEGER) = 0".to_string()
        }];
        if let Some(s) = &self.all_categories {
            for t in s.subtrees() {
                let (lo, hi) = t.bind(q);
                ors.push(within_sql("a.path", &lo, &hi));
                ors.push(within_sql("a.handler_path", &lo, &hi));
            }
        }
        Some(format!("({})", ors.join(" OR ")))
    }

    /// Adds "the viewer may act on this category" to a queue over `appeals a`.
    pub(super) fn restrict_acting(&self, q: &mut QueryParts) {
        if let Some(c) = self.category_condition(q, true) {
            q.cond(c);
        }
    }

    /// Adds "visible to this viewer" to a query over `appeals a`: in the viewer's area (and,
    /// for a limited viewer, of a category it may see), or reported by the viewer.
    pub(super) fn restrict(&self, q: &mut QueryParts) {
        let category = self.category_condition(q, false);
        let mut area = Vec::new();
        let mut everywhere = false;
        if let Some(s) = &self.view {
            if s.is_everything() {
                everywhere = true;
            } else {
                for t in s.subtrees() {
                    let (lo, hi) = t.bind(q);
                    for col in ["a.path", "a.handler_path", "a.helper_path"] {
                        area.push(within_sql(col, &lo, &hi));
                    }
                }
            }
        }
        if everywhere && category.is_none() {
            return;
        }
        let area = match (everywhere, area.is_empty()) {
            (true, _) => Some("1 = 1".to_string()),
            (false, true) => None,
            (false, false) => Some(format!("({})", area.join(" OR "))),
        };
        let mut ors: Vec<String> = match (area, category) {
            (Some(a), Some(c)) => vec![format!("({a} AND {c})")],
            (Some(a), None) => vec![a],
            (None, _) => vec![],
        };
        if let Some(u) = self.user_id {
            ors.push(format!("a.reporter_user_id = {}", q.bind(u)));
        }
        if let Some(p) = self.person_id {
            ors.push(format!("a.reporter_person_id = {}", q.bind(p)));
        }
        q.cond(if ors.is_empty() { "1 = 0".into() } else { format!("({})", ors.join(" OR ")) });
    }
}
