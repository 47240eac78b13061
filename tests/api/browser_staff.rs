//! What the staff see: the advisor's day on the order page at the kiosk's 1280×800 (the page
//! keeps its place while lines and answers are added, and shows only the actions the order's
//! state and the user's role allow).

use fantoccini::Locator;
use reqwest::StatusCode;

use crate::browser::{Browser, wait_until};
use crate::fixtures::*;

/// The top of an element in the window, in CSS pixels.
async fn top_of(b: &Browser, css: &str) -> f64 {
    let script = format!("return document.querySelector('{css}').getBoundingClientRect().top");
    b.client.execute(&script, vec![]).await.unwrap().as_f64().unwrap()
}

async fn number(b: &Browser, script: &str) -> f64 {
    b.client.execute(&format!("return {script}"), vec![]).await.unwrap().as_f64().unwrap()
}

async fn present(b: &Browser, css: &str) -> bool {
    b.client.find(Locator::Css(css)).await.is_ok()
}

#[tokio::test]
async fn the_advisor_walks_an_order_from_the_plate_to_the_printer_without_losing_their_place() {
    let s = shop().await;
    let vehicle = car(&s.app, &s.advisor, "陈先生", "13912345678", "粤B12345").await;
    assert!(vehicle > 0);
    let tech = s.tech_id.to_string();

    let Some(kiosk) = Browser::start(1280, 800).await else { return };
    kiosk.client.goto(&s.app.url("/login")).await.unwrap();
    kiosk.sign_in("advisor1", "advisor1-password").await;

    // Lookup → a new order for the car.
    kiosk.client.goto(&s.app.url("/lookup?plate=%E7%B2%A4B12345")).await.unwrap();
    kiosk.submit("a.button.big[href^='/orders/new']").await;
    kiosk.fill("#f-mileage", "53000").await;
    kiosk.fill("#f-complaint", "刹车时有异响").await;
    kiosk.click("button[data-set='f-promised_at']:last-of-type").await;
    kiosk.submit("form.kiosk-form button[type=submit]").await;
    assert!(kiosk.path().await.starts_with("/orders/"));

    // The next step is in view and says what the state allows: start the work.
    assert!(present(&kiosk, "#next-step [data-next='dispatch']").await, "open: dispatching is the next step");
    assert!(!present(&kiosk, "#next-step [data-next='in_progress']").await, "no work starts undispatched");
    assert!(present(&kiosk, "#add-line").await && present(&kiosk, "#diagnosis").await);
    assert!(!present(&kiosk, "#approval").await, "nothing to approve yet");
    // The warning about the QR's address is for the admin, who can fix it.
    assert!(!present(&kiosk, ".notice.warn").await, "no address warning for the advisor");

    // The add form sits right under the lines; adding keeps the page where it is.
    let lines_bottom =
        number(&kiosk, "document.getElementById('lines').getBoundingClientRect().bottom").await;
    let form_top = top_of(&kiosk, "#add-line").await;
    assert!((0.0..=40.0).contains(&(form_top - lines_bottom)), "the add form follows the lines table");
    kiosk
        .client
        .execute("document.getElementById('add-line').scrollIntoView({block: 'center'})", vec![])
        .await
        .unwrap();
    let scrolled = number(&kiosk, "window.scrollY").await;
    assert!(scrolled > 100.0, "the add form is below the fold at 1280×800 ({scrolled})");
    for (description, hours) in [("更换前刹车片", "1.5"), ("检查刹车盘", "0.5")] {
        let before = top_of(&kiosk, "#add-line").await;
        kiosk.click("input[name=kind][value=labor] + span").await;
        kiosk.fill("#f-description", description).await;
        kiosk.fill("#f-hours", hours).await;
        kiosk
            .client
            .execute(
                "document.getElementById('f-technician_id').value = arguments[0]",
                vec![serde_json::Value::String(tech.clone())],
            )
            .await
            .unwrap();
        kiosk.swap("#add-line form[action$='/lines'] button[type=submit]").await;
        let lines = kiosk.client.find(Locator::Css("table.lines")).await.unwrap().text().await.unwrap();
        assert!(lines.contains(description), "{lines}");
        let after = top_of(&kiosk, "#add-line").await;
        assert!((after - before).abs() < 4.0, "the add form stayed in place ({before} → {after})");
        let field = kiosk.client.find(Locator::Css("#f-description")).await.unwrap();
        assert_eq!(
            field.prop("value").await.unwrap().unwrap_or_default(),
            "",
            "a blank form for the next line"
        );
    }
    // A refused line comes back beside its field, in place, with what was typed.
    kiosk.click("input[name=kind][value=labor] + span").await;
    kiosk.fill("#f-description", "").await;
    kiosk.fill("#f-hours", "abc").await;
    kiosk.swap("#add-line form[action$='/lines'] button[type=submit]").await;
    assert!(present(&kiosk, "#add-line .field.invalid .field-msg").await, "the problem beside the field");
    let typed = kiosk.client.find(Locator::Css("#f-hours")).await.unwrap().prop("value").await.unwrap();
    assert_eq!(typed.as_deref(), Some("abc"));
    kiosk.screenshot("staff-order-lines-1280x800").await;

    // The lines wait for the customer: that is the next step, and the bar stays in view
    // however far the page is scrolled.
    assert!(present(&kiosk, "#next-step [data-next='approval']").await, "the answer is the next step");
    kiosk.client.execute("window.scrollTo(0, document.body.scrollHeight)", vec![]).await.unwrap();
    let bar = top_of(&kiosk, "#next-step").await;
    assert!((0.0..800.0).contains(&bar), "the next step is in view at the bottom of the page ({bar})");
    kiosk.click("#next-approval").await;
    assert!(
        wait_until(&kiosk, "document.getElementById('approval').getBoundingClientRect().top < 800").await
    );
    kiosk
        .client
        .execute(
            r#"const c = document.querySelector('.signature-pad canvas');
               const r = c.getBoundingClientRect();
               const at = (t, x, y) => c.dispatchEvent(new PointerEvent(t, {
                   clientX: r.left + x, clientY: r.top + y, pointerId: 7, bubbles: true }));
               at('pointerdown', 40, 120);
               for (let i = 1; i <= 30; i++) at('pointermove', 40 + i * 14, 120 + Math.sin(i / 3) * 40);
               at('pointerup', 460, 120);"#,
            vec![],
        )
        .await
        .unwrap();
    kiosk.screenshot("staff-order-approval-1280x800").await;
    kiosk.swap("#approval button[type=submit]").await;
    assert!(!present(&kiosk, "#approval").await, "nothing left to approve");
    assert!(present(&kiosk, "#history svg.signature path").await, "the signature is kept in the history");
    assert!(present(&kiosk, "#next-step [data-next='in_progress']").await);

    // Through the workshop from the bar; each step offers only what comes next.
    for to in ["in_progress", "quality_check", "completed"] {
        kiosk.swap(&format!("#next-step button[data-next='{to}']")).await;
        let state =
            kiosk.client.find(Locator::Css("#order-page")).await.unwrap().attr("data-state").await.unwrap();
        assert_eq!(state.as_deref(), Some(to));
    }
    // A completed order takes no more work: no line, no diagnosis, no edit, nothing to move.
    for gone in ["#add-line", "#diagnosis", "table.lines a[href$='/edit']", "#next-step form.moves"] {
        assert!(!present(&kiosk, gone).await, "{gone} is not offered on a completed order");
    }
    assert!(present(&kiosk, "#next-step [data-next='none']").await, "the bar says it waits for checkout");
    kiosk.screenshot("staff-order-completed-1280x800").await;

    // Print.
    kiosk.submit("#print-order").await;
    assert!(present(&kiosk, ".sheet .qr svg").await, "the printed order has its QR");
    kiosk.close().await;
}

