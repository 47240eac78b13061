//! Service templates (保养套餐), managed by managers and used at reception.

use chrono::Utc;
use redb::{ReadTransaction, ReadableTable, WriteTransaction};

use super::audit::{Actor, append_tx};
use super::tables::TEMPLATES;
use super::{StoreError, StoreResult, next_id_tx};
use crate::domain::template::{ServiceTemplate, TemplateDetails};

pub fn get(tx: &ReadTransaction, id: u64) -> StoreResult<Option<ServiceTemplate>> {
    Ok(tx.open_table(TEMPLATES)?.get(id)?.map(|v| v.value()))
}

pub fn get_tx(tx: &WriteTransaction, id: u64) -> StoreResult<ServiceTemplate> {
    tx.open_table(TEMPLATES)?.get(id)?.map(|v| v.value()).ok_or(StoreError::NotFound)
}

/// Every template, active ones first, by name.
pub fn list(tx: &ReadTransaction) -> StoreResult<Vec<ServiceTemplate>> {
    let mut out = Vec::new();
    for row in tx.open_table(TEMPLATES)?.iter()? {
        out.push(row?.1.value());
    }
    out.sort_by(|a, b| b.active.cmp(&a.active).then_with(|| a.details.name.cmp(&b.details.name)));
    Ok(out)
}

pub fn create_tx(
    tx: &WriteTransaction,
    actor: &Actor,
    details: TemplateDetails,
) -> StoreResult<ServiceTemplate> {
    let id = next_id_tx(tx, "template")?;
    let template = ServiceTemplate { id, details, active: true, version: 1, updated_at: Utc::now() };
    tx.open_table(TEMPLATES)?.insert(id, &template)?;
    append_tx(tx, actor, "template.create", &format!("template:{id}"), template.details.name.clone())?;
    Ok(template)
}

pub fn update_tx(
    tx: &WriteTransaction,
    actor: &Actor,
    id: u64,
    version: u64,
    details: TemplateDetails,
    active: bool,
) -> StoreResult<ServiceTemplate> {
    let mut template = get_tx(tx, id)?;
    if template.version != version {
        return Err(StoreError::Stale);
    }
    template.details = details;
    template.active = active;
    template.version += 1;
    template.updated_at = Utc::now();
    tx.open_table(TEMPLATES)?.insert(id, &template)?;
    let state = if active { "" } else { " (inactive)" };
    append_tx(
        tx,
        actor,
        "template.update",
        &format!("template:{id}"),
        format!("{}{state}", template.details.name),
    )?;
    Ok(template)
}
