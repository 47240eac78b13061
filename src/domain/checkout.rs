//! Checkout (结算收银): what a completed order costs, and the payments against it.
//!
//! [`Settlement::compute`] is the one place a bill is added up; the checkout page, the receipt
//! and `check` all call it. It charges approved lines only, takes line discounts then order
//! discounts, works out the tax (inside the prices or added to them) and rounds the total to
//! the shop's cash step, each step shown on its own line.
//!
//! Payments are records that are never changed: a void is a new record with the opposite
//! amount. A refund of a part line ([`LineRefund`]) happens on an order a void reopened: the
//! customer's payments are voided, the line charges less (its parts go back to stock), and the
//! smaller bill is paid again; so every sum below stays a plain sum over the payments. The sums that matter are plain sums over them:
//! - an order's paid amount: every `Order` payment of the order (voids included, negative);
//! - a customer's receivable (挂账): their `on_account` order payments minus their
//!   `Receivable` payments.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use super::customer::CustomerId;
use super::field::{FieldErrors, Problem, decimal_in, optional_text};
use super::settings::Settings;
use super::user::UserId;
use super::work_order::{Decision, LineKind, OrderId, WorkOrder, money};
use crate::i18n::Msg;

super::code::code_enum!(
    /// How the customer paid. `OnAccount` (挂账) pays nothing now: the rest becomes a receivable.
    PayMethod {
        Cash = "cash" => PayCash,
        Wechat = "wechat" => PayWechat,
        Alipay = "alipay" => PayAlipay,
        Card = "card" => PayCard,
        Transfer = "transfer" => PayTransfer,
        OnAccount = "on_account" => PayOnAccount,
    }
);

super::code::code_enum!(
    /// What a payment pays: an order's bill, or a customer's receivable later on.
    PaymentKind { Order = "order" => PaymentForOrder, Receivable = "receivable" => PaymentForReceivable }
);

super::code::code_enum!(
    /// A discount as a share of its base or as a fixed amount.
    DiscountKind { Percent = "percent" => DiscountPercent, Amount = "amount" => DiscountAmount }
);

/// The largest amount a single payment or count may be (a typo guard, not a business limit).
pub const MAX_AMOUNT: i64 = 10_000_000;

/// The parameters a settlement is computed with. Frozen on the order's checkout record with
/// its first discount or payment, so a later change of the shop's parameters does not change
/// a bill that is being paid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckoutRules {
    pub prices_include_tax: bool,
    /// Percent, e.g. `6` for 6 %.
    pub tax_rate: Decimal,
    /// The step the total is rounded to: 0.01, 0.1 or 1.
    pub cash_rounding: Decimal,
    /// Discounts above this share of the bill need a manager and a reason.
    pub discount_limit_percent: Decimal,
}

impl CheckoutRules {
    pub fn of(settings: &Settings) -> CheckoutRules {
        CheckoutRules {
            prices_include_tax: settings.prices_include_tax,
            tax_rate: settings.tax_rate,
            cash_rounding: settings.cash_rounding,
            discount_limit_percent: settings.discount_limit_percent,
        }
    }
}

/// A discount given at checkout: on one line (`line`) or on the whole order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Discount {
    pub line: Option<u32>,
    pub kind: DiscountKind,
    pub value: Decimal,
    #[serde(default)]
    pub reason: String,
    pub at: DateTime<Utc>,
    pub by: Option<UserId>,
    pub by_name: String,
}

/// The checkout record of an order: its discounts, the rules its bill is computed with, and
/// how many times its receipt was printed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Checkout {
    #[serde(default)]
    pub discounts: Vec<Discount>,
    #[serde(default)]
    pub rules: Option<CheckoutRules>,
    #[serde(default)]
    pub prints: u32,
    /// Each time the bill was recognised as revenue (settled) or reversed (a void un-settled
    /// the order), with the figures it added to the reports.
    #[serde(default)]
    pub recognised: Vec<crate::domain::report::Recognition>,
    /// Part lines refunded after a void reopened the order, oldest first.
    #[serde(default)]
    pub refunds: Vec<LineRefund>,
}

