//! `wrenchdesk check`: redb's own integrity check, then wrenchdesk's invariants, table by table.
//! Every module adds the invariants of its tables here.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use redb::{Database, ReadTransaction, ReadableDatabase, ReadableTable, ReadableTableMetadata};

use super::tables::*;
use super::{DB_FILE, StoreError, StoreResult, migrate};

#[derive(Debug, Default)]
pub struct Report {
    pub checked: Vec<String>,
    pub problems: Vec<String>,
}

pub fn run(data_dir: &Path) -> StoreResult<Report> {
    let path = data_dir.join(DB_FILE);
    if !path.exists() {
        return Err(StoreError::Storage(format!("no database at {}", path.display()).into()));
    }
    let mut db = Database::builder().set_cache_size(64 * 1024 * 1024).open(&path).map_err(|e| match e {
        redb::DatabaseError::DatabaseAlreadyOpen => StoreError::InUse(data_dir.to_path_buf()),
        e => e.into(),
    })?;
    let mut report = Report::default();
    match db.check_integrity() {
        Ok(true) => report.checked.push("redb integrity".into()),
        Ok(false) => {
            report.problems.push("redb integrity: the file was damaged and has been repaired".into())
        }
        Err(e) => report.problems.push(format!("redb integrity: {e}")),
    }
    let version = migrate::version(&db)?;
    if version == migrate::CURRENT {
        report.checked.push(format!("schema version {version}"));
    } else {
        report.problems.push(format!("schema version {version}, expected {}", migrate::CURRENT));
    }
    let tx = db.begin_read()?;
    invariants(&tx, &mut report)?;
    Ok(report)
}

/// Runs one check, turning an undecodable record (a panic in decoding) into a problem.
fn guarded(report: &mut Report, name: &str, check: impl FnOnce() -> StoreResult<Vec<String>>) {
    match catch_unwind(AssertUnwindSafe(check)) {
        Ok(Ok(problems)) if problems.is_empty() => report.checked.push(name.to_string()),
        Ok(Ok(problems)) => report.problems.extend(problems.into_iter().map(|p| format!("{name}: {p}"))),
        Ok(Err(e)) => report.problems.push(format!("{name}: {e}")),
        Err(_) => report.problems.push(format!("{name}: a record could not be decoded")),
    }
}

pub fn invariants(tx: &ReadTransaction, report: &mut Report) -> StoreResult<()> {
    guarded(report, "users and their username index", || check_users(tx));
    guarded(report, "sessions and their per-user index", || check_sessions(tx));
    guarded(report, "settings record", || {
        tx.open_table(SETTINGS)?.get(SETTINGS_KEY)?;
        Ok(vec![])
    });
    guarded(report, "customers and their phone index", || check_customers(tx));
    guarded(report, "vehicles and their plate, VIN and owner indexes", || check_vehicles(tx));
    guarded(report, "work orders, their lines and their indexes", || check_orders(tx));
    guarded(report, "parts: stock equals the ledger, number and low-stock indexes", || check_parts(tx));
    guarded(report, "payments, their indexes, receivables and settled orders", || {
        super::checkout::verify::check_payments(tx)
    });
    guarded(report, "report totals per day and month equal their records", || super::reports::verify(tx));
    guarded(report, "due lists indexed as their records say", || super::care::verify(tx));
    guarded(report, "appointments and their indexes", || super::appointments::verify(tx));
    guarded(report, "follow-up calls, their list, the manager's list and the monthly totals", || {
        super::followups::verify(tx)
    });
    guarded(report, "inspections, their photos and their order and vehicle indexes", || {
        super::inspections::verify(tx)
    });
    guarded(report, "walk-arounds at reception: marks on the car, photos, signatures", || {
        super::orders::walkaround::verify(tx)
    });
    guarded(report, "audit log and id sequences", || check_sequences(tx));
    Ok(())
}

