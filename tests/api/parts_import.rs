//! The parts catalog as a spreadsheet: export, and import with a preview, over HTTP.

use reqwest::{Client, StatusCode};

use crate::helpers::{TestApp, location, spawn_app};

async fn clerk(app: &TestApp) -> Client {
    let admin = app.admin().await;
    app.user_with_roles(&admin, "clerk", &["parts"]).await
}

async fn new_part(app: &TestApp, c: &Client, number: &str, name: &str, price: &str) -> u64 {
    let fields = [
        ("number", number),
        ("name", name),
        ("unit", "litre"),
        ("cost", "18.5"),
        ("price", price),
        ("min_stock", "4"),
        ("category", "机油"),
        ("location", "B-02"),
        ("brand", "美孚"),
        ("fits", "丰田 卡罗拉, \"全系\""),
    ];
    let response = app.post_form(c, "/parts/new", "/parts", &fields).await;
    let to = location(&response);
    to.trim_start_matches("/parts/").split('?').next().unwrap().parse().expect("created")
}

async fn upload(app: &TestApp, c: &Client, name: &str, bytes: Vec<u8>) -> reqwest::Response {
    let token = app.csrf(c, "/parts/import").await;
    let form = reqwest::multipart::Form::new()
        .text("csrf", token)
        .part("file", reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()));
    c.post(app.url("/parts/import")).multipart(form).send().await.unwrap()
}

fn token_in(html: &str) -> Option<String> {
    let marker = "name=\"token\" value=\"";
    let at = html.find(marker)? + marker.len();
    Some(html[at..at + 32].to_string())
}

/// How many rows the preview counts of a kind (`new`, `changed`, `unchanged`, `invalid`).
fn count(html: &str, kind: &str) -> usize {
    let key = format!("data-count=\"{kind}\"");
    let at = html.find(&key).unwrap_or_else(|| panic!("no {kind} count"));
    let rest = &html[at..];
    let h3 = rest.find("<h3>").unwrap() + 4;
    rest[h3..].split('<').next().unwrap().parse().unwrap()
}

fn data(html: &str, attr: &str) -> String {
    let key = format!("{attr}=\"");
    let at = html.find(&key).unwrap_or_else(|| panic!("no {attr} in page"));
    html[at + key.len()..].split('"').next().unwrap().to_string()
}

fn check_passes(app: &TestApp) {
    let mut report = wrenchdesk::store::check::Report::default();
    app.store().read_now(|tx| wrenchdesk::store::check::invariants(tx, &mut report)).unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
}

#[tokio::test]
async fn an_exported_catalog_imports_back_with_no_changes() {
    let app = spawn_app().await;
    let c = clerk(&app).await;
    new_part(&app, &c, "MOB-10001", "全合成机油", "58.5").await;
    let id = new_part(&app, &c, "90915-YZZE1", "机油滤清器", "45").await;
    // A received part has an average cost of four places, an inactive part is exported too.
    let from = format!("/parts/{id}");
    app.post_form(&c, &from, &format!("/parts/{id}/receive"), &[("qty", "3"), ("unit_cost", "20.3333")])
        .await;

    let csv = app.get(&c, "/parts/export.csv").await;
    assert_eq!(csv.status(), StatusCode::OK);
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = csv.bytes().await.unwrap().to_vec();
    let text = String::from_utf8(csv.clone()).unwrap();
    assert!(text.starts_with(
        "\u{feff}number,name,spec,brand,unit,category,location,cost,price,min_stock,supplier,active,fits"
    ));
    assert!(text.contains("90915-YZZE1,机油滤清器,,美孚,litre,机油,B-02,"), "{text}");

    let before = app.fingerprint().await;
    for (name, bytes) in [
        ("parts.csv", csv),
        ("parts.xlsx", app.get(&c, "/parts/export.xlsx").await.bytes().await.unwrap().to_vec()),
    ] {
        let response = upload(&app, &c, name, bytes).await;
        assert_eq!(response.status(), StatusCode::OK, "{name}");
        let html = response.text().await.unwrap();
        assert_eq!(
            (
                count(&html, "unchanged"),
                count(&html, "new"),
                count(&html, "changed"),
                count(&html, "invalid")
            ),
            (2, 0, 0, 0),
            "{name}: {html}"
        );
        assert!(token_in(&html).is_none(), "{name}: nothing to confirm");
    }
    assert_eq!(app.fingerprint().await, before, "nothing stored");
}

