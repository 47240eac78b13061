//! Parts inventory over HTTP: the catalog, receipts with the moving-average cost, stock-outs,
//! stocktakes, the low-stock list, suppliers, and what `check` proves afterwards.

use reqwest::{Client, StatusCode};

use crate::helpers::{TestApp, location, spawn_app};

async fn clerk(app: &TestApp) -> Client {
    let admin = app.admin().await;
    app.user_with_roles(&admin, "clerk", &["parts"]).await
}

/// Creates a part and returns its id.
async fn new_part(app: &TestApp, c: &Client, number: &str, cost: &str, min: &str) -> u64 {
    let response = app
        .post_form(
            c,
            "/parts/new",
            "/parts",
            &[
                ("number", number),
                ("name", "机油滤清器"),
                ("unit", "piece"),
                ("cost", cost),
                ("price", "45"),
                ("min_stock", min),
                ("category", "滤清器"),
                ("location", "A-01"),
            ],
        )
        .await;
    let to = location(&response);
    assert!(to.starts_with("/parts/"), "created: {} {to}", response.status());
    to.trim_start_matches("/parts/").split('?').next().unwrap().parse().unwrap()
}

/// The value of a `data-` attribute on the first element carrying it.
fn data(html: &str, attr: &str) -> String {
    let key = format!("{attr}=\"");
    let at = html.find(&key).unwrap_or_else(|| panic!("no {attr} in page"));
    html[at + key.len()..].split('"').next().unwrap().to_string()
}

