//! Customer care: the due lists' rules (the km estimate from irregular readings, birthdays
//! across a year end, dormancy at its boundary in the shop's time zone), outcomes landing in the
//! contact history and snoozing the entry, the export, and refusals.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use reqwest::StatusCode;
use wrenchdesk::domain::work_order::Reception;
use wrenchdesk::domain::{CustomerDetails, CustomerId, OrderState, VehicleId, WorkOrder};
use wrenchdesk::store::{Actor, customers, orders, settings, vehicles};

use crate::customers::{create_customer, id_in};
use crate::fixtures::{car, open_with, post, shop};
use crate::helpers::*;

const TZ: chrono_tz::Tz = chrono_tz::Asia::Shanghai;

fn today() -> NaiveDate {
    Utc::now().with_timezone(&TZ).date_naive()
}

/// A moment at `hour:minute` shop time on `day`.
fn at(day: NaiveDate, hour: u32, minute: u32) -> DateTime<Utc> {
    TZ.from_local_datetime(&day.and_hms_opt(hour, minute, 0).unwrap()).unwrap().with_timezone(&Utc)
}

/// Records a past visit of the vehicle (a cancelled order: no money, no board) with `km`.
fn visit(app: &TestApp, vehicle: u64, when: DateTime<Utc>, km: Option<u32>) {
    app.store()
        .write_touching_now(|tx, t| {
            let v = vehicles::get_tx(tx, VehicleId(vehicle))?;
            let s = settings::get_tx(tx)?;
            let reception = Reception {
                mileage: km,
                fuel: None,
                complaint: "保养".into(),
                items_left: String::new(),
                promised_at: None,
                advisor: None,
            };
            let order = WorkOrder::new(v.id, v.customer_id, OrderState::Cancelled, reception, when, None);
            orders::record_tx(tx, t, &Actor::system(), &s, order)?;
            Ok(())
        })
        .unwrap();
}

/// Sets the vehicle's recorded mileage and next service km (as if typed on its page).
fn service_at(app: &TestApp, vehicle: u64, mileage: u32, next_km: u32) {
    app.store()
        .write_touching_now(|tx, t| {
            let v = vehicles::get_tx(tx, VehicleId(vehicle))?;
            let mut d = v.details.clone();
            d.mileage = Some(mileage);
            d.next_service_km = Some(next_km);
            vehicles::update_tx(tx, t, &Actor::system(), v.id, v.version, d, true)?;
            Ok(())
        })
        .unwrap();
}

/// The due day the list shows for entry `id`, if it lists it.
fn due_of(html: &str, id: u64) -> Option<String> {
    let marker = format!("data-entry=\"{id}\" data-due=\"");
    let start = html.find(&marker)? + marker.len();
    Some(html[start..start + 10].to_string())
}

