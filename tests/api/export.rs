//! The shop's own export: Administration → Export and `wrenchdesk export --to`, unzipped and
//! read back.

use std::collections::HashMap;
use std::io::Read;
use std::process::Command;

use reqwest::StatusCode;

use crate::fixtures::*;
use crate::helpers::*;

/// The zip's files by name.
fn unzip(bytes: &[u8]) -> HashMap<String, Vec<u8>> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
    let mut files = HashMap::new();
    for i in 0..zip.len() {
        let mut file = zip.by_index(i).unwrap();
        let mut content = Vec::new();
        file.read_to_end(&mut content).unwrap();
        files.insert(file.name().to_string(), content);
    }
    files
}

/// A CSV file's header and rows (cells split simply: the tests look at plain cells).
fn rows(file: &[u8]) -> (Vec<String>, Vec<String>) {
    let text = std::str::from_utf8(file).expect("UTF-8");
    let text = text.strip_prefix('\u{feff}').expect("a byte-order mark");
    let mut lines = text.split("\r\n").filter(|l| !l.is_empty());
    let header = lines.next().map(|h| h.split(',').map(String::from).collect()).unwrap_or_default();
    (header, lines.map(String::from).collect())
}

/// The cells of one CSV line, quotes undone.
fn cells(line: &str) -> Vec<String> {
    let (mut out, mut cell, mut quoted, mut chars) =
        (Vec::new(), String::new(), false, line.chars().peekable());
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cell.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(std::mem::take(&mut cell)),
            (c, _) => cell.push(c),
        }
    }
    out.push(cell);
    out
}

/// How many records a CSV holds (no cell of these tests spans lines).
fn count(file: &[u8]) -> usize {
    rows(file).1.len()
}

