//! Stocktakes (盘点) on a phone or the kiosk: start a count, enter each part's counted quantity
//! (one durable save per part, the page keeps its place), see variances and their value, post
//! or cancel.

use std::sync::Arc;

use maud::{Markup, html};
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::hyper::body::Bytes;
use warp::reply::Response;

use super::{clerk, qty, qty_unit};
use crate::domain::FieldErrors;
use crate::domain::part::PartId;
use crate::domain::stock::{self as rules, CountLine, Stocktake, StocktakeState};
use crate::i18n::{Lang, Msg};
use crate::store::StoreError;
use crate::store::parts::stocktake as takes;
use crate::web::ctx::Ctx;
use crate::web::error::{AppError, AppResult, redirect_to};
use crate::web::layout::{self, csrf_field};
use crate::web::show::{LocalTime, Money};
use crate::web::{AppState, BODY_LIMIT, html_response};

pub fn routes(state: Arc<AppState>) -> BoxedFilter<(Response,)> {
    let ctx = crate::web::ctx::ctx(state.clone());
    let body = warp::body::content_length_limit(BODY_LIMIT).and(warp::body::bytes());
    let list = warp::path!("parts" / "stocktakes").and(warp::get()).and(ctx.clone()).then(handler!(
        state,
        ctx,
        |ctx: Ctx| list_page(&state, &ctx)
    ));
    let start = warp::path!("parts" / "stocktakes")
        .and(warp::post())
        .and(ctx.clone())
        .and(body)
        .then(handler!(state, ctx, |ctx: Ctx, body: Bytes| start(&state, &ctx, &body)));
    let view = warp::path!("parts" / "stocktakes" / u64).and(warp::get()).and(ctx.clone()).then(handler!(
        state,
        ctx,
        |id: u64, ctx: Ctx| view_page(&state, &ctx, id)
    ));
    let count = warp::path!("parts" / "stocktakes" / u64 / "count")
        .and(warp::post())
        .and(ctx.clone())
        .and(body)
        .then(handler!(state, ctx, |id: u64, ctx: Ctx, body: Bytes| count(&state, &ctx, id, &body)));
    let post = warp::path!("parts" / "stocktakes" / u64 / "post")
        .and(warp::post())
        .and(ctx.clone())
        .and(body)
        .then(handler!(state, ctx, |id: u64, ctx: Ctx, body: Bytes| post(&state, &ctx, id, &body)));
    let cancel = warp::path!("parts" / "stocktakes" / u64 / "cancel")
        .and(warp::post())
        .and(ctx)
        .and(body)
        .then(handler!(state, ctx, |id: u64, ctx: Ctx, body: Bytes| cancel(&state, &ctx, id, &body)));
    list.or(start).unify().or(view).unify().or(count).unify().or(post).unify().or(cancel).unify().boxed()
}

fn state_badge(lang: Lang, s: StocktakeState) -> Markup {
    let class = match s {
        StocktakeState::Open => "warn",
        StocktakeState::Posted => "ok",
        StocktakeState::Cancelled => "",
    };
    html! { span class={ "badge " (class) } data-stocktake-state=(s.code()) { (lang.t(s.label())) } }
}

async fn list_page(state: &AppState, ctx: &Ctx) -> AppResult<Response> {
    clerk(ctx)?;
    let lang = ctx.lang;
    let tz = ctx.settings.tz();
    let all = state.store.read(|tx| takes::list(tx, 50)).await?;
    let (cats, locs) = state.store.parts(|i| i.categories_and_locations());
    let body = html! {
        p { a href="/parts" { "← " (lang.t(Msg::PartsTitle)) } }
        h1 { (lang.t(Msg::Stocktakes)) }
        form.panel method="post" action="/parts/stocktakes" id="start-stocktake" {
            h2 { (lang.t(Msg::StartStocktake)) }
            (csrf_field(ctx))
            div.form-grid {
                div.field { label for="f-category" { (lang.t(Msg::PartCategory)) }
                    select id="f-category" name="category" { option value="" { (lang.t(Msg::AllCategories)) } @for c in &cats { option value=(c) { (c) } } } }
                div.field { label for="f-location" { (lang.t(Msg::PartLocation)) }
                    select id="f-location" name="location" { option value="" { (lang.t(Msg::AllLocations)) } @for l in &locs { option value=(l) { (l) } } } }
            }
            div.actions { button type="submit" { (lang.t(Msg::StartStocktake)) } }
        }
        @if !all.is_empty() {
            div.table-wrap { table.rows {
                thead { tr { th { "#" } th { (lang.t(Msg::Scope)) } th.num { (lang.t(Msg::Parts)) } th { (lang.t(Msg::Status)) } th { (lang.t(Msg::Started)) } } }
                tbody {
                    @for t in &all {
                        tr {
                            td { a href={ "/parts/stocktakes/" (t.id) } { "#" (t.id) } }
                            td { (scope(lang, t)) }
                            td.num { (t.lines) }
                            td { (state_badge(lang, t.state)) }
                            td { (t.started_by_name) " · " (LocalTime::new(t.started_at, tz)) }
                        }
                    }
                }
            } }
        }
    };
    Ok(html_response(layout::page(ctx, lang.t(Msg::Stocktakes), body)))
}

