//! Inspections: checklists whose edits never reach past inspections, who may fill one in, the
//! item forms' checks (measurements, photos), findings turned into lines that wait for the
//! customer, and a declined recommendation that comes back at the car's next order.

use reqwest::multipart::{Form, Part};
use reqwest::{Client, Response, StatusCode};

use crate::fixtures::*;
use crate::floor::{gradient_jpeg, jpeg_part, token};
use crate::helpers::*;

/// The starter checklist 常规保养检查 (made with every new shop): its first twenty items are
/// four tread depths (mm), the sidewalls (rating), the front pads (mm) … a leak (yes/no, 19th).
const ROUTINE: &str = "1";
const FRONT_PADS: usize = 5;
const LEAK: usize = 18;

/// A car with an order whose labour line is `tech`'s; returns (vehicle, order).
async fn order_for(s: &Shop, plate: &str, tech: u64) -> (u64, u64) {
    let (app, c) = (&s.app, &s.advisor);
    let vehicle = car(app, c, "张伟", "13800138000", plate).await;
    let order = open_order(app, c, vehicle).await;
    labour(app, c, order, "常规保养", "1", tech).await;
    (vehicle, order)
}

/// The advisor attaches the routine check for `technician` (empty: anyone on the order);
/// returns the inspection's id.
async fn attach(s: &Shop, order: u64, technician: &str) -> u64 {
    let response = post(
        &s.app,
        &s.advisor,
        &format!("/orders/{order}/inspections"),
        &[("template_id", ROUTINE), ("technician_id", technician)],
    )
    .await;
    assert_eq!(location(&response), format!("/orders/{order}/inspection?notice=attached"));
    let (_, html) = s.app.get_text(&s.advisor, &format!("/orders/{order}/inspection")).await;
    let ids: Vec<u64> = html
        .match_indices("data-inspection=\"")
        .map(|(at, m)| attr(&html[at..], m).parse().unwrap())
        .collect();
    *ids.iter().max().expect("the attached inspection is shown")
}

/// One item's form as the phone sends it.
async fn rate(
    app: &TestApp,
    c: &Client,
    token: &str,
    inspection: u64,
    n: usize,
    fields: &[(&str, &str)],
    photo: Option<Part>,
) -> Response {
    post_with_photo(app, c, &format!("/t/{token}/inspections/{inspection}/items/{n}"), fields, photo).await
}

/// The phone page of an inspection as `c` sees it.
async fn phone_inspection(app: &TestApp, c: &Client, token: &str, inspection: u64) -> String {
    let (status, html) = app.get_text(c, &format!("/t/{token}/inspection?i={inspection}")).await;
    assert_eq!(status, StatusCode::OK);
    html
}

/// The `data-rating` of item `n` on the phone page.
fn rating_of(html: &str, n: usize) -> String {
    let at = html.find(&format!("id=\"item-{n}\"")).unwrap_or_else(|| panic!("item {n} shown"));
    attr(&html[at..], "data-rating=\"")
}

