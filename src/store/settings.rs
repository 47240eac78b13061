//! The shop's parameters record.

use redb::{ReadTransaction, ReadableTable, WriteTransaction};

use super::StoreResult;
use super::audit::{Actor, append_tx};
use super::tables::{SETTINGS, SETTINGS_KEY};
use crate::domain::{AdminCap, Settings};

/// The stored settings, or the defaults if none were saved yet.
pub fn get(tx: &ReadTransaction) -> StoreResult<Settings> {
    Ok(tx.open_table(SETTINGS)?.get(SETTINGS_KEY)?.map(|v| v.value()).unwrap_or_default())
}

pub fn get_tx(tx: &WriteTransaction) -> StoreResult<Settings> {
    Ok(tx.open_table(SETTINGS)?.get(SETTINGS_KEY)?.map(|v| v.value()).unwrap_or_default())
}

/// Saves the settings and audits each changed value.
pub fn save_tx(
    tx: &WriteTransaction,
    _cap: &AdminCap,
    actor: &Actor,
    new: &Settings,
) -> StoreResult<Vec<&'static str>> {
    let old = get_tx(tx)?;
    let changed = changed_fields(&old, new);
    tx.open_table(SETTINGS)?.insert(SETTINGS_KEY, new)?;
    if !changed.is_empty() {
        append_tx(tx, actor, "settings.update", "settings:shop", changed.join(", "))?;
    }
    Ok(changed)
}

/// Sets the wall display's key (empty: revoked) and audits it; returns the settings as saved.
pub fn set_display_key_tx(
    tx: &WriteTransaction,
    _cap: &AdminCap,
    actor: &Actor,
    key: String,
) -> StoreResult<Settings> {
    let mut settings = get_tx(tx)?;
    let what = if key.is_empty() { "revoked" } else { "new key" };
    settings.display_key = key;
    tx.open_table(SETTINGS)?.insert(SETTINGS_KEY, &settings)?;
    append_tx(tx, actor, "settings.display_key", "settings:shop", what.to_string())?;
    Ok(settings)
}

/// Sets the reception kiosk's key (a new one un-kiosks every device that had the old) and
/// audits why; returns the settings as saved.
pub fn set_kiosk_key_tx(
    tx: &WriteTransaction,
    _cap: &AdminCap,
    actor: &Actor,
    key: String,
    why: &str,
) -> StoreResult<Settings> {
    let mut settings = get_tx(tx)?;
    settings.kiosk_key = key;
    tx.open_table(SETTINGS)?.insert(SETTINGS_KEY, &settings)?;
    append_tx(tx, actor, "settings.kiosk_key", "settings:shop", why.to_string())?;
    Ok(settings)
}

fn changed_fields(old: &Settings, new: &Settings) -> Vec<&'static str> {
    let (a, b) = (old.to_input(), new.to_input());
    [
        ("shop_name", a.shop_name != b.shop_name),
        ("shop_address", a.shop_address != b.shop_address),
        ("shop_phone", a.shop_phone != b.shop_phone),
        ("default_lang", a.default_lang != b.default_lang),
        ("time_zone", a.time_zone != b.time_zone),
        ("password_min_len", a.password_min_len != b.password_min_len),
        ("session_idle_minutes", a.session_idle_minutes != b.session_idle_minutes),
        ("session_absolute_hours", a.session_absolute_hours != b.session_absolute_hours),
        ("technician_session_hours", a.technician_session_hours != b.technician_session_hours),
        ("public_base_url", a.public_base_url != b.public_base_url),
        ("customer_sources", a.customer_sources != b.customer_sources),
        ("customer_levels", a.customer_levels != b.customer_levels),
        ("labour_rate", a.labour_rate != b.labour_rate),
        ("order_number_format", a.order_number_format != b.order_number_format),
        ("backup_time", a.backup_time != b.backup_time),
        ("backup_keep", a.backup_keep != b.backup_keep),
        ("customer_link_days", a.customer_link_days != b.customer_link_days),
        ("kiosk_lock_minutes", a.kiosk_lock_minutes != b.kiosk_lock_minutes),
    ]
    .into_iter()
    .filter_map(|(name, changed)| changed.then_some(name))
    .collect()
}
