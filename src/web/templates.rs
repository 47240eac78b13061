//! Service templates (保养套餐): managers keep the common sets of lines that reception adds to an
//! order in one tap.

use std::sync::Arc;

use maud::html;
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::hyper::body::Bytes;
use warp::reply::Response;

use super::ctx::Ctx;
use super::error::{AppError, AppResult, redirect_to, unprocessable_if};
use super::form::Form;
use super::layout::{self, Field, csrf_field, notice};
use super::show::Money;
use super::{AppState, BODY_LIMIT, html_response, run};
use crate::domain::template::{ServiceTemplate, TEMPLATE_ROWS, TemplateDetails, TemplateRowInput};
use crate::domain::{Area, FieldErrors, LineKind};
use crate::i18n::Msg;
use crate::store::{StoreError, templates};

pub fn routes(state: Arc<AppState>) -> BoxedFilter<(Response,)> {
    let ctx = super::ctx::ctx(state.clone());
    let body = warp::body::content_length_limit(BODY_LIMIT).and(warp::body::bytes());

    let s = state.clone();
    let list = warp::path!("templates").and(warp::get()).and(ctx.clone()).then(move |ctx: Ctx| {
        let s = s.clone();
        async move { run(&ctx, list_page(&s, &ctx).await) }
    });
    let new =
        warp::path!("templates" / "new").and(warp::get()).and(ctx.clone()).then(|ctx: Ctx| async move {
            let result = ctx.require(Area::Templates).map(|_| {
                let rows =
                    vec![TemplateRowInput { kind: "part".into(), ..Default::default() }; TEMPLATE_ROWS];
                form_page(&ctx, None, "", &rows, true, &FieldErrors::new())
            });
            run(&ctx, result)
        });
    let s = state.clone();
    let create = warp::path!("templates").and(warp::post()).and(ctx.clone()).and(body).then(
        move |ctx: Ctx, body: Bytes| {
            let s = s.clone();
            async move { run(&ctx, save(&s, &ctx, None, &body).await) }
        },
    );
    let s = state.clone();
    let edit =
        warp::path!("templates" / u64).and(warp::get()).and(ctx.clone()).then(move |id: u64, ctx: Ctx| {
            let s = s.clone();
            async move { run(&ctx, edit_page(&s, &ctx, id).await) }
        });
    let s = state.clone();
    let update = warp::path!("templates" / u64).and(warp::post()).and(ctx).and(body).then(
        move |id: u64, ctx: Ctx, body: Bytes| {
            let s = s.clone();
            async move { run(&ctx, save(&s, &ctx, Some(id), &body).await) }
        },
    );
    list.or(new).unify().or(create).unify().or(edit).unify().or(update).unify().boxed()
}

