//! The reception kiosk's lock over HTTP: a kiosk browser (marked by the admin's cookie) locks,
//! a PIN opens it as whoever typed it, wrong PINs are slowed per user and per address, the
//! server locks an idle kiosk on its next request, other browsers never lock, and a PIN is
//! kept only as a hash that never leaves the box. (Every route behind the lock: `security.rs`;
//! in a browser: `browser_kiosk_lock.rs`.)

use std::io::Read;
use std::sync::Arc;

use redb::ReadableTable;
use reqwest::{Client, StatusCode};
use wrenchdesk::store::tables::SESSIONS;
use wrenchdesk::store::{sessions, settings};

use crate::helpers::*;

/// A browser at `ip` carrying the kiosk cookie `key` (what marking the device leaves in it).
pub(crate) fn kiosk_client(app: &TestApp, ip: &str, key: &str) -> Client {
    let jar = Arc::new(reqwest::cookie::Jar::default());
    jar.add_cookie_str(&format!("wd_kiosk={key}; Path=/"), &app.base.parse().unwrap());
    Client::builder()
        .cookie_provider(jar)
        .redirect(reqwest::redirect::Policy::none())
        .local_address(ip.parse::<std::net::IpAddr>().unwrap())
        .pool_idle_timeout(std::time::Duration::from_secs(1))
        .build()
        .unwrap()
}

/// Two clients of one kiosk browser at 127.0.0.1 (one cookie jar, holding the kiosk cookie
/// `key`): one sends plain requests, the other htmx's (`HX-Request: true`).
pub(crate) fn kiosk_pair(app: &TestApp, key: &str) -> (Client, Client) {
    let jar = Arc::new(reqwest::cookie::Jar::default());
    jar.add_cookie_str(&format!("wd_kiosk={key}; Path=/"), &app.base.parse().unwrap());
    let build = |htmx: bool| {
        let mut headers = reqwest::header::HeaderMap::new();
        if htmx {
            headers.insert("hx-request", "true".parse().unwrap());
        }
        Client::builder()
            .cookie_provider(jar.clone())
            .default_headers(headers)
            .redirect(reqwest::redirect::Policy::none())
            .pool_idle_timeout(std::time::Duration::from_secs(1))
            .build()
            .unwrap()
    };
    (build(false), build(true))
}

/// Marks the admin's browser as the kiosk (Administration → Settings) and returns the key.
pub(crate) async fn mark_kiosk(app: &TestApp, admin: &Client) -> String {
    let response =
        app.post_form(admin, "/admin/settings", "/admin/kiosk-device", &[("action", "this")]).await;
    assert_eq!(location(&response), "/admin/settings?saved=1#kiosk-device");
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("wd_kiosk="))
        .expect("the kiosk cookie");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
    let key = app.store().read(settings::get).await.unwrap().kiosk_key;
    assert_eq!(key.len(), 64);
    assert!(cookie.starts_with(&format!("wd_kiosk={key};")));
    let (_, page) = app.get_text(admin, "/admin/settings").await;
    assert!(page.contains("data-kiosk-device=\"this\""), "the page says this browser is the kiosk");
    key
}

/// Sets `pin` on the account page of the user signed in on `c`.
pub(crate) async fn set_pin(app: &TestApp, c: &Client, password: &str, pin: &str) -> reqwest::Response {
    let fields = [("action", "set"), ("password", password), ("pin", pin), ("confirm_pin", pin)];
    app.post_form(c, "/account/password", "/account/pin", &fields).await
}

/// Types `pin` as `user_id` on the lock screen.
pub(crate) async fn unlock(app: &TestApp, c: &Client, user_id: u64, pin: &str) -> reqwest::Response {
    let id = user_id.to_string();
    app.post_form(c, &format!("/kiosk/locked?user={id}"), "/kiosk/unlock", &[("user_id", &id), ("pin", pin)])
        .await
}

/// Locks the kiosk on `c` from the page `next`, as its idle timer does.
pub(crate) async fn lock(app: &TestApp, c: &Client, next: &str) -> reqwest::Response {
    app.post_form(c, "/", "/kiosk/lock", &[("next", next), ("why", "idle")]).await
}

