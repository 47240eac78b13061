//! The kiosk's pages (1280 × 800, touch): the walk-around in three columns (the car to tap,
//! the mark form with the marks so far, the lights, items and fuel), and the signing page,
//! where the customer reviews it all and signs on the approval's signature pad.

use maud::{Markup, html};
use warp::reply::Response;

use super::outline::{facts, fuel_text, legend, light_badge, outline, signature_block};
use super::{Refused, WalkView};
use crate::domain::walkaround::{
    ChecksInput, DamageKind, LeftItem, MarkInput, SignInput, Walkaround, WarningLight,
};
use crate::domain::work_order::Signature;
use crate::domain::{FieldErrors, Role};
use crate::i18n::{Lang, Msg};
use crate::web::ctx::Ctx;
use crate::web::html_response;
use crate::web::layout::{self, csrf_field, notice};

fn field_msg(lang: Lang, errors: &FieldErrors, name: &str) -> Markup {
    html! { @if let Some(p) = errors.get(name) { p.field-msg role="alert" data-error=(name) { (p.text(lang)) } } }
}

fn title_of(ctx: &Ctx, view: &WalkView) -> String {
    let plate = view.vehicle.as_ref().map(|v| v.details.plate.to_string()).unwrap_or_default();
    format!("{} {plate}", ctx.lang.t(Msg::WalkTitle))
}

/// The walk-around page.
pub(super) fn page(ctx: &Ctx, view: &WalkView, note: Option<Msg>, refused: &Refused) -> Response {
    let lang = ctx.lang;
    let o = &view.order;
    let walk = o.walkaround.clone().unwrap_or_default();
    let editable = o.state.is_editable() && !walk.is_signed();
    let failed = refused.mark.is_some() || refused.checks.is_some() || refused.reopen.is_some();
    let body = html! {
        div #walkaround.walkaround data-order=(o.id) data-signed=(if walk.is_signed() { "1" } else { "0" }) {
            div.page-head {
                h1 { (lang.t(Msg::WalkTitle)) @if let Some(v) = &view.vehicle { " " span.plate-big { (v.details.plate) } } }
                div.actions {
                    a.button.secondary href={ "/orders/" (o.id) } { "← " (lang.fmt(Msg::OrderTitle, &[&o.number])) }
                    @if editable { a.button.big #to-sign href={ "/orders/" (o.id) "/walkaround/sign" } { (lang.t(Msg::WalkSign)) " ›" } }
                }
            }
            @if let Some(msg) = note { (notice("ok", lang.t(msg))) }
            @if failed && !ctx.htmx { (notice("error", lang.t(Msg::FormHasErrors))) }
            @if !o.state.is_editable() && !walk.is_signed() { (notice("warn", lang.t(Msg::OrderLocked))) }
            div.walk-grid {
                (marks_panel(ctx, view, refused.mark.as_ref()))
                div.walk-right {
                    (checks_panel(ctx, view, refused.checks.as_ref()))
                    @if walk.is_signed() {
                        section.panel.walk-signed id="walk-signature" {
                            h2 { (lang.t(Msg::CustomerSignature)) }
                            (signature_block(lang, ctx.settings.tz(), &walk))
                            @if o.state.is_editable() && may_reopen(ctx) { (reopen_form(ctx, view, refused.reopen.as_ref())) }
                        }
                    }
                }
            }
        }
    };
    let mut response = html_response(layout::page(ctx, &title_of(ctx, view), body));
    if failed {
        *response.status_mut() = warp::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    response
}

fn may_reopen(ctx: &Ctx) -> bool {
    ctx.user.as_ref().is_some_and(|u| u.user.roles.has(Role::Manager) || u.user.roles.has(Role::Admin))
}

fn reopen_form(ctx: &Ctx, view: &WalkView, refused: Option<&(String, FieldErrors)>) -> Markup {
    let lang = ctx.lang;
    let empty = (String::new(), FieldErrors::new());
    let (typed, errors) = refused.unwrap_or(&empty);
    html! {
        form.inline-form #reopen-form method="post" action={ "/orders/" (view.order.id) "/walkaround/reopen" } novalidate {
            (csrf_field(ctx))
            div.field.invalid[errors.get("reason").is_some()] {
                label for="f-reason" { (lang.t(Msg::Reason)) }
                input #f-reason type="text" name="reason" value=(typed) maxlength="200";
                (field_msg(lang, errors, "reason"))
            }
            button.secondary type="submit" { (lang.t(Msg::WalkReopen)) }
            p.field-hint { (lang.t(Msg::WalkReopenLead)) }
        }
    }
}

