//! Signing in and out, passwords, sessions, throttling and CSRF.

use reqwest::StatusCode;

use crate::helpers::*;

#[tokio::test]
async fn first_admin_must_change_the_initial_password_before_anything_else() {
    let app = spawn_app().await;
    let c = client();
    let response = app.login(&c, "admin", ADMIN_INITIAL).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/account/password");

    // Every other page sends the admin back to the password form.
    for path in ["/", "/admin/users", "/admin/settings"] {
        let response = app.get(&c, path).await;
        assert_eq!(location(&response), "/account/password", "{path}");
    }

    // Wrong current password, too short, mismatch: messages beside the fields, nothing changed.
    let response = app.change_password(&c, "not-it-at-all", "a-long-new-password").await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.text().await.unwrap().contains("当前密码不正确"));
    let response = app.change_password(&c, ADMIN_INITIAL, "short").await;
    assert!(response.text().await.unwrap().contains("至少需要 10 个字符"));
    let response = app
        .post_form(
            &c,
            "/account/password",
            "/account/password",
            &[
                ("current_password", ADMIN_INITIAL),
                ("new_password", "one-long-password"),
                ("confirm_password", "another-long-one"),
            ],
        )
        .await;
    assert!(response.text().await.unwrap().contains("两次输入的新密码不一致"));

    let response = app.change_password(&c, ADMIN_INITIAL, ADMIN_PASSWORD).await;
    assert_eq!(location(&response), "/?notice=password_changed");
    let (status, home) = app.get_text(&c, "/?notice=password_changed").await;
    assert_eq!(status, StatusCode::OK);
    assert!(home.contains("密码已修改"));

    // The old password no longer works; the new one does.
    let fresh = client();
    assert_eq!(app.login(&fresh, "admin", ADMIN_INITIAL).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(location(&app.login(&fresh, "admin", ADMIN_PASSWORD).await), "/");
}

#[tokio::test]
async fn signing_in_sets_a_new_strict_http_only_session_cookie() {
    let app = spawn_app().await;
    let c = client();
    app.admin().await;
    let before = app.get(&c, "/login").await;
    let pre = before.headers().get("set-cookie").unwrap().to_str().unwrap().to_string();
    assert!(pre.starts_with("wd_pre="));

    let response = app.login(&c, "admin", ADMIN_PASSWORD).await;
    let cookies: Vec<String> =
        response.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_string()).collect();
    let session = cookies.iter().find(|c| c.starts_with("wd_session=")).expect("session cookie");
    for flag in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(session.contains(flag), "{session} lacks {flag}");
    }
    assert!(!session.contains("Secure"), "plain HTTP on the LAN");
    let id = &session["wd_session=".len()..session.find(';').unwrap()];
    assert_eq!(id.len(), 32, "128 bits in hex");

    // Signing in again, even from a signed-in browser, gives a new id and ends the old one
    // (no session fixation).
    let response =
        app.post_form(&c, "/", "/login", &[("username", "admin"), ("password", ADMIN_PASSWORD)]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let again = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("wd_session="))
        .unwrap();
    assert_ne!(&again["wd_session=".len()..again.find(';').unwrap()], id);
    let raw = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let old = raw.get(app.url("/")).header("cookie", format!("wd_session={id}")).send().await.unwrap();
    assert!(location(&old).starts_with("/login"), "the old id is gone");
}

#[tokio::test]
async fn logout_ends_the_session_on_the_server() {
    let app = spawn_app().await;
    app.admin().await;
    let c = client();
    let response = app.login(&c, "admin", ADMIN_PASSWORD).await;
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("wd_session="))
        .unwrap();
    let pair = cookie.split(';').next().unwrap().to_string();

    let response = app.post_form(&c, "/", "/logout", &[]).await;
    assert_eq!(location(&response), "/login?notice=logged_out");

    // Replaying the old cookie by hand does not get in.
    let raw = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let response = raw.get(app.url("/")).header("cookie", pair).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(location(&response).starts_with("/login"));
}

