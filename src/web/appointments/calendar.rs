//! The calendar: one day in columns (bays or technicians) and quarter-hour rows within the
//! opening hours, or one week (columns by day, a row per bay or technician). Today is marked,
//! the past is greyed, a free future slot opens the booking form for it.
//!
//! The grid is placed with classes (`at-N`, `len-N`, `col-N`, `cols-N` in `app.css`): the
//! pages' security policy allows no inline styles. On a phone the day becomes a list.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc};
use maud::{Markup, html};
use warp::reply::Response;

use super::{Query, Shown, columns, shown, span};
use crate::domain::appointment::{AppointmentStatus, STEP_MINUTES, week_start};
use crate::domain::settings::day_start;
use crate::domain::{Area, FieldErrors, Problem, User};
use crate::i18n::{Lang, Msg};
use crate::store::{appointments, users};
use crate::web::AppState;
use crate::web::ctx::Ctx;
use crate::web::error::{AppResult, unprocessable_if};
use crate::web::html_response;
use crate::web::layout::{self, Field};

/// Most rows a day shows (24 hours of quarters) and columns the grid has classes for.
const MAX_ROWS: u32 = 96;
pub(super) const MAX_COLUMNS: usize = 12;

/// What the calendar page shows.
struct View {
    day: NaiveDate,
    week: bool,
    now: DateTime<Utc>,
    shown: Vec<Shown>,
    users: Vec<User>,
}

/// `GET /appointments?day=YYYY-MM-DD&view=day|week`.
pub(super) async fn calendar_page(state: &AppState, ctx: &Ctx, q: &Query) -> AppResult<Response> {
    ctx.require(Area::Calendar)?;
    let tz = ctx.settings.tz();
    let today = ctx.today();
    let typed = q.get("day").map(|d| d.trim().to_string()).unwrap_or_default();
    let mut errors = FieldErrors::new();
    let day = match typed.as_str() {
        "" => today,
        d => d.parse::<NaiveDate>().unwrap_or_else(|_| {
            errors.add("day", Problem::new(Msg::DateInvalid));
            today
        }),
    };
    let week = q.get("view").map(String::as_str) == Some("week");
    let (from, to) = if week {
        let monday = week_start(day);
        (day_start(monday, tz), day_start(monday + Duration::days(7), tz))
    } else {
        (day_start(day, tz), day_start(day + Duration::days(1), tz))
    };
    let (shown, users) = state
        .store
        .read(move |tx| Ok((shown(tx, appointments::starting_between(tx, from, to)?)?, users::list(tx)?)))
        .await?;
    let view = View { day, week, now: Utc::now(), shown, users };
    let lang = ctx.lang;
    let title = lang.t(Msg::ApptCalendar);
    let body = html! {
        (head(ctx, &view, &typed, &errors))
        @if week { (week_grid(ctx, &view)) } @else { (day_grid(ctx, &view)) }
    };
    Ok(unprocessable_if(!errors.is_empty(), html_response(layout::page(ctx, title, body))))
}

fn head(ctx: &Ctx, v: &View, typed: &str, errors: &FieldErrors) -> Markup {
    let lang = ctx.lang;
    let today = ctx.today();
    let (step, mode) = if v.week { (7, "week") } else { (1, "day") };
    let link = |day: NaiveDate, mode: &str| format!("/appointments?day={day}&view={mode}");
    let may_book = ctx.user.as_ref().is_some_and(|u| u.user.roles.may(Area::Reception));
    let label = if v.week {
        let monday = week_start(v.day);
        format!("{} – {}", monday, monday + Duration::days(6))
    } else {
        format!("{} {}", v.day, weekday(lang, v.day))
    };
    let shown_typed = if typed.is_empty() { v.day.to_string() } else { typed.to_string() };
    html! {
        div.page-head.cal-head {
            h1 {
                (lang.t(Msg::ApptCalendar)) " "
                span.cal-date data-day=(v.day) { (label) }
                @if !v.week && v.day == today { " " span.badge.ok data-today { (lang.t(Msg::CareToday)) } }
            }
            div.actions.no-print {
                @if may_book { a.button href={ "/appointments/new?start=" (default_start(ctx, v.day)) } data-new-booking { "+ " (lang.t(Msg::ApptNew)) } }
            }
        }
        nav.cal-nav.no-print {
            a.button.secondary href=(link(v.day - Duration::days(step), mode)) rel="prev" aria-label=(lang.t(Msg::ApptPrevious)) { "←" }
            a.button.secondary href=(link(today, mode)) { (lang.t(Msg::CareToday)) }
            a.button.secondary href=(link(v.day + Duration::days(step), mode)) rel="next" aria-label=(lang.t(Msg::ApptNext)) { "→" }
            span.segmented-links {
                a href=(link(v.day, "day")) aria-current=[(!v.week).then_some("page")] data-view="day" { (lang.t(Msg::ApptDay)) }
                a href=(link(v.day, "week")) aria-current=[v.week.then_some("page")] data-view="week" { (lang.t(Msg::ApptWeek)) }
            }
            form.cal-jump method="get" action="/appointments" {
                input type="hidden" name="view" value=(mode);
                (Field::text("day", lang.t(Msg::ApptGoTo), &shown_typed).kind("date").render(lang, errors))
                button.secondary type="submit" { (lang.t(Msg::ApptGo)) }
            }
        }
    }
}

