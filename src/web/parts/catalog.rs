//! The catalog: list and search, a part's page with its stock ledger, create and edit, the
//! printable label whose QR opens the part's page.

use std::sync::Arc;

use maud::{Markup, PreEscaped, html};
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::hyper::body::Bytes;
use warp::reply::Response;

use super::{Query, clerk, may_look_up, qty, qty_unit};
use crate::domain::part::{Part, PartDetails, PartId, PartInput, Supplier, SupplierId, unit_label};
use crate::domain::stock::{Movement, MovementKind};
use crate::domain::{Area, FieldErrors};
use crate::i18n::{Lang, Msg};
use crate::store::parts::index::{PartFilter, PartRow};
use crate::store::parts::{self, stock as ledger};
use crate::store::{StoreError, Touched};
use crate::web::ctx::Ctx;
use crate::web::error::{AppError, AppResult, encode, redirect_to};
use crate::web::form::Form;
use crate::web::layout::{self, Field, csrf_field, notice, select, textarea};
use crate::web::show::{LocalTime, Money};
use crate::web::{AppState, BODY_LIMIT, html_response};

pub const PAGE_SIZE: usize = 30;
const LEDGER_PAGE: usize = 25;

pub fn routes(state: Arc<AppState>) -> BoxedFilter<(Response,)> {
    let ctx = crate::web::ctx::ctx(state.clone());
    let body = warp::body::content_length_limit(BODY_LIMIT).and(warp::body::bytes());
    let query = warp::query::<Query>().or(warp::any().map(Query::new)).unify();

    let list = warp::path!("parts").and(warp::get()).and(ctx.clone()).and(query).then(handler!(
        state,
        ctx,
        |ctx: Ctx, q: Query| list_page(&state, &ctx, &q)
    ));
    let new = warp::path!("parts" / "new").and(warp::get()).and(ctx.clone()).then(handler!(
        state,
        ctx,
        |ctx: Ctx| new_page(&state, &ctx)
    ));
    let create = warp::path!("parts").and(warp::post()).and(ctx.clone()).and(body).then(handler!(
        state,
        ctx,
        |ctx: Ctx, body: Bytes| create(&state, &ctx, &body)
    ));
    let view = warp::path!("parts" / u64).and(warp::get()).and(ctx.clone()).and(query).then(handler!(
        state,
        ctx,
        |id: u64, ctx: Ctx, q: Query| view_page(&state, &ctx, PartId(id), &q)
    ));
    let edit = warp::path!("parts" / u64 / "edit").and(warp::get()).and(ctx.clone()).then(handler!(
        state,
        ctx,
        |id: u64, ctx: Ctx| edit_page(&state, &ctx, PartId(id))
    ));
    let update = warp::path!("parts" / u64).and(warp::post()).and(ctx.clone()).and(body).then(handler!(
        state,
        ctx,
        |id: u64, ctx: Ctx, body: Bytes| update(&state, &ctx, PartId(id), &body)
    ));
    let options = warp::path!("parts" / "options")
        .and(warp::get())
        .and(ctx.clone())
        .and(warp::query::<Query>().or(warp::any().map(Query::new)).unify())
        .then(handler!(state, ctx, |ctx: Ctx, q: Query| options(&state, &ctx, &q)));
    let label = warp::path!("parts" / u64 / "label").and(warp::get()).and(ctx).then(handler!(
        state,
        ctx,
        |id: u64, ctx: Ctx| label_page(&state, &ctx, PartId(id))
    ));
    list.or(new)
        .unify()
        .or(create)
        .unify()
        .or(view)
        .unify()
        .or(edit)
        .unify()
        .or(update)
        .unify()
        .or(label)
        .unify()
        .or(options)
        .unify()
        .boxed()
}

fn filter_of(q: &Query) -> PartFilter {
    PartFilter {
        category: q.get("category").cloned().unwrap_or_default(),
        location: q.get("location").cloned().unwrap_or_default(),
        low_only: q.get("low").is_some_and(|v| v == "1"),
        with_inactive: q.get("inactive").is_some_and(|v| v == "1"),
    }
}

