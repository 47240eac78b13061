//! The check on the technician's phone (from the order's QR, `/t/{token}`): open the inspection
//! the advisor attached or start one from a checklist, then go item by item: big green / yellow
//! / red buttons that save the item at once (a measurement, a yes/no, a note and a camera photo
//! go with it). Each item is its own form and its own durable write, so a dropped connection
//! loses at most the item being typed. With htmx only the item's card is replaced.

use std::sync::Arc;

use maud::{Markup, html};
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::hyper::body::Bytes;
use warp::reply::Response;

use super::Query;
use crate::domain::inspection::{
    Inspection, InspectionItem, InspectionTemplate, ItemInput, ItemKind, Rating, check_item,
};
use crate::domain::{FieldErrors, Problem, Vehicle, WorkOrder};
use crate::i18n::{Lang, Msg};
use crate::store::inspections::{self, Filler};
use crate::store::{StoreError, vehicles};
use crate::web::ctx::Ctx;
use crate::web::error::{AppError, AppResult, redirect_to};
use crate::web::floor::{Upload, read_upload};
use crate::web::floor::{floor_user, resolve, token_of};
use crate::web::layout::{self, csrf_field, notice};
use crate::web::{AppState, BODY_LIMIT, html_response};

pub(super) fn routes(state: &Arc<AppState>) -> BoxedFilter<(Response,)> {
    let ctx = || crate::web::ctx::ctx(state.clone());
    let query = || warp::query::<Query>().or(warp::any().map(Query::new)).unify();
    let body = || warp::body::content_length_limit(BODY_LIMIT).and(warp::body::bytes());
    let page = warp::path!("t" / String / "inspection")
        .and(warp::get())
        .and(ctx())
        .and(query())
        .then(handler!(state, ctx, |token: String, ctx: Ctx, q: Query| page(&state, &ctx, &token, &q)));
    let start = warp::path!("t" / String / "inspections").and(warp::post()).and(ctx()).and(body()).then(
        handler!(state, ctx, |token: String, ctx: Ctx, body: Bytes| start(&state, &ctx, &token, &body)),
    );
    // A colour tap without a photo may come as a plain form (no file field, no multipart).
    let plain = warp::path!("t" / String / "inspections" / u64 / "items" / usize)
        .and(warp::post())
        .and(warp::header::exact_ignore_case("content-type", "application/x-www-form-urlencoded"))
        .and(ctx())
        .and(body())
        .then(handler!(state, ctx, |token: String, id: u64, n: usize, ctx: Ctx, body: Bytes| {
            save_item_plain(&state, &ctx, &token, id, n, &body)
        }));
    let limit = crate::web::floor::PHOTO_LIMIT * inspections::PHOTOS_PER_ITEM as u64 + BODY_LIMIT;
    let item = warp::path!("t" / String / "inspections" / u64 / "items" / usize)
        .and(warp::post())
        .and(ctx())
        .and(warp::multipart::form().max_length(limit))
        .then(handler!(state, ctx, |token: String,
                                    id: u64,
                                    n: usize,
                                    ctx: Ctx,
                                    form: warp::multipart::FormData| {
            save_item(&state, &ctx, &token, id, n, form)
        }));
    any_of!(page, start, plain, item)
}

/// What the phone page shows.
struct PhoneInspection {
    order: WorkOrder,
    vehicle: Option<Vehicle>,
    all: Vec<Inspection>,
    templates: Vec<InspectionTemplate>,
}

async fn gather(state: &AppState, order: WorkOrder) -> AppResult<PhoneInspection> {
    let (id, vehicle_id) = (order.id, order.vehicle_id);
    let (vehicle, all, templates) = state
        .store
        .read(move |tx| {
            Ok((
                vehicles::get(tx, vehicle_id)?,
                inspections::for_order(tx, id)?,
                inspections::templates(tx)?.into_iter().filter(|t| t.active).collect(),
            ))
        })
        .await?;
    Ok(PhoneInspection { order, vehicle, all, templates })
}

