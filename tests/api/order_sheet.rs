//! Issue 18's order page, printed order, people and settings: the next step offers exactly
//! what the server accepts, the line endpoints answer htmx with the page fragment and plain
//! forms with a redirect, people are shown by display name (the audit viewer in sentences), the
//! printed repair order carries the shop's header and terms, settings hide codes and pick time
//! zones from a list, and a CSV saved by a Chinese Excel (GBK) imports.

use reqwest::{Client, StatusCode};

use crate::fixtures::*;
use crate::helpers::*;

const STATES: [&str; 9] = [
    "draft",
    "open",
    "in_progress",
    "waiting_parts",
    "quality_check",
    "completed",
    "settled",
    "delivered",
    "cancelled",
];

/// The state moves the order page's next-step bar offers (its `data-next` buttons that are
/// states), in order.
fn moves_offered(html: &str) -> Vec<String> {
    let Some(start) = html.find("id=\"next-step\"") else { return Vec::new() };
    let bar =
        &html[start..start + html[start..].find("id=\"order-live\"").expect("the live part after the bar")];
    bar.split("<button")
        .skip(1)
        .filter_map(|b| b.split("data-next=\"").nth(1).map(|v| v[..v.find('"').unwrap()].to_string()))
        .filter(|to| STATES.contains(&to.as_str()))
        .collect()
}

/// Opens an order and walks it to `state` as the admin (one labour line for `tech`).
async fn order_in(s: &Shop, vehicle: u64, state: &str) -> u64 {
    let app = &s.app;
    let order = open_order(app, &s.admin, vehicle).await;
    labour(app, &s.admin, order, "检查底盘", "1", s.tech_id).await;
    let path: &[&str] = match state {
        "open" => &[],
        "in_progress" => &["in_progress"],
        "quality_check" => &["in_progress", "quality_check"],
        "completed" | "settled" => &["in_progress", "quality_check", "completed"],
        other => panic!("no path to {other}"),
    };
    for to in path {
        assert_eq!(set_state(app, &s.admin, order, to, "").await.status(), StatusCode::SEE_OTHER, "to {to}");
    }
    if state == "settled" {
        let response = post(app, &s.admin, &format!("/orders/{order}/settle"), &[]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "settled at checkout");
    }
    order
}

#[tokio::test]
async fn the_next_step_offers_exactly_the_moves_the_server_accepts_for_each_state_and_role() {
    let s = shop().await;
    let app = &s.app;
    let vehicle = car(app, &s.admin, "张伟", "13800138000", "京A12345").await;
    // A technician's moves are on their phone page, not this one; the parts clerk has neither.
    let parts = app.user_with_roles(&s.admin, "parts1", &["parts"]).await;
    let roles: [(&str, &Client); 4] =
        [("advisor", &s.advisor), ("cashier", &s.cashier), ("manager", &s.manager), ("parts", &parts)];
    let mut offered_somewhere = 0;
    for state in ["open", "in_progress", "quality_check", "completed", "settled"] {
        for (role, client) in roles {
            let order = order_in(&s, vehicle, state).await;
            let (status, html) = app.get_text(client, &format!("/orders/{order}")).await;
            if role == "parts" {
                assert_eq!(status, StatusCode::FORBIDDEN, "{role} on a {state} order");
            } else {
                assert_eq!(status, StatusCode::OK);
                assert_eq!(state_in(&html), state);
            }
            let offered = moves_offered(&html);
            // Whatever is not offered, the server refuses too (sent as the bar would send it,
            // without a reason), and the order stays where it was.
            for to in STATES.iter().filter(|to| !offered.iter().any(|o| o == *to)) {
                let response = set_state(app, client, order, to, "").await;
                assert_ne!(response.status(), StatusCode::SEE_OTHER, "{role} moved a {state} order to {to}");
                let (_, page) = app.get_text(&s.admin, &format!("/orders/{order}")).await;
                assert_eq!(state_in(&page), state, "{role}: {state} → {to} refused and nothing written");
            }
            // What is offered first (the one next step), the server accepts.
            if let Some(to) = offered.first() {
                offered_somewhere += 1;
                let response = set_state(app, client, order, to, "").await;
                assert_eq!(
                    response.status(),
                    StatusCode::SEE_OTHER,
                    "{role} may do what the bar offers: {state} → {to}"
                );
                let (_, page) = app.get_text(&s.admin, &format!("/orders/{order}")).await;
                assert_eq!(&state_in(&page), to);
            }
        }
    }
    assert!(offered_somewhere >= 6, "the bar offered moves ({offered_somewhere})");
}

