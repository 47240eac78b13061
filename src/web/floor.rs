//! The technician's phone pages (via the QR on the printed order): my jobs, the order with big
//! start / pause / finish buttons per labour line, notes with photos from the camera, parts
//! requests, and each photo note's "share with customer" switch (the customer's own page shows
//! shared notes). Plain web pages designed for a 390 px wide screen.
//!
//! About 700 lines: its routes, the multipart note upload and the phone views are one
//! flow and read best together; photo scaling is already [`super::photo`]. (The order page
//! renders the notes and badges from here, so moving them waits for the orders split.)

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use maud::{Markup, html};
use warp::Buf;
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::http::{HeaderValue, StatusCode};
use warp::hyper::body::Bytes;
use warp::reply::{Reply, Response};

use super::ctx::{Ctx, ct_eq};
use super::error::{AppError, AppResult, error_body, redirect_to, unprocessable_if};
use super::layout::{self, csrf_field, notice};
use super::show::{LocalTime, StateBadge};
use super::{AppState, BODY_LIMIT, html_response, run};
use crate::domain::clock::{ClockAction, PauseReason, Progress};
use crate::domain::work_order::{Decision, Line, transitions_for};
use crate::domain::work_order::{PartRequest, RequestStatus};
use crate::domain::{Area, FieldErrors, OrderState, Problem, User, UserId, Vehicle, WorkOrder};
use crate::i18n::{Lang, Msg};
use crate::store::orders::{self, TokenLookup};
use crate::store::{StoreError, users, vehicles};

type Query = HashMap<String, String>;

/// Largest photo accepted, as sent by the phone.
pub const PHOTO_LIMIT: u64 = 15 * 1024 * 1024;
/// Photos in one note.
const PHOTOS_PER_NOTE: usize = 4;

pub fn routes(state: Arc<AppState>) -> BoxedFilter<(Response,)> {
    let ctx = super::ctx::ctx(state.clone());
    let body = warp::body::content_length_limit(BODY_LIMIT).and(warp::body::bytes());
    let query = warp::query::<Query>().or(warp::any().map(Query::new)).unify();

    let s = state.clone();
    let jobs = warp::path!("t").and(warp::get()).and(ctx.clone()).then(move |ctx: Ctx| {
        let s = s.clone();
        async move { run(&ctx, my_jobs(&s, &ctx).await) }
    });
    let s = state.clone();
    let page = warp::path!("t" / String).and(warp::get()).and(ctx.clone()).and(query).then(
        move |token: String, ctx: Ctx, q: Query| {
            let s = s.clone();
            async move { run(&ctx, order_page(&s, &ctx, &token, &q).await) }
        },
    );
    let s = state.clone();
    let line = warp::path!("t" / String / "lines" / u32).and(warp::post()).and(ctx.clone()).and(body).then(
        move |token: String, no: u32, ctx: Ctx, body: Bytes| {
            let s = s.clone();
            async move { run(&ctx, clock(&s, &ctx, &token, no, &body).await) }
        },
    );
    let s = state.clone();
    let parts = warp::path!("t" / String / "parts").and(warp::post()).and(ctx.clone()).and(body).then(
        move |token: String, ctx: Ctx, body: Bytes| {
            let s = s.clone();
            async move { run(&ctx, request_part(&s, &ctx, &token, &body).await) }
        },
    );
    // The photo's own limit plus room for the note and the form's other fields.
    let s = state.clone();
    let notes = warp::path!("t" / String / "notes")
        .and(warp::post())
        .and(ctx.clone())
        .and(warp::multipart::form().max_length(PHOTO_LIMIT * PHOTOS_PER_NOTE as u64 + BODY_LIMIT))
        .then(move |token: String, ctx: Ctx, form: warp::multipart::FormData| {
            let s = s.clone();
            async move { run(&ctx, add_note(&s, &ctx, &token, form).await) }
        });
    let s = state.clone();
    let share = warp::path!("t" / String / "notes" / usize / "share")
        .and(warp::post())
        .and(ctx.clone())
        .and(body)
        .then(move |token: String, no: usize, ctx: Ctx, body: Bytes| {
            let s = s.clone();
            async move { run(&ctx, share_note(&s, &ctx, &token, no, &body).await) }
        });
    let s = state.clone();
    let photo = warp::path!("photos" / u64 / u64).and(warp::get()).and(ctx).and(query).then(
        move |order: u64, id: u64, ctx: Ctx, q: Query| {
            let s = s.clone();
            async move { run(&ctx, photo(&s, &ctx, order, id, q.contains_key("thumb")).await) }
        },
    );
    jobs.or(page)
        .unify()
        .or(line)
        .unify()
        .or(parts)
        .unify()
        .or(notes)
        .unify()
        .or(share)
        .unify()
        .or(photo)
        .unify()
        .boxed()
}

