//! The shop's parameters: one typed record with defaults. Later modules add their own fields
//! (with `#[serde(default)]`, so older databases decode).

use serde::{Deserialize, Serialize};

use super::field::{FieldErrors, Problem, decimal_in, number_in, optional_text, required_text};
use super::user::PasswordPolicy;
use crate::i18n::{Lang, Msg};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub shop_name: String,
    pub shop_address: String,
    pub shop_phone: String,
    pub default_lang: Lang,
    /// An IANA zone name; days, months and reports follow it.
    pub time_zone: String,
    pub password_min_len: u32,
    pub session_idle_minutes: u32,
    pub session_absolute_hours: u32,
    /// Technicians log in once per shift.
    pub technician_session_hours: u32,
    /// Base of the URL in printed QR codes. Empty means "the LAN address found at start".
    pub public_base_url: String,
    /// Where customers come from (客户来源); built-in codes are shown translated.
    pub customer_sources: Vec<String>,
    /// Customer levels (客户等级); built-in codes are shown translated.
    pub customer_levels: Vec<String>,
    /// The hourly labour rate a labour line takes unless priced otherwise.
    pub labour_rate: rust_decimal::Decimal,
    /// Work order numbers: `{date}` or `{yymmdd}` plus `{seq}`, the day's sequence.
    pub order_number_format: String,
    /// The daily backup's time of day in the shop, `HH:MM`.
    pub backup_time: String,
    /// How many daily backups are kept.
    pub backup_keep: u32,
    /// Units parts are counted in (件、升…); built-in codes are shown translated.
    pub part_units: Vec<String>,
    /// Whether issuing a part may take its stock below zero (a shop that books receipts late).
    pub allow_negative_stock: bool,
    /// Discounts above this share of a bill (percent) need a manager and a reason.
    pub discount_limit_percent: rust_decimal::Decimal,
    /// Whether prices include the tax (the bill shows the tax inside) or have it added.
    pub prices_include_tax: bool,
    /// The tax rate in percent.
    pub tax_rate: rust_decimal::Decimal,
    /// The step a bill's total is rounded to (0.01, 0.1 or 1), for cash without coins.
    pub cash_rounding: rust_decimal::Decimal,
    /// How many days after delivery the customer's own link to an order keeps working (0: it
    /// stops with the delivery).
    pub customer_link_days: u32,
    /// The key in the wall display's address (`/wall/{key}`): the shop's TV opens the board
    /// with it instead of a person's sign-in. Empty: no wall display. Made and revoked in
    /// Administration, never typed in the settings form.
    pub display_key: String,
    /// Minutes without use after which a reception kiosk locks (0: never; see `web::kiosk`).
    pub kiosk_lock_minutes: u32,
    /// The value a device's `wd_kiosk` cookie must carry to be the reception kiosk (256 random
    /// bits; empty: no kiosk). Made in Administration, never typed in the settings form; a new
    /// one un-kiosks every device.
    pub kiosk_key: String,
    /// The appointment calendar's columns: the bays below or the technicians.
    pub calendar_by: super::appointment::CalendarBy,
    /// The shop's bays (工位), by name, for appointments.
    pub bays: Vec<String>,
    /// Opening hours, `HH:MM`: appointments lie between them.
    pub opening_time: String,
    pub closing_time: String,
    /// Days after a delivery that the customer's follow-up call (回访) falls due (0: no calls).
    pub followup_days: u32,
    /// The terms printed on every work order above the signatures (委托书条款). Empty: the
    /// catalog's default terms, in the language the sheet is printed in.
    pub print_terms: String,
}

/// The built-in customer sources and levels, with their labels.
pub const BUILT_IN_CHOICES: &[(&str, Msg)] = &[
    ("walk_in", Msg::SourceWalkIn),
    ("referral", Msg::SourceReferral),
    ("online", Msg::SourceOnline),
    ("insurer", Msg::SourceInsurer),
    ("fleet", Msg::SourceFleet),
    ("other", Msg::SourceOther),
    ("ordinary", Msg::LevelOrdinary),
    ("silver", Msg::LevelSilver),
    ("gold", Msg::LevelGold),
    ("vip", Msg::LevelVip),
];

