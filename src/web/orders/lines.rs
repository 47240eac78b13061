//! The order's lines: adding one (POST /orders/{id}/lines) or a template's
//! (POST /orders/{id}/templates), editing one (GET /orders/{id}/lines/{no}/edit,
//! POST /orders/{id}/lines/{no}) and removing one (POST /orders/{id}/lines/{no}/remove).

use std::sync::Arc;

use maud::{Markup, html};
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::hyper::body::Bytes;
use warp::reply::Response;

use super::page::{Forms, OrderView, decision_badge, load, order_page};
use super::{Change, begin, body, choices_of, ctx, desk, done, ids_with_role, name_of};
use crate::domain::part::{PartId, PartNumber};
use crate::domain::work_order::{LineDetails, LineInput};
use crate::domain::{Area, FieldErrors, Line, LineKind, OrderId, Role, Roles, User};
use crate::i18n::Msg;
use crate::store::{orders, parts};
use crate::web::ctx::Ctx;
use crate::web::error::{AppError, AppResult};
use crate::web::form::Form;
use crate::web::layout::{self, Field, csrf_field, notice, select};
use crate::web::show::{LocalTime, Money};
use crate::web::{AppState, html_response};

pub(super) fn routes(state: &Arc<AppState>) -> BoxedFilter<(Response,)> {
    let add = warp::path!("orders" / u64 / "lines").and(warp::post()).and(ctx(state)).and(body()).then(
        handler!(state, ctx, |id: u64, ctx: Ctx, body: Bytes| add_line(&state, &ctx, OrderId(id), &body)),
    );
    let template =
        warp::path!("orders" / u64 / "templates").and(warp::post()).and(ctx(state)).and(body()).then(
            handler!(state, ctx, |id: u64, ctx: Ctx, body: Bytes| add_template(
                &state,
                &ctx,
                OrderId(id),
                &body
            )),
        );
    let edit = warp::path!("orders" / u64 / "lines" / u32 / "edit").and(warp::get()).and(ctx(state)).then(
        handler!(state, ctx, |id: u64, no: u32, ctx: Ctx| edit_line_page(&state, &ctx, OrderId(id), no)),
    );
    let update =
        warp::path!("orders" / u64 / "lines" / u32).and(warp::post()).and(ctx(state)).and(body()).then(
            handler!(state, ctx, |id: u64, no: u32, ctx: Ctx, body: Bytes| update_line(
                &state,
                &ctx,
                OrderId(id),
                no,
                &body
            )),
        );
    let remove = warp::path!("orders" / u64 / "lines" / u32 / "remove")
        .and(warp::post())
        .and(ctx(state))
        .and(body())
        .then(handler!(state, ctx, |id: u64, no: u32, ctx: Ctx, body: Bytes| remove_line(
            &state,
            &ctx,
            OrderId(id),
            no,
            &body
        )));
    add.or(template).unify().or(edit).unify().or(update).unify().or(remove).unify().boxed()
}

/// POST /orders/{id}/lines: one line typed at the desk.
async fn add_line(state: &AppState, ctx: &Ctx, id: OrderId, body: &[u8]) -> AppResult<Response> {
    let Change { user, form, view } = begin(state, ctx, id, body, desk).await?;
    let input = line_input(&form);
    let technicians = ids_with_role(&view.users, Role::Technician);
    let checked = checked_line(state, ctx, user.user.roles, input, form.get("part_q"), &technicians).await?;
    let details = match checked {
        Ok(d) => d,
        Err((input, e)) => {
            return Ok(order_page(ctx, &view, None, &Forms { line: Some((input, e)), ..Default::default() }));
        }
    };
    let actor = user.actor();
    state
        .store
        .write_touching(move |tx, t| orders::add_lines_tx(tx, t, &actor, id, vec![details.clone()], ""))
        .await?;
    done(state, ctx, id, "lines").await
}

/// POST /orders/{id}/templates: the lines of a service template.
async fn add_template(state: &AppState, ctx: &Ctx, id: OrderId, body: &[u8]) -> AppResult<Response> {
    let Change { user, form, view } = begin(state, ctx, id, body, desk).await?;
    let template_id: u64 = form.get("template_id").parse().map_err(|_| AppError::BadRequest)?;
    let template = view.templates.iter().find(|t| t.id == template_id).ok_or(AppError::NotFound)?;
    let lines = template.details.line_details(ctx.settings.labour_rate);
    let what = format!(" [{}]", template.details.name);
    let actor = user.actor();
    state
        .store
        .write_touching(move |tx, t| orders::add_lines_tx(tx, t, &actor, id, lines.clone(), &what))
        .await?;
    done(state, ctx, id, "lines").await
}

