//! Restoring a backup from the admin page while the shop works, and storage that fails under
//! the server: nothing half-written, no success for a failed save, and the right message.

use reqwest::StatusCode;
use wrenchdesk::store::faults::Faults;

use crate::customers::create_customer;
use crate::helpers::*;

/// Customer names on the first page of the list.
async fn listed(app: &TestApp, c: &reqwest::Client, name: &str) -> bool {
    let (status, page) = app.get_text(c, &format!("/customers?q={name}")).await;
    assert_eq!(status, StatusCode::OK);
    page.contains(&format!(">{name}</a>"))
}

/// Confirms the restore of backup `name` on its page.
async fn restore(app: &TestApp, admin: &reqwest::Client, name: &str) -> reqwest::Response {
    let page = format!("/admin/backups/restore/{name}");
    app.post_form(admin, &page, &page, &[("confirm", "1")]).await
}

async fn make_backup(app: &TestApp, admin: &reqwest::Client) -> String {
    let response = app.post_form(admin, "/admin/backups", "/admin/backups", &[]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let at = location(&response);
    at.split("made=").nth(1).expect("the backup's name").to_string()
}

#[tokio::test]
async fn a_backup_is_restored_from_the_admin_page_while_the_shop_works() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let advisor = app.user_with_roles(&admin, "advisor1", &["advisor"]).await;
    create_customer(&app, &admin, "恢复前客户", "13600000001").await;
    let name = make_backup(&app, &admin).await;
    create_customer(&app, &admin, "恢复后客户", "13600000002").await;

    // The confirmation page has checked the file.
    let (status, page) = app.get_text(&admin, &format!("/admin/backups/restore/{name}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("备份已校验") || page.contains("The backup checks out"), "{page}");
    // Other roles cannot reach it.
    let (status, _) = app.get_text(&advisor, &format!("/admin/backups/restore/{name}")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Without the confirmation: refused beside the box, nothing changed.
    let response = app
        .post_form(
            &admin,
            &format!("/admin/backups/restore/{name}"),
            &format!("/admin/backups/restore/{name}"),
            &[],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = response.text().await.unwrap();
    assert!(page.contains("请先勾选确认") || page.contains("Tick the box"), "{page}");
    assert!(listed(&app, &admin, "恢复后客户").await);

    // An advisor keeps saving customers while the admin restores.
    let token = app.csrf(&advisor, "/customers/new").await;
    let writer = {
        let (advisor, base, token) = (advisor.clone(), app.base.clone(), token.clone());
        tokio::spawn(async move {
            let mut saved = Vec::new();
            for i in 0..40 {
                let name = format!("并发客户{i:02}");
                let phone = format!("1390000{i:04}");
                let form = [
                    ("kind", "person"),
                    ("name", &name),
                    ("phone", &phone),
                    ("confirm_phone", "1"),
                    ("csrf", &token),
                ];
                let response = advisor.post(format!("{base}/customers")).form(&form).send().await.unwrap();
                let status = response.status();
                assert!(status.as_u16() < 500, "{status} during a restore");
                if status == StatusCode::SEE_OTHER && location(&response).starts_with("/customers/") {
                    saved.push(name);
                }
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            }
            saved
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(40)).await;
    let response = restore(&app, &admin, &name).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/login?notice=restored");
    let saved = writer.await.unwrap();

    // Every session ended: the admin signs in again, and sees the data of the backup.
    let response = app.get(&admin, "/customers").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(location(&response).starts_with("/login"));
    let (_, login) = app.get_text(&client(), "/login?notice=restored").await;
    assert!(login.contains("数据已从备份恢复") || login.contains("restored from a backup"));
    let admin = app.admin_again().await;
    assert!(listed(&app, &admin, "恢复前客户").await);
    assert!(!listed(&app, &admin, "恢复后客户").await);
    // Each save the advisor was told about went into the data before the swap or (a request
    // that was signed in before it and waited for it) into the restored data.
    assert!(!saved.is_empty(), "some saves went through around the restore");
    let mut in_restored = std::collections::BTreeSet::new();
    for name in &saved {
        if listed(&app, &admin, name).await {
            in_restored.insert(name.clone());
        }
    }

    // What it replaced was backed up first, with every customer acknowledged before the
    // restore: restoring that backup brings them back.
    let (_, list) = app.get_text(&admin, "/admin/backups").await;
    let prerestore = list
        .split("/admin/backups/restore/")
        .skip(1)
        .map(|rest| rest[..rest.find('"').unwrap()].to_string())
        .find(|n| n.starts_with("wrenchdesk-prerestore-"))
        .expect("the replaced data was backed up");
    let response = restore(&app, &admin, &prerestore).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let admin = app.admin_again().await;
    assert!(listed(&app, &admin, "恢复后客户").await);
    // ... and the others are in the data it replaced: no acknowledged save is lost, none is
    // in both.
    for name in &saved {
        let replaced = listed(&app, &admin, name).await;
        assert!(replaced != in_restored.contains(name), "{name}: in the replaced data {replaced}");
    }
    let report = tokio::task::spawn_blocking({
        let store = app.store().clone();
        move || {
            store.read_now(|tx| {
                let mut report = wrenchdesk::store::check::Report::default();
                wrenchdesk::store::check::invariants(tx, &mut report)?;
                Ok(report)
            })
        }
    })
    .await
    .unwrap()
    .unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
}

#[tokio::test]
async fn a_damaged_or_foreign_file_is_refused_and_nothing_changes() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    create_customer(&app, &admin, "原有客户", "13600000003").await;
    let name = make_backup(&app, &admin).await;
    let backups = app.data.with_file_name("backups");

    // Damage every 2 KiB past the header (free space alone would go unnoticed, as it should).
    let mut bytes = std::fs::read(backups.join(&name)).unwrap();
    for at in (4096..bytes.len() - 8).step_by(2048) {
        for b in &mut bytes[at..at + 8] {
            *b ^= 0x5a;
        }
    }
    std::fs::write(backups.join("wrenchdesk-damaged-1.redb"), &bytes).unwrap();
    std::fs::write(backups.join("wrenchdesk-foreign-1.redb"), b"PK\x03\x04 a spreadsheet").unwrap();

    let before = app.fingerprint().await;
    for file in ["wrenchdesk-damaged-1.redb", "wrenchdesk-foreign-1.redb"] {
        let page_path = format!("/admin/backups/restore/{file}");
        let (status, page) = app.get_text(&admin, &page_path).await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("这个文件不能恢复") || page.contains("cannot be restored"), "{file}: {page}");
        assert!(!page.contains("name=\"confirm\""), "no way to confirm a refused file");
        let response = app.post_form(&admin, "/admin/backups", &page_path, &[("confirm", "1")]).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{file}");
        assert_eq!(app.fingerprint().await, before, "{file} changed nothing");
    }
    // Still signed in, still the same data.
    assert!(listed(&app, &admin, "原有客户").await);
    // Names that are not ours are not found at all.
    let (status, _) = app.get_text(&admin, "/admin/backups/restore/..%2Fdata%2Fwrenchdesk.redb").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_failed_save_answers_503_says_so_and_the_server_goes_on() {
    let faults = Faults::new();
    let app = spawn_faulty_app(faults.clone()).await;
    let admin = app.admin().await;
    create_customer(&app, &admin, "正常客户", "13600000004").await;
    let token = app.csrf(&admin, "/customers/new").await;
    let post = |name: &'static str, phone: &'static str| {
        let (admin, url, token) = (admin.clone(), app.url("/customers"), token.clone());
        async move {
            let form = [
                ("kind", "person"),
                ("name", name),
                ("phone", phone),
                ("confirm_phone", "1"),
                ("csrf", &token),
            ];
            let response = admin.post(url).form(&form).send().await.unwrap();
            (response.status(), response.text().await.unwrap())
        }
    };

    // A write to the file fails while the change is being made durable: the server reopens
    // the file, finds the change was not kept, and says so: 503, "nothing was changed".
    let before = app.fingerprint().await;
    faults.fail_write_in(1);
    let (status, page) = post("写入失败客户", "13600000005").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(page.contains("无法保存，数据没有改变") || page.contains("nothing was changed"), "{page}");
    assert_eq!(faults.injected(), 1);
    assert_eq!(app.fingerprint().await, before);
    assert!(!listed(&app, &admin, "写入失败客户").await);

    // The disk refuses to grow: the same.
    faults.set_disk_full(true);
    let big = "备注".repeat(900);
    let mut refused = 0;
    for i in 0..40 {
        let form = [
            ("kind", "person"),
            ("name", "满盘客户"),
            ("phone", "13600000008"),
            ("notes", big.as_str()),
            ("confirm_phone", "1"),
            ("csrf", token.as_str()),
        ];
        let response = admin.post(app.url("/customers")).form(&form).send().await.unwrap();
        let status = response.status();
        assert!(
            status == StatusCode::SEE_OTHER || status == StatusCode::SERVICE_UNAVAILABLE,
            "{i}: {status}"
        );
        if status == StatusCode::SERVICE_UNAVAILABLE {
            let page = response.text().await.unwrap();
            assert!(
                page.contains("无法保存，数据没有改变") || page.contains("nothing was changed"),
                "{page}"
            );
            refused += 1;
            break;
        }
    }
    assert_eq!(refused, 1, "a full disk refuses a save that needs room");
    // Space is back; the server retries opening the file at most once a second.
    faults.set_disk_full(false);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (status, page) = post("有空间了", "13600000010").await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");

    // A sync fails (the first or the second of a commit): the server reopens the file and
    // answers by what it kept. Saved means listed; refused means "nothing was changed" and
    // absent. Never a success for a change that is not there.
    for (n, name, phone) in [(1, "同步失败一", "13600000006"), (2, "同步失败二", "13600000009")] {
        faults.fail_sync_in(n);
        let (status, page) = post(name, phone).await;
        faults.clear(); // a second sync this save did not need stays armed otherwise
        let kept = listed(&app, &admin, name).await;
        match status {
            StatusCode::SEE_OTHER => assert!(kept, "{name} acknowledged but missing"),
            StatusCode::SERVICE_UNAVAILABLE => {
                assert!(
                    page.contains("无法保存，数据没有改变") || page.contains("nothing was changed"),
                    "{page}"
                );
                assert!(!kept, "{name} refused but kept");
            }
            other => panic!("{other} for a failed sync"),
        }
    }

    // The server reopened the file and goes on saving.
    let (status, page) = post("恢复后正常", "13600000007").await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    assert!(listed(&app, &admin, "恢复后正常").await);
    assert!(listed(&app, &admin, "正常客户").await);
    assert!(faults.injected() >= 3);
}

/// Reads until the server closes the connection; returns what it sent, or `None` if it was
/// still open after `within`.
async fn closed_within(stream: &mut tokio::net::TcpStream, within: std::time::Duration) -> Option<String> {
    use tokio::io::AsyncReadExt;
    let mut got = Vec::new();
    let read = tokio::time::timeout(within, async {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    read.ok().map(|()| String::from_utf8_lossy(&got).into_owned())
}

#[tokio::test]
async fn slow_and_idle_clients_are_cut_off_and_never_block_the_others() {
    use tokio::io::AsyncWriteExt;
    // The test server cuts a client off after 2 s of silence (the shop's server: 15 s).
    let app = spawn_app().await;
    let limit = std::time::Duration::from_secs(2);

    // Headers that never end.
    let mut slow_headers = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    slow_headers.write_all(b"GET /login HTTP/1.1\r\nHost: x\r\nX-Slow: ").await.unwrap();
    // A body that stops halfway.
    let mut slow_body = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    slow_body
        .write_all(
            b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n\
              Content-Length: 100\r\n\r\nusername=ad",
        )
        .await
        .unwrap();
    // Many connections that send nothing at all.
    let mut idle = Vec::new();
    for _ in 0..300 {
        idle.push(tokio::net::TcpStream::connect(app.addr).await.unwrap());
    }

    // Meanwhile everyone else is served.
    for _ in 0..20 {
        let (status, _) = app.get_text(&client(), "/login").await;
        assert_eq!(status, StatusCode::OK);
    }

    let margin = limit * 3;
    assert!(closed_within(&mut slow_headers, margin).await.is_some(), "endless headers are cut off");
    let answer = closed_within(&mut slow_body, margin).await.expect("a stalled body is cut off");
    assert!(!answer.contains(" 500 "), "{answer}");
    let mut closed = 0;
    for stream in &mut idle {
        if closed_within(stream, margin).await.is_some() {
            closed += 1;
        }
    }
    assert_eq!(closed, idle.len(), "idle connections are closed");
    let (status, _) = app.get_text(&client(), "/healthz").await;
    assert_eq!(status, StatusCode::OK);
}
