//! The order page (GET /orders/{id}) and its live part (GET /orders/{id}/live), which follows
//! changes made elsewhere. The forms on it are drawn by the files of their actions.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use maud::{Markup, html};
use rust_decimal::Decimal;
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::reply::Response;

use super::approvals::{approval_form, approvals_list};
use super::lines::add_lines;
use super::requests::requests_section;
use super::status::{action_label, diagnosis_form, next_moves, status_form};
use super::{Query, ctx, fuel_label, may_view, name_of, query};
use crate::domain::template::ServiceTemplate;
use crate::domain::work_order::{ApprovalInput, Decision, LineInput};
use crate::domain::{Area, Customer, FieldErrors, OrderId, OrderState, Role, User, Vehicle, WorkOrder};
use crate::i18n::{Lang, Msg};
use crate::store::{customers, orders, templates, users, vehicles};
use crate::web::ctx::Ctx;
use crate::web::error::{AppError, AppResult};
use crate::web::layout::{self, notice};
use crate::web::show::{LocalTime, Money, StateBadge};
use crate::web::{AppState, html_response};

pub(super) fn routes(state: &Arc<AppState>) -> BoxedFilter<(Response,)> {
    let view = warp::path!("orders" / u64).and(warp::get()).and(ctx(state)).and(query()).then(handler!(
        state,
        ctx,
        |id: u64, ctx: Ctx, q: Query| view_page(&state, &ctx, OrderId(id), &q)
    ));
    let live = warp::path!("orders" / u64 / "live")
        .and(warp::get())
        .and(ctx(state))
        .and(query())
        .then(handler!(state, ctx, |id: u64, ctx: Ctx, q: Query| live_part(&state, &ctx, OrderId(id), &q)));
    view.or(live).unify().boxed()
}

/// Everything the order page shows.
pub(super) struct OrderView {
    pub order: WorkOrder,
    pub vehicle: Option<Vehicle>,
    pub customer: Option<Customer>,
    pub users: Vec<User>,
    /// The active templates, offered as buttons.
    pub templates: Vec<ServiceTemplate>,
    /// When the page was asked for ("late" depends on it, and the hours worked so far).
    pub now: DateTime<Utc>,
    /// Where phones reach this box (its QR leads there).
    pub base_url: String,
}

pub(super) async fn load(state: &AppState, id: OrderId) -> AppResult<OrderView> {
    state
        .store
        .read(move |tx| {
            let Some(order) = orders::get(tx, id)? else { return Ok(None) };
            let vehicle = vehicles::get(tx, order.vehicle_id)?;
            let customer = customers::get(tx, order.customer_id)?;
            let templates = templates::list(tx)?.into_iter().filter(|t| t.active).collect();
            Ok(Some((order, vehicle, customer, users::list(tx)?, templates)))
        })
        .await?
        .map(|(order, vehicle, customer, users, templates)| OrderView {
            order,
            vehicle,
            customer,
            users,
            templates,
            now: Utc::now(),
            base_url: state.public_base_url(),
        })
        .ok_or(AppError::NotFound)
}

pub(super) fn notice_of(code: &str) -> Option<Msg> {
    Some(match code {
        "opened" => Msg::OrderOpened,
        "lines" => Msg::LinesAdded,
        "line" => Msg::LineSaved,
        "removed" => Msg::LineRemoved,
        "approved" => Msg::ApprovalRecorded,
        "diagnosis" => Msg::DiagnosisSaved,
        "status" => Msg::StatusChanged,
        "saved" => Msg::Saved,
        "request" => Msg::RequestDone,
        "issued" => Msg::PartIssued,
        "returned" => Msg::PartReturned,
        "customer_link" => Msg::CustomerLinkIssued,
        _ => return None,
    })
}

async fn view_page(state: &AppState, ctx: &Ctx, id: OrderId, q: &Query) -> AppResult<Response> {
    may_view(ctx)?;
    let view = load(state, id).await?;
    let note = q.get("notice").and_then(|n| notice_of(n));
    Ok(order_page(ctx, &view, note, &Forms::default()))
}