/// A shop with two advisors who have PINs, and its kiosk key.
struct Shop {
    app: TestApp,
    admin: Client,
    key: String,
    wang: u64,
    li: u64,
}

async fn shop() -> Shop {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let wang_c = app.user_with_roles(&admin, "wang", &["advisor"]).await;
    let lina_c = app.user_with_roles(&admin, "lina", &["advisor", "cashier"]).await;
    assert_eq!(set_pin(&app, &wang_c, "wang-password", "2580").await.status(), StatusCode::SEE_OTHER);
    assert_eq!(set_pin(&app, &lina_c, "lina-password", "73915284").await.status(), StatusCode::SEE_OTHER);
    let key = mark_kiosk(&app, &admin).await;
    app.save_settings(&admin, &[("kiosk_lock_minutes", "5")]).await;
    let (wang, li) = (app.user_id(&admin, "wang").await, app.user_id(&admin, "lina").await);
    Shop { app, admin, key, wang, li }
}

/// The kiosk browser at `ip`, signed in as `username`.
async fn kiosk_as(s: &Shop, ip: &str, username: &str) -> Client {
    let kiosk = kiosk_client(&s.app, ip, &s.key);
    let response = s.app.login(&kiosk, username, &format!("{username}-password")).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    kiosk
}

/// Whose page `c` gets: the display name in the header.
async fn who(app: &TestApp, c: &Client) -> String {
    let (status, page) = app.get_text(c, "/").await;
    assert_eq!(status, StatusCode::OK);
    let at = page.find("class=\"who\"").expect("signed in");
    let rest = &page[at..];
    let start = rest.find('>').unwrap() + 1;
    rest[start..start + rest[start..].find('<').unwrap()].trim().to_string()
}

/// Sets every session's last request `minutes` back, as if the browser had been left alone.
async fn age_sessions(app: &TestApp, minutes: i64) {
    let then = chrono::Utc::now() - chrono::Duration::minutes(minutes);
    app.store()
        .write(move |tx| {
            let ids: Vec<u128> = tx
                .open_table(SESSIONS)?
                .iter()?
                .map(|row| row.map(|(id, _)| id.value()))
                .collect::<Result<_, _>>()?;
            for id in ids {
                sessions::touch_tx(tx, id, then)?;
            }
            Ok(())
        })
        .await
        .unwrap();
}

#[tokio::test]
async fn a_pin_unlocks_the_kiosk_back_on_its_page_and_another_users_pin_takes_it_over() {
    let s = shop().await;
    let app = &s.app;
    let kiosk = kiosk_as(&s, "127.0.0.1", "wang").await;
    let (status, page) = app.get_text(&kiosk, "/customers").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("data-kiosk-lock=\"300\""), "the kiosk page runs the 5-minute idle timer");

    let response = lock(app, &kiosk, "/customers?q=%E5%BC%A0").await;
    assert_eq!(location(&response), "/kiosk/locked");
    // Locked: a reload, another page, htmx: the lock screen only.
    assert_eq!(location(&app.get(&kiosk, "/customers").await), "/kiosk/locked");
    let htmx = kiosk.get(app.url("/customers?q=x")).header("HX-Request", "true").send().await.unwrap();
    assert_eq!(htmx.headers().get("hx-redirect").unwrap(), "/kiosk/locked");
    let (status, screen) = app.get_text(&kiosk, "/kiosk/locked").await;
    assert_eq!(status, StatusCode::OK);
    assert!(screen.contains("data-locked") && screen.contains(&format!("data-staff=\"{}\"", s.wang)));
    assert!(screen.contains(&format!("data-staff=\"{}\"", s.li)), "every staff member with a PIN");
    assert!(!screen.contains("class=\"mainnav\""), "no navigation on the lock screen");

    // The right PIN: back to the page it was on, as the same user.
    let response = unlock(app, &kiosk, s.wang, "2580").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/customers?q=%E5%BC%A0");
    assert!(response.headers().get("set-cookie").is_none(), "the same session goes on");
    assert_eq!(who(app, &kiosk).await, "wang");

    // Locked again, Li's PIN: the kiosk is Li's now, in a new session.
    lock(app, &kiosk, "/lookup").await;
    let response = unlock(app, &kiosk, s.li, "73915284").await;
    assert_eq!(location(&response), "/lookup");
    let cookie = response.headers().get("set-cookie").expect("a new session").to_str().unwrap();
    assert!(cookie.starts_with("wd_session=") && cookie.contains("HttpOnly"), "{cookie}");
    assert_eq!(who(app, &kiosk).await, "lina");
    let (status, _) = app.get_text(&kiosk, "/checkout").await;
    assert_eq!(status, StatusCode::OK, "with Li's roles");

    // Audited: the locks and the unlocks, the switch saying whose session it took over.
    let (_, audit) = app.get_text(&s.admin, "/admin/audit?action=kiosk.unlock").await;
    assert!(audit.contains(&format!("took over from user:{}", s.wang)), "the switch is audited");
    let (_, audit) = app.get_text(&s.admin, "/admin/audit?action=kiosk.lock").await;
    assert!(audit.contains("idle (page)"));
}

