//! Customers and vehicles: search, create, edit, status, delete, plates, transfer, kiosk.

use reqwest::{Client, StatusCode};

use crate::helpers::*;

/// Creates a customer through the form; returns its id.
pub async fn create_customer(app: &TestApp, c: &Client, name: &str, phone: &str) -> u64 {
    let response = app
        .post_form(
            c,
            "/customers/new",
            "/customers",
            &[("kind", "person"), ("name", name), ("phone", phone), ("confirm_phone", "1")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "customer {name} created");
    id_in(&location(&response), "/customers/")
}

pub async fn create_vehicle(app: &TestApp, c: &Client, customer: u64, plate: &str) -> reqwest::Response {
    let customer = customer.to_string();
    app.post_form(
        c,
        &format!("/vehicles/new?customer_id={customer}"),
        "/vehicles",
        &[
            ("customer_id", customer.as_str()),
            ("plate", plate),
            ("make", "大众"),
            ("model", "朗逸"),
            ("mileage", "52000"),
        ],
    )
    .await
}

pub fn id_in(location: &str, prefix: &str) -> u64 {
    let rest = &location[location.find(prefix).unwrap() + prefix.len()..];
    rest.chars().take_while(char::is_ascii_digit).collect::<String>().parse().unwrap()
}

async fn advisor(app: &TestApp) -> Client {
    let admin = app.admin().await;
    app.user_with_roles(&admin, "advisor1", &["advisor"]).await
}

#[tokio::test]
async fn quick_search_finds_by_chinese_substring_phone_fragment_and_plate_in_any_spelling() {
    let app = spawn_app().await;
    let c = advisor(&app).await;
    let zhang = create_customer(&app, &c, "张伟", "13800138000").await;
    let wei = create_customer(&app, &c, "Wei Zhang", "13911112222").await;
    create_customer(&app, &c, "李娜", "13722223333").await;
    assert_eq!(create_vehicle(&app, &c, zhang, "京A12345").await.status(), StatusCode::SEE_OTHER);

    let search = |q: &'static str| {
        let app = &app;
        let c = &c;
        async move { app.get_text(c, &format!("/customers?q={}", urlencode(q))).await.1 }
    };
    let page = search("张").await;
    assert!(page.contains("张伟") && !page.contains("李娜"), "Chinese substring");
    let page = search("wei").await;
    assert!(page.contains("Wei Zhang") && page.contains(&format!("/customers/{wei}")));
    let page = search("0013").await;
    assert!(page.contains("张伟") && !page.contains("Wei Zhang"), "phone fragment");
    let page = search("京a 12345").await;
    assert!(page.contains("张伟") && page.contains("京A·12345"), "plate in any case and spacing");

    // As you type: htmx asks for the results only.
    let fragment = c
        .get(app.url("/customers?q=%E5%BC%A0"))
        .header("hx-request", "true")
        .header("hx-target", "results")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(fragment.starts_with("<section id=\"results\"") && fragment.contains("张伟"));
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

#[tokio::test]
async fn a_new_customer_is_checked_and_a_shared_phone_needs_confirming() {
    let app = spawn_app().await;
    let c = advisor(&app).await;
    let response = app
        .post_form(
            &c,
            "/customers/new",
            "/customers",
            &[
                ("kind", "person"),
                ("name", "王芳"),
                ("phone", "1380013800"),
                ("email", "wang@"),
                ("birthday", "2999-01-01"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(
        html.contains("电话号码不对") && html.contains("邮箱格式不对") && html.contains("日期不能晚于今天")
    );
    assert!(html.contains("value=\"王芳\"") && html.contains("value=\"1380013800\""), "typed values kept");

    let first = create_customer(&app, &c, "王芳", "13800138000").await;
    // The same phone for someone else: a warning with a link, then saved once confirmed.
    let fields = [("kind", "person"), ("name", "王强"), ("phone", "138-0013-8000")];
    let response = app.post_form(&c, "/customers/new", "/customers", &fields).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(html.contains("这个电话号码已被以下客户使用") && html.contains(&format!("/customers/{first}")));
    let mut confirmed = fields.to_vec();
    confirmed.push(("confirm_phone", "1"));
    let response = app.post_form(&c, "/customers/new", "/customers", &confirmed).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (_, page) = app.get_text(&c, &location(&response)).await;
    assert!(page.contains("王强") && page.contains("138 0013 8000") && page.contains("已保存"));
}

#[tokio::test]
async fn a_stale_customer_edit_is_refused() {
    let app = spawn_app().await;
    let c = advisor(&app).await;
    let id = create_customer(&app, &c, "赵六", "13611112222").await;
    let edit = [("version", "1"), ("kind", "person"), ("name", "赵六六"), ("phone", "13611112222")];
    let response =
        app.post_form(&c, &format!("/customers/{id}/edit"), &format!("/customers/{id}"), &edit).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let stale = [("version", "1"), ("kind", "person"), ("name", "赵七"), ("phone", "13611112222")];
    let response =
        app.post_form(&c, &format!("/customers/{id}/edit"), &format!("/customers/{id}"), &stale).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(html.contains("此记录已被他人修改") && html.contains("value=\"赵七\""));
    let (_, page) = app.get_text(&c, &format!("/customers/{id}")).await;
    assert!(page.contains("赵六六") && !page.contains("赵七"));
}

#[tokio::test]
async fn a_plate_belongs_to_one_vehicle_and_moves_with_its_history() {
    let app = spawn_app().await;
    let c = advisor(&app).await;
    let a = create_customer(&app, &c, "周一", "13511112222").await;
    let b = create_customer(&app, &c, "吴二", "13522223333").await;
    let response = create_vehicle(&app, &c, a, "沪B 54321").await;
    let vehicle = id_in(&location(&response), "/vehicles/");

    // The same plate again, typed differently: refused with a link to the existing car.
    let response = create_vehicle(&app, &c, b, "沪b54321").await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(
        html.contains("这个车牌已属于另一辆车") && html.contains(&format!("href=\"/vehicles/{vehicle}\""))
    );

    // Transfer to b keeps the history: a is a previous owner.
    let response = app
        .post_form(
            &c,
            &format!("/vehicles/{vehicle}"),
            &format!("/vehicles/{vehicle}/transfer"),
            &[("customer_id", &b.to_string()), ("version", "1")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (_, page) = app.get_text(&c, &format!("/vehicles/{vehicle}")).await;
    assert!(page.contains("以前的车主") && page.contains("周一") && page.contains("吴二"));
    let (_, page) = app.get_text(&c, "/customers?q=54321").await;
    assert!(page.contains("吴二") && !page.contains("周一"), "search follows the new owner");

    // The odometer does not go back unless confirmed.
    let edit = |mileage: &'static str, confirm: bool| {
        let mut f = vec![("version", "2"), ("customer_id", ""), ("plate", "沪B54321"), ("mileage", mileage)];
        if confirm {
            f.push(("confirm_mileage", "1"));
        }
        f
    };
    let path = format!("/vehicles/{vehicle}");
    let response = app.post_form(&c, &format!("{path}/edit"), &path, &edit("1000", false)).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.text().await.unwrap().contains("里程比上次记录的 52000 公里还少"));
    let response = app.post_form(&c, &format!("{path}/edit"), &path, &edit("1000", true)).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);

    // A form refused for a typo keeps the version it was loaded at: if someone else saved in
    // between, sending it again is refused as stale, not an overwrite.
    let refused =
        app.post_form(&c, &format!("{path}/edit"), &path, &[("version", "3"), ("plate", "x")]).await;
    assert!(refused.text().await.unwrap().contains("name=\"version\" value=\"3\""));
    let other = app
        .post_form(
            &c,
            &format!("{path}/edit"),
            &path,
            &[("version", "3"), ("plate", "沪B54321"), ("color", "红色")],
        )
        .await;
    assert_eq!(other.status(), StatusCode::SEE_OTHER);
    let again = app
        .post_form(
            &c,
            &format!("{path}/edit"),
            &path,
            &[("version", "3"), ("plate", "沪B54321"), ("color", "蓝色")],
        )
        .await;
    assert!(again.text().await.unwrap().contains("此记录已被他人修改"));
}

#[tokio::test]
async fn customers_with_business_cannot_be_deleted_and_dormant_ones_hide_from_lists() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let seller = create_customer(&app, &admin, "钱三", "13412345678").await;
    let buyer = create_customer(&app, &admin, "孙四", "13487654321").await;
    let response = create_vehicle(&app, &admin, seller, "粤B12345").await;
    let vehicle = id_in(&location(&response), "/vehicles/");
    app.post_form(
        &admin,
        "/",
        &format!("/vehicles/{vehicle}/transfer"),
        &[("customer_id", &buyer.to_string()), ("version", "1")],
    )
    .await;

    for id in [seller, buyer] {
        let response = app.post_form(&admin, "/", &format!("/customers/{id}/delete"), &[]).await;
        assert_eq!(location(&response), format!("/customers/{id}?refused=business"));
        let (_, page) = app.get_text(&admin, &location(&response)).await;
        assert!(page.contains("不能删除") && page.contains("无效"));
    }

    // A customer without business goes; an advisor may not delete at all.
    let nobody = create_customer(&app, &admin, "路人", "13400000000").await;
    let advisor = app.user_with_roles(&admin, "advisor2", &["advisor"]).await;
    let response = app.post_form(&advisor, "/", &format!("/customers/{nobody}/delete"), &[]).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let response = app.post_form(&admin, "/", &format!("/customers/{nobody}/delete"), &[]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.get(&admin, &format!("/customers/{nobody}")).await.status(), StatusCode::NOT_FOUND);

    // Dormant: hidden from the default list, found by search and by the status filter.
    app.post_form(&admin, "/", &format!("/customers/{seller}/status"), &[("status", "dormant")]).await;
    let (_, list) = app.get_text(&admin, "/customers").await;
    assert!(!list.contains("钱三") && list.contains("孙四"));
    let (_, found) = app.get_text(&admin, "/customers?q=%E9%92%B1").await;
    assert!(found.contains("钱三") && found.contains("休眠"));
    let (_, filtered) = app.get_text(&admin, "/customers?status=dormant").await;
    assert!(filtered.contains("钱三") && !filtered.contains("孙四"));

    let (_, audit) = app.get_text(&admin, "/admin/audit").await;
    for action in
        ["customer.create", "vehicle.create", "vehicle.transfer", "customer.status", "customer.delete"]
    {
        assert!(audit.contains(action), "{action} audited");
    }
}

#[tokio::test]
async fn hostile_names_render_as_inert_text() {
    let app = spawn_app().await;
    let c = advisor(&app).await;
    let script = create_customer(&app, &c, "<script>alert(1)</script>", "13300000001").await;
    let htmx = create_customer(&app, &c, "x\" hx-get=\"/x\" hx-trigger=\"load", "13300000002").await;
    for id in [script, htmx] {
        let (_, page) = app.get_text(&c, &format!("/customers/{id}")).await;
        assert!(!page.contains("<script>alert"), "escaped");
        assert!(!page.contains("hx-get=\"/x\""), "no live htmx attribute");
    }
    let (_, list) = app.get_text(&c, "/customers").await;
    assert!(list.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(list.contains("x&quot; hx-get=&quot;/x&quot;"));
}

#[tokio::test]
async fn the_kiosk_creates_an_unknown_plates_car_and_owner_in_one_go() {
    let app = spawn_app().await;
    let c = advisor(&app).await;
    let (status, page) = app.get_text(&c, "/lookup?plate=%E6%B5%99a%2088888").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("新车辆与车主") && page.contains("value=\"浙a 88888\""));

    // A broken owner leaves nothing behind.
    let fields =
        [("plate", "浙A88888"), ("make", "丰田"), ("kind", "person"), ("name", ""), ("phone", "13255556666")];
    let response = app.post_form(&c, "/lookup", "/lookup/new", &fields).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let (_, page) = app.get_text(&c, "/lookup?plate=%E6%B5%99A88888").await;
    assert!(page.contains("新车辆与车主"), "no vehicle was saved");

    let fields = [
        ("plate", "浙A88888"),
        ("make", "丰田"),
        ("model", "卡罗拉"),
        ("kind", "person"),
        ("name", "郑七"),
        ("phone", "13255556666"),
    ];
    let response = app.post_form(&c, "/lookup", "/lookup/new", &fields).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (_, page) = app.get_text(&c, &location(&response)).await;
    assert!(page.contains("浙A·88888") && page.contains("郑七") && page.contains("丰田 卡罗拉"));

    // An owner chosen from a list that no longer exists is named, not a bare error.
    let fields = [("plate", "浙A77777"), ("owner", "999999"), ("name", ""), ("phone", "")];
    let response = app.post_form(&c, "/lookup", "/lookup/new", &fields).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.text().await.unwrap().contains("找不到该客户"));

    // Now the plate is known: the lookup shows car and owner.
    let (_, page) = app.get_text(&c, "/lookup?plate=%E6%B5%99a88888").await;
    assert!(page.contains("郑七") && page.contains("车辆档案"));
}

#[tokio::test]
async fn only_front_office_roles_see_customers() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    for role in ["technician", "cashier", "parts"] {
        let c = app.user_with_roles(&admin, &format!("{role}9"), &[role]).await;
        let paths = [
            "/customers",
            "/customers/new",
            "/customers/import",
            "/customers/pick?q=a",
            "/customers/export.csv",
            "/customers/export.xlsx",
            "/vehicles",
            "/vehicles/new",
            "/lookup",
        ];
        for path in paths {
            assert_eq!(app.get(&c, path).await.status(), StatusCode::FORBIDDEN, "{role} {path}");
        }
        for route in
            ["/customers", "/vehicles", "/lookup/new", "/vehicles/1/transfer", "/customers/import/confirm"]
        {
            let response = app.post_form(&c, "/", route, &[("name", "x"), ("phone", "13800000000")]).await;
            assert_eq!(response.status(), StatusCode::FORBIDDEN, "{role} POST {route}");
        }
    }
    let manager = app.user_with_roles(&admin, "manager9", &["manager"]).await;
    assert_eq!(app.get(&manager, "/customers").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_list_exports_to_csv_and_search_survives_a_restart() {
    let mut app = spawn_app().await;
    let c = advisor(&app).await;
    let id = create_customer(&app, &c, "冯八,\"老冯\"", "13100001111").await;
    create_vehicle(&app, &c, id, "苏E12345").await;
    let response = app.get(&c, "/customers/export.csv").await;
    assert_eq!(response.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = response.text().await.unwrap();
    assert!(csv.starts_with('\u{feff}'));
    assert!(csv.contains("\"冯八,\"\"老冯\"\"\"") && csv.contains("苏E12345") && csv.contains("13100001111"));

    app.restart().await;
    let (_, page) = app.get_text(&c, "/customers?q=%E8%8B%8Fe%201234").await;
    assert!(page.contains("冯八"), "the search index is rebuilt from the database");
}

async fn upload(app: &TestApp, c: &Client, name: &str, bytes: Vec<u8>) -> reqwest::Response {
    let token = app.csrf(c, "/customers/import").await;
    let form = reqwest::multipart::Form::new()
        .text("csrf", token)
        .part("file", reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()));
    c.post(app.url("/customers/import")).multipart(form).send().await.unwrap()
}

fn token_in(html: &str) -> String {
    let marker = "name=\"token\" value=\"";
    let at = html.find(marker).expect("a confirm token") + marker.len();
    html[at..at + 32].to_string()
}

#[tokio::test]
async fn a_spreadsheet_imports_good_rows_and_reports_duplicates_and_errors() {
    let app = spawn_app().await;
    let c = advisor(&app).await;
    let existing = create_customer(&app, &c, "老客户", "13000000001").await;
    create_vehicle(&app, &c, existing, "粤B00001").await;

    let csv = "\u{feff}姓名,手机,车牌号,品牌,车型,生日\r\n\
               新客户甲,13000000002,粤B00002,大众,朗逸,1980-05-01\r\n\
               老客户,130-0000-0001,,,,\r\n\
               \"坏, 电话\",12345,,,,\r\n\
               抢车牌,13000000003,粤B00001,,,\r\n\
               新客户乙,13000000004,\"粤B00004,粤B00005\",丰田,卡罗拉,\r\n\
               坏日期,13000000005,,,,1990-02-30\r\n";
    let csv = csv
        .replace("车型,生日", "车型,生日,车架号")
        .replace("朗逸,1980-05-01", "朗逸,1980-05-01,1M8GDM9AXKP042788");
    let csv = format!("{csv}同车架号,13000000006,粤B00006,,,,1M8GDM9AXKP042788\r\n");
    let response = upload(&app, &c, "customers.csv", csv.as_bytes().to_vec()).await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    // Two new, one duplicate, three errors, each with its reason.
    assert!(html.contains("已有同名同电话的客户"), "duplicate of an existing customer");
    assert!(html.contains("电话号码不对"), "broken phone");
    assert!(html.contains("这个车牌已属于另一辆车"), "plate already on file");
    assert!(html.contains("日期格式为"), "impossible date");
    assert!(html.contains("1M8GDM9AXKP042788 在文件中重复出现"), "a VIN twice in the file");
    assert!(html.contains("确认导入 2 位客户"));

    // Nothing is written before the confirmation.
    let (_, list) = app.get_text(&c, "/customers?q=%E6%96%B0%E5%AE%A2%E6%88%B7").await;
    assert!(!list.contains("新客户甲"));

    let response = app
        .post_form(&c, "/customers/import", "/customers/import/confirm", &[("token", &token_in(&html))])
        .await;
    assert_eq!(location(&response), "/customers?imported=2&vehicles=3");
    let (_, list) = app.get_text(&c, "/customers?q=%E6%96%B0%E5%AE%A2%E6%88%B7").await;
    assert!(list.contains("新客户甲") && list.contains("新客户乙") && list.contains("粤B·00005"));

    // The same token twice imports nothing more.
    let again = app
        .post_form(&c, "/customers/import", "/customers/import/confirm", &[("token", &token_in(&html))])
        .await;
    assert!(again.text().await.unwrap().contains("预览已过期"));
}

#[tokio::test]
async fn an_excel_file_round_trips_through_export_and_import() {
    let app = spawn_app().await;
    let c = advisor(&app).await;
    // An .xlsx as a shop would bring it: phone numbers stored as numbers, a date cell.
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (col, h) in ["name", "phone", "plates", "birthday"].iter().enumerate() {
        sheet.write_string(0, col as u16, *h).unwrap();
    }
    sheet.write_string(1, 0, "Excel客户").unwrap();
    sheet.write_number(1, 1, 13912345678.0).unwrap();
    sheet.write_string(1, 2, "京A88888").unwrap();
    let date = rust_xlsxwriter::ExcelDateTime::from_ymd(1988, 8, 8).unwrap();
    let format = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    sheet.write_datetime_with_format(1, 3, &date, &format).unwrap();
    let response = upload(&app, &c, "shop.xlsx", book.save_to_buffer().unwrap()).await;
    let html = response.text().await.unwrap();
    assert!(html.contains("确认导入 1 位客户"), "{html}");
    app.post_form(&c, "/customers/import", "/customers/import/confirm", &[("token", &token_in(&html))]).await;

    let (_, page) = app.get_text(&c, "/customers?q=Excel").await;
    let results = &page[page.find("id=\"results\"").unwrap()..];
    let id = id_in(results, "href=\"/customers/");
    let (_, page) = app.get_text(&c, &format!("/customers/{id}")).await;
    assert!(page.contains("139 1234 5678") && page.contains("1988-08-08") && page.contains("京A·88888"));

    // The export reads back: same columns, the customer in it.
    let response = app.get(&c, "/customers/export.xlsx").await;
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = response.bytes().await.unwrap();
    assert!(bytes.starts_with(b"PK"), "a zip container");
    let table = wrenchdesk::web::import::read_xlsx(&bytes).unwrap();
    assert_eq!(table[0][2], "name");
    assert!(
        table
            .iter()
            .any(|row| row.contains(&"Excel客户".to_string()) && row.contains(&"13912345678".to_string()))
    );
}