/// Forms of the order page that came back with problems, with what was typed.
#[derive(Default)]
pub(super) struct Forms {
    pub line: Option<(LineInput, FieldErrors)>,
    pub approval: Option<(ApprovalInput, FieldErrors)>,
    pub status: Option<(String, FieldErrors)>,
    pub diagnosis: Option<(String, FieldErrors)>,
    /// A refused stock action on a line: its number, the typed quantity, the problems.
    pub stock: Option<(u32, String, FieldErrors)>,
}

impl Forms {
    pub fn has_errors(&self) -> bool {
        self.line.is_some()
            || self.approval.is_some()
            || self.status.is_some()
            || self.diagnosis.is_some()
            || self.stock.is_some()
    }
}

pub(super) fn order_page(ctx: &Ctx, view: &OrderView, note: Option<Msg>, forms: &Forms) -> Response {
    let lang = ctx.lang;
    let o = &view.order;
    let roles = ctx.user.as_ref().map(|u| u.user.roles).unwrap_or_default();
    let desk = roles.may(Area::Orders);
    let takes_work = desk && o.state.takes_work();
    let base = &view.base_url;
    let loopback = ["://127.", "://localhost", "://[::1]"].iter().any(|l| base.contains(l));
    let title = lang.fmt(Msg::OrderTitle, &[&o.number]);
    // The whole page is one element, so a change sent from it (htmx) swaps it where it stands.
    let body = html! {
        div #order-page data-state=(o.state.code()) data-version=(o.version) {
            div.page-head {
                h1 data-number=(o.number) { (title) " " (StateBadge(lang, o.state)) }
                div.actions {
                    @if let Some(a) = o.appointment {
                        a.button.secondary href={ "/appointments/" (a) } data-appointment-link=(a) { (lang.t(Msg::ApptFromBooking)) }
                    }
                    (crate::web::admin::history_link(ctx, &format!("order:{}", o.id)))
                }
            }
            // Only an admin can fix the address phones reach (Administration → parameters).
            // Once dismissed (a cookie of this browser), it stays away.
            @if loopback && roles.has(Role::Admin) && ctx.cookie(QR_WARNING_SEEN).is_none() {
                div.notice.warn.dismissible role="status" data-qr-warning {
                    span { (lang.fmt(Msg::LoopbackWarning, &[base])) " " a href="/admin/settings#f-public_base_url" { (lang.t(Msg::SettingsTitle)) } }
                    button.linklike type="button" data-dismiss=(QR_WARNING_SEEN) { (lang.t(Msg::DismissForGood)) }
                }
            }
            @if let Some(msg) = note { (notice("ok", lang.t(msg))) }
            @if forms.has_errors() { (notice("error", lang.t(Msg::FormHasErrors))) }
            (action_bar(ctx, view, roles))
            (live_section(ctx, view, forms.stock.as_ref()))
            @if takes_work { (add_lines(ctx, view, forms)) }
            @if desk && o.state.is_editable() && o.pending_lines().next().is_some() { (approval_form(ctx, view, forms)) }
            @if takes_work { (diagnosis_form(ctx, o, forms)) }
            @if desk || roles.has(Role::Cashier) { (status_form(ctx, o, roles, forms)) }
            (requests_section(ctx, o, &view.users, desk || roles.may(Area::Parts)))
            @if desk { (crate::web::walkaround::order_section(ctx, o)) }
            @if desk { (crate::web::inspections::order_section(ctx, o)) }
            (crate::web::floor::notes_section(ctx, o, &view.users, &FieldErrors::new(), desk && !o.state.is_closed()))
            @if desk { (customer_link_panel(ctx, view)) }
            @if desk && !o.state.is_closed() { p { a href={ "/t/" (format!("{:032x}", o.token)) "?floor=1" } { (lang.t(Msg::NavMyJobs)) " · " (lang.t(Msg::Start)) " / " (lang.t(Msg::Pause)) " / " (lang.t(Msg::Finish)) } } }
            (history_section(ctx, view))
        }
    };
    let mut response = html_response(layout::page(ctx, &title, body));
    if forms.has_errors() {
        *response.status_mut() = warp::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    response
}