/// The configured choices as the settings form shows them, one per line: built-in codes as
/// their labels in `lang`, the shop's own as typed (the codes stay the stored keys).
pub fn choices_as_labels(typed: &str, lang: Lang) -> String {
    typed.lines().map(|l| choice_label(l.trim(), lang)).collect::<Vec<_>>().join("\n")
}

/// The choices typed in the settings form back to what is stored: a line that is a built-in
/// choice's label in either language (or its code) becomes the code.
pub fn choices_from_labels(typed: &str) -> String {
    typed
        .lines()
        .map(|l| {
            let l = l.trim();
            BUILT_IN_CHOICES
                .iter()
                .find(|(code, msg)| *code == l || Lang::ALL.iter().any(|lang| lang.t(*msg) == l))
                .map_or(l, |(code, _)| code)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The time zones the settings offer: China's first, then every other IANA zone by name.
pub fn time_zone_choices() -> Vec<&'static str> {
    const FIRST: [&str; 5] = ["Asia/Shanghai", "Asia/Urumqi", "Asia/Hong_Kong", "Asia/Macau", "Asia/Taipei"];
    let mut rest: Vec<&'static str> =
        chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name()).filter(|n| !FIRST.contains(n)).collect();
    rest.sort_unstable();
    FIRST.into_iter().chain(rest).collect()
}

/// The label of a configured choice: built-in codes translated, the shop's own as typed.
pub fn choice_label(code: &str, lang: Lang) -> &str {
    BUILT_IN_CHOICES.iter().find(|(c, _)| *c == code).map(|(_, m)| lang.t(*m)).unwrap_or(code)
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            shop_name: "wrenchdesk".into(),
            shop_address: String::new(),
            shop_phone: String::new(),
            default_lang: Lang::Zh,
            time_zone: "Asia/Shanghai".into(),
            password_min_len: 10,
            session_idle_minutes: 120,
            session_absolute_hours: 12,
            technician_session_hours: 12,
            public_base_url: String::new(),
            customer_sources: ["walk_in", "referral", "online", "insurer", "fleet", "other"]
                .map(String::from)
                .to_vec(),
            customer_levels: ["ordinary", "silver", "gold", "vip"].map(String::from).to_vec(),
            labour_rate: rust_decimal::Decimal::from(120),
            order_number_format: "{date}-{seq}".into(),
            backup_time: "02:00".into(),
            backup_keep: 14,
            part_units: crate::domain::part::BUILT_IN_UNITS.iter().map(|(c, _)| c.to_string()).collect(),
            allow_negative_stock: false,
            discount_limit_percent: rust_decimal::Decimal::from(10),
            prices_include_tax: true,
            tax_rate: rust_decimal::Decimal::ZERO,
            cash_rounding: rust_decimal::Decimal::new(1, 2),
            customer_link_days: 30,
            display_key: String::new(),
            kiosk_lock_minutes: 0,
            kiosk_key: String::new(),
            calendar_by: super::appointment::CalendarBy::Bay,
            bays: ["1号位", "2号位", "3号位", "4号位"].map(String::from).to_vec(),
            opening_time: "08:00".into(),
            closing_time: "18:00".into(),
            followup_days: 3,
            print_terms: String::new(),
        }
    }
}

/// The settings form as typed, before checking.
#[derive(Clone, Debug, Default)]
pub struct SettingsInput {
    pub shop_name: String,
    pub shop_address: String,
    pub shop_phone: String,
    pub default_lang: String,
    pub time_zone: String,
    pub password_min_len: String,
    pub session_idle_minutes: String,
    pub session_absolute_hours: String,
    pub technician_session_hours: String,
    pub public_base_url: String,
    /// One choice per line.
    pub customer_sources: String,
    pub customer_levels: String,
    pub labour_rate: String,
    pub order_number_format: String,
    pub backup_time: String,
    pub backup_keep: String,
    /// One unit per line.
    pub part_units: String,
    pub allow_negative_stock: bool,
    pub discount_limit_percent: String,
    /// `included` or `added`.
    pub tax_mode: String,
    pub tax_rate: String,
    pub cash_rounding: String,
    pub customer_link_days: String,
    pub kiosk_lock_minutes: String,
    /// `bay` or `technician`.
    pub calendar_by: String,
    /// One bay per line.
    pub bays: String,
    pub opening_time: String,
    pub closing_time: String,
    pub followup_days: String,
    /// The printed order's terms, as typed (several lines).
    pub print_terms: String,
}