fn check_users(tx: &ReadTransaction) -> StoreResult<Vec<String>> {
    let mut problems = Vec::new();
    let users = tx.open_table(USERS)?;
    let by_name = tx.open_table(USERS_BY_NAME)?;
    for row in users.iter()? {
        let (id, user) = row?;
        let (id, user) = (id.value(), user.value());
        if user.id.0 != id {
            problems.push(format!("user {id} carries id {}", user.id));
        }
        match by_name.get(user.username.as_str())? {
            Some(v) if v.value() == id => {}
            Some(v) => problems.push(format!("username {} points to {} not {id}", user.username, v.value())),
            None => problems.push(format!("user {id} ({}) missing from the index", user.username)),
        }
    }
    for row in by_name.iter()? {
        let (name, id) = row?;
        match users.get(id.value())? {
            Some(user) if user.value().username.as_str() == name.value() => {}
            _ => problems.push(format!("index entry {} → {} has no matching user", name.value(), id.value())),
        }
    }
    Ok(problems)
}

fn check_sessions(tx: &ReadTransaction) -> StoreResult<Vec<String>> {
    let mut problems = Vec::new();
    let sessions = tx.open_table(SESSIONS)?;
    let by_user = tx.open_table(SESSIONS_BY_USER)?;
    for row in sessions.iter()? {
        let (id, session) = row?;
        let (id, session) = (id.value(), session.value());
        if by_user.get((session.user_id.0, id))?.is_none() {
            problems.push(format!("session of user {} missing from the index", session.user_id));
        }
    }
    for row in by_user.iter()? {
        let ((user, id), ()) = (row?.0.value(), ());
        match sessions.get(id)? {
            Some(s) if s.value().user_id.0 == user => {}
            _ => problems.push(format!("index entry for user {user} has no matching session")),
        }
    }
    Ok(problems)
}

fn check_customers(tx: &ReadTransaction) -> StoreResult<Vec<String>> {
    let mut problems = Vec::new();
    let customers = tx.open_table(CUSTOMERS)?;
    let by_phone = tx.open_table(CUSTOMERS_BY_PHONE)?;
    let mut expected = std::collections::BTreeSet::new();
    for row in customers.iter()? {
        let (id, c) = row?;
        let (id, c) = (id.value(), c.value());
        if c.id.0 != id {
            problems.push(format!("customer {id} carries id {}", c.id));
        }
        expected.insert((c.details.phone.as_str().to_string(), id));
        if let Some(p2) = &c.details.phone2 {
            expected.insert((p2.as_str().to_string(), id));
        }
    }
    let mut found = std::collections::BTreeSet::new();
    for row in by_phone.iter()? {
        let (key, _) = row?;
        let (phone, id) = key.value();
        found.insert((phone.to_string(), id));
    }
    for missing in expected.difference(&found) {
        problems.push(format!("phone {} of customer {} missing from the index", missing.0, missing.1));
    }
    for extra in found.difference(&expected) {
        problems.push(format!("phone index entry {} → {} matches no customer", extra.0, extra.1));
    }
    Ok(problems)
}

fn check_vehicles(tx: &ReadTransaction) -> StoreResult<Vec<String>> {
    let mut problems = Vec::new();
    let vehicles = tx.open_table(VEHICLES)?;
    let customers = tx.open_table(CUSTOMERS)?;
    let by_plate = tx.open_table(VEHICLES_BY_PLATE)?;
    let by_vin = tx.open_table(VEHICLES_BY_VIN)?;
    let by_customer = tx.open_table(VEHICLES_BY_CUSTOMER)?;
    let by_make = tx.open_table(VEHICLES_BY_MAKE)?;
    let mut models = std::collections::BTreeMap::<(String, String), u64>::new();
    let mut count = 0u64;
    let mut vins = 0u64;
    for row in vehicles.iter()? {
        let (id, v) = row?;
        let (id, v) = (id.value(), v.value());
        count += 1;
        if customers.get(v.customer_id.0)?.is_none() {
            problems.push(format!("vehicle {id} belongs to missing customer {}", v.customer_id));
        }
        if by_plate.get(v.details.plate.as_str())?.map(|x| x.value()) != Some(id) {
            problems.push(format!("plate {} of vehicle {id} not indexed to it", v.details.plate.as_str()));
        }
        if let Some(vin) = &v.details.vin {
            vins += 1;
            if by_vin.get(vin.as_str())?.map(|x| x.value()) != Some(id) {
                problems.push(format!("VIN {vin} of vehicle {id} not indexed to it"));
            }
        }
        if by_customer.get((v.customer_id.0, id))?.is_none() {
            problems.push(format!("vehicle {id} missing from its owner's index"));
        }
        let (make, model) = (v.details.make.trim(), v.details.model.trim());
        if !make.is_empty() {
            if by_make.get((make, id))?.is_none() {
                problems.push(format!("vehicle {id} missing from the make index"));
            }
            *models.entry((make.to_string(), model.to_string())).or_default() += 1;
        }
    }
    let made: u64 = models.values().sum();
    if by_make.len()? != made {
        problems.push(format!("{} make index entries for {made} vehicles with a make", by_make.len()?));
    }
    let mut counted = std::collections::BTreeMap::new();
    for row in tx.open_table(VEHICLE_MODELS)?.iter()? {
        let (key, n) = row?;
        let (make, model) = key.value();
        counted.insert((make.to_string(), model.to_string()), n.value());
    }
    if counted != models {
        problems.push("the counts of makes and models differ from the vehicles".to_string());
    }
    use redb::ReadableTableMetadata;
    if by_plate.len()? != count {
        problems.push(format!("{} plate index entries for {count} vehicles", by_plate.len()?));
    }
    if by_vin.len()? != vins {
        problems.push(format!("{} VIN index entries for {vins} VINs", by_vin.len()?));
    }
    if by_customer.len()? != count {
        problems.push(format!("{} owner index entries for {count} vehicles", by_customer.len()?));
    }
    Ok(problems)
}