fn scope(lang: Lang, t: &Stocktake) -> String {
    match (t.category.as_str(), t.location.as_str()) {
        ("", "") => lang.t(Msg::AllParts).to_string(),
        (c, "") => c.to_string(),
        ("", l) => l.to_string(),
        (c, l) => format!("{c} · {l}"),
    }
}

async fn start(state: &AppState, ctx: &Ctx, body: &[u8]) -> AppResult<Response> {
    let user = clerk(ctx)?;
    let form = ctx.form(body)?;
    let (category, location) = (form.owned("category"), form.owned("location"));
    let actor = user.actor();
    let take =
        state.store.write(move |tx| takes::start_tx(tx, &actor, category.trim(), location.trim())).await?;
    Ok(redirect_to(&format!("/parts/stocktakes/{}", take.id), ctx.htmx))
}

async fn view_page(state: &AppState, ctx: &Ctx, id: u64) -> AppResult<Response> {
    clerk(ctx)?;
    let (take, lines) = state.store.scan(move |tx| Ok((takes::get(tx, id)?, takes::lines(tx, id)?))).await?;
    let take = take.ok_or(AppError::NotFound)?;
    Ok(html_response(layout::page(
        ctx,
        &format!("{} #{id}", ctx.lang.t(Msg::Stocktake)),
        stocktake_body(ctx, &take, &lines, None),
    )))
}

/// The count sheet: one row per part with a big field for the counted quantity, saved one part
/// at a time; each row shows its variance once counted.
fn stocktake_body(
    ctx: &Ctx,
    take: &Stocktake,
    lines: &[CountLine],
    refused: Option<(PartId, String, FieldErrors)>,
) -> Markup {
    let lang = ctx.lang;
    let open = take.state == StocktakeState::Open;
    html! {
        p { a href="/parts/stocktakes" { "← " (lang.t(Msg::Stocktakes)) } }
        div.page-head {
            h1 { (lang.t(Msg::Stocktake)) " #" (take.id) " " (state_badge(lang, take.state)) }
        }
        (progress(ctx, take, lines, false))
        div.count-sheet {
            @for line in lines {
                @let mine = refused.as_ref().filter(|(p, ..)| *p == line.part);
                (count_row(ctx, take, line, open, mine.map(|(_, typed, e)| (typed.as_str(), e))))
            }
        }
        @if open {
            div.actions.sticky-actions {
                form method="post" action={ "/parts/stocktakes/" (take.id) "/post" } {
                    (csrf_field(ctx))
                    button type="submit" id="post-stocktake" { (lang.t(Msg::PostStocktake)) }
                }
                form method="post" action={ "/parts/stocktakes/" (take.id) "/cancel" } {
                    (csrf_field(ctx))
                    button.secondary type="submit" { (lang.t(Msg::CancelStocktake)) }
                }
            }
        }
    }
}

/// How far the count is and what its variances are worth; sent again with each saved count
/// (`oob`) so the header follows the rows.
fn progress(ctx: &Ctx, take: &Stocktake, lines: &[CountLine], oob: bool) -> Markup {
    let lang = ctx.lang;
    let counted = lines.iter().filter(|l| l.counted.is_some()).count();
    let variance: rust_decimal::Decimal = lines.iter().map(CountLine::variance_value).sum();
    html! {
        p.lead id="count-progress" hx-swap-oob=[oob.then_some("true")] {
            (scope(lang, take)) " · " span data-counted=(counted) { (lang.fmt(Msg::CountedOf, &[&counted, &lines.len()])) }
            " · " (lang.t(Msg::VarianceValue)) ": " strong data-variance-total=(variance) { (Money(variance)) }
        }
    }
}