/// Who may use the floor pages: technicians, and the desk (who may act on any line).
pub(crate) fn floor_user(ctx: &Ctx) -> AppResult<&super::ctx::CurrentUser> {
    let user = ctx.user()?;
    let r = user.user.roles;
    if r.may(Area::MyJobs) || r.may(Area::Orders) { Ok(user) } else { Err(AppError::Forbidden) }
}

/// The order behind a token, or the page that says why there is none. The token is looked up
/// in the index and then compared with the order's in constant time; every kind of miss gets
/// the same page.
pub(crate) async fn resolve(
    state: &AppState,
    ctx: &Ctx,
    token: &str,
) -> AppResult<Result<WorkOrder, Response>> {
    let parsed = (token.len() == 32).then(|| u128::from_str_radix(token, 16).ok()).flatten();
    let sent = parsed.unwrap_or(0);
    let lookup = state.store.read(move |tx| orders::by_token(tx, sent)).await?;
    let lang = ctx.lang;
    let page = |title: Msg, lead: String, status: StatusCode| {
        let mut response =
            html_response(layout::page(ctx, lang.t(title), error_body(lang, lang.t(title), &lead)));
        *response.status_mut() = status;
        response
    };
    Ok(match lookup {
        TokenLookup::Current(order) if ct_eq(&order.token.to_be_bytes(), &sent.to_be_bytes()) => Ok(*order),
        TokenLookup::Retired(order) => Err(page(
            Msg::TokenRetiredTitle,
            lang.fmt(Msg::TokenRetiredLead, &[&order.number]),
            StatusCode::GONE,
        )),
        _ => Err(page(Msg::TokenUnknownTitle, lang.t(Msg::TokenUnknownLead).into(), StatusCode::NOT_FOUND)),
    })
}

pub(crate) fn token_of(order: &WorkOrder) -> String {
    format!("{:032x}", order.token)
}

async fn order_page(state: &AppState, ctx: &Ctx, token: &str, q: &Query) -> AppResult<Response> {
    let user = ctx.user()?;
    let order = match resolve(state, ctx, token).await? {
        Ok(order) => order,
        Err(page) => return Ok(page),
    };
    let roles = user.user.roles;
    // The desk works on the order page; `?floor=1` shows them this one.
    if (roles.may(Area::Orders) || roles.may(Area::Checkout)) && !q.contains_key("floor") {
        return Ok(redirect_to(&format!("/orders/{}", order.id), ctx.htmx));
    }
    floor_user(ctx)?;
    let note = q.get("notice").and_then(|n| match n.as_str() {
        "clock" => Some(Msg::ClockSaved),
        "note" => Some(Msg::NoteSaved),
        "part" => Some(Msg::RequestSent),
        "status" => Some(Msg::StatusChanged),
        _ => None,
    });
    let switched = q.get("switched").cloned();
    phone_page(state, ctx, order, note, switched, &FieldErrors::new()).await
}

/// The order's phone page: [`PhoneView::gather`] reads what it shows, then [`phone_view`] shows
/// it. (Also the answer of the order page's status form to a technician.)
pub(crate) async fn phone_page(
    state: &AppState,
    ctx: &Ctx,
    order: WorkOrder,
    note: Option<Msg>,
    switched: Option<String>,
    errors: &FieldErrors,
) -> AppResult<Response> {
    let view = PhoneView::gather(state, order).await?;
    Ok(phone_view(ctx, &view, note, switched, errors))
}

/// What the phone page shows besides the order: its vehicle and everyone's names.
struct PhoneView {
    order: WorkOrder,
    vehicle: Option<Vehicle>,
    users: Vec<User>,
}

