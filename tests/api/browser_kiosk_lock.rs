//! The kiosk lock in a browser at 1280×800: the admin marks the reception browser as the
//! kiosk, an advisor works on it, it is left alone (the idle time shortened through the page's
//! own attribute, the test hook: no real wait of minutes) and locks; the advisor taps their
//! name, types the PIN on the keypad and is back on the page they left. Screenshots of the
//! lock screen and the keypad at 1280×800 and 390×844.

use reqwest::StatusCode;

use crate::browser::{Browser, wait_until};
use crate::helpers::*;
use crate::kiosk_lock::set_pin;

/// Resizes the browser's page (not its window) to `width`×`height`.
async fn resize(browser: &Browser, width: u32, height: u32) {
    let frame = browser
        .client
        .execute(
            "return [window.outerWidth - window.innerWidth, window.outerHeight - window.innerHeight]",
            vec![],
        )
        .await
        .unwrap();
    let (dx, dy) = (frame[0].as_u64().unwrap_or(0) as u32, frame[1].as_u64().unwrap_or(0) as u32);
    browser.client.set_window_size(width + dx, height + dy).await.unwrap();
}

#[tokio::test]
async fn an_idle_kiosk_locks_and_the_advisors_pin_on_the_keypad_brings_back_the_page() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let wang = app.user_with_roles(&admin, "wang", &["advisor"]).await;
    let lina = app.user_with_roles(&admin, "lina", &["advisor"]).await;
    assert_eq!(set_pin(&app, &wang, "wang-password", "2580").await.status(), StatusCode::SEE_OTHER);
    assert_eq!(set_pin(&app, &lina, "lina-password", "97531").await.status(), StatusCode::SEE_OTHER);
    app.save_settings(&admin, &[("kiosk_lock_minutes", "5")]).await;
    let wang_id = app.user_id(&admin, "wang").await;

    let Some(kiosk) = Browser::start(1280, 800).await else { return };
    // The administrator marks this browser as the kiosk, then the advisor signs in on it.
    kiosk.client.goto(&app.url("/admin/settings")).await.unwrap();
    kiosk.sign_in("admin", ADMIN_PASSWORD).await;
    kiosk.submit("#kiosk-device button[value=this]").await;
    assert!(wait_until(&kiosk, "document.querySelector('[data-kiosk-device=this]')").await, "marked");
    kiosk.submit("form[action='/logout'] button").await;
    kiosk.client.goto(&app.url("/customers/new")).await.unwrap();
    kiosk.sign_in("wang", "wang-password").await;
    assert_eq!(kiosk.path().await, "/customers/new");
    kiosk.fill("#f-name", "陈静").await;
    assert!(wait_until(&kiosk, "document.body.dataset.kioskLock === '300'").await, "a 5-minute idle timer");

    // Left alone: the test hook shortens the page's idle time to 2 s.
    kiosk.client.execute("document.body.setAttribute('data-kiosk-lock', '2')", vec![]).await.unwrap();
    assert!(
        wait_until(
            &kiosk,
            "location.pathname === '/kiosk/locked' && document.querySelector('[data-locked]')"
        )
        .await,
        "the idle kiosk shows the lock screen"
    );
    let page = kiosk.client.source().await.unwrap();
    assert!(!page.contains("陈静") && !page.contains("mainnav"), "nothing of the page behind it");
    let storage =
        kiosk.client.execute("return localStorage.length + sessionStorage.length", vec![]).await.unwrap();
    assert_eq!(storage.as_u64(), Some(0), "nothing kept in the browser's storage");
    kiosk.screenshot("kiosk-lock-1280x800").await;

    // A reload is still the lock screen; so is typing the page's address.
    kiosk.client.refresh().await.unwrap();
    kiosk.client.goto(&app.url("/customers/new")).await.unwrap();
    assert_eq!(kiosk.path().await, "/kiosk/locked");

    // Wang taps their name and types the PIN on the keypad.
    kiosk.submit(&format!("a[data-staff='{wang_id}']")).await;
    let keys = "[...document.querySelectorAll('.pin-keys .key')].every(k => k.getBoundingClientRect().height >= 56 && k.getBoundingClientRect().width >= 56)";
    assert!(wait_until(&kiosk, keys).await, "keypad keys of at least 56 px");
    kiosk.screenshot("kiosk-lock-keypad-1280x800").await;
    let fits = wait_until(&kiosk, "document.documentElement.scrollHeight <= window.innerHeight + 2").await;
    assert!(fits, "the lock screen fits 1280×800 without scrolling");
    // A wrong PIN first: the message is beside the keypad.
    for key in ["1", "3", "5", "7"] {
        kiosk.click(&format!(".pin-keys [data-key='{key}']")).await;
    }
    kiosk.submit("button[data-unlock]").await;
    assert!(wait_until(&kiosk, "document.querySelector('#f-pin-msg')").await, "wrong PIN said");
    for key in ["2", "5", "8", "0"] {
        kiosk.click(&format!(".pin-keys [data-key='{key}']")).await;
    }
    assert!(wait_until(&kiosk, "document.querySelector('#f-pin').value === '2580'").await);
    kiosk.submit("button[data-unlock]").await;
    assert_eq!(kiosk.path().await, "/customers/new", "back on the page it was on");
    assert!(wait_until(&kiosk, "document.querySelector('.who').textContent.trim() === 'wang'").await);

    // The lock screen and keypad on a phone-sized screen.
    kiosk.client.execute("document.body.setAttribute('data-kiosk-lock', '1')", vec![]).await.unwrap();
    assert!(wait_until(&kiosk, "location.pathname === '/kiosk/locked'").await, "locks again");
    resize(&kiosk, 390, 844).await;
    kiosk.submit(&format!("a[data-staff='{wang_id}']")).await;
    let no_sideways = "document.documentElement.scrollWidth <= window.innerWidth";
    assert!(wait_until(&kiosk, no_sideways).await, "no sideways scrolling at 390 px");
    kiosk.screenshot("kiosk-lock-keypad-390x844").await;
    kiosk.close().await;
}
