//! Appointments (预约): double bookings (same bay, same technician, adjacent slots, an explicit
//! overbooking), opening hours and the shop's time zone (a booking just after midnight sits on
//! its local day), stale edits, no-shows, cancelling, appointment → order (everything filled in,
//! linked both ways, once), booking from a due-list entry and for a new caller, who may book,
//! and bad input kept beside its field.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use reqwest::StatusCode;
use rust_decimal::Decimal;
use wrenchdesk::domain::appointment::{Appointment, AppointmentId, AppointmentStatus, Booking};
use wrenchdesk::domain::template::{TemplateDetails, TemplateLine};
use wrenchdesk::domain::work_order::LineKind;
use wrenchdesk::domain::{CustomerId, OrderId, VehicleId};
use wrenchdesk::store::{Actor, appointments, customers, orders, templates, vehicles};

use crate::fixtures::{Shop, car, post, shop};
use crate::helpers::*;

const TZ: chrono_tz::Tz = chrono_tz::Asia::Shanghai;

fn today() -> NaiveDate {
    Utc::now().with_timezone(&TZ).date_naive()
}

fn tomorrow() -> NaiveDate {
    today() + Duration::days(1)
}

/// `YYYY-MM-DDTHH:MM` on `day`.
fn at(day: NaiveDate, hm: &str) -> String {
    format!("{day}T{hm}")
}

fn appointment(app: &TestApp, id: u64) -> Appointment {
    app.store().read_now(|tx| appointments::get(tx, AppointmentId(id))).unwrap().expect("stored")
}

/// The appointment id in a redirect to the calendar (`…&booked=ID`).
fn booked_id(location: &str) -> u64 {
    location.split("booked=").nth(1).and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("{location}"))
}

/// Books `vehicle` and returns the response.
async fn book(s: &Shop, vehicle: u64, extra: &[(&str, &str)]) -> reqwest::Response {
    let v = vehicle.to_string();
    let mut fields = vec![("vehicle_id", v.as_str())];
    fields.extend_from_slice(extra);
    for (k, d) in [("minutes", "60"), ("work", "保养")] {
        if !extra.iter().any(|(f, _)| *f == k) {
            fields.push((k, d));
        }
    }
    post(&s.app, &s.advisor, "/appointments", &fields).await
}

async fn booked(s: &Shop, vehicle: u64, extra: &[(&str, &str)]) -> u64 {
    let response = book(s, vehicle, extra).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "booked");
    booked_id(&location(&response))
}

#[tokio::test]
async fn double_bookings_are_refused_beside_the_field_adjacent_ones_pass_and_overbooking_is_explicit() {
    let s = shop().await;
    let app = &s.app;
    let a = car(app, &s.advisor, "周敏", "13800002001", "粤B20001").await;
    let b = car(app, &s.advisor, "吴静", "13800002002", "粤B20002").await;
    let day = tomorrow();
    let tech = s.tech_id.to_string();
    let first =
        booked(&s, a, &[("start", &at(day, "10:00")), ("bay", "1号位"), ("technician_id", &tech)]).await;

    // The same bay, overlapping: refused beside the bay, naming the other booking; what was
    // typed is kept, nothing is stored.
    let before = app.fingerprint().await;
    let response = book(&s, b, &[("start", &at(day, "10:30")), ("bay", "1号位"), ("work", "换轮胎")]).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(html.contains("id=\"f-bay-msg\""), "the clash is beside the bay");
    assert!(
        html.contains("粤B·20001") && html.contains(&format!("/appointments/{first}")),
        "names the other"
    );
    assert!(html.contains("name=\"overbook\""), "offers to confirm the overbooking");
    assert!(html.contains("换轮胎") && html.contains(&at(day, "10:30")), "what was typed is kept");
    assert_eq!(app.fingerprint().await, before, "nothing stored");

    // Another bay but the same technician: refused beside the technician.
    let response =
        book(&s, b, &[("start", &at(day, "10:45")), ("bay", "2号位"), ("technician_id", &tech)]).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.text().await.unwrap().contains("id=\"f-technician_id-msg\""));

    // Adjacent slots do not clash: 11:00 in the same bay with the same technician, and 09:00–10:00.
    booked(&s, b, &[("start", &at(day, "11:00")), ("bay", "1号位"), ("technician_id", &tech)]).await;
    booked(&s, b, &[("start", &at(day, "09:00")), ("bay", "1号位")]).await;

    // Confirmed, the overbooking is stored and says so.
    let over = booked(&s, b, &[("start", &at(day, "10:30")), ("bay", "1号位"), ("overbook", "1")]).await;
    assert!(appointment(app, over).overbooked);
    assert!(!appointment(app, first).overbooked);
    let (_, calendar) = app.get_text(&s.advisor, &format!("/appointments?day={day}")).await;
    for id in [first, over] {
        assert!(calendar.contains(&format!("data-appointment=\"{id}\"")), "{id} in the day");
    }
    let problems = app.store().read_now(appointments::verify).unwrap();
    assert!(problems.is_empty(), "{problems:?}");
}