/// POST /orders/{id}/lines/{no}: the line as edited.
async fn update_line(state: &AppState, ctx: &Ctx, id: OrderId, no: u32, body: &[u8]) -> AppResult<Response> {
    let Change { user, form, view } = begin(state, ctx, id, body, desk).await?;
    let line = view.order.line(no).ok_or(AppError::NotFound)?;
    let input = line_input(&form);
    let technicians = ids_with_role(&view.users, Role::Technician);
    let checked = checked_line(state, ctx, user.user.roles, input, form.get("part_q"), &technicians).await?;
    let details = match checked {
        Ok(d) => d,
        Err((input, e)) => return Ok(line_page(ctx, &view, line, &input, &e)),
    };
    let actor = user.actor();
    state
        .store
        .write_touching(move |tx, t| orders::update_line_tx(tx, t, &actor, id, no, details.clone()))
        .await?;
    done(state, ctx, id, "line").await
}

/// POST /orders/{id}/lines/{no}/remove.
async fn remove_line(state: &AppState, ctx: &Ctx, id: OrderId, no: u32, body: &[u8]) -> AppResult<Response> {
    let Change { user, .. } = begin(state, ctx, id, body, desk).await?;
    let actor = user.actor();
    state.store.write_touching(move |tx, t| orders::remove_line_tx(tx, t, &actor, id, no)).await?;
    done(state, ctx, id, "removed").await
}

/// The fields of a line (adding and editing).
fn line_fields(ctx: &Ctx, users: &[User], input: &LineInput, errors: &FieldErrors) -> Markup {
    let lang = ctx.lang;
    let techs = choices_of(users, Role::Technician, "—");
    let tech_choices: Vec<(&str, &str)> = techs.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let kind = if input.kind.is_empty() { "labor" } else { input.kind.as_str() };
    html! {
        div.segmented role="radiogroup" aria-label=(lang.t(Msg::LineKindLabel)) {
            @for k in LineKind::ALL {
                label { input type="radio" name="kind" value=(k.code()) checked[kind == k.code()]; span { (lang.t(k.label())) } }
            }
        }
        @if let Some(p) = errors.get("kind") { p.field-msg id="f-kind-msg" { (p.text(lang)) } }
        div.form-grid.line-grid data-kind=(kind) {
            div.only-part.part-picker {
                label for="f-part_q" { (lang.t(Msg::PickPart)) }
                input id="f-part_q" type="search" name="part_q" autocomplete="off" placeholder=(lang.t(Msg::PartSearchHint))
                    hx-get="/parts/options" hx-trigger="input changed delay:250ms, search" hx-target="next .part-options";
                div.part-options {}
                input type="hidden" id="f-part_id" name="part_id" value=(input.part_id);
                @if let Some(p) = errors.get("part_id") { p.field-msg { (p.text(lang)) } }
            }
            (Field::text("description", lang.t(Msg::Description), &input.description).required().render(lang, errors))
            div.only-labor { (Field::text("hours", lang.t(Msg::Hours), &input.hours).kind("text").render(lang, errors)) }
            div.only-goods { (Field::text("qty", lang.t(Msg::Qty), &input.qty).kind("text").render(lang, errors)) }
            (Field::text("unit_price", lang.t(Msg::UnitPrice), &input.unit_price)
                .hint(lang.fmt(Msg::UnitPriceHelp, &[&Money(ctx.settings.labour_rate)])).render(lang, errors))
            div.only-labor { (select("technician_id", lang.t(Msg::Technician), &input.technician_id, &tech_choices, errors, lang)) }
        }
    }
}

pub(super) fn add_lines(ctx: &Ctx, view: &OrderView, forms: &Forms) -> Markup {
    let lang = ctx.lang;
    let o = &view.order;
    let blank = (LineInput::default(), FieldErrors::new());
    let (input, errors) = forms.line.as_ref().unwrap_or(&blank);
    let (line_action, template_action) =
        (format!("/orders/{}/lines", o.id), format!("/orders/{}/templates", o.id));
    html! {
        section.panel id="add-line" {
            h2 { (lang.t(Msg::AddLine)) }
            @if !view.templates.is_empty() {
                div.templates {
                    span.label { (lang.t(Msg::AddTemplate)) }
                    @for t in &view.templates {
                        form method="post" action=(template_action) hx-post=(template_action) hx-target="#order-page" hx-swap="outerHTML" data-swap-invalid {
                            (csrf_field(ctx))
                            input type="hidden" name="template_id" value=(t.id);
                            button.secondary.big type="submit" { "+ " (t.details.name) }
                        }
                    }
                }
            }
            form method="post" action=(line_action) hx-post=(line_action) hx-target="#order-page" hx-swap="outerHTML" data-swap-invalid novalidate {
                (csrf_field(ctx))
                (line_fields(ctx, &view.users, input, errors))
                div.actions { button type="submit" { (lang.t(Msg::AddLine)) } }
            }
        }
    }
}

/// The line form checked, with a catalog part's name and price filled in first; refused with
/// what was typed.
async fn checked_line(
    state: &AppState,
    ctx: &Ctx,
    roles: Roles,
    input: LineInput,
    typed_number: &str,
    technicians: &[crate::domain::UserId],
) -> AppResult<Result<LineDetails, (LineInput, FieldErrors)>> {
    Ok(match from_catalog(state, roles, input, typed_number).await? {
        Ok(input) => {
            LineDetails::check(&input, ctx.settings.labour_rate, technicians).map_err(|e| (input, e))
        }
        Err(refused) => Err(refused),
    })
}