async fn list_page(state: &AppState, ctx: &Ctx) -> AppResult<Response> {
    ctx.require(Area::Templates)?;
    let lang = ctx.lang;
    let all = state.store.read(templates::list).await?;
    let rate = ctx.settings.labour_rate;
    let body = html! {
        div.page-head {
            h1 { (lang.t(Msg::TemplatesTitle)) }
            div.actions {
                a.button.secondary href="/inspections/templates" { (lang.t(Msg::NavInspections)) }
                a.button href="/templates/new" { "+ " (lang.t(Msg::NewTemplate)) }
            }
        }
        @if all.is_empty() {
            div.empty { p { (lang.t(Msg::NoTemplates)) } }
        } @else {
            div.table-wrap {
                table.rows {
                    thead { tr { th { (lang.t(Msg::TemplateName)) } th { (lang.t(Msg::TemplateLines)) } th.num { (lang.t(Msg::Estimate)) } th { (lang.t(Msg::Status)) } } }
                    tbody {
                        @for t in &all {
                            @let total: rust_decimal::Decimal = t.details.line_details(rate).iter().map(|l| l.total()).sum();
                            tr {
                                td { a href={ "/templates/" (t.id) } { (t.details.name) } }
                                td { @for l in &t.details.lines { span.chip { (l.description) } " " } }
                                td.num { (Money(total)) }
                                td { @if t.active { span.badge.ok { (lang.t(Msg::TemplateActive)) } } @else { span.badge { (lang.t(Msg::Inactive)) } } }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(html_response(layout::page(ctx, lang.t(Msg::TemplatesTitle), body)))
}

async fn edit_page(state: &AppState, ctx: &Ctx, id: u64) -> AppResult<Response> {
    ctx.require(Area::Templates)?;
    let t = state.store.read(move |tx| templates::get(tx, id)).await?.ok_or(AppError::NotFound)?;
    Ok(form_page(ctx, Some(&t), &t.details.name, &t.details.to_rows(), t.active, &FieldErrors::new()))
}

fn form_page(
    ctx: &Ctx,
    existing: Option<&ServiceTemplate>,
    name: &str,
    rows: &[TemplateRowInput],
    active: bool,
    errors: &FieldErrors,
) -> Response {
    let lang = ctx.lang;
    let title = if existing.is_some() { lang.t(Msg::EditTemplate) } else { lang.t(Msg::NewTemplate) };
    let action = existing.map(|t| format!("/templates/{}", t.id)).unwrap_or("/templates".into());
    let body = html! {
        p { a href="/templates" { "← " (lang.t(Msg::TemplatesTitle)) } }
        h1 { (title) }
        @if !errors.is_empty() { (notice("error", lang.t(Msg::FormHasErrors))) }
        form.panel method="post" action=(action) novalidate {
            (csrf_field(ctx))
            @if let Some(t) = existing { input type="hidden" name="version" value=(t.version); }
            (Field::text("name", lang.t(Msg::TemplateName), name).required().render(lang, errors))
            fieldset {
                legend { (lang.t(Msg::TemplateLines)) }
                p.field-hint { (lang.t(Msg::TemplateLinesHelp)) }
                @if let Some(p) = errors.get("lines") { p.field-msg role="alert" { (p.text(lang)) } }
                div.table-wrap {
                    table.rows.template-rows {
                        thead { tr { th { (lang.t(Msg::LineKindLabel)) } th { (lang.t(Msg::Description)) } th { (lang.t(Msg::Qty)) } th { (lang.t(Msg::UnitPrice)) } } }
                        tbody {
                            @for (i, row) in rows.iter().enumerate() {
                                tr {
                                    td { select name={ "kind_" (i) } aria-label=(lang.t(Msg::LineKindLabel)) {
                                        @for k in LineKind::ALL { option value=(k.code()) selected[row.kind == k.code()] { (lang.t(k.label())) } }
                                    } }
                                    td { input type="text" name={ "description_" (i) } value=(row.description) aria-label=(lang.t(Msg::Description)); }
                                    td { input type="text" inputmode="decimal" name={ "qty_" (i) } value=(row.qty) aria-label=(lang.t(Msg::Qty)); }
                                    td { input type="text" inputmode="decimal" name={ "unit_price_" (i) } value=(row.unit_price) aria-label=(lang.t(Msg::UnitPrice)); }
                                }
                            }
                        }
                    }
                }
            }
            label.check { input type="checkbox" name="active" value="1" checked[active]; (lang.t(Msg::TemplateActive)) }
            div.actions { button type="submit" { (lang.t(Msg::Save)) } a.button.secondary href="/templates" { (lang.t(Msg::Cancel)) } }
        }
    };
    unprocessable_if(!errors.is_empty(), html_response(layout::page(ctx, title, body)))
}

fn rows_of(form: &Form) -> Vec<TemplateRowInput> {
    (0..TEMPLATE_ROWS)
        .map(|i| TemplateRowInput {
            kind: form.owned(&format!("kind_{i}")),
            description: form.owned(&format!("description_{i}")),
            qty: form.owned(&format!("qty_{i}")),
            unit_price: form.owned(&format!("unit_price_{i}")),
        })
        .collect()
}

async fn save(state: &AppState, ctx: &Ctx, id: Option<u64>, body: &[u8]) -> AppResult<Response> {
    let user = ctx.require(Area::Templates)?;
    let form = ctx.form(body)?;
    let name = form.owned("name");
    let rows = rows_of(&form);
    let active = id.is_none() || form.get("active") == "1";
    let existing = match id {
        Some(id) => {
            Some(state.store.read(move |tx| templates::get(tx, id)).await?.ok_or(AppError::NotFound)?)
        }
        None => None,
    };
    let details = match TemplateDetails::check(&name, &rows) {
        Ok(d) => d,
        Err(errors) => return Ok(form_page(ctx, existing.as_ref(), &name, &rows, active, &errors)),
    };
    let actor = user.actor();
    let result = match id {
        None => state.store.write(move |tx| templates::create_tx(tx, &actor, details.clone())).await,
        Some(id) => {
            let version: u64 = form.get("version").parse().map_err(|_| AppError::BadRequest)?;
            state
                .store
                .write(move |tx| templates::update_tx(tx, &actor, id, version, details.clone(), active))
                .await
        }
    };
    match result {
        Ok(_) => Ok(redirect_to("/templates", ctx.htmx)),
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
