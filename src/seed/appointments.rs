//! Generated appointments (预约): three weeks back and two weeks ahead of the day the data is
//! generated, so the calendar is never empty when the demo is looked at. Past bookings mostly
//! arrived, some were no-shows or cancelled; this morning's turned into work orders through the
//! same store call the kiosk uses (the orders of past weeks are the generator's own history,
//! which ends on its fixed day, so past bookings link to none); later today and the coming
//! days are booked. Bays and technicians never clash.
//!
//! It runs last, with its own random stream, so the rest of the data is the same without it.

use std::collections::HashMap;

use chrono::{Duration, NaiveDate, TimeZone, Utc};

use super::Rng;
use crate::domain::appointment::{Appointment, AppointmentId, AppointmentStatus, Booking};
use crate::domain::{Role, Settings, UserId, VehicleId};
use crate::store::{Actor, Store, StoreResult, appointments, orders, templates, users, vehicles};

const MINUTES: [u32; 5] = [30, 60, 60, 90, 120];
const REASONS: [&str; 3] = ["客户临时出差", "改约下周", "车辆已在外地维修"];

/// Books `per_day` appointments a day from 21 days ago to 14 days on; returns how many.
pub fn run(store: &Store, per_day: usize, advisor: &Actor) -> StoreResult<usize> {
    let mut rng = Rng::new(0xA991_2026);
    let settings: Settings = store.read_now(crate::store::settings::get)?;
    let tz = settings.tz();
    let now = Utc::now();
    let today = now.with_timezone(&tz).date_naive();
    let (fleet, techs, template_ids) = store.read_now(|tx| {
        let seq = tx.open_table(crate::store::tables::SEQUENCES)?;
        let fleet = seq.get("vehicle")?.map(|v| v.value()).unwrap_or(0);
        let techs: Vec<UserId> = users::list(tx)?
            .into_iter()
            .filter(|u| u.active && u.roles.has(Role::Technician))
            .map(|u| u.id)
            .collect();
        let ids: Vec<(String, u64)> =
            templates::list(tx)?.into_iter().filter(|t| t.active).map(|t| (t.details.name, t.id)).collect();
        Ok((fleet, techs, ids))
    })?;
    if fleet == 0 {
        return Ok(0);
    }
    let (open, close) = settings.opening_hours();
    let quarters = ((close - open).num_minutes() / 15).max(1) as usize;
    let mut busy: HashMap<(NaiveDate, String), Vec<(i64, i64)>> = HashMap::new();
    let mut planned = Vec::new();
    for offset in -21..=14i64 {
        let day = today + Duration::days(offset);
        for _ in 0..per_day {
            let minutes = *rng.pick(&MINUTES);
            let latest = quarters.saturating_sub(minutes as usize / 15);
            let q = rng.below(latest.max(1)) as i64;
            let start_local = open + Duration::minutes(q * 15);
            let (s, e) = (q * 15, q * 15 + i64::from(minutes));
            let free = |key: &(NaiveDate, String), busy: &HashMap<_, Vec<(i64, i64)>>| {
                busy.get(key).is_none_or(|v: &Vec<(i64, i64)>| v.iter().all(|(a, b)| e <= *a || *b <= s))
            };
            let first = rng.below(settings.bays.len().max(1));
            let Some(bay) = settings
                .bays
                .iter()
                .cycle()
                .skip(first)
                .take(settings.bays.len())
                .find(|b| free(&(day, format!("bay {b}")), &busy))
                .cloned()
            else {
                continue;
            };
            let tech = if rng.chance(60) && !techs.is_empty() {
                Some(*rng.pick(&techs)).filter(|t| free(&(day, format!("tech {t}")), &busy))
            } else {
                None
            };
            busy.entry((day, format!("bay {bay}"))).or_default().push((s, e));
            if let Some(t) = tech {
                busy.entry((day, format!("tech {t}"))).or_default().push((s, e));
            }
            let Some(start) = tz.from_local_datetime(&day.and_time(start_local)).earliest() else { continue };
            let start = start.with_timezone(&Utc);
            let vehicle = VehicleId(1 + rng.below(fleet as usize) as u64);
            // What the caller says, and the template of that job: an arrival turned into an
            // order carries the template's lines, which match its complaint.
            let (job, complaint) = super::jobs::pick(&mut rng);
            let template = template_ids.iter().find(|(name, _)| name == job.template).map(|(_, id)| *id);
            let booking = Booking {
                start,
                minutes,
                work: complaint.to_string(),
                template_id: template,
                bay: Some(bay),
                technician: tech,
                notes: String::new(),
            };
            let roll = rng.below(100);
            let (status, reason) = if booking.end() <= now {
                match roll {
                    0..12 => (AppointmentStatus::NoShow, String::new()),
                    12..20 => (AppointmentStatus::Cancelled, rng.pick(&REASONS).to_string()),
                    _ => (AppointmentStatus::Arrived, String::new()),
                }
            } else if roll < 6 {
                (AppointmentStatus::Cancelled, rng.pick(&REASONS).to_string())
            } else {
                (AppointmentStatus::Booked, String::new())
            };
            // This morning's arrivals became orders at the kiosk.
            let convert = day == today && booking.start <= now && status == AppointmentStatus::Arrived;
            let booked_at = (start - Duration::days(1 + rng.below(10) as i64)).min(now);
            planned.push((vehicle, booking, status, reason, convert, booked_at));
        }
    }
    let made = planned.len();
    let mut to_convert = Vec::new();
    store.write_now(|tx| {
        for (vehicle, booking, status, reason, convert, at) in &planned {
            let v = vehicles::get_tx(tx, *vehicle)?;
            let a = Appointment {
                id: AppointmentId(0),
                customer_id: v.customer_id,
                vehicle_id: v.id,
                booking: booking.clone(),
                status: if *convert { AppointmentStatus::Booked } else { *status },
                reason: reason.clone(),
                order_id: None,
                overbooked: false,
                created_at: *at,
                created_by: advisor.user_id,
                updated_at: *at,
                version: 1,
            };
            let a = appointments::record_tx(tx, a)?;
            if *convert {
                to_convert.push((a.id, a.vehicle_id));
            }
        }
        Ok(())
    })?;
    for (id, vehicle) in to_convert {
        let busy = store.read_now(|tx| Ok(!orders::open_for_vehicle(tx, vehicle, false)?.is_empty()))?;
        if busy {
            continue;
        }
        store.write_touching_now(|tx, t| {
            appointments::convert_tx(tx, t, advisor, &settings, id, advisor.user_id, now).map(|_| ())
        })?;
    }
    Ok(made)
}