/// A part line refunded (退货退款) on an order whose settlement a void reopened: the customer
/// hands the part back, the line charges `qty` less and what had been issued of it goes back to
/// stock through the ledger. Kept as its own record beside the changed line.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LineRefund {
    pub line: u32,
    pub description: String,
    pub qty: Decimal,
    pub unit_price: Decimal,
    /// How much of it went back to stock (issued catalog parts only).
    #[serde(default)]
    pub returned: Decimal,
    pub reason: String,
    pub at: DateTime<Utc>,
    pub by: Option<UserId>,
    pub by_name: String,
}

impl LineRefund {
    /// Checks a refund of `qty` (as typed) of `line`: an approved part line, more than zero and
    /// at most what it charges, with a reason. Returns the quantity and the reason.
    pub fn check(
        line: &crate::domain::work_order::Line,
        qty: &str,
        reason: &str,
    ) -> Result<(Decimal, String), FieldErrors> {
        let mut e = FieldErrors::new();
        let refundable = line.details.kind == LineKind::Part
            && line.decision == Decision::Approved
            && line.details.qty > Decimal::ZERO;
        let qty = if refundable {
            e.check("qty", decimal_in(qty, 3, Decimal::new(1, 3), line.details.qty))
        } else {
            e.add("qty", Msg::NotRefundable);
            None
        };
        let reason = e.check("reason", crate::domain::field::required_text(reason, 200));
        let (Some(qty), Some(reason)) = (qty, reason) else { return Err(e) };
        Ok((qty, reason))
    }
}

/// One charged line of a settlement.
#[derive(Clone, Debug, PartialEq)]
pub struct SettledLine {
    pub no: u32,
    pub kind: LineKind,
    pub description: String,
    pub qty: Decimal,
    pub unit_price: Decimal,
    pub amount: Decimal,
    pub discount: Decimal,
}

/// A bill (结算单), every amount in cents.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Settlement {
    pub lines: Vec<SettledLine>,
    pub labour: Decimal,
    pub parts: Decimal,
    pub fees: Decimal,
    /// The charged lines before any discount.
    pub gross: Decimal,
    pub line_discounts: Decimal,
    pub order_discount: Decimal,
    /// After discounts, as priced (with the tax inside when prices include it).
    pub net: Decimal,
    pub tax: Decimal,
    /// What the cash step added (negative: taken off).
    pub rounding: Decimal,
    /// What the customer owes.
    pub total: Decimal,
}

impl Settlement {
    /// The bill of `order` with `discounts` under `rules`. Declined and pending lines are not
    /// charged; a discount never takes its base below zero.
    pub fn compute(order: &WorkOrder, discounts: &[Discount], rules: &CheckoutRules) -> Settlement {
        let mut s = Settlement::default();
        for line in order.lines.iter().filter(|l| l.decision == Decision::Approved) {
            let amount = line.total();
            let mut discount = Decimal::ZERO;
            for d in discounts.iter().filter(|d| d.line == Some(line.no)) {
                discount += share(d, amount);
            }
            let discount = discount.min(amount);
            match line.details.kind {
                LineKind::Labor => s.labour += amount,
                LineKind::Part => s.parts += amount,
                LineKind::Fee => s.fees += amount,
            }
            s.gross += amount;
            s.line_discounts += discount;
            s.lines.push(SettledLine {
                no: line.no,
                kind: line.details.kind,
                description: line.details.description.clone(),
                qty: line.details.qty,
                unit_price: line.details.unit_price,
                amount,
                discount,
            });
        }
        let after_lines = s.gross - s.line_discounts;
        let order_discount: Decimal =
            discounts.iter().filter(|d| d.line.is_none()).map(|d| share(d, after_lines)).sum();
        s.order_discount = order_discount.min(after_lines);
        s.net = after_lines - s.order_discount;
        let rate = rules.tax_rate / Decimal::ONE_HUNDRED;
        let before_rounding = if rules.prices_include_tax {
            s.tax = money(s.net - s.net / (Decimal::ONE + rate));
            s.net
        } else {
            s.tax = money(s.net * rate);
            s.net + s.tax
        };
        s.total = round_to_step(before_rounding, rules.cash_rounding);
        s.rounding = s.total - before_rounding;
        s
    }