#[tokio::test]
async fn a_session_survives_a_server_restart() {
    let mut app = spawn_app().await;
    let c = app.admin().await;
    assert_eq!(app.get(&c, "/").await.status(), StatusCode::OK);
    app.restart().await;
    let (status, html) = app.get_text(&c, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Administrator"));
    app.stop().await;
}

#[tokio::test]
async fn wrong_passwords_are_throttled_per_address() {
    let app = spawn_app().await;
    app.admin().await;
    let attacker = client_from("127.0.0.2");
    for _ in 0..5 {
        let response = app.login(&attacker, "admin", "guess-guess-guess").await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    // The sixth try is refused before the password is even checked, with a clear message,
    // even with the right password.
    let response = app.login(&attacker, "admin", ADMIN_PASSWORD).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(response.headers().contains_key("retry-after"));
    assert!(response.text().await.unwrap().contains("登录失败次数过多"));

    // The admin at the front desk still gets in, and that does not free the attacker.
    let desk = client_from("127.0.0.3");
    assert_eq!(location(&app.login(&desk, "admin", ADMIN_PASSWORD).await), "/");
    let response = app.login(&attacker, "admin", ADMIN_PASSWORD).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn unknown_users_and_wrong_passwords_get_the_same_answer() {
    let app = spawn_app().await;
    app.admin().await;
    let c = client();
    let wrong_password = app.login(&c, "admin", "not-the-password").await;
    let status = wrong_password.status();
    let a = wrong_password.text().await.unwrap();
    let unknown = app.login(&c, "nobody", "not-the-password").await;
    assert_eq!(status, unknown.status());
    let b = unknown.text().await.unwrap();
    assert!(a.contains("用户名或密码不正确") && b.contains("用户名或密码不正确"));
    // What was typed is kept.
    assert!(b.contains("value=\"nobody\""));
}

#[tokio::test]
async fn state_changes_without_the_csrf_token_are_refused() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let create = [
        ("username", "mallory"),
        ("display_name", "M"),
        ("password", "long-enough-pass"),
        ("roles", "admin"),
    ];

    // No token.
    let response = admin.post(app.url("/admin/users")).form(&create).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    // A wrong token.
    let mut with_wrong = create.to_vec();
    with_wrong.push(("csrf", "0123456789abcdef0123456789abcdef"));
    let response = admin.post(app.url("/admin/users")).form(&with_wrong).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    // The right token from another origin.
    let token = app.csrf(&admin, "/admin/users").await;
    let mut with_token = create.to_vec();
    with_token.push(("csrf", &token));
    let response = admin
        .post(app.url("/admin/users"))
        .header("origin", "http://evil.example")
        .form(&with_token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    // Nothing was created.
    let (_, users) = app.get_text(&admin, "/admin/users").await;
    assert!(!users.contains("mallory"));

    // The token in the header (as htmx sends it) works, with this server as origin.
    let response = admin
        .post(app.url("/admin/users"))
        .header("x-csrf-token", &token)
        .header("origin", app.base.clone())
        .form(&create)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);

    // The login form is protected too: without its cookie token, refused.
    let raw = reqwest::Client::new();
    let response = raw
        .post(app.url("/login"))
        .form(&[("username", "admin"), ("password", ADMIN_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn deactivating_a_user_ends_their_sessions() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let tech = app.user_with_roles(&admin, "tech.li", &["technician"]).await;
    assert_eq!(app.get(&tech, "/").await.status(), StatusCode::OK);

    let id = app.user_id(&admin, "tech.li").await;
    let response = app
        .post_form(&admin, "/admin/users", &format!("/admin/users/{id}/active"), &[("active", "false")])
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);

    let response = app.get(&tech, "/").await;
    assert!(location(&response).starts_with("/login"), "signed out");
    let response = app.login(&client(), "tech.li", "tech.li-password").await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(response.text().await.unwrap().contains("此账号已停用"));
}

#[tokio::test]
async fn signing_in_from_a_scanned_link_comes_back_to_it() {
    let app = spawn_app().await;
    app.admin().await;
    let c = client();
    let response = app.get(&c, "/admin/audit?before=9").await;
    assert_eq!(location(&response), "/login?next=%2Fadmin%2Faudit%3Fbefore%3D9");
    let token = app.csrf(&c, "/login?next=%2Fadmin%2Faudit%3Fbefore%3D9").await;
    let response = c
        .post(app.url("/login"))
        .form(&[
            ("username", "admin"),
            ("password", ADMIN_PASSWORD),
            ("csrf", &token),
            ("next", "/admin/audit?before=9"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&response), "/admin/audit?before=9");

    // Never to another site.
    let c = client();
    let token = app.csrf(&c, "/login").await;
    let response = c
        .post(app.url("/login"))
        .form(&[
            ("username", "admin"),
            ("password", ADMIN_PASSWORD),
            ("csrf", &token),
            ("next", "//evil.example/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&response), "/");

    // Nor through characters browsers drop or rewrite, on any route that follows `next`.
    for next in ["/%09/evil.example", "/%0A/evil.example", "/%5Cevil.example"] {
        let response = app.get(&client(), &format!("/lang/en?next={next}")).await;
        assert_eq!(location(&response), "/", "{next}");
        let response = app.get(&client(), &format!("/login?next={next}")).await;
        let html = response.text().await.unwrap();
        assert!(html.contains("name=\"next\" value=\"/\""), "{next}");
    }
}

#[tokio::test]
async fn every_state_changing_route_refuses_a_missing_csrf_token() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let routes = [
        "/logout",
        "/account/password",
        "/account/lang",
        "/admin/users",
        "/admin/users/1/roles",
        "/admin/users/1/password",
        "/admin/users/1/active",
        "/admin/settings",
        "/customers",
        "/customers/1",
        "/customers/1/status",
        "/customers/1/contacts",
        "/customers/1/delete",
        "/customers/import/confirm",
        "/vehicles",
        "/vehicles/1",
        "/vehicles/1/transfer",
        "/lookup/new",
    ];
    for route in routes {
        let response = admin.post(app.url(route)).form(&[("x", "y")]).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{route}");
    }
    let upload = reqwest::multipart::Form::new().text("file", "name,phone\n");
    let response = admin.post(app.url("/customers/import")).multipart(upload).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN, "import upload");
    // And the admin is still signed in: the refusals changed nothing.
    assert_eq!(app.get(&admin, "/").await.status(), StatusCode::OK);
}