impl Settings {
    pub fn tz(&self) -> chrono_tz::Tz {
        self.time_zone.parse().unwrap_or(chrono_tz::Asia::Shanghai)
    }

    pub fn password_policy(&self) -> PasswordPolicy {
        PasswordPolicy { min_len: self.password_min_len as usize }
    }

    /// The settings as the admin page shows them for editing.
    pub fn to_input(&self) -> SettingsInput {
        SettingsInput {
            shop_name: self.shop_name.clone(),
            shop_address: self.shop_address.clone(),
            shop_phone: self.shop_phone.clone(),
            default_lang: self.default_lang.code().into(),
            time_zone: self.time_zone.clone(),
            password_min_len: self.password_min_len.to_string(),
            session_idle_minutes: self.session_idle_minutes.to_string(),
            session_absolute_hours: self.session_absolute_hours.to_string(),
            technician_session_hours: self.technician_session_hours.to_string(),
            public_base_url: self.public_base_url.clone(),
            customer_sources: self.customer_sources.join("\n"),
            customer_levels: self.customer_levels.join("\n"),
            labour_rate: self.labour_rate.to_string(),
            order_number_format: self.order_number_format.clone(),
            backup_time: self.backup_time.clone(),
            backup_keep: self.backup_keep.to_string(),
            part_units: self.part_units.join("\n"),
            allow_negative_stock: self.allow_negative_stock,
            discount_limit_percent: self.discount_limit_percent.to_string(),
            tax_mode: if self.prices_include_tax { "included" } else { "added" }.into(),
            tax_rate: self.tax_rate.to_string(),
            cash_rounding: self.cash_rounding.normalize().to_string(),
            customer_link_days: self.customer_link_days.to_string(),
            kiosk_lock_minutes: self.kiosk_lock_minutes.to_string(),
            calendar_by: self.calendar_by.code().into(),
            bays: self.bays.join("\n"),
            opening_time: self.opening_time.clone(),
            closing_time: self.closing_time.clone(),
            followup_days: self.followup_days.to_string(),
            print_terms: self.print_terms.clone(),
        }
    }

    /// The terms the printed order carries: the shop's own, else the default in `lang`.
    pub fn print_terms_or_default(&self, lang: Lang) -> &str {
        if self.print_terms.trim().is_empty() { lang.t(Msg::PrintTermsDefault) } else { &self.print_terms }
    }

