//! System management: users and roles, settings, the audit log, and who may see them.

use reqwest::StatusCode;

use crate::helpers::*;

#[tokio::test]
async fn admin_creates_a_user_with_several_roles() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let fields = [
        ("username", "Wang.Wei"),
        ("display_name", "王伟"),
        ("password", "initial-password"),
        ("roles", "cashier"),
        ("roles", "parts"),
    ];
    let response = app.post_form(&admin, "/admin/users", "/admin/users", &fields).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (_, page) = app.get_text(&admin, &location(&response)).await;
    assert!(page.contains("wang.wei") && page.contains("王伟"));
    assert!(page.contains("收银员、仓管员"), "both roles listed");

    // The new user must choose a password, then sees only their areas.
    let c = client();
    assert_eq!(location(&app.login(&c, "wang.wei", "initial-password").await), "/account/password");
    app.change_password(&c, "initial-password", "wang-wei-password").await;
    let (_, home) = app.get_text(&c, "/").await;
    assert!(home.contains("结算收银") && home.contains("配件库存"));
    assert!(!home.contains("用户与角色"), "no admin cards");
    assert!(!home.contains("href=\"/admin\""), "no admin navigation");
}

#[tokio::test]
async fn a_refused_new_user_keeps_what_was_typed_with_messages_beside_the_fields() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let fields = [("username", "x y"), ("display_name", "张<b>三</b>"), ("password", "short")];
    let response = app.post_form(&admin, "/admin/users", "/admin/users", &fields).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(html.contains("用户名只能包含"));
    assert!(html.contains("密码至少需要 10 个字符"));
    assert!(html.contains("至少选择一个角色"));
    assert!(html.contains("value=\"x y\""));
    assert!(html.contains("value=\"张&lt;b&gt;三&lt;/b&gt;\""), "kept and escaped");

    // A taken username.
    let fields = [
        ("username", "ADMIN"),
        ("display_name", "Two"),
        ("password", "long-enough-pw"),
        ("roles", "advisor"),
    ];
    let response = app.post_form(&admin, "/admin/users", "/admin/users", &fields).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.text().await.unwrap().contains("该用户名已被使用"));
}

#[tokio::test]
async fn only_admins_reach_system_management() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    for role in ["manager", "advisor", "technician", "cashier", "parts"] {
        let c = app.user_with_roles(&admin, &format!("{role}1"), &[role]).await;
        for path in ["/admin", "/admin/users", "/admin/settings", "/admin/audit", "/admin/users/1"] {
            let response = app.get(&c, path).await;
            assert_eq!(response.status(), StatusCode::FORBIDDEN, "{role} on {path}");
        }
        // Posting is refused too, even with a valid token of their own.
        let fields = [
            ("username", "sneaky"),
            ("display_name", "S"),
            ("password", "long-enough-pw"),
            ("roles", "admin"),
        ];
        let response = app.post_form(&c, "/", "/admin/users", &fields).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{role} creating a user");
        let response = app.post_form(&c, "/", "/admin/users/1/active", &[("active", "false")]).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{role} deactivating the admin");
    }
    let (_, users) = app.get_text(&admin, "/admin/users").await;
    assert!(!users.contains("sneaky"));
}

#[tokio::test]
async fn the_last_admin_cannot_lock_everyone_out() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let response =
        app.post_form(&admin, "/admin/users/1", "/admin/users/1/active", &[("active", "false")]).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    assert!(response.text().await.unwrap().contains("不能停用自己的账号"));

    let version = version_on(&app, &admin, "/admin/users/1").await;
    let response = app
        .post_form(
            &admin,
            "/admin/users/1",
            "/admin/users/1/roles",
            &[("display_name", "Admin"), ("roles", "manager"), ("version", &version)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    assert!(response.text().await.unwrap().contains("至少要保留一个有效的系统管理员"));
}

#[tokio::test]
async fn a_stale_role_edit_is_refused() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    app.user_with_roles(&admin, "zhao", &["advisor"]).await;
    let version = version_on(&app, &admin, "/admin/users/2").await;
    let edit = [("display_name", "Zhao"), ("roles", "advisor"), ("roles", "cashier"), ("version", &version)];
    let response = app.post_form(&admin, "/admin/users/2", "/admin/users/2/roles", &edit).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    // The same form, sent again from the page as it was: someone else's edit came in between.
    let response = app.post_form(&admin, "/admin/users/2", "/admin/users/2/roles", &edit).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    assert!(response.text().await.unwrap().contains("此记录已被他人修改"));
}