#[tokio::test]
async fn a_completed_order_refuses_more_work_and_only_the_admin_is_told_about_the_qr_address() {
    let s = shop().await;
    let vehicle = car(&s.app, &s.advisor, "李女士", "13800001111", "粤B54321").await;
    let order = open_order(&s.app, &s.advisor, vehicle).await;
    labour(&s.app, &s.advisor, order, "保养工时", "1", s.tech_id).await;
    for to in ["in_progress", "quality_check", "completed"] {
        assert_eq!(set_state(&s.app, &s.advisor, order, to, "").await.status(), StatusCode::SEE_OTHER);
    }
    // The server refuses what the page no longer offers.
    let refused = add_line(
        &s.app,
        &s.advisor,
        order,
        &[("kind", "fee"), ("description", "洗车"), ("qty", "1"), ("unit_price", "20")],
    )
    .await;
    assert!(refused.status().is_client_error(), "{}", refused.status());
    let diagnosis =
        post(&s.app, &s.advisor, &format!("/orders/{order}/diagnosis"), &[("text", "再查一下")]).await;
    assert!(diagnosis.status().is_client_error(), "{}", diagnosis.status());
    let page = order_page(&s.app, &s.advisor, order).await;
    assert!(!page.contains("id=\"add-line\"") && !page.contains("id=\"diagnosis\""), "no work offered");
    assert_eq!(state_in(&page), "completed");

    // The cashier's next step is the checkout.
    let cashier = order_page(&s.app, &s.cashier, order).await;
    assert!(cashier.contains("data-next=\"checkout\""), "checkout is the cashier's next step");
    assert!(!cashier.contains("id=\"add-line\""));

    // A manager may reopen it (a reason is asked for under "more actions"), and work again.
    let manager = order_page(&s.app, &s.manager, order).await;
    assert!(manager.contains("id=\"more-actions\""), "reopening is offered to the manager");
    let reopened = set_state(&s.app, &s.manager, order, "in_progress", "客户要求加做").await;
    assert_eq!(reopened.status(), StatusCode::SEE_OTHER);
    assert!(order_page(&s.app, &s.advisor, order).await.contains("id=\"add-line\""));

    // The test server's address is a loopback one: only the admin hears about it, once.
    let admin = order_page(&s.app, &s.admin, order).await;
    assert_eq!(admin.matches("class=\"notice warn\"").count(), 1, "the admin is told once");
    let advisor = order_page(&s.app, &s.advisor, order).await;
    assert_eq!(advisor.matches("class=\"notice warn\"").count(), 0, "the advisor cannot fix it");
}
