//! Checkout over HTTP: split payments, receivables, refusals, voids, the day-end in the shop's
//! time zone, and two cashiers paying the same order at once.

use reqwest::{Client, StatusCode};

use crate::fixtures::{approval, attr, car, labour, open_order, order_page, part, post, set_state, state_in};
use crate::helpers::{TestApp, location};

pub(crate) use crate::fixtures::{Shop, shop};

/// A completed order of 1 h labour (¥120) and a ¥300 part, both approved, and a declined ¥50
/// part: ¥420 to pay.
pub(crate) async fn completed_order(s: &Shop, plate: &str) -> u64 {
    let (app, c) = (&s.app, &s.admin);
    let vehicle = car(app, c, "张伟", "13800138000", plate).await;
    let order = open_order(app, c, vehicle).await;
    labour(app, c, order, "更换刹车片", "1", s.tech_id).await;
    part(app, c, order, "刹车片", "1", "300").await;
    part(app, c, order, "雨刮片", "1", "50").await;
    let html = order_page(app, c, order).await;
    let seen = attr(&html, "name=\"estimate_version\" value=\"");
    let answer = [("decision_1", "approved"), ("decision_2", "approved"), ("decision_3", "declined")];
    let response =
        post(app, c, &format!("/orders/{order}/approvals"), &approval(&seen, "phone", "", &answer)).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "approved");
    for to in ["in_progress", "quality_check", "completed"] {
        assert_eq!(set_state(app, c, order, to, "").await.status(), StatusCode::SEE_OTHER, "{to}");
    }
    order
}

/// The value of a `data-` attribute on the first element carrying it.
pub(crate) fn data(html: &str, attr: &str) -> String {
    let key = format!("{attr}=\"");
    let at = html.find(&key).unwrap_or_else(|| panic!("no {attr} in page"));
    html[at + key.len()..].split('"').next().unwrap().to_string()
}

fn money(s: &str) -> rust_decimal::Decimal {
    s.parse().unwrap()
}

pub(crate) async fn checkout_page(app: &TestApp, c: &Client, order: u64) -> String {
    let (status, html) = app.get_text(c, &format!("/orders/{order}/checkout")).await;
    assert_eq!(status, StatusCode::OK);
    html
}

pub(crate) async fn pay(
    app: &TestApp,
    c: &Client,
    order: u64,
    method: &str,
    amount: &str,
) -> reqwest::Response {
    post(app, c, &format!("/orders/{order}/payments"), &[("method", method), ("amount", amount)]).await
}

pub(crate) fn check_passes(app: &TestApp) {
    let mut report = wrenchdesk::store::check::Report::default();
    app.store().read_now(|tx| wrenchdesk::store::check::invariants(tx, &mut report)).unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
}