impl PhoneView {
    async fn gather(state: &AppState, order: WorkOrder) -> AppResult<PhoneView> {
        let vehicle_id = order.vehicle_id;
        let (vehicle, users) =
            state.store.read(move |tx| Ok((vehicles::get(tx, vehicle_id)?, users::list(tx)?))).await?;
        Ok(PhoneView { order, vehicle, users })
    }
}

/// The phone page as a response; with `errors`, refused (422).
fn phone_view(
    ctx: &Ctx,
    view: &PhoneView,
    note: Option<Msg>,
    switched: Option<String>,
    errors: &FieldErrors,
) -> Response {
    let body = phone_body(ctx, &view.order, view.vehicle.as_ref(), &view.users, note, switched, errors);
    unprocessable_if(!errors.is_empty(), html_response(layout::page(ctx, &view.order.number, body)))
}

/// A line's progress as a badge; `data-progress` carries it as a code (`running`,
/// `paused:waiting_parts` …) for scripts and tests.
pub fn progress_badge(lang: Lang, p: Progress) -> Markup {
    let (class, code) = match p {
        Progress::NotStarted => ("badge", "not_started".to_string()),
        Progress::Running => ("badge ok running", "running".to_string()),
        Progress::Paused(None) => ("badge warn", "paused".to_string()),
        Progress::Paused(Some(r)) => ("badge warn", format!("paused:{}", r.code())),
        Progress::Finished => ("badge done", "finished".to_string()),
    };
    html! {
        span class=(class) data-progress=(code) {
            (lang.t(p.label()))
            @if let Progress::Paused(Some(r)) = p { " · " (lang.t(r.label())) }
        }
    }
}

fn phone_body(
    ctx: &Ctx,
    o: &WorkOrder,
    vehicle: Option<&Vehicle>,
    all: &[User],
    note: Option<Msg>,
    switched: Option<String>,
    errors: &FieldErrors,
) -> Markup {
    let lang = ctx.lang;
    let tz = ctx.settings.tz();
    let me = ctx.user.as_ref().map(|u| u.user.id).unwrap_or(UserId(0));
    let roles = ctx.user.as_ref().map(|u| u.user.roles).unwrap_or_default();
    let desk = roles.may(Area::Orders);
    let token = token_of(o);
    let now = Utc::now();
    let live: Vec<_> = o.lines.iter().filter(|l| l.is_labour() && l.decision != Decision::Declined).collect();
    let (mine, others): (Vec<_>, Vec<_>) = live
        .into_iter()
        .partition(|l| l.details.technician == Some(me) || (desk && l.details.technician.is_none()));
    let may_work = matches!(o.state, OrderState::Open | OrderState::InProgress | OrderState::WaitingParts);
    let name = |id: Option<UserId>| {
        id.and_then(|id| all.iter().find(|u| u.id == id)).map(|u| u.display_name.clone()).unwrap_or_default()
    };
    let to_qc = transitions_for(roles, o).contains(&OrderState::QualityCheck);
    html! {
        div.phone {
            p { a href="/t" { "← " (lang.t(Msg::BackToJobs)) } }
            section.phone-head {
                @if let Some(v) = vehicle {
                    div.plate-big { (v.details.plate) }
                    h1 { (v.details.title()) }
                }
                p { (StateBadge(lang, o.state)) " " span.muted { (o.number) } }
                @if let Some(p) = o.reception.promised_at {
                    p.promised.late[o.is_late(now)] { (lang.t(Msg::PromisedAt)) ": " strong { (LocalTime::new(p, tz)) } }
                }
            }
            @if o.state.is_closed() { (notice("warn", lang.t(Msg::TokenClosedLead))) }
            @if let Some(n) = &switched { (notice("warn", &lang.fmt(Msg::SwitchedNotice, &[n]))) }
            @if let Some(msg) = note { (notice("ok", lang.t(msg))) }
            @if let Some(p) = errors.get("action") { (notice("error", &p.text(lang))) }
            section.panel {
                h2 { (lang.t(Msg::Complaint)) }
                p.notes { (o.reception.complaint) }
                @for d in &o.diagnosis { p.notes { (lang.t(Msg::Diagnosis)) ": " (d.text) } }
            }
            section.panel {
                h2 { (lang.t(Msg::MyLines)) }
                @if mine.is_empty() { p.muted { (lang.t(Msg::NoJobs)) } }
                @for l in &mine { (job_card(ctx, &token, l, may_work, now)) }
                @if to_qc {
                    form method="post" action={ "/orders/" (o.id) "/status" } {
                        (csrf_field(ctx))
                        button.huge type="submit" name="to" value="quality_check" { (lang.t(Msg::ToQualityCheck)) }
                    }
                }
            }
            @if !others.is_empty() {
                section.panel {
                    h2 { (lang.t(Msg::OthersLines)) }
                    ul.job-lines {
                        @for l in &others {
                            li {
                                strong { (l.details.description) } " " (progress_badge(lang, l.progress()))
                                div.muted { (name(l.details.technician)) " · " (lang.fmt(Msg::WorkedOfEstimate, &[&l.worked_hours(now), &l.details.qty])) }
                            }
                        }
                    }
                }
            }
            p { a.button.big.secondary href={ "/t/" (token) "/inspection" } data-inspection-link { (lang.t(Msg::InspTitle)) } }
            (notes_section(ctx, o, all, errors, !o.state.is_closed()))
            @if o.state.is_editable() { (parts_section(ctx, o, errors)) }
        }
    }
}

