//! Work orders: reception, lines and templates, the customer's approvals, the state machine per
//! role, the printed QR and where a scan leads, the board, the order list, and bad input.

use chrono::{Duration, Utc};
use reqwest::{Client, StatusCode};

use crate::customers::id_in;
use crate::fixtures::*;
use crate::helpers::*;

/// `YYYY-MM-DDTHH:MM` in the shop's time zone, `minutes` from now.
fn shop_time(minutes: i64) -> String {
    let now = Utc::now().with_timezone(&chrono_tz::Asia::Shanghai);
    (now + Duration::minutes(minutes)).format("%Y-%m-%dT%H:%M").to_string()
}

/// Today in the shop, `YYYY-MM-DD`, moved by `days`.
fn shop_day(days: i64) -> String {
    let today = Utc::now().with_timezone(&chrono_tz::Asia::Shanghai).date_naive();
    (today + Duration::days(days)).format("%Y-%m-%d").to_string()
}

/// An amount of an order page's (or printed sheet's) totals, by its `data-total` key
/// (`estimate`, `labour` …).
fn total(html: &str, key: &str) -> String {
    let marker = format!("data-total=\"{key}\"");
    let at = html.find(&marker).unwrap_or_else(|| panic!("{key} in the totals")) + marker.len();
    text_after(&html[at..], ">")
}

fn encode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// The `<svg>…</svg>` of the QR code on a print page.
pub(crate) fn inline_qr(html: &str) -> &str {
    let qr = &html[html.find("class=\"qr\"").expect("a QR block")..];
    let start = qr.find("<svg").unwrap();
    &qr[start..qr.find("</svg>").unwrap() + "</svg>".len()]
}

/// Reads a QR code drawn by our SVG renderer: a `viewBox="0 0 w h"` and one path of dark
/// rectangles `M{left} {top}h{w}v{h}H{left}V{top}`. The rectangles are painted into a greyscale
/// bitmap (`PX` pixels a unit, a white border around) which `rqrr` decodes.
pub(crate) fn read_qr(svg: &str) -> String {
    const PX: usize = 2;
    const BORDER: usize = 20;
    let size: Vec<usize> = attr(svg, "viewBox=\"").split(' ').map(|n| n.parse().unwrap()).collect();
    let (width, height) = (size[2] * PX + 2 * BORDER, size[3] * PX + 2 * BORDER);
    let mut dark = vec![false; width * height];
    let path = attr(&svg[svg.find("<path").expect("a path")..], " d=\"");
    for rect in path.split('M').filter(|r| !r.is_empty()) {
        let n: Vec<usize> = rect
            .split(|c: char| c == ' ' || c.is_ascii_alphabetic())
            .map(|n| n.parse().unwrap_or_else(|_| panic!("a number in {rect}")))
            .collect();
        assert_eq!(n.len(), 6, "M{{left}} {{top}}h{{w}}v{{h}}H{{left}}V{{top}}: {rect}");
        let (left, top, w, h) = (n[0] * PX, n[1] * PX, n[2] * PX, n[3] * PX);
        for y in top..top + h {
            for x in left..left + w {
                dark[(y + BORDER) * width + x + BORDER] = true;
            }
        }
    }
    let pixel = |x: usize, y: usize| if dark[y * width + x] { 0 } else { 255 };
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(width, height, pixel);
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code in the picture");
    grids[0].decode().expect("the QR code decodes").1
}

/// One column of the board, from its heading to the next column.
fn column<'a>(board: &'a str, label: &str) -> &'a str {
    let start = board
        .find(&format!("<h2>{label}<span class=\"count\">"))
        .unwrap_or_else(|| panic!("a {label} column"));
    let rest = &board[start..];
    let end = rest.find("</section>").unwrap_or(rest.len());
    &rest[..end]
}

// ---------------------------------------------------------------------------------------------
// 1. Reception and lines.

