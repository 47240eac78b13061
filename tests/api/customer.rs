//! The customer's own phone page (`/c/{token}`): what it shows and what it hides, approving and
//! declining pending lines from the phone, and every rule that keeps the link to one order:
//! unknown and malformed tokens, another order's token, a replaced link, an expired one, a
//! technician's token on `/c/`, a customer's token on `/t/`, CSRF, the throttle, and the waiting
//! room's TV.

use reqwest::{Client, StatusCode};

use crate::checkout::{completed_order, pay};
use crate::fixtures::*;
use crate::helpers::*;

/// The customer's link of an order, as the order page shows it to the desk (`/c/…`).
pub(crate) async fn customer_path(app: &TestApp, desk: &Client, order: u64) -> String {
    let html = order_page(app, desk, order).await;
    let url = text_after(&html, "data-customer-url>");
    let path = url.strip_prefix(&app.base).unwrap_or(&url).to_string();
    assert!(path.starts_with("/c/") && path.len() == 3 + 32, "{path}");
    path
}

/// An order for a new car with one approved labour line (the technician's) and two parts the
/// customer has not answered yet: lines 1 (approved), 2 and 3 (pending).
async fn order_with_additions(s: &Shop, plate: &str) -> u64 {
    let (app, c) = (&s.app, &s.advisor);
    let vehicle = car(app, c, "王伟", "13912345678", plate).await;
    let order = open_order(app, c, vehicle).await;
    labour(app, c, order, "更换刹车片", "1", s.tech_id).await;
    let html = order_page(app, c, order).await;
    let seen = attr(&html, "name=\"estimate_version\" value=\"");
    let answer = [("decision_1", "approved")];
    let approved = post(
        app,
        c,
        &format!("/orders/{order}/approvals"),
        &approval(&seen, "in_person", SIGNATURE, &answer),
    )
    .await;
    assert_eq!(approved.status(), StatusCode::SEE_OTHER);
    part(app, c, order, "刹车盘", "2", "280").await;
    part(app, c, order, "刹车油", "1", "60").await;
    order
}

/// The customer's page as their phone (no session) gets it.
async fn page(app: &TestApp, phone: &Client, path: &str) -> (StatusCode, String) {
    app.get_text(phone, path).await
}

/// Posts the phone's approval form with the CSRF token its page carries.
async fn answer(
    app: &TestApp,
    phone: &Client,
    path: &str,
    lines: &[&str],
    decision: &str,
    signature: &str,
) -> reqwest::Response {
    let (_, html) = page(app, phone, path).await;
    let csrf = csrf_in(&html).expect("the customer's page carries its CSRF token");
    let version = attr(&html, "name=\"estimate_version\" value=\"");
    answer_with(app, phone, path, lines, decision, signature, &version, &csrf).await
}

#[allow(clippy::too_many_arguments)]
async fn answer_with(
    app: &TestApp,
    phone: &Client,
    path: &str,
    lines: &[&str],
    decision: &str,
    signature: &str,
    version: &str,
    csrf: &str,
) -> reqwest::Response {
    let mut fields = vec![("estimate_version", version), ("decision", decision), ("signature", signature)];
    fields.extend(lines.iter().map(|l| ("line", *l)));
    if !csrf.is_empty() {
        fields.push(("csrf", csrf));
    }
    phone.post(app.url(&format!("{path}/approvals"))).form(&fields).send().await.expect("POST")
}

/// The decision code of line `no` on a page that marks its lines with `data-line`.
fn decision_of(html: &str, no: u32) -> String {
    let at = html.find(&format!("data-line=\"{no}\"")).unwrap_or_else(|| panic!("line {no} shown"));
    attr(&html[at..], "data-decision=\"")
}

