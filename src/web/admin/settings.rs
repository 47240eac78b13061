//! The shop's parameters: the settings form and saving it.

use maud::html;
use warp::reply::Response;

use crate::domain::settings::{SettingsInput, choices_as_labels, choices_from_labels, time_zone_choices};
use crate::domain::{FieldErrors, Settings};
use crate::i18n::{Lang, Msg};
use crate::store::settings as settings_store;
use crate::web::AppState;
use crate::web::ctx::Ctx;
use crate::web::error::{AppResult, redirect_to, unprocessable_if};
use crate::web::html_response;
use crate::web::layout::{self, Field, csrf_field, notice, select, textarea};

pub(super) fn settings_page(
    state: &AppState,
    ctx: &Ctx,
    typed: &SettingsInput,
    errors: &FieldErrors,
    saved: bool,
) -> Response {
    let lang = ctx.lang;
    let langs = [("zh", Lang::Zh.t(Msg::LangName)), ("en", Lang::En.t(Msg::LangName))];
    let tax_modes = [("included", lang.t(Msg::TaxModeIncluded)), ("added", lang.t(Msg::TaxModeAdded))];
    let steps = crate::domain::checkout::CASH_STEPS.map(|s| (s, s));
    let calendar_by = crate::domain::appointment::CalendarBy::ALL
        .iter()
        .map(|c| (c.code(), lang.t(c.label())))
        .collect::<Vec<_>>();
    // Every IANA zone, China's first; a stored zone the list lacks (an alias) stays choosable.
    let mut zones: Vec<(&str, &str)> = time_zone_choices().into_iter().map(|z| (z, z)).collect();
    if !zones.iter().any(|(z, _)| *z == typed.time_zone) {
        zones.insert(0, (typed.time_zone.as_str(), typed.time_zone.as_str()));
    }
    let sources = choices_as_labels(&typed.customer_sources, lang);
    let levels = choices_as_labels(&typed.customer_levels, lang);
    let body = html! {
        h1 { (lang.t(Msg::SettingsTitle)) }
        @if saved { (notice("ok", lang.t(Msg::SettingsSaved))) }
        @if !errors.is_empty() { (notice("error", lang.t(Msg::FormHasErrors))) }
        form.panel method="post" action="/admin/settings" novalidate {
            (csrf_field(ctx))
            fieldset {
                legend { (lang.t(Msg::ShopSection)) }
                div.form-grid {
                    (Field::text("shop_name", lang.t(Msg::ShopName), &typed.shop_name).required().render(lang, errors))
                    (Field::text("shop_phone", lang.t(Msg::ShopPhone), &typed.shop_phone).kind("tel").render(lang, errors))
                    (Field::text("shop_address", lang.t(Msg::ShopAddress), &typed.shop_address).render(lang, errors))
                    (select("default_lang", lang.t(Msg::DefaultLang), &typed.default_lang, &langs, errors, lang))
                    (select("time_zone", lang.t(Msg::TimeZone), &typed.time_zone, &zones, errors, lang))
                    (Field::text("public_base_url", lang.t(Msg::PublicBaseUrl), &typed.public_base_url)
                        .kind("url").hint(format!("{} ({})", lang.t(Msg::PublicBaseUrlHelp), state.lan_base_url)).render(lang, errors))
                }
            }
            fieldset {
                legend { (lang.t(Msg::CustomersSection)) }
                div.form-grid {
                    (textarea("customer_sources", lang.t(Msg::CustomerSources), &sources, Some(lang.t(Msg::OnePerLine)), errors, lang))
                    (textarea("customer_levels", lang.t(Msg::CustomerLevels), &levels, Some(lang.t(Msg::OnePerLine)), errors, lang))
                }
            }
            fieldset {
                legend { (lang.t(Msg::OrdersSection)) }
                div.form-grid {
                    (Field::text("labour_rate", lang.t(Msg::LabourRate), &typed.labour_rate).kind("text").required().render(lang, errors))
                    (Field::text("order_number_format", lang.t(Msg::OrderNumberFormat), &typed.order_number_format)
                        .required().hint(lang.t(Msg::OrderNumberFormatHelp).to_string()).render(lang, errors))
                    (Field::text("customer_link_days", lang.t(Msg::CustomerLinkDays), &typed.customer_link_days)
                        .kind("number").hint(lang.t(Msg::CustomerLinkDaysHelp).to_string()).render(lang, errors))
                    (Field::text("followup_days", lang.t(Msg::FollowUpDays), &typed.followup_days)
                        .kind("number").hint(lang.t(Msg::FollowUpDaysHelp).to_string()).render(lang, errors))
                    (textarea("print_terms", lang.t(Msg::PrintTermsSetting), &typed.print_terms, Some(lang.t(Msg::PrintTermsHelp)), errors, lang))
                }
            }
            fieldset {
                legend { (lang.t(Msg::ApptSettingsSection)) }
                div.form-grid {
                    (select("calendar_by", lang.t(Msg::ApptCalendarBy), &typed.calendar_by, &calendar_by, errors, lang))
                    (textarea("bays", lang.t(Msg::ApptBays), &typed.bays, Some(lang.t(Msg::OnePerLine)), errors, lang))
                    (Field::text("opening_time", lang.t(Msg::ApptOpening), &typed.opening_time).kind("time").render(lang, errors))
                    (Field::text("closing_time", lang.t(Msg::ApptClosing), &typed.closing_time).kind("time").render(lang, errors))
                }
            }
            fieldset {
                legend { (lang.t(Msg::PartsSection)) }
                div.form-grid {
                    (textarea("part_units", lang.t(Msg::PartUnits), &typed.part_units, Some(lang.t(Msg::OnePerLine)), errors, lang))
                    label.check { input type="checkbox" name="allow_negative_stock" value="1" checked[typed.allow_negative_stock]; (lang.t(Msg::AllowNegativeStock)) }
                }
            }
            fieldset {
                legend { (lang.t(Msg::CheckoutSection)) }
                div.form-grid {
                    (select("tax_mode", lang.t(Msg::TaxMode), &typed.tax_mode, &tax_modes, errors, lang))
                    (Field::text("tax_rate", lang.t(Msg::TaxRate), &typed.tax_rate).render(lang, errors))
                    (select("cash_rounding", lang.t(Msg::CashRoundingStep), &typed.cash_rounding, &steps, errors, lang))
                    (Field::text("discount_limit_percent", lang.t(Msg::DiscountLimitPercent), &typed.discount_limit_percent).render(lang, errors))
                }
            }
            fieldset {
                legend { (lang.t(Msg::BackupsSection)) }
                div.form-grid {
                    (Field::text("backup_time", lang.t(Msg::BackupTime), &typed.backup_time).kind("time").required().render(lang, errors))
                    (Field::text("backup_keep", lang.t(Msg::BackupKeep), &typed.backup_keep).kind("number").required().render(lang, errors))
                }
            }
            fieldset {
                legend { (lang.t(Msg::SecuritySection)) }
                div.form-grid {
                    (Field::text("password_min_len", lang.t(Msg::PasswordMinLen), &typed.password_min_len).kind("number").required().render(lang, errors))
                    (Field::text("session_idle_minutes", lang.t(Msg::SessionIdleMinutes), &typed.session_idle_minutes).kind("number").required().render(lang, errors))
                    (Field::text("session_absolute_hours", lang.t(Msg::SessionAbsoluteHours), &typed.session_absolute_hours).kind("number").required().render(lang, errors))
                    (Field::text("technician_session_hours", lang.t(Msg::TechnicianSessionHours), &typed.technician_session_hours).kind("number").required().render(lang, errors))
                    (Field::text("kiosk_lock_minutes", lang.t(Msg::KioskLockMinutes), &typed.kiosk_lock_minutes)
                        .kind("number").hint(lang.t(Msg::KioskLockMinutesHelp).to_string()).render(lang, errors))
                }
            }
            div.actions { button type="submit" { (lang.t(Msg::Save)) } }
        }
        (super::display::panel(ctx, &state.public_base_url()))
        (super::kiosk_device::panel(ctx))
    };
    unprocessable_if(!errors.is_empty(), html_response(layout::page(ctx, lang.t(Msg::SettingsTitle), body)))
}