#[tokio::test]
async fn an_advisor_opens_an_order_from_a_vehicle_and_the_odometer_and_second_orders_are_checked() {
    let s = shop().await;
    let (app, c) = (&s.app, &s.advisor);
    let vehicle = car(app, c, "张伟", "13800138000", "京A12345").await;

    let (status, form) = app.get_text(c, &format!("/orders/new?vehicle_id={vehicle}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(form.contains("为 京A·12345 开工单") && form.contains("上次里程 52,000 公里"));
    assert!(form.contains(&format!("<option value=\"{}\" selected>", s.advisor_id)), "the advisor is preset");

    // The odometer does not go back unless confirmed; what was typed stays.
    let promised = shop_time(24 * 60);
    let advisor_id = s.advisor_id.to_string();
    let typed = [
        ("mileage", "51000"),
        ("fuel", "2"),
        ("complaint", "刹车时有异响"),
        ("items_left", "雨伞一把"),
        ("promised_at", promised.as_str()),
        ("advisor_id", advisor_id.as_str()),
    ];
    let response = open_with(app, c, vehicle, &typed).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(html.contains("里程比上次记录的 52000 公里还少。") && html.contains("name=\"confirm_mileage\""));
    assert!(html.contains("value=\"51000\"") && html.contains(">刹车时有异响</textarea>"));
    assert!(html.contains("value=\"雨伞一把\"") && html.contains(&format!("value=\"{promised}\"")));
    assert!(html.contains("name=\"fuel\" value=\"2\" checked"), "the fuel level stays chosen");

    // Confirmed: the order opens and the vehicle's record takes the new reading.
    let mut confirmed = typed.to_vec();
    confirmed.push(("confirm_mileage", "1"));
    let response = open_with(app, c, vehicle, &confirmed).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let first = id_in(&location(&response), "/orders/");
    assert_eq!(location(&response), format!("/orders/{first}?notice=opened"));
    let (_, html) = app.get_text(c, &location(&response)).await;
    let number = number_in(&html);
    assert!(html.contains("工单已开出。") && state_in(&html) == "open");
    assert!(html.contains("51,000 公里") && html.contains("半箱") && html.contains("雨伞一把"));
    let (_, page) = app.get_text(c, &format!("/vehicles/{vehicle}")).await;
    assert!(page.contains("51,000 公里") && page.contains(&number), "mileage and history on the vehicle");

    // A higher reading needs no confirmation; a second open order does.
    let response = open_with(app, c, vehicle, &[("mileage", "51500")]).await;
    assert_ne!(response.status(), StatusCode::SEE_OTHER, "a second order is not opened silently");
    let html = response.text().await.unwrap();
    assert!(html.contains(&format!("这辆车已有未完成的工单 {number}。")));
    assert!(html.contains(&format!("href=\"/orders/{first}\"")) && html.contains("name=\"confirm_second\""));
    let (_, page) = app.get_text(c, &format!("/vehicles/{vehicle}")).await;
    assert!(page.contains("51,000 公里"), "nothing saved, not even the mileage");
    let (_, form) = app.get_text(c, &format!("/orders/new?vehicle_id={vehicle}")).await;
    assert!(form.contains(&format!("这辆车已有未完成的工单 {number}。")), "the form warns up front");

    let response = open_with(app, c, vehicle, &[("mileage", "51500"), ("confirm_second", "1")]).await;
    let second = id_in(&location(&response), "/orders/");
    assert_ne!(first, second);
    assert!(order_page(app, c, second).await.contains("51,500 公里"));
    let (_, page) = app.get_text(c, &format!("/vehicles/{vehicle}")).await;
    assert!(page.contains("51,500 公里"));

    // An estimate only (draft) is not an open order of the car.
    let other = car(app, c, "李娜", "13722223333", "沪B54321").await;
    let response = open_with(app, c, other, &[("draft", "1")]).await;
    let draft = id_in(&location(&response), "/orders/");
    assert_eq!(state_in(&order_page(app, c, draft).await), "draft");
    let response = open_with(app, c, other, &[]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "a draft does not block an order");

    // Only the desk opens orders.
    assert_eq!(app.get(&s.tech, &format!("/orders/new?vehicle_id={vehicle}")).await.status(), 403);
    assert_eq!(open_with(app, &s.tech, vehicle, &[("confirm_second", "1")]).await.status(), 403);
}

/// Bug (src/web/orders.rs, `reception_form`): a refused form drops the confirmations already
/// given. For a car with an open order and a lower odometer reading, ticking "open another"
/// brings back the mileage question without that box, and ticking "lower mileage" then brings
/// back the second-order question without its box: the order can never be opened.
#[tokio::test]
async fn a_second_order_with_a_lower_odometer_can_be_confirmed_in_the_form() {
    let s = shop().await;
    let (app, c) = (&s.app, &s.advisor);
    let vehicle = car(app, c, "张伟", "13800138000", "京A12345").await;
    open_order(app, c, vehicle).await;
    let response = open_with(app, c, vehicle, &[("mileage", "100"), ("confirm_second", "1")]).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(html.contains("name=\"confirm_mileage\""));
    assert!(html.contains("name=\"confirm_second\""), "the confirmation given is still in the form");
}

#[tokio::test]
async fn lines_and_templates_add_up_to_an_estimate_computed_by_the_server_and_are_audited() {
    let s = shop().await;
    let (app, c) = (&s.app, &s.advisor);
    let vehicle = car(app, c, "张伟", "13800138000", "京A12345").await;
    let order = open_order(app, c, vehicle).await;
    assert!(order_page(app, c, order).await.contains("还没有项目。"));

    // Labour without a price takes the shop's rate: 1.5 h × 120 + 4 × 45.80 = 363.20.
    labour(app, c, order, "更换前刹车片", "1.5", s.tech_id).await;
    part(app, c, order, "刹车片（前）", "4", "45.80").await;
    let (_, html) = app.get_text(c, &format!("/orders/{order}?notice=lines")).await;
    assert!(html.contains("项目已添加。"));
    assert!(html.contains("更换前刹车片") && html.contains("1.5 小时") && html.contains("¥120.00"));
    assert!(html.contains("tech1"), "the technician is named on the labour line");
    assert_eq!(total(&html, "labour"), "¥180.00");
    assert_eq!(total(&html, "parts"), "¥183.20");
    assert_eq!(total(&html, "estimate"), "¥363.20");
    assert_eq!(total(&html, "pending"), "¥363.20", "nothing approved yet");

    // A fee; its quantity defaults to one.
    let fee = [("kind", "fee"), ("description", "废旧件环保处理费"), ("qty", ""), ("unit_price", "15")];
    assert_eq!(add_line(app, c, order, &fee).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(total(&order_page(app, c, order).await, "estimate"), "¥378.20");

    // A service template: 4 × 58 oil and half an hour of labour at the rate in force.
    let template = [
        ("name", "小保养"),
        ("kind_0", "part"),
        ("description_0", "机油 5W-30"),
        ("qty_0", "4"),
        ("unit_price_0", "58"),
        ("kind_1", "labor"),
        ("description_1", "小保养工时"),
        ("qty_1", "0.5"),
        ("unit_price_1", ""),
    ];
    assert_eq!(post(app, c, "/templates", &template).await.status(), StatusCode::FORBIDDEN, "advisor");
    let response = app.post_form(&s.admin, "/templates/new", "/templates", &template).await;
    assert_eq!(location(&response), "/templates");
    let html = order_page(app, c, order).await;
    assert!(html.contains("+ 小保养"), "the order offers the template");
    let template_id = attr(&html, "name=\"template_id\" value=\"");
    let response =
        post(app, c, &format!("/orders/{order}/templates"), &[("template_id", &template_id)]).await;
    assert_eq!(location(&response), format!("/orders/{order}?notice=lines"));
    let html = order_page(app, c, order).await;
    assert!(html.contains("机油 5W-30") && html.contains("小保养工时"));
    assert_eq!(total(&html, "labour"), "¥240.00");
    assert_eq!(total(&html, "parts"), "¥415.20");
    assert_eq!(total(&html, "fees"), "¥15.00");
    assert_eq!(total(&html, "estimate"), "¥670.20");

    // Edit: two pads instead of four. Remove: the fee.
    let (status, edit) = app.get_text(c, &format!("/orders/{order}/lines/2/edit")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(edit.contains("value=\"刹车片（前）\"") && edit.contains("value=\"45.8\""));
    let fields = [("kind", "part"), ("description", "刹车片（前）"), ("qty", "2"), ("unit_price", "45.80")];
    let response = post(app, c, &format!("/orders/{order}/lines/2"), &fields).await;
    assert_eq!(location(&response), format!("/orders/{order}?notice=line"));
    let response = post(app, c, &format!("/orders/{order}/lines/3/remove"), &[]).await;
    assert_eq!(location(&response), format!("/orders/{order}?notice=removed"));
    let (_, html) = app.get_text(c, &format!("/orders/{order}?notice=removed")).await;
    assert!(html.contains("项目已删除。") && !html.contains("废旧件环保处理费"));
    assert_eq!(total(&html, "parts"), "¥323.60");
    assert_eq!(total(&html, "fees"), "¥0.00");
    assert_eq!(total(&html, "estimate"), "¥563.60");

    // The print sheet shows the same figures.
    let (_, sheet) = app.get_text(c, &format!("/orders/{order}/print?layout=receipt")).await;
    assert!(sheet.contains("机油 5W-30") && total(&sheet, "estimate") == "¥563.60");

    let (_, audit) = app.get_text(&s.admin, "/admin/audit").await;
    for action in
        ["order.open", "order.line.add", "order.line.update", "order.line.remove", "template.create"]
    {
        assert!(audit.contains(action), "{action} audited");
    }
    assert!(audit.contains("[小保养]"), "the template is named in the log");
    assert!(audit.contains("废旧件环保处理费"), "the removed line is named in the log");
    assert!(audit.contains("4×45.8 → 2×45.8"), "the edit says what changed");
}

// ---------------------------------------------------------------------------------------------
// 2. The state machine over HTTP.

/// What a status change should come to.
#[derive(Clone, Copy, Debug)]
enum Outcome {
    Moved,
    /// Refused on the order page (422) with this message; the state stays.
    Refused(&'static str),
    /// The role does not reach the order at all.
    Forbidden,
}

const ILLEGAL: &str = "工单当前的状态不能改为这个状态。";
const NOT_YOUR_ROLE: &str = "您的角色不能做这个状态变更。";
const NEEDS_REASON: &str = "请填写原因。";
const SETTLE_AT_CHECKOUT: &str = "工单在收款付清后才结算，请在结算单上收款。";

/// An order driven by the admin into `state`, with a labour line dispatched to `tech`.
pub(crate) async fn order_in_state(
    app: &TestApp,
    admin: &Client,
    vehicle: u64,
    tech: u64,
    state: &str,
) -> u64 {
    if state == "draft" {
        let response = open_with(app, admin, vehicle, &[("draft", "1"), ("confirm_second", "1")]).await;
        return id_in(&location(&response), "/orders/");
    }
    let order = open_order(app, admin, vehicle).await;
    labour(app, admin, order, "检查底盘", "1", tech).await;
    let path: &[&str] = match state {
        "open" => &[],
        "in_progress" => &["in_progress"],
        "waiting_parts" => &["in_progress", "waiting_parts"],
        "quality_check" => &["in_progress", "quality_check"],
        "completed" => &["in_progress", "quality_check", "completed"],
        "settled" | "delivered" => &["in_progress", "quality_check", "completed"],
        "cancelled" => &["cancelled"],
        other => panic!("no path to {other}"),
    };
    for to in path {
        let response = set_state(app, admin, order, to, "测试").await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "admin moves the order to {to}");
    }
    // Settled only by payment: the one line is still unapproved, so nothing is due.
    if state == "settled" || state == "delivered" {
        let response = post(app, admin, &format!("/orders/{order}/settle"), &[]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "settled at checkout");
    }
    if state == "delivered" {
        let response = set_state(app, admin, order, "delivered", "").await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "admin delivers the order");
    }
    order
}

#[tokio::test]
async fn each_role_makes_exactly_the_transitions_the_state_machine_gives_it() {
    use Outcome::*;
    let s = shop().await;
    let app = &s.app;
    let (manager, cashier) = (&s.manager, &s.cashier);
    let parts = app.user_with_roles(&s.admin, "parts1", &["parts"]).await;
    let vehicle = car(app, &s.admin, "张伟", "13800138000", "京A12345").await;
    let who = |role: &str| match role {
        "admin" => &s.admin,
        "manager" => manager,
        "advisor" => &s.advisor,
        "technician" => &s.tech,
        "cashier" => cashier,
        "parts" => &parts,
        other => panic!("{other}"),
    };

    // (from, to, who, reason, outcome)
    let table: &[(&str, &str, &str, &str, Outcome)] = &[
        ("draft", "open", "advisor", "", Moved),
        ("draft", "in_progress", "advisor", "", Refused(ILLEGAL)),
        ("open", "in_progress", "advisor", "", Moved),
        ("open", "completed", "advisor", "", Refused(ILLEGAL)),
        ("open", "settled", "admin", "", Refused(ILLEGAL)),
        ("open", "cancelled", "advisor", "", Refused(NEEDS_REASON)),
        ("open", "cancelled", "advisor", "客户不修了", Moved),
        ("open", "cancelled", "manager", "客户不修了", Moved),
        ("open", "in_progress", "parts", "", Forbidden),
        ("in_progress", "waiting_parts", "advisor", "", Moved),
        ("in_progress", "completed", "manager", "", Refused(ILLEGAL)),
        ("waiting_parts", "in_progress", "advisor", "", Moved),
        ("waiting_parts", "quality_check", "advisor", "", Moved),
        ("in_progress", "quality_check", "advisor", "", Moved),
        ("quality_check", "in_progress", "advisor", "", Refused(NEEDS_REASON)),
        ("quality_check", "in_progress", "advisor", "刹车仍有异响", Moved),
        ("quality_check", "completed", "advisor", "", Moved),
        ("completed", "in_progress", "advisor", "返工", Refused(NOT_YOUR_ROLE)),
        ("completed", "in_progress", "manager", "", Refused(NEEDS_REASON)),
        ("completed", "in_progress", "manager", "返工", Moved),
        ("completed", "settled", "advisor", "", Refused(SETTLE_AT_CHECKOUT)),
        ("completed", "settled", "cashier", "", Refused(SETTLE_AT_CHECKOUT)),
        ("completed", "settled", "admin", "", Refused(SETTLE_AT_CHECKOUT)),
        ("completed", "cancelled", "cashier", "x", Refused(NOT_YOUR_ROLE)),
        ("settled", "delivered", "cashier", "", Moved),
        ("settled", "delivered", "advisor", "", Moved),
        ("settled", "cancelled", "admin", "太贵", Refused(ILLEGAL)),
        ("settled", "in_progress", "manager", "返工", Refused(ILLEGAL)),
    ];
    for (from, to, role, reason, outcome) in table.iter().copied() {
        let case = format!("{from} → {to} by {role} (reason {reason:?})");
        let order = order_in_state(app, &s.admin, vehicle, s.tech_id, from).await;
        let response = set_state(app, who(role), order, to, reason).await;
        let status = response.status();
        let html = response.text().await.unwrap();
        match outcome {
            Moved => {
                assert_eq!(status, StatusCode::SEE_OTHER, "{case}");
                let page = order_page(app, &s.admin, order).await;
                assert_eq!(state_in(&page), to, "{case}");
                if !reason.is_empty() {
                    assert!(page.contains(reason), "{case}: the reason is in the history");
                }
            }
            Refused(message) => {
                assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{case}");
                assert!(html.contains(message), "{case}: says {message}");
                if message == NEEDS_REASON {
                    assert!(html.contains("id=\"f-reason-msg\""), "{case}: beside the reason field");
                }
                assert_eq!(state_in(&order_page(app, &s.admin, order).await), from, "{case}: state kept");
            }
            Forbidden => {
                assert_eq!(status, StatusCode::FORBIDDEN, "{case}");
                assert_eq!(state_in(&order_page(app, &s.admin, order).await), from, "{case}: state kept");
            }
        }
    }

    // Work starts only once a labour line has a technician.
    let order = open_order(app, &s.advisor, vehicle).await;
    let response = set_state(app, &s.advisor, order, "in_progress", "").await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.text().await.unwrap().contains("请先给至少一个工时项目派技师。"));
    let no_tech = [("kind", "labor"), ("description", "四轮定位"), ("hours", "1")];
    add_line(app, &s.advisor, order, &no_tech).await;
    let response = set_state(app, &s.advisor, order, "in_progress", "").await;
    assert_eq!(
        response.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "an unassigned labour line is not enough"
    );
    let tech = s.tech_id.to_string();
    let dispatch = [("kind", "labor"), ("description", "四轮定位"), ("hours", "1"), ("technician_id", &tech)];
    let response = post(app, &s.advisor, &format!("/orders/{order}/lines/1"), &dispatch).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(set_state(app, &s.advisor, order, "in_progress", "").await.status(), StatusCode::SEE_OTHER);

    // A technician cannot cancel; the order stays where it was.
    let response = set_state(app, &s.tech, order, "cancelled", "不修了").await;
    assert!(
        [StatusCode::FORBIDDEN, StatusCode::UNPROCESSABLE_ENTITY].contains(&response.status()),
        "technician cancel refused: {}",
        response.status()
    );
    assert_eq!(state_in(&order_page(app, &s.admin, order).await), "in_progress");

    // The buttons offered are the transitions allowed: cancelling is the desk's.
    let html = order_page(app, &s.advisor, order).await;
    assert!(html.contains("value=\"waiting_parts\"") && html.contains("value=\"cancelled\""));
    assert!(!html.contains("name=\"to\" value=\"completed\""), "no jump to completed");

    // Settled: the lines are locked, for everyone.
    let settled = order_in_state(app, &s.admin, vehicle, s.tech_id, "settled").await;
    let html = order_page(app, &s.admin, settled).await;
    assert!(!html.contains("id=\"add-line\"") && !html.contains(&format!("/orders/{settled}/lines/1/edit")));
    let attempts = [
        (
            format!("/orders/{settled}/lines"),
            vec![("kind", "fee"), ("description", "加收"), ("unit_price", "9")],
        ),
        (
            format!("/orders/{settled}/lines/1"),
            vec![("kind", "labor"), ("description", "检查底盘"), ("hours", "0.1")],
        ),
        (format!("/orders/{settled}/lines/1/remove"), vec![]),
        (format!("/orders/{settled}/diagnosis"), vec![("text", "补记")]),
    ];
    for (path, fields) in &attempts {
        let response = post(app, &s.admin, path, fields).await;
        assert_eq!(response.status(), StatusCode::CONFLICT, "{path}");
        assert!(response.text().await.unwrap().contains("工单已结算或已关闭，不能再修改。"), "{path}");
    }
    let html = order_page(app, &s.admin, settled).await;
    assert_eq!(total(&html, "estimate"), "¥120.00", "the settled amount did not move");

    let (_, audit) = app.get_text(&s.admin, "/admin/audit").await;
    assert!(audit.contains("order.status") && audit.contains(": completed → settled"));
}

/// Bug (src/web/orders.rs, `status_form`): the refusal of a status change is only shown inside
/// the status panel, which is left out when the user has no transition to offer; the 422 page
/// then says "correct the fields below" and nothing else.
#[tokio::test]
async fn a_refused_transition_says_why_even_without_buttons() {
    let s = shop().await;
    let app = &s.app;
    let cashier = &s.cashier;
    let vehicle = car(app, &s.admin, "张伟", "13800138000", "京A12345").await;
    let open = order_in_state(app, &s.admin, vehicle, s.tech_id, "open").await;
    let response = set_state(app, cashier, open, "cancelled", "不修了").await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.text().await.unwrap().contains(NOT_YOUR_ROLE));
    let delivered = order_in_state(app, &s.admin, vehicle, s.tech_id, "delivered").await;
    let response = set_state(app, &s.admin, delivered, "in_progress", "返工").await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.text().await.unwrap().contains(ILLEGAL));
}