/// One of my labour lines, with start / pause / finish buttons while the order may be worked on.
fn job_card(ctx: &Ctx, token: &str, l: &Line, may_work: bool, now: DateTime<Utc>) -> Markup {
    let lang = ctx.lang;
    html! {
        @let p = l.progress();
        div class={ "job" @if p == Progress::Running { " running" } } {
            div.job-head {
                strong { (l.details.description) }
                (progress_badge(lang, p))
            }
            p.muted { (lang.fmt(Msg::WorkedOfEstimate, &[&l.worked_hours(now), &l.details.qty])) }
            @if may_work && p != Progress::Finished {
                div.job-actions {
                    @if p != Progress::Running {
                        form method="post" action={ "/t/" (token) "/lines/" (l.no) } {
                            (csrf_field(ctx))
                            input type="hidden" name="action" value="start";
                            button.huge.go type="submit" { "▶ " (lang.t(Msg::Start)) }
                        }
                    }
                    form method="post" action={ "/t/" (token) "/lines/" (l.no) } {
                        (csrf_field(ctx))
                        input type="hidden" name="action" value="finish";
                        button.huge.done type="submit" { "✓ " (lang.t(Msg::Finish)) }
                    }
                }
                @if p == Progress::Running {
                    form.pause method="post" action={ "/t/" (token) "/lines/" (l.no) } {
                        (csrf_field(ctx))
                        input type="hidden" name="action" value="pause";
                        fieldset {
                            legend { (lang.t(Msg::PauseWhy)) }
                            div.reasons {
                                @for r in [PauseReason::WaitingParts, PauseReason::WaitingApproval, PauseReason::Break, PauseReason::Other] {
                                    label.reason { input type="radio" name="reason" value=(r.code()) required; span { (lang.t(r.label())) } }
                                }
                            }
                        }
                        button.huge.hold type="submit" { "❚❚ " (lang.t(Msg::Pause)) }
                    }
                }
            }
        }
    }
}

