//! The audit log, newest first, a page at a time.

use maud::html;
use warp::reply::Response;

use crate::i18n::Msg;
use crate::store::audit;
use crate::web::AppState;
use crate::web::ctx::Ctx;
use crate::web::error::AppResult;
use crate::web::html_response;
use crate::web::layout::{self};
use chrono::{DateTime, Utc};

pub(super) async fn audit_page(state: &AppState, ctx: &Ctx, before: Option<u64>) -> AppResult<Response> {
    ctx.admin()?;
    let lang = ctx.lang;
    const PAGE: usize = 50;
    let entries = state.store.read(move |tx| audit::recent(tx, before, PAGE)).await?;
    let tz = ctx.settings.tz();
    let local = |at: &DateTime<Utc>| at.with_timezone(&tz).format("%Y-%m-%d %H:%M:%S").to_string();
    let body = html! {
        h1 { (lang.t(Msg::AuditTitle)) }
        @if entries.is_empty() {
            p.muted { (lang.t(Msg::AuditEmpty)) }
        } @else {
            div.table-wrap {
                table {
                    thead { tr {
                        th { (lang.t(Msg::AuditWhen)) } th { (lang.t(Msg::AuditWho)) }
                        th { (lang.t(Msg::AuditAction)) } th { (lang.t(Msg::AuditRecord)) }
                        th { (lang.t(Msg::AuditSummary)) }
                    } }
                    tbody {
                        @for (_, entry) in &entries {
                            tr {
                                td.nowrap { (local(&entry.at)) }
                                @if entry.user_id.is_some() {
                                    td { (entry.who) }
                                } @else if entry.who == crate::store::Actor::CUSTOMER {
                                    td data-actor="customer" { (lang.t(Msg::ApprovalCustomerPhone)) }
                                } @else {
                                    td { (lang.t(Msg::System)) }
                                }
                                td.nowrap { code { (entry.action) } }
                                td.nowrap { (entry.record) }
                                td { (entry.summary) }
                            }
                        }
                    }
                }
            }
            @if entries.len() == PAGE {
                @if let Some((last, _)) = entries.last() {
                    p.pager { a.button.secondary href={ "/admin/audit?before=" (last) } { (lang.t(Msg::OlderEntries)) " →" } }
                }
            }
        }
    };
    Ok(html_response(layout::page(ctx, lang.t(Msg::AuditTitle), body)))
}
