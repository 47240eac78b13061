//! Reports: the totals kept per day and month against a count made here, independently, from
//! the raw records (generated orders, voids and new payments on both sides of the shop's
//! midnight, another time zone after a repair); and the manager's pages and exports over HTTP.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use redb::ReadableTable;
use reqwest::StatusCode;
use rust_decimal::Decimal;
use wrenchdesk::domain::checkout::{
    Bill, Checkout, CheckoutRules, PayMethod, Payment, PaymentInput, Settlement,
};
use wrenchdesk::domain::stock::{Movement, MovementKind};
use wrenchdesk::domain::{OrderState, Role, Roles, Settings, WorkOrder};
use wrenchdesk::store::audit::Actor;
use wrenchdesk::store::tables::{CHECKOUTS, ORDERS, PAYMENTS, SETTINGS, SETTINGS_KEY, STOCK_MOVES};
use wrenchdesk::store::{Store, reports};

use crate::checkout::{check_passes, completed_order, data, pay, shop};
use crate::fixtures::post;

/// What the records say, counted here without the report code: per shop-local day.
#[derive(Debug, Default, PartialEq)]
struct Count {
    opened: i64,
    delivered: i64,
    cancelled: i64,
    revenue: Decimal,
    takings: BTreeMap<String, Decimal>,
    stock_in: Decimal,
}

fn local(at: DateTime<Utc>, tz: chrono_tz::Tz) -> NaiveDate {
    at.with_timezone(&tz).date_naive()
}

/// Reads every order, checkout record, payment and stock movement and counts them by day in
/// `tz`, plus each customer's spending on settled orders and each part's settled quantity.
fn count(
    store: &Store,
    tz: chrono_tz::Tz,
) -> (BTreeMap<NaiveDate, Count>, BTreeMap<u64, Decimal>, BTreeMap<u64, Decimal>) {
    store
        .read_now(|tx| {
            let settings: Settings =
                tx.open_table(SETTINGS)?.get(SETTINGS_KEY)?.map(|v| v.value()).unwrap_or_default();
            let checkouts = tx.open_table(CHECKOUTS)?;
            let mut days: BTreeMap<NaiveDate, Count> = BTreeMap::new();
            let mut spend: BTreeMap<u64, Decimal> = BTreeMap::new();
            let mut parts: BTreeMap<u64, Decimal> = BTreeMap::new();
            for row in tx.open_table(ORDERS)?.iter()? {
                let o: WorkOrder = row?.1.value();
                let checkout: Checkout = checkouts.get(o.id.0)?.map(|v| v.value()).unwrap_or_default();
                let rules = checkout.rules.unwrap_or(CheckoutRules::of(&settings));
                let bill = Settlement::compute(&o, &checkout.discounts, &rules).total;
                if o.history.first().map(|t| t.from).unwrap_or(o.state) != OrderState::Draft {
                    days.entry(local(o.created_at, tz)).or_default().opened += 1;
                }
                for t in &o.history {
                    let day = days.entry(local(t.at, tz)).or_default();
                    match (t.from, t.to) {
                        (_, OrderState::Delivered) => day.delivered += 1,
                        (_, OrderState::Cancelled) => day.cancelled += 1,
                        (_, OrderState::Settled) => day.revenue += bill,
                        (OrderState::Settled, OrderState::Completed) => day.revenue -= bill,
                        _ => {}
                    }
                }
                if matches!(o.state, OrderState::Settled | OrderState::Delivered) {
                    *spend.entry(o.customer_id.0).or_default() += bill;
                    for l in o
                        .lines
                        .iter()
                        .filter(|l| l.decision == wrenchdesk::domain::work_order::Decision::Approved)
                    {
                        if let Some(p) = l.catalog_part() {
                            *parts.entry(p).or_default() += l.details.qty;
                        }
                    }
                }
            }
            for row in tx.open_table(PAYMENTS)?.iter()? {
                let p: Payment = row?.1.value();
                *days.entry(p.day).or_default().takings.entry(p.method.code().to_string()).or_default() +=
                    p.amount;
            }
            for row in tx.open_table(STOCK_MOVES)?.iter()? {
                let m: Movement = row?.1.value();
                if m.kind == MovementKind::Receipt {
                    days.entry(local(m.at, tz)).or_default().stock_in += m.value();
                }
            }
            for c in days.values_mut() {
                c.takings.retain(|_, v| !v.is_zero());
            }
            days.retain(|_, c| *c != Count::default());
            spend.retain(|_, v| !v.is_zero());
            Ok((days, spend, parts))
        })
        .unwrap()
}

