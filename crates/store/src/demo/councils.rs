//! A few councils for the demo, written through the same calls people use, so that a new user
//! finds a building meeting (一楼见) with its topics, a meeting and outcomes (one carried out, one
//! under way), the tripartite office of a compound, and the community's joint meeting. The
//! district's year of records is another matter (the living demo history).

use super::demo_epoch;
use crate::access::Principal;
use crate::audit::AuditCtx;
use crate::councils::{NewCouncil, NewMeeting, NewMember, NewOutcome, NewTopic};
use crate::{Result, Store};
use chrono::{Duration, NaiveDate};
use jiayuan_domain::council::{CouncilKind, Seat, TopicKind};

fn member(name: &str, seat: Seat, username: Option<&str>) -> NewMember {
    NewMember {
        name: name.into(),
        seat,
        username: username.map(str::to_string),
        term_from: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default(),
        term_to: NaiveDate::from_ymd_opt(2028, 12, 31).unwrap_or_default(),
    }
}

impl Store {
    /// Writes the demo councils over the nodes of the demo accounts `bl1`, `cs1` and `c1`.
    /// Returns how many councils were set up.
    pub async fn generate_demo_councils(&self) -> Result<usize> {
        let (who, ctx) = (Principal::operator(), AuditCtx::operator("demo"));
        let node_of = |name: &'static str| async move {
            let u = self.user_by_name(name).await?;
            let p = self.principal_of(&u).await?;
            let code = p.grants.first().map(|g| g.territory_code.clone()).unwrap_or_default();
            self.territory_by_code(&code).await
        };
        let (building, compound, community) = (node_of("bl1").await?, node_of("cs1").await?, node_of("c1").await?);
        let day = |d: i64| demo_epoch() + Duration::days(d) + Duration::hours(11);

        // The building meeting: two topics, one meeting, one outcome carried out, one under way.
        let new = NewCouncil {
            node: building.code.clone(),
            kind: CouncilKind::BuildingMeeting,
            name: format!("{}一楼见", building.name),
        };
        let c = self.create_council(&ctx, &who, &new, day(1)).await?;
        for m in [
            member("王建国", Seat::BuildingLeader, Some("bl1")),
            member("李秀英", Seat::ResidentRep, None),
            member("赵红梅", Seat::ResidentRep, None),
            member("周师傅", Seat::PropertySteward, None),
        ] {
            self.add_council_member(&ctx, &who, c.id, &m, day(1)).await?;
        }
        let c = self.council_for(&who, c.id).await?;
        let raiser = |seat: Seat| c.members.iter().find(|m| m.seat == seat).map(|m| m.id);
        let clutter = self
            .raise_topic(
                &ctx,
                &who,
                c.id,
                &NewTopic {
                    kind: TopicKind::Livelihood,
                    title: "楼道堆物清理".into(),
                    body: "一楼和二楼楼道长期堆放纸箱、旧家具，影响通行和消防安全。".into(),
                    raised_by: raiser(Seat::ResidentRep),
                },
                day(2),
            )
            .await?;
        let door = self
            .raise_topic(
                &ctx,
                &who,
                c.id,
                &NewTopic {
                    kind: TopicKind::Property,
                    title: "单元门门禁维修".into(),
                    body: "单元门门禁损坏半月，外来人员随意进出。".into(),
                    raised_by: raiser(Seat::BuildingLeader),
                },
                day(2),
            )
            .await?;
        let meeting = self
            .record_meeting(
                &ctx,
                &who,
                c.id,
                &NewMeeting {
                    held_at: day(4),
                    place: format!("{}一楼大厅", building.name),
                    agenda: "一、楼道堆物清理；二、单元门门禁维修".into(),
                    minutes: "到会成员4人，居民8人列席。议定：周六上午组织居民统一清理楼道，由小区党支部牵头；门禁由物业三个工作日内报修，维修费用从公共收益中列支并公示。".into(),
                    attendees: c.members.iter().map(|m| m.id).collect(),
                    guests: 8,
                    topics: vec![clutter.id, door.id],
                },
                day(4),
            )
            .await?;
        let clutter = self
            .decide_outcome(
                &ctx,
                &who,
                clutter.id,
                &NewOutcome {
                    meeting: Some(meeting.id),
                    decision: "周六上午组织居民统一清理楼道".into(),
                    carrier: None,
                    due_workdays: 5,
                },
                day(4),
            )
            .await?;
        let done = clutter.outcomes[0].id;
        self.record_progress(&ctx, &who, done, "已张贴清理通知，逐户告知", false, day(5)).await?;
        self.record_progress(&ctx, &who, done, "清理纸箱旧物三车，楼道畅通", true, day(7)).await?;
        self.decide_outcome(
            &ctx,
            &who,
            door.id,
            &NewOutcome {
                meeting: Some(meeting.id),
                decision: "物业报修门禁，费用从公共收益列支并公示".into(),
                carrier: Some("物业服务中心".into()),
                due_workdays: 10,
            },
            day(4),
        )
        .await?;

        // The compound's tripartite office and the community's joint meeting, with members.
        let new = NewCouncil {
            node: compound.code.clone(),
            kind: CouncilKind::Tripartite,
            name: format!("{}三方办", compound.name),
        };
        let t = self.create_council(&ctx, &who, &new, day(1)).await?;
        for m in [
            member("刘书记", Seat::Branch, Some("cs1")),
            member("孙主任", Seat::OwnersCommittee, Some("oc1")),
            member("钱经理", Seat::PropertyCompany, Some("pm1")),
        ] {
            self.add_council_member(&ctx, &who, t.id, &m, day(1)).await?;
        }
        let t = self.council_for(&who, t.id).await?;
        self.raise_topic(
            &ctx,
            &who,
            t.id,
            &NewTopic {
                kind: TopicKind::Property,
                title: "地下车库照明改造".into(),
                body: "车库照明老化，夜间光线不足，业主多次反映。".into(),
                raised_by: t.members.iter().find(|m| m.seat == Seat::Branch).map(|m| m.id),
            },
            day(6),
        )
        .await?;
        let new = NewCouncil {
            node: community.code.clone(),
            kind: CouncilKind::PropertyJointMeeting,
            name: format!("{}红心物业党建联席会议", community.name),
        };
        let j = self.create_council(&ctx, &who, &new, day(1)).await?;
        self.add_council_member(&ctx, &who, j.id, &member("刘书记", Seat::Branch, None), day(1)).await?;
        self.add_council_member(&ctx, &who, j.id, &member("孙主任", Seat::OwnersCommittee, None), day(1)).await?;
        Ok(3)
    }
}