#[tokio::test]
async fn opening_hours_are_kept_and_a_booking_just_after_midnight_sits_on_its_local_day() {
    let s = shop().await;
    let app = &s.app;
    let v = car(app, &s.advisor, "郑爽", "13800002011", "粤B20011").await;
    let day = tomorrow();
    for (start, minutes) in [("07:45", "60"), ("17:30", "60"), ("12:10", "30")] {
        let response = book(&s, v, &[("start", &at(day, start)), ("minutes", minutes)]).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{start} for {minutes}");
        assert!(response.text().await.unwrap().contains("id=\"f-start-msg\""), "{start}: beside the time");
    }
    // 17:00 for an hour ends at closing: allowed.
    booked(&s, v, &[("start", &at(day, "17:00"))]).await;

    // A shop open round the clock: 00:15 on the next day is that local day, 16:15 UTC before.
    app.save_settings(&s.admin, &[("opening_time", "00:00"), ("closing_time", "23:59")]).await;
    let next = day + Duration::days(1);
    let late = booked(&s, v, &[("start", &at(next, "00:15")), ("minutes", "30")]).await;
    let stored = appointment(app, late);
    let expected: DateTime<Utc> =
        TZ.from_local_datetime(&next.and_hms_opt(0, 15, 0).unwrap()).unwrap().with_timezone(&Utc);
    assert_eq!(stored.booking.start, expected);
    assert_eq!(stored.booking.start.date_naive(), day, "stored in UTC: the evening before");
    let (_, on_day) = app.get_text(&s.advisor, &format!("/appointments?day={next}")).await;
    let (_, day_before) = app.get_text(&s.advisor, &format!("/appointments?day={day}")).await;
    let marker = format!("data-appointment=\"{late}\"");
    assert!(on_day.contains(&marker) && on_day.contains("00:15–00:45"), "shown on its local day");
    assert!(!day_before.contains(&marker), "not on the UTC day");
    // Crossing midnight is refused even round the clock.
    let response = book(&s, v, &[("start", &at(next, "23:30")), ("minutes", "60")]).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // A bad day in the calendar's date field: told beside it, today shown.
    let response = app.get(&s.advisor, "/appointments?day=2026-13-45").await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.text().await.unwrap().contains("id=\"f-day-msg\""));
}

#[tokio::test]
async fn a_stale_edit_is_refused_and_a_move_is_audited() {
    let s = shop().await;
    let app = &s.app;
    let v = car(app, &s.advisor, "钱进", "13800002021", "粤B20021").await;
    let day = tomorrow();
    let id = booked(&s, v, &[("start", &at(day, "09:00")), ("bay", "1号位")]).await;
    let edit = |start: String| {
        vec![
            ("version", "1".to_string()),
            ("start", start),
            ("minutes", "60".into()),
            ("work", "大保养".into()),
        ]
    };
    let path = format!("/appointments/{id}");
    let fields = edit(at(day, "14:00"));
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let moved = post(app, &s.advisor, &path, &fields).await;
    assert_eq!(location(&moved), format!("/appointments/{id}?saved=1"));
    // A second page still showing version 1.
    let fields = edit(at(day, "15:00"));
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let stale = post(app, &s.manager, &path, &fields).await;
    assert_eq!(stale.status(), StatusCode::CONFLICT);
    let a = appointment(app, id);
    assert_eq!((a.version, a.booking.work.as_str()), (2, "大保养"));
    assert_eq!(a.booking.start.with_timezone(&TZ).format("%H:%M").to_string(), "14:00");
    let (_, audit) = app.get_text(&s.admin, &format!("/admin/audit?record=appointment:{id}")).await;
    assert!(audit.contains("appointment.update") && audit.contains("appointment.book"), "audited");
}