/// The same figures as the report tables hold them.
fn stored(store: &Store) -> (BTreeMap<NaiveDate, Count>, BTreeMap<u64, Decimal>, BTreeMap<u64, Decimal>) {
    store
        .read_now(|tx| {
            let mut days = BTreeMap::new();
            for (day, d) in reports::days(tx, NaiveDate::MIN, NaiveDate::MAX)? {
                let c = Count {
                    opened: d.opened,
                    delivered: d.delivered,
                    cancelled: d.cancelled,
                    revenue: d.total,
                    takings: d.takings.clone(),
                    stock_in: d.stock_in,
                };
                if c != Count::default() {
                    days.insert(day, c);
                }
            }
            let spend = reports::customer_ranking(tx, (i32::MIN, i32::MAX))?
                .into_iter()
                .filter(|c| !c.spend.is_zero())
                .map(|c| (c.customer.0, c.spend))
                .collect();
            let parts = reports::part_usage(tx, (i32::MIN, i32::MAX))?
                .into_iter()
                .map(|u| (u.part, u.use_.qty))
                .collect();
            Ok((days, spend, parts))
        })
        .unwrap()
}

fn assert_same(store: &Store, tz: chrono_tz::Tz, when: &str) {
    let (expected, found) = (count(store, tz), stored(store));
    for (day, e) in &expected.0 {
        assert_eq!(found.0.get(day), Some(e), "{when}: day {day}");
    }
    assert_eq!(expected.0.len(), found.0.len(), "{when}: the same days");
    assert_eq!(expected.1, found.1, "{when}: customers' spending");
    assert_eq!(expected.2, found.2, "{when}: parts used");
    let problems = store.read_now(reports::verify).unwrap();
    assert!(problems.is_empty(), "{when}: {problems:?}");
}

#[tokio::test]
async fn report_totals_equal_a_count_of_the_records_across_midnights_voids_and_time_zones() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let seeded = store.clone();
    tokio::task::spawn_blocking(move || {
        wrenchdesk::seed::run(&seeded, wrenchdesk::seed::Profile::Demo, &mut |_| {})
    })
    .await
    .unwrap()
    .unwrap();
    let shanghai = chrono_tz::Asia::Shanghai;
    assert_same(&store, shanghai, "generated");

    // Void the payments of the settled orders still in the shop, a second either side of the
    // shop's midnight (16:00 UTC), then take them again the same way, some on account.
    let settings = store.read_now(wrenchdesk::store::settings::get).unwrap();
    let settled: Vec<u64> = store
        .read_now(|tx| {
            Ok(wrenchdesk::store::orders::in_state(tx, OrderState::Settled)?
                .into_iter()
                .map(|o| o.0)
                .collect())
        })
        .unwrap();
    assert!(settled.len() >= 4, "the demo has settled orders in the shop");
    let manager = Actor::system();
    let roles = Roles::of(&[Role::Manager]);
    let midnight = Utc.with_ymd_and_hms(2026, 11, 2, 16, 0, 0).unwrap();
    for (i, order) in settled.iter().enumerate() {
        let at = midnight + Duration::seconds(if i % 2 == 0 { -1 } else { 1 }) + Duration::days(i as i64);
        let payments: Vec<Payment> = store
            .read_now(|tx| {
                wrenchdesk::store::checkout::order_payments(tx, wrenchdesk::domain::OrderId(*order))
            })
            .unwrap();
        let settings = settings.clone();
        let actor = manager.clone();
        // An amount put on account and paid off since cannot be voided: such orders are left.
        let voided = store.write_touching_now(|tx, touched| {
            for p in payments.iter().filter(|p| p.voids.is_none()) {
                wrenchdesk::store::checkout::void_tx(
                    tx,
                    touched,
                    &actor,
                    roles,
                    p.id,
                    "收错款",
                    &settings,
                    at,
                )?;
            }
            Ok(())
        });
        if voided.is_err() {
            continue;
        }
        if i % 3 == 2 {
            continue; // left owing: completed again, revenue reversed
        }
        let bill: Bill = store
            .read_now(|tx| {
                Ok(wrenchdesk::store::checkout::order_checkout(
                    tx,
                    wrenchdesk::domain::OrderId(*order),
                    &settings,
                )?
                .unwrap()
                .bill)
            })
            .unwrap();
        let method = if i % 2 == 0 { PayMethod::Alipay } else { PayMethod::OnAccount };
        let input = PaymentInput {
            method: method.code().into(),
            amount: bill.balance.to_string(),
            reference: String::new(),
        };
        let (settings, actor) = (settings.clone(), manager.clone());
        store
            .write_touching_now(|tx, touched| {
                let later = at + Duration::seconds(2);
                wrenchdesk::store::checkout::record_payment_at_tx(
                    tx,
                    touched,
                    &actor,
                    roles,
                    wrenchdesk::domain::OrderId(*order),
                    &input,
                    &settings,
                    later,
                )
            })
            .unwrap();
    }
    assert_same(&store, shanghai, "after voids and new payments around midnight");

    // The shop moves to New York time: a repair rebuilds every day in the new zone.
    let new_york = chrono_tz::America::New_York;
    store
        .write_now(|tx| {
            let mut s: Settings =
                tx.open_table(SETTINGS)?.get(SETTINGS_KEY)?.map(|v| v.value()).unwrap_or_default();
            s.time_zone = "America/New_York".into();
            tx.open_table(SETTINGS)?.insert(SETTINGS_KEY, &s)?;
            reports::repair_tx(tx)
        })
        .unwrap();
    assert_same(&store, new_york, "rebuilt in another time zone");
    let mut report = wrenchdesk::store::check::Report::default();
    store.read_now(|tx| wrenchdesk::store::check::invariants(tx, &mut report)).unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
}

