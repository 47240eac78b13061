//! The audit log, newest first, a page at a time, filtered by user, action (or area), record
//! (or kind) and the shop's days; each record links to its own history.

use maud::html;
use warp::reply::Response;

use crate::domain::settings::day_start;
use crate::i18n::Msg;
use crate::store::audit;
use crate::web::AppState;
use crate::web::ctx::Ctx;
use crate::web::error::AppResult;
use crate::web::html_response;
use crate::web::layout::{self};
use chrono::{DateTime, Utc};

/// What was typed in the filter, kept as typed.
#[derive(Default)]
pub(super) struct AuditQuery {
    who: String,
    action: String,
    record: String,
    from: String,
    to: String,
    before: Option<u64>,
}

impl AuditQuery {
    pub(super) fn from_query(q: &std::collections::HashMap<String, String>) -> AuditQuery {
        let get = |k: &str| q.get(k).map(|v| v.trim().to_string()).unwrap_or_default();
        AuditQuery {
            who: get("who"),
            action: get("action"),
            record: get("record"),
            from: get("from"),
            to: get("to"),
            before: q.get("before").and_then(|b| b.parse().ok()),
        }
    }

    /// The query string of these filters (for the pager), without `before`.
    fn params(&self) -> String {
        let mut out = form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("who", &self.who),
            ("action", &self.action),
            ("record", &self.record),
            ("from", &self.from),
            ("to", &self.to),
        ] {
            if !v.is_empty() {
                out.append_pair(k, v);
            }
        }
        out.finish()
    }
}

/// Entries looked at for one page at most, so a rare filter over years of log stays quick.
const SCAN_LIMIT: usize = 100_000;

pub(super) async fn audit_page(state: &AppState, ctx: &Ctx, q: AuditQuery) -> AppResult<Response> {
    ctx.admin()?;
    let lang = ctx.lang;
    const PAGE: usize = 50;
    let tz = ctx.settings.tz();
    // Dates are the shop's days: `to` includes its whole day.
    let day = |typed: &str| -> Result<Option<chrono::NaiveDate>, ()> {
        if typed.is_empty() {
            return Ok(None);
        }
        chrono::NaiveDate::parse_from_str(typed, "%Y-%m-%d").map(Some).map_err(|_| ())
    };
    let from = day(&q.from);
    let to = day(&q.to);
    let filter = audit::AuditFilter {
        who: q.who.clone(),
        action: q.action.clone(),
        record: q.record.clone(),
        from: from.ok().flatten().map(|d| day_start(d, tz)),
        to: to.ok().flatten().and_then(|d| d.succ_opt()).map(|d| day_start(d, tz)),
    };
    let filtered = !q.params().is_empty();
    let page = if from.is_err() || to.is_err() {
        audit::AuditPage::default()
    } else {
        let before = q.before;
        state.store.scan(move |tx| audit::search(tx, &filter, before, PAGE, SCAN_LIMIT)).await?
    };
    let local = |at: &DateTime<Utc>| at.with_timezone(&tz).format("%Y-%m-%d %H:%M:%S").to_string();
    let field = |name: &'static str, label: Msg, value: &str, kind: &'static str, bad: bool| {
        html! {
            div.field.invalid[bad] {
                label for={ "f-" (name) } { (lang.t(label)) }
                input id={ "f-" (name) } name=(name) type=(kind) value=(value)
                    aria-invalid=[bad.then_some("true")];
                @if bad { p.field-msg { (lang.t(Msg::AuditBadDate)) } }
            }
        }
    };
    let entries = &page.entries;
    let body = html! {
        h1 { (lang.t(Msg::AuditTitle)) }
        form.filters #audit-filter method="get" action="/admin/audit" {
            (field("who", Msg::AuditWho, &q.who, "text", false))
            (field("action", Msg::AuditAction, &q.action, "text", false))
            (field("record", Msg::AuditRecord, &q.record, "text", false))
            (field("from", Msg::AuditFrom, &q.from, "date", from.is_err()))
            (field("to", Msg::AuditTo, &q.to, "date", to.is_err()))
            div.actions {
                button type="submit" { (lang.t(Msg::AuditFilterApply)) }
                @if filtered { a.button.secondary href="/admin/audit" { (lang.t(Msg::AuditFilterClear)) } }
            }
        }
        @if entries.is_empty() {
            p.muted { (lang.t(if filtered { Msg::AuditNoMatch } else { Msg::AuditEmpty })) }
        } @else {
            div.table-wrap {
                table {
                    thead { tr {
                        th { (lang.t(Msg::AuditWhen)) } th { (lang.t(Msg::AuditWho)) }
                        th { (lang.t(Msg::AuditAction)) } th { (lang.t(Msg::AuditRecord)) }
                        th { (lang.t(Msg::AuditSummary)) }
                    } }
                    tbody {
                        @for (id, entry) in entries {
                            tr data-audit-id=(id) {
                                td.nowrap { (local(&entry.at)) }
                                @if entry.user_id.is_some() {
                                    td { (entry.who) }
                                } @else if entry.who == crate::store::Actor::CUSTOMER {
                                    td data-actor="customer" { (lang.t(Msg::ApprovalCustomerPhone)) }
                                } @else {
                                    td { (lang.t(Msg::System)) }
                                }
                                td.nowrap { code { (entry.action) } }
                                td.nowrap { a href={ "/admin/audit?record=" (entry.record) } { (entry.record) } }
                                td { (entry.summary) }
                            }
                        }
                    }
                }
            }
        }
        @if let Some(older) = page.older {
            p.pager {
                a.button.secondary href={ "/admin/audit?" (q.params()) @if filtered { "&" } "before=" (older) } {
                    (lang.t(if entries.len() == PAGE { Msg::OlderEntries } else { Msg::AuditKeepLooking })) " →"
                }
            }
        }
    };
    Ok(html_response(layout::page(ctx, lang.t(Msg::AuditTitle), body)))
}

/// A record's page links to its history in the audit log (for administrators, who may read it).
pub(crate) fn history_link(ctx: &Ctx, record: &str) -> maud::Markup {
    let admin = ctx.user.as_ref().is_some_and(|u| u.user.roles.admin_cap().is_some());
    let href = format!(
        "/admin/audit?{}",
        form_urlencoded::Serializer::new(String::new()).append_pair("record", record).finish()
    );
    html! {
        @if admin { a.button.secondary href=(href) data-history=(record) { (ctx.lang.t(Msg::RecordHistory)) } }
    }
}