async fn list_page(state: &AppState, ctx: &Ctx, q: &Query) -> AppResult<Response> {
    may_look_up(ctx)?;
    let lang = ctx.lang;
    let text = q.get("q").map(|s| s.trim().to_string()).unwrap_or_default();
    let filter = filter_of(q);
    let page_no: usize = q.get("page").and_then(|p| p.parse().ok()).unwrap_or(0).min(10_000);
    let (rows, total) =
        state.store.parts(|index| index.search(&text, &filter, page_no * PAGE_SIZE, PAGE_SIZE));
    let results = results(lang, q, &rows, total, page_no);
    if ctx.hx_target() == Some("part-results") {
        return Ok(html_response(results));
    }
    // The filters' choices and the low-stock count only for the whole page (live search asks
    // for the results alone).
    let ((cats, locs), low) =
        state.store.parts(|index| (index.categories_and_locations(), index.low_count()));
    let may_edit = ctx.user()?.user.roles.may(Area::Parts);
    let body = html! {
        div.page-head {
            h1 { (lang.t(Msg::PartsTitle)) }
            @if may_edit {
                div.actions {
                    a.button href="/parts/new" { "+ " (lang.t(Msg::NewPart)) }
                    a.button.secondary href="/parts/receipts/new" { (lang.t(Msg::NewReceipt)) }
                    a.button.secondary href="/parts/pick" { (lang.t(Msg::ToPick)) }
                    a.button.secondary href="/parts/stocktakes" { (lang.t(Msg::Stocktakes)) }
                    a.button.secondary href="/parts/low" data-low=(low) { (lang.t(Msg::LowStock)) " " span.badge.warn[low > 0] { (low) } }
                    a.button.secondary href="/parts/valuation" { (lang.t(Msg::Valuation)) }
                    a.button.secondary href="/suppliers" { (lang.t(Msg::Suppliers)) }
                    a.button.secondary href="/parts/import" { (lang.t(Msg::PartsImport)) }
                }
            }
        }
        @if let (Some(created), Some(changed)) = (q.get("imported"), q.get("changed")) {
            @if let (Ok(created), Ok(changed)) = (created.parse::<usize>(), changed.parse::<usize>()) {
                (notice("ok", &lang.fmt(Msg::PartsImported, &[&created, &changed])))
            }
        }
        form.search-form method="get" action="/parts" {
            div.searchbox {
                input type="search" name="q" value=(text) autofocus autocomplete="off"
                    placeholder=(lang.t(Msg::PartSearchHint)) aria-label=(lang.t(Msg::PartSearchHint))
                    hx-get="/parts" hx-trigger="input changed delay:250ms, search" hx-target="#part-results"
                    hx-include="closest form" hx-push-url="true";
                button type="submit" { (lang.t(Msg::Search)) }
            }
            div.part-filters {
                select name="category" aria-label=(lang.t(Msg::PartCategory)) hx-get="/parts" hx-trigger="change" hx-target="#part-results" hx-include="closest form" hx-push-url="true" {
                    option value="" { (lang.t(Msg::AllCategories)) }
                    @for c in &cats { option value=(c) selected[*c == filter.category] { (c) } }
                }
                select name="location" aria-label=(lang.t(Msg::PartLocation)) hx-get="/parts" hx-trigger="change" hx-target="#part-results" hx-include="closest form" hx-push-url="true" {
                    option value="" { (lang.t(Msg::AllLocations)) }
                    @for l in &locs { option value=(l) selected[*l == filter.location] { (l) } }
                }
                label.check { input type="checkbox" name="low" value="1" checked[filter.low_only] hx-get="/parts" hx-trigger="change" hx-target="#part-results" hx-include="closest form" hx-push-url="true"; (lang.t(Msg::LowStockOnly)) }
                label.check { input type="checkbox" name="inactive" value="1" checked[filter.with_inactive] hx-get="/parts" hx-trigger="change" hx-target="#part-results" hx-include="closest form" hx-push-url="true"; (lang.t(Msg::WithInactive)) }
            }
        }
        div id="part-results" { (results) }
    };
    Ok(html_response(layout::page(ctx, lang.t(Msg::PartsTitle), body)))
}