/// Notes and photos, with the form to add one from the phone's camera.
pub fn notes_section(
    ctx: &Ctx,
    o: &WorkOrder,
    people: &[crate::domain::User],
    errors: &FieldErrors,
    with_form: bool,
) -> Markup {
    let lang = ctx.lang;
    let tz = ctx.settings.tz();
    html! {
        section.panel id="notes" {
            h2 { (lang.t(Msg::NotesAndPhotos)) }
            @if with_form {
                form.note-form method="post" action={ "/t/" (token_of(o)) "/notes" } enctype="multipart/form-data" data-max-bytes=(PHOTO_LIMIT) {
                    (csrf_field(ctx))
                    div.field.invalid[errors.get("text").is_some()] {
                        label for="f-text" { (lang.t(Msg::NoteText)) }
                        textarea id="f-text" name="text" rows="3" {}
                        @if let Some(p) = errors.get("text") { p.field-msg id="f-text-msg" { (p.text(lang)) } }
                    }
                    div.field.invalid[errors.get("photo").is_some()] {
                        label for="f-photo" { (lang.t(Msg::Photo)) }
                        input id="f-photo" type="file" name="photo" accept="image/*" capture="environment";
                        @if let Some(p) = errors.get("photo") { p.field-msg id="f-photo-msg" { (p.text(lang)) } }
                        p.field-msg.too-big hidden { (lang.t(Msg::PhotoTooLarge)) }
                    }
                    button.big type="submit" { (lang.t(Msg::AddNote)) }
                }
            }
            ul.timeline {
                @for (i, n) in o.notes.iter().enumerate().rev() {
                    li data-note=(i + 1) data-shared[n.shared] {
                        @if !n.text.is_empty() { p.notes { (n.text) } }
                        @if !n.photos.is_empty() {
                            div.thumbs {
                                @for id in &n.photos {
                                    a href={ "/photos/" (o.id) "/" (id) } target="_blank" {
                                        img src={ "/photos/" (o.id) "/" (id) "?thumb=1" } alt=(lang.t(Msg::Photo)) loading="lazy" width="160" height="120";
                                    }
                                }
                            }
                        }
                        div.muted { (crate::web::show::person(people, n.by, &n.by_name)) " · " (LocalTime::new(n.at, tz)) }
                        @if with_form && !n.photos.is_empty() { (share_switch(ctx, o, i + 1, n.shared)) }
                    }
                }
            }
        }
    }
}

/// A photo note's "share with customer" switch: shows the note and its photos on the
/// customer's own page, or stops showing them. Off until someone turns it on.
fn share_switch(ctx: &Ctx, o: &WorkOrder, no: usize, shared: bool) -> Markup {
    let lang = ctx.lang;
    let desk = ctx.user.as_ref().is_some_and(|u| u.user.roles.may(Area::Orders));
    let from_order = desk && !ctx.path_and_query.starts_with("/t/");
    html! {
        form.share-switch method="post" action={ "/t/" (token_of(o)) "/notes/" (no) "/share" } {
            (csrf_field(ctx))
            input type="hidden" name="shared" value=(if shared { "0" } else { "1" });
            @if from_order { input type="hidden" name="from" value="order"; }
            @if shared {
                span.badge.ok { (lang.t(Msg::SharedWithCustomer)) } " "
                button.secondary.small type="submit" aria-pressed="true" { (lang.t(Msg::StopSharing)) }
            } @else {
                button.secondary.small type="submit" aria-pressed="false" { (lang.t(Msg::ShareWithCustomer)) }
            }
        }
    }
}

/// POST /t/{token}/notes/{no}/share: `shared` 1 or 0; back to the page the switch was on.
async fn share_note(state: &AppState, ctx: &Ctx, token: &str, no: usize, body: &[u8]) -> AppResult<Response> {
    let user = floor_user(ctx)?;
    let form = ctx.form(body)?;
    let order = match resolve(state, ctx, token).await? {
        Ok(order) => order,
        Err(page) => return Ok(page),
    };
    let shared = match form.get("shared") {
        "1" => true,
        "0" => false,
        _ => return Err(AppError::BadRequest),
    };
    let (actor, id) = (user.actor(), order.id);
    let order =
        state.store.write_touching(move |tx, t| orders::share_note_tx(tx, t, &actor, id, no, shared)).await?;
    let to = if form.get("from") == "order" {
        format!("/orders/{}?notice=saved#notes", order.id)
    } else {
        format!("/t/{}?floor=1&notice=note#notes", token_of(&order))
    };
    Ok(redirect_to(&to, ctx.htmx))
}