#[tokio::test]
async fn service_by_km_is_estimated_from_irregular_readings_and_follows_each_visit() {
    let s = shop().await;
    let app = &s.app;
    let v = car(app, &s.advisor, "周敏", "13800001111", "粤B10001").await;
    let t = today();
    // Twice on one day (the higher counts), a typo with a digit too many, then a normal one.
    visit(app, v, at(t - Duration::days(100), 9, 0), Some(10_000));
    visit(app, v, at(t - Duration::days(100), 17, 0), Some(10_050));
    visit(app, v, at(t - Duration::days(60), 10, 0), Some(99_999));
    visit(app, v, at(t - Duration::days(40), 10, 0), Some(13_000));
    service_at(app, v, 13_000, 15_000);
    // 2950 km in 60 days; 2000 to go: 41 days after the last reading.
    let (status, html) = app.get_text(&s.advisor, "/care/service_km").await;
    assert_eq!(status, StatusCode::OK);
    let expected = t - Duration::days(40) + Duration::days(41);
    assert_eq!(due_of(&html, v), Some(expected.to_string()), "{html}");

    // Reception reads 14500 km today: the estimate moves with the same write.
    let response = open_with(app, &s.advisor, v, &[("mileage", "14500")]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (_, html) = app.get_text(&s.advisor, "/care/service_km").await;
    // 4450 km in 100 days (44.5 a day); 500 to go: 12 days.
    assert_eq!(due_of(&html, v), Some((t + Duration::days(12)).to_string()), "{html}");

    // A new instrument cluster reads lower: the history starts again and tells no pace yet.
    service_at(app, v, 300, 15_000);
    let (_, html) = app.get_text(&s.advisor, "/care/service_km").await;
    assert_eq!(due_of(&html, v), None, "one reading after the cluster tells no pace");
}

#[tokio::test]
async fn birthdays_this_week_run_across_the_year_end() {
    let s = shop().await;
    let app = &s.app;
    let born = |name: &'static str, phone: &'static str, birthday: &'static str| {
        let (app, c) = (app, &s.advisor);
        async move {
            let fields = [
                ("kind", "person"),
                ("name", name),
                ("phone", phone),
                ("birthday", birthday),
                ("confirm_phone", "1"),
            ];
            let response = app.post_form(c, "/customers/new", "/customers", &fields).await;
            assert_eq!(response.status(), StatusCode::SEE_OTHER, "{name}");
            id_in(&location(&response), "/customers/")
        }
    };
    let dec30 = born("林一", "13800002221", "1990-12-30").await;
    let jan3 = born("林二", "13800002222", "1985-01-03").await;
    let jan5 = born("林三", "13800002223", "1980-01-05").await;
    let leap = born("林四", "13800002224", "1992-02-29").await;
    let (status, html) = app.get_text(&s.advisor, "/care/birthday?from=2026-12-29&to=2027-01-04").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(due_of(&html, dec30).as_deref(), Some("2026-12-30"));
    assert_eq!(due_of(&html, jan3).as_deref(), Some("2027-01-03"));
    assert_eq!(due_of(&html, jan5), None, "after the week");
    assert!(html.find(&format!("data-entry=\"{dec30}\"")) < html.find(&format!("data-entry=\"{jan3}\"")));
    // 29 February is greeted on the 28th in a year without one.
    let (_, html) = app.get_text(&s.advisor, "/care/birthday?from=2027-02-25&to=2027-03-03").await;
    assert_eq!(due_of(&html, leap).as_deref(), Some("2027-02-28"));
}

#[tokio::test]
async fn dormancy_starts_at_the_boundary_day_in_the_shops_time_zone() {
    let s = shop().await;
    let app = &s.app;
    let t = today();
    let cutoff = t.checked_sub_months(chrono::Months::new(12)).unwrap();
    let long_ago = Utc::now() - Duration::days(900);
    let mut ids = vec![];
    for (name, phone, plate) in [("郑一", "13800003331", "粤B30001"), ("郑二", "13800003332", "粤B30002")]
    {
        let id = app
            .store()
            .write_touching_now(|tx, touched| {
                let input = wrenchdesk::domain::customer::CustomerInput {
                    kind: "person".into(),
                    name: name.into(),
                    phone: phone.into(),
                    ..Default::default()
                };
                let settings = settings::get_tx(tx)?;
                let details =
                    CustomerDetails::check(&input, t, &settings.customer_sources, &settings.customer_levels)
                        .unwrap();
                let c = customers::create_at_tx(tx, touched, &Actor::system(), details, long_ago)?;
                let vehicle = wrenchdesk::domain::VehicleDetails::check(
                    &wrenchdesk::domain::vehicle::VehicleInput { plate: plate.into(), ..Default::default() },
                    t,
                )
                .unwrap();
                let v = vehicles::create_at_tx(tx, touched, &Actor::system(), c.id, vehicle, long_ago)?;
                Ok((c.id, v.id))
            })
            .unwrap();
        ids.push(id);
    }
    let ((away, away_car), (back, back_car)) = (ids[0], ids[1]);
    // 23:30 on the cut-off day, shop time: dormant. 00:30 the day after, shop time, is still
    // the cut-off day in UTC: not dormant.
    visit(app, away_car.0, at(cutoff, 23, 30), None);
    visit(app, back_car.0, at(cutoff + Duration::days(1), 0, 30), None);
    assert_eq!(
        at(cutoff + Duration::days(1), 0, 30).date_naive(),
        cutoff,
        "the visit is on the cut-off day in UTC"
    );
    let (status, html) = app.get_text(&s.advisor, "/care/dormant?months=12").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(due_of(&html, away.0), Some(cutoff.to_string()), "{html}");
    assert_eq!(due_of(&html, back.0), None);
    // Eleven months away is not twelve.
    let (_, html) = app.get_text(&s.advisor, "/care/dormant?months=13").await;
    assert_eq!(due_of(&html, away.0), None);
}

