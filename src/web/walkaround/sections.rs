//! The walk-around where the order shows: a section of the order page (like the inspection
//! summary), a part of the printed order (the outline with numbered marks and its legend,
//! lights, items, fuel, mileage, the signature), and the customer's own page once they signed.
//! All read the order alone.

use maud::{Markup, html};

use super::outline::{facts, legend, outline, signature_block};
use crate::domain::WorkOrder;
use crate::i18n::{Lang, Msg};
use crate::web::ctx::Ctx;

/// The order page's section: the marks, the lights and items, and who signed, with the way to
/// the kiosk page.
pub fn order_section(ctx: &Ctx, order: &WorkOrder) -> Markup {
    let lang = ctx.lang;
    let link = format!("/orders/{}/walkaround", order.id);
    html! {
        section.panel.walk-section id="walkaround-summary" {
            h2 { (lang.t(Msg::WalkTitle)) }
            @match &order.walkaround {
                None => {
                    p.muted { (lang.t(Msg::WalkNone)) }
                    @if order.state.is_editable() { p { a.button.secondary href=(link) { (lang.t(Msg::WalkStart)) } } }
                }
                Some(walk) => {
                    div.walk-summary {
                        div.walk-car.tiny { (outline(lang, Some(walk), false, None)) }
                        div {
                            (legend(lang, walk, &|p| Some(format!("{link}/photos/{p}")), &|_| html! {}))
                            (facts(lang, order, walk))
                            (signature_block(lang, ctx.settings.tz(), walk))
                        }
                    }
                    p { a.button.secondary href=(link) { (lang.t(Msg::WalkOpen)) } }
                }
            }
        }
    }
}

/// The printed order's part: nothing when there was no walk-around.
pub fn print_section(ctx: &Ctx, order: &WorkOrder) -> Markup {
    let lang = ctx.lang;
    let Some(walk) = &order.walkaround else { return html! {} };
    html! {
        section.sheet-walkaround {
            h2 { (lang.t(Msg::WalkTitle)) }
            div.walk-print {
                div.walk-car.print { (outline(lang, Some(walk), false, None)) }
                div {
                    (legend(lang, walk, &|_| None, &|_| html! {}))
                    (facts(lang, order, walk))
                    (signature_block(lang, ctx.settings.tz(), walk))
                }
            }
        }
    }
}

/// The customer's page: the walk-around they signed, with its photos through their link.
pub fn customer_section(lang: Lang, tz: chrono_tz::Tz, order: &WorkOrder, token: &str) -> Markup {
    let Some(walk) = order.walkaround.as_ref().filter(|w| w.is_signed()) else { return html! {} };
    html! {
        section.panel.customer-walkaround id="customer-walkaround" {
            h2 { (lang.t(Msg::WalkTitle)) }
            div.walk-summary {
                div.walk-car.tiny { (outline(lang, Some(walk), false, None)) }
                div {
                    (legend(lang, walk, &|p| Some(format!("/c/{token}/photos/{p}")), &|_| html! {}))
                    (facts(lang, order, walk))
                    (signature_block(lang, tz, walk))
                }
            }
        }
    }
}