#[tokio::test]
async fn a_changed_price_is_applied_and_a_new_part_created_on_confirmation() {
    let app = spawn_app().await;
    let c = clerk(&app).await;
    let id = new_part(&app, &c, "90915-YZZE1", "机油滤清器", "45").await;
    // The number as a shop types it: other case, a space for the dash; units by their label.
    let csv = "配件编号,名称,单位,售价,进价,分类\n\
               90915 yzze1,机油滤清器,升,48.5,99,机油\n\
               BRE-1,前刹车片,套,320,150,制动\n";
    let html = upload(&app, &c, "parts.csv", csv.as_bytes().to_vec()).await.text().await.unwrap();
    assert_eq!((count(&html, "changed"), count(&html, "new"), count(&html, "invalid")), (1, 1, 0), "{html}");
    assert!(html.contains("售价: 45 → 48.5"), "the change is shown");
    // Nothing is written before the confirmation.
    let (_, page) = app.get_text(&c, &format!("/parts/{id}")).await;
    assert!(page.contains("45.00") && !page.contains("48.50"));

    let token = token_in(&html).expect("a confirmation");
    let response = app.post_form(&c, "/parts/import", "/parts/import/confirm", &[("token", &token)]).await;
    assert_eq!(location(&response), "/parts?imported=1&changed=1");
    let (_, page) = app.get_text(&c, &format!("/parts/{id}")).await;
    assert!(page.contains("48.50"), "the new price");
    assert_eq!(data(&page, "data-avg-cost"), "18.5", "an import does not change the average cost");
    let (_, list) = app.get_text(&c, "/parts?q=qscp").await;
    assert!(list.contains("BRE-1"), "the new part, found by its pinyin initials");
    check_passes(&app);

    // The same token twice writes nothing more.
    let again = app.post_form(&c, "/parts/import", "/parts/import/confirm", &[("token", &token)]).await;
    assert!(again.text().await.unwrap().contains("预览已过期"));
}

#[tokio::test]
async fn an_invalid_row_is_refused_with_its_reason_and_never_written() {
    let app = spawn_app().await;
    let c = clerk(&app).await;
    let csv = "number,name,unit,price,min_stock,supplier\n\
               GOOD-1,好配件,piece,10,1,\n\
               BAD-1,坏价格,piece,12.345,1,\n\
               BAD-2,坏单位,barrel,10,1,\n\
               BAD-3,没有供应商,piece,10,1,无名汽配\n\
               GOOD-1,重复编号,piece,10,1,\n";
    let response = upload(&app, &c, "parts.csv", csv.as_bytes().to_vec()).await;
    let html = response.text().await.unwrap();
    assert_eq!((count(&html, "new"), count(&html, "invalid")), (1, 4), "{html}");
    assert!(html.contains("售价 D3 “12.345”"), "the field, its cell and what was typed");
    assert!(html.contains("单位 C4 “barrel”"));
    assert!(html.contains("常用供应商 F5 “无名汽配”"));
    assert!(html.contains("编号已在文件第 2 行出现"));
    assert!(html.contains("data-kind=\"invalid\""));

    let token = token_in(&html).unwrap();
    let response = app.post_form(&c, "/parts/import", "/parts/import/confirm", &[("token", &token)]).await;
    assert_eq!(location(&response), "/parts?imported=1&changed=0");
    let (_, list) = app.get_text(&c, "/parts?q=BAD").await;
    assert_eq!(data(&list, "data-total"), "0", "no refused row was written");

    // A file without a number column is refused whole, in the user's language.
    let response = upload(&app, &c, "parts.csv", "名称,售价\n机油,1\n".as_bytes().to_vec()).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.text().await.unwrap().contains("表头中找不到编号"));
}

