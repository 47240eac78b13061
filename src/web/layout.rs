//! The page shell and the small view pieces every page shares: header, navigation, language
//! switch, form fields with their messages. Views are plain functions returning `Markup`.

use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::assets;
use super::ctx::Ctx;
use crate::domain::{Area, FieldErrors};
use crate::i18n::{Lang, Msg};

/// A navigation entry: the area it belongs to, its label and where it goes. Only areas that
/// have pages appear; a module adds its entry when it lands.
const NAV: &[(Area, Msg, &str)] = &[
    (Area::Reception, Msg::NavReception, "/lookup"),
    (Area::Orders, Msg::NavOrders, "/orders"),
    (Area::Board, Msg::NavBoard, "/board"),
    (Area::MyJobs, Msg::NavMyJobs, "/t"),
    (Area::Checkout, Msg::NavCheckout, "/checkout"),
    (Area::Customers, Msg::NavCustomers, "/customers"),
    (Area::Vehicles, Msg::NavVehicles, "/vehicles"),
    (Area::Customers, Msg::CareTitle, "/care"),
    (Area::Calendar, Msg::ApptNav, "/appointments"),
    (Area::Parts, Msg::NavParts, "/parts"),
    (Area::Templates, Msg::NavTemplates, "/templates"),
    (Area::Admin, Msg::NavAdmin, "/admin"),
];

/// A whole page: the shell around `body`, or `body` alone for an htmx request.
pub fn page(ctx: &Ctx, title: &str, body: Markup) -> Markup {
    if ctx.htmx {
        return body;
    }
    let lang = ctx.lang;
    html! {
        (DOCTYPE)
        html lang=(lang.html_lang()) {
            (head(ctx, title, true))
            body data-network-error=(lang.t(Msg::NetworkError)) data-kiosk-lock=[kiosk_lock_seconds(ctx)] {
                a.skip href="#main" { (lang.t(Msg::SkipToContent)) }
                (header(ctx))
                main id="main" { (body) }
                div id="toasts" aria-live="polite" {}
            }
        }
    }
}

/// On the reception kiosk with someone signed in and a lock time set: the seconds without a
/// touch or a key after which the page locks the kiosk (read by `static/app.js`).
fn kiosk_lock_seconds(ctx: &Ctx) -> Option<u32> {
    let minutes = ctx.settings.kiosk_lock_minutes;
    (ctx.kiosk && minutes > 0 && ctx.user.is_some()).then_some(minutes * 60)
}

/// A page without the navigation (the kiosk's lock screen): the same head, then `body` alone.
pub fn bare_page(ctx: &Ctx, title: &str, class: &str, body: Markup) -> Markup {
    if ctx.htmx {
        return body;
    }
    html! {
        (DOCTYPE)
        html lang=(ctx.lang.html_lang()) {
            (head(ctx, title, false))
            body class=(class) data-network-error=(ctx.lang.t(Msg::NetworkError)) {
                main id="main" { (body) }
            }
        }
    }
}

/// The pages' `<head>`: the CSRF token for scripts, the htmx settings, the title, the styles
/// and scripts (`htmx` only where the page uses it).
fn head(ctx: &Ctx, title: &str, htmx: bool) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            @if let Some(token) = ctx.csrf_token() {
                meta name="csrf-token" content=(token);
            }
            // Kiosk pages keep no customer data in the browser's history cache.
            meta name="htmx-config" content=r#"{"historyCacheSize":0,"historyRestoreAsHxRequest":false,"includeIndicatorStyles":false,"defaultSettleDelay":0}"#;
            title { (title) " · " (ctx.settings.shop_name) }
            link rel="stylesheet" href=(assets::css_path());
            @if htmx { script src=(assets::htmx_path()) defer {} }
            script src=(assets::js_path()) defer {}
        }
    }
}