/// Sends a form as htmx does from the order page (the CSRF token in its header).
async fn htmx_post(app: &TestApp, c: &Client, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    let token = app.csrf(c, "/").await;
    c.post(app.url(path))
        .header("HX-Request", "true")
        .header("X-CSRF-Token", token)
        .form(fields)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_line_endpoints_answer_htmx_with_the_page_fragment_and_plain_forms_with_a_redirect() {
    let s = shop().await;
    let app = &s.app;
    let vehicle = car(app, &s.advisor, "陈先生", "13912345678", "粤B12345").await;
    let order = open_order(app, &s.advisor, vehicle).await;
    let tech = s.tech_id.to_string();
    let line = |d: &'static str| {
        vec![
            ("kind", "labor"),
            ("description", d),
            ("hours", "1.5"),
            ("unit_price", ""),
            ("technician_id", ""),
        ]
    };

    // Without JavaScript: a full post, then the page again.
    let response = add_line(app, &s.advisor, order, &line("更换前刹车片")).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), format!("/orders/{order}?notice=lines"));

    // With htmx: the order's element alone, to be swapped where it stands.
    let mut fields = line("检查刹车盘");
    fields[4] = ("technician_id", tech.as_str());
    let response = htmx_post(app, &s.advisor, &format!("/orders/{order}/lines"), &fields).await;
    assert_eq!(response.status(), StatusCode::OK);
    let fragment = response.text().await.unwrap();
    assert!(fragment.starts_with("<div id=\"order-page\""), "{}", &fragment[..fragment.len().min(200)]);
    assert!(!fragment.contains("<html"), "a fragment, not a page");
    assert!(fragment.contains("检查刹车盘") && fragment.contains("更换前刹车片"));
    assert!(fragment.contains("1.5 小时"), "hours read as hours in Chinese tables");

    // A refused line: 422 and the fragment with the problem beside its field, typed kept.
    let bad =
        [("kind", "labor"), ("description", ""), ("hours", "abc"), ("unit_price", ""), ("technician_id", "")];
    let response = htmx_post(app, &s.advisor, &format!("/orders/{order}/lines"), &bad).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let fragment = response.text().await.unwrap();
    assert!(fragment.starts_with("<div id=\"order-page\"") && fragment.contains("field-msg"));
    assert!(fragment.contains("value=\"abc\""), "what was typed is kept");

    // Editing and removing a line answer the same way.
    let mut edited = line("更换前后刹车片");
    edited[2] = ("hours", "2");
    let response = htmx_post(app, &s.advisor, &format!("/orders/{order}/lines/1"), &edited).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.text().await.unwrap().contains("更换前后刹车片"));
    let response = post(app, &s.advisor, &format!("/orders/{order}/lines/1"), &edited).await;
    assert_eq!(location(&response), format!("/orders/{order}?notice=line"));
    let response =
        htmx_post(app, &s.advisor, &format!("/orders/{order}/lines/2/remove"), &[("from", "order")]).await;
    assert_eq!(response.status(), StatusCode::OK);
    let fragment = response.text().await.unwrap();
    assert!(fragment.starts_with("<div id=\"order-page\"") && !fragment.contains("检查刹车盘"));
    let response = post(app, &s.advisor, &format!("/orders/{order}/lines/1/remove"), &[]).await;
    assert_eq!(location(&response), format!("/orders/{order}?notice=removed"));
}