/// The records the export must hold, counted in the store: every table of records (indexes
/// and report totals are derived, photos are files).
async fn counts(app: &TestApp) -> HashMap<&'static str, u64> {
    use redb::ReadableTableMetadata;
    use wrenchdesk::store::tables::*;
    app.store()
        .read(|tx| {
            let n = |r: Result<u64, redb::StorageError>| r.unwrap_or(0);
            let mut c = HashMap::new();
            c.insert("customers.csv", n(tx.open_table(CUSTOMERS)?.len()));
            c.insert("vehicles.csv", n(tx.open_table(VEHICLES)?.len()));
            c.insert("work_orders.csv", n(tx.open_table(ORDERS)?.len()));
            c.insert("payments.csv", n(tx.open_table(PAYMENTS)?.len()));
            c.insert("users.csv", n(tx.open_table(USERS)?.len()));
            c.insert("audit_log.csv", n(tx.open_table(AUDIT)?.len()));
            c.insert("customer_contacts.csv", n(tx.open_table(CUSTOMER_CONTACTS)?.len()));
            c.insert("checkouts.csv", n(tx.open_table(CHECKOUTS)?.len()));
            c.insert("receivables.csv", n(tx.open_table(RECEIVABLES)?.len()));
            c.insert("day_closes.csv", n(tx.open_table(DAY_CLOSES)?.len()));
            c.insert("parts.csv", n(tx.open_table(PARTS)?.len()));
            c.insert("suppliers.csv", n(tx.open_table(SUPPLIERS)?.len()));
            c.insert("stock_movements.csv", n(tx.open_table(STOCK_MOVES)?.len()));
            c.insert("stock_receipts.csv", n(tx.open_table(STOCK_RECEIPTS)?.len()));
            c.insert("stocktakes.csv", n(tx.open_table(STOCKTAKES)?.len()));
            c.insert("stocktake_lines.csv", n(tx.open_table(STOCKTAKE_LINES)?.len()));
            c.insert("service_templates.csv", n(tx.open_table(TEMPLATES)?.len()));
            c.insert("inspection_templates.csv", n(tx.open_table(INSPECTION_TEMPLATES)?.len()));
            c.insert("inspections.csv", n(tx.open_table(INSPECTIONS)?.len()));
            c.insert("appointments.csv", n(tx.open_table(APPOINTMENTS)?.len()));
            c.insert("followups.csv", n(tx.open_table(FOLLOWUPS)?.len()));
            Ok(c)
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn the_admin_downloads_every_record_as_csv_in_one_zip_and_the_box_exports_the_same() {
    let mut s = shop().await;
    let app = &s.app;
    // A small shop: a Chinese customer, a completed order with three lines, a payment of a
    // decimal amount, a decimal labour rate.
    crate::customers::create_customer(app, &s.advisor, "欧阳娜娜", "13700000077").await;
    let order = crate::checkout::completed_order(&s, "粤B12345").await;
    let paid = crate::checkout::pay(app, &s.cashier, order, "cash", "99.95").await;
    assert_eq!(paid.status(), StatusCode::SEE_OTHER, "paid");
    app.save_settings(&s.admin, &[("labour_rate", "135.50")]).await;

    // Not for anyone but an administrator: the page and the download.
    for client in [&s.manager, &s.advisor, &s.cashier] {
        assert_eq!(app.get(client, "/admin/export").await.status(), StatusCode::FORBIDDEN);
        let response = app.post_form(client, "/", "/admin/export", &[]).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
    }
    let anonymous = client();
    let response = anonymous.post(app.url("/admin/export")).send().await.unwrap();
    assert_ne!(response.status(), StatusCode::OK);

    let response = app.post_form(&s.admin, "/admin/export", "/admin/export", &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/zip");
    assert!(response.headers()["content-disposition"].to_str().unwrap().contains(".zip"));
    let web = unzip(&response.bytes().await.unwrap());
    let expected = counts(app).await;

    check_export(&web, &expected, order);
    // The download is audited.
    let (_, audit) = app.get_text(&s.admin, "/admin/audit?action=export").await;
    assert!(audit.contains("export.download"), "the export is in the audit log");

    // The command line writes the same files while the server is stopped (and refuses while
    // it runs, pointing to the admin page).
    let data = app.data.to_str().unwrap().to_string();
    let to = app.data.with_file_name("export.zip");
    let out = Command::new(env!("CARGO_BIN_EXE_wrenchdesk"))
        .args(["export", "--to", to.to_str().unwrap(), "--data", &data])
        .env("RUST_LOG", "error")
        .output()
        .unwrap();
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("Administration"));
    let expected = counts(&s.app).await;
    s.app.stop().await;
    let out = Command::new(env!("CARGO_BIN_EXE_wrenchdesk"))
        .args(["export", "--to", to.to_str().unwrap(), "--data", &data])
        .env("RUST_LOG", "error")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("exporting customers.csv"), "progress is shown: {stderr}");
    assert!(!to.with_extension("zip.partial").exists());
    let cli = unzip(&std::fs::read(&to).unwrap());
    check_export(&cli, &expected, order);
    let names = |files: &HashMap<String, Vec<u8>>| {
        let mut n: Vec<String> = files.keys().cloned().collect();
        n.sort();
        n
    };
    assert_eq!(names(&web), names(&cli));
}

fn check_export(files: &HashMap<String, Vec<u8>>, expected: &HashMap<&'static str, u64>, order: u64) {
    // Every CSV starts with a byte-order mark.
    for (name, content) in files.iter().filter(|(n, _)| n.ends_with(".csv")) {
        assert!(content.starts_with("\u{feff}".as_bytes()), "{name} has a BOM");
    }
    // Every kind that holds records has its file, with one row per record.
    for (name, n) in expected {
        let file = files.get(*name).unwrap_or_else(|| panic!("{name} in the zip"));
        assert_eq!(count(file) as u64, *n, "rows of {name}");
    }
    for name in ["order_lines.csv", "settings.csv", "parts.csv", "stock_movements.csv", "inspections.csv"] {
        assert!(files.contains_key(name), "{name} in the zip");
    }
    // The README in both languages describes each file and its columns.
    let readme = String::from_utf8(files["README.txt"].clone()).unwrap();
    assert!(readme.contains("数据导出") && readme.contains("data export"));
    assert!(readme.contains("UTC") && readme.contains("Asia/Shanghai"));
    for name in files.keys().filter(|n| n.ends_with(".csv")) {
        assert!(readme.contains(name.as_str()), "README names {name}");
    }
    assert!(readme.contains("columns: id,") || readme.contains("columns: id, "), "README lists columns");

    // A Chinese name and decimal amounts survive; ids join; times come in UTC and local.
    let (header, customers) = rows(&files["customers.csv"]);
    assert_eq!(header[0], "id");
    assert!(customers.iter().any(|r| r.contains("欧阳娜娜") && r.contains("13700000077")));
    let (header, lines) = rows(&files["order_lines.csv"]);
    assert_eq!(&header[..2], &["order_id".to_string(), "order_number".to_string()]);
    assert!(header.contains(&"added_at_local".to_string()));
    assert_eq!(lines.len(), 3);
    assert!(lines.iter().all(|l| l.starts_with(&format!("{order},"))));
    assert!(lines.iter().any(|l| l.contains(",300,") && l.contains("刹车片")));
    let (header, payments) = rows(&files["payments.csv"]);
    let amount = header.iter().position(|h| h == "amount").unwrap();
    assert!(payments.iter().any(|p| cells(p)[amount] == "99.95"), "{payments:?}");
    let (header, settings) = rows(&files["settings.csv"]);
    let rate = header.iter().position(|h| h == "labour_rate").unwrap();
    assert_eq!(cells(&settings[0])[rate], "135.5", "the rate as stored");
    let (header, orders) = rows(&files["work_orders.csv"]);
    let created = header.iter().position(|h| h == "created_at").unwrap();
    assert_eq!(header[created + 1], "created_at_local");
    assert!(cells(&orders[0])[created].ends_with('Z'));
    assert_eq!(cells(&orders[0]).len(), header.len(), "every row has every column");

    // No secrets leave the box.
    let all: String = files.values().map(|v| String::from_utf8_lossy(v).to_string()).collect();
    assert!(!all.contains("$argon2"), "no password hashes");
    let (header, _) = rows(&files["users.csv"]);
    assert!(!header.iter().any(|h| h.contains("hash")), "{header:?}");
    let (header, _) = rows(&files["work_orders.csv"]);
    assert!(!header.iter().any(|h| h == "token" || h == "customer_link" || h == "lines"), "{header:?}");
}
