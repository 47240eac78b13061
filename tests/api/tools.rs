//! The command line's data tools, run as the shop would run them: the real binary on a data
//! directory.

use std::process::Command;

use crate::helpers::*;

fn wrenchdesk(args: &[&str]) -> (bool, String) {
    let out =
        Command::new(env!("CARGO_BIN_EXE_wrenchdesk")).args(args).env("RUST_LOG", "error").output().unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

#[tokio::test]
async fn backup_and_restore_refuse_a_running_server_and_work_once_it_stops() {
    let mut app = spawn_app().await;
    let admin = app.admin().await;
    let data = app.data.to_str().unwrap().to_string();
    let backups = app.data.with_file_name("backups");
    let backups = backups.to_str().unwrap().to_string();

    let (ok, text) = wrenchdesk(&["backup", "--data", &data, "--backups", &backups]);
    assert!(!ok && text.contains("the server is running"), "{text}");
    let (ok, text) = wrenchdesk(&["check", "--data", &data]);
    assert!(!ok && text.contains("in use"), "{text}");

    // A customer made before the backup survives the restore; one made after does not.
    crate::customers::create_customer(&app, &admin, "备份前", "13600000001").await;
    drop(admin);
    app.stop().await;
    let file = format!("{backups}/b.redb");
    let (ok, text) = wrenchdesk(&["backup", "--to", &file, "--data", &data]);
    assert!(ok && text.contains("backup written and verified"), "{text}");
    let (ok, text) = wrenchdesk(&["check", "--data", &data]);
    assert!(ok && text.contains("the database is consistent"), "{text}");

    // A file that is not a backup is refused and nothing changes.
    let junk = format!("{backups}/junk.redb");
    std::fs::write(&junk, b"not a database").unwrap();
    let (ok, text) = wrenchdesk(&["restore", &junk, "--data", &data, "--backups", &backups]);
    assert!(!ok && text.contains("is not a usable backup"), "{text}");

    let (ok, text) = wrenchdesk(&["restore", &file, "--data", &data, "--backups", &backups]);
    assert!(ok && text.contains("restored") && text.contains("replaces is kept"), "{text}");
    let (ok, _) = wrenchdesk(&["check", "--data", &data]);
    assert!(ok);
}

#[tokio::test]
async fn a_password_is_reset_from_the_box() {
    let mut app = spawn_app().await;
    app.admin().await;
    let data = app.data.to_str().unwrap().to_string();
    app.stop().await;
    let (ok, text) = wrenchdesk(&["user", "reset-password", "admin", "--data", &data]);
    assert!(ok && text.contains("new password for admin:"), "{text}");
    let password =
        text.split("new password for admin: ").nth(1).unwrap().lines().next().unwrap().trim().to_string();
    let (ok, text) = wrenchdesk(&["user", "reset-password", "nobody", "--data", &data]);
    assert!(!ok && text.contains("no user named nobody"), "{text}");
    // The printed password works, and must be changed right away; the old one is gone.
    app.restart().await;
    let c = client();
    assert_eq!(location(&app.login(&c, "admin", &password).await), "/account/password");
    assert_eq!(
        app.login(&client(), "admin", ADMIN_PASSWORD).await.status(),
        reqwest::StatusCode::UNAUTHORIZED
    );
}