#[tokio::test]
async fn a_no_show_only_after_its_time_and_a_cancellation_needs_a_reason_and_frees_the_slot() {
    let s = shop().await;
    let app = &s.app;
    let v = car(app, &s.advisor, "孙丽", "13800002031", "粤B20031").await;
    let w = car(app, &s.advisor, "李强", "13800002032", "粤B20032").await;
    let day = tomorrow();
    let future = booked(&s, v, &[("start", &at(day, "09:00")), ("bay", "2号位")]).await;
    let response =
        post(app, &s.advisor, &format!("/appointments/{future}/no_show"), &[("version", "1")]).await;
    assert_eq!(response.status(), StatusCode::CONFLICT, "not yet");
    assert_eq!(appointment(app, future).status, AppointmentStatus::Booked);

    // One whose time has passed (written as it happened): a no-show now.
    let past = app
        .store()
        .write_now(|tx| {
            let vehicle = vehicles::get_tx(tx, VehicleId(v))?;
            let start = Utc::now() - Duration::hours(3);
            appointments::record_tx(
                tx,
                Appointment {
                    id: AppointmentId(0),
                    customer_id: vehicle.customer_id,
                    vehicle_id: vehicle.id,
                    booking: Booking {
                        start,
                        minutes: 60,
                        work: "换机油".into(),
                        template_id: None,
                        bay: None,
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
        .unwrap();
    let response =
        post(app, &s.advisor, &format!("/appointments/{}/no_show", past.id), &[("version", "1")]).await;
    assert_eq!(location(&response), format!("/appointments/{}?saved=1", past.id));
    assert_eq!(appointment(app, past.id.0).status, AppointmentStatus::NoShow);
    let (_, page) = app.get_text(&s.advisor, &format!("/appointments/{}", past.id)).await;
    assert!(page.contains("data-status=\"no_show\""));

    // Cancelling: a reason is required (kept beside the field), then the slot is free again.
    let path = format!("/appointments/{future}/cancel");
    let response = post(app, &s.advisor, &path, &[("version", "1"), ("reason", " ")]).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.text().await.unwrap().contains("id=\"f-reason-msg\""));
    let response = post(app, &s.advisor, &path, &[("version", "1"), ("reason", "客户出差")]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let a = appointment(app, future);
    assert_eq!((a.status, a.reason.as_str()), (AppointmentStatus::Cancelled, "客户出差"));
    booked(&s, w, &[("start", &at(day, "09:00")), ("bay", "2号位")]).await;
}

#[tokio::test]
async fn the_kiosk_turns_an_appointment_into_an_order_once_with_everything_filled_in() {
    let s = shop().await;
    let app = &s.app;
    let v = car(app, &s.advisor, "冯涛", "13800002041", "粤B20041").await;
    let template = app
        .store()
        .write_now(|tx| {
            let details = TemplateDetails {
                name: "小保养".into(),
                lines: vec![
                    TemplateLine {
                        kind: LineKind::Labor,
                        description: "更换机油机滤".into(),
                        qty: Decimal::new(15, 1),
                        unit_price: None,
                    },
                    TemplateLine {
                        kind: LineKind::Part,
                        description: "机油 4L".into(),
                        qty: Decimal::ONE,
                        unit_price: Some(Decimal::from(260)),
                    },
                ],
            };
            templates::create_tx(tx, &Actor::system(), details)
        })
        .unwrap();
    // The template fills in the work and the duration (1.5 hours of labour): the next full
    // hour today if the shop is open then, else tomorrow morning.
    let next = Utc::now().with_timezone(&TZ) + Duration::hours(1);
    let day = today();
    let hour: u32 = next.format("%H").to_string().parse().unwrap();
    let start = if next.date_naive() == day && (8..=16).contains(&hour) {
        next.format("%Y-%m-%dT%H:00").to_string()
    } else {
        at(tomorrow(), "09:00")
    };
    let tpl = template.id.to_string();
    let id = booked(
        &s,
        v,
        &[("start", &start), ("template_id", &tpl), ("work", ""), ("minutes", ""), ("notes", "左前轮异响")],
    )
    .await;
    let a = appointment(app, id);
    assert_eq!((a.booking.work.as_str(), a.booking.minutes), ("小保养", 90));

    // Today's arrivals on the kiosk's home list it (when it is today).
    if start.starts_with(&day.to_string()) {
        let (_, kiosk) = app.get_text(&s.advisor, "/lookup").await;
        assert!(kiosk.contains(&format!("data-appointment=\"{id}\"")), "today's arrival");
    }
    let orders_before = app.store().read_now(|tx| orders::ids_for_vehicle(tx, VehicleId(v))).unwrap().len();
    let response = post(app, &s.advisor, &format!("/appointments/{id}/order"), &[]).await;
    let to = location(&response);
    assert!(to.starts_with("/orders/") && to.ends_with("?notice=opened"), "{to}");
    let order_id: u64 = to["/orders/".len()..to.find('?').unwrap()].parse().unwrap();
    let order = app.store().read_now(|tx| orders::get(tx, OrderId(order_id))).unwrap().unwrap();
    assert_eq!(order.vehicle_id, VehicleId(v));
    assert_eq!(order.customer_id, a.customer_id);
    assert!(order.reception.complaint.contains("小保养") && order.reception.complaint.contains("左前轮异响"));
    assert_eq!(order.reception.advisor, Some(wrenchdesk::domain::UserId(s.advisor_id)));
    let lines: Vec<&str> = order.lines.iter().map(|l| l.details.description.as_str()).collect();
    assert_eq!(lines, ["更换机油机滤", "机油 4L"]);
    assert_eq!(order.appointment, Some(AppointmentId(id)));
    let a = appointment(app, id);
    assert_eq!((a.status, a.order_id), (AppointmentStatus::Converted, Some(OrderId(order_id))));
    // Linked both ways on the pages.
    let (_, order_page) = app.get_text(&s.advisor, &format!("/orders/{order_id}")).await;
    assert!(order_page.contains(&format!("data-appointment-link=\"{id}\"")));
    let (_, appt_page) = app.get_text(&s.advisor, &format!("/appointments/{id}")).await;
    assert!(appt_page.contains(&format!("data-order=\"{order_id}\"")));

    // A second tap opens the same order; no second one is made.
    let again = post(app, &s.advisor, &format!("/appointments/{id}/order"), &[]).await;
    assert_eq!(location(&again), format!("/orders/{order_id}"));
    let orders_after = app.store().read_now(|tx| orders::ids_for_vehicle(tx, VehicleId(v))).unwrap().len();
    assert_eq!(orders_after, orders_before + 1);
    let problems = app.store().read_now(appointments::verify).unwrap();
    assert!(problems.is_empty(), "{problems:?}");
}

#[tokio::test]
async fn booking_from_a_due_list_records_its_outcome_and_a_new_caller_is_created_with_the_booking() {
    let s = shop().await;
    let app = &s.app;
    let customer = crate::customers::create_customer(app, &s.advisor, "韩梅", "13800002051").await;
    let due = (today() + Duration::days(3)).to_string();
    let c = customer.to_string();
    let response = app
        .post_form(
            &s.advisor,
            "/vehicles/new",
            "/vehicles",
            &[("customer_id", c.as_str()), ("plate", "粤B20051"), ("inspection_due", due.as_str())],
        )
        .await;
    let v = crate::customers::id_in(&location(&response), "/vehicles/");
    // The list's "booked" leads to the booking form with the car filled in.
    let (_, list) = app.get_text(&s.advisor, "/care/inspection").await;
    let href = format!("/appointments/new?vehicle_id={v}&amp;care=inspection&amp;subject={v}");
    assert!(list.contains(&href), "the outcome links to the booking form");
    let (status, form) = app.get_text(&s.advisor, &href.replace("&amp;", "&")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(form.contains(&format!("data-vehicle=\"{v}\"")) && form.contains("name=\"care\""));
    let vs = v.to_string();
    let fields = [
        ("vehicle_id", vs.as_str()),
        ("care", "inspection"),
        ("subject", vs.as_str()),
        ("start", &at(tomorrow(), "10:00")),
        ("minutes", "60"),
        ("work", "年检前检测"),
    ];
    let response = post(app, &s.advisor, "/appointments", &fields).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let contacts = app.store().read_now(|tx| customers::contacts(tx, CustomerId(customer), 5)).unwrap();
    assert_eq!(contacts.len(), 1, "the outcome is in the contact history");
    let (_, list) = app.get_text(&s.advisor, "/care/inspection").await;
    assert!(!list.contains(&format!("data-entry=\"{v}\"")), "the entry sleeps");

    // A caller new to the shop: name, phone and plate, saved with the booking.
    let fields = [
        ("name", "新客户"),
        ("phone", "13900002052"),
        ("plate", "粤B20052"),
        ("start", &at(tomorrow(), "11:00")),
        ("minutes", "30"),
        ("work", "空调检查"),
    ];
    let response = post(app, &s.advisor, "/appointments", &fields).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let id = booked_id(&location(&response));
    let a = appointment(app, id);
    let (vehicle, owner) = app
        .store()
        .read_now(|tx| {
            Ok((vehicles::get(tx, a.vehicle_id)?.unwrap(), customers::get(tx, a.customer_id)?.unwrap()))
        })
        .unwrap();
    assert_eq!((vehicle.details.plate.as_str(), owner.details.name.as_str()), ("粤B20052", "新客户"));
    // The same plate again is a known car: told beside the plate, with the rest kept.
    let before = app.fingerprint().await;
    let fields = [
        ("name", "别人"),
        ("phone", "13900002053"),
        ("plate", "粤B20052"),
        ("start", &at(tomorrow(), "14:00")),
        ("minutes", "30"),
        ("work", "洗车"),
    ];
    let response = post(app, &s.advisor, "/appointments", &fields).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(html.contains("id=\"f-plate-msg\"") && html.contains("别人") && html.contains("洗车"));
    assert_eq!(app.fingerprint().await, before, "nothing stored, not even the customer");
    // The vehicle's and the customer's pages list their appointment.
    let (_, page) = app.get_text(&s.advisor, &format!("/vehicles/{}", a.vehicle_id)).await;
    assert!(page.contains(&format!("data-appointment=\"{id}\"")));
    let (_, page) = app.get_text(&s.advisor, &format!("/customers/{}", a.customer_id)).await;
    assert!(page.contains(&format!("data-appointment=\"{id}\"")));
}

#[tokio::test]
async fn advisors_and_managers_book_technicians_only_read_and_bad_input_is_kept() {
    let s = shop().await;
    let app = &s.app;
    let v = car(app, &s.advisor, "林峰", "13800002061", "粤B20061").await;
    let vs = v.to_string();
    let day = tomorrow();
    let fields =
        [("vehicle_id", vs.as_str()), ("start", &at(day, "09:00")), ("minutes", "60"), ("work", "保养")];
    for who in [&s.tech, &s.cashier] {
        let before = app.fingerprint().await;
        let response = post(app, who, "/appointments", &fields).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        assert_eq!(app.fingerprint().await, before);
        assert_eq!(
            app.get(who, &format!("/appointments/new?vehicle_id={v}")).await.status(),
            StatusCode::FORBIDDEN
        );
    }
    let response = post(app, &s.manager, "/appointments", &fields).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "a manager books");
    let id = booked_id(&location(&response));
    // Technicians read the calendar and the booking, without the desk's buttons.
    let (status, calendar) = app.get_text(&s.tech, &format!("/appointments?day={day}&view=week")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        calendar.contains(&format!("data-appointment=\"{id}\"")) && !calendar.contains("data-new-booking")
    );
    let (status, page) = app.get_text(&s.tech, &format!("/appointments/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!page.contains("data-action=\"order\"") && !page.contains("data-edit-form"));
    assert_eq!(app.get(&s.cashier, "/appointments").await.status(), StatusCode::FORBIDDEN);
    let response = post(app, &s.tech, &format!("/appointments/{id}/order"), &[]).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    // Bad input: each problem beside its field, everything typed kept.
    let before = app.fingerprint().await;
    let fields = [
        ("vehicle_id", vs.as_str()),
        ("start", "明天上午"),
        ("minutes", "50"),
        ("work", ""),
        ("bay", "9号位"),
        ("notes", "客户要求<b>加急</b>"),
    ];
    let response = post(app, &s.advisor, "/appointments", &fields).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    for field in ["start", "minutes", "work", "bay"] {
        assert!(html.contains(&format!("id=\"f-{field}-msg\"")), "{field} told beside it");
    }
    assert!(
        html.contains("明天上午") && html.contains("value=\"50\"") && html.contains("客户要求&lt;b&gt;加急")
    );
    assert_eq!(app.fingerprint().await, before);
    // A booking in the past is refused.
    let past = (Utc::now().with_timezone(&TZ) - Duration::days(1)).format("%Y-%m-%dT10:00").to_string();
    let response = book(&s, v, &[("start", &past)]).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
}