#[tokio::test]
async fn split_cash_and_wechat_settle_the_order_and_lock_it() {
    let s = shop().await;
    let app = &s.app;
    let order = completed_order(&s, "京A10001").await;
    // By hand the order cannot be settled, not even by an administrator.
    assert_eq!(
        set_state(app, &s.admin, order, "settled", "").await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    // The cashier reaches the order page and the checkout.
    let (status, _) = app.get_text(&s.cashier, &format!("/orders/{order}")).await;
    assert_eq!(status, StatusCode::OK);
    let html = checkout_page(app, &s.cashier, order).await;
    assert_eq!(money(&data(&html, "data-total")), money("420"), "declined line not charged");

    let r = pay(app, &s.cashier, order, "wechat", "200").await;
    assert_eq!(location(&r), format!("/orders/{order}/checkout?notice=paid"));
    let html = checkout_page(app, &s.cashier, order).await;
    assert_eq!(money(&data(&html, "data-balance")), money("220"));
    let r = pay(app, &s.cashier, order, "cash", "250").await;
    assert_eq!(location(&r), format!("/orders/{order}/checkout?notice=settled"));
    let html = checkout_page(app, &s.cashier, order).await;
    assert_eq!(money(&data(&html, "data-balance")), money("0"));
    assert_eq!(money(&data(&html, "data-change")), money("30"));
    assert_eq!(state_in(&order_page(app, &s.admin, order).await), "settled");

    // Locked: no line changes any more.
    let r = post(
        app,
        &s.admin,
        &format!("/orders/{order}/lines"),
        &[("kind", "fee"), ("description", "加收"), ("unit_price", "9")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    // The receipt: the first print is the original, the second says reprint.
    let (_, first) = app.get_text(&s.cashier, &format!("/orders/{order}/receipt")).await;
    assert_eq!(data(&first, "data-prints"), "1");
    assert!(!first.contains("data-reprint"));
    let (_, again) = app.get_text(&s.cashier, &format!("/orders/{order}/receipt?layout=receipt")).await;
    assert!(again.contains("data-reprint") && again.contains("print-page receipt"));
    // The cashier's home shows the takings per method.
    let (_, home) = app.get_text(&s.cashier, "/checkout").await;
    assert_eq!(money(&data(&home, "data-method-total=\"wechat\" data-amount")), money("200"));
    assert_eq!(
        money(&data(&home, "data-method-total=\"cash\" data-amount")),
        money("220"),
        "change not counted"
    );
    check_passes(app);
}

#[tokio::test]
async fn on_account_becomes_a_receivable_paid_off_later_in_parts() {
    let s = shop().await;
    let app = &s.app;
    let order = completed_order(&s, "京A10002").await;
    assert_eq!(pay(app, &s.cashier, order, "cash", "100").await.status(), StatusCode::SEE_OTHER);
    let r = pay(app, &s.cashier, order, "on_account", "320").await;
    assert_eq!(location(&r), format!("/orders/{order}/checkout?notice=settled"));
    let (_, list) = app.get_text(&s.cashier, "/receivables").await;
    let customer = data(&list, "data-customer");
    assert_eq!(money(&data(&list, "data-owed")), money("320"));
    assert_eq!(money(&data(&list, "data-amount")), money("320"), "all in the 0–30 days bucket");
    let pay_path = format!("/receivables/{customer}/payments");
    let r = post(app, &s.cashier, &pay_path, &[("method", "wechat"), ("amount", "500")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "more than owed");
    assert!(r.text().await.unwrap().contains("value=\"500\""), "typed value kept");
    let r = post(app, &s.cashier, &pay_path, &[("method", "wechat"), ("amount", "120")]).await;
    assert_eq!(location(&r), "/receivables?notice=paid");
    let (_, list) = app.get_text(&s.cashier, "/receivables").await;
    assert_eq!(money(&data(&list, "data-owed")), money("200"));
    let r = post(app, &s.cashier, &pay_path, &[("method", "cash"), ("amount", "200")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, list) = app.get_text(&s.cashier, "/receivables").await;
    assert!(!list.contains("data-owed="), "nothing owed any more");
    let (_, customer_page) = app.get_text(&s.admin, &format!("/customers/{customer}")).await;
    assert_eq!(
        money(&data(&customer_page, "data-spent")),
        money("420"),
        "spent is what was paid for the order"
    );
    assert_eq!(money(&data(&customer_page, "data-owed")), money("0"));
    check_passes(app);
}

#[tokio::test]
async fn overpayment_and_bad_amounts_are_refused_beside_the_field_and_store_nothing() {
    let s = shop().await;
    let app = &s.app;
    let order = completed_order(&s, "京A10003").await;
    let before = app.fingerprint().await;
    for (method, amount) in [
        ("wechat", "420.01"),
        ("card", "1.234"),
        ("cash", "-5"),
        ("cash", "0"),
        ("cash", "99999999999"),
        ("cash", "abc"),
        ("bitcoin", "10"),
    ] {
        let r = pay(app, &s.cashier, order, method, amount).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{method} {amount}");
        let html = r.text().await.unwrap();
        assert!(html.contains("field-msg"), "a message beside the field");
        assert!(html.contains(&format!("value=\"{amount}\"")), "typed amount kept: {amount}");
    }
    assert_eq!(app.fingerprint().await, before, "nothing stored");
}

#[tokio::test]
async fn only_a_manager_voids_a_payment_and_only_with_a_reason() {
    let s = shop().await;
    let app = &s.app;
    let order = completed_order(&s, "京A10004").await;
    assert_eq!(pay(app, &s.cashier, order, "card", "420").await.status(), StatusCode::SEE_OTHER);
    assert_eq!(state_in(&order_page(app, &s.admin, order).await), "settled");
    let html = checkout_page(app, &s.manager, order).await;
    let pid = data(&html, "data-payment");
    let void = format!("/orders/{order}/payments/{pid}/void");
    assert_eq!(post(app, &s.cashier, &void, &[("reason", "刷错卡")]).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        post(app, &s.manager, &void, &[("reason", "")]).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let r = post(app, &s.manager, &void, &[("reason", "刷错卡")]).await;
    assert_eq!(location(&r), format!("/orders/{order}/checkout?notice=void"));
    let html = checkout_page(app, &s.manager, order).await;
    assert_eq!(money(&data(&html, "data-balance")), money("420"), "owed again");
    assert!(html.contains("data-voided"), "the original is kept, marked voided");
    assert_eq!(state_in(&order_page(app, &s.admin, order).await), "completed");
    assert_eq!(post(app, &s.manager, &void, &[("reason", "again")]).await.status(), StatusCode::CONFLICT);
    check_passes(app);
}

#[tokio::test]
async fn the_day_end_follows_the_shops_midnight_and_stores_the_difference() {
    use wrenchdesk::domain::checkout::PaymentInput;
    use wrenchdesk::domain::{OrderId, Role, Roles};
    let s = shop().await;
    let app = &s.app;
    let order = completed_order(&s, "京A10005").await;
    let settings = wrenchdesk::domain::Settings::default();
    // 23:59 and 00:01 in Shanghai (UTC+8) fall on two shop days.
    for (at, amount) in [("2026-03-01T15:59:00Z", "50"), ("2026-03-01T16:01:00Z", "70")] {
        let at: chrono::DateTime<chrono::Utc> = at.parse().unwrap();
        let input = PaymentInput { method: "cash".into(), amount: amount.into(), reference: String::new() };
        let actor = wrenchdesk::store::Actor::system();
        let roles = Roles::of(&[Role::Cashier]);
        app.store()
            .write_touching_now(|tx, t| {
                wrenchdesk::store::checkout::record_payment_at_tx(
                    tx,
                    t,
                    &actor,
                    roles,
                    OrderId(order),
                    &input,
                    &settings,
                    at,
                )
            })
            .unwrap();
    }
    let (_, first) = app.get_text(&s.cashier, "/checkout/day-end?date=2026-03-01").await;
    assert_eq!(money(&data(&first, "data-expected-cash")), money("50"));
    let (_, second) = app.get_text(&s.cashier, "/checkout/day-end?date=2026-03-02").await;
    assert_eq!(money(&data(&second, "data-expected-cash")), money("70"));
    let close_path = "/checkout/day-end";
    let r = post(app, &s.cashier, close_path, &[("date", "2026-03-01"), ("counted_cash", "4x")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("value=\"4x\""));
    let r = post(app, &s.cashier, close_path, &[("date", "2026-03-01"), ("counted_cash", "45")]).await;
    assert_eq!(location(&r), "/checkout/day-end?date=2026-03-01&notice=closed");
    let (_, closed) = app.get_text(&s.cashier, "/checkout/day-end?date=2026-03-01").await;
    assert_eq!(money(&data(&closed, "data-difference")), money("-5"));
    assert_eq!(
        post(app, &s.cashier, close_path, &[("date", "2026-03-01"), ("counted_cash", "50")]).await.status(),
        StatusCode::CONFLICT,
        "closed once"
    );
    check_passes(app);
}

#[tokio::test]
async fn two_cashiers_paying_the_rest_at_once_cannot_overpay() {
    let s = shop().await;
    let app = &s.app;
    let order = completed_order(&s, "京A10006").await;
    let other = app.user_with_roles(&s.admin, "cashier2", &["cashier"]).await;
    assert_eq!(pay(app, &s.cashier, order, "cash", "20").await.status(), StatusCode::SEE_OTHER);
    let (a, b) =
        tokio::join!(pay(app, &s.cashier, order, "wechat", "400"), pay(app, &other, order, "alipay", "400"));
    let ok = [a.status(), b.status()].iter().filter(|s| **s == StatusCode::SEE_OTHER).count();
    assert_eq!(ok, 1, "exactly one succeeds: {} {}", a.status(), b.status());
    let html = checkout_page(app, &s.cashier, order).await;
    assert_eq!(money(&data(&html, "data-paid")), money("420"));
    assert_eq!(money(&data(&html, "data-balance")), money("0"));
    check_passes(app);
}
