//! The walk-around at reception: marks saved (each one durable write) and removed, the checks
//! (lights, items, fuel), the customer's signature that locks it and a manager's reopening,
//! who may do what, bad input (off the car, an unknown kind, a photo that is no picture or too
//! large), and where it shows: the order page, the printed order, the customer's page.

use reqwest::multipart::{Form, Part};
use reqwest::{Client, Response, StatusCode};
use wrenchdesk::domain::OrderId;
use wrenchdesk::domain::walkaround::Walkaround;

use crate::customer::customer_path;
use crate::fixtures::*;
use crate::floor::{gradient_jpeg, jpeg_part};
use crate::helpers::*;

/// A signature as the pad sends it.
pub(crate) const SIGNATURE: &str = "100,200 150,150 200,250 250,150 300,250;400,200 500,210 600,190";

/// A mark as the kiosk sends it.
async fn mark(
    app: &TestApp,
    c: &Client,
    order: u64,
    fields: &[(&str, &str)],
    photo: Option<Part>,
) -> Response {
    post_with_photo(app, c, &format!("/orders/{order}/walkaround/marks"), fields, photo).await
}

/// The order's walk-around as stored.
fn stored(app: &TestApp, order: u64) -> Option<Walkaround> {
    app.store()
        .read_now(|tx| wrenchdesk::store::orders::get(tx, OrderId(order)))
        .unwrap()
        .expect("the order")
        .walkaround
}

fn check_passes(app: &TestApp) {
    let mut report = wrenchdesk::store::check::Report::default();
    app.store().read_now(|tx| wrenchdesk::store::check::invariants(tx, &mut report)).unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
}

async fn new_order(s: &Shop, plate: &str) -> u64 {
    let vehicle = car(&s.app, &s.advisor, "李娜", "13900139000", plate).await;
    open_order(&s.app, &s.advisor, vehicle).await
}

#[tokio::test]
async fn marks_are_saved_one_by_one_with_their_photo_and_removed_before_signing() {
    let s = shop().await;
    let (app, c) = (&s.app, &s.advisor);
    let order = new_order(&s, "京B20001").await;
    let (status, html) = app.get_text(c, &format!("/orders/{order}/walkaround")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("data-outline") && html.contains("id=\"mark-form\""));
    assert!(stored(app, order).is_none(), "nothing written by looking");

    let first =
        mark(app, c, order, &[("x", "90"), ("y", "220"), ("kind", "scratch"), ("note", "左前门划痕")], None)
            .await;
    assert_eq!(location(&first), format!("/orders/{order}/walkaround"));
    let photo = jpeg_part(gradient_jpeg(2400, 1800), "dent.jpg");
    let second = mark(app, c, order, &[("x", "300"), ("y", "700"), ("kind", "dent")], Some(photo)).await;
    assert_eq!(second.status(), StatusCode::SEE_OTHER);
    let third = mark(app, c, order, &[("x", "200"), ("y", "290"), ("kind", "crack")], None).await;
    assert_eq!(third.status(), StatusCode::SEE_OTHER);
    let walk = stored(app, order).expect("the walk-around");
    assert_eq!(
        walk.marks.iter().map(|m| (m.no, m.kind.code())).collect::<Vec<_>>(),
        [(1, "scratch"), (2, "dent"), (3, "crack")]
    );
    assert_eq!(walk.marks[0].note, "左前门划痕");
    let photo = walk.marks[1].photo.expect("the dent's photo");

    // The photo is scaled like a note photo and shown to staff who may see the order only.
    let bytes =
        app.get(c, &format!("/orders/{order}/walkaround/photos/{photo}")).await.bytes().await.unwrap();
    let picture = image::load_from_memory(&bytes).unwrap();
    assert_eq!((picture.width(), picture.height()), (1600, 1200));
    assert_ne!(
        app.get(&client(), &format!("/orders/{order}/walkaround/photos/{photo}")).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        app.get(c, &format!("/orders/{order}/walkaround/photos/{}", photo + 1)).await.status(),
        StatusCode::NOT_FOUND
    );

    // Removing the crack keeps the others' numbers; the page numbers them 1, 2.
    let removed = post(app, c, &format!("/orders/{order}/walkaround/marks/3/remove"), &[]).await;
    assert_eq!(removed.status(), StatusCode::SEE_OTHER);
    assert_eq!(stored(app, order).unwrap().marks.iter().map(|m| m.no).collect::<Vec<_>>(), [1, 2]);
    let gone = post(app, c, &format!("/orders/{order}/walkaround/marks/3/remove"), &[]).await;
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
    let (_, html) = app.get_text(c, &format!("/orders/{order}/walkaround")).await;
    assert_eq!(html.matches("<g class=\"mark\"").count(), 2);
    assert!(html.contains("data-marks=\"2\""));

    // An htmx save answers with the marks' part only.
    let form = Form::new().text("x", "250").text("y", "600").text("kind", "chip");
    let response = c
        .post(app.url(&format!("/orders/{order}/walkaround/marks")))
        .header("HX-Request", "true")
        .header("X-CSRF-Token", app.csrf(c, "/").await)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let part = response.text().await.unwrap();
    assert!(
        part.starts_with("<div class=\"walk-marks\" id=\"walk-marks\"") && part.contains("data-marks=\"3\""),
        "{part}"
    );

    // Lights, items and the fuel: one form, written to the order's reception fields too.
    let checks = [
        ("fuel", "1"),
        ("lights", "check_engine"),
        ("lights", "tyre_pressure"),
        ("items", "spare_tyre"),
        ("items", "documents"),
        ("items_left", "雨伞一把"),
    ];
    let saved = post(app, c, &format!("/orders/{order}/walkaround/checks"), &checks).await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let walk = stored(app, order).unwrap();
    assert_eq!(walk.lights.iter().map(|l| l.code()).collect::<Vec<_>>(), ["check_engine", "tyre_pressure"]);
    assert_eq!(walk.items.iter().map(|l| l.code()).collect::<Vec<_>>(), ["documents", "spare_tyre"]);
    let o = app.store().read_now(|tx| wrenchdesk::store::orders::get(tx, OrderId(order))).unwrap().unwrap();
    assert_eq!((o.reception.fuel, o.reception.items_left.as_str()), (Some(1), "雨伞一把"));
    check_passes(app);

    // Every save is in the audit log.
    let (_, audit) = app.get_text(&s.admin, "/admin/audit").await;
    for action in ["walkaround.mark", "walkaround.unmark", "walkaround.checks"] {
        assert!(audit.contains(action), "{action} audited");
    }
}