    /// Every discount together, as a percentage of the charged lines (0 for an empty bill).
    pub fn discount_percent(&self) -> Decimal {
        if self.gross.is_zero() {
            return Decimal::ZERO;
        }
        (self.line_discounts + self.order_discount) * Decimal::ONE_HUNDRED / self.gross
    }
}

/// A discount's amount on `base`, in cents.
fn share(d: &Discount, base: Decimal) -> Decimal {
    match d.kind {
        DiscountKind::Percent => money(base * d.value / Decimal::ONE_HUNDRED),
        DiscountKind::Amount => d.value,
    }
}

/// `amount` rounded to a multiple of `step` (0.01, 0.1 or 1), half away from zero.
pub fn round_to_step(amount: Decimal, step: Decimal) -> Decimal {
    if step <= Decimal::ZERO {
        return money(amount);
    }
    let steps = (amount / step).round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero);
    money(steps * step)
}

/// The cash steps a shop may round to.
pub const CASH_STEPS: [&str; 3] = ["0.01", "0.1", "1"];

/// A discount form as typed.
#[derive(Clone, Debug, Default)]
pub struct DiscountInput {
    /// A line number, or empty for the whole order.
    pub line: String,
    pub kind: String,
    pub value: String,
    pub reason: String,
}

impl Discount {
    /// Checks a new discount against the order's bill: it must fit its base, and a discount
    /// that takes the bill above the shop's limit needs a manager (`senior`) and a reason.
    #[allow(clippy::too_many_arguments)]
    pub fn check(
        input: &DiscountInput,
        order: &WorkOrder,
        existing: &[Discount],
        rules: &CheckoutRules,
        senior: bool,
        at: DateTime<Utc>,
        by: Option<UserId>,
        by_name: &str,
    ) -> Result<Discount, FieldErrors> {
        let mut e = FieldErrors::new();
        let before = Settlement::compute(order, existing, rules);
        let line = match input.line.trim() {
            "" => Some(None),
            l => e.check(
                "line",
                l.parse::<u32>()
                    .ok()
                    .filter(|no| before.lines.iter().any(|s| s.no == *no))
                    .map(Some)
                    .ok_or(Problem::new(Msg::ChoiceInvalid)),
            ),
        };
        let kind = e.check("kind", DiscountKind::parse(&input.kind).ok_or(Problem::new(Msg::ChoiceInvalid)));
        let max = match kind {
            Some(DiscountKind::Percent) => Decimal::ONE_HUNDRED,
            _ => Decimal::from(MAX_AMOUNT),
        };
        let value = e.check("value", decimal_in(&input.value, 2, Decimal::new(1, 2), max));
        let reason = e.check("reason", optional_text(&input.reason, 200)).unwrap_or_default();
        let (Some(line), Some(kind), Some(value)) = (line, kind, value) else { return Err(e) };
        let discount = Discount { line, kind, value, reason, at, by, by_name: by_name.to_string() };
        let base = match line {
            Some(no) => before.lines.iter().find(|l| l.no == no).map(|l| l.amount - l.discount),
            None => Some(before.net),
        }
        .unwrap_or_default();
        if share(&discount, base) > base {
            e.add("value", Problem::with(Msg::DiscountOverBase, &[&plain(base)]));
        }
        let mut all = existing.to_vec();
        all.push(discount.clone());
        let after = Settlement::compute(order, &all, rules);
        if after.discount_percent() > rules.discount_limit_percent {
            if !senior {
                e.add("value", Problem::with(Msg::DiscountNeedsManager, &[&rules.discount_limit_percent]));
            } else if discount.reason.is_empty() {
                e.add("reason", Msg::ReasonRequired);
            }
        }
        e.into_result(|| discount)
    }
}