/// A part line picked from the catalog: the part (by its id, or by the number typed in the
/// picker) fills in what was left empty, the description and the sale price. Only a manager
/// may sell a catalog part at another price than the catalog's.
async fn from_catalog(
    state: &AppState,
    roles: Roles,
    mut input: LineInput,
    typed_number: &str,
) -> AppResult<Result<LineInput, (LineInput, FieldErrors)>> {
    if input.kind != LineKind::Part.code() {
        return Ok(Ok(input));
    }
    let (by_id, number) = (input.part_id.trim().parse::<u64>().ok(), typed_number.trim().to_string());
    if by_id.is_none() && number.is_empty() {
        // A one-off part line, typed by hand.
        return Ok(Ok(input));
    }
    let part = state
        .store
        .read(move |tx| {
            let id = match by_id {
                Some(id) => Some(PartId(id)),
                None => match PartNumber::parse(&number) {
                    Ok(n) => parts::by_number(tx, &n.key())?,
                    Err(_) => None,
                },
            };
            Ok(match id {
                Some(id) => parts::get(tx, id)?,
                None => None,
            })
        })
        .await?;
    let Some(part) = part.filter(|p| p.details.active) else {
        return Ok(Err((input, FieldErrors::one("part_id", Msg::PartUnknown))));
    };
    let d = &part.details;
    input.part_id = part.id.to_string();
    if input.description.trim().is_empty() {
        input.description =
            format!("{} {} {}", d.brand, d.name, d.spec).split_whitespace().collect::<Vec<_>>().join(" ");
    }
    if input.unit_price.trim().is_empty() {
        input.unit_price = d.price.normalize().to_string();
    }
    let typed_price = input.unit_price.trim().parse::<rust_decimal::Decimal>().ok();
    let manager = roles.has(Role::Manager) || roles.has(Role::Admin);
    if typed_price.is_some_and(|p| p != d.price) && !manager {
        return Ok(Err((input, FieldErrors::one("unit_price", Msg::PartPriceLocked))));
    }
    Ok(Ok(input))
}

fn line_input(form: &Form) -> LineInput {
    LineInput {
        kind: form.owned("kind"),
        description: form.owned("description"),
        part_id: form.owned("part_id"),
        qty: form.owned("qty"),
        hours: form.owned("hours"),
        unit_price: form.owned("unit_price"),
        technician_id: form.owned("technician_id"),
    }
}

async fn edit_line_page(state: &AppState, ctx: &Ctx, id: OrderId, no: u32) -> AppResult<Response> {
    ctx.require(Area::Orders)?;
    let view = load(state, id).await?;
    let line = view.order.line(no).ok_or(AppError::NotFound)?;
    Ok(line_page(ctx, &view, line, &line.details.to_input(), &FieldErrors::new()))
}

fn line_page(ctx: &Ctx, view: &OrderView, line: &Line, input: &LineInput, errors: &FieldErrors) -> Response {
    let lang = ctx.lang;
    let o = &view.order;
    let title = format!("{} #{}", o.number, line.no);
    let tz = ctx.settings.tz();
    let history: Vec<String> = line
        .assignments
        .iter()
        .map(|a| {
            let who = match a.technician {
                Some(_) => name_of(&view.users, a.technician),
                None => lang.t(Msg::Unassigned).to_string(),
            };
            format!("{} · {who} ({})", LocalTime::new(a.at, tz), name_of(&view.users, a.by))
        })
        .collect();
    let body = html! {
        p { a href={ "/orders/" (o.id) } { "← " (lang.fmt(Msg::OrderTitle, &[&o.number])) } }
        h1 { (title) " " (decision_badge(lang, line.decision)) }
        @if !errors.is_empty() { (notice("error", lang.t(Msg::FormHasErrors))) }
        form.panel method="post" action={ "/orders/" (o.id) "/lines/" (line.no) } novalidate {
            (csrf_field(ctx))
            (line_fields(ctx, &view.users, input, errors))
            div.actions {
                button type="submit" { (lang.t(Msg::SaveLine)) }
                a.button.secondary href={ "/orders/" (o.id) } { (lang.t(Msg::Cancel)) }
            }
        }
        @if !history.is_empty() {
            section.panel {
                h2 { (lang.t(Msg::Technician)) }
                ul.timeline { @for h in &history { li { (h) } } }
            }
        }
        form.panel method="post" action={ "/orders/" (o.id) "/lines/" (line.no) "/remove" } {
            (csrf_field(ctx))
            button.danger type="submit" { (lang.t(Msg::RemoveLine)) }
        }
    };
    let mut response = html_response(layout::page(ctx, &title, body));
    if !errors.is_empty() {
        *response.status_mut() = warp::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    response
}
