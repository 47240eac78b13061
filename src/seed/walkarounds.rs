//! Generated walk-arounds at reception (接车环检): every car still in the shop and a share of
//! the other orders has one, with a few marks at most (most cars have none), now and then a
//! warning light, the usual items left, and the customer's signature, except on some of the
//! cars that came in today and are still being walked around. No photos: the generator keeps
//! the database small.
//!
//! It runs after the inspections, with its own random stream, so the rest of the data is the
//! same with or without it.

use chrono::Duration;

use super::Rng;
use crate::domain::walkaround::{DamageKind, DamageMark, LeftItem, WalkSignature, Walkaround, WarningLight};
use crate::domain::work_order::Signature;
use crate::domain::{OrderId, OrderState};
use crate::store::{Actor, Store, StoreResult, customers, orders};

/// Spots where cars get knocked: bumper corners, doors, wings, mirrors (outline coordinates).
const SPOTS: [(u16, u16); 12] = [
    (110, 82),
    (290, 82),
    (200, 66),
    (86, 220),
    (314, 220),
    (84, 370),
    (316, 370),
    (84, 500),
    (316, 500),
    (66, 288),
    (120, 730),
    (280, 730),
];

const NOTES: [&str; 5] = ["", "", "约 5 厘米", "客户说是停车时碰的", "漆面见底"];

/// Walks around one order in `every` and every order still in the shop; returns how many.
pub fn run(store: &Store, every: u64, advisor: &Actor) -> StoreResult<usize> {
    let mut rng = Rng::new(0x3A1C_2026);
    let last = store.read_now(|tx| {
        let seq = tx.open_table(crate::store::tables::SEQUENCES)?;
        Ok(seq.get("order")?.map(|v| v.value()).unwrap_or(0))
    })?;
    let on_board: Vec<u64> =
        store.read_now(|tx| Ok(orders::on_board(tx)?.iter().map(|o| o.id.0).collect()))?;
    let mut ids: Vec<u64> = (1..=last).filter(|i| i % every == 0 || on_board.contains(i)).collect();
    ids.sort_unstable();
    let mut made = 0;
    for batch in ids.chunks(2_000) {
        let found = store.read_now(|tx| {
            let mut out = Vec::new();
            for i in batch {
                let Some(o) = orders::get(tx, OrderId(*i))? else { continue };
                let name = customers::get(tx, o.customer_id)?.map(|c| c.details.name).unwrap_or_default();
                out.push((o, name));
            }
            Ok(out)
        })?;
        store.write_now(|tx| {
            for (order, customer) in &found {
                if matches!(order.state, OrderState::Cancelled | OrderState::Draft) {
                    continue;
                }
                let at = order.created_at + Duration::minutes(5);
                let mut walk = Walkaround::default();
                let marks = match rng.below(100) {
                    0..60 => 0,
                    60..85 => 1,
                    85..96 => 2,
                    _ => 3,
                };
                for n in 0..marks {
                    let (x, y) = *rng.pick(&SPOTS);
                    let kind = *rng.pick(&[
                        DamageKind::Scratch,
                        DamageKind::Scratch,
                        DamageKind::Scratch,
                        DamageKind::Chip,
                        DamageKind::Dent,
                        DamageKind::Dent,
                        DamageKind::Crack,
                        DamageKind::Broken,
                        DamageKind::Rust,
                    ]);
                    walk.next_mark += 1;
                    walk.marks.push(DamageMark {
                        no: walk.next_mark,
                        x: x + rng.below(9) as u16,
                        y: y + rng.below(9) as u16,
                        kind,
                        note: rng.pick(&NOTES).to_string(),
                        photo: None,
                        at: at + Duration::seconds(40 * n as i64),
                        by_name: advisor.name.clone(),
                    });
                }
                if rng.chance(12) {
                    walk.lights.push(*rng.pick(&[
                        WarningLight::CheckEngine,
                        WarningLight::TyrePressure,
                        WarningLight::TyrePressure,
                        WarningLight::Abs,
                        WarningLight::Battery,
                    ]));
                }
                for item in [LeftItem::Documents, LeftItem::SpareTyre, LeftItem::Tools] {
                    if rng.chance(45) {
                        walk.items.push(item);
                    }
                }
                // Cars that came in lately and are still open are partly still being walked
                // around: the demo shows both states.
                let unsigned = order.state == OrderState::Open && rng.chance(35);
                if !unsigned {
                    walk.signed = Some(WalkSignature {
                        signer: customer.clone(),
                        signature: scribble(&mut rng),
                        at: at + Duration::minutes(3),
                        by: order.created_by,
                        by_name: advisor.name.clone(),
                        fuel: order.reception.fuel,
                        mileage: order.reception.mileage,
                        items_left: order.reception.items_left.clone(),
                        marks: walk.marks.iter().map(|m| m.no).collect(),
                    });
                }
                orders::walkaround::record_tx(tx, order.id, walk)?;
                made += 1;
            }
            Ok(())
        })?;
    }
    Ok(made)
}

/// A hand-drawn looking signature: two or three strokes of a wave.
fn scribble(rng: &mut Rng) -> Signature {
    let mut strokes = Vec::new();
    let mut x0 = 80 + rng.below(60) as i32;
    for _ in 0..2 + rng.below(2) {
        let width = 160 + rng.below(160) as i32;
        let amp = 50.0 + rng.below(70) as f64;
        let turns = 2.0 + rng.below(3) as f64;
        let base = 200 + rng.below(60) as i32 - 30;
        let stroke: Vec<(u16, u16)> = (0..=24)
            .map(|i| {
                let t = f64::from(i) / 24.0;
                let x = x0 + (t * f64::from(width)) as i32;
                let y = f64::from(base) - amp * (t * turns * std::f64::consts::PI).sin() * (1.0 - 0.4 * t);
                (x.clamp(0, 1000) as u16, (y as i32).clamp(0, 400) as u16)
            })
            .collect();
        strokes.push(stroke);
        x0 += width + 30;
    }
    Signature { strokes }
}
