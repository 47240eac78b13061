//! Inspections (多项检测): the checklists managers keep, an order's inspections filled item by
//! item from the phone (one small write per item), findings turned into recommended lines, and
//! a vehicle's deferred work (recommendations the customer declined).
//!
//! An inspection's photos live in the same photo tables as the floor's notes, with ids from the
//! same sequence. The two indexes (by order, by vehicle) are written with the record.

use chrono::Utc;
use redb::{ReadTransaction, ReadableTable, WriteTransaction};

use super::audit::{Actor, append_tx};
use super::orders::{self, NewPhoto};
use super::tables::{
    INSPECTION_TEMPLATES, INSPECTIONS, INSPECTIONS_BY_ORDER, INSPECTIONS_BY_VEHICLE, ORDERS, PHOTO_THUMBS,
    PHOTOS,
};
use super::{StoreError, StoreResult, Touched, next_id_tx};
use crate::domain::inspection::{Inspection, InspectionItem, InspectionTemplate, ItemResult, TemplateItem};
use crate::domain::work_order::LineDetails;
use crate::domain::{OrderId, UserId, VehicleId, WorkOrder};
use crate::i18n::Msg;

/// Most photos one item keeps.
pub const PHOTOS_PER_ITEM: usize = 4;

pub fn template(tx: &ReadTransaction, id: u64) -> StoreResult<Option<InspectionTemplate>> {
    Ok(tx.open_table(INSPECTION_TEMPLATES)?.get(id)?.map(|v| v.value()))
}

fn template_tx(tx: &WriteTransaction, id: u64) -> StoreResult<InspectionTemplate> {
    tx.open_table(INSPECTION_TEMPLATES)?.get(id)?.map(|v| v.value()).ok_or(StoreError::NotFound)
}

/// Every checklist, active ones first, by name.
pub fn templates(tx: &ReadTransaction) -> StoreResult<Vec<InspectionTemplate>> {
    let mut out = Vec::new();
    for row in tx.open_table(INSPECTION_TEMPLATES)?.iter()? {
        out.push(row?.1.value());
    }
    out.sort_by(|a, b| b.active.cmp(&a.active).then_with(|| a.name.cmp(&b.name)));
    Ok(out)
}

pub fn create_template_tx(
    tx: &WriteTransaction,
    actor: &Actor,
    name: String,
    items: Vec<TemplateItem>,
) -> StoreResult<InspectionTemplate> {
    let id = next_id_tx(tx, "inspection_template")?;
    let t = InspectionTemplate { id, name, items, active: true, version: 1, updated_at: Utc::now() };
    tx.open_table(INSPECTION_TEMPLATES)?.insert(id, &t)?;
    append_tx(
        tx,
        actor,
        "inspection_template.create",
        &format!("inspection_template:{id}"),
        format!("{} ({} items)", t.name, t.items.len()),
    )?;
    Ok(t)
}

pub fn update_template_tx(
    tx: &WriteTransaction,
    actor: &Actor,
    id: u64,
    version: u64,
    name: String,
    items: Vec<TemplateItem>,
    active: bool,
) -> StoreResult<InspectionTemplate> {
    let mut t = template_tx(tx, id)?;
    if t.version != version {
        return Err(StoreError::Stale);
    }
    (t.name, t.items, t.active) = (name, items, active);
    t.version += 1;
    t.updated_at = Utc::now();
    tx.open_table(INSPECTION_TEMPLATES)?.insert(id, &t)?;
    let state = if active { "" } else { " (inactive)" };
    append_tx(
        tx,
        actor,
        "inspection_template.update",
        &format!("inspection_template:{id}"),
        format!("{}{state} ({} items)", t.name, t.items.len()),
    )?;
    Ok(t)
}

/// The checklists a new shop starts with (see [`crate::domain::inspection::starter_templates`]).
pub fn create_starters_tx(tx: &WriteTransaction) -> StoreResult<()> {
    for (name, items) in crate::domain::inspection::starter_templates() {
        create_template_tx(tx, &Actor::system(), name, items)?;
    }
    Ok(())
}