#[tokio::test]
async fn bad_marks_get_a_message_beside_the_field_and_nothing_is_saved() {
    let s = shop().await;
    let (app, c) = (&s.app, &s.advisor);
    let order = new_order(&s, "京B20002").await;

    /// The fields sent, the field whose message shows, part of the message.
    type Case<'a> = (&'a [(&'a str, &'a str)], &'a str, &'a str);
    let cases: [Case; 5] = [
        (&[("x", "5"), ("y", "5"), ("kind", "scratch")], "spot", "不在车身上"),
        (&[("x", "200"), ("y", "795"), ("kind", "scratch")], "spot", "不在车身上"),
        (&[("x", ""), ("y", ""), ("kind", "scratch")], "spot", "请先在车辆图上点出"),
        (&[("x", "200"), ("y", "400"), ("kind", "scorch")], "kind", "请选择损伤类型"),
        (&[("x", "200"), ("y", "400")], "kind", "请选择损伤类型"),
    ];
    for (fields, field, message) in cases {
        let mut typed = fields.to_vec();
        typed.push(("note", "保险杠"));
        let response = mark(app, c, order, &typed, None).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{fields:?}");
        let html = response.text().await.unwrap();
        assert!(html.contains(&format!("data-error=\"{field}\"")) && html.contains(message), "{fields:?}");
        assert!(html.contains("value=\"保险杠\""), "what was typed is kept");
    }
    // A photo that is no picture, a broken one, one over the limit: the note photos' messages.
    let fake =
        Part::bytes(b"MZ\x90\x00 not a picture".to_vec()).file_name("x.jpg").mime_str("image/jpeg").unwrap();
    let spot = [("x", "200"), ("y", "400"), ("kind", "dent")];
    let response = mark(app, c, order, &spot, Some(fake)).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(html.contains("data-error=\"photo\"") && html.contains("不是 JPEG"));
    let mut broken = gradient_jpeg(64, 48);
    broken.truncate(40);
    let response = mark(app, c, order, &spot, Some(jpeg_part(broken, "b.jpg"))).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let mut big = vec![0u8; 15 * 1024 * 1024 + 10];
    big[..4].copy_from_slice(&[0xFF, 0xD8, 0xFF, 0xE0]);
    let response = mark(app, c, order, &spot, Some(jpeg_part(big, "huge.jpg"))).await;
    let status = response.status();
    let html = response.text().await.unwrap_or_default();
    assert!(
        status == StatusCode::PAYLOAD_TOO_LARGE
            || (status == StatusCode::UNPROCESSABLE_ENTITY && html.contains("照片太大（最大 15 MB）。")),
        "too large: {status}"
    );
    // A fuel level or a light that does not exist.
    let response = post(
        app,
        c,
        &format!("/orders/{order}/walkaround/checks"),
        &[("fuel", "9"), ("lights", "warp_drive")],
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(html.contains("data-error=\"fuel\"") && html.contains("data-error=\"lights\""));
    assert!(stored(app, order).is_none(), "nothing saved");
}