#[tokio::test]
async fn the_customer_follows_one_order_and_sees_nothing_else() {
    let s = shop().await;
    let (app, desk) = (&s.app, &s.advisor);
    let order = order_with_additions(&s, "粤B12345").await;
    // Another customer's car in the shop at the same time.
    let other_car = car(app, desk, "李娜", "13700001111", "粤B99999").await;
    let other = open_order(app, desk, other_car).await;
    part(app, desk, other, "轮胎", "4", "650").await;
    let path = customer_path(app, desk, order).await;

    let phone = client();
    let (status, html) = page(app, &phone, &path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("粤B·12345"), "the car");
    assert!(html.contains("更换刹车片") && html.contains("刹车盘"), "the lines");
    assert_eq!(
        attr(&html, "id=\"customer-live\" hx-get=\"").split('?').next(),
        Some(format!("{path}/live").as_str())
    );
    assert_eq!(attr(&html, "data-state=\""), "open");
    assert_eq!(decision_of(&html, 1), "approved");
    assert_eq!(decision_of(&html, 2), "pending");
    assert_eq!(attr(&html, "data-pending=\""), "2", "the head points to the two lines waiting");
    // Nothing of the owner, the other order or the staff's pages.
    for hidden in ["13912345678", "王伟", "粤B·99999", "轮胎", "mainnav", "/orders/", "/customers/", "/t/"]
    {
        assert!(!html.contains(hidden), "{hidden} is not on the customer's page");
    }
    // The page's CSRF token is the link's own, not a session's.
    let session_csrf = app.csrf(desk, "/").await;
    assert_ne!(csrf_in(&html).unwrap(), session_csrf);

    // A signed-in advisor opening the link sees the customer's page, not the staff's shell.
    let (status, seen_by_staff) = page(app, desk, &path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!seen_by_staff.contains("mainnav") && !seen_by_staff.contains(&session_csrf));

    // The live part answers 204 until the order changes, then shows the change.
    let live =
        format!("{path}/live?v={}&e={}", attr(&html, "data-version=\""), attr(&html, "data-estimate=\""));
    assert_eq!(app.get(&phone, &live).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(set_state(app, desk, order, "in_progress", "").await.status(), StatusCode::SEE_OTHER);
    let (status, fresh) = app.get_text(&phone, &live).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(attr(&fresh, "data-state=\""), "in_progress");
    assert!(!fresh.contains("id=\"approve\""), "the form is left alone while the estimate stays");
}

#[tokio::test]
async fn the_customer_approves_one_line_and_declines_another_from_the_phone() {
    let s = shop().await;
    let (app, desk) = (&s.app, &s.advisor);
    let order = order_with_additions(&s, "粤B12346").await;
    let path = customer_path(app, desk, order).await;
    let phone = client();

    let approved = answer(app, &phone, &path, &["2"], "approve", SIGNATURE).await;
    assert_eq!(location(&approved), format!("{path}?notice=approved"));
    let declined = answer(app, &phone, &path, &["3"], "decline", SIGNATURE).await;
    assert_eq!(location(&declined), format!("{path}?notice=declined"));

    let (_, html) = page(app, &phone, &path).await;
    assert_eq!((decision_of(&html, 2), decision_of(&html, 3)), ("approved".into(), "declined".into()));
    assert!(!html.contains("name=\"line\""), "nothing is left to answer");
    // The desk sees both answers, recorded as given by the customer on their phone, signed.
    let staff = order_page(app, desk, order).await;
    assert_eq!((decision_of(&staff, 2), decision_of(&staff, 3)), ("approved".into(), "declined".into()));
    assert_eq!(staff.matches("data-method=\"customer_phone\"").count(), 2);
    assert!(staff.contains("<svg class=\"signature\""));
    let (_, audit) = app.get_text(&s.admin, "/admin/audit").await;
    assert_eq!(audit.matches("data-actor=\"customer\"").count(), 2, "the audit log names the customer");
    // An answer for a line already answered is refused, and changes nothing.
    let before = app.fingerprint().await;
    let (csrf, version) = (csrf_in(&html).unwrap(), attr(&html, "data-estimate=\""));
    let again = answer_with(app, &phone, &path, &["2"], "decline", SIGNATURE, &version, &csrf).await;
    assert_eq!(again.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(decision_of(&order_page(app, desk, order).await, 2), "approved");
    assert_eq!(app.fingerprint().await, before);
}

#[tokio::test]
async fn a_stale_estimate_and_a_bad_answer_are_refused_with_the_page_as_it_is_now() {
    let s = shop().await;
    let (app, desk) = (&s.app, &s.advisor);
    let order = order_with_additions(&s, "粤B12347").await;
    let path = customer_path(app, desk, order).await;
    let phone = client();
    let (_, seen) = page(app, &phone, &path).await;
    let csrf = csrf_in(&seen).unwrap();
    let old = attr(&seen, "name=\"estimate_version\" value=\"");
    // The advisor adds a line while the customer is looking.
    part(app, desk, order, "刹车片传感器", "1", "45").await;
    let before = app.fingerprint().await;
    let stale = answer_with(app, &phone, &path, &["2", "3"], "approve", SIGNATURE, &old, &csrf).await;
    assert_eq!(stale.status(), StatusCode::CONFLICT);
    let html = stale.text().await.unwrap();
    let now = attr(&html, "name=\"estimate_version\" value=\"");
    assert_ne!(now, old, "the page shows the new estimate");
    assert!(html.contains("刹车片传感器"), "with the new line");
    assert_eq!(app.fingerprint().await, before, "nothing stored");

    // No signature, no line, another order's line: refused, with the field named.
    let unsigned = answer_with(app, &phone, &path, &["2"], "approve", "", &now, &csrf).await;
    assert_eq!(unsigned.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unsigned.text().await.unwrap().contains("id=\"f-signature-msg\""));
    let none = answer_with(app, &phone, &path, &[], "approve", SIGNATURE, &now, &csrf).await;
    assert_eq!(none.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let approved_line = answer_with(app, &phone, &path, &["1"], "decline", SIGNATURE, &now, &csrf).await;
    assert_eq!(approved_line.status(), StatusCode::UNPROCESSABLE_ENTITY, "line 1 is not pending");
    let forged =
        answer_with(app, &phone, &path, &["2"], "approve", "1,1 2,2 3,3 4,4 5,\"><b>", &now, &csrf).await;
    assert_eq!(forged.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let odd = answer_with(app, &phone, &path, &["2"], "maybe", SIGNATURE, &now, &csrf).await;
    assert_eq!(odd.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.fingerprint().await, before, "still nothing stored");
}

#[tokio::test]
async fn unknown_malformed_and_technician_tokens_get_the_same_404_and_customer_tokens_open_no_staff_page() {
    let s = shop().await;
    let (app, desk) = (&s.app, &s.advisor);
    let order = order_with_additions(&s, "粤B12348").await;
    let path = customer_path(app, desk, order).await;
    let customer_token = path.trim_start_matches("/c/").to_string();
    let tech_token = crate::floor::token(app, desk, order).await;
    let phone = client();

    let (status, unknown) = page(app, &phone, &format!("/c/{}", "0123456789abcdef".repeat(2))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(attr(&unknown, "data-link=\""), "unknown");
    for bad in
        ["xyz", "0", &"g".repeat(32), &format!("{customer_token}0"), &format!("+{}", &customer_token[1..])]
    {
        let (status, html) = page(app, &phone, &format!("/c/{bad}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{bad}");
        assert_eq!(html, unknown, "a malformed token ({bad}) reads like an unknown one");
    }
    // The technicians' token is not a customer's.
    let (status, html) = page(app, &phone, &format!("/c/{tech_token}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(html, unknown);
    let posted =
        answer_with(app, &phone, &format!("/c/{tech_token}"), &["2"], "approve", SIGNATURE, "1", "x").await;
    assert_eq!(posted.status(), StatusCode::NOT_FOUND);
    // Upper-case hex is the same token (URLs are typed by hand sometimes).
    let (status, _) = page(app, &phone, &format!("/c/{}", customer_token.to_uppercase())).await;
    assert_eq!(status, StatusCode::OK);

    // The customer's token on the technicians' pages: unknown there, even to a technician.
    let (status, _) = app.get_text(&s.tech, &format!("/t/{customer_token}?floor=1")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let clocked = post(app, &s.tech, &format!("/t/{customer_token}/lines/1"), &[("action", "start")]).await;
    assert_eq!(clocked.status(), StatusCode::NOT_FOUND);
    // And the phone, with its customer link, is no one on the staff's pages.
    for staff in
        [format!("/orders/{order}"), "/board".to_string(), format!("/t/{tech_token}"), "/t".to_string()]
    {
        let response = app.get(&phone, &staff).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{staff}");
        assert!(location(&response).starts_with("/login"), "{staff} asks for a sign-in");
    }
    // Only answering is an action of the link: no other route under it.
    for other in ["lines/1", "status", "notes", "payments"] {
        let response =
            phone.post(app.url(&format!("{path}/{other}"))).form(&[("x", "1")]).send().await.unwrap();
        assert!(
            matches!(response.status(), StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED),
            "{other}"
        );
    }
}

#[tokio::test]
async fn another_orders_token_reaches_only_that_order() {
    let s = shop().await;
    let (app, desk) = (&s.app, &s.advisor);
    let mine = order_with_additions(&s, "粤B12349").await;
    let theirs = order_with_additions(&s, "粤B12350").await;
    let my_path = customer_path(app, desk, mine).await;
    let their_path = customer_path(app, desk, theirs).await;
    let phone = client();
    let (_, their_page) = page(app, &phone, &their_path).await;
    let (_, my_page) = page(app, &phone, &my_path).await;
    assert!(their_page.contains("粤B·12350") && !their_page.contains("粤B·12349"));
    let version = attr(&my_page, "name=\"estimate_version\" value=\"");
    // Their page's CSRF token does not work on my link.
    let their_csrf = csrf_in(&their_page).unwrap();
    let crossed =
        answer_with(app, &phone, &my_path, &["2"], "approve", SIGNATURE, &version, &their_csrf).await;
    assert_eq!(crossed.status(), StatusCode::FORBIDDEN);
    // An answer on their link changes their order, never mine.
    let theirs_answered = answer(app, &phone, &their_path, &["2"], "decline", SIGNATURE).await;
    assert_eq!(theirs_answered.status(), StatusCode::SEE_OTHER);
    assert_eq!(decision_of(&order_page(app, desk, mine).await, 2), "pending");
    assert_eq!(decision_of(&order_page(app, desk, theirs).await, 2), "declined");
}

#[tokio::test]
async fn answers_need_the_links_csrf_token_from_this_site() {
    let s = shop().await;
    let (app, desk) = (&s.app, &s.advisor);
    let order = order_with_additions(&s, "粤B12351").await;
    let path = customer_path(app, desk, order).await;
    let phone = client();
    let (_, html) = page(app, &phone, &path).await;
    let csrf = csrf_in(&html).unwrap();
    let version = attr(&html, "name=\"estimate_version\" value=\"");
    let before = app.fingerprint().await;
    for token in ["", "0123456789abcdef0123456789abcdef"] {
        let response = answer_with(app, &phone, &path, &["2"], "approve", SIGNATURE, &version, token).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "token {token:?}");
    }
    let fields = [
        ("estimate_version", version.as_str()),
        ("line", "2"),
        ("decision", "approve"),
        ("signature", SIGNATURE),
        ("csrf", csrf.as_str()),
    ];
    let from_elsewhere = phone
        .post(app.url(&format!("{path}/approvals")))
        .header("origin", "http://evil.example")
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(from_elsewhere.status(), StatusCode::FORBIDDEN, "another site's page");
    assert_eq!(app.fingerprint().await, before, "nothing stored");
    // The header htmx sends works like the field.
    let by_header = phone
        .post(app.url(&format!("{path}/approvals")))
        .header("x-csrf-token", &csrf)
        .form(&fields[..4])
        .send()
        .await
        .unwrap();
    assert_eq!(by_header.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn answers_are_throttled_per_link() {
    let s = shop().await;
    let (app, desk) = (&s.app, &s.advisor);
    let order = order_with_additions(&s, "粤B12352").await;
    let other = order_with_additions(&s, "粤B12353").await;
    let path = customer_path(app, desk, order).await;
    let other_path = customer_path(app, desk, other).await;
    let phone = client();
    let (_, html) = page(app, &phone, &path).await;
    let (csrf, version) = (csrf_in(&html).unwrap(), attr(&html, "name=\"estimate_version\" value=\""));
    let mut statuses = Vec::new();
    for _ in 0..11 {
        let unsigned = answer_with(app, &phone, &path, &["2"], "approve", "", &version, &csrf).await;
        statuses.push(unsigned.status());
    }
    assert!(statuses[..10].iter().all(|s| *s == StatusCode::UNPROCESSABLE_ENTITY), "{statuses:?}");
    assert_eq!(statuses[10], StatusCode::TOO_MANY_REQUESTS, "the eleventh try on the link waits");
    // Even a good answer waits now, from any phone.
    let good =
        answer_with(app, &client_from("127.0.0.2"), &path, &["2"], "approve", SIGNATURE, &version, &csrf)
            .await;
    assert_eq!(good.status(), StatusCode::TOO_MANY_REQUESTS);
    // Another order's link is not slowed by it.
    let elsewhere = answer(app, &phone, &other_path, &["2"], "approve", SIGNATURE).await;
    assert_eq!(elsewhere.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_replaced_link_and_an_expired_one_say_to_ask_the_shop() {
    let s = shop().await;
    let (app, desk) = (&s.app, &s.advisor);
    let order = order_with_additions(&s, "粤B12354").await;
    let old = customer_path(app, desk, order).await;
    let phone = client();
    let (_, old_page) = page(app, &phone, &old).await;
    // The technicians cannot replace it; the desk can.
    let refused = post(app, &s.tech, &format!("/orders/{order}/customer-link"), &[]).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let replaced = post(app, desk, &format!("/orders/{order}/customer-link"), &[]).await;
    assert_eq!(location(&replaced), format!("/orders/{order}?notice=customer_link#customer-link"));
    let new = customer_path(app, desk, order).await;
    assert_ne!(new, old);
    let (status, html) = page(app, &phone, &old).await;
    assert_eq!(status, StatusCode::GONE);
    assert_eq!(attr(&html, "data-link=\""), "gone");
    // An answer from the old page is refused too, and the new link works.
    let version = attr(&old_page, "name=\"estimate_version\" value=\"");
    let csrf = csrf_in(&old_page).unwrap();
    let late = answer_with(app, &phone, &old, &["2"], "approve", SIGNATURE, &version, &csrf).await;
    assert_eq!(late.status(), StatusCode::GONE);
    assert_eq!(page(app, &phone, &new).await.0, StatusCode::OK);

    // With links that stop at delivery, a cancelled (closed) order's link has expired.
    assert_eq!(
        set_state(app, desk, order, "cancelled", "客户改天再来").await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(page(app, &phone, &new).await.0, StatusCode::OK, "30 days by default");
    app.save_settings(&s.admin, &[("customer_link_days", "0")]).await;
    let (status, html) = page(app, &phone, &new).await;
    assert_eq!(status, StatusCode::GONE);
    assert_eq!(attr(&html, "data-link=\""), "gone");
    // A new link issued after closing counts its days from then.
    app.save_settings(&s.admin, &[("customer_link_days", "1")]).await;
    post(app, desk, &format!("/orders/{order}/customer-link"), &[]).await;
    let reissued = customer_path(app, desk, order).await;
    assert_eq!(page(app, &phone, &reissued).await.0, StatusCode::OK);
    // A days value out of range is refused beside its field.
    let bad = app
        .post_form(
            &s.admin,
            "/admin/settings",
            "/admin/settings",
            &[("shop_name", "x"), ("customer_link_days", "-1")],
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text().await.unwrap().contains("id=\"f-customer_link_days-msg\""));
}

#[tokio::test]
async fn the_customer_sees_the_photos_the_floor_shares_and_the_receipt_once_paid() {
    let _heavy = MEMORY_HEAVY.lock().await;
    let s = shop().await;
    let (app, desk) = (&s.app, &s.admin);
    let order = completed_order(&s, "粤B12355").await;
    let token = crate::floor::token(app, desk, order).await;
    let photo = crate::floor::jpeg_part(crate::floor::gradient_jpeg(640, 480), "brake.jpg");
    let noted = crate::floor::note(app, &s.tech, &token, "刹车片磨损严重", vec![photo]).await;
    assert_eq!(noted.status(), StatusCode::SEE_OTHER);
    let path = customer_path(app, desk, order).await;
    let phone = client();
    let (_, html) = page(app, &phone, &path).await;
    assert!(!html.contains("刹车片磨损严重") && !html.contains("/photos/"), "not shared by default");
    let staff = order_page(app, desk, order).await;
    let photo_id = attr(&staff, &format!("src=\"/photos/{order}/")).split('?').next().unwrap().to_string();
    assert_eq!(app.get(&phone, &format!("{path}/photos/{photo_id}")).await.status(), StatusCode::NOT_FOUND);

    // The technician shares the note from the phone.
    let shared = post(app, &s.tech, &format!("/t/{token}/notes/1/share"), &[("shared", "1")]).await;
    assert_eq!(shared.status(), StatusCode::SEE_OTHER);
    let (_, html) = page(app, &phone, &path).await;
    assert!(html.contains("刹车片磨损严重"));
    let response = app.get(&phone, &format!("{path}/photos/{photo_id}?thumb=1")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "image/jpeg");
    // Another order's link does not reach the photo.
    let other = order_with_additions(&s, "粤B12356").await;
    let other_path = customer_path(app, &s.advisor, other).await;
    assert_eq!(
        app.get(&phone, &format!("{other_path}/photos/{photo_id}")).await.status(),
        StatusCode::NOT_FOUND
    );
    let bad = post(app, &s.tech, &format!("/t/{token}/notes/9/share"), &[("shared", "1")]).await;
    assert_eq!(bad.status(), StatusCode::NOT_FOUND);

    // Paid: the receipt is on the phone, and the printed receipt carries the link's QR.
    assert!(!html.contains("id=\"receipt\""));
    assert_eq!(pay(app, &s.cashier, order, "cash", "420").await.status(), StatusCode::SEE_OTHER);
    let (_, html) = page(app, &phone, &path).await;
    assert_eq!(attr(&html, "data-state=\""), "settled");
    assert!(html.contains("id=\"receipt\"") && html.contains("data-receipt-payment=\"cash\""));
    let (_, receipt) = app.get_text(&s.cashier, &format!("/orders/{order}/receipt")).await;
    assert!(receipt.contains("data-qr=\"customer\"") && receipt.contains(&path));
    let (_, copy) = app.get_text(&s.advisor, &format!("/orders/{order}/print?copy=customer")).await;
    assert!(copy.contains("data-qr=\"customer\"") && copy.contains(&path));
    let (_, floor_copy) = app.get_text(&s.advisor, &format!("/orders/{order}/print")).await;
    assert!(floor_copy.contains("data-qr=\"floor\"") && !floor_copy.contains(&path));
}

#[tokio::test]
async fn the_waiting_room_tv_shows_masked_plates_and_states_only() {
    let s = shop().await;
    let (app, desk) = (&s.app, &s.advisor);
    let order = order_with_additions(&s, "粤B12345").await;
    set_state(app, desk, order, "in_progress", "").await;
    let tv = client();
    // The TV opens it with the shop's display key, not a sign-in; without the key it is the
    // staff's page.
    assert_eq!(app.get(&tv, "/board?view=waiting").await.status(), StatusCode::SEE_OTHER);
    let wall = crate::browser_staff::display_address(app, &s.admin).await;
    let (status, html) = app.get_text(&tv, &format!("{wall}?view=waiting")).await;
    assert_eq!(status, StatusCode::OK, "no sign-in for the waiting room's screen");
    assert!(html.contains("粤B·•••45"), "the plate, masked");
    assert!(html.contains("data-state=\"in_progress\""));
    let number = number_in(&order_page(app, desk, order).await);
    for hidden in ["12345", "王伟", "13912345678", number.as_str(), "href=\"/orders", "更换刹车片", "tech1"]
    {
        assert!(!html.contains(hidden), "{hidden} is not on the TV");
    }
    // It follows changes by polling, like the board.
    let version = attr(&html, "data-version=\"");
    let unchanged = app.get(&tv, &format!("{wall}?view=waiting&v={version}")).await;
    assert_eq!(unchanged.status(), StatusCode::NO_CONTENT);
    // The staff's board still needs a sign-in.
    assert_eq!(app.get(&tv, "/board").await.status(), StatusCode::SEE_OTHER);
}
