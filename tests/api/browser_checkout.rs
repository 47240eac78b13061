//! Browser tests of the till at the kiosk's 1280×800: a bill paid with cash and WeChat, its
//! printed receipt, and the customer's statement (also on a 390×844 phone).

use fantoccini::Locator;

use crate::browser::Browser;
use crate::checkout::{completed_order, shop};

fn amount(typed: Option<String>) -> rust_decimal::Decimal {
    typed.expect("an amount").parse().unwrap()
}

#[tokio::test]
async fn a_cashier_settles_with_cash_and_wechat_and_prints_the_receipt() {
    let s = shop().await;
    let app = &s.app;
    let order = completed_order(&s, "京A30001").await;
    let Some(kiosk) = Browser::start(1280, 800).await else { return };
    kiosk.client.goto(&app.url("/login")).await.unwrap();
    kiosk.sign_in("cashier1", "cashier1-password").await;
    kiosk.client.goto(&app.url(&format!("/orders/{order}/checkout"))).await.unwrap();
    kiosk.screenshot("checkout-order-1280x800").await;

    // ¥200 in cash, then the rest by WeChat (the amount is filled in with the balance).
    let method = kiosk.client.find(Locator::Css("#payment #f-method")).await.unwrap();
    method.select_by_value("cash").await.unwrap();
    kiosk.fill("#payment #f-amount", "200").await;
    kiosk.submit("#payment button[type=submit]").await;
    let balance = kiosk.client.find(Locator::Css("[data-balance]")).await.unwrap();
    assert_eq!(amount(balance.attr("data-balance").await.unwrap()), amount(Some("220".into())));
    let method = kiosk.client.find(Locator::Css("#payment #f-method")).await.unwrap();
    method.select_by_value("wechat").await.unwrap();
    kiosk.fill("#payment #f-reference", "4200001234").await;
    kiosk.screenshot("checkout-second-method-1280x800").await;
    kiosk.submit("#payment button[type=submit]").await;
    let balance = kiosk.client.find(Locator::Css("[data-balance]")).await.unwrap();
    assert_eq!(amount(balance.attr("data-balance").await.unwrap()), amount(Some("0".into())));
    let methods: Vec<String> = {
        let mut out = Vec::new();
        for li in kiosk.client.find_all(Locator::Css("li[data-payment]")).await.unwrap() {
            out.push(li.attr("data-method").await.unwrap().unwrap_or_default());
        }
        out
    };
    assert_eq!(methods, ["cash", "wechat"]);
    kiosk.screenshot("checkout-settled-1280x800").await;

    // The receipt, A4 and the 80 mm slip.
    kiosk.click(&format!("a[href='/orders/{order}/receipt']")).await;
    kiosk.client.wait().for_element(Locator::Css("article.sheet[data-prints='1']")).await.unwrap();
    let text = kiosk.client.find(Locator::Css("article.sheet")).await.unwrap().text().await.unwrap();
    assert!(text.contains("现金") && text.contains("微信"), "both methods on the receipt: {text}");
    assert!(text.contains("420.00"), "the total: {text}");
    kiosk.screenshot("receipt-a4-1280x800").await;
    kiosk.client.goto(&app.url(&format!("/orders/{order}/receipt?layout=receipt"))).await.unwrap();
    kiosk.client.wait().for_element(Locator::Css("article.sheet[data-reprint]")).await.unwrap();
    kiosk.screenshot("receipt-80mm-1280x800").await;
    kiosk.close().await;
}

#[tokio::test]
async fn a_statement_reads_on_the_office_screen_and_on_a_phone() {
    let s = shop().await;
    let app = &s.app;
    let order = completed_order(&s, "京A30002").await;
    let r = crate::checkout::pay(app, &s.cashier, order, "on_account", "420").await;
    assert_eq!(r.status(), reqwest::StatusCode::SEE_OTHER);
    let (_, list) = app.get_text(&s.cashier, "/receivables").await;
    let customer = crate::checkout::data(&list, "data-customer");
    let repay = format!("/receivables/{customer}/payments");
    let r =
        crate::fixtures::post(app, &s.cashier, &repay, &[("method", "transfer"), ("amount", "120")]).await;
    assert_eq!(r.status(), reqwest::StatusCode::SEE_OTHER);
    for (width, height) in [(1280, 800), (390, 844)] {
        let Some(browser) = Browser::start(width, height).await else { return };
        browser.client.goto(&app.url("/login")).await.unwrap();
        browser.sign_in("manager1", "manager1-password").await;
        browser.client.goto(&app.url(&format!("/customers/{customer}/statement"))).await.unwrap();
        let closing = browser.client.find(Locator::Css("[data-closing]")).await.unwrap();
        assert_eq!(amount(closing.attr("data-closing").await.unwrap()), amount(Some("300".into())));
        // Nothing wider than the screen but the tables, which scroll on their own.
        let wide: bool = browser
            .client
            .execute("return document.documentElement.scrollWidth > window.innerWidth", vec![])
            .await
            .unwrap()
            .as_bool()
            .unwrap();
        assert!(!wide, "the page fits {width} px");
        browser.screenshot(&format!("statement-{width}x{height}")).await;
        browser.close().await;
    }
}