/// The cookie that says this browser's administrator has read the QR-address warning.
const QR_WARNING_SEEN: &str = "wd_qr_warning_seen";

/// The one next step for the order's state, always in view (a bar stuck to the bottom of the
/// window): the customer's answer when lines wait for it, else the moves the state machine
/// allows this user without a reason, checkout for the cashier, and printing.
fn action_bar(ctx: &Ctx, view: &OrderView, roles: crate::domain::Roles) -> Markup {
    let lang = ctx.lang;
    let o = &view.order;
    let desk = roles.may(Area::Orders);
    let awaiting_answer = desk && o.state.is_editable() && o.pending_lines().next().is_some();
    let moves = if desk || roles.has(Role::Cashier) { next_moves(roles, o) } else { Vec::new() };
    let checkout = roles.may(Area::Checkout)
        && matches!(o.state, OrderState::Completed | OrderState::Settled | OrderState::Delivered);
    let primary_checkout = checkout && o.state == OrderState::Completed && !awaiting_answer;
    // An open order moves on once a technician has a labour line: adding one is the next step.
    let dispatch = desk && o.state == OrderState::Open && !o.has_dispatched_labour() && !awaiting_answer;
    let quiet = !awaiting_answer && moves.is_empty() && !primary_checkout && !dispatch;
    let action = format!("/orders/{}/status", o.id);
    html! {
        div.action-bar id="next-step" data-state=(o.state.code()) {
            div.what {
                span.muted { (lang.t(Msg::NextStep)) }
                " " (StateBadge(lang, o.state))
                @if quiet { " " span.muted data-next="none" { (lang.t(quiet_reason(o.state))) } }
            }
            div.actions {
                @if awaiting_answer {
                    a.button.big id="next-approval" data-next="approval" href="#approval" { (lang.t(Msg::NextApproval)) }
                }
                @if dispatch {
                    a.button.big id="next-dispatch" data-next="dispatch" href="#add-line" { (lang.t(Msg::NextDispatch)) }
                }
                @if primary_checkout {
                    a.button.big id="open-checkout" data-next="checkout" href={ "/orders/" (o.id) "/checkout" } { (lang.t(Msg::OpenCheckout)) }
                } @else if checkout {
                    a.button.big.secondary id="open-checkout" href={ "/orders/" (o.id) "/checkout" } { (lang.t(Msg::OpenCheckout)) }
                }
                @if !moves.is_empty() {
                    form.moves method="post" action=(action) hx-post=(action) hx-target="#order-page" hx-swap="outerHTML" data-swap-invalid {
                        (crate::web::layout::csrf_field(ctx))
                        @for (i, to) in moves.iter().enumerate() {
                            button.big.secondary[awaiting_answer || primary_checkout || i > 0] type="submit" name="to" value=(to.code()) data-next=(to.code()) {
                                (lang.t(action_label(o.state, *to)))
                            }
                        }
                    }
                }
                a.button.big.secondary id="print-order" href={ "/orders/" (o.id) "/print" } { (lang.t(Msg::PrintPreview)) }
            }
        }
    }
}

/// Why the bar offers nothing to do.
fn quiet_reason(state: OrderState) -> Msg {
    match state {
        OrderState::Completed => Msg::NextAwaitsCheckout,
        OrderState::Delivered | OrderState::Cancelled => Msg::NextNothing,
        _ => Msg::NextOnTheFloor,
    }
}