#[tokio::test]
async fn a_part_edited_after_the_preview_refuses_the_whole_import() {
    let app = spawn_app().await;
    let c = clerk(&app).await;
    let id = new_part(&app, &c, "OIL-1", "机油", "45").await;
    let csv = "number,name,unit,price\nOIL-1,机油,litre,50\nNEW-9,新配件,piece,60\n";
    let html = upload(&app, &c, "parts.csv", csv.as_bytes().to_vec()).await.text().await.unwrap();
    assert_eq!((count(&html, "changed"), count(&html, "new")), (1, 1));
    // Someone edits the part meanwhile.
    let edit = format!("/parts/{id}/edit");
    let (_, form) = app.get_text(&c, &edit).await;
    let version = data(&form, "name=\"version\" value");
    let fields = [
        ("version", version.as_str()),
        ("number", "OIL-1"),
        ("name", "机油"),
        ("unit", "litre"),
        ("price", "47"),
        ("active", "1"),
    ];
    app.post_form(&c, &edit, &format!("/parts/{id}"), &fields).await;
    let before = app.fingerprint().await;

    let token = token_in(&html).unwrap();
    let response = app.post_form(&c, "/parts/import", "/parts/import/confirm", &[("token", &token)]).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.text().await.unwrap().contains("没有导入任何内容"));
    assert_eq!(app.fingerprint().await, before, "not even the new part");
}

#[tokio::test]
async fn the_clerk_previews_and_confirms_an_import_in_a_browser() {
    let _heavy = crate::helpers::MEMORY_HEAVY.lock().await;
    let app = spawn_app().await;
    let c = clerk(&app).await;
    new_part(&app, &c, "90915-YZZE1", "机油滤清器", "45").await;
    new_part(&app, &c, "MOB-10001", "全合成机油", "58").await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("配件目录.csv");
    let csv = "编号,名称,单位,售价,分类,库位\n\
               90915-YZZE1,机油滤清器,个,48,滤清器,A-01\n\
               MOB-10001,全合成机油,升,58,机油,B-02\n\
               BOS-0986,火花塞（铱金）,个,65,点火,C-03\n\
               BAD-1,刹车片,桶,12.345,制动,D-01\n";
    std::fs::write(&file, csv).unwrap();

    // On a phone first (only a preview), then at the office desk, confirmed.
    for (width, height) in [(390, 844), (1280, 800)] {
        let Some(browser) = crate::browser::Browser::start(width, height).await else { return };
        browser.client.goto(&app.url("/login")).await.unwrap();
        browser.sign_in("clerk", "clerk-password").await;
        browser.client.goto(&app.url("/parts/import")).await.unwrap();
        browser.screenshot(&format!("parts-import-{width}x{height}")).await;
        let input = browser.client.find(fantoccini::Locator::Css("#f-file")).await.unwrap();
        input.send_keys(file.to_str().unwrap()).await.unwrap();
        browser.submit("form[action='/parts/import'] button[type=submit]").await;
        browser.screenshot(&format!("parts-import-preview-{width}x{height}")).await;
        browser.client.execute("document.querySelector('table').scrollIntoView()", vec![]).await.unwrap();
        browser.screenshot(&format!("parts-import-preview-rows-{width}x{height}")).await;
        let html = browser.client.source().await.unwrap();
        assert_eq!(
            (count(&html, "changed"), count(&html, "new"), count(&html, "invalid")),
            (1, 1, 1),
            "{html}"
        );
        assert!(html.contains("单位: 升 → 个"), "units by their label");
        if width == 1280 {
            browser.submit("form[action='/parts/import/confirm'] button[type=submit]").await;
            assert_eq!(browser.path().await, "/parts");
            browser.screenshot("parts-imported-1280x800").await;
        }
        browser.close().await;
    }
    let (_, list) = app.get_text(&c, "/parts?q=hhs").await;
    assert!(list.contains("BOS-0986"), "the new part, found by the initials of 火花塞");
}