fn check_orders(tx: &ReadTransaction) -> StoreResult<Vec<String>> {
    use std::collections::BTreeSet;
    let mut problems = Vec::new();
    let (mut numbers, mut tokens, mut vehicles, mut customers, mut states, mut techs) = (
        BTreeSet::new(),
        BTreeSet::new(),
        BTreeSet::new(),
        BTreeSet::new(),
        BTreeSet::new(),
        BTreeSet::new(),
    );
    let (mut running, mut requests, mut links) = (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
    let vehicle_table = tx.open_table(VEHICLES)?;
    for row in tx.open_table(ORDERS)?.iter()? {
        let (id, o) = row?;
        let (id, o) = (id.value(), o.value());
        if o.id.0 != id {
            problems.push(format!("order {id} carries id {}", o.id));
        }
        if vehicle_table.get(o.vehicle_id.0)?.is_none() {
            problems.push(format!("order {} is for a missing vehicle {}", o.number, o.vehicle_id));
        }
        numbers.insert((o.number.clone(), id));
        tokens.insert((o.token, id));
        if let Some(link) = &o.customer_link {
            links.insert((link.token_hex(), id));
        }
        vehicles.insert((o.vehicle_id.0, id));
        customers.insert((o.customer_id.0, id));
        states.insert((o.state.code().to_string(), id));
        for t in o.technicians() {
            techs.insert((t.0, id));
        }
        for line in o.lines.iter().filter(|l| l.progress() == crate::domain::clock::Progress::Running) {
            let owner = line.clock.last().and_then(|i| i.by).map(|u| u.0).unwrap_or(0);
            running.insert((owner.to_string(), id * 10_000 + u64::from(line.no)));
        }
        for r in o.part_requests.iter().filter(|r| r.status == crate::domain::work_order::RequestStatus::Open)
        {
            requests.insert((id.to_string(), u64::from(r.no)));
        }
        problems.extend(line_problems(&o));
    }
    let mut compare = |name: &str, expected: BTreeSet<(String, u64)>, found: BTreeSet<(String, u64)>| {
        for missing in expected.difference(&found) {
            problems.push(format!("{name} index is missing {} → order {}", missing.0, missing.1));
        }
        for extra in found.difference(&expected) {
            problems.push(format!("{name} index has {} → order {} with no matching order", extra.0, extra.1));
        }
    };
    let text =
        |set: BTreeSet<(u64, u64)>| set.into_iter().map(|(k, v)| (k.to_string(), v)).collect::<BTreeSet<_>>();
    let mut found_numbers = BTreeSet::new();
    for row in tx.open_table(ORDERS_BY_NUMBER)?.iter()? {
        let (k, v) = row?;
        found_numbers.insert((k.value().to_string(), v.value()));
    }
    compare("number", numbers, found_numbers);
    let mut found_tokens = BTreeSet::new();
    for row in tx.open_table(ORDERS_BY_TOKEN)?.iter()? {
        let (k, v) = row?;
        found_tokens.insert((format!("{:032x}", k.value()), v.value()));
    }
    compare("token", tokens.into_iter().map(|(k, v)| (format!("{k:032x}"), v)).collect(), found_tokens);
    let mut found_links = BTreeSet::new();
    for row in tx.open_table(ORDERS_BY_CUSTOMER_TOKEN)?.iter()? {
        let (k, v) = row?;
        found_links.insert((format!("{:032x}", k.value()), v.value()));
    }
    compare("customer link", links, found_links);
    for (name, table, expected) in [
        ("vehicle", ORDERS_BY_VEHICLE, vehicles),
        ("customer", ORDERS_BY_CUSTOMER, customers),
        ("technician", ORDERS_BY_TECHNICIAN, techs),
    ] {
        let mut found = BTreeSet::new();
        for row in tx.open_table(table)?.iter()? {
            found.insert(row?.0.value());
        }
        compare(name, text(expected), text(found));
    }
    let mut found_states = BTreeSet::new();
    for row in tx.open_table(ORDERS_BY_STATE)?.iter()? {
        let key = row?.0;
        let (state, id) = key.value();
        found_states.insert((state.to_string(), id));
    }
    compare("state", states, found_states);
    // One running line per technician, as the lines say (the line is encoded as order × 10,000
    // + line number for the comparison).
    let mut found_running = BTreeSet::new();
    for row in tx.open_table(RUNNING)?.iter()? {
        let (tech, v) = row?;
        let (order, line) = v.value();
        found_running.insert((tech.value().to_string(), order * 10_000 + u64::from(line)));
    }
    compare("running line", running, found_running);
    let mut found_requests = BTreeSet::new();
    for row in tx.open_table(OPEN_PART_REQUESTS)?.iter()? {
        let (order, no) = row?.0.value();
        found_requests.insert((order.to_string(), u64::from(no)));
    }
    compare("open parts request", requests, found_requests);
    let last = tx.open_table(SEQUENCES)?.get("order")?.map(|v| v.value()).unwrap_or(0);
    if tx.open_table(ORDERS)?.last()?.is_some_and(|(k, _)| k.value() > last) {
        problems.push("an order id is beyond the sequence".into());
    }
    Ok(problems)
}

/// An order's own consistency: line numbers unique and below the next one, approvals named by
/// its lines exist, totals in cents and adding up to the lines.
fn line_problems(o: &crate::domain::WorkOrder) -> Vec<String> {
    use std::collections::BTreeSet;
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    for line in &o.lines {
        if !seen.insert(line.no) || line.no >= o.next_line.max(1) {
            problems.push(format!("order {} has a repeated or unnumbered line #{}", o.number, line.no));
        }
        if line.decided_in.is_some_and(|a| a == 0 || a as usize > o.approvals.len()) {
            problems.push(format!("order {} line #{} names a missing approval", o.number, line.no));
        }
        if line.total().scale() > 2 {
            problems.push(format!("order {} line #{} total is not in cents", o.number, line.no));
        }
    }
    let t = o.totals();
    let sum: rust_decimal::Decimal = o.lines.iter().map(|l| l.total()).sum();
    if t.estimate + t.declined != sum || t.labour + t.parts + t.fees != t.estimate {
        problems.push(format!("order {} totals do not add up to its lines", o.number));
    }
    problems
}

/// Every part's stock on hand is the sum of its ledger and matches the last movement's
/// "after"; the ledger's quantities and index agree; the number and low-stock indexes hold
/// exactly the parts they should.
fn check_parts(tx: &ReadTransaction) -> StoreResult<Vec<String>> {
    use std::collections::HashMap;
    let mut problems = Vec::new();
    let mut sums: HashMap<u64, (rust_decimal::Decimal, Option<crate::domain::stock::Stock>)> = HashMap::new();
    // What the ledger says each order line took from stock.
    let mut issued: HashMap<(u64, u32), rust_decimal::Decimal> = HashMap::new();
    let by_part = tx.open_table(STOCK_MOVES_BY_PART)?;
    for row in tx.open_table(STOCK_MOVES)?.iter()? {
        let (id, m) = row?;
        let (id, m) = (id.value(), m.value());
        if m.id != id {
            problems.push(format!("movement {id} carries id {}", m.id));
        }
        if by_part.get((m.part.0, id))?.is_none() {
            problems.push(format!("movement {id} missing from part {}'s ledger index", m.part));
        }
        if let Some((order, line)) = m.order {
            *issued.entry((order.0, line)).or_default() -= m.qty;
        }
        let entry = sums.entry(m.part.0).or_default();
        entry.0 += m.qty;
        if entry.0 != m.after.on_hand {
            problems.push(format!(
                "movement {id} of part {} says stock {} after, the ledger sums to {}",
                m.part, m.after.on_hand, entry.0
            ));
        }
        entry.1 = Some(m.after);
    }
    if by_part.len()? != tx.open_table(STOCK_MOVES)?.len()? {
        problems.push("the per-part ledger index and the ledger differ in length".into());
    }
    let numbers = tx.open_table(PARTS_BY_NUMBER)?;
    let low = tx.open_table(PARTS_LOW)?;
    let mut parts = 0u64;
    for row in tx.open_table(PARTS)?.iter()? {
        let (id, part) = row?;
        let (id, part) = (id.value(), part.value());
        parts += 1;
        let (sum, last) = sums.remove(&id).unwrap_or_default();
        if part.stock.on_hand != sum {
            problems.push(format!(
                "part {id} ({}) has {} on hand, its ledger sums to {sum}",
                part.details.number, part.stock.on_hand
            ));
        }
        if let Some(last) = last
            && last != part.stock
        {
            problems.push(format!("part {id}'s stock and cost differ from its last movement"));
        }
        if numbers.get(part.details.number.key().as_str())?.map(|v| v.value()) != Some(id) {
            problems.push(format!("part {id} ({}) missing from the number index", part.details.number));
        }
        if low.get(id)?.is_some() != part.is_low() {
            problems.push(format!(
                "part {id} ({}) is wrongly in or out of the low-stock list",
                part.details.number
            ));
        }
    }
    for part in sums.keys() {
        problems.push(format!("movements of part {part}, which does not exist"));
    }
    if numbers.len()? != parts {
        problems.push("the part number index holds entries for no part".into());
    }
    for row in tx.open_table(ORDERS)?.iter()? {
        let order = row?.1.value();
        for line in &order.lines {
            let booked = issued.remove(&(order.id.0, line.no)).unwrap_or_default();
            if booked != line.issued {
                problems.push(format!(
                    "order {} line {} says {} issued, the ledger {booked}",
                    order.number, line.no, line.issued
                ));
            }
        }
    }
    for ((order, line), qty) in issued.into_iter().filter(|(_, q)| !q.is_zero()) {
        problems.push(format!("the ledger issued {qty} to order {order} line {line}, which does not exist"));
    }
    Ok(problems)
}

fn check_sequences(tx: &ReadTransaction) -> StoreResult<Vec<String>> {
    let mut problems = Vec::new();
    let seq = tx.open_table(SEQUENCES)?;
    let last = |kind: &str| -> StoreResult<u64> { Ok(seq.get(kind)?.map(|v| v.value()).unwrap_or(0)) };
    let max_user = tx.open_table(USERS)?.last()?.map(|(k, _)| k.value()).unwrap_or(0);
    if max_user > last("user")? {
        problems.push(format!("user id {max_user} is beyond the sequence"));
    }
    let audit = tx.open_table(AUDIT)?;
    let max_audit = audit.last()?.map(|(k, _)| k.value()).unwrap_or(0);
    if max_audit > last("audit")? {
        problems.push(format!("audit entry {max_audit} is beyond the sequence"));
    }
    for row in audit.iter()? {
        row?.1.value();
    }
    Ok(problems)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    #[test]
    fn a_fresh_database_passes_and_a_broken_index_is_found() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = Store::open(dir.path()).unwrap();
            store.write_now(|tx| crate::store::users::create_first_admin_tx(tx, "h".into())).unwrap();
        }
        let report = run(dir.path()).unwrap();
        assert!(report.problems.is_empty(), "{:?}", report.problems);

        {
            let db = Database::create(dir.path().join(DB_FILE)).unwrap();
            let tx = db.begin_write().unwrap();
            tx.open_table(USERS_BY_NAME).unwrap().insert("ghost", 99).unwrap();
            tx.commit().unwrap();
        }
        let report = run(dir.path()).unwrap();
        assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
        assert!(report.problems[0].contains("ghost"));
    }
}
