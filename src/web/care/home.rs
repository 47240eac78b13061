//! The advisor's panel on the home page: how many entries wait on each due list today.

use maud::{Markup, html};

use super::lists::href;
use chrono::Duration;

use crate::domain::Area;
use crate::domain::care::DueKind;
use crate::i18n::Msg;
use crate::store::care;
use crate::web::AppState;
use crate::web::ctx::Ctx;
use crate::web::error::AppResult;

/// The panel for users who work the customers (none for others): the vehicle lists due from
/// 30 days ago to 7 days on and birthdays in the coming week, not snoozed.
pub async fn home_panel(state: &AppState, ctx: &Ctx) -> AppResult<Option<Markup>> {
    let Some(user) = ctx.user.as_ref() else { return Ok(None) };
    if !user.user.roles.may(Area::Customers) {
        return Ok(None);
    }
    let lang = ctx.lang;
    let today = ctx.today();
    let (counts, calls) = state
        .store
        .read(move |tx| Ok((care::counts(tx, today, 30, 7)?, crate::store::followups::count_due(tx, today)?)))
        .await?;
    // Each button opens its list over the days it counts.
    let link = |kind: DueKind| match kind {
        DueKind::Birthday => href(kind),
        _ => format!("{}?from={}&to={}", href(kind), today - Duration::days(30), today + Duration::days(7)),
    };
    let waiting: usize = counts.iter().map(|(_, n)| n).sum::<usize>() + calls;
    Ok(Some(html! {
        section.panel.care-home data-care-home {
            h2 { (lang.t(Msg::CareHome)) " " span.badge.warn[waiting > 0] { (waiting) } }
            @if waiting == 0 {
                p.muted { (lang.t(Msg::CareHomeEmpty)) }
            } @else {
                div.care-home-lists {
                    @for (kind, n) in counts.iter().filter(|(_, n)| *n > 0) {
                        a.button.secondary href=(link(*kind)) data-care-list=(kind.code()) data-count=(n) {
                            (lang.t(kind.label())) " " span.badge { (n) }
                        }
                    }
                    @if calls > 0 {
                        a.button.secondary href="/care/followups" data-care-list="followups" data-count=(calls) {
                            (lang.t(Msg::FollowUpTitle)) " " span.badge { (calls) }
                        }
                    }
                }
            }
        }
    }))
}

/// The panel on a vehicle's page: each due list the car is on, the day it falls due (for the
/// km list, the day expected from its readings), whether it sleeps, and the list around it.
pub async fn vehicle_panel(state: &AppState, ctx: &Ctx, id: crate::domain::VehicleId) -> AppResult<Markup> {
    let lang = ctx.lang;
    let today = ctx.today();
    let entries = state
        .store
        .read(move |tx| {
            let mut out = vec![];
            for kind in DueKind::VEHICLE {
                if let Some(e) = care::entry(tx, kind, id.0)? {
                    out.push(e);
                }
            }
            Ok(out)
        })
        .await?;
    Ok(html! {
        @if !entries.is_empty() {
            section.panel.care-vehicle {
                h2 { (lang.t(Msg::CareTitle)) }
                ul.timeline {
                    @for e in &entries {
                        @if let Some(due) = care::key_day(e.day) {
                            li data-care-due=(e.kind.code()) data-due=(due) {
                                a href={ (href(e.kind)) "?from=" (due - Duration::days(7)) "&to=" (due + Duration::days(7)) "&snoozed=1" } {
                                    (lang.t(e.kind.label()))
                                }
                                " " strong { (due) }
                                @if let Some(until) = e.snoozed_until.filter(|u| *u >= today) {
                                    " " span.badge { (lang.fmt(Msg::CareSnoozedUntil, &[&until])) }
                                }
                            }
                        }
                    }
                }
            }
        }
    })
}