fn parts_section(ctx: &Ctx, o: &WorkOrder, errors: &FieldErrors) -> Markup {
    let lang = ctx.lang;
    let tz = ctx.settings.tz();
    html! {
        section.panel id="parts" {
            h2 { (lang.t(Msg::PartsRequestTitle)) }
            form method="post" action={ "/t/" (token_of(o)) "/parts" } novalidate {
                (csrf_field(ctx))
                (super::layout::Field::text("part_text", lang.t(Msg::PartText), "").required().render(lang, errors))
                (super::layout::Field::text("part_qty", lang.t(Msg::PartQty), "1").kind("text").render(lang, errors))
                button.big.secondary type="submit" { (lang.t(Msg::RequestPart)) }
            }
            @if !o.part_requests.is_empty() {
                ul.timeline {
                    @for r in o.part_requests.iter().rev() {
                        li { strong { (r.text) } " × " (r.qty) " " (request_badge(lang, r)) div.muted { (r.by_name) " · " (LocalTime::new(r.at, tz)) } }
                    }
                }
            }
        }
    }
}

pub fn request_badge(lang: Lang, r: &PartRequest) -> Markup {
    let class = match r.status {
        RequestStatus::Open => "badge warn",
        RequestStatus::Added => "badge ok",
        RequestStatus::Dismissed => "badge",
    };
    html! { span class=(class) data-request=(r.status.code()) { (lang.t(r.status.label())) } }
}

async fn clock(state: &AppState, ctx: &Ctx, token: &str, no: u32, body: &[u8]) -> AppResult<Response> {
    let user = floor_user(ctx)?;
    let form = ctx.form(body)?;
    let order = match resolve(state, ctx, token).await? {
        Ok(order) => order,
        Err(page) => return Ok(page),
    };
    let action = match ClockAction::parse(form.get("action"), form.get("reason")) {
        Ok(a) => a,
        Err(p) => return phone_page(state, ctx, order, None, None, &FieldErrors::one("action", p)).await,
    };
    let (actor, roles, id) = (user.actor(), user.user.roles, order.id);
    let result =
        state.store.write_touching(move |tx, t| orders::clock_tx(tx, t, &actor, roles, id, no, action)).await;
    match result {
        Ok((order, outcome)) => {
            let mut to = format!("/t/{}?floor=1&notice=clock", token_of(&order));
            if let Some(n) = outcome.switched_from {
                to.push_str(&format!("&switched={}", super::error::encode(&n)));
            }
            Ok(redirect_to(&to, ctx.htmx))
        }
        Err(StoreError::Invalid(errors)) => phone_page(state, ctx, order, None, None, &errors).await,
        Err(e) => Err(e.into()),
    }
}

async fn request_part(state: &AppState, ctx: &Ctx, token: &str, body: &[u8]) -> AppResult<Response> {
    let user = floor_user(ctx)?;
    let form = ctx.form(body)?;
    let order = match resolve(state, ctx, token).await? {
        Ok(order) => order,
        Err(page) => return Ok(page),
    };
    let (text, qty) = match PartRequest::check(form.get("part_text"), form.get("part_qty")) {
        Ok(v) => v,
        Err((field, p)) => {
            return phone_page(state, ctx, order, None, None, &FieldErrors::one(field, p)).await;
        }
    };
    let (actor, id) = (user.actor(), order.id);
    let order = state
        .store
        .write_touching(move |tx, t| orders::request_part_tx(tx, t, &actor, id, text.clone(), qty))
        .await?;
    Ok(redirect_to(&format!("/t/{}?floor=1&notice=part#parts", token_of(&order)), ctx.htmx))
}

/// What the note form sent, or the problem with it.
/// One part of a multipart form, read with a limit by [`read_part`].
pub(crate) enum PartRead {
    Data(Vec<u8>),
    TooBig,
    /// The body ended or broke mid-part (past the form's own limit, a dropped connection).
    Broken,
}

/// Reads one part chunk by chunk and gives it up as soon as it passes `limit`: the rest is read
/// and dropped, so memory stays flat and the phone gets the answer instead of a broken
/// connection. Note photos and inspection photos both come through here.
pub(crate) async fn read_part(part: &mut warp::multipart::Part, limit: usize) -> PartRead {
    let mut data = Vec::new();
    let mut too_big = false;
    while let Some(chunk) = part.data().await {
        let Ok(chunk) = chunk else { return PartRead::Broken };
        if too_big {
            continue;
        }
        if data.len() + chunk.remaining() > limit {
            too_big = true;
            data = Vec::new();
            continue;
        }
        data.extend_from_slice(chunk.chunk());
    }
    if too_big { PartRead::TooBig } else { PartRead::Data(data) }
}

