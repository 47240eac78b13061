//! The checklists (检测模板): managers keep them; items grouped by area, each a colour only, a
//! measurement with its unit, or a yes/no, with an optional hint. Editing one changes no
//! inspection already started (each copied its items).

use std::sync::Arc;

use maud::html;
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::hyper::body::Bytes;
use warp::reply::Response;

use crate::domain::inspection::{
    BLANK_ROWS, InspectionTemplate, ItemKind, ItemRowInput, MAX_ITEMS, blank_rows, check_template,
};
use crate::domain::{Area, FieldErrors};
use crate::i18n::Msg;
use crate::store::{StoreError, inspections};
use crate::web::ctx::Ctx;
use crate::web::error::{AppError, AppResult, redirect_to, unprocessable_if};
use crate::web::form::Form;
use crate::web::layout::{self, Field, csrf_field, notice};
use crate::web::{AppState, BODY_LIMIT, html_response};

pub(super) fn routes(state: &Arc<AppState>) -> BoxedFilter<(Response,)> {
    let ctx = || crate::web::ctx::ctx(state.clone());
    let body = || warp::body::content_length_limit(BODY_LIMIT).and(warp::body::bytes());
    let list = warp::path!("inspections" / "templates").and(warp::get()).and(ctx()).then(handler!(
        state,
        ctx,
        |ctx: Ctx| list_page(&state, &ctx)
    ));
    let new = warp::path!("inspections" / "templates" / "new").and(warp::get()).and(ctx()).then(
        |ctx: Ctx| async move {
            let page = ctx
                .require(Area::Templates)
                .map(|_| form_page(&ctx, None, "", &blank_rows(BLANK_ROWS * 2), true, &FieldErrors::new()));
            crate::web::run(&ctx, page)
        },
    );
    let create = warp::path!("inspections" / "templates")
        .and(warp::post())
        .and(ctx())
        .and(body())
        .then(handler!(state, ctx, |ctx: Ctx, body: Bytes| save(&state, &ctx, None, &body)));
    let edit = warp::path!("inspections" / "templates" / u64).and(warp::get()).and(ctx()).then(handler!(
        state,
        ctx,
        |id: u64, ctx: Ctx| edit_page(&state, &ctx, id)
    ));
    let update = warp::path!("inspections" / "templates" / u64)
        .and(warp::post())
        .and(ctx())
        .and(body())
        .then(handler!(state, ctx, |id: u64, ctx: Ctx, body: Bytes| save(&state, &ctx, Some(id), &body)));
    any_of!(list, new, create, edit, update)
}

