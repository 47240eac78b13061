//! The walk-around at reception in a browser, on the kiosk at 1280×800: the advisor taps two
//! damages on the car's outline (one with a photo), ticks a warning light and an item left,
//! and the customer signs on the pad; the signed walk-around is locked, prints with the order,
//! and shows on the customer's phone at 390×844.

use fantoccini::Locator;

use crate::browser::{Browser, wait_until};
use crate::customer::customer_path;
use crate::fixtures::*;
use crate::floor::gradient_jpeg;

/// Taps the outline at a point of its own drawing (400 × 800, front at the top).
async fn tap(kiosk: &Browser, x: u32, y: u32) {
    let script = format!(
        r#"const svg = document.querySelector('svg[data-outline]');
           const r = svg.getBoundingClientRect();
           svg.dispatchEvent(new MouseEvent('click', {{ bubbles: true,
               clientX: r.left + r.width * {x} / 400, clientY: r.top + r.height * {y} / 800 }}));"#
    );
    kiosk.client.execute(&script, vec![]).await.unwrap();
}

#[tokio::test]
async fn the_kiosk_walkaround_marks_two_damages_and_the_customer_signs() {
    let s = shop().await;
    let (app, desk) = (&s.app, &s.advisor);
    let vehicle = car(app, desk, "陈静", "13712345678", "沪C88888").await;
    let order = open_order(app, desk, vehicle).await;

    let Some(kiosk) = Browser::start(1280, 800).await else { return };
    kiosk.client.goto(&app.url(&format!("/orders/{order}"))).await.unwrap();
    kiosk.sign_in("advisor1", "advisor1-password").await;
    kiosk.submit("#walkaround-summary a.button").await;
    assert_eq!(kiosk.path().await, format!("/orders/{order}/walkaround"));

    // First damage: a scratch on the left front door, with a photo.
    tap(&kiosk, 86, 380).await;
    let chosen = "document.querySelector('#pending-spot').getAttribute('visibility') === 'visible' && document.querySelector('#mark-form [name=x]').value === '86'";
    assert!(wait_until(&kiosk, chosen).await, "the tap chose the spot");
    kiosk.click("#mark-form input[value=scratch] + span").await;
    kiosk.fill("#f-mark-note", "左前门约 10 厘米划痕").await;
    let dir = tempfile::tempdir().unwrap();
    let photo = dir.path().join("scratch.jpg");
    std::fs::write(&photo, gradient_jpeg(1200, 900)).unwrap();
    let input = kiosk.client.find(Locator::Css("#mark-form input[type=file]")).await.unwrap();
    input.send_keys(photo.to_str().unwrap()).await.unwrap();
    kiosk.click("#mark-form button[data-save-mark]").await;
    let one = "document.querySelectorAll('#walk-marks g.mark').length === 1 && document.querySelector('.walk-legend img') !== null";
    assert!(wait_until(&kiosk, one).await, "the first mark is saved with its photo");

    // Second: a dent on the rear bumper, right side.
    tap(&kiosk, 262, 734).await;
    kiosk.click("#mark-form input[value=dent] + span").await;
    kiosk.click("#mark-form button[data-save-mark]").await;
    let two = "document.querySelectorAll('#walk-marks g.mark').length === 2";
    assert!(wait_until(&kiosk, two).await, "the second mark is saved");

    // A light on and the spare tyre in the boot: each tap saves.
    kiosk.click("#checks-form input[value=tyre_pressure] + span").await;
    assert!(wait_until(&kiosk, "document.querySelector('#walk-checks').dataset.lights === '1'").await);
    kiosk.click("#checks-form input[value=spare_tyre] + span").await;
    assert!(wait_until(&kiosk, "document.querySelector('#walk-checks').dataset.items === '1'").await);
    kiosk.click("#checks-form input[name=fuel][value='3'] + span").await;
    let fuel_saved = "document.querySelector('#checks-form input[name=fuel][value=\"3\"]').checked";
    assert!(wait_until(&kiosk, fuel_saved).await);
    let no_scroll = "document.documentElement.scrollHeight <= window.innerHeight + 2";
    let fits = wait_until(&kiosk, no_scroll).await;
    kiosk.screenshot("walkaround-kiosk-1280x800").await;
    assert!(fits, "the kiosk page fits the screen without scrolling");

    // The customer reviews and signs on the pad.
    kiosk.submit("#to-sign").await;
    kiosk
        .client
        .execute(
            r#"const c = document.querySelector('.signature-pad canvas');
               const r = c.getBoundingClientRect();
               const at = (t, x, y) => c.dispatchEvent(new PointerEvent(t, {
                   clientX: r.left + x, clientY: r.top + y, pointerId: 7, bubbles: true }));
               at('pointerdown', 30, 100);
               for (let i = 1; i <= 30; i++) at('pointermove', 30 + i * 12, 100 + Math.sin(i / 3) * 35);
               at('pointerup', 400, 100);"#,
            vec![],
        )
        .await
        .unwrap();
    kiosk.screenshot("walkaround-sign-1280x800").await;
    kiosk.submit("button[data-sign]").await;
    assert_eq!(kiosk.path().await, format!("/orders/{order}/walkaround"));
    let signed = "document.querySelector('#walkaround').dataset.signed === '1' && document.querySelector('#mark-form') === null && document.querySelector('.walk-signature svg.signature path') !== null";
    assert!(wait_until(&kiosk, signed).await, "signed and locked");
    kiosk.screenshot("walkaround-signed-1280x800").await;

    kiosk.client.goto(&app.url(&format!("/orders/{order}/print"))).await.unwrap();
    let printed = "document.querySelectorAll('.sheet-walkaround g.mark').length === 2";
    assert!(wait_until(&kiosk, printed).await, "the printed order has both marks");
    kiosk
        .client
        .execute("document.querySelector('.sheet-walkaround').scrollIntoView()", vec![])
        .await
        .unwrap();
    kiosk.screenshot("walkaround-print").await;
    kiosk.close().await;

    let walk = app
        .store()
        .read_now(|tx| wrenchdesk::store::orders::get(tx, wrenchdesk::domain::OrderId(order)))
        .unwrap()
        .unwrap()
        .walkaround
        .unwrap();
    assert_eq!(walk.marks.iter().map(|m| m.kind.code()).collect::<Vec<_>>(), ["scratch", "dent"]);
    assert!(walk.marks[0].photo.is_some() && walk.marks[0].note.contains("划痕"));
    let signed = walk.signed.expect("signed");
    assert_eq!((signed.signer.as_str(), signed.fuel), ("陈静", Some(3)));
    assert!(signed.signature.strokes.iter().flatten().count() > 10, "the drawn strokes");

    // The customer's own page on their phone.
    let customer = customer_path(app, desk, order).await;
    let Some(phone) = Browser::start(390, 844).await else { return };
    phone.client.goto(&app.url(&customer)).await.unwrap();
    let shown = "document.querySelectorAll('#customer-walkaround g.mark').length === 2";
    assert!(wait_until(&phone, shown).await, "the customer sees what they signed");
    phone
        .client
        .execute("document.querySelector('#customer-walkaround').scrollIntoView()", vec![])
        .await
        .unwrap();
    phone.screenshot("walkaround-customer-390x844").await;
    phone.close().await;
}