// ---------------------------------------------------------------------------------------------
// 3. The customer's approvals.

#[tokio::test]
async fn approvals_answer_the_estimate_version_they_saw_and_declined_lines_stay_out() {
    let s = shop().await;
    let (app, c) = (&s.app, &s.advisor);
    let vehicle = car(app, c, "张伟", "13800138000", "京A12345").await;
    let order = open_order(app, c, vehicle).await;
    labour(app, c, order, "更换刹车片", "1", s.tech_id).await;
    part(app, c, order, "轮胎", "1", "300").await;
    let approve = format!("/orders/{order}/approvals");

    let html = order_page(app, c, order).await;
    assert!(
        html.contains("客户确认")
            && html.contains("name=\"decision_1\"")
            && html.contains("name=\"decision_2\"")
    );
    assert!(html.contains("name=\"approver\" type=\"text\" value=\"张伟\""), "the owner is the approver");
    let seen = attr(&html, "name=\"estimate_version\" value=\"");
    let answer = [("decision_1", "approved"), ("decision_2", "declined")];

    // In person needs a signature, and a signature is numbers only.
    let response = post(app, c, &approve, &approval(&seen, "in_person", "", &answer)).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(html.contains("请客户在框内签名。") && html.contains("id=\"f-signature-msg\""));
    assert!(html.contains("name=\"decision_2\" value=\"declined\" checked"), "the answers stay as given");
    let forged = "1,1 2,2 3,3 4,4 5,\"><script>alert(1)</script>";
    let response = post(app, c, &approve, &approval(&seen, "in_person", forged, &answer)).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(html.contains("签名数据无效，请重签。") && !html.contains("<script>alert(1)"));
    let response = post(app, c, &approve, &approval(&seen, "in_person", "1,1 2,2", &answer)).await;
    assert!(response.text().await.unwrap().contains("请客户在框内签名。"), "a tap is not a signature");
    assert!(!order_page(app, c, order).await.contains("确认记录"), "nothing recorded");

    // Meanwhile a line is added: the answer given to the older estimate is refused.
    part(app, c, order, "雨刮片", "2", "40").await;
    let response = post(app, c, &approve, &approval(&seen, "in_person", SIGNATURE, &answer)).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(html.contains("请修改下面标出的内容。") && html.contains("雨刮片"), "the new estimate is shown");
    let html = order_page(app, c, order).await;
    assert!(!html.contains("确认记录") && total(&html, "approved") == "¥0.00", "nothing recorded");

    // A changed price of a line the customer is answering: refused with the reason.
    let seen = attr(&html, "name=\"estimate_version\" value=\"");
    let dearer = [("kind", "part"), ("description", "雨刮片"), ("qty", "2"), ("unit_price", "55")];
    let response = post(app, c, &format!("/orders/{order}/lines/3"), &dearer).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let all = [("decision_1", "approved"), ("decision_2", "declined"), ("decision_3", "approved")];
    let response = post(app, c, &approve, &approval(&seen, "in_person", SIGNATURE, &all)).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.text().await.unwrap().contains("估价在此期间被修改了，请重新核对后再确认。"));
    let html = order_page(app, c, order).await;
    assert!(!html.contains("确认记录"), "nothing recorded");

    // The answer to the estimate as it is now: recorded with the signature.
    let seen = attr(&html, "name=\"estimate_version\" value=\"");
    let response = post(app, c, &approve, &approval(&seen, "in_person", SIGNATURE, &all)).await;
    assert_eq!(location(&response), format!("/orders/{order}?notice=approved"));
    let (_, html) = app.get_text(c, &location(&response)).await;
    assert!(html.contains("客户确认已保存。"));
    assert!(html.contains("第 1 次确认") && html.contains("到店签字"));
    assert!(
        html.contains(&format!(
            "data-approval=\"1\" data-method=\"in_person\" data-estimate-version=\"{seen}\""
        )),
        "the answer is for the estimate the page showed"
    );
    assert!(html.contains("d=\"M10 10L20 20L30 25M40 40L50 50\""), "the signature is drawn");
    assert!(
        html.contains("<tr class=\"declined\" data-line=") && html.contains("轮胎"),
        "the declined line stays visible"
    );
    assert!(html.contains("已拒绝"));
    assert_eq!(total(&html, "approved"), "¥230.00");
    assert_eq!(total(&html, "declined"), "¥300.00");
    assert_eq!(total(&html, "estimate"), "¥230.00", "the declined tyre is out of the estimate");
    assert!(!html.contains("name=\"decision_1\""), "nothing left to answer");

    // A later addition needs a second approval, for that line only; by phone, no signature.
    part(app, c, order, "刹车油", "1", "68").await;
    let html = order_page(app, c, order).await;
    assert_eq!(total(&html, "pending"), "¥68.00");
    assert!(html.contains("name=\"decision_4\"") && !html.contains("name=\"decision_2\""));
    let seen = attr(&html, "name=\"estimate_version\" value=\"");
    let response = post(app, c, &approve, &approval(&seen, "phone", "", &[("decision_4", "approved")])).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let html = order_page(app, c, order).await;
    assert!(html.contains("第 2 次确认") && html.contains("电话确认"));
    assert_eq!(total(&html, "approved"), "¥298.00");
    assert_eq!(total(&html, "estimate"), "¥298.00");
    assert!(html.contains("<tr class=\"declined\" data-line="), "still declined after the second approval");

    let (_, sheet) = app.get_text(c, &format!("/orders/{order}/print")).await;
    assert!(sheet.contains("轮胎 (已拒绝)") && sheet.contains("M10 10L20 20"), "the sheet carries both");
    let (_, audit) = app.get_text(&s.admin, "/admin/audit").await;
    assert!(audit.contains("order.approve") && audit.contains("approval #2 (phone"));
}

