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

/// How the wall lays its columns out on a 1920×1080 screen: per state, how many columns of
/// cards side by side (0 for an empty state, drawn narrow), and whether the cards are the
/// dense kind (plate and one line) rather than the roomy kind (plate and two lines).
#[derive(Debug, PartialEq)]
struct WallLayout {
    dense: bool,
    spans: Vec<usize>,
}

/// Widths in CSS pixels of the 1920-pixel screen: the room for columns (less margins and
/// gaps), an empty state's column, and the narrowest column of cards whose plate still reads
/// at full size. Cards per column of cards: roomy and dense.
const ROOM: usize = 1828;
const EMPTY_WIDTH: usize = 110;
const CARD_WIDTH: usize = 205;
const ROOMY_ROWS: usize = 7;
const DENSE_ROWS: usize = 10;

/// Roomy cards when every car fits so; else dense ones; else dense ones in as many columns as
/// the screen holds, shared by how many cars each state has (the rest page, see `app.js`).
fn wall_layout(counts: &[usize]) -> WallLayout {
    let width = |spans: &[usize]| -> usize {
        spans.iter().map(|s| if *s == 0 { EMPTY_WIDTH } else { s * CARD_WIDTH }).sum()
    };
    for (dense, rows) in [(false, ROOMY_ROWS), (true, DENSE_ROWS)] {
        let spans: Vec<usize> = counts.iter().map(|n| n.div_ceil(rows)).collect();
        if width(&spans) <= ROOM {
            return WallLayout { dense, spans };
        }
    }
    let empty = counts.iter().filter(|n| **n == 0).count();
    let busy = counts.len() - empty;
    let columns = ((ROOM - empty * EMPTY_WIDTH) / CARD_WIDTH).max(busy);
    let total: usize = counts.iter().sum();
    // At least one column per busy state; the others by share of the cars, largest first.
    let mut spans: Vec<usize> = counts.iter().map(|n| usize::from(*n > 0)).collect();
    for _ in busy..columns {
        let neediest = (0..counts.len())
            .filter(|i| counts[*i] > spans[*i] * DENSE_ROWS)
            .max_by_key(|i| counts[*i] * 1000 / total.max(1) / spans[*i].max(1));
        match neediest {
            Some(i) => spans[i] += 1,
            None => break,
        }
    }
    WallLayout { dense: true, spans }
}

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
    let counts: Vec<usize> =
        OrderState::BOARD.iter().map(|s| rows.iter().filter(|r| r.order.state == *s).count()).collect();
    let layout = wall_layout(&counts);
    html! {
        div id="board" .wall-board.dense[layout.dense] hx-get={ (poll) (version) } hx-trigger="every 2s" hx-swap="outerHTML" data-version=(version) data-cars=(rows.len()) {
            div.wall-columns {
                @for (state, span) in OrderState::BOARD.into_iter().zip(&layout.spans) {
                    @let in_state: Vec<&BoardRow> = rows.iter().filter(|r| r.order.state == state).collect();
                    // A crowded column takes more of the screen, its cards in columns side by
                    // side; an empty one shrinks to its title.
                    section.wall-col data-state=(state.code()) data-span=(span) {
                        h2 { span { (lang.t(state.label())) } span.count { (in_state.len()) } span.pages {} }
                        div.wall-cards {
                            @for r in in_state {
                                @let late = r.order.is_late(now);
                                div.wall-card.late[late] data-order=(r.order.id) {
                                    div.plate-big { (r.vehicle.as_ref().map(|v| v.details.plate.to_string()).unwrap_or_default()) }
                                    // "Late" beside the model leaves the technicians' names room; dense
                                    // cards show it by the red border and the red time.
                                    div.model {
                                        span { (r.vehicle.as_ref().map(|v| v.details.title()).unwrap_or_default()) }
                                        @if late { span.badge.bad data-late { (lang.t(Msg::Late)) } }
                                    }
                                    div.meta {
                                        span.who data-technician { (names(&r.order)) }
                                        span.when data-promised { (promised(&r.order)) }
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
    use super::{CARD_WIDTH, DENSE_ROWS, EMPTY_WIDTH, ROOM, WallLayout, key_matches, wall_layout};

    #[test]
    fn a_quiet_shop_gets_roomy_cards_and_a_full_one_dense_cards_that_fit() {
        assert_eq!(
            wall_layout(&[3, 5, 0, 2, 1, 0]),
            WallLayout { dense: false, spans: vec![1, 1, 0, 1, 1, 0] }
        );
        // Forty cars, most at work: dense, every car on the screen at once.
        let forty = wall_layout(&[8, 32, 0, 0, 0, 0]);
        assert!(forty.dense);
        assert_eq!(forty.spans, vec![1, 4, 0, 0, 0, 0]);
        // Far more than fit: every busy state keeps a column, the screen's width is not passed.
        let crowd = [30, 120, 4, 9, 25, 0];
        let full = wall_layout(&crowd);
        assert!(full.dense && full.spans.iter().zip(crowd).all(|(s, n)| (*s > 0) == (n > 0)));
        let width: usize =
            full.spans.iter().map(|s| if *s == 0 { EMPTY_WIDTH } else { s * CARD_WIDTH }).sum();
        assert!(width <= ROOM, "{full:?}");
        assert!(full.spans[1] > full.spans[2], "the busiest state gets the most room: {full:?}");
        assert!(
            full.spans.iter().zip(crowd).all(|(s, n)| *s == 0 || (s - 1) * DENSE_ROWS < n),
            "no column left empty: {full:?}"
        );
    }

    #[test]
    fn only_the_set_key_opens_the_wall() {
        assert!(key_matches("ab12", "ab12"));
        assert!(!key_matches("ab12", "ab13"));
        assert!(!key_matches("ab12", "ab1"));
        assert!(!key_matches("", ""), "no key set: no wall display");
    }
}
