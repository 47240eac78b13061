//! The catalog import's pages: the upload form and the preview of what the upload would do.

use maud::{Markup, html};
use warp::reply::Response;

use super::rows::{COLUMNS, RowKind, RowVerdict};
use crate::i18n::{Lang, Msg};
use crate::web::ctx::Ctx;
use crate::web::error::unprocessable_if;
use crate::web::html_response;
use crate::web::layout::{self, csrf_field, notice};

/// Most rows the preview lists (unchanged rows are only counted).
const LISTED: usize = 500;

pub(super) fn upload_page(ctx: &Ctx, problem: Option<String>) -> Response {
    let lang = ctx.lang;
    let codes: Vec<&str> = COLUMNS.iter().map(|(code, _)| *code).collect();
    let body = html! {
        p { a href="/parts" { "← " (lang.t(Msg::PartsTitle)) } }
        div.page-head {
            h1 { (lang.t(Msg::PartsImportTitle)) }
            div.actions {
                a.button.secondary href="/parts/export.xlsx" { (lang.t(Msg::ExportXlsx)) }
                a.button.secondary href="/parts/export.csv" { (lang.t(Msg::ExportCsv)) }
            }
        }
        p.lead { (lang.t(Msg::PartsImportLead)) }
        @if let Some(problem) = &problem { (notice("error", problem)) }
        form.panel method="post" action="/parts/import" enctype="multipart/form-data" {
            (csrf_field(ctx))
            div.field {
                label for="f-file" { (lang.t(Msg::ImportFile)) }
                input id="f-file" type="file" name="file" required accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
            }
            p.field-hint { (lang.t(Msg::PartsImportColumns)) }
            p.field-hint { code { (codes.join(", ")) } }
            div.actions { button type="submit" { (lang.t(Msg::ImportCheck)) } }
        }
    };
    let title = lang.t(Msg::PartsImportTitle);
    unprocessable_if(problem.is_some(), html_response(layout::page(ctx, title, body)))
}

pub(super) fn preview_page(ctx: &Ctx, verdicts: &[RowVerdict], token: &str) -> Response {
    let lang = ctx.lang;
    let count = |k: RowKind| verdicts.iter().filter(|v| v.kind == k).count();
    let (new, changed) = (count(RowKind::New), count(RowKind::Changed));
    let (unchanged, invalid) = (count(RowKind::Unchanged), count(RowKind::Invalid));
    // Refused rows first: they are what someone has to fix.
    let mut listed: Vec<&RowVerdict> = verdicts.iter().filter(|v| v.kind == RowKind::Invalid).collect();
    listed.extend(verdicts.iter().filter(|v| matches!(v.kind, RowKind::New | RowKind::Changed)));
    let more = listed.len().saturating_sub(LISTED);
    listed.truncate(LISTED);
    let body = html! {
        p { a href="/parts/import" { "← " (lang.t(Msg::PartsImportTitle)) } }
        h1 { (lang.t(Msg::ImportPreview)) }
        div.cards.summary {
            div.card data-count="new" { h3 { (new) } p { (lang.t(Msg::ImportNew)) } }
            div.card data-count="changed" { h3 { (changed) } p { (lang.t(Msg::ImportChanged)) } }
            div.card data-count="unchanged" { h3 { (unchanged) } p { (lang.t(Msg::ImportUnchanged)) } }
            div.card data-count="invalid" { h3 { (invalid) } p { (lang.t(Msg::ImportError)) } }
        }
        @if new + changed > 0 {
            form.panel method="post" action="/parts/import/confirm" {
                (csrf_field(ctx))
                input type="hidden" name="token" value=(token);
                p { (lang.fmt(Msg::PartsImportConfirmLead, &[&new, &changed])) }
                div.actions { button type="submit" { (lang.fmt(Msg::PartsImportConfirm, &[&new, &changed])) } }
            }
        } @else {
            (notice("info", lang.t(Msg::PartsImportNothingToDo)))
        }
        @if !listed.is_empty() {
            div.table-wrap { table.rows.stack {
                thead { tr {
                    th { (lang.t(Msg::ImportLine)) } th { (lang.t(Msg::PartNumber)) }
                    th { (lang.t(Msg::PartName)) } th { (lang.t(Msg::Status)) }
                } }
                tbody { @for v in listed { (verdict_row(lang, v)) } }
            } }
        }
        @if more > 0 { p.muted { (lang.fmt(Msg::PartsImportMore, &[&more])) } }
    };
    html_response(layout::page(ctx, lang.t(Msg::ImportPreview), body))
}

fn verdict_row(lang: Lang, v: &RowVerdict) -> Markup {
    let (class, label, code) = match v.kind {
        RowKind::New => ("badge ok", Msg::ImportNew, "new"),
        RowKind::Changed => ("badge warn", Msg::ImportChanged, "changed"),
        RowKind::Unchanged => ("badge", Msg::ImportUnchanged, "unchanged"),
        RowKind::Invalid => ("badge bad", Msg::ImportError, "invalid"),
    };
    html! {
        tr data-row=(v.line) data-kind=(code) {
            td.nowrap { (lang.fmt(Msg::ImportRowNo, &[&v.line])) }
            td.nowrap {
                @if let Some(id) = v.part { a href={ "/parts/" (id) } { (v.number) } } @else { (v.number) }
            }
            td { (v.name) }
            td {
                span class=(class) { (lang.t(label)) }
                @for note in &v.notes {
                    @if v.kind == RowKind::Invalid { div.field-msg { (note) } } @else { div.field-hint { (note) } }
                }
            }
        }
    }
}