/// The order's history and the customer's answers, folded away until asked for.
fn history_section(ctx: &Ctx, view: &OrderView) -> Markup {
    let lang = ctx.lang;
    let tz = ctx.settings.tz();
    let o = &view.order;
    html! {
        details.panel.history id="history" {
            summary { h2 { (lang.t(Msg::History)) " " span.muted.small { "(" (o.history.len() + 1 + o.approvals.len()) ")" } } }
            ul.timeline {
                li { (lang.t(Msg::Created)) div.muted { (name_of(&view.users, o.created_by)) " · " (LocalTime::new(o.created_at, tz)) } }
                @for h in &o.history {
                    li {
                        (StateBadge(lang, h.from)) " → " (StateBadge(lang, h.to))
                        @if !h.reason.is_empty() { p.notes { (h.reason) } }
                        div.muted { (crate::web::show::person(&view.users, h.by, &h.by_name)) " · " (LocalTime::new(h.at, tz)) }
                    }
                }
            }
            (approvals_list(ctx, o, &view.users))
        }
    }
}

/// The customer's QR, for them to scan at the kiosk, with its address and a new one on request.
fn customer_link_panel(ctx: &Ctx, view: &OrderView) -> Markup {
    let lang = ctx.lang;
    let o = &view.order;
    let url = super::print::customer_url(&view.base_url, o);
    let qr = url.as_deref().and_then(|u| super::print::qr_markup(u).ok());
    html! {
        section.panel.customer-link id="customer-link" {
            h2 { (lang.t(Msg::CustomerLinkTitle)) }
            @match (&url, &qr) {
                (Some(url), Some(qr)) => {
                    div.customer-qr {
                        div.qr { (maud::PreEscaped(qr)) }
                        div {
                            p.lead { (lang.t(Msg::CustomerLinkLead)) }
                            p.qr-url { a href=(url) target="_blank" rel="noopener" data-customer-url { (url) } }
                            p { a.button.secondary href={ "/orders/" (o.id) "/print?copy=customer" } { (lang.t(Msg::CustomerCopy)) } }
                        }
                    }
                }
                _ => { p.muted { (lang.t(Msg::CustomerLinkNone)) } }
            }
            form method="post" action={ "/orders/" (o.id) "/customer-link" } {
                (crate::web::layout::csrf_field(ctx))
                button.secondary.small type="submit" title=(lang.t(Msg::NewCustomerLinkHelp)) { (lang.t(Msg::NewCustomerLink)) }
                " " span.muted.small { (lang.t(Msg::NewCustomerLinkHelp)) }
            }
        }
    }
}

