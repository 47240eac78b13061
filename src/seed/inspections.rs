//! Generated inspections: a share of the orders gets the routine check (常规保养检查) the shop
//! starts with, filled as a technician would. Tread depth and pad thickness follow the car's
//! mileage (worn down between changes), so a car's history shows a trend; the colours follow
//! the hints' thresholds. Cars still in the shop are partly checked, and their worst finding is
//! recommended as a line; the customer declined about half, which become deferred work. On
//! cars that came and went in the last year, the customer declined the worst finding's work
//! four times in ten: the deferred work the due list and the next visit show.
//!
//! It runs after the orders, with its own random stream, so the rest of the data is the same
//! with or without it.

use chrono::Duration;
use rust_decimal::Decimal;

use super::Rng;
use crate::domain::inspection::{Inspection, ItemKind, Rating};
use crate::domain::work_order::{ApprovalDetails, ApprovalMethod, Decision, LineDetails};
use crate::domain::{LineKind, OrderId, OrderState, Settings};
use crate::store::{Actor, Store, StoreResult, inspections, orders};

/// Inspects one order in `every` and every order still in the shop; returns how many
/// inspections were made.
pub fn run(store: &Store, every: u64, advisor: &Actor) -> StoreResult<usize> {
    let mut rng = Rng::new(0x1A5_2026);
    let templates = store.read_now(inspections::templates)?;
    // The shop speaks Chinese by default: its routine check is the first Chinese starter.
    let Some(routine) = templates.iter().find(|t| t.name == "常规保养检查").cloned() else {
        return Ok(0);
    };
    let last = store.read_now(|tx| {
        let seq = tx.open_table(crate::store::tables::SEQUENCES)?;
        Ok(seq.get("order")?.map(|v| v.value()).unwrap_or(0))
    })?;
    let settings = Settings::default();
    // Deferred work is generated on the orders of the last year only: older declined work was
    // long done elsewhere or forgotten.
    let recent = chrono::Utc::now() - Duration::days(365);
    let staff = store.read_now(crate::store::users::list)?;
    let mut made = 0;
    let mut batches = Vec::new();
    let mut id = 1;
    while id <= last {
        batches.push((id..=(id + 2_000 * every).min(last)).filter(|i| i % every == 0).collect::<Vec<u64>>());
        id += 2_000 * every + 1;
    }
    // Every car still in the shop has its check started too, so the phone pages, the desk and
    // the benchmark always find inspections to work on (one in twelve by number could miss all
    // of the few cars in the ten-years shop).
    batches.push(store.read_now(|tx| {
        Ok(orders::on_board(tx)?.iter().map(|o| o.id.0).filter(|i| i % every != 0).collect())
    })?);
    for batch in batches {
        let found = store.read_now(|tx| {
            let mut out = Vec::new();
            for i in &batch {
                if let Some(o) = orders::get(tx, OrderId(*i))? {
                    out.push(o);
                }
            }
            Ok(out)
        })?;
        let mut recommend = Vec::new();
        store.write_now(|tx| {
            for order in &found {
                if order.state == OrderState::Cancelled {
                    continue;
                }
                let in_shop = !order.state.is_closed();
                let mut insp = Inspection::start(
                    &routine,
                    order,
                    order.technicians().first().copied(),
                    order.created_by,
                    order.created_at + Duration::minutes(25),
                );
                let km = order.reception.mileage.unwrap_or(30_000);
                // Cars in the shop are checked up to somewhere in the list.
                let upto = if in_shop { rng.below(insp.items.len() + 1) } else { insp.items.len() };
                let tech = order
                    .technicians()
                    .first()
                    .and_then(|t| staff.iter().find(|u| u.id == *t))
                    .map(|u| u.display_name.clone())
                    .unwrap_or_default();
                for (n, item) in insp.items.iter_mut().enumerate().take(upto) {
                    let label = item.item.label.clone();
                    let (rating, value, answer) = match item.item.kind {
                        ItemKind::Measure => {
                            let (v, rating) = reading(&mut rng, &label, km);
                            (rating, Some(v), None)
                        }
                        ItemKind::YesNo => {
                            let leak = rng.chance(6);
                            (if leak { Rating::Red } else { Rating::Green }, None, Some(leak))
                        }
                        ItemKind::Rating => {
                            let roll = rng.below(100);
                            (
                                if roll < 4 {
                                    Rating::Red
                                } else if roll < 16 {
                                    Rating::Yellow
                                } else {
                                    Rating::Green
                                },
                                None,
                                None,
                            )
                        }
                    };
                    item.rating = Some(rating);
                    item.value = value;
                    item.answer = answer;
                    if rating == Rating::Red && item.item.kind == ItemKind::YesNo {
                        item.note = "油底壳处有渗油痕迹".into();
                    } else if rating == Rating::Red {
                        item.note = "建议尽快更换".into();
                    }
                    item.by_name = tech.clone();
                    item.at = Some(insp.created_at + Duration::minutes(2 * n as i64));
                }
                insp.updated_at = insp.created_at + Duration::minutes(45);
                let insp = inspections::record_tx(tx, insp)?;
                // The worst finding: a red one, else a yellow one.
                let worst = [Rating::Red, Rating::Yellow]
                    .iter()
                    .find_map(|r| insp.items.iter().position(|i| i.rating == Some(*r)));
                if in_shop && order.state.takes_work() {
                    if let Some(n) = worst {
                        recommend.push((insp.id, n, order.id, insp.items[n].item.label.clone()));
                    }
                } else if let Some(n) = worst.filter(|_| order.created_at > recent)
                    && rng.chance(40)
                {
                    // In the last year, now and then the customer said "not this time" to the
                    // worst finding's work: deferred work for the due list and the next visit.
                    let label = insp.items[n].item.label.clone();
                    let answer = inspections::Declined {
                        at: insp.updated_at + Duration::minutes(20),
                        approver: "车主".into(),
                        note: "这次先不做，下次再说".into(),
                        by: order.created_by,
                        by_name: "王接待".into(),
                    };
                    inspections::record_declined_tx(tx, insp.id, n, work_for(&label, &settings), answer)?;
                }
                made += 1;
            }
            Ok(())
        })?;
        // Recommendations on cars in the shop go through the store's own actions: a line that
        // waits for the customer, and now and then their "not this time".
        for (insp, n, order, label) in recommend {
            let line = work_for(&label, &settings);
            let declined = rng.chance(50);
            store.write_touching_now(|tx, touched| {
                let (_, o) = inspections::recommend_tx(tx, touched, advisor, insp, n, vec![line])?;
                if declined {
                    let no = o.lines.last().map(|l| l.no).unwrap_or(0);
                    let details = ApprovalDetails {
                        estimate_version: o.estimate_version,
                        method: ApprovalMethod::Phone,
                        approver: "车主".into(),
                        decisions: vec![(no, Decision::Declined)],
                        signature: None,
                        note: "这次先不做".into(),
                    };
                    orders::approve_tx(tx, touched, advisor, order, details)?;
                }
                Ok(())
            })?;
        }
    }
    Ok(made)
}

