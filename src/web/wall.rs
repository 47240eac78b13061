//! The wall display (GET /wall/{key}): the shop-floor board on the workshop's TV, opened by the
//! shop's display key (made and revoked in Administration) instead of a person's sign-in. It
//! fills a 1920×1080 screen with no scrolling and no navigation: a column per state, dense
//! cards with big plates, the promised time and the technician; a column with more cars than
//! fit pages through them (see `static/app.js`). `?view=waiting` is the waiting room's view
//! (masked plates, the customer's words). An unknown or revoked key is "not found", like any
//! other address, and the page shows nothing beyond what the board shows.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::Utc;
use maud::{Markup, html};
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::reply::Response;

use super::board::{BoardRow, board_rows, board_version, no_change, waiting_page};
use super::ctx::Ctx;
use super::error::{AppError, AppResult};
use super::show::LocalTime;
use super::{AppState, html_response};
use crate::domain::{OrderState, User, WorkOrder};
use crate::i18n::{Lang, Msg};

type Query = HashMap<String, String>;

pub fn routes(state: Arc<AppState>) -> BoxedFilter<(Response,)> {
    warp::path!("wall" / String)
        .and(warp::get())
        .and(super::ctx::ctx(state.clone()))
        .and(warp::query::<Query>().or(warp::any().map(Query::new)).unify())
        .then(handler!(state, ctx, |key: String, ctx: Ctx, q: Query| wall_page(&state, &ctx, &key, &q)))
        .boxed()
}

/// Whether `given` is the shop's display key (compared in constant time; none when empty).
fn key_matches(expected: &str, given: &str) -> bool {
    !expected.is_empty()
        && expected.len() == given.len()
        && expected.bytes().zip(given.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

async fn wall_page(state: &AppState, ctx: &Ctx, key: &str, q: &Query) -> AppResult<Response> {
    if !key_matches(&ctx.settings.display_key, key) {
        return Err(AppError::NotFound);
    }
    if q.get("view").is_some_and(|v| v == "waiting") {
        return waiting_page(state, ctx, q, &format!("/wall/{key}?view=waiting&v=")).await;
    }
    let lang = ctx.guest_lang();
    let version = board_version(state);
    if q.get("v").is_some_and(|v| *v == version) {
        return Ok(no_change());
    }
    let poll = format!("/wall/{key}?v=");
    let cache_key = format!("{}|wall|{poll}|{}", lang.code(), ctx.settings.time_zone);
    let board = match state.board_cache.get(&version, &cache_key) {
        Some(html) => maud::PreEscaped(html),
        None => {
            let (rows, users) = board_rows(state).await?;
            let board = wall_markup(lang, ctx.settings.tz(), &rows, &users, &version, &poll);
            state.board_cache.put(&version, cache_key, board.0.clone());
            board
        }
    };
    if q.contains_key("v") {
        return Ok(html_response(board));
    }
    let s = &ctx.settings;
    let page = html! {
        (maud::DOCTYPE)
        html lang=(lang.html_lang()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="robots" content="noindex";
                meta name="htmx-config" content=r#"{"historyCacheSize":0,"includeIndicatorStyles":false,"defaultSettleDelay":0}"#;
                title { (lang.t(Msg::NavBoard)) " · " (s.shop_name) }
                link rel="stylesheet" href=(super::assets::css_path());
                script src=(super::assets::htmx_path()) defer {}
                script src=(super::assets::js_path()) defer {}
            }
            body.wall {
                header.wall-head {
                    h1 { (s.shop_name) " · " (lang.t(Msg::NavBoard)) }
                }
                main.wall { (board) }
            }
        }
    };
    Ok(html_response(page))
}

/// About how many cards one column of cards holds on a 1080-line screen.
const CARDS_PER_COLUMN: usize = 7;

fn wall_markup(
    lang: Lang,
    tz: chrono_tz::Tz,
    rows: &[BoardRow],
    users: &[User],
    version: &str,
    poll: &str,
) -> Markup {
    let now = Utc::now();
    let today = now.with_timezone(&tz).date_naive();
    let names = |o: &WorkOrder| -> String {
        o.technicians()
            .iter()
            .filter_map(|t| users.iter().find(|u| u.id == *t).map(|u| u.display_name.clone()))
            .collect::<Vec<_>>()
            .join("、")
    };
    // Today's promises by the hour; other days with their date.
    let promised = |o: &WorkOrder| -> String {
        o.reception
            .promised_at
            .map(|p| {
                let shown = LocalTime::new(p, tz).to_string();
                let cut = if p.with_timezone(&tz).date_naive() == today { 11 } else { 5 };
                shown.get(cut..).unwrap_or_default().to_string()
            })
            .unwrap_or_default()
    };
    html! {
        div id="board" .wall-board hx-get={ (poll) (version) } hx-trigger="every 2s" hx-swap="outerHTML" data-version=(version) data-cars=(rows.len()) {
            div.wall-columns {
                @for state in OrderState::BOARD {
                    @let in_state: Vec<&BoardRow> = rows.iter().filter(|r| r.order.state == state).collect();
                    // A crowded column takes more of the screen, its cards in up to four rows
                    // side by side; an empty one shrinks to its title.
                    @let span = in_state.len().div_ceil(CARDS_PER_COLUMN).min(4);
                    section.wall-col data-state=(state.code()) data-span=(span) {
                        h2 { span { (lang.t(state.label())) } span.count { (in_state.len()) } span.pages {} }
                        div.wall-cards {
                            @for r in in_state {
                                @let late = r.order.is_late(now);
                                div.wall-card.late[late] data-order=(r.order.id) {
                                    div.plate-big { (r.vehicle.as_ref().map(|v| v.details.plate.to_string()).unwrap_or_default()) }
                                    div.model { (r.vehicle.as_ref().map(|v| v.details.title()).unwrap_or_default()) }
                                    div.meta {
                                        span.who data-technician { (names(&r.order)) }
                                        span.when data-promised {
                                            (promised(&r.order))
                                            @if late { " " span.badge.bad { (lang.t(Msg::Late)) } }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::key_matches;

    #[test]
    fn only_the_set_key_opens_the_wall() {
        assert!(key_matches("ab12", "ab12"));
        assert!(!key_matches("ab12", "ab13"));
        assert!(!key_matches("ab12", "ab1"));
        assert!(!key_matches("", ""), "no key set: no wall display");
    }
}