/// The part of the order page that follows changes made elsewhere (the phone, another desk):
/// it asks every two seconds and is replaced only when the order changed.
fn live_section(ctx: &Ctx, view: &OrderView, stock: Option<&(u32, String, FieldErrors)>) -> Markup {
    let lang = ctx.lang;
    let tz = ctx.settings.tz();
    let o = &view.order;
    let desk = ctx.user.as_ref().is_some_and(|u| u.user.roles.may(Area::Orders));
    let editable = desk && o.state.takes_work();
    let now = view.now;
    let t = o.totals();
    html! {
        div id="order-live" hx-get={ "/orders/" (o.id) "/live?v=" (o.version) } hx-trigger="every 2s" hx-swap="outerHTML" {
            section.panel.order-summary {
                div.summary-main {
                    @if let Some(v) = &view.vehicle {
                        h2 { a href={ "/vehicles/" (v.id) } { span.plate-big { (v.details.plate) } } " " (v.details.title()) }
                    }
                    @if let Some(c) = &view.customer {
                        p.lead { a href={ "/customers/" (c.id) } { (c.details.name) } " · " (c.details.phone) }
                    }
                    h3 { (lang.t(Msg::Complaint)) }
                    p.notes { (o.reception.complaint) }
                    @if editable { p { a href={ "/orders/" (o.id) "/reception" } { (lang.t(Msg::EditReception)) } } }
                    @if !o.diagnosis.is_empty() {
                        h3 { (lang.t(Msg::Diagnosis)) }
                        ul.timeline { @for n in &o.diagnosis { li { p.notes { (n.text) } div.muted { (crate::web::show::person(&view.users, n.by, &n.by_name)) " · " (LocalTime::new(n.at, tz)) } } } }
                    }
                }
                dl.details {
                    dt { (lang.t(Msg::Created)) } dd { (LocalTime::new(o.created_at, tz)) }
                    dt { (lang.t(Msg::PromisedAt)) } dd {
                        @if let Some(p) = o.reception.promised_at { (LocalTime::new(p, tz)) } @else { "—" }
                        @if o.is_late(now) { " " span.badge.bad { (lang.t(Msg::Late)) } }
                    }
                    dt { (lang.t(Msg::Mileage)) } dd { (o.reception.mileage.map(|m| lang.fmt(Msg::Km, &[&crate::web::show::Grouped(m)])).unwrap_or("—".into())) }
                    dt { (lang.t(Msg::Fuel)) } dd { (o.reception.fuel.map(|f| lang.t(fuel_label(f))).unwrap_or("—")) }
                    dt { (lang.t(Msg::Advisor)) } dd { (name_of(&view.users, o.reception.advisor)) }
                    @if !o.reception.items_left.is_empty() { dt { (lang.t(Msg::ItemsLeft)) } dd { (o.reception.items_left) } }
                }
            }
            section.panel id="lines" {
                h2 { (lang.t(Msg::Lines)) }
                (lines_table(ctx, view, editable, stock))
                dl.totals {
                    dt { (lang.t(Msg::LabourTotal)) } dd data-total="labour" { (Money(t.labour)) }
                    dt { (lang.t(Msg::PartsTotal)) } dd data-total="parts" { (Money(t.parts)) }
                    dt { (lang.t(Msg::FeesTotal)) } dd data-total="fees" { (Money(t.fees)) }
                    dt.grand { (lang.t(Msg::Estimate)) } dd.grand data-total="estimate" { (Money(t.estimate)) }
                    dt { (lang.t(Msg::ApprovedTotal)) } dd data-total="approved" { (Money(t.approved)) }
                    @if t.pending > Decimal::ZERO { dt { (lang.t(Msg::PendingTotal)) } dd.warn data-total="pending" { (Money(t.pending)) } }
                    @if t.declined > Decimal::ZERO { dt { (lang.t(Msg::DeclinedTotal)) } dd.muted data-total="declined" { (Money(t.declined)) } }
                }
            }
        }
    }
}

async fn live_part(state: &AppState, ctx: &Ctx, id: OrderId, q: &Query) -> AppResult<Response> {
    may_view(ctx)?;
    let seen: Option<u64> = q.get("v").and_then(|v| v.parse().ok());
    let view = load(state, id).await?;
    if seen == Some(view.order.version) {
        return Ok(crate::web::board::no_change());
    }
    Ok(html_response(live_section(ctx, &view, None)))
}

pub(super) fn decision_badge(lang: Lang, d: Decision) -> Markup {
    let class = match d {
        Decision::Pending => "badge warn",
        Decision::Approved => "badge ok",
        Decision::Declined => "badge bad",
    };
    html! { span class=(class) { (lang.t(d.label())) } }
}