async fn version_on(app: &TestApp, client: &reqwest::Client, path: &str) -> String {
    let (_, page) = app.get_text(client, path).await;
    let marker = "name=\"version\" value=\"";
    let at = page.find(marker).expect("a version field") + marker.len();
    page[at..at + page[at..].find('"').unwrap()].to_string()
}

#[tokio::test]
async fn an_admin_password_reset_forces_a_change_and_signs_the_user_out() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let user = app.user_with_roles(&admin, "qian", &["cashier"]).await;
    let response = app
        .post_form(&admin, "/admin/users/2", "/admin/users/2/password", &[("password", "temporary-pass")])
        .await;
    assert_eq!(location(&response), "/admin/users/2?notice=password");
    assert!(location(&app.get(&user, "/").await).starts_with("/login"));
    let c = client();
    assert_eq!(location(&app.login(&c, "qian", "temporary-pass").await), "/account/password");
}

#[tokio::test]
async fn settings_are_checked_saved_and_audited() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let mut fields = vec![
        ("shop_name", "老王汽修"),
        ("shop_address", "北京市朝阳区"),
        ("shop_phone", "010-12345678"),
        ("default_lang", "zh"),
        ("time_zone", "Mars/Base"),
        ("password_min_len", "3"),
        ("session_idle_minutes", "60"),
        ("session_absolute_hours", "10"),
        ("technician_session_hours", "12"),
        ("public_base_url", "http://192.168.1.20:8080"),
        ("customer_sources", "walk_in\n抖音\nreferral"),
        ("customer_levels", "ordinary\nvip"),
        ("labour_rate", "150"),
        ("order_number_format", "WO{date}-{seq}"),
        ("backup_time", "03:30"),
        ("backup_keep", "30"),
    ];
    let response = app.post_form(&admin, "/admin/settings", "/admin/settings", &fields).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(html.contains("未知时区"));
    assert!(html.contains("请输入 8 到 64 之间的数"));
    assert!(html.contains("value=\"老王汽修\""), "typed values kept");

    fields[4].1 = "Asia/Shanghai";
    fields[5].1 = "12";
    let response = app.post_form(&admin, "/admin/settings", "/admin/settings", &fields).await;
    assert_eq!(location(&response), "/admin/settings?saved=1");
    let (_, home) = app.get_text(&admin, "/").await;
    assert!(home.contains("老王汽修"), "the header shows the new shop name");
    let (_, form) = app.get_text(&admin, "/customers/new").await;
    assert!(form.contains("<option value=\"抖音\">抖音</option>"), "the shop's own source is offered");
    assert!(
        form.contains("自然到店") && !form.contains("银卡"),
        "built-in codes translated, removed ones gone"
    );

    // The new minimum applies at once.
    let response = app
        .post_form(
            &admin,
            "/admin/users",
            "/admin/users",
            &[("username", "sun"), ("display_name", "Sun"), ("password", "elevenchars"), ("roles", "parts")],
        )
        .await;
    assert!(response.text().await.unwrap().contains("密码至少需要 12 个字符"));

    let (_, audit) = app.get_text(&admin, "/admin/audit").await;
    assert!(audit.contains("settings.update"));
    assert!(audit.contains("shop_name") && audit.contains("password_min_len"));
    assert!(audit.contains("session.login") && audit.contains("user.password_change"));
}