pub fn get(tx: &ReadTransaction, id: u64) -> StoreResult<Option<Inspection>> {
    Ok(tx.open_table(INSPECTIONS)?.get(id)?.map(|v| v.value()))
}

fn get_tx(tx: &WriteTransaction, id: u64) -> StoreResult<Inspection> {
    tx.open_table(INSPECTIONS)?.get(id)?.map(|v| v.value()).ok_or(StoreError::NotFound)
}

fn put_tx(tx: &WriteTransaction, inspection: &mut Inspection) -> StoreResult<()> {
    inspection.version += 1;
    inspection.updated_at = Utc::now();
    tx.open_table(INSPECTIONS)?.insert(inspection.id, &*inspection)?;
    Ok(())
}

/// An order's inspections, oldest first.
pub fn for_order(tx: &ReadTransaction, order: OrderId) -> StoreResult<Vec<Inspection>> {
    let index = tx.open_table(INSPECTIONS_BY_ORDER)?;
    let table = tx.open_table(INSPECTIONS)?;
    let mut out = Vec::new();
    for row in index.range((order.0, 0)..=(order.0, u64::MAX))? {
        if let Some(i) = table.get(row?.0.value().1)? {
            out.push(i.value());
        }
    }
    Ok(out)
}

/// A vehicle's inspections, newest first.
pub fn for_vehicle(tx: &ReadTransaction, vehicle: VehicleId) -> StoreResult<Vec<Inspection>> {
    let index = tx.open_table(INSPECTIONS_BY_VEHICLE)?;
    let table = tx.open_table(INSPECTIONS)?;
    let mut out = Vec::new();
    for row in index.range((vehicle.0, 0)..=(vehicle.0, u64::MAX))?.rev() {
        if let Some(i) = table.get(row?.0.value().1)? {
            out.push(i.value());
        }
    }
    Ok(out)
}

/// Starts an inspection of an order's car from a checklist (its items are copied).
pub fn start_tx(
    tx: &WriteTransaction,
    actor: &Actor,
    order_id: OrderId,
    template_id: u64,
    technician: Option<UserId>,
) -> StoreResult<Inspection> {
    let order = orders::get_tx(tx, order_id)?;
    if order.state.is_closed() {
        return Err(StoreError::Refused(Msg::OrderLocked));
    }
    let template = template_tx(tx, template_id)?;
    if !template.active {
        return Err(StoreError::NotFound);
    }
    let mut inspection = Inspection::start(&template, &order, technician, actor.user_id, Utc::now());
    inspection.id = next_id_tx(tx, "inspection")?;
    tx.open_table(INSPECTIONS)?.insert(inspection.id, &inspection)?;
    tx.open_table(INSPECTIONS_BY_ORDER)?.insert((order.id.0, inspection.id), ())?;
    tx.open_table(INSPECTIONS_BY_VEHICLE)?.insert((order.vehicle_id.0, inspection.id), ())?;
    append_tx(
        tx,
        actor,
        "inspection.start",
        &format!("inspection:{}", inspection.id),
        format!("{}: {}", order.number, inspection.name),
    )?;
    Ok(inspection)
}

/// Records an inspection made earlier (the generator; an import from another system), with
/// its indexes. Its order must exist and be of its car.
pub fn record_tx(tx: &WriteTransaction, mut inspection: Inspection) -> StoreResult<Inspection> {
    let order = orders::get_tx(tx, inspection.order_id)?;
    if order.vehicle_id != inspection.vehicle_id {
        return Err(StoreError::NotFound);
    }
    inspection.id = next_id_tx(tx, "inspection")?;
    tx.open_table(INSPECTIONS)?.insert(inspection.id, &inspection)?;
    tx.open_table(INSPECTIONS_BY_ORDER)?.insert((order.id.0, inspection.id), ())?;
    tx.open_table(INSPECTIONS_BY_VEHICLE)?.insert((order.vehicle_id.0, inspection.id), ())?;
    Ok(inspection)
}

