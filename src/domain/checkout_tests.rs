//! Unit tests of the settlement arithmetic, payments and ageing.

use super::*;
use crate::domain::VehicleId;
use crate::domain::work_order::{Line, LineDetails, OrderState, Reception};
use proptest::prelude::*;

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn order(lines: &[(LineKind, &str, &str, Decision)]) -> WorkOrder {
    let reception = Reception {
        mileage: None,
        fuel: None,
        complaint: "noise".into(),
        items_left: String::new(),
        promised_at: None,
        advisor: None,
    };
    let mut o =
        WorkOrder::new(VehicleId(1), CustomerId(1), OrderState::Completed, reception, Utc::now(), None);
    for (i, (kind, qty, price, decision)) in lines.iter().enumerate() {
        let details = LineDetails {
            kind: *kind,
            description: format!("line {i}"),
            qty: d(qty),
            unit_price: d(price),
            part_id: None,
            technician: None,
        };
        let mut line = Line::new(i as u32 + 1, details, Utc::now(), None);
        line.decision = *decision;
        o.lines.push(line);
    }
    o.next_line = lines.len() as u32 + 1;
    o
}

fn rules(include: bool, rate: &str, step: &str) -> CheckoutRules {
    CheckoutRules {
        prices_include_tax: include,
        tax_rate: d(rate),
        cash_rounding: d(step),
        discount_limit_percent: d("10"),
    }
}

fn discount(line: Option<u32>, kind: DiscountKind, value: &str) -> Discount {
    Discount {
        line,
        kind,
        value: d(value),
        reason: String::new(),
        at: Utc::now(),
        by: None,
        by_name: "x".into(),
    }
}

#[test]
fn only_approved_lines_are_charged() {
    use Decision::*;
    let o = order(&[
        (LineKind::Labor, "1.5", "120", Approved),
        (LineKind::Part, "4", "45.80", Approved),
        (LineKind::Fee, "1", "15", Pending),
        (LineKind::Part, "1", "999", Declined),
    ]);
    let s = Settlement::compute(&o, &[], &rules(true, "0", "0.01"));
    assert_eq!((s.labour, s.parts, s.fees), (d("180"), d("183.20"), d("0")));
    assert_eq!(
        (s.gross, s.net, s.tax, s.rounding, s.total),
        (d("363.20"), d("363.20"), d("0"), d("0"), d("363.20"))
    );
    assert_eq!(s.lines.len(), 2);
}

#[test]
fn discounts_tax_and_rounding_each_show_on_their_own_line() {
    let o = order(&[
        (LineKind::Labor, "1", "100", Decision::Approved),
        (LineKind::Part, "1", "57.77", Decision::Approved),
    ]);
    let ds = [discount(Some(1), DiscountKind::Percent, "10"), discount(None, DiscountKind::Amount, "5")];
    // Tax added at 6 %, rounded to the yuan.
    let s = Settlement::compute(&o, &ds, &rules(false, "6", "1"));
    assert_eq!(s.line_discounts, d("10"));
    assert_eq!(s.order_discount, d("5"));
    assert_eq!(s.net, d("142.77"));
    assert_eq!(s.tax, d("8.57"));
    assert_eq!(s.total, d("151"));
    assert_eq!(s.rounding, d("-0.34"));
    // Tax inside the prices at 13 %, rounded to the jiao.
    let s = Settlement::compute(&o, &ds, &rules(true, "13", "0.1"));
    assert_eq!(s.tax, d("16.42"));
    assert_eq!((s.total, s.rounding), (d("142.8"), d("0.03")));
}

#[test]
fn a_discount_never_takes_its_base_below_zero() {
    let o = order(&[(LineKind::Fee, "1", "20", Decision::Approved)]);
    let ds = [discount(Some(1), DiscountKind::Amount, "50"), discount(None, DiscountKind::Percent, "100")];
    let s = Settlement::compute(&o, &ds, &rules(true, "0", "0.01"));
    assert_eq!((s.line_discounts, s.order_discount, s.total), (d("20"), d("0"), d("0")));
}