/// An amount as typed into a form: two decimals, no grouping (`1234.50`).
pub fn plain(amount: Decimal) -> String {
    format!("{:.2}", amount.round_dp(2))
}

/// A payment record. Never changed: a void is another record with `voids` set and the
/// opposite amount.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Payment {
    pub id: u64,
    pub kind: PaymentKind,
    pub order: Option<OrderId>,
    #[serde(default)]
    pub order_number: String,
    pub customer: CustomerId,
    pub method: PayMethod,
    /// What it counts for, signed: a void is negative.
    pub amount: Decimal,
    /// Cash handed over beyond the amount, given back as change.
    #[serde(default)]
    pub change: Decimal,
    #[serde(default)]
    pub reference: String,
    /// The payment this record voids.
    #[serde(default)]
    pub voids: Option<u64>,
    #[serde(default)]
    pub reason: String,
    /// The shop-local day it was taken (the day-end it belongs to).
    pub day: NaiveDate,
    pub at: DateTime<Utc>,
    pub by: Option<UserId>,
    pub by_name: String,
}

impl Payment {
    /// What it adds to the customer's receivable (negative pays it off).
    pub fn receivable_effect(&self) -> Decimal {
        match (self.kind, self.method) {
            (PaymentKind::Order, PayMethod::OnAccount) => self.amount,
            (PaymentKind::Receivable, _) => -self.amount,
            _ => Decimal::ZERO,
        }
    }

    /// Money taken into the till or the shop's accounts (not an amount put on account).
    pub fn is_takings(&self) -> bool {
        self.method != PayMethod::OnAccount
    }
}

/// A payment form as typed (the field names of the route contract).
#[derive(Clone, Debug, Default)]
pub struct PaymentInput {
    pub method: String,
    pub amount: String,
    pub reference: String,
}

/// A payment checked against what is due.
#[derive(Clone, Debug, PartialEq)]
pub struct NewPayment {
    pub method: PayMethod,
    /// What it counts for (at most the balance).
    pub amount: Decimal,
    pub change: Decimal,
    pub reference: String,
}

impl NewPayment {
    /// Checks a payment of `balance`: an amount in cents above zero; cash may be more than the
    /// balance (the rest is change), any other method may not. `on_account` only where
    /// `allow_on_account` (an order's bill, not a receivable).
    pub fn check(
        input: &PaymentInput,
        balance: Decimal,
        allow_on_account: bool,
    ) -> Result<NewPayment, FieldErrors> {
        let mut e = FieldErrors::new();
        let method = e.check(
            "method",
            PayMethod::parse(&input.method)
                .filter(|m| allow_on_account || *m != PayMethod::OnAccount)
                .ok_or(Problem::new(Msg::ChoiceInvalid)),
        );
        let amount =
            e.check("amount", decimal_in(&input.amount, 2, Decimal::new(1, 2), Decimal::from(MAX_AMOUNT)));
        let reference = e.check("reference", optional_text(&input.reference, 60)).unwrap_or_default();
        let (Some(method), Some(amount)) = (method, amount) else { return Err(e) };
        if balance <= Decimal::ZERO {
            e.add("amount", Msg::NothingDue);
            return Err(e);
        }
        let change = if amount > balance {
            if method != PayMethod::Cash {
                e.add("amount", Problem::with(Msg::PaymentOverBalance, &[&plain(balance)]));
                return Err(e);
            }
            amount - balance
        } else {
            Decimal::ZERO
        };
        e.into_result(|| NewPayment { method, amount: amount - change, change, reference })
    }
}

/// A receivable's age buckets: 0–30, 31–60, 61–90 and over 90 days.
pub type Ageing = [Decimal; 4];