fn today_in_shanghai() -> NaiveDate {
    Utc::now().with_timezone(&chrono_tz::Asia::Shanghai).date_naive()
}

fn money(s: &str) -> Decimal {
    s.parse().unwrap()
}

#[tokio::test]
async fn a_manager_reads_revenue_for_a_month_and_a_year_and_exports_the_same_figures() {
    let s = shop().await;
    let app = &s.app;
    // Three ¥420 orders: one paid by card and WeChat, one on account, one paid and voided.
    let a = completed_order(&s, "京A20001").await;
    assert_eq!(pay(app, &s.cashier, a, "card", "120").await.status(), StatusCode::SEE_OTHER);
    assert_eq!(pay(app, &s.cashier, a, "wechat", "300").await.status(), StatusCode::SEE_OTHER);
    let b = completed_order(&s, "京A20002").await;
    assert_eq!(pay(app, &s.cashier, b, "on_account", "420").await.status(), StatusCode::SEE_OTHER);
    let c = completed_order(&s, "京A20003").await;
    assert_eq!(pay(app, &s.cashier, c, "cash", "500").await.status(), StatusCode::SEE_OTHER);
    let html = crate::checkout::checkout_page(app, &s.manager, c).await;
    let pid = data(&html, "data-payment");
    let voided =
        post(app, &s.manager, &format!("/orders/{c}/payments/{pid}/void"), &[("reason", "收错")]).await;
    assert_eq!(voided.status(), StatusCode::SEE_OTHER);
    check_passes(app);

    let manager = &s.manager;
    let (status, html) = app.get_text(manager, "/reports/revenue?period=month").await;
    assert_eq!(status, StatusCode::OK);
    // Settled: a and b (c was settled, then reversed by its void): ¥840 revenue, one reversal.
    assert_eq!(money(&data(&html, "data-tile=\"total\" data-value")), money("840"));
    assert_eq!(money(&data(&html, "data-tile=\"takings\" data-value")), money("420"));
    assert_eq!(money(&data(&html, "data-tile=\"voided\" data-value")), money("420"));
    assert!(html.contains("data-chart=\"split\""), "the revenue chart is drawn");
    let label = today_in_shanghai().format("%Y-%m").to_string();
    assert!(html.contains(&format!("data-period=\"{label}\"")));

    // The year holds the same; the previous month holds nothing of it.
    let (_, year) = app.get_text(manager, "/reports/revenue?period=year").await;
    assert_eq!(money(&data(&year, "data-tile=\"total\" data-value")), money("840"));
    let previous = attr_href(&html, "data-go=\"previous\"");
    let (status, before) = app.get_text(manager, &previous).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(money(&data(&before, "data-tile=\"total\" data-value")), Decimal::ZERO);

    // The workbook holds the same figures as the page.
    let response = app.get(manager, "/reports/revenue?period=month&format=xlsx").await;
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = response.bytes().await.unwrap().to_vec();
    let sheet = xlsx_sheet(bytes, "revenue");
    let total_row = sheet.last().unwrap();
    let header = &sheet[0];
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let lang_total = header[8].clone();
    assert_eq!(total_row[col(&lang_total)], "840");
    let methods = {
        let response = app.get(manager, "/reports/revenue?period=month&format=csv&table=methods").await;
        response.text().await.unwrap()
    };
    assert!(methods.lines().any(|l| l.contains("420.00")), "{methods}");

    // The other reports answer for the same month, and only to managers.
    for path in [
        "/reports",
        "/reports/volume?period=month",
        "/reports/customers?period=year",
        "/reports/customers?period=all&months=6",
        "/reports/technicians?period=month",
        "/reports/parts?period=month",
        "/reports/receivables",
        "/reports/volume?period=week&within=7",
        "/reports/revenue?period=day",
    ] {
        let (status, page) = app.get_text(manager, path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(!page.contains("data-value=\"-"), "{path}: nothing negative here");
    }
    let (_, volume) = app.get_text(manager, "/reports/volume?period=month").await;
    assert_eq!(data(&volume, "data-tile=\"opened\" data-value"), "3");
    let (_, receivables) = app.get_text(manager, "/reports/receivables").await;
    assert_eq!(money(&data(&receivables, "data-tile=\"owed\" data-value")), money("420"));
    let (_, ranking) = app.get_text(manager, "/reports/customers?period=year").await;
    assert!(ranking.contains("data-table=\"ranking\""));
    assert_eq!(app.get(&s.cashier, "/reports/revenue").await.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.get(manager, "/reports/revenue?period=decade").await.status(), StatusCode::BAD_REQUEST);
    assert_eq!(app.get(manager, "/reports/revenue?date=2026-13-01").await.status(), StatusCode::BAD_REQUEST);

    // The manager's home page has the shop at a glance.
    let (_, home) = app.get_text(manager, "/").await;
    assert!(home.contains("data-glance=\"month_revenue\""));
    assert!(home.contains("data-chart=\"last30\""));
}

/// The `href` of the first link carrying `marker`.
fn attr_href(html: &str, marker: &str) -> String {
    let at = html.find(marker).unwrap_or_else(|| panic!("no {marker}"));
    let start = html[..at].rfind("href=\"").unwrap() + 6;
    html[start..].split('"').next().unwrap().replace("&amp;", "&")
}

/// The cells of one sheet of a workbook, as text (numbers without trailing zeros).
fn xlsx_sheet(bytes: Vec<u8>, name: &str) -> Vec<Vec<String>> {
    use calamine::{Data, Reader, Xlsx};
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let range = book.worksheet_range(name).unwrap();
    range
        .rows()
        .map(|row| {
            row.iter()
                .map(|c| match c {
                    Data::Float(f) => Decimal::try_from(*f).unwrap().round_dp(2).normalize().to_string(),
                    Data::Int(i) => i.to_string(),
                    Data::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect()
}

#[tokio::test]
async fn a_manager_browses_revenue_by_month_and_year_and_the_previous_period_on_kiosk_and_phone() {
    use crate::browser::Browser;
    use fantoccini::Locator;
    let s = shop().await;
    let app = &s.app;
    let a = completed_order(&s, "京A30001").await;
    assert_eq!(pay(app, &s.cashier, a, "wechat", "420").await.status(), StatusCode::SEE_OTHER);
    for (width, height) in [(1280, 800), (390, 844), (1920, 1080)] {
        let Some(b) = Browser::start(width, height).await else { return };
        b.client.goto(&app.url("/login")).await.unwrap();
        b.sign_in("manager1", "manager1-password").await;
        assert_eq!(b.path().await, "/");
        b.screenshot(&format!("home-manager-{width}x{height}")).await;
        b.client.goto(&app.url("/reports/revenue?period=month")).await.unwrap();
        let tile = b.client.find(Locator::Css("[data-tile=total]")).await.unwrap();
        assert_eq!(money(&tile.attr("data-value").await.unwrap().unwrap()), money("420"));
        b.screenshot(&format!("report-revenue-month-{width}x{height}")).await;
        b.client.find(Locator::Css("[data-kind=year]")).await.unwrap().click().await.unwrap();
        b.client.wait().for_element(Locator::Css("[data-chart=split] svg")).await.unwrap();
        assert!(b.client.current_url().await.unwrap().query().unwrap_or("").contains("period=year"));
        b.screenshot(&format!("report-revenue-year-{width}x{height}")).await;
        b.client.find(Locator::Css("[data-go=previous]")).await.unwrap().click().await.unwrap();
        b.client.wait().for_element(Locator::Css("[data-tile=total][data-value='0']")).await.unwrap();
        b.client.goto(&app.url("/reports/customers?period=year")).await.unwrap();
        b.screenshot(&format!("report-customers-{width}x{height}")).await;
        b.client.goto(&app.url("/reports/volume?period=month")).await.unwrap();
        b.screenshot(&format!("report-volume-{width}x{height}")).await;
        b.close().await;
    }
}
