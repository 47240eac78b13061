//! The report rules, on small hand-made orders, payments and movements.

use super::*;
use crate::domain::checkout::{Checkout, CheckoutRules, PayMethod, PaymentKind};
use crate::domain::work_order::{Line, LineDetails, Reception, Transition};
use crate::domain::{CustomerId, OrderId, VehicleId};
use chrono::TimeZone;

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn utc(y: i32, m: u32, dd: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, dd, h, 0, 0).unwrap()
}

fn order_with(history: &[(OrderState, OrderState, DateTime<Utc>)]) -> WorkOrder {
    let reception = Reception {
        mileage: None,
        fuel: None,
        complaint: "x".into(),
        items_left: String::new(),
        promised_at: Some(utc(2026, 11, 27, 10)),
        advisor: None,
    };
    let mut o =
        WorkOrder::new(VehicleId(1), CustomerId(1), OrderState::Open, reception, utc(2026, 11, 26, 15), None);
    o.id = OrderId(1);
    for (from, to, at) in history {
        o.history.push(Transition {
            from: *from,
            to: *to,
            at: *at,
            by: None,
            by_name: String::new(),
            reason: String::new(),
        });
        o.state = *to;
    }
    o
}

#[test]
fn an_orders_history_falls_on_the_shop_local_days_it_happened() {
    use OrderState::*;
    let tz = chrono_tz::Asia::Shanghai;
    // Opened 23:00 Shanghai on the 26th, delivered 02:00 UTC on the 28th (10:00 local), late.
    let o = order_with(&[
        (Open, InProgress, utc(2026, 11, 27, 1)),
        (InProgress, Completed, utc(2026, 11, 27, 17)),
        (Completed, Settled, utc(2026, 11, 28, 1)),
        (Settled, Completed, utc(2026, 11, 28, 1)),
        (Completed, Settled, utc(2026, 11, 28, 1)),
        (Settled, Delivered, utc(2026, 11, 28, 2)),
    ]);
    let events = order_volume(&o, None, tz);
    let total = DayTotals::sum(events.iter().map(|(_, d)| d));
    assert_eq!((total.opened, total.completed, total.delivered, total.late), (1, 1, 1, 1));
    assert_eq!(total.shop_minutes, (utc(2026, 11, 28, 2) - utc(2026, 11, 26, 15)).num_minutes());
    assert_eq!(events[0].0, day("2026-11-26"));
    assert_eq!(events[1].0, day("2026-11-28"), "17:00 UTC is the next day in Shanghai");
    let draft = {
        let mut o = order_with(&[(Draft, Cancelled, utc(2026, 11, 27, 1))]);
        o.state = Cancelled;
        o
    };
    let events = order_volume(&draft, None, tz);
    assert_eq!(events.len(), 1, "an estimate never opened is no car received");
    assert_eq!(events[0].1.cancelled, 1);
}

#[test]
fn a_car_back_soon_counts_against_its_last_technicians() {
    use OrderState::*;
    let mut previous = order_with(&[(Open, Delivered, utc(2026, 11, 1, 3))]);
    let mut labour = Line::new(
        1,
        LineDetails {
            kind: LineKind::Labor,
            description: "x".into(),
            part_id: None,
            qty: d("1"),
            unit_price: d("100"),
            technician: Some(UserId(7)),
        },
        utc(2026, 11, 1, 1),
        None,
    );
    labour.decision = Decision::Approved;
    previous.lines.push(labour);
    let r = Revisit::of(utc(2026, 11, 20, 3), &previous).unwrap();
    assert_eq!(r.days, 19);
    let o = order_with(&[]);
    let (_, opened) = &order_volume(&o, Some(&r), chrono_tz::UTC)[0];
    assert_eq!(opened.revisits, [0, 0, 1, 0]);
    assert_eq!(opened.revisits_within(30), 1);
    assert_eq!(opened.revisits_within(14), 0);
    assert_eq!(opened.techs[&7].comebacks, 1);
    assert!(Revisit::of(utc(2027, 3, 1, 0), &previous).is_none(), "over 90 days is a new visit");
    assert!(Revisit::of(utc(2026, 10, 1, 0), &previous).is_none(), "delivered after it was opened");
}