/// Ages what a customer owes: repayments pay off the oldest charges first, and what is left
/// of each charge falls in the bucket of its age on `today`.
pub fn ageing(charges: &[(NaiveDate, Decimal)], repaid: Decimal, today: NaiveDate) -> Ageing {
    let mut sorted = charges.to_vec();
    sorted.sort_by_key(|(day, _)| *day);
    let mut left = repaid;
    let mut out = [Decimal::ZERO; 4];
    for (day, amount) in sorted {
        let paid = left.min(amount).max(Decimal::ZERO);
        left -= paid;
        let open = amount - paid;
        let days = (today - day).num_days();
        let bucket = match days {
            ..=30 => 0,
            31..=60 => 1,
            61..=90 => 2,
            _ => 3,
        };
        out[bucket] += open;
    }
    out
}

/// A closed day (日结): the cash the payments say should be in the till, and what was counted.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DayClose {
    pub day: NaiveDate,
    pub expected_cash: Decimal,
    pub counted_cash: Decimal,
    /// Counted minus expected: negative is cash missing.
    pub difference: Decimal,
    #[serde(default)]
    pub note: String,
    pub at: DateTime<Utc>,
    pub by: Option<UserId>,
    pub by_name: String,
}

/// The counted cash as typed.
pub fn check_counted(typed: &str) -> Result<Decimal, Problem> {
    decimal_in(typed, 2, Decimal::ZERO, Decimal::from(MAX_AMOUNT))
}

/// An order's bill and where its payment stands.
#[derive(Clone, Debug, PartialEq)]
pub struct Bill {
    pub rules: CheckoutRules,
    pub settlement: Settlement,
    /// Every order payment, voids taken off (on account counts as paid).
    pub paid: Decimal,
    /// Cash given back as change, over the live cash payments.
    pub change: Decimal,
    pub balance: Decimal,
}

impl Bill {
    /// The bill of `order` from its checkout record and its payments; `current` are the
    /// shop's rules now, used until the record has frozen its own.
    pub fn of(order: &WorkOrder, checkout: &Checkout, payments: &[Payment], current: CheckoutRules) -> Bill {
        let briefs: Vec<PaymentBrief> = payments
            .iter()
            .filter(|p| p.kind == PaymentKind::Order && p.order == Some(order.id))
            .map(Payment::brief)
            .collect();
        Bill::of_briefs(order, checkout, &briefs, current)
    }

    /// [`Bill::of`] from the briefs of the order's payments (the index keeps them, so a
    /// payment at the till reads no payment record).
    pub fn of_briefs(
        order: &WorkOrder,
        checkout: &Checkout,
        briefs: &[PaymentBrief],
        current: CheckoutRules,
    ) -> Bill {
        let rules = checkout.rules.unwrap_or(current);
        let settlement = Settlement::compute(order, &checkout.discounts, &rules);
        let paid: Decimal = briefs.iter().map(|p| p.amount).sum();
        let change = effective(briefs).map(|p| p.change).sum();
        Bill { rules, balance: settlement.total - paid, settlement, paid, change }
    }
}

/// What an order's bill needs of one of its payments: kept with the payments-by-order index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentBrief {
    pub id: u64,
    /// Signed, as the payment's (a void is negative).
    pub amount: Decimal,
    pub change: Decimal,
    /// The payment this one voids.
    pub voids: Option<u64>,
}

impl Payment {
    pub fn brief(&self) -> PaymentBrief {
        PaymentBrief { id: self.id, amount: self.amount, change: self.change, voids: self.voids }
    }
}

/// The payments that still count: neither voids nor voided. Linear in the payments (each
/// payment of an order reads them all, so a quadratic filter would make the hundredth payment
/// of a fleet's order cost a hundred times the first).
pub fn effective(briefs: &[PaymentBrief]) -> impl Iterator<Item = &PaymentBrief> {
    let voided: std::collections::HashSet<u64> = briefs.iter().filter_map(|p| p.voids).collect();
    briefs.iter().filter(move |p| p.voids.is_none() && !voided.contains(&p.id))
}

/// Whether `payment` was voided by one of `payments`.
pub fn is_voided(payment: &Payment, payments: &[Payment]) -> bool {
    payments.iter().any(|p| p.voids == Some(payment.id))
}

#[cfg(test)]
#[path = "checkout_tests.rs"]
mod tests;