#[tokio::test]
async fn a_checklist_edit_never_changes_an_inspection_already_made() {
    let s = shop().await;
    let (_, order) = order_for(&s, "京A10001", s.tech_id).await;
    let inspection = attach(&s, order, "").await;
    let app = &s.app;

    // The manager renames the routine check and its first item, and drops the rest.
    let (status, html) = app.get_text(&s.manager, "/inspections/templates/1").await;
    assert_eq!(status, StatusCode::OK);
    let version = attr(&html, "name=\"version\" value=\"");
    let fields = [
        ("version", version.as_str()),
        ("name", "新版检查"),
        ("rows", "1"),
        ("area_0", "轮胎"),
        ("label_0", "胎纹（新）"),
        ("kind_0", "measure"),
        ("unit_0", "mm"),
        ("hint_0", ""),
        ("active", "1"),
    ];
    let response = post(app, &s.manager, "/inspections/templates/1", &fields).await;
    assert_eq!(location(&response), "/inspections/templates");
    let (_, list) = app.get_text(&s.manager, "/inspections/templates").await;
    assert!(list.contains("新版检查"), "the checklist is saved");

    // A measurement item needs its unit: refused beside the items, what was typed kept.
    let mut no_unit = fields;
    no_unit[0].1 = "2";
    no_unit[6] = ("unit_0", "");
    let stale = post(app, &s.manager, "/inspections/templates/1", &no_unit).await;
    assert_eq!(stale.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = stale.text().await.unwrap();
    assert!(html.contains("id=\"f-items-msg\"") && html.contains("value=\"胎纹（新）\""));

    // The inspection started before keeps the checklist as it was.
    let tok = token(app, &s.advisor, order).await;
    let html = phone_inspection(app, &s.tech, &tok, inspection).await;
    assert!(html.contains("<h2>常规保养检查</h2>") && !html.contains("<h2>新版检查</h2>"));
    assert_eq!(html.matches("class=\"insp-item\"").count(), 20, "all twenty items are still there");
    assert!(html.contains("左前轮胎花纹深度") && !html.contains("胎纹（新）"));
    // A new one takes the checklist as it is now.
    let next = attach(&s, order, "").await;
    let html = phone_inspection(app, &s.tech, &tok, next).await;
    assert!(html.contains("胎纹（新）") && html.matches("class=\"insp-item\"").count() == 1);
    // Only managers keep checklists.
    let (status, _) = app.get_text(&s.advisor, "/inspections/templates").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn only_the_assigned_technician_or_the_desk_fills_an_inspection() {
    let s = shop().await;
    let app = &s.app;
    let (_, order) = order_for(&s, "京A10002", s.tech_id).await;
    // tech2 works on the order too, but the inspection is tech1's.
    labour(app, &s.advisor, order, "四轮定位", "1", s.tech2_id).await;
    let inspection = attach(&s, order, &s.tech_id.to_string()).await;
    let tok = token(app, &s.advisor, order).await;
    let green = [("rating", "green")];

    let refused = rate(app, &s.tech2, &tok, inspection, 4, &green, None).await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    assert!(
        phone_inspection(app, &s.tech2, &tok, inspection).await.contains("data-item=\"4\" data-rating=\"\"")
    );

    let saved = rate(app, &s.tech, &tok, inspection, 4, &green, None).await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&saved), format!("/t/{tok}/inspection?i={inspection}#item-5"), "on to the next item");
    let by_desk = rate(app, &s.advisor, &tok, inspection, 7, &[("rating", "yellow")], None).await;
    assert_eq!(by_desk.status(), StatusCode::SEE_OTHER);
    let html = phone_inspection(app, &s.tech, &tok, inspection).await;
    assert_eq!((rating_of(&html, 4), rating_of(&html, 7)), ("green".into(), "yellow".into()));
    assert!(html.contains("data-done=\"2\" data-total=\"20\""));

    // A cashier is no floor user; a technician with no line on the order cannot start one.
    let cashier = rate(app, &s.cashier, &tok, inspection, 4, &green, None).await;
    assert_eq!(cashier.status(), StatusCode::FORBIDDEN);
    let (_, other_order) = order_for(&s, "京A10003", s.tech2_id).await;
    let other = token(app, &s.advisor, other_order).await;
    let start = post(app, &s.tech, &format!("/t/{other}/inspections"), &[("template_id", ROUTINE)]).await;
    assert_eq!(start.status(), StatusCode::CONFLICT);
    // tech2 starts one on their own order, and it is theirs.
    let start = post(app, &s.tech2, &format!("/t/{other}/inspections"), &[("template_id", ROUTINE)]).await;
    let to = location(&start);
    let mine: u64 = to.rsplit("i=").next().unwrap().parse().unwrap();
    assert_eq!(
        rate(app, &s.tech2, &other, mine, 0, &[("rating", "green"), ("value", "6")], None).await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        rate(app, &s.tech, &other, mine, 0, &[("rating", "green"), ("value", "6")], None).await.status(),
        StatusCode::CONFLICT
    );
    // An item of another order's inspection through this order's token: not found.
    assert_eq!(rate(app, &s.tech, &tok, mine, 0, &green, None).await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn bad_measurements_get_a_message_and_photos_are_checked_like_note_photos() {
    let s = shop().await;
    let app = &s.app;
    let (_, order) = order_for(&s, "京A10004", s.tech_id).await;
    let inspection = attach(&s, order, "").await;
    let tok = token(app, &s.advisor, order).await;
    let c = &s.tech;

    for (typed, expected) in [("abc", "请输入数字"), ("-2", ""), ("", "请填写测量值。"), ("1.234", "")]
    {
        let response =
            rate(app, c, &tok, inspection, FRONT_PADS, &[("rating", "red"), ("value", typed)], None).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{typed:?} refused");
        let html = response.text().await.unwrap();
        let at = html.find(&format!("id=\"item-{FRONT_PADS}\"")).unwrap();
        let card = &html[at..at + html[at..].find("</form>").unwrap()];
        assert!(card.contains("data-refused") && card.contains("class=\"field-msg\""), "{typed:?}: {card}");
        assert!(card.contains(&format!("value=\"{typed}\"")), "what was typed is kept");
        assert!(expected.is_empty() || card.contains(expected), "{typed:?}: {card}");
    }
    // No colour, no answer to a yes/no: each said beside it.
    let response = rate(app, c, &tok, inspection, LEAK, &[("note", "x")], None).await;
    let html = response.text().await.unwrap();
    assert!(html.contains("请选择 良好 / 注意 / 需维修。") && html.contains("请选择 是 或 否。"));
    assert!(!phone_inspection(app, c, &tok, inspection).await.contains("data-done=\"1\""), "nothing saved");

    // Not a picture, or a broken one: refused like a note photo, nothing saved.
    let fake =
        Part::bytes(b"MZ\x90\x00 not a picture".to_vec()).file_name("x.jpg").mime_str("image/jpeg").unwrap();
    let response =
        rate(app, c, &tok, inspection, FRONT_PADS, &[("rating", "red"), ("value", "1.5")], Some(fake)).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.text().await.unwrap().contains("不是 JPEG"));
    let mut broken = gradient_jpeg(64, 48);
    broken.truncate(40);
    let response = rate(
        app,
        c,
        &tok,
        inspection,
        FRONT_PADS,
        &[("rating", "red"), ("value", "1.5")],
        Some(jpeg_part(broken, "b.jpg")),
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(phone_inspection(app, c, &tok, inspection).await.contains("data-done=\"0\""), "nothing saved");

    // A good measurement with a real photo: saved, the photo scaled and served to staff only.
    let response = rate(
        app,
        c,
        &tok,
        inspection,
        FRONT_PADS,
        &[("rating", "red"), ("value", "1,5"), ("note", "内侧磨到底")],
        Some(jpeg_part(gradient_jpeg(2400, 1800), "pad.jpg")),
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let html = phone_inspection(app, c, &tok, inspection).await;
    assert_eq!(rating_of(&html, FRONT_PADS), "red");
    assert!(html.contains("value=\"1.5\"") && html.contains("内侧磨到底"));
    let marker = format!("/inspections/{inspection}/photos/");
    let photo = attr(&html, &format!("href=\"{marker}"));
    let bytes = app.get(c, &format!("{marker}{photo}")).await.bytes().await.unwrap();
    let picture = image::load_from_memory(&bytes).unwrap();
    assert_eq!((picture.width(), picture.height()), (1600, 1200), "scaled like a note photo");
    let stranger = client();
    let response = app.get(&stranger, &format!("{marker}{photo}")).await;
    assert_ne!(response.status(), StatusCode::OK, "not without signing in");
    // The same photo id under another inspection is not found.
    assert_eq!(
        app.get(c, &format!("/inspections/{}/photos/{photo}", inspection + 1)).await.status(),
        StatusCode::NOT_FOUND
    );

    // With htmx, a refused card comes back alone (htmx swaps only 2xx answers), a saved one
    // with the progress beside it.
    let form = Form::new().text("csrf", app.csrf(c, "/").await).text("rating", "green").text("value", "zz");
    let response = c
        .post(app.url(&format!("/t/{tok}/inspections/{inspection}/items/0")))
        .header("HX-Request", "true")
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    assert!(html.starts_with("<form") && html.contains("data-refused") && !html.contains("<html"));
    let form = Form::new().text("csrf", app.csrf(c, "/").await).text("rating", "green").text("value", "7.5");
    let response = c
        .post(app.url(&format!("/t/{tok}/inspections/{inspection}/items/0")))
        .header("HX-Request", "true")
        .multipart(form)
        .send()
        .await
        .unwrap();
    let html = response.text().await.unwrap();
    assert!(html.contains("data-rating=\"green\"") && html.contains("hx-swap-oob=\"true\""));
    assert!(html.contains("data-done=\"2\""), "{html}");
}

#[tokio::test]
async fn a_finding_becomes_a_line_for_approval_and_a_declined_one_is_deferred_to_the_next_order() {
    let s = shop().await;
    let app = &s.app;
    let (vehicle, order) = order_for(&s, "京A10005", s.tech_id).await;
    let inspection = attach(&s, order, "").await;
    let tok = token(app, &s.advisor, order).await;
    let pads = [("rating", "red"), ("value", "1.8")];
    assert_eq!(
        rate(app, &s.tech, &tok, inspection, FRONT_PADS, &pads, None).await.status(),
        StatusCode::SEE_OTHER
    );
    let leak = [("rating", "yellow"), ("answer", "yes"), ("note", "减震器渗油")];
    assert_eq!(rate(app, &s.tech, &tok, inspection, LEAK, &leak, None).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        rate(app, &s.tech, &tok, inspection, 4, &[("rating", "green")], None).await.status(),
        StatusCode::SEE_OTHER
    );

    // The advisor sees the findings red, yellow, green.
    let page = format!("/orders/{order}/inspection");
    let (_, html) = app.get_text(&s.advisor, &page).await;
    let (red, yellow, green) = (
        html.find("data-group=\"red\"").unwrap(),
        html.find("data-group=\"yellow\"").unwrap(),
        html.find("data-group=\"green\"").unwrap(),
    );
    assert!(red < yellow && yellow < green);
    assert!(html.contains("1.8 mm") && html.contains("减震器渗油"));

    // A price that is no number: refused beside the field, nothing added.
    let recommend = format!("/orders/{order}/inspections/{inspection}/items/{FRONT_PADS}/recommend");
    let bad = [("kind", "part"), ("description", "前刹车片"), ("qty", "1"), ("unit_price", "abc")];
    let response = post(app, &s.advisor, &recommend, &bad).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.text().await.unwrap().contains("value=\"abc\""));
    assert!(!order_page(app, &s.advisor, order).await.contains("data-line=\"2\""));
    // By hand: the line waits for the customer like any added line.
    let good = [("kind", "part"), ("description", "前刹车片"), ("qty", "1"), ("unit_price", "380")];
    let response = post(app, &s.advisor, &recommend, &good).await;
    assert_eq!(location(&response), format!("{page}?notice=recommended"));
    let html = order_page(app, &s.advisor, order).await;
    assert!(html.contains("data-line=\"2\" data-decision=\"pending\""), "the recommended line waits");
    assert_eq!(post(app, &s.advisor, &recommend, &good).await.status(), StatusCode::CONFLICT, "only once");
    let (_, html) = app.get_text(&s.advisor, &page).await;
    assert!(html.contains("data-line=\"2\" data-decision=\"pending\""), "the finding shows its line");

    // The customer approves the labour and declines the pads.
    let seen = attr(&html_of(app, &s.advisor, order).await, "name=\"estimate_version\" value=\"");
    let answer = [("decision_1", "approved"), ("decision_2", "declined")];
    let response = post(
        app,
        &s.advisor,
        &format!("/orders/{order}/approvals"),
        &approval(&seen, "in_person", SIGNATURE, &answer),
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);

    // Deferred work: on the due list, two weeks after the "no" for a red finding.
    let today = chrono::Utc::now().with_timezone(&chrono_tz::Asia::Shanghai).date_naive();
    let entry = format!("data-entry=\"{vehicle}\" data-due=\"{}\"", today + chrono::Duration::days(14));
    let (status, list) = app.get_text(&s.advisor, "/care/deferred").await;
    assert_eq!(status, StatusCode::OK);
    assert!(list.contains(&entry) && list.contains("前刹车片"), "{list}");
    crate::checkout::check_passes(app);
    // Working it logs a call in the customer's history and snoozes it.
    let outcome =
        post(app, &s.advisor, &format!("/care/deferred/{vehicle}/outcome"), &[("outcome", "called")]).await;
    assert_eq!(outcome.status(), StatusCode::SEE_OTHER);
    let (_, list) = app.get_text(&s.advisor, "/care/deferred?snoozed=1").await;
    assert!(list.contains(&entry), "still listed among the snoozed");
    let (_, list) = app.get_text(&s.advisor, "/care/deferred").await;
    assert!(!list.contains(&entry), "snoozed");

    // On the vehicle's page, and at the car's next order, not on this one.
    let (_, html) = app.get_text(&s.advisor, &page).await;
    assert!(!html.contains("data-deferred="), "not deferred on its own order");
    let (_, vehicle_page) = app.get_text(&s.advisor, &format!("/vehicles/{vehicle}")).await;
    let deferred = format!("data-deferred=\"{inspection}-{FRONT_PADS}\"");
    assert!(vehicle_page.contains(&deferred) && vehicle_page.contains("前刹车片"));
    let next = open_order(app, &s.advisor, vehicle).await;
    let (_, html) = app.get_text(&s.advisor, &format!("/orders/{next}/inspection?part=section")).await;
    assert!(html.contains("class=\"notice warn\""), "the order page's section tells of it: {html}");
    let (_, html) = app.get_text(&s.advisor, &format!("/orders/{next}/inspection")).await;
    assert!(html.contains(&deferred));
    // Taken up on the new order: a line waiting there, and no longer deferred.
    let response =
        post(app, &s.advisor, &format!("/orders/{next}/deferred/{inspection}/{FRONT_PADS}"), &[]).await;
    assert_eq!(location(&response), format!("/orders/{next}?notice=lines"));
    let html = order_page(app, &s.advisor, next).await;
    assert!(html.contains("前刹车片") && html.contains("data-line=\"1\" data-decision=\"pending\""));
    let (_, vehicle_page) = app.get_text(&s.advisor, &format!("/vehicles/{vehicle}")).await;
    assert!(!vehicle_page.contains(&deferred));
    let (_, list) = app.get_text(&s.advisor, "/care/deferred?snoozed=1").await;
    assert!(!list.contains(&format!("data-entry=\"{vehicle}\"")), "taken up: off the due list");
    crate::checkout::check_passes(app);
    let again =
        post(app, &s.advisor, &format!("/orders/{next}/deferred/{inspection}/{FRONT_PADS}"), &[]).await;
    assert_eq!(again.status(), StatusCode::NOT_FOUND);

    // The report prints the findings; shared, the customer's page shows it with its photos.
    let (status, report) = app.get_text(&s.advisor, &format!("/inspections/{inspection}/print")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(report.contains("前刹车片") && report.contains("data-group=\"red\""));
    let (_, print) = app.get_text(&s.advisor, &format!("/orders/{order}/print")).await;
    assert!(print.contains("class=\"sheet-inspection\""), "the printed order has its section");
    let share = format!("/orders/{order}/inspections/{inspection}/share");
    assert_eq!(post(app, &s.advisor, &share, &[("shared", "1")]).await.status(), StatusCode::SEE_OTHER);
    let html = order_page(app, &s.advisor, order).await;
    let at = html.find("/c/").expect("the customer's link on the order page");
    let path = html[at..at + html[at..].find('"').unwrap()].to_string();
    let (status, mine) = app.get_text(&client(), &path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(mine.contains("id=\"customer-inspection\"") && mine.contains("1.8 mm"));
}

async fn html_of(app: &TestApp, c: &Client, order: u64) -> String {
    order_page(app, c, order).await
}