/// Who declined recommended work, when, and who wrote it down (see [`record_declined_tx`]).
pub struct Declined {
    pub at: chrono::DateTime<Utc>,
    /// The customer, or whoever answered for them.
    pub approver: String,
    pub note: String,
    pub by: Option<UserId>,
    pub by_name: String,
}

/// Records, for an inspection recorded earlier (the generator; an import), that the customer
/// was offered `line` for finding `index` and declined it: the line and their answer
/// are added to the order as they were (a declined line is not billed, so its totals and
/// payments stay right), the finding is linked to the line, and the car's deferred work is
/// indexed for the due list.
pub fn record_declined_tx(
    tx: &WriteTransaction,
    id: u64,
    index: usize,
    line: LineDetails,
    answer: Declined,
) -> StoreResult<()> {
    use crate::domain::work_order::{Approval, ApprovalMethod, Decision, Line};
    let mut inspection = get_tx(tx, id)?;
    if index >= inspection.items.len() {
        return Err(StoreError::NotFound);
    }
    let mut order = orders::get_tx(tx, inspection.order_id)?;
    let no = order.next_line;
    order.next_line += 1;
    let answer_no = order.approvals.len() as u32 + 1;
    let mut offered = Line::new(no, line, answer.at, answer.by);
    offered.decision = Decision::Declined;
    offered.decided_in = Some(answer_no);
    order.lines.push(offered);
    order.approvals.push(Approval {
        no: answer_no,
        estimate_version: order.estimate_version,
        method: ApprovalMethod::Phone,
        approver: answer.approver,
        approved: vec![],
        declined: vec![no],
        approved_total: rust_decimal::Decimal::ZERO,
        signature: None,
        note: answer.note,
        at: answer.at,
        recorded_by: answer.by,
        recorded_by_name: answer.by_name,
    });
    tx.open_table(ORDERS)?.insert(order.id.0, &order)?;
    inspection.items[index].line_no = Some(no);
    tx.open_table(INSPECTIONS)?.insert(inspection.id, &inspection)?;
    super::care::vehicle_changed_tx(tx, inspection.vehicle_id)
}

/// Who is filling in an item: the user and whether they work at the desk.
pub struct Filler {
    pub user: UserId,
    pub desk: bool,
}

/// Saves one item of an inspection (its colour, reading, note and any new photos): one small
/// write. Refused unless the filler may fill it and the order is still open.
pub fn save_item_tx(
    tx: &WriteTransaction,
    actor: &Actor,
    filler: &Filler,
    id: u64,
    index: usize,
    result: ItemResult,
    photos: &[NewPhoto],
) -> StoreResult<Inspection> {
    let mut inspection = get_tx(tx, id)?;
    let order = orders::get_tx(tx, inspection.order_id)?;
    if !inspection.may_fill(&order, filler.user, filler.desk) {
        return Err(StoreError::Refused(Msg::InspNotYours));
    }
    if order.state.is_closed() {
        return Err(StoreError::Refused(Msg::OrderLocked));
    }
    let item = inspection.items.get(index).ok_or(StoreError::NotFound)?;
    if item.photos.len() + photos.len() > PHOTOS_PER_ITEM {
        return Err(StoreError::Invalid(crate::domain::FieldErrors::one(
            "photo",
            crate::domain::Problem::with(Msg::InspTooManyPhotos, &[&PHOTOS_PER_ITEM]),
        )));
    }
    let mut ids = Vec::new();
    for photo in photos {
        let photo_id = next_id_tx(tx, "photo")?;
        tx.open_table(PHOTOS)?.insert(photo_id, photo.picture.as_slice())?;
        tx.open_table(PHOTO_THUMBS)?.insert(photo_id, photo.thumb.as_slice())?;
        ids.push(photo_id);
    }
    let item = &mut inspection.items[index];
    item.rating = Some(result.rating);
    item.value = result.value;
    item.answer = result.answer;
    item.note = result.note;
    item.photos.extend(ids);
    item.by_name = actor.display.clone();
    item.at = Some(Utc::now());
    let summary = format!("{} #{} {}: {}", order.number, index + 1, item.item.label, result.rating.code());
    put_tx(tx, &mut inspection)?;
    append_tx(tx, actor, "inspection.item", &format!("inspection:{id}"), summary)?;
    Ok(inspection)
}