/// Bug (src/web/orders.rs, `act` → "approvals"): the decisions are read for the lines pending
/// *now*, so a form sent for an older estimate lacks the new line's answer and is refused with
/// "decide every line" before the version is compared; the advisor is never told the estimate
/// changed.
#[tokio::test]
async fn an_answer_to_an_estimate_that_gained_a_line_says_the_estimate_changed() {
    let s = shop().await;
    let (app, c) = (&s.app, &s.advisor);
    let vehicle = car(app, c, "张伟", "13800138000", "京A12345").await;
    let order = open_order(app, c, vehicle).await;
    part(app, c, order, "轮胎", "1", "300").await;
    let seen = attr(&order_page(app, c, order).await, "name=\"estimate_version\" value=\"");
    part(app, c, order, "雨刮片", "2", "40").await;
    let fields = approval(&seen, "phone", "", &[("decision_1", "approved")]);
    let response = post(app, c, &format!("/orders/{order}/approvals"), &fields).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.text().await.unwrap().contains("估价在此期间被修改了，请重新核对后再确认。"));
}

// ---------------------------------------------------------------------------------------------
// 4. and 5. The printed QR: where it leads, and that it reads back.

#[tokio::test]
async fn a_reprint_retires_the_old_qr_and_a_scan_lands_where_the_role_belongs() {
    let s = shop().await;
    let (app, c) = (&s.app, &s.advisor);
    let vehicle = car(app, c, "张伟", "13800138000", "京A12345").await;
    let order = open_order(app, c, vehicle).await;
    labour(app, c, order, "更换刹车片", "1", s.tech_id).await;
    let (_, sheet) = app.get_text(c, &format!("/orders/{order}/print")).await;
    let old_url = text_after(&sheet, "class=\"qr-url\">");
    let old = old_url.rsplit('/').next().unwrap().to_string();
    assert_eq!(old.len(), 32);
    assert!(old.chars().all(|ch| ch.is_ascii_hexdigit() && !ch.is_ascii_uppercase()));

    // The desk goes to the order; the technician gets the read-only phone page.
    let response = app.get(c, &format!("/t/{old}")).await;
    assert_eq!(location(&response), format!("/orders/{order}"));
    let (status, phone) = app.get_text(&s.tech, &format!("/t/{old}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(phone.contains("京A·12345") && phone.contains("刹车异响") && phone.contains("更换刹车片"));
    assert!(phone.contains("huge go"), "the technician's own line has its start button");
    assert!(!phone.contains(&format!("action=\"/orders/{order}")), "no order form there");
    assert_eq!(app.get(&s.tech, &format!("/orders/{order}")).await.status(), 403);

    // Reprint: a new token; the old sheet says it was reprinted.
    let response = post(app, c, &format!("/orders/{order}/reprint"), &[("layout", "a4")]).await;
    assert_eq!(location(&response), format!("/orders/{order}/print?layout=a4"));
    let (_, sheet) = app.get_text(c, &location(&response)).await;
    let new = text_after(&sheet, "class=\"qr-url\">").rsplit('/').next().unwrap().to_string();
    assert_ne!(new, old);
    let number = number_in(&order_page(app, c, order).await);
    for who in [c, &s.tech] {
        let (status, page) = app.get_text(who, &format!("/t/{old}")).await;
        assert_eq!(status, StatusCode::GONE);
        assert!(
            page.contains("这张单据已重新打印") && page.contains(&format!("工单 {number} 已打印了新单据"))
        );
    }
    assert_eq!(location(&app.get(c, &format!("/t/{new}")).await), format!("/orders/{order}"));
    assert_eq!(app.get(&s.tech, &format!("/t/{new}")).await.status(), StatusCode::OK);

    // Unknown and malformed tokens: a clear 404 page.
    let unknown = "0123456789abcdef0123456789abcdef";
    for token in [unknown, "xyz", "0123456789abcdef", "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz", "%3Cscript%3E"] {
        let (status, page) = app.get_text(&s.tech, &format!("/t/{token}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{token}");
        assert!(page.contains("找不到这张工单") && page.contains("这个二维码不属于任何工单"), "{token}");
    }

    // Scanned while signed out: sign in, then back on the scanned page.
    let phone = client();
    let response = app.get(&phone, &format!("/t/{new}")).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let login = location(&response);
    assert_eq!(login, format!("/login?next=%2Ft%2F{new}"));
    let (_, form) = app.get_text(&phone, &login).await;
    assert!(form.contains(&format!("name=\"next\" value=\"/t/{new}\"")));
    let back = format!("/t/{new}");
    let fields = [("username", "tech1"), ("password", "tech1-password"), ("next", back.as_str())];
    let response = app.post_form(&phone, &login, "/login", &fields).await;
    assert_eq!(location(&response), back);
    let (status, page) = app.get_text(&phone, &back).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("更换刹车片"));

    // A closed order keeps its QR: no more reprints.
    set_state(app, c, order, "cancelled", "客户不修了").await;
    assert_eq!(post(app, c, &format!("/orders/{order}/reprint"), &[]).await.status(), StatusCode::CONFLICT);
    let (status, page) = app.get_text(&s.tech, &back).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("这张工单已结束，只能查看。"));

    let (_, audit) = app.get_text(&s.admin, "/admin/audit").await;
    assert!(audit.contains("order.reprint") && audit.contains("new QR #1"));
}

#[tokio::test]
async fn the_printed_qr_decodes_to_the_scan_address_on_the_sheet() {
    let s = shop().await;
    let (app, c) = (&s.app, &s.advisor);
    let vehicle = car(app, c, "张伟", "13800138000", "京A12345").await;
    let order = open_order(app, c, vehicle).await;

    // Tests listen on loopback: the order page warns the admin (who can fix it) that phones
    // cannot reach that.
    let html = order_page(app, &s.admin, order).await;
    assert!(
        html.contains(&format!("二维码地址 {} 是本机地址，手机无法打开。", app.base)),
        "loopback warning"
    );

    app.save_settings(&s.admin, &[("public_base_url", "http://192.168.1.20:8080")]).await;
    let html = order_page(app, &s.admin, order).await;
    assert!(!html.contains("是本机地址"), "no warning once the QR address is set");

    let (status, sheet) = app.get_text(c, &format!("/orders/{order}/print?layout=a4")).await;
    assert_eq!(status, StatusCode::OK);
    let printed = text_after(&sheet, "class=\"qr-url\">");
    let token = printed.strip_prefix("http://192.168.1.20:8080/t/").expect("the scan address");
    assert_eq!(token.len(), 32);
    assert_eq!(read_qr(inline_qr(&sheet)), printed, "the QR on the sheet");

    let response = app.get(c, &format!("/orders/{order}/qr.svg")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "image/svg+xml");
    let svg = response.text().await.unwrap();
    assert!(svg.starts_with("<svg"), "markup without an XML prolog");
    assert_eq!(read_qr(&svg), printed, "the QR image");

    // After a reprint both carry the new token.
    post(app, c, &format!("/orders/{order}/reprint"), &[("layout", "receipt")]).await;
    let (_, sheet) = app.get_text(c, &format!("/orders/{order}/print?layout=receipt")).await;
    let reprinted = text_after(&sheet, "class=\"qr-url\">");
    assert_ne!(reprinted, printed);
    assert_eq!(read_qr(inline_qr(&sheet)), reprinted);
    assert_eq!(read_qr(&app.get_text(c, &format!("/orders/{order}/qr.svg")).await.1), reprinted);
    assert_eq!(app.get(&s.tech, &format!("/orders/{order}/qr.svg")).await.status(), 403);
}

// ---------------------------------------------------------------------------------------------
// 6. The board.

/// The board's `data-version`, once asking with it answers "no change". The version also
/// carries the minute (for "late"), so it is read again if a minute turned in between.
async fn settled_board_version(app: &TestApp, c: &Client) -> String {
    for _ in 0..3 {
        let (_, page) = app.get_text(c, "/board").await;
        let version = attr(&page, "data-version=\"");
        let response = app.get(c, &format!("/board?v={version}")).await;
        if response.status() == StatusCode::NO_CONTENT {
            assert!(response.text().await.unwrap().is_empty());
            return version;
        }
    }
    panic!("the board never answered 204 to its own version");
}

#[tokio::test]
async fn the_board_shows_orders_in_their_column_and_answers_polls_only_when_something_changed() {
    let s = shop().await;
    let (app, c) = (&s.app, &s.advisor);
    let (_, page) = app.get_text(&s.tech, "/board").await;
    assert!(page.contains("车间里现在没有车。"));

    let vehicle = car(app, c, "张伟", "13800138000", "京A12345").await;
    let order = open_order(app, c, vehicle).await;
    labour(app, c, order, "更换刹车片", "1", s.tech_id).await;
    let number = number_in(&order_page(app, c, order).await);

    let (status, page) = app.get_text(c, "/board").await;
    assert_eq!(status, StatusCode::OK);
    let open = column(&page, "待派工");
    assert!(open.contains("京A·12345") && open.contains(&number) && open.contains("张伟"));
    assert!(open.contains(&format!("href=\"/orders/{order}\"")), "the desk opens the order from its card");
    assert!(!column(&page, "维修中").contains("京A·12345"));

    let version = settled_board_version(app, c).await;
    // The order page polls its own version the same way.
    let seen = attr(&order_page(app, c, order).await, "/live?v=");
    let live = format!("/orders/{order}/live?v={seen}");
    assert_eq!(app.get(c, &live).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(set_state(app, c, order, "in_progress", "").await.status(), StatusCode::SEE_OTHER);
    let response = app.get(c, &live).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.text().await.unwrap().starts_with("<div id=\"order-live\""));
    let response = app.get(c, &format!("/board?v={version}")).await;
    assert_eq!(response.status(), StatusCode::OK);
    let fragment = response.text().await.unwrap();
    assert!(fragment.starts_with("<div id=\"board\""), "only the board, for htmx to swap");
    assert!(!fragment.contains("<html"));
    assert_ne!(attr(&fragment, "data-version=\""), version);
    let working = column(&fragment, "维修中");
    assert!(working.contains("京A·12345") && working.contains("tech1"));
    assert!(!column(&fragment, "待派工").contains("京A·12345"));

    // The list view and a technician's board: the same cars, no way into the order.
    let (_, list) = app.get_text(&s.tech, "/board?view=list").await;
    assert!(list.contains("京A·12345") && list.contains("state-in_progress") && list.contains(&number));
    assert!(!list.contains(&format!("href=\"/orders/{order}\"")));
    let version = settled_board_version(app, &s.tech).await;
    let response = app.get(&s.tech, &format!("/board?v={version}&view=list")).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);

    // Cancelled: off the board.
    set_state(app, c, order, "cancelled", "客户不修了").await;
    let (_, page) = app.get_text(c, "/board").await;
    assert!(!page.contains("京A·12345") && page.contains("车间里现在没有车。"));
}