#[tokio::test]
async fn an_outcome_goes_into_the_contact_history_and_snoozes_the_entry() {
    let s = shop().await;
    let app = &s.app;
    let customer = create_customer(app, &s.advisor, "钱多", "13800004441").await;
    let expiry = (today() + Duration::days(5)).to_string();
    let c = customer.to_string();
    let response = app
        .post_form(
            &s.advisor,
            "/vehicles/new",
            "/vehicles",
            &[("customer_id", c.as_str()), ("plate", "粤B40001"), ("insurance_expiry", expiry.as_str())],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let v = id_in(&location(&response), "/vehicles/");

    let (_, html) = app.get_text(&s.advisor, "/care/insurance").await;
    assert_eq!(due_of(&html, v), Some(expiry.clone()));
    assert!(html.contains("粤B·40001") && html.contains("data-copy"), "the message text is there to copy");
    let (_, home) = app.get_text(&s.advisor, "/").await;
    assert!(home.contains("data-care-list=\"insurance\" data-count=\"1\""), "the home panel counts it");

    // Refused: an unknown outcome, a list the vehicle is not on, a technician.
    let before = app.fingerprint().await;
    let bad =
        post(app, &s.advisor, &format!("/care/insurance/{v}/outcome"), &[("outcome", "shrugged")]).await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    let off = post(app, &s.advisor, &format!("/care/inspection/{v}/outcome"), &[("outcome", "called")]).await;
    assert_eq!(off.status(), StatusCode::NOT_FOUND);
    let tech = post(app, &s.tech, &format!("/care/insurance/{v}/outcome"), &[("outcome", "called")]).await;
    assert_eq!(tech.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.fingerprint().await, before, "a refused outcome writes nothing");

    let done = post(
        app,
        &s.advisor,
        &format!("/care/insurance/{v}/outcome"),
        &[("outcome", "called"), ("back", "from=2026-01-01&to=2026-12-31")],
    )
    .await;
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    let until = today() + Duration::days(7);
    assert_eq!(
        location(&done),
        format!("/care/insurance?from=2026-01-01&to=2026-12-31&snoozed_until={until}")
    );
    let contacts = app.store().read_now(|tx| customers::contacts(tx, CustomerId(customer), 10)).unwrap();
    assert_eq!(contacts.len(), 1);
    assert_eq!(contacts[0].kind, wrenchdesk::domain::ContactKind::Call);
    assert!(contacts[0].summary.contains("粤B·40001"), "{}", contacts[0].summary);
    let (_, page) = app.get_text(&s.advisor, &format!("/customers/{customer}")).await;
    assert!(page.contains(&contacts[0].summary), "the customer's page shows it");

    let (_, html) = app.get_text(&s.advisor, "/care/insurance").await;
    assert_eq!(due_of(&html, v), None, "snoozed");
    let (_, html) = app.get_text(&s.advisor, "/care/insurance?snoozed=1").await;
    assert_eq!(due_of(&html, v), Some(expiry.clone()), "shown when asked for");
    let (_, home) = app.get_text(&s.advisor, "/").await;
    assert!(!home.contains("data-care-list=\"insurance\""), "the home panel no longer counts it");
    let (_, page) = app.get_text(&s.advisor, &format!("/vehicles/{v}")).await;
    assert!(
        page.contains(&format!("data-care-due=\"insurance\" data-due=\"{expiry}\"")),
        "the car's page shows it"
    );

    // A new expiry is a new reminder: the snooze ends with the old date.
    let later = (today() + Duration::days(9)).to_string();
    app.store()
        .write_touching_now(|tx, t| {
            let vehicle = vehicles::get_tx(tx, VehicleId(v))?;
            let mut d = vehicle.details.clone();
            d.insurance_expiry = later.parse().ok();
            vehicles::update_tx(tx, t, &Actor::system(), vehicle.id, vehicle.version, d, false)?;
            Ok(())
        })
        .unwrap();
    let (_, html) = app.get_text(&s.advisor, "/care/insurance").await;
    assert_eq!(due_of(&html, v), Some(later.clone()));

    // The htmx answer replaces the entry with its outcome; a message is logged as a message.
    let token = app.csrf(&s.advisor, "/care/insurance").await;
    let response = s
        .advisor
        .post(app.url(&format!("/care/insurance/{v}/outcome")))
        .header("HX-Request", "true")
        .header("X-CSRF-Token", token)
        .form(&[("outcome", "messaged")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.text().await.unwrap().contains("data-outcome=\"messaged\""));
    let contacts = app.store().read_now(|tx| customers::contacts(tx, CustomerId(customer), 10)).unwrap();
    assert_eq!(contacts[0].kind, wrenchdesk::domain::ContactKind::Message);

    // The export holds what the list holds, snoozed entries when asked for.
    let csv = app.get(&s.advisor, "/care/insurance/export.csv?snoozed=1").await;
    assert_eq!(csv.status(), StatusCode::OK);
    let csv = csv.text().await.unwrap();
    assert!(csv.lines().any(|l| l.starts_with("insurance,") && l.contains("粤B·40001")), "{csv}");
    let csv = app.get(&s.advisor, "/care/insurance/export.csv").await.text().await.unwrap();
    assert_eq!(csv.lines().count(), 1, "only the header: the entry sleeps");
}

#[tokio::test]
async fn invalid_customers_leave_the_lists_and_bad_filters_are_refused_beside_the_field() {
    let s = shop().await;
    let app = &s.app;
    let customer = create_customer(app, &s.advisor, "孙错", "13800005551").await;
    let c = customer.to_string();
    let due = (today() + Duration::days(3)).to_string();
    let response = app
        .post_form(
            &s.advisor,
            "/vehicles/new",
            "/vehicles",
            &[("customer_id", c.as_str()), ("plate", "粤B50001"), ("inspection_due", due.as_str())],
        )
        .await;
    let v = id_in(&location(&response), "/vehicles/");
    let (_, html) = app.get_text(&s.advisor, "/care/inspection").await;
    assert_eq!(due_of(&html, v), Some(due.clone()));
    let r = post(app, &s.advisor, &format!("/customers/{customer}/status"), &[("status", "invalid")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = app.get_text(&s.advisor, "/care/inspection").await;
    assert_eq!(due_of(&html, v), None, "an invalid customer's car is on no list");
    post(app, &s.advisor, &format!("/customers/{customer}/status"), &[("status", "active")]).await;
    let (_, html) = app.get_text(&s.advisor, "/care/inspection").await;
    assert_eq!(due_of(&html, v), Some(due));

    let (status, html) = app.get_text(&s.advisor, "/care/inspection?from=someday&to=2026-13-01").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("id=\"f-from-msg\"") && html.contains("value=\"someday\""), "kept as typed");
    let (status, html) = app.get_text(&s.advisor, "/care/dormant?months=0").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("id=\"f-months-msg\""));
    let (status, _) = app.get_text(&s.advisor, "/care/nonsense").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app.get_text(&s.tech, "/care/inspection").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, html) = app.get_text(&s.advisor, "/care").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("data-care-list=\"inspection\" data-count=\"1\""), "{html}");
}