#[tokio::test]
async fn wrong_pins_are_slowed_per_address_and_per_user_and_audited() {
    let s = shop().await;
    let app = &s.app;
    let before = app.fingerprint().await;

    // One kiosk (one address): five wrong PINs, then even the right one waits.
    let kiosk = kiosk_as(&s, "127.0.0.2", "wang").await;
    lock(app, &kiosk, "/").await;
    for _ in 0..5 {
        let response = unlock(app, &kiosk, s.wang, "90817263").await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        let page = response.text().await.unwrap();
        assert!(page.contains("id=\"f-pin-msg\""), "the message is beside the PIN");
    }
    let response = unlock(app, &kiosk, s.li, "73915284").await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS, "the address waits, whoever's PIN");
    assert!(response.headers().get("retry-after").is_some());
    assert_eq!(location(&app.get(&kiosk, "/").await), "/kiosk/locked", "still locked");

    // Wang's PIN guessed from other kiosks, each under its own address's limit: after 10
    // wrong PINs in all, Wang's PIN waits from every address, even the right one from a
    // fresh address; Li's does not. (The forms are fetched first: the try that checks the
    // wait comes at once after the tenth failure, well inside its one-second wait.)
    let mut others = Vec::new();
    for ip in ["127.0.0.3", "127.0.0.4", "127.0.0.5"] {
        let other = kiosk_as(&s, ip, "lina").await;
        lock(app, &other, "/").await;
        let token = app.csrf(&other, "/kiosk/locked").await;
        others.push((other, token));
    }
    let send = |c: &Client, token: &str, user: u64, pin: &str| {
        let fields = [("user_id", user.to_string()), ("pin", pin.to_string()), ("csrf", token.to_string())];
        c.post(app.url("/kiosk/unlock")).form(&fields).send()
    };
    for _ in 0..4 {
        let status = send(&others[0].0, &others[0].1, s.wang, "90817263").await.unwrap().status();
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let tenth = send(&others[1].0, &others[1].1, s.wang, "90817263").await.unwrap().status();
    assert_eq!(tenth, StatusCode::UNAUTHORIZED, "the tenth wrong PIN for Wang");
    let response = send(&others[2].0, &others[2].1, s.wang, "2580").await.unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS, "Wang's PIN waits from every address");
    let response = send(&others[2].0, &others[2].1, s.li, "73915284").await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "Li's does not");

    assert_eq!(app.fingerprint().await, before, "wrong PINs store nothing but the audit");
    let (_, audit) = app.get_text(&s.admin, "/admin/audit?action=kiosk.unlock_failed").await;
    assert!(audit.matches("wrong PIN from 127.0.0.2").count() >= 5, "each wrong PIN is audited");
    assert!(!audit.contains("90817263"), "never the PIN typed");
}