pub(super) async fn save_settings(state: &AppState, ctx: &Ctx, body: &[u8]) -> AppResult<Response> {
    let (admin, cap) = ctx.admin()?;
    let form = ctx.form(body)?;
    let typed = SettingsInput {
        shop_name: form.owned("shop_name"),
        shop_address: form.owned("shop_address"),
        shop_phone: form.owned("shop_phone"),
        default_lang: form.owned("default_lang"),
        time_zone: form.owned("time_zone"),
        password_min_len: form.owned("password_min_len"),
        session_idle_minutes: form.owned("session_idle_minutes"),
        session_absolute_hours: form.owned("session_absolute_hours"),
        technician_session_hours: form.owned("technician_session_hours"),
        public_base_url: form.owned("public_base_url"),
        customer_sources: choices_from_labels(form.get("customer_sources")),
        customer_levels: choices_from_labels(form.get("customer_levels")),
        labour_rate: form.owned("labour_rate"),
        order_number_format: form.owned("order_number_format"),
        backup_time: form.owned("backup_time"),
        backup_keep: form.owned("backup_keep"),
        part_units: form.owned("part_units"),
        allow_negative_stock: form.get("allow_negative_stock") == "1",
        discount_limit_percent: form.owned("discount_limit_percent"),
        tax_mode: form.owned("tax_mode"),
        tax_rate: form.owned("tax_rate"),
        cash_rounding: form.owned("cash_rounding"),
        customer_link_days: form.owned("customer_link_days"),
        kiosk_lock_minutes: form.owned("kiosk_lock_minutes"),
        calendar_by: form.owned("calendar_by"),
        bays: form.owned("bays"),
        opening_time: form.owned("opening_time"),
        closing_time: form.owned("closing_time"),
        followup_days: form.owned("followup_days"),
        print_terms: form.owned("print_terms"),
    };
    let settings = match Settings::check(&typed) {
        Ok(settings) => settings,
        Err(errors) => return Ok(settings_page(state, ctx, &typed, &errors, false)),
    };
    let actor = admin.actor();
    let saved = state
        .store
        .write(move |tx| {
            // The wall display's and the kiosk's keys are not in the form: they stay as they are.
            let mut settings = settings.clone();
            let stored = settings_store::get_tx(tx)?;
            settings.display_key = stored.display_key;
            settings.kiosk_key = stored.kiosk_key;
            settings_store::save_tx(tx, &cap, &actor, &settings)?;
            Ok(settings)
        })
        .await?;
    state.set_settings(saved);
    Ok(redirect_to("/admin/settings?saved=1", ctx.htmx))
}