async fn list_page(state: &AppState, ctx: &Ctx) -> AppResult<Response> {
    ctx.require(Area::Templates)?;
    let lang = ctx.lang;
    let all = state.store.read(inspections::templates).await?;
    let body = html! {
        div.page-head {
            h1 { (lang.t(Msg::InspTemplatesTitle)) }
            div.actions { a.button href="/inspections/templates/new" { "+ " (lang.t(Msg::InspNewTemplate)) } }
        }
        p.muted { (lang.t(Msg::InspTemplatesLead)) }
        @if all.is_empty() {
            div.empty { p { (lang.t(Msg::InspNoTemplates)) } }
        } @else {
            div.table-wrap {
                table.rows {
                    thead { tr { th { (lang.t(Msg::TemplateName)) } th { (lang.t(Msg::InspAreas)) } th.num { (lang.t(Msg::InspItems)) } th { (lang.t(Msg::Status)) } } }
                    tbody {
                        @for t in &all {
                            tr data-inspection-template=(t.id) {
                                td { a href={ "/inspections/templates/" (t.id) } { (t.name) } }
                                td { @for a in areas(t) { span.chip { (a) } " " } }
                                td.num { (t.items.len()) }
                                td { @if t.active { span.badge.ok { (lang.t(Msg::TemplateActive)) } } @else { span.badge { (lang.t(Msg::Inactive)) } } }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(html_response(layout::page(ctx, lang.t(Msg::InspTemplatesTitle), body)))
}

fn areas(t: &InspectionTemplate) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for i in &t.items {
        if !out.contains(&i.area.as_str()) {
            out.push(&i.area);
        }
    }
    out
}

async fn edit_page(state: &AppState, ctx: &Ctx, id: u64) -> AppResult<Response> {
    ctx.require(Area::Templates)?;
    let t = state.store.read(move |tx| inspections::template(tx, id)).await?.ok_or(AppError::NotFound)?;
    Ok(form_page(ctx, Some(&t), &t.name, &t.to_rows(), t.active, &FieldErrors::new()))
}

fn form_page(
    ctx: &Ctx,
    existing: Option<&InspectionTemplate>,
    name: &str,
    rows: &[ItemRowInput],
    active: bool,
    errors: &FieldErrors,
) -> Response {
    let lang = ctx.lang;
    let title = if existing.is_some() { lang.t(Msg::InspEditTemplate) } else { lang.t(Msg::InspNewTemplate) };
    let action = existing
        .map(|t| format!("/inspections/templates/{}", t.id))
        .unwrap_or("/inspections/templates".into());
    let body = html! {
        p { a href="/inspections/templates" { "← " (lang.t(Msg::InspTemplatesTitle)) } }
        h1 { (title) }
        @if !errors.is_empty() { (notice("error", lang.t(Msg::FormHasErrors))) }
        form.panel method="post" action=(action) novalidate {
            (csrf_field(ctx))
            @if let Some(t) = existing { input type="hidden" name="version" value=(t.version); }
            input type="hidden" name="rows" value=(rows.len());
            (Field::text("name", lang.t(Msg::TemplateName), name).required().render(lang, errors))
            fieldset {
                legend { (lang.t(Msg::InspItems)) }
                p.field-hint { (lang.t(Msg::InspItemsHelp)) }
                @if let Some(p) = errors.get("items") { p.field-msg role="alert" id="f-items-msg" { (p.text(lang)) } }
                div.table-wrap {
                    table.rows.template-rows {
                        thead { tr { th { "#" } th { (lang.t(Msg::InspArea)) } th { (lang.t(Msg::InspItemLabel)) } th { (lang.t(Msg::InspKind)) } th { (lang.t(Msg::InspUnit)) } th { (lang.t(Msg::InspHint)) } } }
                        tbody {
                            @for (i, row) in rows.iter().enumerate() {
                                tr {
                                    td.muted { (i + 1) }
                                    td { input type="text" name={ "area_" (i) } value=(row.area) size="8" aria-label=(lang.t(Msg::InspArea)); }
                                    td { input type="text" name={ "label_" (i) } value=(row.label) aria-label=(lang.t(Msg::InspItemLabel)); }
                                    td { select name={ "kind_" (i) } aria-label=(lang.t(Msg::InspKind)) {
                                        @for k in ItemKind::ALL { option value=(k.code()) selected[row.kind == k.code()] { (lang.t(k.label())) } }
                                    } }
                                    td { input type="text" name={ "unit_" (i) } value=(row.unit) size="4" aria-label=(lang.t(Msg::InspUnit)); }
                                    td { input type="text" name={ "hint_" (i) } value=(row.hint) aria-label=(lang.t(Msg::InspHint)); }
                                }
                            }
                        }
                    }
                }
            }
            label.check { input type="checkbox" name="active" value="1" checked[active]; (lang.t(Msg::TemplateActive)) }
            div.actions { button type="submit" { (lang.t(Msg::Save)) } a.button.secondary href="/inspections/templates" { (lang.t(Msg::Cancel)) } }
        }
    };
    unprocessable_if(!errors.is_empty(), html_response(layout::page(ctx, title, body)))
}

fn rows_of(form: &Form) -> Vec<ItemRowInput> {
    let n: usize = form.get("rows").parse().unwrap_or(0).min(MAX_ITEMS + BLANK_ROWS * 2);
    (0..n)
        .map(|i| ItemRowInput {
            area: form.owned(&format!("area_{i}")),
            label: form.owned(&format!("label_{i}")),
            kind: form.owned(&format!("kind_{i}")),
            unit: form.owned(&format!("unit_{i}")),
            hint: form.owned(&format!("hint_{i}")),
        })
        .collect()
}

async fn save(state: &AppState, ctx: &Ctx, id: Option<u64>, body: &[u8]) -> AppResult<Response> {
    let user = ctx.require(Area::Templates)?;
    let form = ctx.form(body)?;
    let name = form.owned("name");
    let mut rows = rows_of(&form);
    let active = id.is_none() || form.get("active") == "1";
    let existing = match id {
        Some(id) => {
            Some(state.store.read(move |tx| inspections::template(tx, id)).await?.ok_or(AppError::NotFound)?)
        }
        None => None,
    };
    let (name_ok, items) = match check_template(&name, &rows) {
        Ok(v) => v,
        Err(errors) => {
            rows.extend(blank_rows(2));
            return Ok(form_page(ctx, existing.as_ref(), &name, &rows, active, &errors));
        }
    };
    let actor = user.actor();
    let result = match id {
        None => {
            state
                .store
                .write(move |tx| inspections::create_template_tx(tx, &actor, name_ok.clone(), items.clone()))
                .await
        }
        Some(id) => {
            let version: u64 = form.get("version").parse().map_err(|_| AppError::BadRequest)?;
            state
                .store
                .write(move |tx| {
                    inspections::update_template_tx(
                        tx,
                        &actor,
                        id,
                        version,
                        name_ok.clone(),
                        items.clone(),
                        active,
                    )
                })
                .await
        }
    };
    match result {
        Ok(_) => Ok(redirect_to("/inspections/templates", ctx.htmx)),
        Err(StoreError::Stale) => Ok(form_page(
            ctx,
            existing.as_ref(),
            &name,
            &rows,
            active,
            &FieldErrors::one("name", Msg::StaleEdit),
        )),
        Err(e) => Err(e.into()),
    }
}