#[test]
fn a_settlement_and_its_reversal_cancel_out() {
    let mut o = order_with(&[]);
    let mut labour = Line::new(
        1,
        LineDetails {
            kind: LineKind::Labor,
            description: "x".into(),
            part_id: None,
            qty: d("1.5"),
            unit_price: d("200"),
            technician: Some(UserId(3)),
        },
        utc(2026, 11, 1, 1),
        None,
    );
    labour.decision = Decision::Approved;
    labour.clock.push(crate::domain::clock::Interval {
        start: utc(2026, 11, 1, 2),
        end: Some(utc(2026, 11, 1, 4)),
        by: None,
        pause: None,
    });
    let mut part = Line::new(
        2,
        LineDetails {
            kind: LineKind::Part,
            description: "filter".into(),
            part_id: Some(9),
            qty: d("2"),
            unit_price: d("40"),
            technician: None,
        },
        utc(2026, 11, 1, 1),
        None,
    );
    part.decision = Decision::Approved;
    part.issued = d("2");
    part.issued_cost = d("50.00");
    o.lines = vec![labour, part];
    let rules = CheckoutRules {
        prices_include_tax: true,
        tax_rate: d("6"),
        cash_rounding: d("0.01"),
        discount_limit_percent: d("10"),
    };
    let s = Settlement::compute(&o, &Checkout::default().discounts, &rules);
    let r = Recognition::of(&o, &s, utc(2026, 11, 2, 1), 1);
    let totals = r.day_totals();
    assert_eq!(totals.total, d("380.00"));
    assert_eq!(totals.parts_margin(), d("30.00"));
    assert_eq!(totals.techs[&3].hours, d("1.5"));
    assert_eq!(totals.techs[&3].clocked_minutes, 120);
    assert_eq!(r.parts, vec![(9, PartUse { qty: d("2"), sales: d("80"), cost: d("50.00") })]);
    let back = Recognition { sign: -1, ..r.clone() }.day_totals();
    assert_eq!((back.reversed, back.reversed_total), (1, d("380.00")));
    let mut day = totals.clone();
    day.merge(&back, 1);
    assert_eq!(day.total, Decimal::ZERO);
    assert!(day.techs.is_empty(), "nothing left of the technician once reversed");
}

#[test]
fn payments_and_voids_sum_by_method() {
    let p = Payment {
        id: 1,
        kind: PaymentKind::Order,
        order: Some(OrderId(1)),
        order_number: String::new(),
        customer: CustomerId(1),
        method: PayMethod::Wechat,
        amount: d("120.00"),
        change: Decimal::ZERO,
        reference: String::new(),
        voids: None,
        reason: String::new(),
        day: day("2026-11-28"),
        at: utc(2026, 11, 28, 1),
        by: None,
        by_name: String::new(),
    };
    let void = Payment { id: 2, amount: d("-120.00"), voids: Some(1), ..p.clone() };
    let cash = Payment { id: 3, method: PayMethod::Cash, amount: d("80"), ..p.clone() };
    let on_account = Payment { id: 4, method: PayMethod::OnAccount, amount: d("40"), ..p.clone() };
    let day = DayTotals::sum(&[
        payment_totals(&p),
        payment_totals(&void),
        payment_totals(&cash),
        payment_totals(&on_account),
    ]);
    assert_eq!(day.takings_total(), d("80"));
    assert_eq!(day.taken_by("wechat"), Decimal::ZERO);
    assert_eq!(day.taken_by("on_account"), d("40"));
    assert_eq!((day.payments, day.voids, day.voided), (3, 1, d("120.00")));
}
