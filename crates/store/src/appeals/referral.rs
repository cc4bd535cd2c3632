//! An appeal handed to a council (议事会) and settled there: the referral is a step on the
//! appeal's timeline, and the council's outcome, once carried out, resolves the appeal with
//! its text. Both are written inside the council's own transaction, so neither side is ever
//! half-written.

use super::effects::{ActInput, Step};
use super::lifecycle::{actors_of, facts_of};
use super::{AppealRow, Viewer};
use crate::{Result, Store, StoreError, Tx};
use chrono::{DateTime, Utc};
use jiayuan_domain::appeal::{self as rules, Action, Actor, Status};
use serde_json::json;
use uuid::Uuid;

impl Store {
    /// Checks that `who` may refer this appeal now: they handle it (or work where it is), and
    /// it is being worked on (accepted, assigned or in progress).
    pub(crate) fn check_referral(&self, who: &Viewer, a: &AppealRow) -> Result<()> {
        let actors = actors_of(who, a);
        if !actors.iter().any(|x| matches!(x, Actor::Handler | Actor::LocalStaff | Actor::Superior)) {
            return Err(StoreError::invalid(
                "appeal",
                "只有办理该诉求的人员可以提交议事 (only those handling the appeal refer it)",
            ));
        }
        if !matches!(a.status(), Status::Accepted | Status::Assigned | Status::InProgress) {
            return Err(StoreError::Conflict {
                field: "appeal".into(),
                message: format!(
                    "诉求“{}”，受理后方可提交议事 (an appeal that is {} cannot be referred; accept it first)",
                    a.status().label_zh(),
                    a.status().as_str()
                ),
            });
        }
        Ok(())
    }

    /// The referral on the appeal's timeline: a comment that names the council and the topic.
    pub(crate) async fn note_referral_in(
        &self,
        tx: &mut Tx,
        who: &Viewer,
        a: &AppealRow,
        topic_id: Uuid,
        note: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let cfg = self.appeal_config().await?;
        let mut c = super::effects::Changes::default();
        c.data.insert("council_topic".into(), json!(topic_id));
        self.write_transition(tx, &cfg, a, Action::Comment, a.status(), c, who.user_id, &who.name, note, now).await
    }

    /// The council's outcome carried out: the appeal is resolved with the outcome's text when
    /// it is still being worked on; otherwise (resolved meanwhile, on hold, merged) the text is
    /// added to its timeline as a comment.
    pub(crate) async fn settle_referred_in(
        &self,
        tx: &mut Tx,
        who: &Viewer,
        appeal_id: Uuid,
        topic_id: Uuid,
        text: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let cfg = self.appeal_config().await?;
        let a = self.appeal_row(appeal_id).await?;
        let facts = facts_of(&a);
        let (action, to) = match rules::next(&facts, Action::Resolve) {
            Ok(to) => (Action::Resolve, to),
            Err(_) => (Action::Comment, a.status()),
        };
        let input = ActInput { action: Some(action), version: a.version, note: text.into(), ..ActInput::default() };
        let step = Step { store: self, who, cfg: &cfg, a: &a, input: &input, now };
        let mut c = step.effect(action).await?;
        c.data.insert("council_topic".into(), json!(topic_id));
        self.write_transition(tx, &cfg, &a, action, to, c, who.user_id, &who.name, text, now).await
    }
}