fn page_link(q: &Query, page: usize) -> String {
    let mut pairs: Vec<(String, String)> =
        q.iter().filter(|(k, _)| k.as_str() != "page").map(|(k, v)| (k.clone(), v.clone())).collect();
    pairs.sort();
    pairs.push(("page".into(), page.to_string()));
    let query: Vec<String> = pairs.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect();
    format!("/parts?{}", query.join("&"))
}

/// The result table (what live search swaps in).
fn results(lang: Lang, q: &Query, rows: &[PartRow], total: usize, page_no: usize) -> Markup {
    let pages = total.div_ceil(PAGE_SIZE);
    html! {
        p.muted data-total=(total) { (lang.fmt(Msg::PartsFound, &[&total])) }
        @if rows.is_empty() {
            div.empty { p { (lang.t(Msg::NoPartsFound)) } }
        } @else {
            div.table-wrap {
                table.rows.stack {
                    thead { tr {
                        th { (lang.t(Msg::PartNumber)) } th { (lang.t(Msg::PartName)) } th { (lang.t(Msg::PartBrand)) }
                        th { (lang.t(Msg::PartLocation)) } th.num { (lang.t(Msg::OnHand)) } th.num { (lang.t(Msg::PartPrice)) }
                    } }
                    tbody {
                        @for r in rows {
                            tr data-part=(r.id) {
                                td.nowrap { a href={ "/parts/" (r.id) } { (r.number) } }
                                td { (r.name) @if !r.spec.is_empty() { " " span.muted { (r.spec) } } @if !r.active { " " span.badge { (lang.t(Msg::Inactive)) } } }
                                td { (r.brand) }
                                td { (r.location) }
                                td.num data-on-hand=(qty(r.stock.on_hand)) {
                                    (qty_unit(r.stock.on_hand, &r.unit, lang))
                                    @if r.low { " " span.badge.warn { (lang.t(Msg::Low)) } }
                                }
                                td.num { (Money(r.price)) }
                            }
                        }
                    }
                }
            }
            @if pages > 1 {
                nav.pager {
                    @if page_no > 0 { a.button.secondary href=(page_link(q, page_no - 1)) { "‹ " (lang.t(Msg::Previous)) } }
                    span { (page_no + 1) " / " (pages) }
                    @if page_no + 1 < pages { a.button.secondary href=(page_link(q, page_no + 1)) { (lang.t(Msg::Next)) " ›" } }
                }
            }
        }
    }
}

fn input_of(form: &Form) -> PartInput {
    PartInput {
        number: form.owned("number"),
        name: form.owned("name"),
        spec: form.owned("spec"),
        brand: form.owned("brand"),
        unit: form.owned("unit"),
        category: form.owned("category"),
        location: form.owned("location"),
        cost: form.owned("cost"),
        price: form.owned("price"),
        min_stock: form.owned("min_stock"),
        supplier_id: form.owned("supplier_id"),
        active: form.get("active") == "1" || form.get("active").is_empty() && form.get("version").is_empty(),
        fits: form.owned("fits"),
    }
}

async fn new_page(state: &AppState, ctx: &Ctx) -> AppResult<Response> {
    clerk(ctx)?;
    let suppliers = state.store.read(parts::suppliers).await?;
    let input = PartInput { unit: "piece".into(), active: true, ..Default::default() };
    Ok(form_page(ctx, None, &input, &suppliers, &FieldErrors::new()))
}

async fn edit_page(state: &AppState, ctx: &Ctx, id: PartId) -> AppResult<Response> {
    clerk(ctx)?;
    let (part, suppliers) =
        state.store.read(move |tx| Ok((parts::get(tx, id)?, parts::suppliers(tx)?))).await?;
    let part = part.ok_or(AppError::NotFound)?;
    let input = part.details.to_input(part.stock.avg_cost);
    Ok(form_page(ctx, Some(&part), &input, &suppliers, &FieldErrors::new()))
}