fn lines_table(
    ctx: &Ctx,
    view: &OrderView,
    editable: bool,
    stock: Option<&(u32, String, FieldErrors)>,
) -> Markup {
    let lang = ctx.lang;
    let o = &view.order;
    let roles = ctx.user.as_ref().map(|u| u.user.roles).unwrap_or_default();
    let may_move = super::stock::desk_or_parts(roles) && !o.state.is_closed();
    let now = view.now;
    html! {
        @if o.lines.is_empty() {
            p.muted { (lang.t(Msg::NoLines)) }
        } @else {
            div.table-wrap {
                table.rows.lines {
                    thead { tr {
                        th { "#" } th { (lang.t(Msg::Description)) } th.num { (lang.t(Msg::Qty)) } th.num { (lang.t(Msg::UnitPrice)) }
                        th.num { (lang.t(Msg::Amount)) } th { (lang.t(Msg::Technician)) } th { (lang.t(Msg::Status)) }
                        @if editable { th {} }
                    } }
                    tbody {
                        @for l in &o.lines {
                            tr.declined[l.decision == Decision::Declined] data-line=(l.no) data-decision=(l.decision.code()) {
                                td.muted { (l.no) }
                                td {
                                    span.kind { (lang.t(l.details.kind.label())) } " " (l.details.description)
                                    @let refused = stock.filter(|(no, ..)| *no == l.no).map(|(_, t, e)| (t.as_str(), e));
                                    (super::stock::line_stock(ctx, o.id, l, may_move, "order", refused))
                                }
                                td.num { (l.details.qty) @if l.is_labour() { " " (lang.t(Msg::HoursUnit)) } }
                                td.num { (Money(l.details.unit_price)) }
                                td.num { (Money(l.total())) }
                                td {
                                    @if l.is_labour() {
                                        @match l.details.technician {
                                            Some(t) => { (name_of(&view.users, Some(t))) }
                                            None => { span.muted { (lang.t(Msg::Unassigned)) } }
                                        }
                                        @if !l.clock.is_empty() || l.finished_at.is_some() {
                                            div { (crate::web::floor::progress_badge(lang, l.progress())) }
                                            div.muted.small { (lang.fmt(Msg::WorkedOfEstimate, &[&l.worked_hours(now), &l.details.qty])) }
                                        }
                                    }
                                }
                                td { (decision_badge(lang, l.decision)) }
                                @if editable { td { a.button.small.secondary href={ "/orders/" (o.id) "/lines/" (l.no) "/edit" } { (lang.t(Msg::EditLine)) } } }
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
    use super::*;
    use crate::domain::work_order::{LineDetails, LineKind, Reception};
    use crate::domain::{CustomerId, VehicleId};
    use crate::i18n::Lang;

    fn view(promised_at: DateTime<Utc>, now: DateTime<Utc>) -> OrderView {
        let reception = Reception {
            mileage: Some(52_000),
            fuel: Some(2),
            complaint: "刹车异响".into(),
            items_left: String::new(),
            promised_at: Some(promised_at),
            advisor: None,
        };
        let mut order = WorkOrder::new(VehicleId(1), CustomerId(1), OrderState::Open, reception, now, None);
        order.id = OrderId(7);
        order.version = 3;
        let details = LineDetails {
            kind: LineKind::Part,
            description: "刹车片".into(),
            qty: Decimal::from(2),
            unit_price: Decimal::new(18_050, 2),
            part_id: None,
            technician: None,
        };
        order.add_line(details, now, None);
        OrderView {
            order,
            vehicle: None,
            customer: None,
            users: vec![],
            templates: vec![],
            now,
            base_url: "http://192.168.1.10:8080".into(),
        }
    }

    #[test]
    fn the_live_part_asks_with_the_version_it_shows_and_says_late_from_the_time_it_is_given() {
        let promised: DateTime<Utc> = "2026-11-28T09:00:00Z".parse().unwrap();
        let ctx = Ctx::for_test(Lang::En, None);
        let before =
            live_section(&ctx, &view(promised, promised - chrono::Duration::hours(1)), None).into_string();
        assert!(before.contains(r#"id="order-live""#), "{before}");
        assert!(before.contains(r#"hx-get="/orders/7/live?v=3""#), "{before}");
        assert!(!before.contains("badge bad"), "not late before the promised time: {before}");
        assert!(before.contains("¥361.00"), "the line's total: {before}");
        let after =
            live_section(&ctx, &view(promised, promised + chrono::Duration::hours(1)), None).into_string();
        assert!(after.contains("badge bad"), "late after the promised time: {after}");
    }
}