fn header(ctx: &Ctx) -> Markup {
    let lang = ctx.lang;
    html! {
        header.topbar {
            a.brand href="/" {
                span.logo aria-hidden="true" { (PreEscaped(LOGO)) }
                span.shop { (ctx.settings.shop_name) }
            }
            @if let Some(user) = ctx.user.as_ref().filter(|u| !u.user.must_change_password) {
                nav.mainnav {
                    a href="/" { (lang.t(Msg::Home)) }
                    @for (area, label, href) in NAV {
                        @if user.user.roles.may(*area) {
                            a href=(href) { (lang.t(*label)) }
                        }
                    }
                }
            }
            div.account {
                (lang_switch(ctx))
                @if let Some(user) = &ctx.user {
                    @if ctx.kiosk {
                        form method="post" action="/kiosk/lock" {
                            (csrf_field(ctx))
                            input type="hidden" name="next" value=(ctx.path_and_query);
                            button.linklike type="submit" data-kiosk-lock-now { (lang.t(Msg::KioskLockNow)) }
                        }
                    }
                    a.who href="/account/password" title=(lang.t(Msg::ChangePassword)) {
                        (user.user.display_name)
                    }
                    form method="post" action="/logout" {
                        (csrf_field(ctx))
                        button.linklike type="submit" { (lang.t(Msg::Logout)) }
                    }
                }
            }
        }
    }
}

fn lang_switch(ctx: &Ctx) -> Markup {
    let other = match ctx.lang {
        Lang::Zh => Lang::En,
        Lang::En => Lang::Zh,
    };
    let label = ctx.lang.t(Msg::SwitchLang);
    html! {
        @if ctx.user.is_some() {
            form method="post" action="/account/lang" {
                (csrf_field(ctx))
                input type="hidden" name="lang" value=(other.code());
                input type="hidden" name="next" value=(ctx.path_and_query);
                button.linklike type="submit" lang=(other.html_lang()) { (label) }
            }
        } @else {
            a.linklike lang=(other.html_lang())
                href={ "/lang/" (other.code()) "?next=" (super::error::encode(&ctx.path_and_query)) } { (label) }
        }
    }
}

/// The hidden CSRF field of a plain form.
pub fn csrf_field(ctx: &Ctx) -> Markup {
    html! {
        @if let Some(token) = ctx.csrf_token() {
            input type="hidden" name="csrf" value=(token);
        }
    }
}

/// A page made to be printed from the browser (the order sheet, a receipt, a statement, a part
/// label): no navigation, the stylesheet, and the script behind its print button. `class` says
/// which layout (`a4`, `receipt` …) beside `print-page`.
pub fn print_document(lang: Lang, title: &str, class: &str, content: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(lang.html_lang()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                link rel="stylesheet" href=(assets::css_path());
                script src=(assets::js_path()) defer {}
            }
            body class={ "print-page " (class) } { (content) }
        }
    }
}

/// A labelled input with its message beside it when the field was refused.
pub struct Field<'a> {
    pub name: &'a str,
    pub label: &'a str,
    pub value: &'a str,
    pub kind: &'a str,
    pub required: bool,
    pub hint: Option<String>,
    pub autocomplete: Option<&'a str>,
    /// The element id when one page holds several forms with this field (else `f-NAME`).
    pub id: Option<String>,
    /// The id of a `<datalist>` of suggestions.
    pub list: Option<&'a str>,
}

impl<'a> Field<'a> {
    pub fn text(name: &'a str, label: &'a str, value: &'a str) -> Self {
        Field {
            name,
            label,
            value,
            kind: "text",
            required: false,
            hint: None,
            autocomplete: None,
            id: None,
            list: None,
        }
    }

    pub fn password(name: &'a str, label: &'a str, autocomplete: &'a str) -> Self {
        Field {
            name,
            label,
            value: "",
            kind: "password",
            required: true,
            hint: None,
            autocomplete: Some(autocomplete),
            id: None,
            list: None,
        }
    }