/// A multipart form with photos (an inspection item's card, a walk-around mark): its text
/// fields, and the photos kept (each read through [`read_part`] and refused once over
/// [`PHOTO_LIMIT`]).
#[derive(Default)]
pub(crate) struct Upload {
    pub(crate) fields: HashMap<String, String>,
    pub(crate) photos: Vec<Vec<u8>>,
    pub(crate) problem: Option<(&'static str, Msg)>,
}

impl Upload {
    pub(crate) fn get(&self, name: &str) -> &str {
        self.fields.get(name).map(String::as_str).unwrap_or("")
    }
}

/// Reads a multipart form with photos (`photo` parts), keeping at most `most_photos` of them;
/// each part through [`read_part`], so an oversized upload never sits whole in memory. A text
/// part that is too large or not UTF-8 is said beside `text_field`.
pub(crate) async fn read_upload(
    mut form: warp::multipart::FormData,
    most_photos: usize,
    text_field: &'static str,
) -> Upload {
    let mut out = Upload::default();
    while let Some(part) = form.next().await {
        let Ok(mut part) = part else {
            out.problem.get_or_insert(("photo", Msg::PhotoTooLarge));
            break;
        };
        let field = part.name().to_string();
        let limit = if field == "photo" { PHOTO_LIMIT as usize } else { BODY_LIMIT as usize };
        let data = match read_part(&mut part, limit).await {
            PartRead::Data(data) => data,
            PartRead::TooBig => {
                out.problem.get_or_insert(if field == "photo" {
                    ("photo", Msg::PhotoTooLarge)
                } else {
                    (text_field, Msg::TooLargeLead)
                });
                continue;
            }
            PartRead::Broken => {
                out.problem.get_or_insert(("photo", Msg::PhotoTooLarge));
                return out;
            }
        };
        if field == "photo" {
            if !data.is_empty() && out.photos.len() < most_photos {
                out.photos.push(data);
            }
            continue;
        }
        match String::from_utf8(data) {
            Ok(text) => {
                out.fields.insert(field, text);
            }
            // Not text a phone would send: never stored as `�`.
            Err(_) => {
                out.problem.get_or_insert((text_field, Msg::BadRequestLead));
            }
        }
    }
    out
}

async fn add_note(
    state: &AppState,
    ctx: &Ctx,
    token: &str,
    form: warp::multipart::FormData,
) -> AppResult<Response> {
    let user = floor_user(ctx)?;
    let upload = read_upload(form, PHOTOS_PER_NOTE, "text").await;
    // The form sends its token first, so it is read even when a photo is refused.
    ctx.check_csrf(upload.get("csrf"))?;
    let order = match resolve(state, ctx, token).await? {
        Ok(order) => order,
        Err(page) => return Ok(page),
    };
    let again = |field: &'static str, p: Problem| FieldErrors::one(field, p);
    if let Some((field, msg)) = upload.problem {
        return phone_page(state, ctx, order, None, None, &again(field, Problem::new(msg))).await;
    }
    let text = match crate::domain::field::optional_text(upload.get("text"), 2000) {
        Ok(t) => t,
        Err(p) => return phone_page(state, ctx, order, None, None, &again("text", p)).await,
    };
    if text.is_empty() && upload.photos.is_empty() {
        return phone_page(state, ctx, order, None, None, &again("text", Problem::new(Msg::NoteEmpty))).await;
    }
    let mut photos = Vec::new();
    for bytes in upload.photos {
        match super::photo::scale_photo(state, bytes).await? {
            Ok(photo) => photos.push(photo),
            Err(msg) => {
                return phone_page(state, ctx, order, None, None, &again("photo", Problem::new(msg))).await;
            }
        }
    }
    let (actor, id) = (user.actor(), order.id);
    let order = state
        .store
        .write_touching(move |tx, t| orders::add_note_tx(tx, t, &actor, id, text.clone(), &photos))
        .await?;
    Ok(redirect_to(&format!("/t/{}?floor=1&notice=note#notes", token_of(&order)), ctx.htmx))
}

async fn photo(state: &AppState, ctx: &Ctx, order: u64, id: u64, thumb: bool) -> AppResult<Response> {
    let roles = ctx.user()?.user.roles;
    if !(roles.may(Area::MyJobs) || roles.may(Area::Orders) || roles.may(Area::Checkout)) {
        return Err(AppError::Forbidden);
    }
    let order = crate::domain::OrderId(order);
    let bytes = state
        .store
        .read(move |tx| {
            if !orders::photo_order(tx, order, id)? {
                return Ok(None);
            }
            orders::photo(tx, id, thumb)
        })
        .await?
        .ok_or(AppError::NotFound)?;
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert("content-type", HeaderValue::from_static("image/jpeg"));
    headers.insert("cache-control", HeaderValue::from_static("private, max-age=86400"));
    Ok(response)
}

/// `/t`: every labour line assigned to me in the orders in the shop, the running one first.
async fn my_jobs(state: &AppState, ctx: &Ctx) -> AppResult<Response> {
    let user = floor_user(ctx)?;
    let lang = ctx.lang;
    let tz = ctx.settings.tz();
    let me = user.user.id;
    let rows = state
        .store
        .read(move |tx| {
            let mut rows = Vec::new();
            for o in orders::on_board(tx)? {
                if !o.technicians().contains(&me) {
                    continue;
                }
                let v = vehicles::get(tx, o.vehicle_id)?;
                rows.push((o, v));
            }
            Ok(rows)
        })
        .await?;
    let now = Utc::now();
    let mut jobs = Vec::new();
    for (o, v) in &rows {
        for l in o
            .lines
            .iter()
            .filter(|l| l.is_labour() && l.decision != Decision::Declined && l.details.technician == Some(me))
        {
            jobs.push((o, v, l));
        }
    }
    let rank = |p: Progress| match p {
        Progress::Running => 0,
        Progress::Paused(_) => 1,
        Progress::NotStarted => 2,
        Progress::Finished => 3,
    };
    jobs.sort_by_key(|(o, _, l)| (rank(l.progress()), o.reception.promised_at, o.id));
    // Open jobs first; what I finished today folds away below them (earlier days are done with).
    let today = now.with_timezone(&tz).date_naive();
    let (done, open): (Vec<_>, Vec<_>) =
        jobs.iter().partition(|(_, _, l)| l.progress() == Progress::Finished);
    let done: Vec<_> = done
        .into_iter()
        .filter(|(_, _, l)| l.finished_at.is_some_and(|f| f.with_timezone(&tz).date_naive() == today))
        .collect();
    let card = |o: &WorkOrder, v: &Option<Vehicle>, l: &Line| {
        html! {
            a.job-card.running[l.progress() == Progress::Running] href={ "/t/" (token_of(o)) "?floor=1" } data-job=(l.no) {
                div.job-head {
                    span.plate { (v.as_ref().map(|v| v.details.plate.to_string()).unwrap_or_default()) }
                    (progress_badge(lang, l.progress()))
                }
                strong { (l.details.description) }
                div.muted {
                    (v.as_ref().map(|v| v.details.title()).unwrap_or_default())
                    @if let Some(p) = o.reception.promised_at { " · " (lang.t(Msg::PromisedAt)) " " (LocalTime::new(p, tz)) }
                }
                div.muted { (lang.fmt(Msg::WorkedOfEstimate, &[&l.worked_hours(now), &l.details.qty])) }
            }
        }
    };
    let body = html! {
        div.phone {
            h1 { (lang.t(Msg::NavMyJobs)) }
            @if jobs.is_empty() {
                p.muted { (lang.t(Msg::CardMyJobs)) }
                div.empty { p { (lang.t(Msg::NoJobs)) } }
            } @else {
                section.open-jobs data-open-jobs=(open.len()) {
                    @if open.is_empty() { div.empty { p { (lang.t(Msg::NoOpenJobs)) } } }
                    @for (o, v, l) in &open { (card(o, v, l)) }
                }
                @if !done.is_empty() {
                    details.finished-jobs data-finished-jobs=(done.len()) {
                        summary { (lang.fmt(Msg::FinishedToday, &[&done.len()])) }
                        @for (o, v, l) in &done { (card(o, v, l)) }
                    }
                }
            }
        }
    };
    Ok(html_response(layout::page(ctx, lang.t(Msg::NavMyJobs), body)))
}
