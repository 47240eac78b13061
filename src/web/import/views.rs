//! The import's pages: the upload form and the preview of what an upload would do.

use maud::{Markup, html};
use warp::reply::Response;

use super::classify::{Verdict, VerdictKind};
use crate::i18n::{Lang, Msg};
use crate::web::ctx::Ctx;
use crate::web::error::unprocessable_if;
use crate::web::html_response;
use crate::web::layout::{self, csrf_field, notice};

pub(super) fn upload_page(ctx: &Ctx, problem: Option<String>) -> Response {
    let lang = ctx.lang;
    let body = html! {
        p { a href="/customers" { "← " (lang.t(Msg::NavCustomers)) } }
        h1 { (lang.t(Msg::ImportTitle)) }
        p.lead { (lang.t(Msg::ImportLead)) }
        @if let Some(problem) = &problem { (notice("error", problem)) }
        form.panel method="post" action="/customers/import" enctype="multipart/form-data" {
            (csrf_field(ctx))
            div.field {
                label for="f-file" { (lang.t(Msg::ImportFile)) }
                input id="f-file" type="file" name="file" required accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
            }
            p.field-hint { (lang.t(Msg::ImportColumns)) }
            p.field-hint { code { "name, phone, kind, gender, phone2, email, address, source, level, birthday, notes, plates, vin, make, model, color, mileage" } }
            div.actions { button type="submit" { (lang.t(Msg::ImportCheck)) } }
        }
    };
    unprocessable_if(problem.is_some(), html_response(layout::page(ctx, lang.t(Msg::ImportTitle), body)))
}

pub(super) fn preview_page(ctx: &Ctx, verdicts: &[Verdict], ready: usize, token: &str) -> Response {
    let lang = ctx.lang;
    let count = |k: VerdictKind| verdicts.iter().filter(|v| v.kind == k).count();
    let (new, dup, err) = (count(VerdictKind::New), count(VerdictKind::Duplicate), count(VerdictKind::Error));
    let body = html! {
        p { a href="/customers/import" { "← " (lang.t(Msg::ImportTitle)) } }
        h1 { (lang.t(Msg::ImportPreview)) }
        div.cards.summary {
            div.card { h3 { (new) } p { (lang.t(Msg::ImportNew)) } }
            div.card { h3 { (dup) } p { (lang.t(Msg::ImportDuplicate)) } }
            div.card { h3 { (err) } p { (lang.t(Msg::ImportError)) } }
        }
        div.table-wrap { table {
            thead { tr {
                th { (lang.t(Msg::ImportLine)) } th { (lang.t(Msg::Name)) } th { (lang.t(Msg::Phone)) }
                th { (lang.t(Msg::Plates)) } th { (lang.t(Msg::Status)) }
            } }
            tbody { @for v in verdicts { (verdict_row(lang, v)) } }
        } }
        @if ready > 0 {
            form.panel method="post" action="/customers/import/confirm" {
                (csrf_field(ctx))
                input type="hidden" name="token" value=(token);
                p { (lang.fmt(Msg::ImportConfirmLead, &[&ready])) }
                div.actions { button type="submit" { (lang.fmt(Msg::ImportConfirm, &[&ready])) } }
            }
        } @else {
            (notice("info", lang.t(Msg::ImportNothingToDo)))
        }
    };
    html_response(layout::page(ctx, lang.t(Msg::ImportPreview), body))
}

fn verdict_row(lang: Lang, v: &Verdict) -> Markup {
    let (class, label) = match v.kind {
        VerdictKind::New => ("badge ok", Msg::ImportNew),
        VerdictKind::Duplicate => ("badge warn", Msg::ImportDuplicate),
        VerdictKind::Error => ("badge bad", Msg::ImportError),
    };
    html! {
        tr {
            td { (v.line) }
            td { (v.name) }
            td.nowrap { (v.phone) }
            td { (v.plates) }
            td {
                span class=(class) { (lang.t(label)) }
                @for reason in &v.reasons { div.field-msg { (reason) } }
                @if let Some(href) = &v.link { a href=(href) { (lang.t(Msg::OpenIt)) } }
            }
        }
    }
}