/// The work recommended for a finding: half an hour's labour to deal with it.
fn work_for(label: &str, settings: &Settings) -> LineDetails {
    LineDetails {
        kind: LineKind::Labor,
        description: format!("{label} 处理"),
        qty: Decimal::new(5, 1),
        unit_price: settings.labour_rate,
        part_id: None,
        technician: None,
    }
}

/// A measurement as the car's mileage makes it, and its colour by the starter hints.
fn reading(rng: &mut Rng, label: &str, km: u32) -> (Decimal, Rating) {
    let jitter =
        |rng: &mut Rng, spread: i64| Decimal::new(rng.below(spread as usize * 2 + 1) as i64 - spread, 1);
    let worn = |cycle: u32, new: i64, floor: i64, rng: &mut Rng| {
        // New → worn over one cycle of kilometres, then changed.
        let used = Decimal::from(km % cycle) / Decimal::from(cycle);
        (Decimal::from(new) - used * Decimal::from(new - floor) + jitter(rng, 3))
            .round_dp(1)
            .max(Decimal::new(5, 1))
    };
    if label.contains("花纹") {
        let v = worn(45_000, 8, 1, rng);
        let r = if v < Decimal::new(16, 1) {
            Rating::Red
        } else if v < Decimal::from(3) {
            Rating::Yellow
        } else {
            Rating::Green
        };
        (v, r)
    } else if label.contains("刹车片") {
        let v = worn(if label.contains('前') { 40_000 } else { 60_000 }, 11, 1, rng);
        let r = if v < Decimal::from(2) {
            Rating::Red
        } else if v < Decimal::from(4) {
            Rating::Yellow
        } else {
            Rating::Green
        };
        (v, r)
    } else if label.contains("电压") {
        let v = Decimal::new(120 + rng.below(9) as i64, 1);
        (v, if v < Decimal::new(122, 1) { Rating::Yellow } else { Rating::Green })
    } else {
        // Water in the brake fluid, in per cent.
        let v = Decimal::new(5 + rng.below(35) as i64, 1);
        (v, if v > Decimal::from(3) { Rating::Red } else { Rating::Green })
    }
}
