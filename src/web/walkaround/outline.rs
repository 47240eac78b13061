//! The car's outline seen from above (our own drawing, front at the top), with the marks
//! numbered on it, and the pieces every view of a walk-around shares: the legend of marks, the
//! lights and items, the signature. Pure functions of the record; no store, no clock.

use maud::{Markup, html};

use crate::domain::WorkOrder;
use crate::domain::walkaround::{LeftItem, OUTLINE_HEIGHT, OUTLINE_WIDTH, Walkaround, WarningLight};
use crate::i18n::{Lang, Msg};
use crate::web::show::LocalTime;

/// The body: a rounded box a little narrower at the bumpers.
const BODY: &str = "M112 76 C140 60 260 60 288 76 C312 90 320 112 320 146 L320 656 C320 694 312 716 290 728 \
C262 742 138 742 110 728 C88 716 80 694 80 656 L80 146 C80 112 88 90 112 76 Z";
/// Windscreen, roof and rear window.
const WINDSCREEN: &str = "M110 262 C150 248 250 248 290 262 L272 330 C230 322 170 322 128 330 Z";
const REAR_WINDOW: &str = "M128 540 C170 548 230 548 272 540 L290 600 C250 612 150 612 110 600 Z";

/// The outline as inline SVG. `marks` shows each mark numbered in its colour; `tap` makes it
/// the kiosk's tap target (with the pending spot marker the script moves).
pub fn outline(lang: Lang, walk: Option<&Walkaround>, tap: bool, pending: Option<(u16, u16)>) -> Markup {
    let t = |m| lang.t(m);
    html! {
        svg.car-outline xmlns="http://www.w3.org/2000/svg" viewBox={ "0 0 " (OUTLINE_WIDTH) " " (OUTLINE_HEIGHT) }
            role="img" aria-label=(t(Msg::WalkTitle)) data-outline[tap] {
            // Wheels and mirrors under the body.
            @for (x, y) in [(64, 160), (320, 160), (64, 556), (320, 556)] {
                rect x=(x) y=(y) width="16" height="96" rx="6" fill="#2b3038" {}
            }
            path d="M80 282 L60 276 L58 298 L80 300 Z" fill="#cfd6df" stroke="#3b4654" stroke-width="3" {}
            path d="M320 282 L340 276 L342 298 L320 300 Z" fill="#cfd6df" stroke="#3b4654" stroke-width="3" {}
            path d=(BODY) fill="#f4f6f9" stroke="#3b4654" stroke-width="5" {}
            // Hood and boot lines, glass, roof.
            path d="M150 80 C160 150 160 200 150 250 M250 80 C240 150 240 200 250 250" fill="none" stroke="#9aa5b3" stroke-width="2.5" {}
            path d="M130 612 C150 650 150 690 142 726 M270 612 C250 650 250 690 258 726" fill="none" stroke="#9aa5b3" stroke-width="2.5" {}
            path d=(WINDSCREEN) fill="#cfe3f3" stroke="#3b4654" stroke-width="3" {}
            rect x="128" y="334" width="144" height="202" rx="12" fill="#e6eaf0" stroke="#9aa5b3" stroke-width="2.5" {}
            path d=(REAR_WINDOW) fill="#cfe3f3" stroke="#3b4654" stroke-width="3" {}
            // Doors on each side: front and rear, with their handles.
            @for x in [80, 300] {
                rect x=(x) y="300" width="20" height="270" fill="none" stroke="#9aa5b3" stroke-width="2" {}
                line x1=(x) y1="432" x2=(x + 20) y2="432" stroke="#3b4654" stroke-width="3" {}
                rect x=(x + 6) y="398" width="8" height="22" rx="3" fill="#9aa5b3" {}
                rect x=(x + 6) y="528" width="8" height="22" rx="3" fill="#9aa5b3" {}
            }
            // Lights: head lights at the front, tail lights at the rear.
            path d="M104 90 C112 80 130 74 148 72 L146 86 C128 88 114 94 106 102 Z" fill="#fff6cf" stroke="#3b4654" stroke-width="2" {}
            path d="M296 90 C288 80 270 74 252 72 L254 86 C272 88 286 94 294 102 Z" fill="#fff6cf" stroke="#3b4654" stroke-width="2" {}
            path d="M88 690 C92 712 104 722 124 730 L126 716 C110 710 100 702 96 690 Z" fill="#e8584f" stroke="#3b4654" stroke-width="2" {}
            path d="M312 690 C308 712 296 722 276 730 L274 716 C290 710 300 702 304 690 Z" fill="#e8584f" stroke="#3b4654" stroke-width="2" {}
            // Where is what.
            text.side x="200" y="36" text-anchor="middle" { "▲ " (t(Msg::WalkSideFront)) }
            text.side x="200" y="782" text-anchor="middle" { (t(Msg::WalkSideRear)) }
            text.side x="26" y="420" text-anchor="middle" transform="rotate(-90 26 420)" { (t(Msg::WalkSideLeft)) }
            text.side x="374" y="420" text-anchor="middle" transform="rotate(90 374 420)" { (t(Msg::WalkSideRight)) }
            // Drawn small (the order page, the sheet, a phone), marks are drawn larger to stay
            // readable.
            @let (r, size) = if tap { (17, 20) } else { (28, 34) };
            @if let Some(w) = walk {
                @for (i, m) in w.marks.iter().enumerate() {
                    g.mark data-mark=(m.no) data-kind=(m.kind.code()) {
                        circle cx=(m.x) cy=(m.y) r=(r) fill=(m.kind.colour()) stroke="#fff" stroke-width="3" {}
                        text x=(m.x) y=(m.y + size * 7 / 20) text-anchor="middle" fill="#fff" font-size=(size) font-weight="700" { (i + 1) }
                    }
                }
            }
            @if tap {
                @let (x, y, hidden) = pending.map(|(x, y)| (x, y, false)).unwrap_or((0, 0, true));
                circle #pending-spot cx=(x) cy=(y) r="20" fill="rgba(232,115,12,.25)" stroke="#e8730c" stroke-width="4" stroke-dasharray="6 4" visibility=(if hidden { "hidden" } else { "visible" }) {}
            }
        }
    }
}