    /// Checks every field of the form; all problems are reported at once.
    pub fn check(input: &SettingsInput) -> Result<Settings, FieldErrors> {
        let mut e = FieldErrors::new();
        let shop_name = e.check("shop_name", required_text(&input.shop_name, 80));
        let shop_address = e.check("shop_address", optional_text(&input.shop_address, 200));
        let shop_phone = e.check("shop_phone", optional_text(&input.shop_phone, 40));
        let default_lang =
            e.check("default_lang", Lang::parse(&input.default_lang).ok_or(Problem::new(Msg::LangInvalid)));
        let time_zone = e.check("time_zone", parse_time_zone(&input.time_zone));
        let password_min_len = e.check("password_min_len", number_in(&input.password_min_len, 8, 64));
        let idle = e.check("session_idle_minutes", number_in(&input.session_idle_minutes, 5, 24 * 60));
        let absolute = e.check("session_absolute_hours", number_in(&input.session_absolute_hours, 1, 24 * 7));
        let technician =
            e.check("technician_session_hours", number_in(&input.technician_session_hours, 1, 24));
        let public_base_url = e.check("public_base_url", parse_base_url(&input.public_base_url));
        let customer_sources = e.check("customer_sources", choice_list(&input.customer_sources));
        let customer_levels = e.check("customer_levels", choice_list(&input.customer_levels));
        let labour_rate = e.check(
            "labour_rate",
            decimal_in(
                &input.labour_rate,
                2,
                rust_decimal::Decimal::ZERO,
                rust_decimal::Decimal::from(100_000),
            ),
        );
        let order_number_format = e
            .check("order_number_format", super::work_order::check_number_format(&input.order_number_format));
        let backup_time = e.check("backup_time", parse_time_of_day(&input.backup_time));
        let backup_keep = e.check("backup_keep", number_in(&input.backup_keep, 1, 365));
        // A form without the field (an older page) keeps the built-in units.
        let part_units = if input.part_units.trim().is_empty() {
            Some(Settings::default().part_units)
        } else {
            e.check("part_units", choice_list(&input.part_units))
        };
        let checkout = check_checkout_fields(input, &mut e);
        // A form without the field (an older page) keeps the default.
        let customer_link_days = match input.customer_link_days.trim() {
            "" => Some(Settings::default().customer_link_days),
            t => e.check("customer_link_days", number_in(t, 0, 365)),
        };
        // A form without the field (an older page) keeps "never". A lock that comes after the
        // session's own idle timeout would never show: the session ends first.
        let kiosk_lock_minutes = match input.kiosk_lock_minutes.trim() {
            "" => Some(0),
            t => e.check("kiosk_lock_minutes", number_in(t, 0, 24 * 60)).and_then(|m| match idle {
                Some(idle) if m > 0 && m >= idle => {
                    e.add("kiosk_lock_minutes", Problem::with(Msg::KioskLockTooLong, &[&idle]));
                    None
                }
                _ => Some(m),
            }),
        };
        let calendar = check_calendar_fields(input, &mut e);
        // A form without the field (an older page) keeps the default.
        let followup_days = match input.followup_days.trim() {
            "" => Some(Settings::default().followup_days),
            t => e.check("followup_days", number_in(t, 0, 90)),
        };
        let print_terms = e.check("print_terms", optional_text(&input.print_terms, 2000));
        e.into_result(|| Settings {
            shop_name: shop_name.unwrap_or_default(),
            shop_address: shop_address.unwrap_or_default(),
            shop_phone: shop_phone.unwrap_or_default(),
            default_lang: default_lang.unwrap_or_default(),
            time_zone: time_zone.unwrap_or_default(),
            password_min_len: password_min_len.unwrap_or_default(),
            session_idle_minutes: idle.unwrap_or_default(),
            session_absolute_hours: absolute.unwrap_or_default(),
            technician_session_hours: technician.unwrap_or_default(),
            public_base_url: public_base_url.unwrap_or_default(),
            customer_sources: customer_sources.unwrap_or_default(),
            customer_levels: customer_levels.unwrap_or_default(),
            labour_rate: labour_rate.unwrap_or_default(),
            order_number_format: order_number_format.unwrap_or_default(),
            backup_time: backup_time.unwrap_or_default(),
            backup_keep: backup_keep.unwrap_or_default(),
            part_units: part_units.unwrap_or_default(),
            allow_negative_stock: input.allow_negative_stock,
            discount_limit_percent: checkout.0,
            prices_include_tax: checkout.1,
            tax_rate: checkout.2,
            cash_rounding: checkout.3,
            customer_link_days: customer_link_days.unwrap_or_default(),
            display_key: String::new(),
            kiosk_lock_minutes: kiosk_lock_minutes.unwrap_or_default(),
            kiosk_key: String::new(),
            calendar_by: calendar.0,
            bays: calendar.1,
            opening_time: calendar.2,
            closing_time: calendar.3,
            followup_days: followup_days.unwrap_or_default(),
            print_terms: print_terms.unwrap_or_default(),
        })
    }
}

/// The appointment calendar's parameters. A form without them (an older page) keeps the
/// defaults.
fn check_calendar_fields(
    input: &SettingsInput,
    e: &mut FieldErrors,
) -> (super::appointment::CalendarBy, Vec<String>, String, String) {
    use super::appointment::CalendarBy;
    let d = Settings::default();
    let by = match input.calendar_by.trim() {
        "" => d.calendar_by,
        t => CalendarBy::parse(t).unwrap_or_else(|| {
            e.add("calendar_by", Msg::ChoiceInvalid);
            d.calendar_by
        }),
    };
    let bays = match input.bays.trim() {
        "" => d.bays,
        t => e.check("bays", choice_list(t)).unwrap_or_default(),
    };
    let mut time = |name: &'static str, raw: &str, default: String| match raw.trim() {
        "" => default,
        t => e.check(name, parse_time_of_day(t)).unwrap_or(default),
    };
    let opening = time("opening_time", &input.opening_time, d.opening_time);
    let closing = time("closing_time", &input.closing_time, d.closing_time);
    if closing <= opening && e.get("closing_time").is_none() && e.get("opening_time").is_none() {
        e.add("closing_time", Msg::ApptHoursInvalid);
    }
    (by, bays, opening, closing)
}

