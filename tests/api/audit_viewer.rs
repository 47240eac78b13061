//! The audit viewer's filter (user, action or area, record or kind, the shop's days) and the
//! link from a record's page to its history.

use crate::customers::create_customer;
use crate::helpers::*;

/// The records of the rows a page of the audit log shows.
fn records(page: &str) -> Vec<String> {
    page.split("<tr data-audit-id=")
        .skip(1)
        .filter_map(|row| {
            let at = row.find("/admin/audit?record=")? + "/admin/audit?record=".len();
            Some(row[at..at + row[at..].find('"')?].to_string())
        })
        .collect()
}

#[tokio::test]
async fn the_audit_log_filters_by_record_user_action_and_day_and_a_record_links_to_its_history() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let first = create_customer(&app, &admin, "日志甲", "13800000001").await;
    let second = create_customer(&app, &admin, "日志乙", "13800000002").await;

    let (status, all) = app.get_text(&admin, "/admin/audit").await;
    assert_eq!(status, 200);
    let everything = records(&all);
    assert!(
        everything.contains(&format!("customer:{first}"))
            && everything.contains(&format!("customer:{second}"))
    );

    // One record's history.
    let (_, page) = app.get_text(&admin, &format!("/admin/audit?record=customer:{first}")).await;
    let shown = records(&page);
    assert!(!shown.is_empty() && shown.iter().all(|r| *r == format!("customer:{first}")), "{shown:?}");
    // A kind, an area, a user.
    let (_, page) = app.get_text(&admin, "/admin/audit?record=customer&action=customer").await;
    let shown = records(&page);
    assert!(shown.len() >= 2 && shown.iter().all(|r| r.starts_with("customer:")), "{shown:?}");
    let (_, page) = app.get_text(&admin, "/admin/audit?who=nobody").await;
    assert!(records(&page).is_empty());
    // Today (the shop's day) holds them; a day long past holds none.
    let today = chrono::Utc::now().with_timezone(&chrono_tz::Asia::Shanghai).date_naive();
    let (_, page) =
        app.get_text(&admin, &format!("/admin/audit?record=customer:{second}&from={today}&to={today}")).await;
    assert!(!records(&page).is_empty());
    let (_, page) = app.get_text(&admin, "/admin/audit?to=2020-01-01").await;
    assert!(records(&page).is_empty());
    // A date typed wrong: the message beside the field, what was typed kept, no 500.
    let (status, page) = app.get_text(&admin, "/admin/audit?from=28.11.2026&who=admin").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("aria-invalid=\"true\"")
            && page.contains("value=\"28.11.2026\"")
            && page.contains("value=\"admin\"")
    );

    // The customer's page links an administrator to its history; another role sees no link.
    let (_, page) = app.get_text(&admin, &format!("/customers/{first}")).await;
    assert!(page.contains(&format!("data-history=\"customer:{first}\"")), "the admin sees the history link");
    let advisor = app.user_with_roles(&admin, "desk", &["advisor"]).await;
    let (_, page) = app.get_text(&advisor, &format!("/customers/{first}")).await;
    assert!(!page.contains("data-history="));
    let (status, _) = app.get_text(&advisor, &format!("/admin/audit?record=customer:{first}")).await;
    assert_eq!(status, 403);
}