/// The car to tap, the mark form and the marks so far: one element, swapped whole after a
/// mark is saved or removed.
pub(super) fn marks_panel(ctx: &Ctx, view: &WalkView, refused: Option<&(MarkInput, FieldErrors)>) -> Markup {
    let lang = ctx.lang;
    let o = &view.order;
    let walk = o.walkaround.clone().unwrap_or_default();
    let editable = o.state.is_editable() && !walk.is_signed();
    let empty = (MarkInput::default(), FieldErrors::new());
    let (input, errors) = refused.unwrap_or(&empty);
    let pending = match (input.x.parse::<u16>(), input.y.parse::<u16>()) {
        (Ok(x), Ok(y)) if errors.get("spot").is_none() => Some((x, y)),
        _ => None,
    };
    let action = format!("/orders/{}/walkaround/marks", o.id);
    let photo_url = |p: u64| Some(format!("/orders/{}/walkaround/photos/{p}", o.id));
    let remove = |no: u32| {
        html! {
            @if editable {
                form.remove-mark method="post" action={ "/orders/" (o.id) "/walkaround/marks/" (no) "/remove" }
                    hx-post={ "/orders/" (o.id) "/walkaround/marks/" (no) "/remove" } hx-target="#walk-marks" hx-swap="outerHTML" {
                    (csrf_field(ctx))
                    button.secondary.small type="submit" data-remove=(no) { (lang.t(Msg::WalkRemove)) }
                }
            }
        }
    };
    html! {
        div #walk-marks.walk-marks {
            div.walk-car { (outline(lang, Some(&walk), editable, pending)) }
            div.walk-side {
                @if editable {
                    form #mark-form.mark-form method="post" action=(action) enctype="multipart/form-data"
                        hx-post=(action) hx-encoding="multipart/form-data" hx-target="#walk-marks" hx-swap="outerHTML"
                        data-swap-invalid data-max-bytes=(crate::web::floor::PHOTO_LIMIT) novalidate {
                        (csrf_field(ctx))
                        input type="hidden" name="x" value=(input.x);
                        input type="hidden" name="y" value=(input.y);
                        p #spot-status.spot-status.chosen[pending.is_some()] data-chosen-text=(lang.t(Msg::WalkSpotChosen)) {
                            (lang.t(if pending.is_some() { Msg::WalkSpotChosen } else { Msg::WalkSpotNone }))
                        }
                        (field_msg(lang, errors, "spot"))
                        div.kind-tiles role="radiogroup" aria-label=(lang.t(Msg::WalkKind)) {
                            @for k in DamageKind::ALL {
                                label.kind-tile {
                                    input type="radio" name="kind" value=(k.code()) checked[input.kind == k.code()];
                                    span { span class={ "swatch kind-" (k.code()) } {} (lang.t(k.label())) }
                                }
                            }
                        }
                        (field_msg(lang, errors, "kind"))
                        div.mark-extra {
                            input #f-mark-note type="text" name="note" value=(input.note) maxlength="200" placeholder=(lang.t(Msg::Note)) aria-label=(lang.t(Msg::Note));
                            label.photo-pick {
                                span { (lang.t(Msg::Photo)) " +" }
                                input type="file" name="photo" accept="image/*" capture="environment";
                            }
                        }
                        p.too-big.field-msg hidden { (lang.t(Msg::PhotoTooLarge)) }
                        (field_msg(lang, errors, "note"))
                        (field_msg(lang, errors, "photo"))
                        button.big type="submit" data-save-mark { (lang.t(Msg::WalkSaveMark)) }
                    }
                }
                h2.marks-head { (lang.fmt(Msg::WalkMarks, &[&walk.marks.len()])) }
                div.walk-legend-box { (legend(lang, &walk, &photo_url, &remove)) }
            }
        }
    }
}