#[test]
fn a_discount_above_the_limit_needs_a_manager_and_a_reason() {
    let o = order(&[(LineKind::Labor, "1", "100", Decision::Approved)]);
    let r = rules(true, "0", "0.01");
    let input = |v: &str, reason: &str| DiscountInput {
        line: String::new(),
        kind: "percent".into(),
        value: v.into(),
        reason: reason.into(),
    };
    let check = |i: &DiscountInput, senior| Discount::check(i, &o, &[], &r, senior, Utc::now(), None, "x");
    assert!(check(&input("10", ""), false).is_ok(), "at the limit, anyone");
    let e = check(&input("15", "熟客"), false).unwrap_err();
    assert_eq!(e.get("value").unwrap().msg, Msg::DiscountNeedsManager);
    assert_eq!(check(&input("15", ""), true).unwrap_err().get("reason").unwrap().msg, Msg::ReasonRequired);
    assert!(check(&input("15", "熟客"), true).is_ok());
    let amount = DiscountInput { kind: "amount".into(), value: "150".into(), ..input("", "x") };
    assert_eq!(check(&amount, true).unwrap_err().get("value").unwrap().msg, Msg::DiscountOverBase);
    let bad_line = DiscountInput { line: "9".into(), ..input("5", "") };
    assert_eq!(check(&bad_line, true).unwrap_err().get("line").unwrap().msg, Msg::ChoiceInvalid);
}

#[test]
fn payments_are_checked_against_the_balance() {
    let input =
        |m: &str, a: &str| PaymentInput { method: m.into(), amount: a.into(), reference: String::new() };
    let due = d("100");
    let cash = NewPayment::check(&input("cash", "150"), due, true).unwrap();
    assert_eq!((cash.amount, cash.change), (d("100"), d("50")));
    let e = NewPayment::check(&input("wechat", "100.01"), due, true).unwrap_err();
    assert_eq!(e.get("amount").unwrap().msg, Msg::PaymentOverBalance);
    for (typed, msg) in [
        ("1.234", Msg::DecimalPlaces),
        ("-5", Msg::NumberRange),
        ("0", Msg::NumberRange),
        ("99999999999", Msg::NumberRange),
        ("abc", Msg::DecimalInvalid),
    ] {
        let e = NewPayment::check(&input("card", typed), due, true).unwrap_err();
        assert_eq!(e.get("amount").unwrap().msg, msg, "{typed}");
    }
    assert!(
        NewPayment::check(&input("on_account", "10"), due, false).is_err(),
        "no on-account for a receivable"
    );
    assert_eq!(
        NewPayment::check(&input("cash", "1"), d("0"), true).unwrap_err().get("amount").unwrap().msg,
        Msg::NothingDue
    );
}

#[test]
fn receivables_age_oldest_first() {
    let today = NaiveDate::from_ymd_opt(2026, 6, 30).unwrap();
    let day = |n: i64| today - chrono::Duration::days(n);
    let charges = [(day(100), d("50")), (day(45), d("30")), (day(3), d("20"))];
    assert_eq!(ageing(&charges, d("60"), today), [d("20"), d("20"), d("0"), d("0")]);
    assert_eq!(ageing(&charges, d("0"), today), [d("20"), d("30"), d("0"), d("50")]);
}

fn any_line() -> impl Strategy<Value = (LineKind, String, String, Decision)> {
    let kind = prop_oneof![Just(LineKind::Labor), Just(LineKind::Part), Just(LineKind::Fee)];
    let decision = prop_oneof![
        Just(Decision::Approved),
        Just(Decision::Approved),
        Just(Decision::Pending),
        Just(Decision::Declined)
    ];
    (kind, 1u32..5000, 0u32..200_000, decision).prop_map(|(k, q, p, dec)| {
        (k, Decimal::new(q.into(), 3).to_string(), Decimal::new(p.into(), 2).to_string(), dec)
    })
}