#[tokio::test]
async fn people_are_shown_by_display_name_and_the_audit_log_reads_as_sentences() {
    let s = shop().await;
    let app = &s.app;
    let fields = [
        ("username", "wang"),
        ("display_name", "王接待"),
        ("password", "wang-initial-pw"),
        ("roles", "advisor"),
    ];
    let response = app.post_form(&s.admin, "/admin/users", "/admin/users", &fields).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let wang = client();
    app.login(&wang, "wang", "wang-initial-pw").await;
    app.change_password(&wang, "wang-initial-pw", "wang-password-2").await;

    let vehicle = car(app, &wang, "陈先生", "13912345678", "粤B12345").await;
    let order = open_order(app, &wang, vehicle).await;
    labour(app, &wang, order, "更换机油", "0.5", s.tech_id).await;
    post(app, &wang, &format!("/orders/{order}/diagnosis"), &[("text", "机油变黑")]).await;
    assert_eq!(set_state(app, &wang, order, "in_progress", "").await.status(), StatusCode::SEE_OTHER);

    let page = order_page(app, &wang, order).await;
    let history = &page[page.find("id=\"history\"").expect("the history")..];
    assert!(history.contains("王接待"), "the history names the advisor by display name");
    assert!(!page.contains(">wang ·") && !page.contains(">wang<"), "never the login name");

    let (status, audit) = app.get_text(&s.admin, "/admin/audit").await;
    assert_eq!(status, StatusCode::OK);
    assert!(audit.contains("data-who=\"wang\">王接待<"), "the audit names people by display name");
    assert!(!audit.contains(">session.login<") && !audit.contains(">order.status<"), "no action codes");
    assert!(audit.contains("data-action=\"session.login\">登录了<"), "the action as a sentence");
    assert!(audit.contains("data-action=\"order.status\">更改了工单状态<"));
    let number = number_in(&page);
    assert!(
        audit.contains(&format!("href=\"/orders/{order}\">工单 {number}<")),
        "the record as a linked label"
    );
    assert!(!audit.contains(">user:"), "no raw record codes");
    // The filter still finds a person (chosen by name, sent as their login).
    let (_, mine) = app.get_text(&s.admin, "/admin/audit?who=wang").await;
    assert!(mine.contains("<option value=\"wang\" selected>王接待</option>"));
    assert!(!mine.contains("data-who=\"admin\""), "only wang's entries");
}

#[tokio::test]
async fn the_printed_order_is_a_repair_order_with_the_shops_header_and_terms_and_no_state_codes() {
    let s = shop().await;
    let app = &s.app;
    app.save_settings(
        &s.admin,
        &[
            ("shop_name", "老王汽修"),
            ("shop_address", "深圳市南山区科技园路 8 号"),
            ("shop_phone", "0755-8888 6666"),
        ],
    )
    .await;
    let vehicle = car(app, &s.advisor, "陈先生", "13912345678", "粤B12345").await;
    let order =
        open_with(app, &s.advisor, vehicle, &[("mileage", "53456"), ("fuel", "2"), ("confirm_second", "1")])
            .await;
    let order = crate::customers::id_in(&location(&order), "/orders/");
    labour(app, &s.advisor, order, "更换前刹车片", "1.5", s.tech_id).await;
    part(app, &s.advisor, order, "刹车片", "2", "180").await;
    assert_eq!(set_state(app, &s.advisor, order, "in_progress", "").await.status(), StatusCode::SEE_OTHER);

    for layout in ["a4", "receipt"] {
        let (status, sheet) =
            app.get_text(&s.advisor, &format!("/orders/{order}/print?layout={layout}")).await;
        assert_eq!(status, StatusCode::OK);
        let head = &sheet[sheet.find("data-shop").expect("the shop's header")..];
        assert!(
            head.contains("老王汽修") && head.contains("科技园路 8 号") && head.contains("0755-8888 6666")
        );
        assert!(sheet.contains("汽车维修委托书"));
        assert!(sheet.contains("53,456 公里"), "the mileage at intake, grouped");
        assert!(sheet.contains("进厂油量") && sheet.contains("半箱"), "the fuel at intake: {layout}");
        assert!(
            sheet.contains("data-group=\"labor\"") && sheet.contains("data-group=\"part\""),
            "labour and parts apart"
        );
        assert!(sheet.contains(">tech1<"), "the technician");
        assert!(sheet.contains("data-terms") && sheet.contains("贵重物品"), "the default terms");
        assert!(
            !sheet.contains(">维修中<") && !sheet.contains("state-") && !sheet.contains("in_progress"),
            "no internal state printed"
        );
        // On 80 mm too, every value keeps its label.
        assert!(sheet.contains("<span class=\"fact-label\">进厂里程</span>"), "{layout} keeps labels");
        assert_eq!(sheet.matches("class=\"sig-line\"").count(), 3, "three signature lines");
    }

    // The shop's own terms replace the default, in both languages.
    app.save_settings(&s.admin, &[("print_terms", "本店条款第一条\n本店条款第二条")]).await;
    let (_, sheet) = app.get_text(&s.advisor, &format!("/orders/{order}/print")).await;
    assert!(sheet.contains("<p>本店条款第一条</p><p>本店条款第二条</p>") && !sheet.contains("贵重物品"));
}