    pub fn kind(mut self, kind: &'a str) -> Self {
        self.kind = kind;
        self
    }

    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }

    pub fn hint(mut self, hint: String) -> Self {
        self.hint = Some(hint);
        self
    }

    pub fn autocomplete(mut self, value: &'a str) -> Self {
        self.autocomplete = Some(value);
        self
    }

    /// Offers the suggestions of the `<datalist>` with this id.
    pub fn list(mut self, id: &'a str) -> Self {
        self.list = Some(id);
        self
    }

    /// Names the element `f-NAME-SUFFIX`, for a field repeated in several forms of one page.
    pub fn id_suffix(mut self, suffix: impl std::fmt::Display) -> Self {
        self.id = Some(format!("f-{}-{suffix}", self.name));
        self
    }

    pub fn render(&self, lang: Lang, errors: &FieldErrors) -> Markup {
        let id = self.id.clone().unwrap_or_else(|| format!("f-{}", self.name));
        let invalid = errors.get(self.name).is_some();
        let msg_id = format!("{id}-msg");
        let control = html! {
            input id=(id) name=(self.name) type=(self.kind) value=(self.value)
                required[self.required] autocomplete=[self.autocomplete] list=[self.list]
                aria-invalid=[invalid.then_some("true")]
                aria-describedby=[invalid.then_some(msg_id.as_str())];
        };
        field_shell(self.name, &id, self.label, self.required, control, self.hint.as_deref(), errors, lang)
    }
}

/// What every form field shares: the wrapper marked invalid, the label, the control, and below
/// it the field's message (with a link to the record it concerns, if any) or its hint.
#[allow(clippy::too_many_arguments)]
fn field_shell(
    name: &str,
    id: &str,
    label: &str,
    required: bool,
    control: Markup,
    hint: Option<&str>,
    errors: &FieldErrors,
    lang: Lang,
) -> Markup {
    let problem = errors.get(name);
    html! {
        div.field.invalid[problem.is_some()] {
            label for=(id) { (label) @if required { span.req aria-hidden="true" { " *" } } }
            (control)
            @if let Some(problem) = problem {
                p.field-msg id={ (id) "-msg" } {
                    (problem.text(lang))
                    @if let Some(href) = &problem.link {
                        " " a href=(href) { (lang.t(Msg::OpenIt)) }
                    }
                }
            } @else if let Some(hint) = hint {
                p.field-hint { (hint) }
            }
        }
    }
}

/// A banner at the top of a form or page.
pub fn notice(kind: &str, text: &str) -> Markup {
    html! { div class={ "notice " (kind) } role=(if kind == "error" { "alert" } else { "status" }) { (text) } }
}

/// A select of fixed choices, keeping the chosen value.
pub fn select(
    name: &str,
    label: &str,
    value: &str,
    choices: &[(&str, &str)],
    errors: &FieldErrors,
    lang: Lang,
) -> Markup {
    let control = html! {
        select id={ "f-" (name) } name=(name) {
            @for (code, text) in choices {
                option value=(code) selected[*code == value] { (text) }
            }
        }
    };
    field_shell(name, &format!("f-{name}"), label, false, control, None, errors, lang)
}

/// A labelled multi-line text field.
pub fn textarea(
    name: &str,
    label: &str,
    value: &str,
    hint: Option<&str>,
    errors: &FieldErrors,
    lang: Lang,
) -> Markup {
    let control = html! { textarea id={ "f-" (name) } name=(name) rows="4" { (value) } };
    field_shell(name, &format!("f-{name}"), label, false, control, hint, errors, lang)
}

const LOGO: &str = r#"<svg viewBox="0 0 24 24" width="28" height="28" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"><path d="M14.7 6.3a1 1 0 0 0 0 1.4l1.6 1.6a1 1 0 0 0 1.4 0l3.77-3.77a6 6 0 0 1-7.94 7.94l-6.91 6.91a2.12 2.12 0 0 1-3-3l6.91-6.91a6 6 0 0 1 7.94-7.94l-3.76 3.76z"/></svg>"#;
