//! Appointments in the browser: the advisor books a car from a due-list entry at the kiosk
//! (1280×800) and sees it on the day and the week; the kiosk's reception home lists today's
//! arrivals and turns one into a work order in one tap; the day reads on a phone (390×844).

use chrono::{Duration, Utc};
use wrenchdesk::domain::appointment::{Appointment, AppointmentId, AppointmentStatus, Booking};
use wrenchdesk::domain::care::DueKind;
use wrenchdesk::domain::{CustomerId, VehicleId};
use wrenchdesk::store::{appointments, care, customers, vehicles};

use crate::browser::{Browser, wait_until};
use crate::customers::{create_customer, id_in};
use crate::fixtures::*;
use crate::helpers::location;

#[tokio::test]
async fn the_advisor_books_from_a_due_list_and_the_kiosk_turns_todays_appointment_into_an_order() {
    let s = shop().await;
    let (app, desk) = (&s.app, &s.advisor);
    let tz = chrono_tz::Asia::Shanghai;
    let today = Utc::now().with_timezone(&tz).date_naive();
    let tomorrow = today + Duration::days(1);
    let customer = create_customer(app, desk, "吴静", "13800007001").await;
    let (c, due) = (customer.to_string(), (today + Duration::days(2)).to_string());
    let response = app
        .post_form(
            desk,
            "/vehicles/new",
            "/vehicles",
            &[
                ("customer_id", c.as_str()),
                ("plate", "粤B70001"),
                ("make", "丰田"),
                ("inspection_due", due.as_str()),
            ],
        )
        .await;
    let v = id_in(&location(&response), "/vehicles/");
    // Another car booked for now, today (written as the desk would have booked it earlier).
    let other = car(app, desk, "冯涛", "13800007002", "粤B70002").await;
    let arrival = app
        .store()
        .write_now(|tx| {
            let vehicle = vehicles::get_tx(tx, VehicleId(other))?;
            let start = Utc::now();
            appointments::record_tx(
                tx,
                Appointment {
                    id: AppointmentId(0),
                    customer_id: vehicle.customer_id,
                    vehicle_id: vehicle.id,
                    booking: Booking {
                        start,
                        minutes: 60,
                        work: "空调不制冷".into(),
                        template_id: None,
                        bay: Some("2号位".into()),
                        technician: None,
                        notes: String::new(),
                    },
                    status: AppointmentStatus::Booked,
                    reason: String::new(),
                    order_id: None,
                    overbooked: false,
                    created_at: start,
                    created_by: None,
                    updated_at: start,
                    version: 1,
                },
            )
        })
        .unwrap()
        .id;

    let Some(kiosk) = Browser::start(1280, 800).await else { return };
    kiosk.client.goto(&app.url("/login")).await.unwrap();
    kiosk.sign_in("advisor1", "advisor1-password").await;

    // From the due list, "booked" opens the booking form with the car filled in.
    kiosk.client.goto(&app.url("/care/inspection")).await.unwrap();
    assert!(wait_until(&kiosk, &format!("document.querySelector('[data-entry=\"{v}\"]')")).await);
    kiosk.submit(&format!("[data-entry=\"{v}\"] [data-outcome-link=booked]")).await;
    assert_eq!(kiosk.path().await, "/appointments/new");
    assert!(wait_until(&kiosk, &format!("document.querySelector('[data-vehicle=\"{v}\"]')")).await);
    // The time field is a date-time picker: set as the picker would.
    let start = format!("{tomorrow}T10:00");
    kiosk
        .client
        .execute(&format!("document.getElementById('f-start').value = '{start}'"), vec![])
        .await
        .unwrap();
    kiosk.click("[data-set=f-minutes][data-value=\"90\"]").await;
    kiosk.fill("#f-work", "年检前检测").await;
    kiosk.client.execute("document.getElementById('f-bay').value = '1号位'", vec![]).await.unwrap();
    kiosk.screenshot("appointment-form-1280x800").await;
    kiosk.submit("[data-booking-form] button[type=submit]").await;
    assert_eq!(kiosk.path().await, "/appointments");
    let booked = app.store().read_now(|tx| appointments::for_vehicle(tx, VehicleId(v), 5)).unwrap();
    assert_eq!(booked.len(), 1);
    let id = booked[0].id;
    assert_eq!((booked[0].booking.minutes, booked[0].booking.bay.as_deref()), (90, Some("1号位")));
    assert!(
        wait_until(&kiosk, &format!("document.querySelector('.cal-day [data-appointment=\"{id}\"]')")).await
    );
    kiosk.screenshot("appointments-day-1280x800").await;
    let width = kiosk.client.execute("return document.documentElement.scrollWidth", vec![]).await.unwrap();
    assert!(width.as_u64().unwrap() <= 1280, "the day fits the kiosk: {width}");
    // The outcome is in the contact history and the entry sleeps.
    let contacts = app.store().read_now(|tx| customers::contacts(tx, CustomerId(customer), 5)).unwrap();
    assert_eq!(contacts.len(), 1);
    let entry = app.store().read_now(|tx| care::entry(tx, DueKind::Inspection, v)).unwrap().unwrap();
    assert!(entry.snoozed_until.is_some_and(|u| u > today));

    kiosk.click("[data-view=week]").await;
    assert!(
        wait_until(&kiosk, &format!("document.querySelector('.cal-week [data-appointment=\"{id}\"]')")).await
    );
    kiosk.screenshot("appointments-week-1280x800").await;

    // The kiosk's reception home: today's arrivals, one tap to the order.
    kiosk.client.goto(&app.url("/lookup")).await.unwrap();
    let row = format!("[data-arrivals] [data-appointment=\"{arrival}\"]");
    assert!(wait_until(&kiosk, &format!("document.querySelector('{row}')")).await);
    kiosk.screenshot("kiosk-arrivals-1280x800").await;
    kiosk.submit(&format!("{row} button[data-action=order]")).await;
    let path = kiosk.path().await;
    assert!(path.starts_with("/orders/"), "{path}");
    assert!(
        wait_until(&kiosk, &format!("document.querySelector('[data-appointment-link=\"{arrival}\"]')")).await
    );
    let order = app.store().read_now(|tx| appointments::get(tx, arrival)).unwrap().unwrap().order_id.unwrap();
    assert_eq!(path, format!("/orders/{order}"));
    kiosk.screenshot("appointment-order-1280x800").await;
    // Back at the kiosk, the arrival links to its order instead of opening another.
    kiosk.client.goto(&app.url("/lookup")).await.unwrap();
    assert!(wait_until(&kiosk, &format!("document.querySelector('{row} [data-order=\"{order}\"]')")).await);
    kiosk.close().await;

    // The day on a phone: a list of bookings, nothing wider than the screen.
    let Some(phone) = Browser::start(390, 844).await else { return };
    phone.client.goto(&app.url("/login")).await.unwrap();
    phone.sign_in("advisor1", "advisor1-password").await;
    phone.client.goto(&app.url(&format!("/appointments?day={tomorrow}"))).await.unwrap();
    assert!(wait_until(&phone, &format!("document.querySelector('[data-appointment=\"{id}\"]')")).await);
    phone.screenshot("appointments-day-390x844").await;
    let width = phone.client.execute("return document.documentElement.scrollWidth", vec![]).await.unwrap();
    assert!(width.as_u64().unwrap() <= 390, "the day fits the phone: {width}");
    phone.close().await;
}
