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

    // While the server runs, the command asks it for the backup over its control socket.
    let args: Vec<String> = ["backup", "--data", &data, "--backups", &backups].map(String::from).to_vec();
    let (ok, text) =
        tokio::task::spawn_blocking(move || wrenchdesk(&args.iter().map(String::as_str).collect::<Vec<_>>()))
            .await
            .unwrap();
    assert!(ok && text.contains("backup made by the running server and verified"), "{text}");
    let made: Vec<_> = std::fs::read_dir(&backups).unwrap().flatten().map(|e| e.path()).collect();
    assert!(made.iter().any(|p| p.to_string_lossy().contains("wrenchdesk-manual-")), "{made:?}");
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

#[tokio::test]
async fn an_admin_makes_lists_and_downloads_backups_and_the_daily_one_runs() {
    let mut app = spawn_app().await;
    let admin = app.admin().await;
    let backups = app.data.with_file_name("backups");
    let response = app.post_form(&admin, "/admin/backups", "/admin/backups", &[]).await;
    let to = location(&response);
    assert!(to.starts_with("/admin/backups?made=wrenchdesk-manual-"), "{to}");
    let (_, page) = app.get_text(&admin, &to).await;
    assert!(page.contains("备份已完成并校验"), "{page}");
    let name = to.trim_start_matches("/admin/backups?made=").to_string();
    assert!(page.contains(&format!("/admin/backups/files/{name}")));
    let file = backups.join(&name);
    let download = app.get(&admin, &format!("/admin/backups/files/{name}")).await;
    assert_eq!(download.status(), 200);
    assert!(download.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
    let bytes = download.bytes().await.unwrap();
    assert_eq!(bytes.len() as u64, std::fs::metadata(&file).unwrap().len());
    assert!(wrenchdesk::store::backup::verify(&file).is_ok());

    // Only an admin, and only our own file names.
    let desk = app.user_with_roles(&admin, "desk", &["advisor"]).await;
    assert_eq!(app.get(&desk, &format!("/admin/backups/files/{name}")).await.status(), 404);
    assert_eq!(app.get(&desk, "/admin/backups").await.status(), 403);
    std::fs::write(backups.join("secret.txt"), b"x").unwrap();
    assert_eq!(app.get(&admin, "/admin/backups/files/secret.txt").await.status(), 404);
    assert_eq!(app.get(&admin, "/admin/backups/files/..%2Fdata%2Fwrenchdesk.redb").await.status(), 404);

    // The daily backup runs at the set time; a box that was off then makes it at start.
    app.save_settings(&admin, &[("backup_time", "00:00")]).await;
    let dailies = |dir: &std::path::Path| {
        std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with("wrenchdesk-daily-"))
    };
    assert!(!dailies(&backups));
    app.restart_with_daily_backups().await;
    let mut daily = false;
    for _ in 0..600 {
        daily = dailies(&backups);
        if daily {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(daily, "a daily backup was made");
}