async fn page(app: &TestApp, c: &Client, id: u64) -> String {
    let (status, html) = app.get_text(c, &format!("/parts/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    html
}

fn check_passes(app: &TestApp) {
    let mut report = wrenchdesk::store::check::Report::default();
    app.store().read_now(|tx| wrenchdesk::store::check::invariants(tx, &mut report)).unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
}

#[tokio::test]
async fn clerk_receives_stock_and_the_average_cost_follows() {
    let app = spawn_app().await;
    let c = clerk(&app).await;
    let id = new_part(&app, &c, "90915-YZZE1", "20", "5").await;
    let html = page(&app, &c, id).await;
    assert_eq!(data(&html, "data-on-hand"), "0");

    let from = format!("/parts/{id}");
    let receive = format!("/parts/{id}/receive");
    let r = app
        .post_form(&c, &from, &receive, &[("qty", "10"), ("unit_cost", "20"), ("supplier", "广州汽配城")])
        .await;
    assert_eq!(location(&r), format!("/parts/{id}?notice=received"));
    let r = app
        .post_form(&c, &from, &receive, &[("qty", "30"), ("unit_cost", "24"), ("supplier", "广州汽配城")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let html = page(&app, &c, id).await;
    assert_eq!(data(&html, "data-on-hand"), "40");
    assert_eq!(data(&html, "data-avg-cost"), "23");
    assert_eq!(data(&html, "data-value"), "920");

    // The supplier typed twice is one supplier, with both receipts.
    let (_, list) = app.get_text(&c, "/suppliers").await;
    assert_eq!(list.matches("data-supplier=").count(), 1, "one supplier");
    check_passes(&app);
}

#[tokio::test]
async fn bad_stock_input_is_refused_beside_the_field_and_stores_nothing() {
    let app = spawn_app().await;
    let c = clerk(&app).await;
    let id = new_part(&app, &c, "OIL-1", "30", "0").await;
    let from = format!("/parts/{id}");
    let before = app.fingerprint().await;
    for (qty, cost) in [("0", "10"), ("-1", "10"), ("1.2345", "10"), ("abc", "10"), ("1", "-3"), ("1", "")] {
        let r = app
            .post_form(&c, &from, &format!("/parts/{id}/receive"), &[("qty", qty), ("unit_cost", cost)])
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{qty} at {cost}");
        let html = r.text().await.unwrap();
        assert!(html.contains(&format!("value=\"{qty}\"")), "typed quantity kept");
        assert!(html.contains("field-msg"), "a message beside the field");
    }
    // Taking more than is on hand says how many there are.
    let r = app
        .post_form(
            &c,
            &from,
            &format!("/parts/{id}/out"),
            &[("kind", "scrap"), ("qty", "2"), ("reason", "broken")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("field-msg"));
    // A stock-out needs a reason.
    let r = app
        .post_form(&c, &from, &format!("/parts/{id}/out"), &[("kind", "scrap"), ("qty", "1"), ("reason", "")])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.fingerprint().await, before, "nothing stored");
}

#[tokio::test]
async fn part_numbers_are_unique_ignoring_case_and_separators() {
    let app = spawn_app().await;
    let c = clerk(&app).await;
    let id = new_part(&app, &c, "ABC-123", "1", "0").await;
    let r = app
        .post_form(
            &c,
            "/parts/new",
            "/parts",
            &[("number", "abc 123"), ("name", "x"), ("unit", "piece"), ("price", "1")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains(&format!("/parts/{id}")), "links the part that has the number");
}

#[tokio::test]
async fn an_edit_against_an_old_version_is_stale() {
    let app = spawn_app().await;
    let c = clerk(&app).await;
    let id = new_part(&app, &c, "FLT-9", "5", "0").await;
    let edit = format!("/parts/{id}/edit");
    let fields = |name: &'static str, version: &'static str| {
        vec![
            ("number", "FLT-9"),
            ("name", name),
            ("unit", "piece"),
            ("price", "9"),
            ("min_stock", "1"),
            ("active", "1"),
            ("version", version),
        ]
    };
    let r = app.post_form(&c, &edit, &format!("/parts/{id}"), &fields("空气滤芯", "1")).await;
    assert_eq!(location(&r), format!("/parts/{id}?notice=saved"));
    let r = app.post_form(&c, &edit, &format!("/parts/{id}"), &fields("旧的改动", "1")).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "stale edit refused");
    assert!(page(&app, &c, id).await.contains("空气滤芯"));
}

#[tokio::test]
async fn low_stock_list_and_purchase_csv_follow_the_stock() {
    let app = spawn_app().await;
    let c = clerk(&app).await;
    let id = new_part(&app, &c, "PAD-F", "80", "4").await;
    let (_, html) = app.get_text(&c, "/parts/low").await;
    assert!(html.contains(&format!("data-part=\"{id}\"")), "0 on hand with a minimum of 4 is low");
    assert_eq!(data(&html, "data-to-order"), "8");
    let (status, csv) = app.get_text(&c, "/parts/purchase-list.csv").await;
    assert_eq!(status, StatusCode::OK);
    assert!(csv.starts_with('\u{feff}') && csv.contains("PAD-F"), "{csv}");

    app.post_form(
        &c,
        &format!("/parts/{id}"),
        &format!("/parts/{id}/receive"),
        &[("qty", "5"), ("unit_cost", "80")],
    )
    .await;
    let (_, html) = app.get_text(&c, "/parts/low").await;
    assert!(!html.contains(&format!("data-part=\"{id}\"")), "5 on hand is above the minimum");
    check_passes(&app);
}

#[tokio::test]
async fn a_stocktake_posts_variances_and_keeps_movements_made_during_the_count() {
    let app = spawn_app().await;
    let c = clerk(&app).await;
    let id = new_part(&app, &c, "PLUG-4", "25", "0").await;
    let from = format!("/parts/{id}");
    app.post_form(&c, &from, &format!("/parts/{id}/receive"), &[("qty", "10"), ("unit_cost", "25")]).await;

    let r = app
        .post_form(&c, "/parts/stocktakes", "/parts/stocktakes", &[("category", ""), ("location", "")])
        .await;
    let take = location(&r);
    assert!(take.starts_with("/parts/stocktakes/"), "{take}");
    // Counted 8 of the 10 on the books: 2 missing.
    let part = id.to_string();
    let r = app.post_form(&c, &take, &format!("{take}/count"), &[("part_id", &part), ("counted", "8")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = app.post_form(&c, &take, &format!("{take}/count"), &[("part_id", &part), ("counted", "x")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "a bad count is refused");
    // After counting, 3 are scrapped before posting: the scrap stays booked.
    app.post_form(
        &c,
        &from,
        &format!("/parts/{id}/out"),
        &[("kind", "scrap"), ("qty", "3"), ("reason", "cracked")],
    )
    .await;
    let r = app.post_form(&c, &take, &format!("{take}/post"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let html = page(&app, &c, id).await;
    assert_eq!(data(&html, "data-on-hand"), "5", "10 − 3 scrapped − 2 missing");
    // A posted stocktake takes no more counts.
    let r = app.post_form(&c, &take, &format!("{take}/count"), &[("part_id", &part), ("counted", "9")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "said beside the count");
    check_passes(&app);
}

#[tokio::test]
async fn a_multi_line_receipt_is_posted_whole_or_not_at_all() {
    let app = spawn_app().await;
    let c = clerk(&app).await;
    let a = new_part(&app, &c, "A-1", "10", "0").await;
    let b = new_part(&app, &c, "B-2", "10", "0").await;
    let before = app.fingerprint().await;
    let bad = [
        ("supplier", "新供应商"),
        ("invoice_no", "INV-7"),
        ("date", "2026-11-29"),
        ("number_0", "A-1"),
        ("qty_0", "2"),
        ("unit_cost_0", "11"),
        ("number_1", "NOPE"),
        ("qty_1", "1"),
        ("unit_cost_1", "5"),
    ];
    let r = app.post_form(&c, "/parts/receipts/new", "/parts/receipts", &bad).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        app.fingerprint().await,
        before,
        "an unknown part on one line stores nothing, not even the supplier"
    );
    let mut good = bad.to_vec();
    good[6] = ("number_1", "b 2");
    let r = app.post_form(&c, "/parts/receipts/new", "/parts/receipts", &good).await;
    let to = location(&r);
    assert!(to.starts_with("/parts/receipts/"), "{} {to}", r.status());
    let (_, html) = app.get_text(&c, &to).await;
    assert_eq!(data(&html, "data-total"), "27");
    assert_eq!(data(&page(&app, &c, a).await, "data-on-hand"), "2");
    assert_eq!(data(&page(&app, &c, b).await, "data-on-hand"), "1");
    check_passes(&app);
}

#[tokio::test]
async fn search_finds_parts_by_number_name_and_brand() {
    let app = spawn_app().await;
    let c = clerk(&app).await;
    let id = new_part(&app, &c, "04465-33450", "200", "0").await;
    for q in ["0446533450", "04465", "滤清", "机油 滤"] {
        let (_, html) = app.get_text(&c, &format!("/parts?q={}", urlencode(q))).await;
        assert!(html.contains(&format!("data-part=\"{id}\"")), "{q} finds the part");
    }
    let (_, html) = app.get_text(&c, "/parts?q=nothing-like-it").await;
    assert_eq!(data(&html, "data-total"), "0");
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'-' { (b as char).to_string() } else { format!("%{b:02X}") }
        })
        .collect()
}

#[tokio::test]
async fn only_the_stockroom_edits_parts_and_the_desk_may_look_them_up() {
    let app = spawn_app().await;
    let c = clerk(&app).await;
    let admin = app.admin_again().await;
    let advisor = app.user_with_roles(&admin, "desk", &["advisor"]).await;
    let cashier = app.user_with_roles(&admin, "till", &["cashier"]).await;
    let id = new_part(&app, &c, "X-1", "1", "0").await;
    assert_eq!(app.get(&advisor, "/parts").await.status(), StatusCode::OK);
    assert_eq!(app.get(&advisor, &format!("/parts/{id}")).await.status(), StatusCode::OK);
    assert_eq!(app.get(&cashier, "/parts").await.status(), StatusCode::FORBIDDEN);
    let before = app.fingerprint().await;
    let r = app
        .post_form(&advisor, "/", &format!("/parts/{id}/receive"), &[("qty", "1"), ("unit_cost", "1")])
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.fingerprint().await, before);
}
