//! The page shell: languages, assets, errors, htmx fragments, bad input, health.

use reqwest::StatusCode;

use crate::helpers::*;

#[tokio::test]
async fn health_answers_when_the_database_does() {
    let app = spawn_app().await;
    let (status, body) = app.get_text(&client(), "/healthz").await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "ok"));
}

#[tokio::test]
async fn the_login_page_speaks_the_browsers_language_until_a_choice_is_made() {
    let app = spawn_app().await;
    let c = client();
    let en = c.get(app.url("/login")).header("accept-language", "en-US,en;q=0.9").send().await.unwrap();
    let en = en.text().await.unwrap();
    assert!(en.contains("Sign in to wrenchdesk") && en.contains("lang=\"en\""));
    let zh = c.get(app.url("/login")).header("accept-language", "zh-CN,zh;q=0.9").send().await.unwrap();
    assert!(zh.text().await.unwrap().contains("登录扳手台"));

    // Choosing English before signing in sticks (cookie) over the header.
    let response = app.get(&c, "/lang/en?next=/login").await;
    assert_eq!(location(&response), "/login");
    let page = c.get(app.url("/login")).header("accept-language", "zh-CN").send().await.unwrap();
    assert!(page.text().await.unwrap().contains("Sign in to wrenchdesk"));
}

#[tokio::test]
async fn a_users_language_is_stored_with_the_user() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let response = app.post_form(&admin, "/", "/account/lang", &[("lang", "en"), ("next", "/admin")]).await;
    assert_eq!(location(&response), "/admin");
    // A new session on another device, with a Chinese browser, still gets English.
    let other = app.admin_again().await;
    let page = other.get(app.url("/")).header("accept-language", "zh-CN").send().await.unwrap();
    let html = page.text().await.unwrap();
    assert!(html.contains("Hello, Administrator"), "{html}");
}

#[tokio::test]
async fn static_assets_are_versioned_and_cached_forever() {
    let app = spawn_app().await;
    let (_, page) = app.get_text(&client(), "/login").await;
    for marker in ["/static/htmx-2.0.11.min.js", "/static/app-"] {
        assert!(page.contains(marker), "{marker}");
    }
    let css = page.split("href=\"").find(|s| s.starts_with("/static/app-")).unwrap();
    let css = &css[..css.find('"').unwrap()];
    for path in ["/static/htmx-2.0.11.min.js", css] {
        let response = app.get(&client(), path).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(response.headers()["cache-control"], "public, max-age=31536000, immutable");
    }
    assert_eq!(app.get(&client(), "/static/app-00000000.css").await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn unknown_pages_get_a_readable_404_in_both_languages() {
    let app = spawn_app().await;
    let (status, html) = app.get_text(&client(), "/no/such/page").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains("页面不存在") && html.contains("Page not found"));
}

#[tokio::test]
async fn htmx_requests_get_fragments_and_errors_as_toasts() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let full = app.get(&admin, "/admin").await;
    assert_eq!(full.headers()["vary"], "HX-Request");
    assert!(full.text().await.unwrap().starts_with("<!DOCTYPE html>"));
    let fragment = admin.get(app.url("/admin")).header("hx-request", "true").send().await.unwrap();
    let html = fragment.text().await.unwrap();
    assert!(!html.contains("<html") && html.contains("系统管理"));

    let tech = app.user_with_roles(&admin, "tech1", &["technician"]).await;
    let denied = tech.get(app.url("/admin/users")).header("hx-request", "true").send().await.unwrap();
    assert_eq!(denied.status(), StatusCode::FORBIDDEN);
    assert_eq!(denied.headers()["hx-reswap"], "none");
    assert!(denied.text().await.unwrap().contains("class=\"toast\""));
}

#[tokio::test]
async fn bad_input_gets_a_4xx_never_a_5xx() {
    let app = spawn_app().await;
    let c = client();
    let token = app.csrf(&c, "/login").await;

    // A one-megabyte username.
    let huge = "a".repeat(1 << 20);
    let response = c
        .post(app.url("/login"))
        .form(&[("username", huge.as_str()), ("csrf", &token)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);

    // Empty fields: messages beside them.
    let response = c
        .post(app.url("/login"))
        .form(&[("username", ""), ("password", ""), ("csrf", &token)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.text().await.unwrap().contains("必填"));

    // Malformed bodies and odd bytes, with a valid token so they reach the form parser.
    for body in [&b"%%%&&&==="[..], &[0xff, 0xfe, 0x00, 0x80], b"username=%E4%B8&password=%ZZ", b""] {
        let mut body = body.to_vec();
        body.extend_from_slice(format!("&csrf={token}").as_bytes());
        let response = c
            .post(app.url("/login"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.clone())
            .send()
            .await
            .unwrap();
        assert!(response.status().is_client_error(), "{:?} → {}", body, response.status());
    }

    // A wrong method, a path with junk, a bad id.
    assert!(c.delete(app.url("/login")).send().await.unwrap().status().is_client_error());
    let admin = app.admin().await;
    for path in
        ["/admin/users/99999", "/admin/users/abc", "/admin/users/-1", "/customers/99999", "/vehicles/0"]
    {
        assert_eq!(app.get(&admin, path).await.status(), StatusCode::NOT_FOUND, "{path}");
    }
    // A junk page number or date filter is ignored, not an error.
    for path in ["/admin/audit?before=x", "/customers?page=-3&created_from=2026-13-45"] {
        assert_eq!(app.get(&admin, path).await.status(), StatusCode::OK, "{path}");
    }
    let response =
        app.post_form(&admin, "/admin/users", "/admin/users/99999/active", &[("active", "false")]).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let response =
        app.post_form(&admin, "/admin/users", "/admin/users/1/active", &[("active", "maybe")]).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_database_from_a_newer_program_is_refused_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = wrenchdesk::store::Store::open(dir.path()).unwrap();
        drop(store);
        let db = redb_for_test(dir.path());
        let tx = db.begin_write().unwrap();
        tx.open_table(wrenchdesk::store::tables::META).unwrap().insert("schema_version", 999).unwrap();
        tx.commit().unwrap();
    }
    let err = wrenchdesk::store::Store::open(dir.path()).err().expect("refused");
    assert!(err.to_string().contains("schema version 999, newer than this program"), "{err}");
}

fn redb_for_test(dir: &std::path::Path) -> redb::Database {
    redb::Database::create(dir.join(wrenchdesk::store::DB_FILE)).unwrap()
}