/// The checkout parameters of the form. A form without them (an older page) keeps the
/// defaults, so each empty field means "as before the checkout module".
fn check_checkout_fields(
    input: &SettingsInput,
    e: &mut FieldErrors,
) -> (rust_decimal::Decimal, bool, rust_decimal::Decimal, rust_decimal::Decimal) {
    use rust_decimal::Decimal;
    let d = Settings::default();
    let limit = match input.discount_limit_percent.trim() {
        "" => d.discount_limit_percent,
        t => e
            .check("discount_limit_percent", decimal_in(t, 2, Decimal::ZERO, Decimal::ONE_HUNDRED))
            .unwrap_or_default(),
    };
    let included = match input.tax_mode.trim() {
        "" => d.prices_include_tax,
        "included" => true,
        "added" => false,
        _ => {
            e.add("tax_mode", Msg::ChoiceInvalid);
            true
        }
    };
    let rate = match input.tax_rate.trim() {
        "" => d.tax_rate,
        t => e.check("tax_rate", decimal_in(t, 2, Decimal::ZERO, Decimal::from(50))).unwrap_or_default(),
    };
    let rounding = match input.cash_rounding.trim() {
        "" => d.cash_rounding,
        t if crate::domain::checkout::CASH_STEPS.contains(&t) => t.parse().unwrap_or(d.cash_rounding),
        _ => {
            e.add("cash_rounding", Msg::ChoiceInvalid);
            d.cash_rounding
        }
    };
    (limit, included, rate, rounding)
}

/// The moment a shop-local day begins, in UTC (where a clock change skips midnight, the
/// first moment that exists that day).
pub fn day_start(day: chrono::NaiveDate, tz: chrono_tz::Tz) -> chrono::DateTime<chrono::Utc> {
    use chrono::TimeZone;
    (0..24)
        .find_map(|h| tz.from_local_datetime(&day.and_hms_opt(h, 0, 0)?).earliest())
        .map(|t| t.with_timezone(&chrono::Utc))
        .unwrap_or_else(|| day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc())
}

/// One choice per line, trimmed, without repeats: 1 to 30 choices of at most 30 characters.
fn choice_list(raw: &str) -> Result<Vec<String>, Problem> {
    let mut out: Vec<String> = Vec::new();
    for line in raw.lines() {
        let choice = optional_text(line, 30)?;
        if !choice.is_empty() && !out.contains(&choice) {
            out.push(choice);
        }
    }
    if out.is_empty() {
        Err(Problem::new(Msg::Required))
    } else if out.len() > 30 {
        Err(Problem::with(Msg::TooManyChoices, &[&30]))
    } else {
        Ok(out)
    }
}

/// A time of day, `HH:MM` (24 hours).
fn parse_time_of_day(raw: &str) -> Result<String, Problem> {
    chrono::NaiveTime::parse_from_str(raw.trim(), "%H:%M")
        .map(|t| t.format("%H:%M").to_string())
        .map_err(|_| Problem::new(Msg::TimeOfDayInvalid))
}

impl Settings {
    /// The opening hours of each day.
    pub fn opening_hours(&self) -> (chrono::NaiveTime, chrono::NaiveTime) {
        let t = |s: &str, h| {
            chrono::NaiveTime::parse_from_str(s, "%H:%M")
                .unwrap_or(chrono::NaiveTime::from_hms_opt(h, 0, 0).expect("valid"))
        };
        (t(&self.opening_time, 8), t(&self.closing_time, 18))
    }

    /// The daily backup's time of day.
    pub fn backup_at(&self) -> chrono::NaiveTime {
        chrono::NaiveTime::parse_from_str(&self.backup_time, "%H:%M")
            .unwrap_or(chrono::NaiveTime::from_hms_opt(2, 0, 0).expect("valid"))
    }
}

fn parse_time_zone(raw: &str) -> Result<String, Problem> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(Problem::new(Msg::Required));
    }
    raw.parse::<chrono_tz::Tz>()
        .map(|tz| tz.name().to_string())
        .map_err(|_| Problem::new(Msg::TimeZoneInvalid))
}