#[tokio::test]
async fn settings_show_labels_not_codes_and_refuse_a_time_zone_not_in_the_list() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (_, page) = app.get_text(&admin, "/admin/settings").await;
    let sources = &page[page.find("name=\"customer_sources\"").unwrap()..];
    let sources = &sources[..sources.find("</textarea>").unwrap()];
    assert!(sources.contains("自然到店") && !sources.contains("walk_in"), "labels, not codes: {sources}");
    let zones = &page[page.find("<select id=\"f-time_zone\"").expect("a time-zone picker")..];
    assert!(zones.starts_with(
        "<select id=\"f-time_zone\" name=\"time_zone\"><option value=\"Asia/Shanghai\" selected>"
    ));
    assert!(zones.contains("<option value=\"Europe/Berlin\">"));

    // Labels typed back are stored as the codes the customer forms use.
    app.save_settings(
        &admin,
        &[("customer_sources", "自然到店\n老客户介绍\nOnline"), ("customer_levels", "普通客户\nVIP客户")],
    )
    .await;
    let (_, form) = app.get_text(&admin, "/customers/new").await;
    assert!(form.contains("<option value=\"walk_in\"") && form.contains("<option value=\"online\""));
    assert!(form.contains("<option value=\"老客户介绍\"") && form.contains("<option value=\"vip\""));

    // A zone that is not in the list is refused beside the picker, everything typed kept.
    let mut fields = vec![
        ("shop_name", "老王汽修"),
        ("time_zone", "Mars/Olympus"),
        ("default_lang", "zh"),
        ("password_min_len", "10"),
        ("session_idle_minutes", "120"),
        ("session_absolute_hours", "12"),
        ("technician_session_hours", "12"),
        ("customer_sources", "自然到店"),
        ("customer_levels", "普通客户"),
        ("labour_rate", "120"),
        ("order_number_format", "{date}-{seq}"),
        ("backup_time", "02:00"),
        ("backup_keep", "14"),
    ];
    let response = app.post_form(&admin, "/admin/settings", "/admin/settings", &fields).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = response.text().await.unwrap();
    let field = &page[page.find("<select id=\"f-time_zone\"").unwrap()..];
    assert!(field.contains("<option value=\"Mars/Olympus\" selected>"), "what was sent is kept");
    assert!(page.contains("未知时区"), "the message beside the picker");
    assert!(page.contains("value=\"老王汽修\""));
    fields[1] = ("time_zone", "Asia/Urumqi");
    let response = app.post_form(&admin, "/admin/settings", "/admin/settings", &fields).await;
    assert_eq!(location(&response), "/admin/settings?saved=1");
}

#[tokio::test]
async fn a_csv_saved_by_a_chinese_excel_in_gbk_is_read_and_previewed() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let c = app.user_with_roles(&admin, "advisor1", &["advisor"]).await;
    let text = "姓名,手机,车牌号,品牌\r\n韦秀英,13000000011,粤B11111,大众\r\n黄子涵,13000000012,,\r\n";
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(text);
    assert!(!unmappable && std::str::from_utf8(&gbk).is_err(), "the fixture is GBK, not UTF-8");

    let token = app.csrf(&c, "/customers/import").await;
    let form = reqwest::multipart::Form::new()
        .text("csrf", token)
        .part("file", reqwest::multipart::Part::bytes(gbk.into_owned()).file_name("客户.csv"));
    let response = c.post(app.url("/customers/import")).multipart(form).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    assert!(
        html.contains("韦秀英") && html.contains("黄子涵") && html.contains("粤B"),
        "the preview reads the names"
    );
    assert!(html.contains("确认导入 2 位客户"), "both rows ready");
}