#[tokio::test]
async fn the_server_locks_an_idle_kiosk_on_its_next_request_and_never_another_browser() {
    let s = shop().await;
    let app = &s.app;
    let kiosk = kiosk_as(&s, "127.0.0.1", "wang").await;
    let office = client();
    app.login(&office, "wang", "wang-password").await;
    let (status, page) = app.get_text(&office, "/customers").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!page.contains("data-kiosk-lock"), "no idle timer off the kiosk");
    assert!(!page.contains("data-kiosk-lock-now"), "no lock button off the kiosk");

    // Both left alone for 10 minutes (the limit is 5): the kiosk's next request, a reload of
    // the page it was on, gets the lock screen; the office browser goes on.
    age_sessions(app, 10).await;
    assert_eq!(location(&app.get(&kiosk, "/customers/new").await), "/kiosk/locked");
    assert_eq!(app.get(&office, "/customers/new").await.status(), StatusCode::OK);
    // Locking by hand is for the kiosk only.
    let response = app.post_form(&office, "/", "/kiosk/lock", &[("next", "/")]).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.get(&office, "/customers").await.status(), StatusCode::OK);

    // Unlocked, it returns to the page the server saw it on.
    let response = unlock(app, &kiosk, s.wang, "2580").await;
    assert_eq!(location(&response), "/customers/new");
    // A few minutes without a request is not yet a lock (the page's own timer does that).
    age_sessions(app, 4).await;
    assert_eq!(app.get(&kiosk, "/customers").await.status(), StatusCode::OK);

    // With the lock switched off, an idle kiosk is never locked.
    app.save_settings(&s.admin, &[("kiosk_lock_minutes", "0")]).await;
    age_sessions(app, 60).await;
    let (status, page) = app.get_text(&kiosk, "/customers").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!page.contains("data-kiosk-lock=\""), "no idle timer either");

    // A new key unmarks every kiosk: the old cookie locks nothing.
    app.save_settings(&s.admin, &[("kiosk_lock_minutes", "5")]).await;
    let response =
        app.post_form(&s.admin, "/admin/settings", "/admin/kiosk-device", &[("action", "renew")]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    age_sessions(app, 60).await;
    assert_eq!(app.get(&kiosk, "/customers").await.status(), StatusCode::OK);
    let response = app.post_form(&kiosk, "/", "/kiosk/lock", &[("next", "/")]).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_pin_needs_the_password_to_set_and_is_kept_only_as_a_hash_that_never_leaves_the_box() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let zhao = app.user_with_roles(&admin, "zhao", &["advisor"]).await;
    let id = app.user_id(&admin, "zhao").await;

    let refused = |fields: Vec<(&'static str, &'static str)>, field: &'static str| {
        let (app, zhao) = (&app, &zhao);
        async move {
            let response = app.post_form(zhao, "/account/password", "/account/pin", &fields).await;
            assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{fields:?}");
            let page = response.text().await.unwrap();
            assert!(page.contains(&format!("id=\"f-{field}\"")) && page.contains("class=\"field invalid\""));
            page
        }
    };
    let set = |password, pin, confirm| {
        vec![("action", "set"), ("password", password), ("pin", pin), ("confirm_pin", confirm)]
    };
    refused(set("wrong-password", "86420", "86420"), "password").await;
    refused(set("zhao-password", "1234", "1234"), "pin").await;
    refused(set("zhao-password", "12a45", "12a45"), "pin").await;
    refused(set("zhao-password", "86420", "86421"), "confirm_pin").await;
    let page = refused(set("", "86420", "86420"), "password").await;
    assert!(page.contains("data-pin-set=\"no\""));

    let response = set_pin(&app, &zhao, "zhao-password", "86420731").await;
    assert_eq!(location(&response), "/account/password?notice=pin_saved#kiosk-pin");
    let (_, page) = app.get_text(&zhao, "/account/password").await;
    assert!(page.contains("data-pin-set=\"yes\""));

    // Stored: an argon2id hash, never the PIN.
    let user = app
        .store()
        .read(move |tx| wrenchdesk::store::users::get(tx, wrenchdesk::domain::UserId(id)))
        .await
        .unwrap()
        .unwrap();
    let hash = user.pin_hash.clone().expect("a PIN hash");
    assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
    assert!(wrenchdesk::password::verify("86420731", &hash));

    // Not in the audit, the export, a backup or the data file as text.
    let (_, audit) = app.get_text(&admin, "/admin/audit").await;
    assert!(audit.contains("user.pin_set") && !audit.contains("86420731") && !audit.contains(&hash));
    let response = app.post_form(&admin, "/admin/export", "/admin/export", &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    let zip = response.bytes().await.unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip.to_vec())).unwrap();
    let mut users = String::new();
    archive.by_name("users.csv").unwrap().read_to_string(&mut users).unwrap();
    assert!(users.contains("zhao") && !users.contains("pin_hash") && !users.contains("$argon2"), "{users}");
    let mut settings_csv = String::new();
    archive.by_name("settings.csv").unwrap().read_to_string(&mut settings_csv).unwrap();
    assert!(!settings_csv.contains("kiosk_key"), "the kiosk key stays on the box");
    for i in 0..archive.len() {
        let mut content = Vec::new();
        archive.by_index(i).unwrap().read_to_end(&mut content).unwrap();
        let text = String::from_utf8_lossy(&content);
        assert!(!text.contains("86420731") && !text.contains(&hash));
    }
    let backup = app.data.with_file_name("pin-check.redb");
    let store = app.store().clone();
    let to = backup.clone();
    tokio::task::spawn_blocking(move || store.backup_to(&to)).await.unwrap().unwrap();
    for file in [backup, app.data.join("wrenchdesk.redb")] {
        let bytes = std::fs::read(&file).unwrap();
        assert!(!bytes.windows(8).any(|w| w == b"86420731"), "{} holds the PIN as text", file.display());
    }

    // Removing it.
    let response = app.post_form(&zhao, "/account/password", "/account/pin", &[("action", "remove")]).await;
    assert_eq!(location(&response), "/account/password?notice=pin_removed");
    let (_, page) = app.get_text(&zhao, "/account/password").await;
    assert!(page.contains("data-pin-set=\"no\""));
}