/// The first bookable time of a day as the form's `start` (`YYYY-MM-DDTHH:MM`).
fn default_start(ctx: &Ctx, day: NaiveDate) -> String {
    let (open, _) = ctx.settings.opening_hours();
    day.and_time(open).format("%Y-%m-%dT%H:%M").to_string()
}

fn weekday(lang: Lang, day: NaiveDate) -> &'static str {
    const MSGS: [Msg; 7] =
        [Msg::ApptMon, Msg::ApptTue, Msg::ApptWed, Msg::ApptThu, Msg::ApptFri, Msg::ApptSat, Msg::ApptSun];
    lang.t(MSGS[day.weekday().num_days_from_monday() as usize])
}

/// The quarter-hour row a local time falls in, counted from the opening (1-based, clamped).
fn row_of(t: NaiveTime, open: NaiveTime, rows: u32) -> u32 {
    let minutes = (t - open).num_minutes().max(0) as u32;
    (minutes / STEP_MINUTES + 1).min(rows)
}

fn status_class(s: AppointmentStatus) -> String {
    format!("appt status-{}", s.code())
}

fn day_grid(ctx: &Ctx, v: &View) -> Markup {
    let lang = ctx.lang;
    let tz = ctx.settings.tz();
    let (open, close) = ctx.settings.opening_hours();
    let rows = (((close - open).num_minutes().max(0) as u32) / STEP_MINUTES).clamp(1, MAX_ROWS);
    let appts: Vec<_> = v.shown.iter().map(|s| s.appt.clone()).collect();
    let mut cols = columns(&ctx.settings, &v.users, &appts);
    cols.truncate(MAX_COLUMNS);
    let may_book = ctx.user.as_ref().is_some_and(|u| u.user.roles.may(Area::Reception));
    let local_now = v.now.with_timezone(&tz).naive_local();
    let mut cards: Vec<(&Shown, usize)> = v
        .shown
        .iter()
        .filter_map(|s| cols.iter().position(|c| c.holds(&s.appt, &cols)).map(|i| (s, i)))
        .collect();
    cards.sort_by_key(|(s, i)| (s.appt.booking.start, *i));
    html! {
        @if v.shown.is_empty() { p.muted.cal-empty data-empty { (lang.t(Msg::ApptNone)) } }
        div class={ "cal-day cols-" (cols.len()) } data-rows=(rows) {
            div.cal-corner {}
            @for (i, c) in cols.iter().enumerate() {
                div class={ "cal-col-head col-" (i + 2) } { (c.name()) }
            }
            @for r in 0..rows {
                @let t = open + Duration::minutes(i64::from(r * STEP_MINUTES));
                @if r % 2 == 0 {
                    div class={ "cal-time at-" (r + 2) " len-2" } { (t.format("%H:%M")) }
                    @for (i, c) in cols.iter().enumerate() {
                        @let past = v.day.and_time(t) + Duration::minutes(30) <= local_now;
                        @let class = format!("cal-slot at-{} len-2 col-{}", r + 2, i + 2);
                        @if past || !may_book {
                            span class={ (class) @if past { " past" } } {}
                        } @else {
                            a class=(class) href={ "/appointments/new?start=" (v.day.and_time(t).format("%Y-%m-%dT%H:%M")) (c.query()) }
                                aria-label={ (lang.t(Msg::ApptNew)) " " (c.name()) " " (t.format("%H:%M")) } {}
                        }
                    }
                }
            }
            @for (s, i) in &cards {
                @let a = &s.appt;
                @let start = a.booking.start.with_timezone(&tz).time();
                @let end = a.booking.end().with_timezone(&tz).time();
                @let at = row_of(start, open, rows);
                @let len = (row_of(end, open, rows + 1).saturating_sub(at)).max(1);
                @let past = a.booking.end().with_timezone(&tz).naive_local() <= local_now;
                article class={ (status_class(a.status)) " at-" (at + 1) " len-" (len) " col-" (i + 2) @if past { " past" } @if a.overbooked { " over" } @if len <= 2 { " short" } }
                    data-appointment=(a.id) data-status=(a.status.code()) {
                    (card(lang, tz, s, cols[*i].name()))
                }
            }
        }
    }
}