/// Turns a finding into recommended lines on its order: they wait for the customer's answer
/// like any added line, and the finding remembers the first of them.
pub fn recommend_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    actor: &Actor,
    id: u64,
    index: usize,
    lines: Vec<LineDetails>,
) -> StoreResult<(Inspection, WorkOrder)> {
    let mut inspection = get_tx(tx, id)?;
    let item = inspection.items.get(index).ok_or(StoreError::NotFound)?;
    if item.line_no.is_some() {
        return Err(StoreError::Refused(Msg::InspAlreadyRecommended));
    }
    let label = item.item.label.clone();
    let count = lines.len();
    let what = format!(" (inspection finding: {label})");
    let order = orders::add_lines_tx(tx, touched, actor, inspection.order_id, lines, &what)?;
    let first = order.lines[order.lines.len() - count].no;
    inspection.items[index].line_no = Some(first);
    put_tx(tx, &mut inspection)?;
    append_tx(
        tx,
        actor,
        "inspection.recommend",
        &format!("inspection:{id}"),
        format!("{} #{} {label} → line #{first}", order.number, index + 1),
    )?;
    Ok((inspection, order))
}

/// Takes up deferred work on a later order of the same car: the lines are added there (and wait
/// for the customer's answer), and the finding is no longer deferred.
pub fn take_up_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    actor: &Actor,
    order_id: OrderId,
    id: u64,
    index: usize,
    lines: Vec<LineDetails>,
) -> StoreResult<WorkOrder> {
    let mut inspection = get_tx(tx, id)?;
    let target = orders::get_tx(tx, order_id)?;
    let source = orders::get_tx(tx, inspection.order_id)?;
    if target.vehicle_id != inspection.vehicle_id || target.id == source.id {
        return Err(StoreError::NotFound);
    }
    if !inspection.deferred(&source).any(|(i, _)| i == index) {
        return Err(StoreError::Refused(Msg::InspNotDeferred));
    }
    let label = inspection.items[index].item.label.clone();
    let what = format!(" (deferred from {}: {label})", source.number);
    let order = orders::add_lines_tx(tx, touched, actor, order_id, lines, &what)?;
    inspection.items[index].taken_up_in = Some(order_id);
    put_tx(tx, &mut inspection)?;
    super::care::vehicle_changed_tx(tx, inspection.vehicle_id)?;
    append_tx(
        tx,
        actor,
        "inspection.take_up",
        &format!("inspection:{id}"),
        format!("{} #{} {label} → {}", source.number, index + 1, order.number),
    )?;
    Ok(order)
}

/// Shows the inspection on the customer's own page, or stops showing it.
pub fn share_tx(tx: &WriteTransaction, actor: &Actor, id: u64, shared: bool) -> StoreResult<Inspection> {
    let mut inspection = get_tx(tx, id)?;
    if inspection.shared == shared {
        return Ok(inspection);
    }
    inspection.shared = shared;
    put_tx(tx, &mut inspection)?;
    let what = if shared { "shared with the customer" } else { "no longer shared" };
    append_tx(tx, actor, "inspection.share", &format!("inspection:{id}"), what)?;
    Ok(inspection)
}

/// One piece of deferred work: a finding whose recommendation the customer declined.
#[derive(Clone, Debug)]
pub struct Deferred {
    pub inspection_id: u64,
    pub index: usize,
    pub order_id: OrderId,
    pub order_number: String,
    pub at: chrono::DateTime<Utc>,
    pub item: InspectionItem,
    /// The declined line's description and total.
    pub line: Option<(String, rust_decimal::Decimal)>,
    /// The declined lines as they were, to propose again.
    pub lines: Vec<LineDetails>,
}