/// GET /t/{token}/inspection[?i=id]: the order's inspection (the latest, or the one asked for),
/// or the checklists to start one from.
async fn page(state: &AppState, ctx: &Ctx, token: &str, q: &Query) -> AppResult<Response> {
    floor_user(ctx)?;
    let order = match resolve(state, ctx, token).await? {
        Ok(order) => order,
        Err(page) => return Ok(page),
    };
    let view = gather(state, order).await?;
    let chosen = q.get("i").and_then(|i| i.parse::<u64>().ok());
    Ok(phone_page(ctx, &view, chosen, None))
}

fn phone_page(
    ctx: &Ctx,
    view: &PhoneInspection,
    chosen: Option<u64>,
    refused: Option<(usize, &ItemInput, &FieldErrors)>,
) -> Response {
    let lang = ctx.lang;
    let o = &view.order;
    let token = token_of(o);
    let user = ctx.user.as_ref().map(|u| (u.user.id, u.user.roles.may(crate::domain::Area::Orders)));
    let (me, desk) = user.unwrap_or((crate::domain::UserId(0), false));
    let current = chosen.and_then(|id| view.all.iter().find(|i| i.id == id)).or(view.all.last());
    let may_start = !o.state.is_closed() && (desk || o.technicians().contains(&me));
    let title = lang.t(Msg::InspTitle);
    let body = html! {
        div.phone.inspection-phone {
            p { a href={ "/t/" (token) "?floor=1" } { "← " (o.number) } }
            section.phone-head {
                @if let Some(v) = &view.vehicle {
                    div.plate-big { (v.details.plate) }
                    h1 { (v.details.title()) }
                }
            }
            @if o.state.is_closed() { (notice("warn", lang.t(Msg::TokenClosedLead))) }
            @if view.all.len() > 1 {
                nav.insp-tabs {
                    @for i in &view.all {
                        a.button.secondary.small[current.map(|c| c.id) != Some(i.id)] href={ "/t/" (token) "/inspection?i=" (i.id) } { (i.name) }
                    }
                }
            }
            @match current {
                Some(insp) => {
                    @let may_fill = !o.state.is_closed() && insp.may_fill(o, me, desk);
                    h2 { (insp.name) }
                    (progress(lang, insp, false))
                    @if !may_fill && !o.state.is_closed() { (notice("warn", lang.t(Msg::InspNotYours))) }
                    @for (n, item) in insp.items.iter().enumerate() {
                        @if n == 0 || insp.items[n - 1].item.area != item.item.area {
                            h3.insp-area { (item.item.area) }
                        }
                        @let typed = refused.filter(|(r, ..)| *r == n);
                        (item_card(ctx, &token, insp, n, item, may_fill, typed.map(|(_, i, e)| (i, e)), false))
                    }
                }
                None => {
                    @if may_start {
                        section.panel {
                            h2 { (lang.t(Msg::InspStartTitle)) }
                            p.muted { (lang.t(Msg::InspStartLead)) }
                            @for t in &view.templates {
                                form method="post" action={ "/t/" (token) "/inspections" } {
                                    (csrf_field(ctx))
                                    input type="hidden" name="template_id" value=(t.id);
                                    button.huge.secondary type="submit" data-start-template=(t.id) { (t.name) " · " (lang.fmt(Msg::InspItemCount, &[&t.items.len()])) }
                                }
                            }
                        }
                    } @else {
                        div.empty { p { (lang.t(Msg::InspNone)) } }
                    }
                }
            }
            @if current.is_some() && may_start {
                details.panel {
                    summary { (lang.t(Msg::InspStartAnother)) }
                    @for t in &view.templates {
                        form method="post" action={ "/t/" (token) "/inspections" } {
                            (csrf_field(ctx))
                            input type="hidden" name="template_id" value=(t.id);
                            button.big.secondary type="submit" { (t.name) }
                        }
                    }
                }
            }
        }
    };
    let mut response = html_response(layout::page(ctx, title, body));
    if refused.is_some() {
        *response.status_mut() = warp::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    response
}

/// How far the inspection is, and its colours so far; replaced with each saved item.
fn progress(lang: Lang, insp: &Inspection, oob: bool) -> Markup {
    let (done, total) = insp.progress();
    let (red, yellow, green) = insp.counts();
    html! {
        div.insp-progress id="insp-progress" data-done=(done) data-total=(total) hx-swap-oob=[oob.then_some("true")] {
            strong { (lang.fmt(Msg::InspProgress, &[&done, &total])) }
            span.dot.red { (red) } span.dot.yellow { (yellow) } span.dot.green { (green) }
            progress max=(total) value=(done) {}
        }
    }
}

/// One item as a card with its own form. `typed` is what was sent when it was refused.
#[allow(clippy::too_many_arguments)]
fn item_card(
    ctx: &Ctx,
    token: &str,
    insp: &Inspection,
    n: usize,
    item: &InspectionItem,
    may_fill: bool,
    typed: Option<(&ItemInput, &FieldErrors)>,
    just_saved: bool,
) -> Markup {
    let lang = ctx.lang;
    let empty = FieldErrors::new();
    let errors = typed.map(|(_, e)| e).unwrap_or(&empty);
    let value = typed
        .map(|(i, _)| i.value.clone())
        .unwrap_or_else(|| item.value.map(|v| v.normalize().to_string()).unwrap_or_default());
    let answer = typed.map(|(i, _)| i.answer.clone()).unwrap_or_else(|| match item.answer {
        Some(true) => "yes".into(),
        Some(false) => "no".into(),
        None => String::new(),
    });
    let note = typed.map(|(i, _)| i.note.clone()).unwrap_or_else(|| item.note.clone());
    let action = format!("/t/{token}/inspections/{}/items/{n}", insp.id);
    let rating = item.rating.map(|r| r.code()).unwrap_or("");
    let id = format!("item-{n}");
    html! {
        form.insp-item id=(id) data-item=(n) data-rating=(rating) data-refused[!errors.is_empty()]
            method="post" action=(action) enctype="multipart/form-data"
            hx-post=(action) hx-encoding="multipart/form-data" hx-target="this" hx-swap="outerHTML" {
            (csrf_field(ctx))
            div.insp-item-head {
                strong { (item.item.label) }
                @if let Some(r) = item.rating { span class={ "badge rating-" (r.code()) } { (lang.t(r.label())) } }
            }
            @if !item.item.hint.is_empty() { p.muted.small { (item.item.hint) } }
            @match item.item.kind {
                ItemKind::Measure => {
                    div.field.invalid[errors.get("value").is_some()] {
                        label for={ "v-" (n) } { (lang.t(Msg::InspValue)) " (" (item.item.unit) ")" }
                        div.insp-measure {
                            input id={ "v-" (n) } type="text" inputmode="decimal" name="value" value=(value) disabled[!may_fill] autocomplete="off";
                            span.unit { (item.item.unit) }
                        }
                        @if let Some(p) = errors.get("value") { p.field-msg role="alert" { (p.text(lang)) } }
                    }
                }
                ItemKind::YesNo => {
                    div.field.invalid[errors.get("answer").is_some()] {
                        div.reasons {
                            label.reason { input type="radio" name="answer" value="yes" checked[answer == "yes"] disabled[!may_fill]; span { (lang.t(Msg::Yes)) } }
                            label.reason { input type="radio" name="answer" value="no" checked[answer == "no"] disabled[!may_fill]; span { (lang.t(Msg::No)) } }
                        }
                        @if let Some(p) = errors.get("answer") { p.field-msg role="alert" { (p.text(lang)) } }
                    }
                }
                ItemKind::Rating => {}
            }
            @if !item.photos.is_empty() {
                div.thumbs {
                    @for p in &item.photos {
                        a href={ "/inspections/" (insp.id) "/photos/" (p) } target="_blank" {
                            img src={ "/inspections/" (insp.id) "/photos/" (p) "?thumb=1" } alt=(lang.t(Msg::Photo)) width="120" height="90" loading="lazy";
                        }
                    }
                }
            }
            @if may_fill {
                details.insp-extra open[!note.is_empty() || errors.get("note").is_some() || errors.get("photo").is_some()] {
                    summary { (lang.t(Msg::InspNoteAndPhoto)) }
                    div.field.invalid[errors.get("note").is_some()] {
                        label for={ "n-" (n) } { (lang.t(Msg::NoteText)) }
                        textarea id={ "n-" (n) } name="note" rows="2" { (note) }
                        @if let Some(p) = errors.get("note") { p.field-msg role="alert" { (p.text(lang)) } }
                    }
                    div.field.invalid[errors.get("photo").is_some()] {
                        label for={ "p-" (n) } { (lang.t(Msg::Photo)) }
                        input id={ "p-" (n) } type="file" name="photo" accept="image/*" capture="environment";
                        @if let Some(p) = errors.get("photo") { p.field-msg role="alert" { (p.text(lang)) } }
                    }
                }
                @if let Some(p) = errors.get("rating") { p.field-msg role="alert" { (p.text(lang)) } }
                div.rate {
                    @for r in [Rating::Green, Rating::Yellow, Rating::Red] {
                        button type="submit" name="rating" value=(r.code()) class={ "rate " (r.code()) } aria-pressed=(item.rating == Some(r)) { (lang.t(r.label())) }
                    }
                }
            } @else if !note.is_empty() {
                p.notes { (note) }
            }
            @if just_saved { p.saved role="status" { "✓ " (lang.t(Msg::Saved)) } }
        }
    }
}

/// POST /t/{token}/inspections: starts an inspection from a checklist (`template_id`). A
/// technician who starts one fills it; the desk's is anybody's on the order.
async fn start(state: &AppState, ctx: &Ctx, token: &str, body: &[u8]) -> AppResult<Response> {
    let user = floor_user(ctx)?;
    let form = ctx.form(body)?;
    let order = match resolve(state, ctx, token).await? {
        Ok(order) => order,
        Err(page) => return Ok(page),
    };
    let desk = user.user.roles.may(crate::domain::Area::Orders);
    if !desk && !order.technicians().contains(&user.user.id) {
        return Err(AppError::Refused(Msg::InspNotYours));
    }
    let template_id: u64 = form.get("template_id").parse().map_err(|_| AppError::BadRequest)?;
    let technician = (!desk).then_some(user.user.id);
    let (actor, id) = (user.actor(), order.id);
    let insp =
        state.store.write(move |tx| inspections::start_tx(tx, &actor, id, template_id, technician)).await?;
    Ok(redirect_to(&format!("/t/{token}/inspection?i={}", insp.id), ctx.htmx))
}

/// POST /t/{token}/inspections/{id}/items/{n}: one item's colour, reading, note and photo.
async fn save_item(
    state: &AppState,
    ctx: &Ctx,
    token: &str,
    id: u64,
    n: usize,
    form: warp::multipart::FormData,
) -> AppResult<Response> {
    floor_user(ctx)?;
    let upload: Upload = read_upload(form, inspections::PHOTOS_PER_ITEM, "note").await;
    save(state, ctx, token, id, n, upload).await
}

/// POST /t/{token}/inspections/{id}/items/{n} as a plain form: the same, without photos.
async fn save_item_plain(
    state: &AppState,
    ctx: &Ctx,
    token: &str,
    id: u64,
    n: usize,
    body: &[u8],
) -> AppResult<Response> {
    floor_user(ctx)?;
    let form = ctx.form(body)?;
    let mut upload = Upload::default();
    for name in ["csrf", "rating", "value", "answer", "note"] {
        upload.fields.insert(name.into(), form.owned(name));
    }
    save(state, ctx, token, id, n, upload).await
}

async fn save(
    state: &AppState,
    ctx: &Ctx,
    token: &str,
    id: u64,
    n: usize,
    upload: Upload,
) -> AppResult<Response> {
    let user = floor_user(ctx)?;
    ctx.check_csrf(upload.get("csrf"))?;
    let order = match resolve(state, ctx, token).await? {
        Ok(order) => order,
        Err(page) => return Ok(page),
    };
    let insp = state.store.read(move |tx| inspections::get(tx, id)).await?.ok_or(AppError::NotFound)?;
    if insp.order_id != order.id {
        return Err(AppError::NotFound);
    }
    let item = insp.items.get(n).ok_or(AppError::NotFound)?.clone();
    let desk = user.user.roles.may(crate::domain::Area::Orders);
    if !insp.may_fill(&order, user.user.id, desk) {
        return Err(AppError::Refused(Msg::InspNotYours));
    }
    let input = ItemInput {
        rating: upload.get("rating").into(),
        value: upload.get("value").into(),
        answer: upload.get("answer").into(),
        note: upload.get("note").into(),
    };
    let refused = Refusal { order: &order, insp: &insp, n, input: &input };
    if let Some((field, msg)) = upload.problem {
        return refused.answer(state, ctx, FieldErrors::one(field, Problem::new(msg))).await;
    }
    let result = match check_item(&item.item, &input) {
        Ok(r) => r,
        Err(errors) => return refused.answer(state, ctx, errors).await,
    };
    let mut photos = Vec::new();
    for bytes in upload.photos {
        match crate::web::photo::scale_photo(state, bytes).await? {
            Ok(p) => photos.push(p),
            Err(msg) => {
                return refused.answer(state, ctx, FieldErrors::one("photo", Problem::new(msg))).await;
            }
        }
    }
    let (actor, filler) = (user.actor(), Filler { user: user.user.id, desk });
    let saved = state
        .store
        .write(move |tx| inspections::save_item_tx(tx, &actor, &filler, id, n, result.clone(), &photos))
        .await;
    let saved = match saved {
        Ok(s) => s,
        Err(StoreError::Invalid(errors)) => return refused.answer(state, ctx, errors).await,
        Err(e) => return Err(e.into()),
    };
    if ctx.htmx {
        let token = token_of(&order);
        let card = item_card(ctx, &token, &saved, n, &saved.items[n], true, None, true);
        let oob = progress(ctx.lang, &saved, true);
        return Ok(html_response(html! { (card) (oob) }));
    }
    Ok(redirect_to(&format!("/t/{token}/inspection?i={id}#item-{}", n + 1), false))
}

/// An item's form that was refused, to be answered with its messages and what was typed.
struct Refusal<'a> {
    order: &'a WorkOrder,
    insp: &'a Inspection,
    n: usize,
    input: &'a ItemInput,
}

impl Refusal<'_> {
    async fn answer(&self, state: &AppState, ctx: &Ctx, errors: FieldErrors) -> AppResult<Response> {
        let n = self.n;
        if ctx.htmx {
            // htmx swaps only answers of 2xx: the card comes back with its messages and what was
            // typed, marked `data-refused`.
            let token = token_of(self.order);
            let item = &self.insp.items[n];
            return Ok(html_response(item_card(
                ctx,
                &token,
                self.insp,
                n,
                item,
                true,
                Some((self.input, &errors)),
                false,
            )));
        }
        let view = gather(state, self.order.clone()).await?;
        Ok(phone_page(ctx, &view, Some(self.insp.id), Some((n, self.input, &errors))))
    }
}