/// `http(s)://host[:port]`, no path, query or spaces; a trailing slash is dropped. Empty is
/// allowed and means "automatic".
pub fn parse_base_url(raw: &str) -> Result<String, Problem> {
    let url = raw.trim().trim_end_matches('/');
    if url.is_empty() {
        return Ok(String::new());
    }
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
        .ok_or(Problem::new(Msg::UrlInvalid))?;
    let host_ok = !rest.is_empty()
        && rest.len() <= 200
        && rest.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'));
    if host_ok { Ok(url.to_string()) } else { Err(Problem::new(Msg::UrlInvalid)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_pass_their_own_check() {
        let defaults = Settings::default();
        assert_eq!(Settings::check(&defaults.to_input()).unwrap(), defaults);
    }

    #[test]
    fn every_bad_field_is_reported() {
        let mut input = Settings::default().to_input();
        input.shop_name = " ".into();
        input.time_zone = "Mars/Olympus".into();
        input.password_min_len = "4".into();
        input.public_base_url = "192.168.1.2".into();
        let errors = Settings::check(&input).unwrap_err();
        assert_eq!(errors.get("shop_name").unwrap().msg, Msg::Required);
        assert_eq!(errors.get("time_zone").unwrap().msg, Msg::TimeZoneInvalid);
        assert_eq!(errors.get("password_min_len").unwrap().msg, Msg::NumberRange);
        assert_eq!(errors.get("public_base_url").unwrap().msg, Msg::UrlInvalid);
        assert!(errors.get("session_idle_minutes").is_none());
    }

    #[test]
    fn the_kiosk_lock_is_never_or_shorter_than_the_idle_timeout() {
        let mut input = Settings::default().to_input();
        input.session_idle_minutes = "30".into();
        for (typed, ok) in [("0", Some(0)), ("", Some(0)), ("5", Some(5)), ("29", Some(29))] {
            input.kiosk_lock_minutes = typed.into();
            assert_eq!(Settings::check(&input).map(|s| s.kiosk_lock_minutes).ok(), ok, "{typed}");
        }
        input.kiosk_lock_minutes = "30".into();
        assert_eq!(
            Settings::check(&input).unwrap_err().get("kiosk_lock_minutes").unwrap().msg,
            Msg::KioskLockTooLong
        );
        input.kiosk_lock_minutes = "五".into();
        assert_eq!(
            Settings::check(&input).unwrap_err().get("kiosk_lock_minutes").unwrap().msg,
            Msg::NumberInvalid
        );
    }

    #[test]
    fn base_urls_are_host_and_port_only() {
        assert_eq!(parse_base_url("http://192.168.1.20:8080/").unwrap(), "http://192.168.1.20:8080");
        assert_eq!(parse_base_url("").unwrap(), "");
        assert!(parse_base_url("http://x/\"><script>").is_err());
        assert!(parse_base_url("ftp://host").is_err());
    }

    #[test]
    fn older_records_decode_with_defaults() {
        #[derive(Serialize)]
        struct Old {
            shop_name: String,
        }
        let bytes = rmp_serde::to_vec_named(&Old { shop_name: "老王汽修".into() }).unwrap();
        let settings: Settings = rmp_serde::from_slice(&bytes).unwrap();
        assert_eq!(settings.shop_name, "老王汽修");
        assert_eq!(settings.password_min_len, 10);
    }

    #[test]
    fn built_in_choices_are_edited_as_labels_and_stored_as_codes() {
        let stored = "walk_in\nvip\n老客户介绍";
        let zh = choices_as_labels(stored, Lang::Zh);
        assert!(!zh.contains("walk_in") && !zh.contains("vip"), "no codes shown: {zh}");
        assert!(zh.ends_with("老客户介绍"), "the shop's own as typed: {zh}");
        assert_eq!(choices_from_labels(&zh), stored);
        let en = choices_as_labels(stored, Lang::En);
        assert_eq!(choices_from_labels(&en), stored, "either language reads back: {en}");
    }

    #[test]
    fn the_time_zones_offered_start_with_china_and_all_parse() {
        let zones = time_zone_choices();
        assert_eq!(zones[0], "Asia/Shanghai");
        assert!(zones.len() > 300, "every IANA zone: {}", zones.len());
        assert!(zones.iter().all(|z| parse_time_zone(z).is_ok()));
        assert!(parse_time_zone("Mars/Olympus").is_err());
    }
}
