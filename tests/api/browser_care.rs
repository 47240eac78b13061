//! The advisor works through a due list at the kiosk (1280×800): from the home page's panel to
//! the list, the message text opened and copied, one customer not interested in one tap (the
//! entry turns into its outcome in place), the next one called; both land in the contact
//! history. Booking from a list goes through the booking form (`browser_appointments.rs`).

use chrono::{Duration, Utc};
use wrenchdesk::domain::{ContactKind, CustomerId};

use crate::browser::{Browser, wait_until};
use crate::customers::{create_customer, id_in};
use crate::fixtures::*;
use crate::helpers::location;

#[tokio::test]
async fn the_advisor_works_the_inspection_list() {
    let s = shop().await;
    let (app, desk) = (&s.app, &s.advisor);
    let today = Utc::now().with_timezone(&chrono_tz::Asia::Shanghai).date_naive();
    let mut cars = vec![];
    for (n, (name, phone, plate)) in
        [("吴静", "13800006661", "粤B60001"), ("冯涛", "13800006662", "粤B60002")].into_iter().enumerate()
    {
        let customer = create_customer(app, desk, name, phone).await;
        let (c, due) = (customer.to_string(), (today + Duration::days(2 + n as i64)).to_string());
        let response = app
            .post_form(
                desk,
                "/vehicles/new",
                "/vehicles",
                &[
                    ("customer_id", c.as_str()),
                    ("plate", plate),
                    ("make", "丰田"),
                    ("inspection_due", due.as_str()),
                ],
            )
            .await;
        cars.push((customer, id_in(&location(&response), "/vehicles/")));
    }

    let Some(kiosk) = Browser::start(1280, 800).await else { return };
    kiosk.client.goto(&app.url("/login")).await.unwrap();
    kiosk.sign_in("advisor1", "advisor1-password").await;
    assert!(
        wait_until(
            &kiosk,
            "document.querySelector('[data-care-home] [data-care-list=inspection][data-count=\"2\"]')"
        )
        .await
    );
    kiosk.screenshot("care-home-1280x800").await;
    kiosk.submit("[data-care-home] [data-care-list=inspection]").await;
    assert_eq!(kiosk.path().await, "/care/inspection");
    let first = cars[0].1;
    assert!(wait_until(&kiosk, &format!("document.querySelector('[data-entry=\"{first}\"]')")).await);

    // The message text, filled in for the entry, is there to copy into WeChat.
    kiosk.click(&format!("[data-entry=\"{first}\"] details summary")).await;
    let text = kiosk
        .client
        .execute(&format!("return document.getElementById('msg-{first}').value"), vec![])
        .await
        .unwrap();
    let text = text.as_str().unwrap_or_default().to_string();
    assert!(text.contains("粤B·60001") && text.contains("吴静"), "{text}");
    kiosk.click(&format!("[data-entry=\"{first}\"] [data-copy]")).await;
    assert!(
        wait_until(
            &kiosk,
            &format!("document.querySelector('[data-entry=\"{first}\"] [data-copy][data-copied]')")
        )
        .await
    );
    kiosk.screenshot("care-list-1280x800").await;

    // Not interested, in one tap: the entry becomes its outcome without leaving the list.
    kiosk.click(&format!("[data-entry=\"{first}\"] button[value=not_interested]")).await;
    assert!(
        wait_until(
            &kiosk,
            &format!("document.querySelector('[data-entry=\"{first}\"][data-outcome=not_interested]')")
        )
        .await
    );
    let second = cars[1].1;
    kiosk.click(&format!("[data-entry=\"{second}\"] button[value=called]")).await;
    assert!(
        wait_until(
            &kiosk,
            &format!("document.querySelector('[data-entry=\"{second}\"][data-outcome=called]')")
        )
        .await
    );
    kiosk.screenshot("care-worked-1280x800").await;
    let width = kiosk.client.execute("return document.documentElement.scrollWidth", vec![]).await.unwrap();
    assert!(width.as_u64().unwrap() <= 1280, "nothing wider than the kiosk: {width}");

    for (customer, _) in &cars {
        let contacts = app
            .store()
            .read_now(|tx| wrenchdesk::store::customers::contacts(tx, CustomerId(*customer), 5))
            .unwrap();
        assert_eq!(contacts.len(), 1, "customer {customer}");
        assert_eq!(contacts[0].kind, ContactKind::Call);
    }
    // Worked entries sleep: the list is empty now, and says so.
    kiosk.client.goto(&app.url("/care/inspection")).await.unwrap();
    assert!(wait_until(&kiosk, "document.querySelector('.care-empty')").await);
    kiosk.close().await;
}

/// The advisor records follow-up calls at the kiosk (1280×800): a score without one is
/// refused in place with the comment kept, then the call is recorded and the card turns into
/// its answer; the customer's contact history has it.
#[tokio::test]
async fn the_advisor_records_a_follow_up_call() {
    let s = shop().await;
    let app = &s.app;
    let v = car(app, &s.advisor, "韩梅", "13800006671", "粤B60011").await;
    let order = crate::orders::order_in_state(app, &s.admin, v, s.tech_id, "delivered").await;
    let call = app
        .store()
        .read_now(|tx| wrenchdesk::store::followups::for_order(tx, wrenchdesk::domain::OrderId(order)))
        .unwrap()
        .expect("a call scheduled with the delivery");
    let id = call.id;

    let Some(kiosk) = Browser::start(1280, 800).await else { return };
    kiosk.client.goto(&app.url("/login")).await.unwrap();
    kiosk.sign_in("advisor1", "advisor1-password").await;
    kiosk.client.goto(&app.url("/care/followups")).await.unwrap();
    let card = format!("[data-followup=\"{id}\"]");
    assert!(wait_until(&kiosk, &format!("document.querySelector('{card} [data-tel]')")).await);
    kiosk.screenshot("followups-1280x800").await;

    // Reached, a comment, but no score: the card says so beside the score and keeps the text.
    kiosk.fill(&format!("{card} input[name=comment]"), "师傅讲解很清楚").await;
    kiosk.click(&format!("{card} button[value=reached]")).await;
    assert!(wait_until(&kiosk, &format!("document.querySelector('{card} [data-field-msg=score]')")).await);
    let kept = kiosk
        .client
        .execute(&format!("return document.querySelector('{card} input[name=comment]').value"), vec![])
        .await
        .unwrap();
    assert_eq!(kept.as_str(), Some("师傅讲解很清楚"));
    kiosk.screenshot("followups-refused-1280x800").await;

    kiosk.click(&format!("{card} label.score:nth-child(4)")).await;
    kiosk.click(&format!("{card} button[value=reached]")).await;
    assert!(wait_until(&kiosk, &format!("document.querySelector('{card}[data-state=reached]')")).await);
    kiosk.screenshot("followups-recorded-1280x800").await;
    let width = kiosk.client.execute("return document.documentElement.scrollWidth", vec![]).await.unwrap();
    assert!(width.as_u64().unwrap() <= 1280, "nothing wider than the kiosk: {width}");
    let after = app
        .store()
        .read_now(|tx| wrenchdesk::store::followups::for_order(tx, wrenchdesk::domain::OrderId(order)))
        .unwrap()
        .unwrap();
    assert_eq!((after.score, after.comment.as_str()), (Some(4), "师傅讲解很清楚"));
    let contacts =
        app.store().read_now(|tx| wrenchdesk::store::customers::contacts(tx, after.customer_id, 5)).unwrap();
    assert!(contacts[0].summary.contains(&after.order_number), "{:?}", contacts[0]);
    kiosk.close().await;
}
