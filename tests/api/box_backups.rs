//! Backups on the box: a backup file uploaded from Administration → Backups (streamed to disk,
//! checked, then the same confirmed restore), refused when it is not a wrenchdesk backup, and
//! a full disk while writing a backup or an upload, which must fail cleanly and leave nothing.

use std::sync::Arc;

use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use wrenchdesk::store::faults::Faults;

use crate::customers::create_customer;
use crate::helpers::*;

fn backups_dir(app: &TestApp) -> std::path::PathBuf {
    app.data.with_file_name("backups")
}

/// Every file in the backups directory, by name.
fn files(app: &TestApp) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(backups_dir(app))
        .map(|d| d.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    names.sort();
    names
}

async fn upload(app: &TestApp, admin: &reqwest::Client, bytes: Vec<u8>) -> (StatusCode, String) {
    let token = app.csrf(admin, "/admin/backups").await;
    let form = Form::new().text("csrf", token).part("file", Part::bytes(bytes).file_name("shop.redb"));
    let response = admin.post(app.url("/admin/backups/upload")).multipart(form).send().await.unwrap();
    let status = response.status();
    (status, response.text().await.unwrap())
}

/// Makes a backup from the admin page; its file name.
async fn make_backup(app: &TestApp, admin: &reqwest::Client) -> String {
    let before = files(app);
    let response = app.post_form(admin, "/admin/backups", "/admin/backups", &[]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    files(app).into_iter().find(|n| !before.contains(n)).expect("a new backup")
}

#[tokio::test]
async fn an_uploaded_backup_is_checked_then_restored_and_a_foreign_file_is_refused() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    create_customer(&app, &admin, "上传前", "13700000001").await;
    let name = make_backup(&app, &admin).await;
    let response = app.get(&admin, &format!("/admin/backups/files/{name}")).await;
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = response.bytes().await.unwrap().to_vec();
    // The backup leaves the box (downloaded, say to a USB stick), and the shop goes on.
    std::fs::remove_file(backups_dir(&app).join(&name)).unwrap();
    create_customer(&app, &admin, "上传后", "13700000002").await;
    let (_, page) = app.get_text(&admin, "/admin/backups").await;
    assert!(page.contains("action=\"/admin/backups/upload\"") && page.contains("multipart/form-data"));

    // Not a database at all: refused at its first bytes, nothing kept.
    let before = files(&app);
    let (status, page) = upload(&app, &admin, b"PK\x03\x04 a zip, not a backup".repeat(1000)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("data-upload-refused"), "{page}");
    assert_eq!(files(&app), before, "a refused upload leaves nothing");
    // A redb file that is damaged: written, checked, refused, removed.
    let mut damaged = bytes.clone();
    let mid = damaged.len() / 2;
    for b in &mut damaged[mid..mid + 256] {
        *b ^= 0x5a;
    }
    let (status, page) = upload(&app, &admin, damaged).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(page.contains("data-upload-refused"), "{page}");
    assert_eq!(files(&app), before);
    // No file chosen.
    let (status, _) = upload(&app, &admin, Vec::new()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // Without the CSRF token: 403, nothing written.
    let form = Form::new().part("file", Part::bytes(bytes.clone()).file_name("shop.redb"));
    let response = admin.post(app.url("/admin/backups/upload")).multipart(form).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(files(&app), before);

    // The real backup: checked, then offered for the confirmed restore.
    let (status, page) = upload(&app, &admin, bytes.clone()).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let marker = "action=\"/admin/backups/restore/";
    let at = page.find(marker).expect("the restore form") + marker.len();
    let uploaded = page[at..at + page[at..].find('"').unwrap()].to_string();
    assert!(uploaded.starts_with("wrenchdesk-upload-"), "{uploaded}");
    assert!(files(&app).contains(&uploaded), "kept among the backups");
    assert!(!files(&app).iter().any(|n| n.ends_with(".partial")));
    let response = app
        .post_form(
            &admin,
            &format!("/admin/backups/restore/{uploaded}"),
            &format!("/admin/backups/restore/{uploaded}"),
            &[("confirm", "1")],
        )
        .await;
    assert_eq!(location(&response), "/login?notice=restored");
    let admin = app.admin_again().await;
    let (_, list) = app.get_text(&admin, "/customers?q=上传").await;
    assert!(list.contains("上传前") && !list.contains("上传后"), "the upload's data is the shop's now");
}

#[tokio::test]
async fn a_full_disk_while_writing_a_backup_or_an_upload_fails_cleanly() {
    let faults: Arc<Faults> = Faults::new();
    let app = spawn_faulty_app(faults.clone()).await;
    let admin = app.admin().await;
    create_customer(&app, &admin, "满盘前", "13700000003").await;
    let name = make_backup(&app, &admin).await;
    let bytes = std::fs::read(backups_dir(&app).join(&name)).unwrap();
    let before = files(&app);
    let fingerprint = app.fingerprint().await;

    // A backup while the disk is full: refused, and no half-written file is left.
    faults.set_disk_full(true);
    let response = app.post_form(&admin, "/admin/backups", "/admin/backups", &[]).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(files(&app), before, "no backup and no partial file");
    // An upload while the disk is full: the same.
    let (status, page) = upload(&app, &admin, bytes.clone()).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{page}");
    assert!(page.contains("data-upload-refused"), "the reason is shown beside the file field");
    assert_eq!(files(&app), before);
    assert!(faults.injected() >= 2);

    // A write that fails half-way through an upload (the disk fills up mid-file).
    faults.set_disk_full(false);
    faults.fail_write_in(3);
    let (status, _) = upload(&app, &admin, bytes.clone()).await;
    faults.clear();
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(files(&app), before);
    assert_eq!(app.fingerprint().await, fingerprint, "the data did not change");

    // Room again: both work, and the server kept serving throughout.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    make_backup(&app, &admin).await;
    let (status, page) = upload(&app, &admin, bytes).await;
    assert_eq!(status, StatusCode::OK, "{page}");
}