#[tokio::test]
async fn the_customers_signature_locks_it_and_only_a_manager_reopens_it_with_a_reason() {
    let s = shop().await;
    let (app, c) = (&s.app, &s.advisor);
    let order = new_order(&s, "京B20003").await;
    let spot = [("x", "100"), ("y", "300"), ("kind", "scratch")];
    assert_eq!(mark(app, c, order, &spot, None).await.status(), StatusCode::SEE_OTHER);

    // The signing page shows what is signed for; no ink, no name: refused, what was typed kept.
    let (status, html) = app.get_text(c, &format!("/orders/{order}/walkaround/sign")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("data-signature-form") && html.contains("value=\"李娜\""),
        "the owner's name offered"
    );
    let refused =
        post(app, c, &format!("/orders/{order}/walkaround/sign"), &[("signer", ""), ("signature", "")]).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text().await.unwrap();
    assert!(html.contains("data-error=\"signer\"") && html.contains("data-error=\"signature\""));
    let bad = post(
        app,
        c,
        &format!("/orders/{order}/walkaround/sign"),
        &[("signer", "李娜"), ("signature", "<script>")],
    )
    .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!stored(app, order).unwrap().is_signed());

    // Technicians and cashiers neither mark nor sign.
    for other in [&s.tech, &s.cashier] {
        assert_eq!(mark(app, other, order, &spot, None).await.status(), StatusCode::FORBIDDEN);
        let sign = post(
            app,
            other,
            &format!("/orders/{order}/walkaround/sign"),
            &[("signer", "x"), ("signature", SIGNATURE)],
        )
        .await;
        assert_eq!(sign.status(), StatusCode::FORBIDDEN);
        assert_eq!(
            app.get(other, &format!("/orders/{order}/walkaround")).await.status(),
            StatusCode::FORBIDDEN
        );
    }

    let signed = post(
        app,
        c,
        &format!("/orders/{order}/walkaround/sign"),
        &[("signer", "李娜"), ("signature", SIGNATURE)],
    )
    .await;
    assert_eq!(location(&signed), format!("/orders/{order}/walkaround?notice=signed"));
    let walk = stored(app, order).unwrap();
    let sig = walk.signed.as_ref().expect("signed");
    assert_eq!(
        (sig.signer.as_str(), sig.by_name.as_str(), sig.marks.as_slice()),
        ("李娜", "advisor1", &[1][..])
    );

    // Locked: no new mark, no removal, no change of the checks; the page offers no form.
    let locked = mark(app, c, order, &[("x", "300"), ("y", "300"), ("kind", "dent")], None).await;
    assert_eq!(locked.status(), StatusCode::CONFLICT);
    assert!(locked.text().await.unwrap().contains("店长重新打开"));
    assert_eq!(
        post(app, c, &format!("/orders/{order}/walkaround/marks/1/remove"), &[]).await.status(),
        StatusCode::CONFLICT
    );
    assert_eq!(
        post(app, c, &format!("/orders/{order}/walkaround/checks"), &[("fuel", "4")]).await.status(),
        StatusCode::CONFLICT
    );
    assert_eq!(
        post(
            app,
            c,
            &format!("/orders/{order}/walkaround/sign"),
            &[("signer", "x"), ("signature", SIGNATURE)]
        )
        .await
        .status(),
        StatusCode::CONFLICT
    );
    assert_eq!(stored(app, order).unwrap(), walk, "nothing changed");
    let (_, html) = app.get_text(c, &format!("/orders/{order}/walkaround")).await;
    assert!(
        !html.contains("id=\"mark-form\"")
            && html.contains("data-signed=\"1\"")
            && !html.contains("id=\"reopen-form\"")
    );

    // An advisor may not reopen; a manager must give a reason.
    let reopen = format!("/orders/{order}/walkaround/reopen");
    assert_eq!(post(app, c, &reopen, &[("reason", "客户要求")]).await.status(), StatusCode::FORBIDDEN);
    let (_, html) = app.get_text(&s.manager, &format!("/orders/{order}/walkaround")).await;
    assert!(html.contains("id=\"reopen-form\""));
    let no_reason = post(app, &s.manager, &reopen, &[("reason", " ")]).await;
    assert_eq!(no_reason.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_reason.text().await.unwrap().contains("data-error=\"reason\""));
    assert!(stored(app, order).unwrap().is_signed());
    let reopened = post(app, &s.manager, &reopen, &[("reason", "漏记了后保险杠")]).await;
    assert_eq!(location(&reopened), format!("/orders/{order}/walkaround?notice=reopened"));
    let walk = stored(app, order).unwrap();
    assert!(!walk.is_signed() && walk.reopened.len() == 1 && walk.reopened[0].signed.signer == "李娜");
    assert_eq!(
        mark(app, c, order, &[("x", "200"), ("y", "740"), ("kind", "dent")], None).await.status(),
        StatusCode::SEE_OTHER
    );
    check_passes(app);
    let (_, audit) = app.get_text(&s.admin, "/admin/audit").await;
    assert!(
        audit.contains("walkaround.sign")
            && audit.contains("walkaround.reopen")
            && audit.contains("漏记了后保险杠")
    );
}