fn any_discount(lines: usize) -> impl Strategy<Value = Discount> {
    (0..=lines, any::<bool>(), 1u32..20_000).prop_map(move |(line, pct, v)| {
        let line = if line == 0 { None } else { Some(line as u32) };
        if pct {
            discount(line, DiscountKind::Percent, &Decimal::new((v % 10_000).into(), 2).to_string())
        } else {
            discount(line, DiscountKind::Amount, &Decimal::new(v.into(), 2).to_string())
        }
    })
}

proptest! {
    /// Whatever the lines, discounts, tax mode and rounding: the bill adds up to the cent, and
    /// split payments with the rest on account leave nothing unaccounted for.
    #[test]
    fn a_bill_adds_up_and_split_payments_plus_receivable_equal_it(
        lines in proptest::collection::vec(any_line(), 0..8),
        discounts in proptest::collection::vec(any_discount(8), 0..4),
        include in any::<bool>(),
        rate in 0u32..2000,
        step in 0usize..3,
        splits in proptest::collection::vec(1u32..100, 0..4),
    ) {
        let rows: Vec<(LineKind, &str, &str, Decision)> =
            lines.iter().map(|(k, q, p, dec)| (*k, q.as_str(), p.as_str(), *dec)).collect();
        let o = order(&rows);
        let r = CheckoutRules {
            prices_include_tax: include,
            tax_rate: Decimal::new(rate.into(), 2),
            cash_rounding: d(CASH_STEPS[step]),
            discount_limit_percent: d("10"),
        };
        let s = Settlement::compute(&o, &discounts, &r);
        prop_assert!(s.total.scale() <= 2 && s.tax.scale() <= 2);
        prop_assert!(s.total >= Decimal::ZERO);
        prop_assert_eq!(s.labour + s.parts + s.fees, s.gross);
        prop_assert_eq!(s.gross - s.line_discounts - s.order_discount, s.net);
        let taxed = if include { s.net } else { s.net + s.tax };
        prop_assert_eq!(taxed + s.rounding, s.total);
        prop_assert!(s.rounding.abs() <= r.cash_rounding / Decimal::TWO);
        prop_assert_eq!(o.lines.iter().filter(|l| l.decision == Decision::Approved).count(), s.lines.len());
        // Pay in parts (each a share of what is left), then put the rest on account.
        let mut balance = s.total;
        let mut paid = Decimal::ZERO;
        for pct in splits {
            let amount = money(balance * Decimal::from(pct) / Decimal::ONE_HUNDRED);
            if amount <= Decimal::ZERO { continue; }
            let input = PaymentInput { method: "wechat".into(), amount: plain(amount), reference: String::new() };
            let p = NewPayment::check(&input, balance, true).unwrap();
            paid += p.amount;
            balance -= p.amount;
        }
        let mut receivable = Decimal::ZERO;
        if balance > Decimal::ZERO {
            let input = PaymentInput { method: "on_account".into(), amount: plain(balance), reference: String::new() };
            receivable = NewPayment::check(&input, balance, true).unwrap().amount;
        }
        prop_assert_eq!(paid + receivable, s.total);
    }
}

#[test]
fn only_payments_neither_voided_nor_voids_are_effective() {
    let brief = |id, amount: &str, voids| PaymentBrief {
        id,
        amount: amount.parse().unwrap(),
        change: Decimal::ZERO,
        voids,
    };
    let briefs =
        [brief(1, "100", None), brief(2, "50", None), brief(3, "-100", Some(1)), brief(4, "20", None)];
    let ids: Vec<u64> = effective(&briefs).map(|p| p.id).collect();
    assert_eq!(ids, vec![2, 4]);
    assert_eq!(effective(&[]).count(), 0);
}