/// The marks' legend: number in its colour, kind, note; `photo_url` gives each photo's
/// address (none where photos are not shown), `actions` what may be done to a mark.
pub fn legend(
    lang: Lang,
    walk: &Walkaround,
    photo_url: &dyn Fn(u64) -> Option<String>,
    actions: &dyn Fn(u32) -> Markup,
) -> Markup {
    html! {
        @if walk.marks.is_empty() {
            p.muted data-marks="0" { (lang.t(Msg::WalkNoMarks)) }
        } @else {
            ol.walk-legend data-marks=(walk.marks.len()) {
                @for (i, m) in walk.marks.iter().enumerate() {
                    li data-mark=(m.no) {
                        span class={ "mark-no kind-" (m.kind.code()) } { (i + 1) }
                        span.mark-what {
                            strong { (lang.t(m.kind.label())) }
                            @let (along, across) = crate::domain::walkaround::spot(m.x, m.y);
                            " " span.muted { (lang.t(along)) (if lang == Lang::En { " " } else { "" }) (lang.t(across)) }
                            @if !m.note.is_empty() { br; span.mark-note { (m.note) } }
                        }
                        @if let Some(url) = m.photo.and_then(photo_url) {
                            a.mark-photo href=(url) target="_blank" { img src={ (url) "?thumb=1" } alt=(lang.t(Msg::Photo)) width="64" height="48" loading="lazy"; }
                        }
                        (actions(m.no))
                    }
                }
            }
        }
    }
}

/// A warning light as a badge in the dashboard's colour, with its name.
pub fn light_badge(lang: Lang, l: WarningLight) -> Markup {
    html! {
        span class={ "light-sign " (if l.red() { "red" } else { "amber" }) } { (l.sign()) }
        " " span.light-name { (lang.t(l.label())) }
    }
}

/// The fuel level in words.
pub fn fuel_text(lang: Lang, fuel: Option<u8>) -> &'static str {
    match fuel {
        Some(0) => lang.t(Msg::FuelEmpty),
        Some(1) => lang.t(Msg::FuelQuarter),
        Some(2) => lang.t(Msg::FuelHalf),
        Some(3) => lang.t(Msg::FuelThreeQuarters),
        Some(4) => lang.t(Msg::FuelFull),
        _ => "—",
    }
}

/// The fuel, mileage, lights and items as signed (or, unsigned, as they stand on the order).
pub fn facts(lang: Lang, order: &WorkOrder, walk: &Walkaround) -> Markup {
    let (fuel, mileage, items_left) = match &walk.signed {
        Some(s) => (s.fuel, s.mileage, s.items_left.as_str()),
        None => (order.reception.fuel, order.reception.mileage, order.reception.items_left.as_str()),
    };
    html! {
        dl.walk-facts {
            dt { (lang.t(Msg::Fuel)) } dd data-fuel=(fuel.map(|f| f.to_string()).unwrap_or_default()) { (fuel_text(lang, fuel)) }
            dt { (lang.t(Msg::Mileage)) } dd { (mileage.map(|m| lang.fmt(Msg::Km, &[&crate::web::show::Grouped(m)])).unwrap_or("—".into())) }
            dt { (lang.t(Msg::WalkLights)) }
            dd.walk-lights data-lights=(walk.lights.len()) {
                @if walk.lights.is_empty() { (lang.t(Msg::WalkNoLights)) }
                @for l in &walk.lights { span.light data-light=(l.code()) { (light_badge(lang, *l)) } " " }
            }
            dt { (lang.t(Msg::ItemsLeft)) }
            dd data-items=(walk.items.len()) { (items_text(lang, &walk.items, items_left)) }
        }
    }
}

/// The items left, ticked and typed, as one line.
pub fn items_text(lang: Lang, items: &[LeftItem], typed: &str) -> String {
    let mut names: Vec<&str> = items.iter().map(|i| lang.t(i.label())).collect();
    if !typed.is_empty() {
        names.push(typed);
    }
    if names.is_empty() {
        return lang.t(Msg::WalkNothingLeft).to_string();
    }
    names.join(if lang == Lang::En { ", " } else { "、" })
}

/// The customer's signature with who and when, and the reopenings before it.
pub fn signature_block(lang: Lang, tz: chrono_tz::Tz, walk: &Walkaround) -> Markup {
    html! {
        @if let Some(s) = &walk.signed {
            div.walk-signature data-signed="1" {
                (crate::web::orders::signature_svg(&s.signature))
                p { (lang.fmt(Msg::WalkSignedBy, &[&s.signer, &LocalTime::new(s.at, tz)])) " · " span.muted { (lang.fmt(Msg::WalkTakenBy, &[&s.by_name])) } }
            }
        } @else {
            p.muted data-signed="0" { (lang.t(Msg::WalkNotSignedYet)) }
        }
        @for r in &walk.reopened {
            p.muted.walk-reopened { (lang.fmt(Msg::WalkReopened, &[&r.reason])) " · " (r.by_name) " · " (LocalTime::new(r.at, tz)) }
        }
    }
}
