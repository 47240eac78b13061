//! The lists people act from: the vehicle list (searched by plate, VIN or make, paged by key),
//! the cashier's and the parts clerk's home numbers against the lists they link to, and the
//! wall display's key (made, opened without a session, refused once revoked, opening nothing
//! else).

use reqwest::StatusCode;

use crate::customers::create_customer;
use crate::fixtures::*;
use crate::helpers::*;

/// A vehicle with the given make and model for a new customer; returns its id.
async fn car_of(app: &TestApp, c: &reqwest::Client, plate: &str, vin: &str, make: &str, model: &str) -> u64 {
    let phone = format!(
        "1390000{:04}",
        plate.chars().filter(char::is_ascii_digit).collect::<String>().parse::<u32>().unwrap_or(0) % 10000
    );
    let customer = create_customer(app, c, "车主", &phone).await.to_string();
    let response = app
        .post_form(
            c,
            &format!("/vehicles/new?customer_id={customer}"),
            "/vehicles",
            &[("customer_id", &customer), ("plate", plate), ("vin", vin), ("make", make), ("model", model)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "{plate}");
    crate::customers::id_in(&location(&response), "/vehicles/")
}

/// The vehicles a list page shows, in order, and its link to the next page.
fn listed(html: &str) -> (Vec<u64>, Option<String>) {
    let ids = html
        .split("<tr data-vehicle=\"")
        .skip(1)
        .map(|s| s.split('"').next().unwrap().parse().unwrap())
        .collect();
    let next = html.find("data-next").map(|at| {
        let before = &html[..at];
        before[before.rfind("href=\"").unwrap() + 6..].split('"').next().unwrap().replace("&amp;", "&")
    });
    (ids, next)
}

/// Every vehicle a search finds, page after page; also how many pages it took.
async fn all_pages(app: &TestApp, c: &reqwest::Client, first: &str) -> (Vec<u64>, usize) {
    let (mut ids, mut pages, mut at) = (Vec::new(), 0, Some(first.to_string()));
    while let Some(path) = at {
        let (status, html) = app.get_text(c, &path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        let (page, next) = listed(&html);
        ids.extend(page);
        pages += 1;
        at = next;
        assert!(pages < 20, "the pages end");
    }
    (ids, pages)
}

#[tokio::test]
async fn the_vehicle_list_finds_cars_by_plate_vin_or_make_and_pages_through_them() {
    let s = shop().await;
    let (app, c) = (&s.app, &s.advisor);
    let mut made = Vec::new();
    // 56 cars: more than one page (50), two makes, two provinces, VINs with a shared start.
    for i in 0..56u32 {
        let province = if i % 2 == 0 { "粤" } else { "湘" };
        let plate = format!("{province}B{:05}", 20000 + i);
        let vin = format!("LSVAB2BM{:09}", 100 + i);
        let (make, model) = if i % 4 == 0 { ("一汽大众", "速腾") } else { ("比亚迪", "汉") };
        made.push((car_of(app, c, &plate, &vin, make, model).await, plate, make));
    }

    // All cars, newest first, in two pages that neither repeat nor miss one.
    let (ids, pages) = all_pages(app, c, "/vehicles").await;
    assert_eq!(pages, 2);
    let mut newest_first: Vec<u64> = made.iter().map(|m| m.0).collect();
    newest_first.reverse();
    assert_eq!(ids, newest_first);

    // A plate's start without its province finds it in every province, in plate order.
    let (ids, _) = all_pages(app, c, "/vehicles?q=B2000").await;
    let mut expected: Vec<(String, u64)> =
        made.iter().filter(|m| m.1[3..].starts_with("B2000")).map(|m| (m.1.clone(), m.0)).collect();
    expected.sort();
    assert_eq!(ids, expected.iter().map(|e| e.1).collect::<Vec<_>>());
    assert_eq!(ids.len(), 10);
    // With its province, only that province's; typed loosely (lower case, a middle dot).
    let (ids, _) = all_pages(app, c, "/vehicles?q=%E6%B9%98b%C2%B720").await;
    assert_eq!(ids.len(), 28, "湘B·20…");

    // A VIN's start: all 56 share it, paged by key.
    let (ids, pages) = all_pages(app, c, "/vehicles?q=lsvab2bm000000").await;
    assert_eq!((ids.len(), pages), (56, 2));
    let (ids, _) = all_pages(app, c, "/vehicles?q=LSVAB2BM000000155").await;
    assert_eq!(ids, vec![made[55].0]);

    // A part of a make's name; the search by make pages too.
    let (ids, _) = all_pages(app, c, "/vehicles?q=%E5%A4%A7%E4%BC%97").await;
    assert_eq!(ids.len(), 14, "大众 finds 一汽大众");
    let (ids, pages) = all_pages(app, c, "/vehicles?q=%E6%AF%94%E4%BA%9A%E8%BF%AA&by=make").await;
    assert_eq!((ids.len(), pages), (42, 1));
    let (_, html) = app.get_text(c, "/vehicles?q=%E4%B8%B0%E7%94%B0").await;
    assert_eq!(listed(&html).0.len(), 0, "a make nobody drives finds nothing");
    assert!(html.contains("class=\"empty\""));

    // The kiosk's picker offers the shop's makes, most common first, and their models.
    let (_, form) = app.get_text(c, "/lookup?plate=%E7%B2%A4B99999").await;
    let byd = form.find("<option value=\"比亚迪\">").expect("比亚迪 offered");
    let vw = form.find("<option value=\"一汽大众\">").expect("一汽大众 offered");
    assert!(byd < vw, "the most common make first");
    assert!(form.contains("value=\"速腾\" data-make=\"一汽大众\""));

    // An edit that changes the make moves the car between makes.
    let (id, plate, _) = made[0].clone();
    let (_, edit) = app.get_text(c, &format!("/vehicles/{id}/edit")).await;
    let version = attr(&edit, "name=\"version\" value=\"");
    let owner = attr(&edit, "name=\"customer_id\" value=\"");
    let saved = app
        .post_form(
            c,
            &format!("/vehicles/{id}/edit"),
            &format!("/vehicles/{id}"),
            &[
                ("customer_id", &owner),
                ("version", &version),
                ("plate", &plate),
                ("make", "丰田"),
                ("model", "凯美瑞"),
            ],
        )
        .await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let (ids, _) = all_pages(app, c, "/vehicles?q=%E4%B8%B0%E7%94%B0").await;
    assert_eq!(ids, vec![id]);
    let (ids, _) = all_pages(app, c, "/vehicles?q=%E5%A4%A7%E4%BC%97").await;
    assert_eq!(ids.len(), 13);

    // The technician has no vehicle list.
    assert_eq!(app.get(&s.tech, "/vehicles").await.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_cashiers_and_the_parts_clerks_numbers_match_the_lists_they_link_to() {
    let s = shop().await;
    let app = &s.app;
    let parts = app.user_with_roles(&s.admin, "parts1", &["parts"]).await;
    // Two cars done and waiting for payment; one paid in part today.
    let done = [
        crate::checkout::completed_order(&s, "粤B40001").await,
        crate::checkout::completed_order(&s, "粤B40002").await,
    ];
    let paid = crate::checkout::pay(app, &s.cashier, done[0], "cash", "50").await;
    assert!(paid.status().is_redirection(), "{}", paid.status());

    let (_, home) = app.get_text(&s.cashier, "/").await;
    let (href, value) = count_on_home(&home, "to_settle");
    let (_, list) = app.get_text(&s.cashier, &href).await;
    assert_eq!(value, list.matches("<tr data-order=").count().to_string());
    assert_eq!(value, "2");
    let (href, _) = count_on_home(&home, "takings");
    let amount = attr(&home, "data-amount=\"");
    let (status, day_end) = app.get_text(&s.cashier, &href).await;
    assert_eq!(status, StatusCode::OK, "{href}");
    assert_eq!(attr(&day_end, "data-takings=\""), amount, "today's takings are the day-end's");
    assert_eq!(amount.parse::<f64>().unwrap(), 50.0);
    let (href, _) = count_on_home(&home, "receivables");
    assert_eq!(app.get(&s.cashier, &href).await.status(), StatusCode::OK);

    // The parts clerk: a part low on stock, a receipt posted today.
    let made = post(
        app,
        &parts,
        "/parts",
        &[
            ("number", "OIL-1"),
            ("name", "机油"),
            ("unit", "litre"),
            ("cost", "30"),
            ("price", "50"),
            ("min_stock", "5"),
        ],
    )
    .await;
    assert_eq!(made.status(), StatusCode::SEE_OTHER, "part created");
    let (_, home) = app.get_text(&parts, "/").await;
    let (href, value) = count_on_home(&home, "low_stock");
    let (_, list) = app.get_text(&parts, &href).await;
    assert_eq!(value, list.matches("<tr data-part=").count().to_string());
    assert_eq!(value, "1");
    let (href, value) = count_on_home(&home, "receipts_today");
    let (_, list) = app.get_text(&parts, &href).await;
    assert_eq!(value, list.matches("<tr data-receipt=").count().to_string());
    assert_eq!(value, "0");
    let part_id = crate::customers::id_in(&location(&made), "/parts/");
    let received = post(
        app,
        &parts,
        &format!("/parts/{part_id}/receive"),
        &[("qty", "2"), ("unit_cost", "30"), ("supplier", "")],
    )
    .await;
    assert!(received.status().is_redirection(), "{}", received.status());
    let (_, home) = app.get_text(&parts, "/").await;
    let (href, value) = count_on_home(&home, "receipts_today");
    let (_, list) = app.get_text(&parts, &href).await;
    assert_eq!(value, list.matches("<tr data-receipt=").count().to_string());
    assert_eq!(value, "1");
    let (href, value) = count_on_home(&home, "to_pick");
    let (_, list) = app.get_text(&parts, &href).await;
    assert_eq!(value, list.matches("<tr data-order=").count().to_string());
    // Yesterday's receipts are not today's.
    let yesterday = (chrono::Utc::now().with_timezone(&chrono_tz::Asia::Shanghai).date_naive()
        - chrono::Duration::days(1))
    .to_string();
    let (_, list) = app.get_text(&parts, &format!("/parts/receipts?date={yesterday}")).await;
    assert_eq!(list.matches("<tr data-receipt=").count(), 0);
}

#[tokio::test]
async fn the_display_key_opens_the_wall_without_a_session_and_nothing_else() {
    let s = shop().await;
    let app = &s.app;
    let vehicle = car(app, &s.advisor, "陈先生", "13911112222", "粤B77777").await;
    let order = open_order(app, &s.advisor, vehicle).await;
    labour(app, &s.advisor, order, "保养", "1", s.tech_id).await;

    // Only an administrator makes the key.
    let refused = app.post_form(&s.manager, "/", "/admin/display-key", &[("action", "new")]).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let wall = crate::browser_staff::display_address(app, &s.admin).await;
    let key = wall.trim_start_matches("/wall/").to_string();

    // A TV with no session opens the wall: the car's plate, no owner, no phone.
    let tv = client();
    let (status, html) = app.get_text(&tv, &wall).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("粤B·77777"));
    assert!(!html.contains("陈先生") && !html.contains("13911112222"));
    let (status, _) = app.get_text(&tv, &format!("{wall}?view=waiting")).await;
    assert_eq!(status, StatusCode::OK);

    // The key opens no other page, in whatever place it is put.
    for path in [
        format!("/board?display={key}"),
        format!("/orders?display={key}"),
        format!("/orders/{order}?key={key}"),
        format!("/customers?display={key}"),
        format!("/wall/{key}/orders"),
        format!("/board/{key}"),
    ] {
        let response = app.get(&tv, &path).await;
        let status = response.status();
        assert!(
            status == StatusCode::NOT_FOUND
                || status == StatusCode::FORBIDDEN
                || (status == StatusCode::SEE_OTHER && location(&response).starts_with("/login")),
            "{path}: {status}"
        );
    }
    let (_, page) = app.get_text(&tv, &wall).await;
    assert!(!page.contains("href=\"/orders"), "no links to staff pages");
    // A wrong key of the same length is "not found".
    let mut wrong = key.clone();
    wrong.replace_range(0..1, if key.starts_with('a') { "b" } else { "a" });
    assert_eq!(app.get(&tv, &format!("/wall/{wrong}")).await.status(), StatusCode::NOT_FOUND);

    // Renewed, the old address is dead at once; revoked, the new one too.
    let renewed =
        app.post_form(&s.admin, "/admin/settings", "/admin/display-key", &[("action", "new")]).await;
    assert_eq!(renewed.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.get(&tv, &wall).await.status(), StatusCode::NOT_FOUND);
    let (_, settings) = app.get_text(&s.admin, "/admin/settings").await;
    let at = settings.find("/wall/").unwrap();
    let fresh: String =
        settings[at..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '/').collect();
    assert_ne!(fresh, wall);
    assert_eq!(app.get(&tv, &fresh).await.status(), StatusCode::OK);
    let revoked =
        app.post_form(&s.admin, "/admin/settings", "/admin/display-key", &[("action", "revoke")]).await;
    assert_eq!(revoked.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.get(&tv, &fresh).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.get(&tv, &format!("{fresh}?view=waiting")).await.status(), StatusCode::NOT_FOUND);
}
