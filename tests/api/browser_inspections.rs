//! An inspection in browsers: the technician at 390×844 goes through the twenty items of the
//! routine check on the phone (each saved on its own, two with a camera photo), then the
//! advisor at 1280×800 turns the red finding into a line that waits for the customer.

use fantoccini::Locator;

use crate::browser::{Browser, wait_until};
use crate::fixtures::*;
use crate::floor::{gradient_jpeg, token};

/// The routine check's kinds by item: measurements (m), yes/no (y), ratings (r).
const KINDS: &str = "mmmmrmmrmrrrrrrmrryr";

#[tokio::test]
async fn a_technician_fills_an_inspection_on_the_phone_and_the_advisor_recommends_the_red_finding() {
    let s = shop().await;
    let (app, desk) = (&s.app, &s.advisor);
    let vehicle = car(app, desk, "王伟", "13912345678", "粤B54321").await;
    let order = open_order(app, desk, vehicle).await;
    labour(app, desk, order, "常规保养", "1", s.tech_id).await;
    let attached = post(app, desk, &format!("/orders/{order}/inspections"), &[("template_id", "1")]).await;
    assert_eq!(attached.status(), reqwest::StatusCode::SEE_OTHER);
    let tok = token(app, desk, order).await;

    let Some(phone) = Browser::start(390, 844).await else { return };
    phone.client.goto(&app.url(&format!("/t/{tok}/inspection"))).await.unwrap();
    phone.sign_in("tech1", "tech1-password").await;
    assert!(phone.path().await.ends_with("/inspection"), "back on the inspection after signing in");
    let photo_dir = tempfile::tempdir().unwrap();
    let photo = photo_dir.path().join("pad.jpg");
    std::fs::write(&photo, gradient_jpeg(1200, 900)).unwrap();

    for (n, kind) in KINDS.chars().enumerate() {
        let card = format!("#item-{n}");
        let colour = if n == 5 {
            "red"
        } else if n == 7 {
            "yellow"
        } else {
            "green"
        };
        match kind {
            'm' => phone.fill(&format!("{card} input[name=value]"), if n == 5 { "1.8" } else { "6.5" }).await,
            'y' => phone.click(&format!("{card} label.reason:last-child span")).await,
            _ => {}
        }
        if n == 5 || n == 7 {
            phone.click(&format!("{card} summary")).await;
            let input = phone.client.find(Locator::Css(&format!("{card} input[type=file]"))).await.unwrap();
            input.send_keys(photo.to_str().unwrap()).await.unwrap();
        }
        phone
            .client
            .execute(&format!("document.querySelector('{card} button.rate.{colour}').scrollIntoView({{block: 'center'}})"), vec![])
            .await
            .unwrap();
        phone.click(&format!("{card} button.rate.{colour}")).await;
        let saved = format!("document.querySelector('{card}').dataset.rating === '{colour}'");
        assert!(wait_until(&phone, &saved).await, "item {n} saved as {colour}");
        if n == 5 {
            phone.screenshot("inspection-phone-item").await;
        }
    }
    let done = "document.querySelector('#insp-progress').dataset.done === '20'";
    assert!(wait_until(&phone, done).await, "the progress follows each saved item");
    let photos = "document.querySelectorAll('.insp-item .thumbs img').length === 2";
    assert!(wait_until(&phone, photos).await, "two photos were kept");
    phone.client.execute("window.scrollTo(0, 0)", vec![]).await.unwrap();
    phone.screenshot("inspection-phone-done").await;
    phone.close().await;

    // The advisor turns the red finding into a line.
    let Some(office) = Browser::start(1280, 800).await else { return };
    office.client.goto(&app.url(&format!("/orders/{order}/inspection"))).await.unwrap();
    office.sign_in("advisor1", "advisor1-password").await;
    let red = "[data-group=red] + ul.findings li.finding.red";
    office.click(&format!("{red} details.recommend summary")).await;
    office.fill(&format!("{red} input[name=description]"), "更换前刹车片").await;
    office.fill(&format!("{red} input[name=hours]"), "1").await;
    office.screenshot("inspection-advisor").await;
    office.submit(&format!("{red} button[data-recommend]")).await;
    let waiting =
        "document.querySelector('[data-group=red] + ul .recommended[data-decision=pending]') !== null";
    assert!(wait_until(&office, waiting).await, "the finding shows its line waiting for the customer");
    office.screenshot("inspection-advisor-recommended").await;
    office.close().await;
    let html = order_page(app, desk, order).await;
    assert!(html.contains("更换前刹车片") && html.contains("data-line=\"2\" data-decision=\"pending\""));
}