// ---------------------------------------------------------------------------------------------
// 7. The order list.

#[tokio::test]
async fn the_order_list_filters_and_finds_orders_by_number_plate_and_customer() {
    let s = shop().await;
    let (app, c) = (&s.app, &s.advisor);
    let zhang = car(app, c, "张伟", "13800138000", "京A12345").await;
    let li = car(app, c, "李娜", "13722223333", "沪B54321").await;
    let advisor = s.advisor_id.to_string();
    let tomorrow = shop_time(24 * 60);
    let response = open_with(app, c, zhang, &[("advisor_id", &advisor), ("promised_at", &tomorrow)]).await;
    let a = id_in(&location(&response), "/orders/");
    labour(app, c, a, "更换刹车片", "1", s.tech_id).await;
    set_state(app, c, a, "in_progress", "").await;
    // Promised five minutes ago (within the slack the form allows): late at once.
    let response = open_with(app, c, li, &[("promised_at", &shop_time(-5))]).await;
    let b = id_in(&location(&response), "/orders/");
    let number_a = number_in(&order_page(app, c, a).await);

    let (a_row, b_row) = (format!("href=\"/orders/{a}\""), format!("href=\"/orders/{b}\""));
    let list = |query: String| {
        let (app, c) = (app, c);
        async move {
            let (status, page) = app.get_text(c, &format!("/orders?{query}")).await;
            assert_eq!(status, StatusCode::OK, "{query}");
            page
        }
    };
    let shows = |page: &str, a_shown: bool, b_shown: bool, what: &str| {
        assert_eq!(page.contains(&a_row), a_shown, "{what}: order a");
        assert_eq!(page.contains(&b_row), b_shown, "{what}: order b");
    };

    let page = list(String::new()).await;
    shows(&page, true, true, "everything");
    assert!(
        page.contains("¥120.00") && page.contains("<span class=\"badge bad\">超时</span>"),
        "estimate, late"
    );
    shows(&list(format!("q={}", encode(&number_a))).await, true, false, "by number");
    shows(&list(format!("q={}", encode("沪b 54321"))).await, false, true, "by plate");
    shows(&list(format!("q={}", encode("张伟"))).await, true, false, "by customer name");
    shows(&list("q=13722223333".into()).await, false, true, "by phone");
    let page = list(format!("q={}", encode("王五"))).await;
    shows(&page, false, false, "nobody");
    assert!(page.contains("没有符合条件的工单。"));

    shows(&list("state=in_progress".into()).await, true, false, "state");
    shows(&list("state=open".into()).await, false, true, "state");
    shows(&list(format!("advisor={advisor}")).await, true, false, "advisor");
    shows(&list(format!("technician={}", s.tech_id)).await, true, false, "technician");
    shows(&list("late=1".into()).await, false, true, "late");
    shows(&list(format!("from={}&to={}", shop_day(0), shop_day(0))).await, true, true, "opened today");
    shows(&list(format!("from={}", shop_day(1))).await, false, false, "opened from tomorrow");
    shows(&list(format!("to={}", shop_day(-1))).await, false, false, "opened until yesterday");
    shows(&list(format!("q={}&state=open", encode("张伟"))).await, false, false, "search and state");
    // Filters that make no sense are ignored, not errors.
    shows(&list("state=flying&advisor=x&from=2026-13-45&page=0".into()).await, true, true, "garbage");

    assert_eq!(app.get(&s.tech, "/orders").await.status(), StatusCode::FORBIDDEN);
}

