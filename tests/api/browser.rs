//! Browser tests in headless Chromium through chromedriver. Where Chromium is not installed they
//! print one line and pass, so `cargo test` works on a fresh machine; with
//! `WRENCHDESK_REQUIRE_BROWSER=1` (set by `.ci/run`) a missing browser fails instead.
//! Screenshots land in `target/screenshots/`.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};

use crate::helpers::*;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// How long a browser test waits for a page, a swap or a poll before it calls the step failed.
/// Generous on purpose: CI runs these beside the whole suite on a slow machine, and a test
/// never asserts speed (the benchmark measures that).
pub const PATIENCE: Duration = Duration::from_secs(30);

pub struct Browser {
    pub client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// A headless Chromium with a window of `width`×`height`, or `None` (after saying so) when
    /// none is installed and the environment does not require one.
    pub async fn start(width: u32, height: u32) -> Option<Browser> {
        let installed =
            std::path::Path::new(CHROMIUM).exists() && std::path::Path::new(CHROMEDRIVER).exists();
        if !installed {
            if std::env::var("WRENCHDESK_REQUIRE_BROWSER").is_ok_and(|v| v == "1") {
                panic!(
                    "Chromium is required (WRENCHDESK_REQUIRE_BROWSER=1) but {CHROMIUM} or {CHROMEDRIVER} is missing"
                );
            }
            eprintln!(
                "browser test skipped: install Chromium with `apt-get install -y chromium chromium-driver`"
            );
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let profile = tempfile::tempdir().unwrap();
        let caps = serde_json::json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                // A shop's kiosk speaks Chinese.
                "prefs": { "intl.accept_languages": "zh-CN,zh" },
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--no-first-run", "--disable-quic", "--hide-scrollbars", "--lang=zh-CN",
                    format!("--window-size={width},{height}"),
                    format!("--user-data-dir={}", profile.path().display()),
                ]
            }
        });
        let caps = caps.as_object().unwrap().clone();
        let url = format!("http://127.0.0.1:{port}");
        let mut last_error = None;
        let started = Instant::now();
        while started.elapsed() < PATIENCE {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match ClientBuilder::new(connector).capabilities(caps.clone()).connect(&url).await {
                Ok(client) => {
                    // The window includes the browser's frame: size it so the page (the
                    // viewport) is exactly width×height.
                    let frame = client
                        .execute("return [window.outerWidth - window.innerWidth, window.outerHeight - window.innerHeight]", vec![])
                        .await
                        .unwrap();
                    let dx = frame[0].as_u64().unwrap_or(0) as u32;
                    let dy = frame[1].as_u64().unwrap_or(0) as u32;
                    client.set_window_size(width + dx, height + dy).await.unwrap();
                    return Some(Browser { client, driver, _profile: profile });
                }
                Err(e) => {
                    last_error = Some(e);
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
        let _ = driver.kill();
        let _ = driver.wait();
        panic!("chromedriver did not answer: {last_error:?}");
    }

    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{name}.png"));
        // A page still settling (an htmx swap or a poll landing) can make Chromium drop the
        // capture ("aborted by navigation"); the picture is not what a test asserts, so it is
        // taken again until the deadline.
        let deadline = std::time::Instant::now() + PATIENCE;
        let png = loop {
            match self.client.screenshot().await {
                Ok(png) => break png,
                Err(e) if std::time::Instant::now() < deadline => {
                    eprintln!("screenshot {name}: {e}; trying again");
                    tokio::time::sleep(std::time::Duration::from_millis(250)).await;
                }
                Err(e) => panic!("screenshot {name}: {e}"),
            }
        };
        std::fs::write(&path, png).unwrap();
        path
    }

    pub async fn fill(&self, css: &str, text: &str) {
        let field = self.client.find(Locator::Css(css)).await.unwrap();
        field.clear().await.unwrap();
        field.send_keys(text).await.unwrap();
    }

    pub async fn click(&self, css: &str) {
        self.client.find(Locator::Css(css)).await.unwrap().click().await.unwrap();
    }

    pub async fn path(&self) -> String {
        self.client.current_url().await.unwrap().path().to_string()
    }

    /// Clicks a submit button and waits for the browser to load the next page (a new document,
    /// even at the same address).
    pub async fn submit(&self, css: &str) {
        self.client.execute("window.__wdOld = true", vec![]).await.unwrap();
        self.click(css).await;
        let started = Instant::now();
        while started.elapsed() < PATIENCE {
            let done = self
                .client
                .execute("return window.__wdOld === undefined && document.readyState === 'complete'", vec![])
                .await
                .ok()
                .and_then(|v| v.as_bool())
                .unwrap_or(false);
            if done {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("no new page after clicking {css}");
    }

    /// Clicks `css` in a form of the order page and waits until the server's answer is swapped
    /// in place of the page (htmx): the same document, no reload to the top.
    pub async fn swap(&self, css: &str) {
        self.client
            .execute(
                "window.__samePage = true; document.getElementById('order-page').dataset.old = '1'",
                vec![],
            )
            .await
            .unwrap();
        self.click(css).await;
        let swapped = wait_until(self, "document.querySelector('#order-page:not([data-old])')").await;
        assert!(swapped, "the order page came back after clicking {css}");
        assert!(wait_until(self, "window.__samePage === true").await, "no new document after clicking {css}");
    }

    /// Fills the sign-in form on the current page and sends it.
    pub async fn sign_in(&self, username: &str, password: &str) {
        self.fill("#f-username", username).await;
        self.fill("#f-password", password).await;
        self.submit("button[type=submit]").await;
    }

    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

#[tokio::test]
async fn admin_signs_in_for_the_first_time_in_a_browser() {
    let app = spawn_app().await;
    let Some(kiosk) = Browser::start(1280, 800).await else { return };

    kiosk.client.goto(&app.url("/")).await.unwrap();
    assert_eq!(kiosk.path().await, "/login", "signed-out visitors land on the login page");
    kiosk.screenshot("login-1280x800").await;

    kiosk.sign_in("admin", ADMIN_INITIAL).await;
    assert_eq!(kiosk.path().await, "/account/password");
    kiosk.screenshot("first-password-1280x800").await;

    // A mismatch is shown beside the field, then fixed.
    kiosk.fill("#f-current_password", ADMIN_INITIAL).await;
    kiosk.fill("#f-new_password", ADMIN_PASSWORD).await;
    kiosk.fill("#f-confirm_password", "something-else-entirely").await;
    kiosk.submit("main button[type=submit]").await;
    let message = kiosk.client.find(Locator::Css("#f-confirm_password-msg")).await.unwrap();
    let text = message.text().await.unwrap();
    assert!(text.contains("不一致"), "{text}");
    kiosk.screenshot("password-mismatch-1280x800").await;

    kiosk.fill("#f-current_password", ADMIN_INITIAL).await;
    kiosk.fill("#f-new_password", ADMIN_PASSWORD).await;
    kiosk.fill("#f-confirm_password", ADMIN_PASSWORD).await;
    kiosk.submit("main button[type=submit]").await;
    assert_eq!(kiosk.path().await, "/");
    let title = kiosk.client.find(Locator::Css("main h1")).await.unwrap().text().await.unwrap();
    assert!(title.contains("Administrator"), "{title}");
    kiosk.screenshot("home-admin-1280x800").await;

    kiosk.client.goto(&app.url("/admin/users")).await.unwrap();
    kiosk.screenshot("admin-users-1280x800").await;
    kiosk.client.goto(&app.url("/admin/settings")).await.unwrap();
    kiosk.screenshot("admin-settings-1280x800").await;

    // English, chosen in the header, stays.
    kiosk.client.goto(&app.url("/")).await.unwrap();
    kiosk.submit(".account form[action='/account/lang'] button").await;
    let title = kiosk.client.find(Locator::Css("main h1")).await.unwrap().text().await.unwrap();
    assert_eq!(title, "Hello, Administrator");
    kiosk.screenshot("home-admin-en-1280x800").await;
    kiosk.close().await;

    // The same pages on a phone.
    let Some(phone) = Browser::start(390, 844).await else { return };
    phone.client.goto(&app.url("/login")).await.unwrap();
    phone.screenshot("login-390x844").await;
    phone.sign_in("admin", ADMIN_PASSWORD).await;
    assert_eq!(phone.path().await, "/");
    phone.screenshot("home-admin-390x844").await;
    phone.close().await;
}

#[tokio::test]
async fn advisor_registers_a_new_car_and_owner_from_the_kiosk_plate_keypad() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    app.user_with_roles(&admin, "desk", &["advisor"]).await;
    let Some(kiosk) = Browser::start(1280, 800).await else { return };
    kiosk.client.goto(&app.url("/login")).await.unwrap();
    kiosk.sign_in("desk", "desk-password").await;

    kiosk.client.goto(&app.url("/lookup")).await.unwrap();
    // Tap the plate in on the keypad: 粤 B 1 2 3 4 5, one mistake, backspace.
    for key in ["粤", "B", "1", "2", "3", "9", "⌫", "4", "5"] {
        kiosk.click(&format!("button[data-key='{key}']")).await;
    }
    let typed = kiosk.client.find(Locator::Css("#f-plate")).await.unwrap().prop("value").await.unwrap();
    assert_eq!(typed.as_deref(), Some("粤B12345"));
    kiosk.screenshot("kiosk-lookup-1280x800").await;
    kiosk.submit(".plate-entry button[type=submit]").await;

    // Unknown plate: one form for the car and its owner.
    assert_eq!(kiosk.path().await, "/lookup");
    kiosk.fill("#f-make", "比亚迪").await;
    kiosk.fill("#f-model", "秦PLUS").await;
    kiosk.fill("#f-mileage", "18000").await;
    kiosk.fill("#f-name", "陈先生").await;
    kiosk.fill("#f-phone", "139 1234 5678").await;
    kiosk.screenshot("kiosk-new-car-1280x800").await;
    kiosk.submit("form.kiosk-form button[type=submit]").await;

    // Saved: straight on to opening the order for the car.
    let path = kiosk.path().await;
    assert_eq!(path, "/orders/new");
    let title = kiosk.client.find(Locator::Css("main h1")).await.unwrap().text().await.unwrap();
    assert!(title.contains("粤B·12345"), "{title}");
    let lead = kiosk.client.find(Locator::Css("main p.lead")).await.unwrap().text().await.unwrap();
    assert!(lead.contains("比亚迪") && lead.contains("陈先生"), "{lead}");
    kiosk.screenshot("kiosk-open-order-1280x800").await;

    // Quick search as you type: with two customers listed, typing narrows to one.
    app.post_form(&admin, "/customers/new", "/customers", &[("name", "王女士"), ("phone", "13700001111")])
        .await;
    kiosk.client.goto(&app.url("/customers")).await.unwrap();
    kiosk
        .client
        .wait()
        .for_element(Locator::XPath("//section[@id='results']//a[contains(., '王女士')]"))
        .await
        .unwrap();
    kiosk.fill("input[name=q]", "陈").await;
    let mut narrowed = false;
    let started = Instant::now();
    while started.elapsed() < PATIENCE {
        let results = kiosk.client.find(Locator::Css("#results")).await.unwrap().text().await.unwrap();
        if results.contains("陈先生") && !results.contains("王女士") {
            narrowed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(narrowed, "the results follow the typing without a page load");
    assert_eq!(kiosk.path().await, "/customers", "no navigation happened");
    kiosk.screenshot("customers-search-1280x800").await;
    kiosk.close().await;

    let Some(phone) = Browser::start(390, 844).await else { return };
    phone.client.goto(&app.url("/login")).await.unwrap();
    phone.sign_in("desk", "desk-password").await;
    phone.client.goto(&app.url("/customers?q=%E9%99%88")).await.unwrap();
    phone.screenshot("customers-390x844").await;
    phone.client.goto(&app.url("/lookup")).await.unwrap();
    phone.screenshot("lookup-390x844").await;
    phone.close().await;
}

/// Waits until the board shows `plate` in the column whose title contains `column`.
async fn board_shows(board: &Browser, column: &str, plate: &str) -> bool {
    let script = format!(
        "[...document.querySelectorAll('.board-col')].some(c => c.querySelector('h2').textContent.includes('{column}') && c.textContent.includes('{plate}'))"
    );
    wait_until(board, &script).await
}

/// Waits until `script` (a JavaScript expression) is true in the page, up to [`PATIENCE`].
pub(crate) async fn wait_until(browser: &Browser, script: &str) -> bool {
    let started = Instant::now();
    while started.elapsed() < PATIENCE {
        let done = browser
            .client
            .execute(&format!("return !!({script})"), vec![])
            .await
            .ok()
            .and_then(|v| v.as_bool())
            .unwrap_or(false);
        if done {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

#[tokio::test]
async fn an_order_goes_from_the_kiosk_plate_to_the_board_and_the_printer() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let desk = app.user_with_roles(&admin, "desk", &["advisor"]).await;
    app.user_with_roles(&admin, "zhang", &["technician"]).await;
    let tech_id = app.user_id(&admin, "zhang").await.to_string();
    let customer = crate::customers::create_customer(&app, &desk, "陈先生", "13912345678").await;
    let vehicle = crate::customers::create_vehicle(&app, &desk, customer, "粤B12345").await;
    assert_eq!(vehicle.status(), reqwest::StatusCode::SEE_OTHER);
    let mut template = vec![("name", "小保养"), ("active", "1")];
    let rows = [
        ("part", "机油 5W-30", "4", "58"),
        ("part", "机油滤清器", "1", "45"),
        ("labor", "保养工时", "0.5", ""),
    ];
    let keys: Vec<[String; 4]> = (0..rows.len())
        .map(|i| {
            [format!("kind_{i}"), format!("description_{i}"), format!("qty_{i}"), format!("unit_price_{i}")]
        })
        .collect();
    for (k, r) in keys.iter().zip(rows.iter()) {
        template.extend([
            (k[0].as_str(), r.0),
            (k[1].as_str(), r.1),
            (k[2].as_str(), r.2),
            (k[3].as_str(), r.3),
        ]);
    }
    let saved = app.post_form(&admin, "/templates/new", "/templates", &template).await;
    assert_eq!(location(&saved), "/templates");

    let Some(kiosk) = Browser::start(1280, 800).await else { return };
    kiosk.client.goto(&app.url("/login")).await.unwrap();
    kiosk.sign_in("desk", "desk-password").await;

    // The plate leads to the car, and the car to a new order.
    kiosk.client.goto(&app.url("/lookup?plate=%E7%B2%A4B12345")).await.unwrap();
    kiosk.submit("a.button.big[href^='/orders/new']").await;
    kiosk.fill("#f-mileage", "53000").await;
    kiosk.click("input[name=fuel][value='1'] + span").await;
    kiosk.fill("#f-complaint", "刹车时有异响，方向盘抖动").await;
    kiosk.click("button[data-set='f-promised_at']:last-of-type").await;
    kiosk.screenshot("order-new-1280x800").await;
    kiosk.submit("form.kiosk-form button[type=submit]").await;
    let order_path = kiosk.path().await;
    assert!(order_path.starts_with("/orders/"), "{order_path}");

    // One tap adds the template; then a labour line for the technician.
    kiosk.swap(".templates button").await;
    kiosk.click("input[name=kind][value=labor] + span").await;
    kiosk.fill("#f-description", "更换前刹车片").await;
    kiosk.fill("#f-hours", "1.5").await;
    kiosk
        .client
        .execute(
            "document.getElementById('f-technician_id').value = arguments[0]",
            vec![serde_json::Value::String(tech_id.clone())],
        )
        .await
        .unwrap();
    kiosk.swap("#add-line form[action$='/lines'] button[type=submit]").await;
    kiosk.screenshot("order-lines-1280x800").await;
    let lines = kiosk.client.find(Locator::Css("table.lines")).await.unwrap().text().await.unwrap();
    assert!(lines.contains("机油 5W-30") && lines.contains("更换前刹车片"), "{lines}");
    kiosk.screenshot("order-lines-1280x800").await;

    // The customer approves all but the filter, and signs on the screen.
    kiosk.click("input[name=decision_2][value=declined] + span").await;
    kiosk
        .client
        .execute(
            r#"const c = document.querySelector('.signature-pad canvas');
               const r = c.getBoundingClientRect();
               const at = (t, x, y) => c.dispatchEvent(new PointerEvent(t, {
                   clientX: r.left + x, clientY: r.top + y, pointerId: 7, bubbles: true }));
               at('pointerdown', 40, 120);
               for (let i = 1; i <= 30; i++) at('pointermove', 40 + i * 14, 120 + Math.sin(i / 3) * 40);
               at('pointerup', 460, 120);"#,
            vec![],
        )
        .await
        .unwrap();
    let signature =
        kiosk.client.find(Locator::Css("#f-signature")).await.unwrap().prop("value").await.unwrap();
    assert!(signature.unwrap_or_default().split(' ').count() > 10, "the pad recorded the strokes");
    kiosk.screenshot("order-approval-1280x800").await;
    kiosk.swap("#approval button[type=submit]").await;
    let page = kiosk.client.find(Locator::Css("main")).await.unwrap().text().await.unwrap();
    assert!(page.contains("客户确认已保存"), "{page}");
    assert!(kiosk.client.find(Locator::Css("svg.signature path")).await.is_ok(), "the signature is shown");
    kiosk.screenshot("order-approved-1280x800").await;

    // The board shows the car, and follows a change made elsewhere without a reload.
    kiosk.client.goto(&app.url("/board")).await.unwrap();
    let board = kiosk.client.find(Locator::Css("#board")).await.unwrap().text().await.unwrap();
    assert!(board.contains("粤B·12345"), "{board}");
    kiosk.client.execute("window.__sameBoard = true", vec![]).await.unwrap();
    let order_id = order_path.trim_start_matches("/orders/").to_string();
    let moved = app
        .post_form(&desk, &order_path, &format!("/orders/{order_id}/status"), &[("to", "in_progress")])
        .await;
    assert_eq!(moved.status(), reqwest::StatusCode::SEE_OTHER);
    let live = board_shows(&kiosk, "维修中", "粤B·12345").await;
    assert!(live, "the board shows the change within seconds");
    assert!(wait_until(&kiosk, "window.__sameBoard === true").await, "without reloading the page");
    kiosk.screenshot("board-1280x800").await;
    kiosk.client.goto(&app.url("/board?view=list")).await.unwrap();
    kiosk.screenshot("board-list-1280x800").await;

    // Print preview, A4 and receipt, with the QR.
    kiosk.client.goto(&app.url(&format!("{order_path}/print"))).await.unwrap();
    assert!(kiosk.client.find(Locator::Css(".sheet .qr svg")).await.is_ok());
    kiosk.screenshot("order-print-a4-1280x800").await;
    kiosk.client.goto(&app.url(&format!("{order_path}/print?layout=receipt"))).await.unwrap();
    kiosk.screenshot("order-print-receipt-1280x800").await;
    kiosk.client.goto(&app.url("/orders")).await.unwrap();
    kiosk.screenshot("orders-list-1280x800").await;
    kiosk.client.goto(&app.url("/templates")).await.unwrap();
    kiosk.close().await;

    let Some(phone) = Browser::start(390, 844).await else { return };
    phone.client.goto(&app.url("/login")).await.unwrap();
    phone.sign_in("desk", "desk-password").await;
    phone.client.goto(&app.url(&order_path)).await.unwrap();
    phone.screenshot("order-390x844").await;
    phone.client.goto(&app.url("/board")).await.unwrap();
    phone.screenshot("board-390x844").await;
    phone.close().await;
}

#[tokio::test]
async fn a_technician_scans_the_qr_and_updates_the_repair_from_the_phone() {
    let _heavy = MEMORY_HEAVY.lock().await;
    let app = spawn_app().await;
    let admin = app.admin().await;
    let desk = app.user_with_roles(&admin, "desk", &["advisor"]).await;
    app.user_with_roles(&admin, "zhang", &["technician"]).await;
    let tech_id = app.user_id(&admin, "zhang").await.to_string();
    let customer = crate::customers::create_customer(&app, &desk, "陈先生", "13912345678").await;
    let vehicle = crate::customers::create_vehicle(&app, &desk, customer, "粤B12345").await;
    let vehicle_id = crate::customers::id_in(&location(&vehicle), "/vehicles/").to_string();
    let opened = app
        .post_form(
            &desk,
            &format!("/orders/new?vehicle_id={vehicle_id}"),
            "/orders",
            &[("vehicle_id", vehicle_id.as_str()), ("complaint", "刹车异响"), ("fuel", "2")],
        )
        .await;
    let order_path = location(&opened).split('?').next().unwrap().to_string();
    let order_id = order_path.trim_start_matches("/orders/").to_string();
    let line = [
        ("kind", "labor"),
        ("description", "更换前刹车片"),
        ("hours", "1.5"),
        ("technician_id", tech_id.as_str()),
    ];
    let added = app.post_form(&desk, &order_path, &format!("{order_path}/lines"), &line).await;
    assert_eq!(added.status(), reqwest::StatusCode::SEE_OTHER);
    let (_, page) = app.get_text(&desk, &order_path).await;
    let at = page.find("href=\"/t/").expect("the order page links the floor view") + "href=\"/t/".len();
    let token = page[at..at + 32].to_string();

    // The office watches the board in another browser.
    let Some(office) = Browser::start(1280, 800).await else { return };
    office.client.goto(&app.url("/login")).await.unwrap();
    office.sign_in("desk", "desk-password").await;
    office.client.goto(&app.url("/board")).await.unwrap();

    // The technician scans the QR: signs in on the phone and lands on the order.
    let Some(phone) = Browser::start(390, 844).await else { return };
    phone.client.goto(&app.url(&format!("/t/{token}"))).await.unwrap();
    assert_eq!(phone.path().await, "/login");
    phone.screenshot("phone-login-390x844").await;
    phone.sign_in("zhang", "zhang-password").await;
    assert_eq!(phone.path().await, format!("/t/{token}"));
    phone.screenshot("phone-order-390x844").await;

    phone.submit("button.huge.go").await;
    let head = phone.client.find(Locator::Css(".job.running")).await.unwrap().text().await.unwrap();
    assert!(head.contains("更换前刹车片"), "{head}");
    phone.screenshot("phone-running-390x844").await;

    // Pause: waiting for parts. The board follows without a reload.
    phone.click("input[name=reason][value=waiting_parts] + span").await;
    phone.submit("button.huge.hold").await;
    let moved = board_shows(&office, "待料", "粤B·12345").await;
    assert!(moved, "the board shows the car waiting for parts");
    office.screenshot("board-waiting-parts-1280x800").await;

    // A note with a photo from the camera.
    let dir = tempfile::tempdir().unwrap();
    let photo = dir.path().join("brake.jpg");
    let picture =
        image::RgbImage::from_fn(2400, 1800, |x, y| image::Rgb([(x / 10) as u8, (y / 8) as u8, 90]));
    picture.save(&photo).unwrap();
    phone.fill("#f-text", "前刹车片已磨到底，卡钳正常").await;
    let file = phone.client.find(Locator::Css("#f-photo")).await.unwrap();
    file.send_keys(photo.to_str().unwrap()).await.unwrap();
    phone.submit(".note-form button[type=submit]").await;
    assert!(phone.client.find(Locator::Css(".thumbs img")).await.is_ok(), "the photo shows as a thumbnail");
    phone.screenshot("phone-note-390x844").await;

    // Back to work, then finished: quality check is offered.
    phone.submit("button.huge.go").await;
    phone.submit("button.huge.done").await;
    phone.screenshot("phone-finished-390x844").await;
    phone.submit("button[name=to][value=quality_check]").await;
    let moved = board_shows(&office, "质检", "粤B·12345").await;
    assert!(moved, "the board shows the car in quality check");
    phone.client.goto(&app.url("/t")).await.unwrap();
    phone.screenshot("phone-my-jobs-390x844").await;
    phone.close().await;

    office.client.goto(&app.url(&format!("/orders/{order_id}"))).await.unwrap();
    let page = office.client.find(Locator::Css("main")).await.unwrap().text().await.unwrap();
    assert!(page.contains("前刹车片已磨到底"), "the note is on the order page");
    office.screenshot("order-with-note-1280x800").await;
    office.close().await;
}

#[tokio::test]
async fn an_admin_restores_a_backup_from_the_backups_page() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    crate::customers::create_customer(&app, &admin, "备份里的客户", "13600000011").await;
    let Some(kiosk) = Browser::start(1280, 800).await else { return };
    kiosk.client.goto(&app.url("/login")).await.unwrap();
    kiosk.sign_in("admin", ADMIN_PASSWORD).await;

    kiosk.client.goto(&app.url("/admin/backups")).await.unwrap();
    kiosk.submit("main form[action='/admin/backups'] button").await;
    assert!(kiosk.path().await.starts_with("/admin/backups"));
    kiosk.screenshot("backups-1280x800").await;
    crate::customers::create_customer(&app, &admin, "备份后的客户", "13600000012").await;

    kiosk.click("a[href^='/admin/backups/restore/']").await;
    assert!(kiosk.path().await.starts_with("/admin/backups/restore/wrenchdesk-manual-"));
    kiosk.screenshot("restore-confirm-1280x800").await;
    // Without ticking the box: the message stands beside it.
    kiosk.submit("main form button.danger").await;
    let message = kiosk.client.find(Locator::Css("main .field.invalid .field-msg")).await.unwrap();
    assert!(message.text().await.unwrap().contains("勾选"));
    kiosk.screenshot("restore-unconfirmed-1280x800").await;
    kiosk.click("input[name=confirm]").await;
    kiosk.submit("main form button.danger").await;
    assert_eq!(kiosk.path().await, "/login");
    let notice = kiosk.client.find(Locator::Css("main .notice")).await.unwrap().text().await.unwrap();
    assert!(notice.contains("数据已从备份恢复"), "{notice}");
    kiosk.screenshot("restored-login-1280x800").await;
    kiosk.close().await;

    let admin = app.admin_again().await;
    let (_, page) = app.get_text(&admin, "/customers").await;
    assert!(page.contains(">备份里的客户</a>") && !page.contains(">备份后的客户</a>"));

    let Some(phone) = Browser::start(390, 844).await else { return };
    phone.client.goto(&app.url("/login")).await.unwrap();
    phone.sign_in("admin", ADMIN_PASSWORD).await;
    phone.client.goto(&app.url("/admin/backups")).await.unwrap();
    phone.screenshot("backups-390x844").await;
    phone.click("a[href^='/admin/backups/restore/']").await;
    phone.screenshot("restore-confirm-390x844").await;
    phone.close().await;
}

#[tokio::test]
async fn the_stockroom_receives_picks_a_part_for_an_order_and_counts_on_a_phone() {
    let _heavy = MEMORY_HEAVY.lock().await;
    let app = spawn_app().await;
    let admin = app.admin().await;
    let desk = app.user_with_roles(&admin, "desk", &["advisor"]).await;
    let clerk = app.user_with_roles(&admin, "clerk", &["parts"]).await;
    app.user_with_roles(&admin, "zhang", &["technician"]).await;
    let tech_id = app.user_id(&admin, "zhang").await.to_string();
    let part = [
        ("number", "90915-YZZE1"),
        ("name", "机油滤清器"),
        ("brand", "丰田"),
        ("unit", "piece"),
        ("cost", "18"),
        ("price", "45"),
        ("min_stock", "5"),
        ("location", "A-01"),
        ("category", "滤清器"),
    ];
    let created = app.post_form(&clerk, "/parts/new", "/parts", &part).await;
    let part_path = location(&created).split('?').next().unwrap().to_string();

    // The clerk receives 12 at the counter.
    let Some(office) = Browser::start(1280, 800).await else { return };
    office.client.goto(&app.url("/login")).await.unwrap();
    office.sign_in("clerk", "clerk-password").await;
    office.client.goto(&app.url(&part_path)).await.unwrap();
    office.fill("#receive-form input[name=qty]", "12").await;
    office.fill("#receive-form input[name=unit_cost]", "18.5").await;
    office.fill("#receive-form input[name=supplier]", "广州恒通汽配").await;
    office.submit("#receive-form button[type=submit]").await;
    let on_hand =
        office.client.find(Locator::Css("#on-hand")).await.unwrap().attr("data-on-hand").await.unwrap();
    assert_eq!(on_hand.as_deref(), Some("12"));
    office.screenshot("part-page-1280x800").await;

    // The desk puts it on an order with the picker and the customer approves.
    let customer = crate::customers::create_customer(&app, &desk, "陈先生", "13912345678").await;
    let vehicle = crate::customers::create_vehicle(&app, &desk, customer, "粤B67890").await;
    let vehicle_id = crate::customers::id_in(&location(&vehicle), "/vehicles/").to_string();
    let opened = app
        .post_form(
            &desk,
            &format!("/orders/new?vehicle_id={vehicle_id}"),
            "/orders",
            &[("vehicle_id", vehicle_id.as_str()), ("complaint", "保养"), ("fuel", "2")],
        )
        .await;
    let order_path = location(&opened).split('?').next().unwrap().to_string();
    let labour = [
        ("kind", "labor"),
        ("description", "保养工时"),
        ("hours", "0.5"),
        ("technician_id", tech_id.as_str()),
    ];
    app.post_form(&desk, &order_path, &format!("{order_path}/lines"), &labour).await;
    let Some(kiosk) = Browser::start(1280, 800).await else { return };
    kiosk.client.goto(&app.url("/login")).await.unwrap();
    kiosk.sign_in("desk", "desk-password").await;
    kiosk.client.goto(&app.url(&order_path)).await.unwrap();
    kiosk.click("input[name=kind][value=part]").await;
    kiosk.fill("#f-part_q", "yzze").await;
    let offered = wait_until(&kiosk, "document.querySelector('.part-option')").await;
    kiosk.screenshot("order-part-picker-1280x800").await;
    assert!(offered, "the picker offers the part");
    kiosk.click(".part-option").await;
    kiosk.fill("#f-qty", "1").await;
    kiosk.swap("#add-line form[action$='/lines'] button[type=submit]").await;
    let (_, page) = app.get_text(&desk, &order_path).await;
    assert!(page.contains(&format!("href=\"{part_path}\"")), "the line is the catalog part");
    let seen = crate::fixtures::attr(&page, "name=\"estimate_version\" value=\"");
    let answer = [("decision_1", "approved"), ("decision_2", "approved")];
    let approved = app
        .post_form(
            &desk,
            &order_path,
            &format!("{order_path}/approvals"),
            &crate::fixtures::approval(&seen, "in_person", crate::fixtures::SIGNATURE, &answer),
        )
        .await;
    assert_eq!(approved.status(), reqwest::StatusCode::SEE_OTHER);
    kiosk.close().await;

    // The clerk picks it from the list.
    office.client.goto(&app.url("/parts/pick")).await.unwrap();
    office.screenshot("parts-pick-1280x800").await;
    office.submit("button[data-issue='2']").await;
    assert_eq!(office.path().await, "/parts/pick");
    office.client.goto(&app.url(&part_path)).await.unwrap();
    let on_hand =
        office.client.find(Locator::Css("#on-hand")).await.unwrap().attr("data-on-hand").await.unwrap();
    assert_eq!(on_hand.as_deref(), Some("11"), "one issued to the order");
    office.client.goto(&app.url("/parts/stocktakes")).await.unwrap();
    office.submit("#start-stocktake button[type=submit]").await;
    let count_path = office.path().await;
    office.close().await;

    // The count on a phone: each part saved as it is typed, the variance shown at once.
    let Some(phone) = Browser::start(390, 844).await else { return };
    phone.client.goto(&app.url("/login")).await.unwrap();
    phone.sign_in("clerk", "clerk-password").await;
    phone.client.goto(&app.url(&count_path)).await.unwrap();
    phone.fill(".count-row input[name=counted]", "10").await;
    phone.click(".count-row button[type=submit]").await;
    assert!(
        wait_until(&phone, "document.querySelector('.count-row [data-variance]')").await,
        "the variance shows"
    );
    let variance = phone
        .client
        .find(Locator::Css(".count-row [data-variance]"))
        .await
        .unwrap()
        .attr("data-variance")
        .await
        .unwrap();
    assert_eq!(variance.as_deref(), Some("-1"));
    phone.screenshot("stocktake-390x844").await;
    phone.submit("#post-stocktake").await;
    phone.client.goto(&app.url(&part_path)).await.unwrap();
    let on_hand =
        phone.client.find(Locator::Css("#on-hand")).await.unwrap().attr("data-on-hand").await.unwrap();
    assert_eq!(on_hand.as_deref(), Some("10"), "the count is the stock now");
    phone.screenshot("part-page-390x844").await;
    phone.close().await;
}
