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

// ---------------------------------------------------------------------------------------------
// Parts on work orders.

use crate::fixtures::{SIGNATURE, approval, attr, car, labour, open_order, order_page, post, set_state};

/// A shop with a clerk, an advisor and a technician, and one part with `stock` on hand at ¥20.
struct Stockroom {
    app: TestApp,
    clerk: Client,
    advisor: Client,
    tech_id: u64,
    part: u64,
}

async fn stockroom(stock: &str) -> Stockroom {
    let app = spawn_app().await;
    let clerk = clerk(&app).await;
    let admin = app.admin_again().await;
    let advisor = app.user_with_roles(&admin, "desk", &["advisor"]).await;
    app.user_with_roles(&admin, "tech1", &["technician"]).await;
    let tech_id = app.user_id(&admin, "tech1").await;
    let part = new_part(&app, &clerk, "BRK-PAD-1", "20", "2").await;
    let r = app
        .post_form(&clerk, "/", &format!("/parts/{part}/receive"), &[("qty", stock), ("unit_cost", "20")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    Stockroom { app, clerk, advisor, tech_id, part }
}

/// An open order with a labour line and line 2 for `qty` of the catalog part typed by its
/// number (no JavaScript: the server looks the number up), approved by the customer.
async fn order_with_part(s: &Stockroom, plate: &str, qty: &str) -> u64 {
    let (app, c) = (&s.app, &s.advisor);
    let vehicle = car(app, c, "李娜", "13900139000", plate).await;
    let order = open_order(app, c, vehicle).await;
    labour(app, c, order, "更换刹车片", "1", s.tech_id).await;
    let r = post(
        app,
        c,
        &format!("/orders/{order}/lines"),
        &[("kind", "part"), ("part_q", "brk pad 1"), ("qty", qty)],
    )
    .await;
    assert_eq!(
        location(&r),
        format!("/orders/{order}?notice=lines"),
        "catalog part line added: {}",
        r.status()
    );
    let html = order_page(app, c, order).await;
    let seen = attr(&html, "name=\"estimate_version\" value=\"");
    let answer = [("decision_1", "approved"), ("decision_2", "approved")];
    let r = post(
        app,
        c,
        &format!("/orders/{order}/approvals"),
        &approval(&seen, "in_person", SIGNATURE, &answer),
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "approved");
    order
}

async fn on_hand(s: &Stockroom) -> String {
    data(&page(&s.app, &s.clerk, s.part).await, "data-on-hand")
}

#[tokio::test]
async fn a_catalog_part_line_is_picked_issued_returned_and_blocks_settling_until_issued() {
    let s = stockroom("10").await;
    let app = &s.app;
    let order = order_with_part(&s, "粤B12345", "4").await;
    let html = order_page(app, &s.advisor, order).await;
    assert!(html.contains(&format!("href=\"/parts/{}\"", s.part)), "the line names its catalog part");
    assert_eq!(data(&html, "data-to-issue"), "4");
    assert!(html.contains("¥45.00"), "the catalog's sale price filled in");

    // The clerk sees it to pick and issues 3 of the 4.
    let (_, pick) = app.get_text(&s.clerk, "/parts/pick").await;
    assert!(pick.contains(&format!("data-order=\"{order}\" data-line=\"2\"")), "on the pick list");
    let issue = format!("/orders/{order}/lines/2/issue");
    let r = app.post_form(&s.clerk, "/parts/pick", &issue, &[("qty", "5"), ("back", "pick")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "more than the line needs");
    let r = app.post_form(&s.clerk, "/parts/pick", &issue, &[("qty", "3"), ("back", "pick")]).await;
    assert_eq!(location(&r), "/parts/pick?notice=issued");
    assert_eq!(on_hand(&s).await, "7");
    assert_eq!(data(&order_page(app, &s.advisor, order).await, "data-issued"), "3");

    // One still to issue: the order cannot be settled.
    for to in ["in_progress", "quality_check", "completed"] {
        assert_eq!(set_state(app, &s.advisor, order, to, "").await.status(), StatusCode::SEE_OTHER, "{to}");
    }
    let admin = app.admin_again().await;
    let r = set_state(app, &admin, order, "settled", "").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "parts not issued");
    assert_eq!(data(&order_page(app, &s.advisor, order).await, "data-to-issue"), "1");

    // Half back to stock with a reason; a return needs one and cannot exceed what was issued.
    let back = format!("/orders/{order}/lines/2/return");
    let r = post(app, &s.advisor, &back, &[("qty", "2"), ("reason", "")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = post(app, &s.advisor, &back, &[("qty", "9"), ("reason", "多领了")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = post(app, &s.advisor, &back, &[("qty", "2"), ("reason", "多领了")]).await;
    assert_eq!(location(&r), format!("/orders/{order}?notice=returned"));
    assert_eq!(on_hand(&s).await, "9");
    check_passes(app);
}

#[tokio::test]
async fn a_shorter_line_a_removed_line_and_a_cancelled_order_give_their_parts_back() {
    let s = stockroom("10").await;
    let app = &s.app;
    let order = order_with_part(&s, "粤B22222", "4").await;
    let issue = format!("/orders/{order}/lines/2/issue");
    assert_eq!(post(app, &s.advisor, &issue, &[("qty", "")]).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(on_hand(&s).await, "6");
    let part = s.part.to_string();
    let fewer = [
        ("kind", "part"),
        ("description", "前刹车片"),
        ("part_id", part.as_str()),
        ("qty", "1"),
        ("unit_price", "45"),
    ];
    let r = post(app, &s.advisor, &format!("/orders/{order}/lines/2"), &fewer).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "line shortened");
    assert_eq!(on_hand(&s).await, "9", "3 of the 4 issued came back");
    let r = post(app, &s.advisor, &format!("/orders/{order}/lines/2/remove"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(on_hand(&s).await, "10", "a removed line gives everything back");

    let order = order_with_part(&s, "粤B33333", "2").await;
    assert_eq!(
        post(app, &s.advisor, &format!("/orders/{order}/lines/2/issue"), &[]).await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(on_hand(&s).await, "8");
    assert_eq!(
        set_state(app, &s.advisor, order, "cancelled", "客户不修了").await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(on_hand(&s).await, "10", "a cancelled order's parts go back on the shelf");
    check_passes(app);
}

#[tokio::test]
async fn a_catalog_price_is_the_managers_to_change_and_an_unknown_part_is_named() {
    let s = stockroom("5").await;
    let app = &s.app;
    let vehicle = car(app, &s.advisor, "王芳", "13700137000", "粤B44444").await;
    let order = open_order(app, &s.advisor, vehicle).await;
    let lines = format!("/orders/{order}/lines");
    let r = post(
        app,
        &s.advisor,
        &lines,
        &[("kind", "part"), ("part_q", "BRK-PAD-1"), ("qty", "1"), ("unit_price", "30")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "an advisor keeps the catalog price");
    assert!(r.text().await.unwrap().contains("f-unit_price"), "said beside the price");
    let r =
        post(app, &s.advisor, &lines, &[("kind", "part"), ("part_q", "NO-SUCH-PART"), ("qty", "1")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = post(
        app,
        &s.advisor,
        &lines,
        &[("kind", "part"), ("part_id", "999"), ("description", "x"), ("qty", "1"), ("unit_price", "1")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "an unknown part id");
    // A one-off part line, typed by hand, stays possible.
    let r = post(
        app,
        &s.advisor,
        &lines,
        &[("kind", "part"), ("description", "客户自带机油"), ("qty", "1"), ("unit_price", "0")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(order_page(app, &s.advisor, order).await.contains("data-one-off"));
}

#[tokio::test]
async fn clerks_issuing_the_last_units_at_once_issue_exactly_what_is_on_hand() {
    let s = stockroom("3").await;
    let app = &s.app;
    let mut orders = Vec::new();
    for i in 0..5 {
        orders.push(order_with_part(&s, &format!("粤B5555{i}"), "1").await);
    }
    let token = app.csrf(&s.clerk, "/").await;
    let posts = orders.iter().map(|order| {
        let (c, url, token) =
            (s.clerk.clone(), app.url(&format!("/orders/{order}/lines/2/issue")), token.clone());
        async move {
            c.post(url)
                .form(&[("qty", "1"), ("back", "pick"), ("csrf", token.as_str())])
                .send()
                .await
                .unwrap()
                .status()
        }
    });
    let answers = futures_util::future::join_all(posts).await;
    let issued = answers.iter().filter(|s| **s == StatusCode::SEE_OTHER).count();
    let short = answers.iter().filter(|s| **s == StatusCode::UNPROCESSABLE_ENTITY).count();
    assert_eq!((issued, short), (3, 2), "{answers:?}");
    assert_eq!(on_hand(&s).await, "0");
    check_passes(app);
}

#[tokio::test]
async fn a_part_handed_back_on_a_reopened_order_is_refunded_into_stock() {
    use crate::checkout::{checkout_page, data as value, pay};
    let s = stockroom("10").await;
    let app = &s.app;
    let admin = app.admin_again().await;
    let manager = app.user_with_roles(&admin, "mgr", &["manager"]).await;
    let order = order_with_part(&s, "粤B54321", "4").await;
    let issue = format!("/orders/{order}/lines/2/issue");
    let r = app.post_form(&s.clerk, "/parts/pick", &issue, &[("qty", "4"), ("back", "pick")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    for to in ["in_progress", "quality_check", "completed"] {
        assert_eq!(set_state(app, &s.advisor, order, to, "").await.status(), StatusCode::SEE_OTHER, "{to}");
    }
    let html = checkout_page(app, &manager, order).await;
    let total: rust_decimal::Decimal = value(&html, "data-total").parse().unwrap();
    assert_eq!(pay(app, &manager, order, "wechat", &total.to_string()).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(on_hand(&s).await, "6");

    // A settled order is not refunded: its payments are voided first.
    let refund = format!("/orders/{order}/lines/2/refund");
    let r = post(app, &manager, &refund, &[("qty", "1"), ("reason", "客户退回")]).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let pid = value(&checkout_page(app, &manager, order).await, "data-payment");
    let r = post(app, &manager, &format!("/orders/{order}/payments/{pid}/void"), &[("reason", "退货")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let html = checkout_page(app, &manager, order).await;
    assert!(html.contains("data-refund-line=\"2\""), "the manager is offered the refund");

    // Only a manager, within the line, with a reason; the refused ones change nothing.
    let before = app.fingerprint().await;
    let r = post(app, &s.advisor, &refund, &[("qty", "1"), ("reason", "x")]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    for (qty, reason) in [("5", "客户退回"), ("0", "客户退回"), ("1", ""), ("abc", "客户退回")] {
        let r = post(app, &manager, &refund, &[("qty", qty), ("reason", reason)]).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{qty} {reason}");
        assert!(r.text().await.unwrap().contains(&format!("value=\"{qty}\"")), "typed quantity kept");
    }
    assert_eq!(app.fingerprint().await, before, "nothing stored");
    let r = post(app, &manager, &refund, &[("qty", "1"), ("reason", "客户退回")]).await;
    assert_ne!(app.fingerprint().await, before);
    assert_eq!(crate::helpers::location(&r), format!("/orders/{order}/checkout?notice=refund"));
    assert_eq!(on_hand(&s).await, "7", "the part is back on the shelf through the ledger");
    assert_eq!(data(&order_page(app, &s.advisor, order).await, "data-issued"), "3");
    let html = checkout_page(app, &manager, order).await;
    assert!(html.contains("data-refund=\"2\""), "the refund is kept as a record");
    let smaller: rust_decimal::Decimal = value(&html, "data-total").parse().unwrap();
    assert!(smaller < total, "{smaller} < {total}");
    let balance = value(&html, "data-balance");
    assert_eq!(pay(app, &manager, order, "wechat", &balance).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(crate::fixtures::state_in(&order_page(app, &s.advisor, order).await), "settled");
    check_passes(app);
}