// ---------------------------------------------------------------------------------------------
// 8. Bad input.

#[tokio::test]
async fn bad_input_is_refused_beside_its_field_and_never_a_server_error() {
    let s = shop().await;
    let (app, c) = (&s.app, &s.advisor);
    let vehicle = car(app, c, "张伟", "13800138000", "京A12345").await;
    let order = open_order(app, c, vehicle).await;
    labour(app, c, order, "更换刹车片", "1", s.tech_id).await;
    let lines = format!("/orders/{order}/lines");
    let huge = "很".repeat(5000);

    // Each form: what is refused, what the page must say, what it must keep.
    let cases: Vec<(Fields, Vec<&str>, Vec<String>)> = vec![
        (
            vec![("kind", "labor"), ("description", ""), ("hours", "一个半"), ("unit_price", "")],
            vec!["必填。", "请输入数字，例如 12.5。"],
            vec!["value=\"一个半\"".into()],
        ),
        (
            vec![("kind", "labor"), ("description", "x"), ("hours", "1e3"), ("unit_price", "12,50")],
            vec!["请输入数字，例如 12.5。"],
            vec!["value=\"1e3\"".into(), "value=\"12,50\"".into()],
        ),
        (
            vec![("kind", "labor"), ("description", "x"), ("hours", "-1")],
            vec!["请输入 0.01 到 500 之间的数。"],
            vec!["value=\"-1\"".into()],
        ),
        (
            vec![("kind", "part"), ("description", "x"), ("qty", "1.2345"), ("unit_price", "9999999999")],
            vec!["最多 3 位小数。", "请输入 0 到 1000000 之间的数。"],
            vec!["value=\"1.2345\"".into(), "value=\"9999999999\"".into()],
        ),
        (
            vec![
                ("kind", "part"),
                ("description", "x"),
                ("qty", "99999999999999999999999999999999999"),
                ("unit_price", "NaN"),
            ],
            vec!["请输入数字，例如 12.5。"],
            vec!["value=\"NaN\"".into()],
        ),
        (
            vec![("kind", "gift"), ("description", huge.as_str()), ("qty", "1"), ("unit_price", "1")],
            vec!["最多 200 个字符。"],
            vec![format!("value=\"{huge}\"")],
        ),
        (
            vec![("kind", "labor"), ("description", "x"), ("hours", "1"), ("technician_id", "999")],
            vec!["请选择一位在职技师。"],
            vec![],
        ),
        (
            vec![("kind", "part"), ("description", "x"), ("qty", "1"), ("unit_price", "1"), ("part_id", "7")],
            vec!["配件目录中没有这个配件。"],
            vec![],
        ),
    ];
    for (fields, messages, kept) in &cases {
        let response = post(app, c, &lines, fields).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{fields:?}");
        let html = response.text().await.unwrap();
        assert!(html.contains("请修改下面标出的内容。"), "{fields:?}");
        for message in messages {
            assert!(html.contains(message), "{fields:?}: {message}");
        }
        for value in kept {
            assert!(html.contains(value.as_str()), "{fields:?}: keeps {}", &value[..value.len().min(40)]);
        }
    }
    let html = order_page(app, c, order).await;
    assert_eq!(total(&html, "estimate"), "¥120.00", "no bad line was added");
    // Full-width digits from a Chinese input method are numbers.
    part(app, c, order, "机油滤芯", "１", "４５．８０").await;
    assert_eq!(total(&order_page(app, c, order).await, "parts"), "¥45.80");

    // Editing a line: refused on the line's page, typed values kept.
    let response = post(
        app,
        c,
        &format!("/orders/{order}/lines/1"),
        &[("kind", "labor"), ("description", "x"), ("hours", "abc")],
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(html.contains("请输入数字，例如 12.5。") && html.contains("value=\"abc\""));

    // The reception form.
    let fields = [
        ("mileage", "-5"),
        ("fuel", "9"),
        ("complaint", " "),
        ("promised_at", "明天下午"),
        ("advisor_id", "999"),
        ("items_left", huge.as_str()),
    ];
    let response = open_with(app, c, vehicle, &fields).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    for message in [
        "请输入整数。",
        "请输入 0 到 4 之间的数。",
        "必填。",
        "请输入日期和时间",
        "请从列表中选择。",
        "最多 500 个字符。",
    ] {
        assert!(html.contains(message), "reception: {message}");
    }
    assert!(html.contains("value=\"-5\"") && html.contains("value=\"明天下午\""));
    let response =
        open_with(app, c, vehicle, &[("promised_at", &shop_time(-60)), ("confirm_second", "1")]).await;
    assert!(response.text().await.unwrap().contains("交车时间不能早于现在。"));

    // Approvals, diagnosis and status with nonsense.
    let approvals = format!("/orders/{order}/approvals");
    let fields = [("estimate_version", "abc"), ("method", "fax"), ("approver", ""), ("decision_1", "maybe")];
    let response = post(app, c, &approvals, &fields).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        response.text().await.unwrap().contains("估价在此期间被修改了"),
        "a nonsense version is an old one"
    );
    let (_, page) = app.get_text(c, &format!("/orders/{order}")).await;
    let marker = "name=\"estimate_version\" value=\"";
    let at = page.find(marker).expect("approval form") + marker.len();
    let version = page[at..].split('"').next().unwrap().to_string();
    let fields = [
        ("estimate_version", version.as_str()),
        ("method", "fax"),
        ("approver", ""),
        ("decision_1", "maybe"),
    ];
    let response = post(app, c, &approvals, &fields).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(html.contains("请对每个待确认项目选择同意或拒绝。") && html.contains("请从列表中选择。"));
    let response = post(app, c, &format!("/orders/{order}/diagnosis"), &[("text", &"长".repeat(4001))]).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.text().await.unwrap().contains("最多 4000 个字符。"));
    let response = post(app, c, &format!("/orders/{order}/diagnosis"), &[("text", "  ")]).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let response =
        post(app, c, &format!("/orders/{order}/diagnosis"), &[("text", "前刹车片磨损到极限")]).await;
    assert_eq!(location(&response), format!("/orders/{order}?notice=diagnosis"));
    assert!(order_page(app, c, order).await.contains("前刹车片磨损到极限"));

    // Routes and ids that do not exist.
    let checks: Vec<(String, Fields, StatusCode)> = vec![
        (format!("/orders/{order}/status"), vec![("to", "flying")], StatusCode::BAD_REQUEST),
        (format!("/orders/{order}/templates"), vec![("template_id", "abc")], StatusCode::BAD_REQUEST),
        (format!("/orders/{order}/templates"), vec![("template_id", "999")], StatusCode::NOT_FOUND),
        (
            format!("/orders/{order}/lines/99"),
            vec![("kind", "fee"), ("description", "x"), ("unit_price", "1")],
            StatusCode::NOT_FOUND,
        ),
        (format!("/orders/{order}/lines/abc/remove"), vec![], StatusCode::NOT_FOUND),
        (format!("/orders/{order}/lines/99/remove"), vec![], StatusCode::NOT_FOUND),
        (format!("/orders/{order}/nonsense"), vec![], StatusCode::NOT_FOUND),
        (
            "/orders/999999/lines".into(),
            vec![("kind", "fee"), ("description", "x"), ("unit_price", "1")],
            StatusCode::NOT_FOUND,
        ),
        ("/orders".into(), vec![("vehicle_id", "abc"), ("complaint", "x")], StatusCode::BAD_REQUEST),
        ("/orders".into(), vec![("vehicle_id", "999999"), ("complaint", "x")], StatusCode::NOT_FOUND),
    ];
    for (path, fields, expected) in &checks {
        let response = post(app, c, path, fields).await;
        assert_eq!(response.status(), *expected, "POST {path} {fields:?}");
    }
    for path in
        ["/orders/999999", "/orders/999999/print", "/orders/999999/qr.svg", "/orders/new?vehicle_id=x"]
    {
        assert_eq!(app.get(c, path).await.status(), StatusCode::NOT_FOUND, "GET {path}");
    }
    assert_eq!(app.get(c, &format!("/orders/{order}/lines/99/edit")).await.status(), StatusCode::NOT_FOUND);

    // A template with a wrong row is named by its row; nothing is saved.
    let fields = [
        ("name", "坏套餐"),
        ("kind_0", "part"),
        ("description_0", "机油"),
        ("qty_0", "四"),
        ("unit_price_0", "58"),
    ];
    let response = app.post_form(&s.admin, "/templates/new", "/templates", &fields).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(html.contains("第 1 行不完整或数字不对") && html.contains("value=\"四\""));
    assert!(app.get_text(&s.admin, "/templates").await.1.contains("还没有保养套餐。"));
}

/// Bug (src/web/orders.rs, `line_fields`): the problem of the `kind` field is never rendered,
/// so an unknown kind is refused with only the banner.
#[tokio::test]
async fn an_unknown_line_kind_is_named_beside_the_kind() {
    let s = shop().await;
    let (app, c) = (&s.app, &s.advisor);
    let vehicle = car(app, c, "张伟", "13800138000", "京A12345").await;
    let order = open_order(app, c, vehicle).await;
    let fields = [("kind", "gift"), ("description", "x"), ("qty", "1"), ("unit_price", "1")];
    let response = add_line(app, c, order, &fields).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.text().await.unwrap().contains("请从列表中选择。"));
}