#[tokio::test]
async fn the_kiosk_lock_setting_is_checked_beside_its_field() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let token = app.csrf(&admin, "/admin/settings").await;
    let mut fields: Vec<(&str, &str)> = vec![
        ("shop_name", "wrenchdesk"),
        ("default_lang", "zh"),
        ("time_zone", "Asia/Shanghai"),
        ("customer_sources", "walk_in"),
        ("customer_levels", "ordinary"),
        ("labour_rate", "120"),
        ("order_number_format", "{date}-{seq}"),
        ("backup_time", "02:00"),
        ("backup_keep", "14"),
        ("password_min_len", "10"),
        ("session_idle_minutes", "30"),
        ("session_absolute_hours", "12"),
        ("technician_session_hours", "12"),
        ("csrf", &token),
    ];
    for (typed, says) in [("45", "30"), ("abc", "")] {
        let mut sent = fields.clone();
        sent.push(("kiosk_lock_minutes", typed));
        let response = admin.post(app.url("/admin/settings")).form(&sent).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{typed}");
        let page = response.text().await.unwrap();
        let at = page.find("id=\"f-kiosk_lock_minutes-msg\"").expect("a message beside the field");
        assert!(page[at..].split("</p>").next().unwrap().contains(says));
        assert!(
            page.contains(&format!("name=\"kiosk_lock_minutes\" type=\"number\" value=\"{typed}\"")),
            "kept"
        );
    }
    fields.push(("kiosk_lock_minutes", "10"));
    let response = admin.post(app.url("/admin/settings")).form(&fields).send().await.unwrap();
    assert_eq!(location(&response), "/admin/settings?saved=1");
    assert_eq!(app.store().read(settings::get).await.unwrap().kiosk_lock_minutes, 10);
}