#[tokio::test]
async fn it_shows_on_the_order_page_the_printed_order_and_the_customers_page_once_signed() {
    let s = shop().await;
    let (app, c) = (&s.app, &s.advisor);
    let order = new_order(&s, "京B20004").await;
    let html = order_page(app, c, order).await;
    assert!(
        html.contains("id=\"walkaround-summary\"")
            && html.contains(&format!("href=\"/orders/{order}/walkaround\""))
    );

    let photo = jpeg_part(gradient_jpeg(320, 240), "p.jpg");
    mark(app, c, order, &[("x", "90"), ("y", "220"), ("kind", "scratch"), ("note", "门边划痕")], Some(photo))
        .await;
    mark(app, c, order, &[("x", "310"), ("y", "500"), ("kind", "dent")], None).await;
    post(
        app,
        c,
        &format!("/orders/{order}/walkaround/checks"),
        &[("fuel", "2"), ("lights", "abs"), ("items", "valuables")],
    )
    .await;

    // The customer sees it only once they signed it.
    let customer = customer_path(app, c, order).await;
    let stranger = client();
    let (_, page) = app.get_text(&stranger, &customer).await;
    assert!(!page.contains("customer-walkaround"));
    let photo_id = stored(app, order).unwrap().marks[0].photo.unwrap();
    assert_eq!(
        app.get(&stranger, &format!("{customer}/photos/{photo_id}")).await.status(),
        StatusCode::NOT_FOUND
    );
    post(
        app,
        c,
        &format!("/orders/{order}/walkaround/sign"),
        &[("signer", "李娜"), ("signature", SIGNATURE)],
    )
    .await;
    let (_, page) = app.get_text(&stranger, &customer).await;
    assert!(
        page.contains("id=\"customer-walkaround\"")
            && page.contains("门边划痕")
            && page.contains("data-signed=\"1\"")
    );
    assert_eq!(app.get(&stranger, &format!("{customer}/photos/{photo_id}")).await.status(), StatusCode::OK);

    for (who, html) in [
        ("order page", order_page(app, c, order).await),
        ("printed order", app.get_text(c, &format!("/orders/{order}/print")).await.1),
    ] {
        assert_eq!(html.matches("<g class=\"mark\"").count(), 2, "{who}: both marks numbered on the outline");
        assert!(html.contains("data-marks=\"2\"") && html.contains("门边划痕"), "{who}: the legend");
        assert!(
            html.contains("data-light=\"abs\"") && html.contains("data-fuel=\"2\""),
            "{who}: lights and fuel"
        );
        assert!(
            html.contains("data-signed=\"1\"") && html.contains("<svg class=\"signature\""),
            "{who}: the signature"
        );
    }
}
