//! The customer's statement (对账单) and voiding a payment against a receivable from it.

use reqwest::StatusCode;

use crate::checkout::{check_passes, completed_order, data, pay, shop};
use crate::fixtures::post;

fn money(s: &str) -> rust_decimal::Decimal {
    s.parse().unwrap()
}

#[tokio::test]
async fn a_statement_shows_the_month_and_a_manager_voids_a_repayment_from_it() {
    let s = shop().await;
    let app = &s.app;
    let order = completed_order(&s, "京A20001").await;
    assert_eq!(pay(app, &s.cashier, order, "on_account", "420").await.status(), StatusCode::SEE_OTHER);
    let (_, list) = app.get_text(&s.cashier, "/receivables").await;
    let customer = data(&list, "data-customer");
    assert!(list.contains(&format!("data-statement-link=\"{customer}\"")), "linked from the receivables");
    let (_, page) = app.get_text(&s.admin, &format!("/customers/{customer}")).await;
    assert!(page.contains(&format!("data-statement-link=\"{customer}\"")), "linked from the customer");
    let repay = format!("/receivables/{customer}/payments");
    let r = post(app, &s.cashier, &repay, &[("method", "transfer"), ("amount", "100")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    // This month: nothing owed before it, 420 on account, 100 paid against it.
    let statement = format!("/customers/{customer}/statement");
    let (status, html) = app.get_text(&s.cashier, &statement).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(money(&data(&html, "data-opening")), money("0"));
    assert_eq!(money(&data(&html, "data-charged")), money("420"));
    assert_eq!(money(&data(&html, "data-repaid")), money("100"));
    assert_eq!(money(&data(&html, "data-closing")), money("320"));
    assert!(html.contains(&format!("data-order=\"{order}\"")), "the settled order is listed");
    assert!(html.contains("京A·20001"), "with its plate, as written on the car");
    assert_eq!(money(&data(&html, "data-billed")), money("420"));
    assert!(!html.contains("/void\""), "a cashier is offered no void");

    // The repayment, voided: a cashier may not, a manager must give a reason.
    let (_, html) = app.get_text(&s.manager, &statement).await;
    // The row's id comes just before its kind.
    let before = html.split("data-kind=\"receivable\"").next().unwrap();
    let repayment = data(&before[before.rfind("data-payment=").unwrap()..], "data-payment");
    let void = format!("/receivables/{customer}/payments/{repayment}/void");
    let r = post(app, &s.cashier, &void, &[("reason", "转账被退回")]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = post(app, &s.manager, &void, &[("reason", ""), ("from", "2026-01-0x")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("f-reason-msg"), "the message beside the reason");
    assert!(html.contains("value=\"2026-01-0x\""), "the typed period kept");
    let wrong = format!("/receivables/{customer}/payments/{order}/void");
    let r = post(app, &s.manager, &wrong, &[("reason", "不是还款")]).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND, "only payments against the receivable");
    let r = post(app, &s.manager, &void, &[("reason", "转账被退回")]).await;
    assert_eq!(crate::helpers::location(&r), format!("{statement}?notice=void"));
    let (_, html) = app.get_text(&s.cashier, &statement).await;
    assert_eq!(money(&data(&html, "data-repaid")), money("0"), "the void takes the repayment off");
    assert_eq!(money(&data(&html, "data-closing")), money("420"));
    assert_eq!(data(&html, "data-voids"), "1");
    assert!(html.contains("转账被退回"), "the reason is shown");
    assert_eq!(post(app, &s.manager, &void, &[("reason", "again")]).await.status(), StatusCode::CONFLICT);

    // A later period opens with what is owed and moves nothing.
    let (_, later) = app.get_text(&s.cashier, &format!("{statement}?from=2099-01-01&to=2099-01-31")).await;
    assert_eq!(money(&data(&later, "data-opening")), money("420"));
    assert_eq!(money(&data(&later, "data-closing")), money("420"));
    assert!(!later.contains("data-order="), "nothing settled then");
    check_passes(app);
}

#[tokio::test]
async fn a_bad_period_gets_its_message_beside_the_field_and_keeps_what_was_typed() {
    let s = shop().await;
    let app = &s.app;
    let order = completed_order(&s, "京A20002").await;
    assert_eq!(pay(app, &s.cashier, order, "on_account", "420").await.status(), StatusCode::SEE_OTHER);
    let (_, list) = app.get_text(&s.cashier, "/receivables").await;
    let customer = data(&list, "data-customer");
    for (query, field, typed) in [
        ("from=2026-13-01&to=", "f-from-msg", "2026-13-01"),
        ("from=2026-03-10&to=2026-03-01", "f-to-msg", "2026-03-01"),
        ("from=1990-01-01&to=2026-01-01", "f-to-msg", "1990-01-01"),
        ("from=%3Cb%3E&to=", "f-from-msg", "&lt;b&gt;"),
    ] {
        let (status, html) =
            app.get_text(&s.manager, &format!("/customers/{customer}/statement?{query}")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        assert!(html.contains(field), "{query}: message beside the field");
        assert!(html.contains(&format!("value=\"{typed}\"")), "{query}: typed value kept");
    }
    let (status, _) = app.get_text(&s.manager, "/customers/999999/statement").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