fn form_page(
    ctx: &Ctx,
    existing: Option<&Part>,
    input: &PartInput,
    suppliers: &[Supplier],
    errors: &FieldErrors,
) -> Response {
    let lang = ctx.lang;
    let title = if existing.is_some() { lang.t(Msg::EditPart) } else { lang.t(Msg::NewPart) };
    let action = existing.map(|p| format!("/parts/{}", p.id)).unwrap_or("/parts".into());
    let units: Vec<(&str, &str)> =
        ctx.settings.part_units.iter().map(|u| (u.as_str(), unit_label(u, lang))).collect();
    let mut supplier_choices: Vec<(String, String)> = vec![(String::new(), "—".into())];
    supplier_choices.extend(suppliers.iter().map(|s| (s.id.to_string(), s.details.name.clone())));
    let supplier_choices: Vec<(&str, &str)> =
        supplier_choices.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let body = html! {
        p { a href=(existing.map(|p| format!("/parts/{}", p.id)).unwrap_or("/parts".into())) { "← " (lang.t(Msg::PartsTitle)) } }
        h1 { (title) }
        @if !errors.is_empty() { (notice("error", lang.t(Msg::FormHasErrors))) }
        form.panel method="post" action=(action) novalidate {
            (csrf_field(ctx))
            @if let Some(p) = existing { input type="hidden" name="version" value=(p.version); }
            div.form-grid {
                (Field::text("number", lang.t(Msg::PartNumber), &input.number).required().render(lang, errors))
                (Field::text("name", lang.t(Msg::PartName), &input.name).required().render(lang, errors))
                (Field::text("spec", lang.t(Msg::PartSpec), &input.spec).render(lang, errors))
                (Field::text("brand", lang.t(Msg::PartBrand), &input.brand).render(lang, errors))
                (select("unit", lang.t(Msg::PartUnit), &input.unit, &units, errors, lang))
                (Field::text("category", lang.t(Msg::PartCategory), &input.category).render(lang, errors))
                (Field::text("location", lang.t(Msg::PartLocation), &input.location).render(lang, errors))
                @if existing.is_none() {
                    (Field::text("cost", lang.t(Msg::PartCost), &input.cost).hint(lang.t(Msg::PartCostHelp).into()).render(lang, errors))
                }
                (Field::text("price", lang.t(Msg::PartPrice), &input.price).required().render(lang, errors))
                (Field::text("min_stock", lang.t(Msg::MinStock), &input.min_stock).hint(lang.t(Msg::MinStockHelp).into()).render(lang, errors))
                (select("supplier_id", lang.t(Msg::UsualSupplier), &input.supplier_id, &supplier_choices, errors, lang))
            }
            (textarea("fits", lang.t(Msg::PartFits), &input.fits, None, errors, lang))
            @if existing.is_some() {
                label.check { input type="checkbox" name="active" value="1" checked[input.active]; (lang.t(Msg::PartActive)) }
            }
            div.actions { button type="submit" { (lang.t(Msg::Save)) } a.button.secondary href="/parts" { (lang.t(Msg::Cancel)) } }
        }
    };
    let mut response = html_response(layout::page(ctx, title, body));
    if !errors.is_empty() {
        *response.status_mut() = warp::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    response
}

async fn create(state: &AppState, ctx: &Ctx, body: &[u8]) -> AppResult<Response> {
    let user = clerk(ctx)?;
    let form = ctx.form(body)?;
    let input = input_of(&form);
    let suppliers = state.store.read(parts::suppliers).await?;
    let ids: Vec<SupplierId> = suppliers.iter().map(|s| s.id).collect();
    let new = match PartDetails::check(&input, &ctx.settings.part_units, &ids, true) {
        Ok(n) => n,
        Err(e) => return Ok(form_page(ctx, None, &input, &suppliers, &e)),
    };
    let actor = user.actor();
    match state
        .store
        .write_touching(move |tx, t: &mut Touched| parts::create_tx(tx, t, &actor, new.clone()))
        .await
    {
        Ok(part) => Ok(redirect_to(&format!("/parts/{}?notice=created", part.id), ctx.htmx)),
        Err(StoreError::Invalid(e)) => Ok(form_page(ctx, None, &input, &suppliers, &e)),
        Err(e) => Err(e.into()),
    }
}

async fn update(state: &AppState, ctx: &Ctx, id: PartId, body: &[u8]) -> AppResult<Response> {
    let user = clerk(ctx)?;
    let form = ctx.form(body)?;
    let input = input_of(&form);
    let version: u64 = form.get("version").parse().map_err(|_| AppError::BadRequest)?;
    let (part, suppliers) =
        state.store.read(move |tx| Ok((parts::get(tx, id)?, parts::suppliers(tx)?))).await?;
    let part = part.ok_or(AppError::NotFound)?;
    let ids: Vec<SupplierId> = suppliers.iter().map(|s| s.id).collect();
    let details = match PartDetails::check(&input, &ctx.settings.part_units, &ids, false) {
        Ok(n) => n.details,
        Err(e) => return Ok(form_page(ctx, Some(&part), &input, &suppliers, &e)),
    };
    let actor = user.actor();
    match state
        .store
        .write_touching(move |tx, t| parts::update_tx(tx, t, &actor, id, version, details.clone()))
        .await
    {
        Ok(_) => Ok(redirect_to(&format!("/parts/{id}?notice=saved"), ctx.htmx)),
        Err(StoreError::Invalid(e)) => Ok(form_page(ctx, Some(&part), &input, &suppliers, &e)),
        Err(StoreError::Stale) => {
            Ok(form_page(ctx, Some(&part), &input, &suppliers, &FieldErrors::one("number", Msg::StaleEdit)))
        }
        Err(e) => Err(e.into()),
    }
}

/// What the part's page shows.
pub struct PartView {
    pub part: Part,
    pub supplier: Option<Supplier>,
    pub suppliers: Vec<Supplier>,
    pub ledger: Vec<Movement>,
    pub more: bool,
}

/// The part's page data; the suppliers (for the receive form's choices) only for who may
/// receive stock.
pub async fn load(
    state: &AppState,
    id: PartId,
    before: Option<u64>,
    with_suppliers: bool,
) -> AppResult<PartView> {
    let view = state
        .store
        .read(move |tx| {
            let Some(part) = parts::get(tx, id)? else { return Ok(None) };
            let supplier = match part.details.supplier {
                Some(s) => parts::supplier(tx, s)?,
                None => None,
            };
            let mut moves = ledger::ledger(tx, id, before, LEDGER_PAGE + 1)?;
            let more = moves.len() > LEDGER_PAGE;
            moves.truncate(LEDGER_PAGE);
            let suppliers = if with_suppliers { parts::suppliers(tx)? } else { Vec::new() };
            Ok(Some(PartView { part, supplier, suppliers, ledger: moves, more }))
        })
        .await?;
    view.ok_or(AppError::NotFound)
}

fn notice_of(code: &str) -> Option<Msg> {
    match code {
        "created" => Some(Msg::PartCreated),
        "saved" => Some(Msg::Saved),
        "received" => Some(Msg::StockReceived),
        "out" => Some(Msg::StockOutBooked),
        "returned" => Some(Msg::StockReturnBooked),
        _ => None,
    }
}

async fn view_page(state: &AppState, ctx: &Ctx, id: PartId, q: &Query) -> AppResult<Response> {
    let user = may_look_up(ctx)?;
    let before = q.get("before").and_then(|b| b.parse().ok());
    let may_edit = user.user.roles.may(Area::Parts);
    let view = load(state, id, before, may_edit).await?;
    let note = q.get("notice").and_then(|n| notice_of(n));
    let forms = super::stock::StockForms::default();
    Ok(part_page(ctx, &view, note, may_edit, &forms))
}

/// The part's page; `forms` carries a stock form refused with its messages.
pub fn part_page(
    ctx: &Ctx,
    view: &PartView,
    note: Option<Msg>,
    may_edit: bool,
    forms: &super::stock::StockForms,
) -> Response {
    let lang = ctx.lang;
    let tz = ctx.settings.tz();
    let p = &view.part;
    let d = &p.details;
    let body = html! {
        p { a href="/parts" { "← " (lang.t(Msg::PartsTitle)) } }
        div.page-head {
            h1 { span data-number=(d.number) { (d.number) } " · " (d.name) @if !d.active { " " span.badge { (lang.t(Msg::Inactive)) } } }
            @if may_edit {
                div.actions {
                    a.button.secondary href={ "/parts/" (p.id) "/edit" } { (lang.t(Msg::Edit)) }
                    a.button.secondary href={ "/parts/" (p.id) "/label" } { (lang.t(Msg::PrintLabel)) }
                }
            }
        }
        @if let Some(msg) = note { (notice("ok", lang.t(msg))) }
        @if !forms.is_empty() { (notice("error", lang.t(Msg::FormHasErrors))) }
        div.columns {
            section.panel {
                h2 { (lang.t(Msg::Stock)) }
                p.stock-figure {
                    strong id="on-hand" data-on-hand=(qty(p.stock.on_hand)) { (qty_unit(p.stock.on_hand, &d.unit, lang)) }
                    @if p.is_low() { " " span.badge.warn { (lang.t(Msg::Low)) } }
                }
                dl.details {
                    dt { (lang.t(Msg::MinStock)) } dd { (qty_unit(d.min_stock, &d.unit, lang)) }
                    dt { (lang.t(Msg::AvgCost)) } dd data-avg-cost=(p.stock.avg_cost.normalize()) { (Money(p.stock.avg_cost)) }
                    dt { (lang.t(Msg::StockValue)) } dd data-value=(p.stock.value().normalize()) { (Money(p.stock.value())) }
                    dt { (lang.t(Msg::PartPrice)) } dd { (Money(d.price)) }
                    @if let Some(at) = p.last_moved_at { dt { (lang.t(Msg::LastMoved)) } dd { (LocalTime::new(at, tz)) } }
                }
            }
            section.panel {
                h2 { (lang.t(Msg::PartDetails)) }
                dl.details {
                    @if !d.spec.is_empty() { dt { (lang.t(Msg::PartSpec)) } dd { (d.spec) } }
                    @if !d.brand.is_empty() { dt { (lang.t(Msg::PartBrand)) } dd { (d.brand) } }
                    dt { (lang.t(Msg::PartUnit)) } dd { (unit_label(&d.unit, lang)) }
                    @if !d.category.is_empty() { dt { (lang.t(Msg::PartCategory)) } dd { (d.category) } }
                    @if !d.location.is_empty() { dt { (lang.t(Msg::PartLocation)) } dd { (d.location) } }
                    @if let Some(s) = &view.supplier { dt { (lang.t(Msg::UsualSupplier)) } dd { a href={ "/suppliers/" (s.id) } { (s.details.name) } } }
                    @if !d.fits.is_empty() { dt { (lang.t(Msg::PartFits)) } dd { (d.fits) } }
                }
            }
        }
        @if may_edit { (super::stock::stock_forms(ctx, view, forms)) }
        section.panel id="ledger" {
            h2 { (lang.t(Msg::StockLedger)) }
            (ledger_table(lang, tz, &d.unit, &view.ledger))
            @if view.more {
                @if let Some(last) = view.ledger.last() {
                    p { a.button.secondary href={ "/parts/" (p.id) "?before=" (last.id) "#ledger" } { (lang.t(Msg::OlderEntries)) } }
                }
            }
        }
    };
    let mut response = html_response(layout::page(ctx, &format!("{} {}", d.number, d.name), body));
    if !forms.is_empty() {
        *response.status_mut() = warp::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    response
}

/// Ledger lines, newest first.
pub fn ledger_table(lang: Lang, tz: chrono_tz::Tz, unit: &str, moves: &[Movement]) -> Markup {
    html! {
        @if moves.is_empty() {
            div.empty { p { (lang.t(Msg::NoMovements)) } }
        } @else {
            div.table-wrap {
                table.rows {
                    thead { tr {
                        th { (lang.t(Msg::When)) } th { (lang.t(Msg::MovementKind)) } th.num { (lang.t(Msg::Qty)) }
                        th.num { (lang.t(Msg::UnitCost)) } th.num { (lang.t(Msg::StockAfter)) } th { (lang.t(Msg::Reference)) } th { (lang.t(Msg::By)) }
                    } }
                    tbody {
                        @for m in moves {
                            tr data-move=(m.id) data-kind=(m.kind.code()) {
                                td.nowrap { (LocalTime::new(m.at, tz)) }
                                td { (lang.t(m.kind.label())) }
                                td.num data-qty=(qty(m.qty)) { @if m.qty.is_sign_positive() { "+" } (qty(m.qty)) }
                                td.num { (Money(m.unit_cost)) }
                                td.num { (qty_unit(m.after.on_hand, unit, lang)) }
                                td {
                                    @if let Some((order, _)) = m.order { a href={ "/orders/" (order) } { (m.order_number) } " " }
                                    @if let Some(doc) = m.document {
                                        @if m.kind == MovementKind::Receipt { a href={ "/parts/receipts/" (doc) } { "#" (doc) } " " }
                                        @else if m.kind == MovementKind::Stocktake { a href={ "/parts/stocktakes/" (doc) } { "#" (doc) } " " }
                                    }
                                    (m.reason)
                                }
                                td { (m.by_name) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// GET /parts/options?part_q=…: up to 8 active catalog parts for the line form's picker, as
/// buttons that fill in the line (see app.js).
async fn options(state: &AppState, ctx: &Ctx, q: &Query) -> AppResult<Response> {
    may_look_up(ctx)?;
    let lang = ctx.lang;
    let text = q.get("part_q").or(q.get("q")).map(|s| s.trim().to_string()).unwrap_or_default();
    let rows = if text.is_empty() {
        vec![]
    } else {
        state.store.parts(|index| index.search(&text, &PartFilter::default(), 0, 8).0)
    };
    Ok(html_response(html! {
        @if !text.is_empty() && rows.is_empty() { p.muted { (lang.t(Msg::NoPartsFound)) } }
        @for r in &rows {
            @let description = format!("{} {} {}", r.brand, r.name, r.spec).split_whitespace().collect::<Vec<_>>().join(" ");
            button.secondary.part-option type="button" data-part-id=(r.id) data-description=(description) data-price=(r.price.normalize()) {
                strong { (r.number) } " " (description) " · " (Money(r.price))
                " · " span.muted { (qty_unit(r.stock.on_hand, &r.unit, lang)) }
            }
        }
    }))
}

/// A printable label (number, name, location, and a QR of the part's page) for a shelf bin.
async fn label_page(state: &AppState, ctx: &Ctx, id: PartId) -> AppResult<Response> {
    clerk(ctx)?;
    let lang = ctx.lang;
    let part = state.store.read(move |tx| parts::get(tx, id)).await?.ok_or(AppError::NotFound)?;
    let url = format!("{}/parts/{}", state.public_base_url(), part.id);
    let qr = crate::web::orders::print::qr_markup(&url)?;
    let d = &part.details;
    let page = layout::print_document(
        lang,
        &format!("{} · {}", d.number, lang.t(Msg::PrintLabel)),
        "part-label-page",
        html! {
            div.print-toolbar {
                a.button.secondary href={ "/parts/" (part.id) } { "← " (d.number) }
                button type="button" data-print { (lang.t(Msg::Print)) }
            }
            div.part-label {
                div.label-qr { (PreEscaped(qr)) }
                div.label-text {
                    div.label-number { (d.number) }
                    div.label-name { (d.name) @if !d.spec.is_empty() { " " (d.spec) } }
                    @if !d.location.is_empty() { div.label-location { (lang.t(Msg::PartLocation)) ": " strong { (d.location) } } }
                    div.label-unit { (unit_label(&d.unit, lang)) " · " (Money(d.price)) }
                }
            }
        },
    );
    Ok(html_response(page))
}