/// What a booking shows: time, plate, customer, work, length, status, its order.
fn card(lang: Lang, tz: chrono_tz::Tz, s: &Shown, column: &str) -> Markup {
    let a = &s.appt;
    html! {
        a.appt-link href={ "/appointments/" (a.id) } {
            span.appt-time { (span(a, tz)) }
            " " span.plate { (s.plate()) }
            span.appt-col { " · " (column) }
        }
        span.appt-who { (s.customer_name()) }
        span.appt-work { (a.booking.work) " · " (lang.fmt(Msg::ApptMinutesShort, &[&a.booking.minutes])) }
        span.appt-status {
            span class={ "badge appt-badge-" (a.status.code()) } { (lang.t(a.status.label())) }
            @if a.overbooked { " " span.badge.warn { (lang.t(Msg::ApptOverbooked)) } }
            @if let Some(o) = a.order_id { " " a.order-link href={ "/orders/" (o) } data-order=(o) { (lang.t(Msg::ViewOrder)) } }
        }
    }
}

fn week_grid(ctx: &Ctx, v: &View) -> Markup {
    let lang = ctx.lang;
    let tz = ctx.settings.tz();
    let today = ctx.today();
    let monday = week_start(v.day);
    let days: Vec<NaiveDate> = (0..7).map(|d| monday + Duration::days(d)).collect();
    let appts: Vec<_> = v.shown.iter().map(|s| s.appt.clone()).collect();
    let cols = columns(&ctx.settings, &v.users, &appts);
    let may_book = ctx.user.as_ref().is_some_and(|u| u.user.roles.may(Area::Reception));
    let (open, _) = ctx.settings.opening_hours();
    html! {
        div.cal-week-wrap {
            table.cal-week {
                thead {
                    tr {
                        th {}
                        @for d in &days {
                            th class={ @if *d == today { "today" } @else if *d < today { "past" } } data-day=(d) {
                                a href={ "/appointments?day=" (d) } { (weekday(lang, *d)) br; (d.format("%m-%d")) }
                            }
                        }
                    }
                }
                tbody {
                    @for c in &cols {
                        tr {
                            th scope="row" { (c.name()) }
                            @for d in &days {
                                td class={ @if *d == today { "today" } @else if *d < today { "past" } } {
                                    @for s in v.shown.iter().filter(|s| c.holds(&s.appt, &cols) && s.appt.booking.start.with_timezone(&tz).date_naive() == *d) {
                                        @let a = &s.appt;
                                        div class={ (status_class(a.status)) " wk" @if a.overbooked { " over" } } data-appointment=(a.id) data-status=(a.status.code()) {
                                            a href={ "/appointments/" (a.id) } {
                                                span.appt-time { (a.booking.start.with_timezone(&tz).format("%H:%M")) } " "
                                                span.plate { (s.plate()) }
                                            }
                                            span class={ "badge appt-badge-" (a.status.code()) } { (lang.t(a.status.label())) }
                                        }
                                    }
                                    @if may_book && *d >= today {
                                        a.cal-add href={ "/appointments/new?start=" (d.and_time(open).format("%Y-%m-%dT%H:%M")) (c.query()) }
                                            aria-label={ (lang.t(Msg::ApptNew)) " " (c.name()) " " (d) } { "+" }
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