/// Fuel, mileage, lights and items: one form that saves on every change (and with its button
/// when scripts do not run), swapped whole.
pub(super) fn checks_panel(
    ctx: &Ctx,
    view: &WalkView,
    refused: Option<&(ChecksInput, FieldErrors)>,
) -> Markup {
    let lang = ctx.lang;
    let o = &view.order;
    let walk = o.walkaround.clone().unwrap_or_default();
    if !o.state.is_editable() || walk.is_signed() {
        return html! { div #walk-checks.walk-checks.panel { (facts(lang, o, &walk)) } };
    }
    let now = ChecksInput {
        fuel: o.reception.fuel.map(|f| f.to_string()).unwrap_or_default(),
        lights: walk.lights.iter().map(|l| l.code().to_string()).collect(),
        items: walk.items.iter().map(|i| i.code().to_string()).collect(),
        items_left: o.reception.items_left.clone(),
    };
    let empty = FieldErrors::new();
    let (input, errors) = refused.map(|(i, e)| (i, e)).unwrap_or((&now, &empty));
    let action = format!("/orders/{}/walkaround/checks", o.id);
    html! {
        div #walk-checks.walk-checks data-lights=(walk.lights.len()) data-items=(walk.items.len()) {
            form #checks-form method="post" action=(action) hx-post=(action) hx-trigger="change, submit"
                hx-target="#walk-checks" hx-swap="outerHTML" data-swap-invalid novalidate {
                (csrf_field(ctx))
                h3 { (lang.t(Msg::Fuel)) }
                div.segmented.fuel role="radiogroup" aria-label=(lang.t(Msg::Fuel)) {
                    @for f in 0..=4u8 {
                        label { input type="radio" name="fuel" value=(f) checked[input.fuel == f.to_string()]; span { (fuel_text(lang, Some(f))) } }
                    }
                }
                (field_msg(lang, errors, "fuel"))
                p.walk-mileage {
                    (lang.t(Msg::Mileage)) ": "
                    strong { (o.reception.mileage.map(|m| lang.fmt(Msg::Km, &[&crate::web::show::Grouped(m)])).unwrap_or("—".into())) }
                    " " span.muted { (lang.t(Msg::WalkMileageHint)) }
                }
                h3 { (lang.t(Msg::WalkLights)) }
                div.toggle-tiles.lights {
                    @for l in WarningLight::ALL {
                        label.toggle { input type="checkbox" name="lights" value=(l.code()) checked[input.lights.iter().any(|c| c == l.code())]; span { (light_badge(lang, *l)) } }
                    }
                }
                (field_msg(lang, errors, "lights"))
                h3 { (lang.t(Msg::ItemsLeft)) }
                div.toggle-tiles.items {
                    @for i in LeftItem::ALL {
                        label.toggle { input type="checkbox" name="items" value=(i.code()) checked[input.items.iter().any(|c| c == i.code())]; span { (lang.t(i.label())) } }
                    }
                }
                (field_msg(lang, errors, "items"))
                div.items-left-row {
                    input #f-items_left type="text" name="items_left" value=(input.items_left) maxlength="200" placeholder=(lang.t(Msg::WalkItemsOther)) aria-label=(lang.t(Msg::WalkItemsOther));
                    button.secondary type="submit" { (lang.t(Msg::Save)) }
                }
                (field_msg(lang, errors, "items_left"))
            }
        }
    }
}

/// The signing page: everything the customer signs for, then the pad.
pub(super) fn sign_page(ctx: &Ctx, view: &WalkView, input: &SignInput, errors: &FieldErrors) -> Response {
    let lang = ctx.lang;
    let o = &view.order;
    let walk: Walkaround = o.walkaround.clone().unwrap_or_default();
    let photo_url = |p: u64| Some(format!("/orders/{}/walkaround/photos/{p}", o.id));
    let body = html! {
        div.walkaround.walk-sign {
            div.page-head {
                h1 { (lang.t(Msg::WalkSign)) @if let Some(v) = &view.vehicle { " " span.plate-big { (v.details.plate) } } }
                div.actions { a.button.secondary href={ "/orders/" (o.id) "/walkaround" } { "← " (lang.t(Msg::WalkBackToMarks)) } }
            }
            @if !errors.is_empty() { (notice("error", lang.t(Msg::FormHasErrors))) }
            div.sign-grid {
                div.walk-car.small { (outline(lang, Some(&walk), false, None)) }
                div.sign-review {
                    (legend(lang, &walk, &photo_url, &|_| html! {}))
                    (facts(lang, o, &walk))
                }
                form.sign-form method="post" action={ "/orders/" (o.id) "/walkaround/sign" } novalidate data-signature-form {
                    (csrf_field(ctx))
                    p.lead { (lang.t(Msg::WalkSignLead)) }
                    div.field.invalid[errors.get("signer").is_some()] {
                        label for="f-signer" { (lang.t(Msg::WalkSigner)) }
                        input #f-signer type="text" name="signer" value=(input.signer) maxlength="60";
                        (field_msg(lang, errors, "signer"))
                    }
                    div.field.signature.invalid[errors.get("signature").is_some()] {
                        span.label { (lang.t(Msg::SignHere)) }
                        div.signature-pad {
                            canvas width=(Signature::WIDTH) height=(Signature::HEIGHT) aria-label=(lang.t(Msg::SignHere)) {}
                            button.secondary.small type="button" data-clear-signature { (lang.t(Msg::ClearSignature)) }
                        }
                        input type="hidden" name="signature" id="f-signature" value=(input.signature);
                        (field_msg(lang, errors, "signature"))
                    }
                    div.actions { button.big type="submit" data-sign { (lang.t(Msg::WalkSign)) } }
                }
            }
        }
    };
    html_response(layout::page(ctx, &title_of(ctx, view), body))
}