fn count_row(
    ctx: &Ctx,
    take: &Stocktake,
    line: &CountLine,
    open: bool,
    refused: Option<(&str, &FieldErrors)>,
) -> Markup {
    let lang = ctx.lang;
    let id = format!("count-{}", line.part);
    let typed = refused.map(|(t, _)| t.to_string()).or(line.counted.map(qty)).unwrap_or_default();
    let problem = refused.and_then(|(_, e)| e.get("counted"));
    html! {
        form.count-row.panel.invalid[problem.is_some()] id=(id) method="post" action={ "/parts/stocktakes/" (take.id) "/count" }
            hx-post={ "/parts/stocktakes/" (take.id) "/count" } hx-target={ "#" (id) } hx-swap="outerHTML" data-part=(line.part) {
            (csrf_field(ctx))
            input type="hidden" name="part_id" value=(line.part);
            div.count-part {
                strong { (line.number) } " " (line.name)
                div.muted { @if !line.location.is_empty() { (line.location) " · " } (lang.t(Msg::BookStock)) " " (qty_unit(line.book_at_start, &line.unit, lang)) }
            }
            div.count-input {
                @if open {
                    input type="text" inputmode="decimal" name="counted" value=(typed) aria-label=(lang.t(Msg::Counted)) autocomplete="off";
                    button type="submit" { (lang.t(Msg::Save)) }
                } @else {
                    span { (typed) }
                }
            }
            @if let Some(p) = problem {
                p.field-msg role="alert" { (p.text(lang)) }
            } @else if let Some(v) = line.variance() {
                p.variance.bad[v.is_sign_negative() && !v.is_zero()].ok[v.is_zero()] data-variance=(qty(v)) {
                    (lang.t(Msg::Variance)) " " @if v.is_sign_positive() && !v.is_zero() { "+" } (qty(v)) " · " (Money(line.variance_value()))
                }
            }
        }
    }
}

async fn count(state: &AppState, ctx: &Ctx, id: u64, body: &[u8]) -> AppResult<Response> {
    let user = clerk(ctx)?;
    let form = ctx.form(body)?;
    let part = PartId(form.get("part_id").parse().map_err(|_| AppError::BadRequest)?);
    let typed = form.owned("counted");
    let (take, lines) = state.store.scan(move |tx| Ok((takes::get(tx, id)?, takes::lines(tx, id)?))).await?;
    let take = take.ok_or(AppError::NotFound)?;
    let line = lines.iter().find(|l| l.part == part).cloned().ok_or(AppError::NotFound)?;
    let refuse = |errors: FieldErrors| {
        let mut response = if ctx.htmx {
            html_response(count_row(ctx, &take, &line, true, Some((&typed, &errors))))
        } else {
            let body = stocktake_body(ctx, &take, &lines, Some((part, typed.clone(), errors)));
            html_response(layout::page(ctx, &format!("{} #{id}", ctx.lang.t(Msg::Stocktake)), body))
        };
        // htmx swaps only 2xx answers: the row with its message comes back as 200.
        if !ctx.htmx {
            *response.status_mut() = warp::http::StatusCode::UNPROCESSABLE_ENTITY;
        }
        Ok(response)
    };
    let counted = match rules::counted(&typed) {
        Ok(c) => c,
        Err(p) => return refuse(FieldErrors::one("counted", p)),
    };
    let actor = user.actor();
    match state.store.write(move |tx| takes::count_tx(tx, &actor, id, part, counted)).await {
        Ok(saved) if ctx.htmx => {
            let lines: Vec<CountLine> =
                lines.into_iter().map(|l| if l.part == saved.part { saved.clone() } else { l }).collect();
            Ok(html_response(html! {
                (count_row(ctx, &take, &saved, true, None))
                (progress(ctx, &take, &lines, true))
            }))
        }
        Ok(_) => Ok(redirect_to(&format!("/parts/stocktakes/{id}#count-{part}"), false)),
        Err(StoreError::Refused(msg)) => refuse(FieldErrors::one("counted", msg)),
        Err(e) => Err(e.into()),
    }
}

async fn post(state: &AppState, ctx: &Ctx, id: u64, body: &[u8]) -> AppResult<Response> {
    let user = clerk(ctx)?;
    ctx.form(body)?;
    let actor = user.actor();
    state.store.write_touching(move |tx, t| takes::post_tx(tx, t, &actor, id)).await?;
    Ok(redirect_to(&format!("/parts/stocktakes/{id}"), ctx.htmx))
}

async fn cancel(state: &AppState, ctx: &Ctx, id: u64, body: &[u8]) -> AppResult<Response> {
    let user = clerk(ctx)?;
    ctx.form(body)?;
    let actor = user.actor();
    state.store.write(move |tx| takes::cancel_tx(tx, &actor, id)).await?;
    Ok(redirect_to("/parts/stocktakes", ctx.htmx))
}