/// A vehicle's deferred work, newest first: what the customer declined and no later order took
/// up. (Due lists read it through here.)
pub fn deferred_for_vehicle(tx: &ReadTransaction, vehicle: VehicleId) -> StoreResult<Vec<Deferred>> {
    let orders_table = tx.open_table(ORDERS)?;
    let mut out = Vec::new();
    for inspection in for_vehicle(tx, vehicle)? {
        if inspection.items.iter().all(|i| i.line_no.is_none()) {
            continue;
        }
        let Some(order) = orders_table.get(inspection.order_id.0)?.map(|v| v.value()) else { continue };
        for (index, item) in inspection.deferred(&order) {
            let first = item.line_no.unwrap_or(0);
            // The recommendation's lines: from its first line, those added with it (same time).
            let added_at = order.line(first).map(|l| l.added_at);
            let lines: Vec<LineDetails> = order
                .lines
                .iter()
                .filter(|l| l.no >= first && Some(l.added_at) == added_at)
                .map(|l| LineDetails { technician: None, ..l.details.clone() })
                .collect();
            let total = lines.iter().map(|l| l.total()).sum();
            out.push(Deferred {
                inspection_id: inspection.id,
                index,
                order_id: order.id,
                order_number: order.number.clone(),
                at: inspection.created_at,
                item: item.clone(),
                line: order.line(first).map(|l| (l.details.description.clone(), total)),
                lines,
            });
        }
    }
    Ok(out)
}

/// Whether a photo belongs to an item of this inspection.
pub fn has_photo(inspection: &Inspection, photo: u64) -> bool {
    inspection.items.iter().any(|i| i.photos.contains(&photo))
}

/// `check`: every inspection's order exists and is of its car, both indexes match the records,
/// every photo is stored, and findings point at lines of their order.
pub fn verify(tx: &ReadTransaction) -> StoreResult<Vec<String>> {
    let mut problems = Vec::new();
    let orders_table = tx.open_table(ORDERS)?;
    let photos = tx.open_table(PHOTOS)?;
    let by_order = tx.open_table(INSPECTIONS_BY_ORDER)?;
    let by_vehicle = tx.open_table(INSPECTIONS_BY_VEHICLE)?;
    let mut count = 0u64;
    for row in tx.open_table(INSPECTIONS)?.iter()? {
        let (id, inspection) = row?;
        let (id, i) = (id.value(), inspection.value());
        count += 1;
        if i.id != id {
            problems.push(format!("inspection {id} holds id {}", i.id));
        }
        match orders_table.get(i.order_id.0)?.map(|v| v.value()) {
            None => problems.push(format!("inspection {id}: order {} is missing", i.order_id)),
            Some(o) => {
                if o.vehicle_id != i.vehicle_id {
                    problems.push(format!("inspection {id}: order {} is of another vehicle", o.number));
                }
                for (n, item) in i.items.iter().enumerate() {
                    if let Some(no) = item.line_no
                        && o.line(no).is_none()
                    {
                        problems.push(format!("inspection {id} item {}: line {no} is missing", n + 1));
                    }
                }
            }
        }
        if by_order.get((i.order_id.0, id))?.is_none() {
            problems.push(format!("inspection {id} is missing from the order index"));
        }
        if by_vehicle.get((i.vehicle_id.0, id))?.is_none() {
            problems.push(format!("inspection {id} is missing from the vehicle index"));
        }
        for p in i.items.iter().flat_map(|i| &i.photos) {
            if photos.get(*p)?.is_none() {
                problems.push(format!("inspection {id}: photo {p} is missing"));
            }
        }
    }
    let table = tx.open_table(INSPECTIONS)?;
    let mut indexed = 0u64;
    for row in by_order.iter()? {
        let (order, id) = row?.0.value();
        indexed += 1;
        if table.get(id)?.is_none_or(|i| i.value().order_id.0 != order) {
            problems.push(format!("order index entry ({order}, {id}) has no such inspection"));
        }
    }
    for row in by_vehicle.iter()? {
        let (vehicle, id) = row?.0.value();
        if table.get(id)?.is_none_or(|i| i.value().vehicle_id.0 != vehicle) {
            problems.push(format!("vehicle index entry ({vehicle}, {id}) has no such inspection"));
        }
    }
    if indexed != count {
        problems.push(format!("{count} inspections but {indexed} order index entries"));
    }
    Ok(problems)
}
