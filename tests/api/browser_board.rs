//! The office board at the kiosk's 1280×800 (plates whole, the window's width used), the
//! kiosk's plate entry (a plate-sized field, one province) and its new car going straight on
//! to the order form, and the technician's jobs on a 390×844 phone (open ones first).

use crate::browser::{Browser, wait_until};
use crate::fixtures::*;

async fn number(b: &Browser, script: &str) -> f64 {
    b.client.execute(&format!("return {script}"), vec![]).await.unwrap().as_f64().unwrap()
}

async fn text(b: &Browser, script: &str) -> String {
    b.client.execute(&format!("return {script}"), vec![]).await.unwrap().as_str().unwrap().to_string()
}

#[tokio::test]
async fn the_office_board_shows_whole_plates_across_the_window_at_1280() {
    let s = shop().await;
    let (app, c) = (&s.app, &s.advisor);
    // New-energy plates (8 characters) are the longest.
    for i in 0..12u32 {
        let plate = format!("粤B{:06}", 100000 + i);
        let vehicle = car(app, c, &format!("车主{i}"), &format!("137{:08}", i), &plate).await;
        let order = open_order(app, c, vehicle).await;
        labour(app, c, order, "保养", "1", s.tech_id).await;
        if i % 2 == 0 {
            set_state(app, c, order, "in_progress", "").await;
        }
    }
    let Some(b) = Browser::start(1280, 800).await else { return };
    b.client.goto(&app.url("/login")).await.unwrap();
    b.sign_in("advisor1", "advisor1-password").await;
    b.client.goto(&app.url("/board")).await.unwrap();
    assert!(wait_until(&b, "document.querySelectorAll('.board-card').length === 12").await);
    b.screenshot("office-board-1280x800").await;
    let clipped = number(
        &b,
        "[...document.querySelectorAll('.board-card .plate-big')].filter(p => p.scrollWidth > p.clientWidth + 1).length",
    )
    .await;
    assert_eq!(clipped, 0.0, "no plate is cut off");
    let width = number(&b, "document.querySelector('.board-columns').getBoundingClientRect().width").await;
    assert!(width > 1200.0, "the board uses the window's width ({width} px)");
    b.close().await;
}

#[tokio::test]
async fn the_kiosk_types_one_province_and_a_new_car_goes_on_to_its_order() {
    let s = shop().await;
    let (app, c) = (&s.app, &s.advisor);
    // The shop's own makes, for the picker.
    car(app, c, "王先生", "13800001111", "粤B11111").await;
    let Some(kiosk) = Browser::start(1280, 800).await else { return };
    kiosk.client.goto(&app.url("/login")).await.unwrap();
    kiosk.sign_in("advisor1", "advisor1-password").await;
    kiosk.client.goto(&app.url("/lookup")).await.unwrap();

    // The plate reads like a plate: large text.
    let size =
        number(&kiosk, "parseFloat(getComputedStyle(document.getElementById('f-plate')).fontSize)").await;
    assert!(size >= 28.0, "the plate field's text is {size} px");
    // A second province replaces the first; letters and digits follow it.
    for key in ["粤", "湘", "B", "2", "粤", "4"] {
        kiosk.click(&format!(".keypad [data-key='{key}']")).await;
    }
    assert_eq!(text(&kiosk, "document.getElementById('f-plate').value").await, "粤B24");
    for key in ["6", "8", "0"] {
        kiosk.click(&format!(".keypad [data-key='{key}']")).await;
    }
    kiosk.screenshot("kiosk-lookup-1280x800").await;
    kiosk.submit(".plate-entry button[type=submit]").await;

    // An unknown plate: the new car's form, with the shop's makes on offer.
    assert_eq!(kiosk.path().await, "/lookup");
    let offered =
        text(&kiosk, "[...document.querySelectorAll('#makes-seen option')].map(o => o.value).join(',')")
            .await;
    assert_eq!(offered, "大众");
    assert_eq!(text(&kiosk, "document.getElementById('f-make').getAttribute('list')").await, "makes-seen");
    kiosk.fill("#f-make", "大众").await;
    kiosk.fill("#f-model", "朗逸").await;
    kiosk.fill("#f-name", "赵女士").await;
    kiosk.fill("#f-phone", "13900002222").await;
    kiosk.screenshot("kiosk-new-car-picker-1280x800").await;
    kiosk.submit("form.kiosk-form button[type=submit]").await;

    // Saved: straight on to opening the order for it.
    assert_eq!(kiosk.path().await, "/orders/new");
    assert!(
        wait_until(&kiosk, "document.querySelector('form.kiosk-form[action=\"/orders\"]') !== null").await
    );
    let plate = text(&kiosk, "document.querySelector('.lead .plate-big').textContent").await;
    assert_eq!(plate, "粤B·24680");
    kiosk.close().await;
}

#[tokio::test]
async fn the_technicians_jobs_put_open_ones_first_and_fold_away_those_finished_today() {
    let s = shop().await;
    let (app, c) = (&s.app, &s.advisor);
    let mut orders = Vec::new();
    for (i, plate) in ["粤B50001", "粤B50002", "粤B50003"].iter().enumerate() {
        let vehicle = car(app, c, &format!("车主{i}"), &format!("1360000500{i}"), plate).await;
        let order = open_order(app, c, vehicle).await;
        labour(app, c, order, "保养", "1", s.tech_id).await;
        set_state(app, c, order, "in_progress", "").await;
        orders.push(order);
    }
    // The technician finishes the first car's job.
    let token = crate::floor::token(app, c, orders[0]).await;
    for action in ["start", "finish"] {
        let done = post(app, &s.tech, &format!("/t/{token}/lines/1"), &[("action", action)]).await;
        assert!(done.status().is_redirection() || done.status().is_success(), "{action}: {}", done.status());
    }

    let Some(phone) = Browser::start(390, 844).await else { return };
    phone.client.goto(&app.url("/login")).await.unwrap();
    phone.sign_in("tech1", "tech1-password").await;
    phone.client.goto(&app.url("/t")).await.unwrap();
    phone.screenshot("my-jobs-390x844").await;
    assert_eq!(number(&phone, "document.querySelectorAll('.open-jobs .job-card').length").await, 2.0);
    assert_eq!(
        number(&phone, "document.querySelectorAll('details.finished-jobs .job-card').length").await,
        1.0
    );
    assert_eq!(
        number(&phone, "document.querySelector('details.finished-jobs').open ? 1 : 0").await,
        0.0,
        "finished jobs start folded"
    );
    let first_open =
        number(&phone, "document.querySelector('.open-jobs .job-card').getBoundingClientRect().top").await;
    let finished =
        number(&phone, "document.querySelector('details.finished-jobs').getBoundingClientRect().top").await;
    assert!(first_open < finished, "open jobs come first");
    phone.close().await;
}
