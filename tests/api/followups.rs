//! Follow-up calls (回访): scheduled in the write that delivers an order (in the shop's time
//! zone, off when the parameter is 0), answered from the list into the contact history, closed
//! as unreached after three tries, unhappy answers on the manager's home until handled, the
//! monthly report, permissions and bad input.

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use reqwest::StatusCode;
use wrenchdesk::domain::{OrderId, OrderState, Role, Roles};
use wrenchdesk::store::{Actor, customers, followups, orders, vehicles};

use crate::fixtures::{Shop, attr, car, post, shop};
use crate::helpers::*;
use crate::orders::order_in_state;

fn shop_today(tz: chrono_tz::Tz) -> NaiveDate {
    Utc::now().with_timezone(&tz).date_naive()
}

/// A car of a new customer, its order delivered; returns the order's id.
async fn delivered(s: &Shop, owner: &str, phone: &str, plate: &str) -> u64 {
    let v = car(&s.app, &s.advisor, owner, phone, plate).await;
    order_in_state(&s.app, &s.admin, v, s.tech_id, "delivered").await
}

/// The call about an order, from the store.
async fn call_of(app: &TestApp, order: u64) -> Option<wrenchdesk::domain::followup::FollowUp> {
    app.store().read(move |tx| followups::for_order(tx, OrderId(order))).await.unwrap()
}

/// Answers a call as the list's form does.
async fn answer(
    app: &TestApp,
    c: &reqwest::Client,
    id: u64,
    version: u64,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let v = version.to_string();
    let mut all = vec![("version", v.as_str())];
    all.extend_from_slice(fields);
    post(app, c, &format!("/care/followups/{id}/outcome"), &all).await
}

#[tokio::test]
async fn a_delivery_schedules_the_call_in_the_same_write_and_zero_days_turns_it_off() {
    let s = shop().await;
    let app = &s.app;
    let order = delivered(&s, "周敏", "13800001111", "粤B10001").await;
    let call = call_of(app, order).await.expect("the delivery scheduled a call");
    let today = shop_today(chrono_tz::Asia::Shanghai);
    assert_eq!(call.due, today + Duration::days(3), "three days after delivery by default");
    // The delivery and the call are one write: the audit entry of the delivery and the call
    // point at the same order, and nothing else scheduled it.
    assert_eq!(call.order_id, OrderId(order));
    let (status, html) = app.get_text(&s.advisor, "/care/followups").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(&format!("data-followup=\"{}\" data-due=\"{}\"", call.id, call.due)), "{html}");
    assert!(html.contains("data-followups=\"coming\""), "due in three days: under the coming days");

    app.save_settings(&s.admin, &[("followup_days", "0")]).await;
    let second = delivered(&s, "林一", "13800002222", "粤B10002").await;
    assert!(call_of(app, second).await.is_none(), "0 days: no call");
    // A bad value is refused beside its field.
    let mut fields: Vec<(&str, &str)> = vec![("followup_days", "-2")];
    fields.extend([("shop_name", "wrenchdesk"), ("time_zone", "Asia/Shanghai")]);
    let response = app.post_form(&s.admin, "/admin/settings", "/admin/settings", &fields).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(html.contains("id=\"f-followup_days-msg\""), "{html}");
}

#[tokio::test]
async fn the_due_day_is_the_shop_s_local_day_of_the_delivery() {
    let s = shop().await;
    let app = &s.app;
    app.save_settings(&s.admin, &[("time_zone", "America/Los_Angeles"), ("followup_days", "2")]).await;
    let v = car(app, &s.advisor, "王强", "13800003333", "粤B10003").await;
    let order = order_in_state(app, &s.admin, v, s.tech_id, "settled").await;
    // Handed over at 03:00 UTC on 1 December: 19:00 on 30 November in Los Angeles.
    let at = Utc.with_ymd_and_hms(2026, 12, 1, 3, 0, 0).unwrap();
    app.store()
        .write_touching_now(|tx, t| {
            let desk = Roles::of(&[Role::Advisor]);
            orders::transition_at_tx(
                tx,
                t,
                &Actor::system(),
                desk,
                (OrderId(order), OrderState::Delivered),
                "",
                at,
            )
            .map(|_| ())
        })
        .unwrap();
    let call = call_of(app, order).await.unwrap();
    assert_eq!(
        call.due,
        NaiveDate::from_ymd_opt(2026, 12, 2).unwrap(),
        "30 November + 2, not 1 December + 2"
    );
}

#[tokio::test]
async fn answers_go_into_the_contact_history_and_three_unanswered_calls_close_it() {
    let s = shop().await;
    let app = &s.app;
    let order = delivered(&s, "陈静", "13800004444", "粤B10004").await;
    let call = call_of(app, order).await.unwrap();
    let customer = app
        .store()
        .read(move |tx| Ok(vehicles::get(tx, call.vehicle_id)?.unwrap().customer_id))
        .await
        .unwrap();

    let response = answer(app, &s.advisor, call.id, 1, &[("outcome", "not_reached")]).await;
    assert_eq!(location(&response), "/care/followups?saved=1");
    let after = call_of(app, order).await.unwrap();
    assert_eq!((after.tries, after.version), (1, 2));
    assert_eq!(after.due, shop_today(chrono_tz::Asia::Shanghai) + Duration::days(1), "tried again tomorrow");
    // A page showing the old version cannot answer again: nothing is written.
    let before = app.fingerprint().await;
    let stale = answer(app, &s.advisor, call.id, 1, &[("outcome", "wrong_number")]).await;
    assert_eq!(stale.status(), StatusCode::CONFLICT);
    assert_eq!(app.fingerprint().await, before);

    answer(app, &s.advisor, call.id, 2, &[("outcome", "not_reached")]).await;
    // htmx gets the card back as done.
    let token = app.csrf(&s.advisor, "/care/followups").await;
    let response = s
        .advisor
        .post(app.url(&format!("/care/followups/{}/outcome", call.id)))
        .header("HX-Request", "true")
        .form(&[("version", "3"), ("outcome", "not_reached"), ("csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    assert!(html.contains("data-state=\"unreached\""), "{html}");
    let closed = call_of(app, order).await.unwrap();
    assert_eq!((closed.state.code(), closed.tries), ("unreached", 3));
    let (_, list) = app.get_text(&s.advisor, "/care/followups").await;
    assert!(!list.contains(&format!("data-followup=\"{}\"", call.id)), "closed calls leave the list");

    let contacts = app.store().read(move |tx| customers::contacts(tx, customer, 10)).await.unwrap();
    assert_eq!(contacts.len(), 3, "every answer is a contact");
    assert!(contacts.iter().all(|c| c.summary.contains(&closed.order_number) && c.kind.code() == "call"));
    let (_, page) = app.get_text(&s.advisor, &format!("/customers/{customer}")).await;
    assert!(page.contains(&closed.order_number), "the contact history shows the calls");
}

#[tokio::test]
async fn an_unhappy_answer_waits_on_the_manager_s_home_until_handled_with_a_note() {
    let s = shop().await;
    let app = &s.app;
    let order = delivered(&s, "赵丽", "13800005555", "粤B10005").await;
    let call = call_of(app, order).await.unwrap();
    let (_, home) = app.get_text(&s.manager, "/").await;
    assert!(!home.contains("id=\"unhappy-followups\""), "nothing to show yet");

    let response = answer(
        app,
        &s.advisor,
        call.id,
        1,
        &[("outcome", "reached"), ("score", "2"), ("comment", "刹车还是有点响")],
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (_, home) = app.get_text(&s.manager, "/").await;
    assert!(home.contains("data-unhappy=\"1\""), "{home}");
    assert!(home.contains(&format!("data-followup=\"{}\"", call.id)) && home.contains("刹车还是有点响"));
    let (_, advisor_home) = app.get_text(&s.advisor, "/").await;
    assert!(!advisor_home.contains("id=\"unhappy-followups\""), "the manager's, not the advisor's");

    // A flagged comment is unhappy whatever the score.
    let other = delivered(&s, "钱勇", "13800006666", "粤B10006").await;
    let flagged = call_of(app, other).await.unwrap();
    answer(
        app,
        &s.advisor,
        flagged.id,
        1,
        &[("outcome", "reached"), ("score", "5"), ("comment", "希望提前告知增项"), ("flagged", "1")],
    )
    .await;
    let (_, home) = app.get_text(&s.manager, "/").await;
    assert!(home.contains("data-unhappy=\"2\""), "{home}");

    // Handling needs a note; the advisor may not handle it.
    let path = format!("/care/followups/{}/handled", call.id);
    let refused = post(app, &s.advisor, &path, &[("version", "2"), ("note", "已致歉")]).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let empty = post(app, &s.manager, &path, &[("version", "2"), ("note", " ")]).await;
    assert_eq!(empty.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = empty.text().await.unwrap();
    assert!(html.contains(&format!("id=\"f-note-{}-msg\"", call.id)), "{html}");
    let done = post(app, &s.manager, &path, &[("version", "2"), ("note", "已致电致歉，约了免费复查")]).await;
    assert_eq!(location(&done), "/");
    let (_, home) = app.get_text(&s.manager, "/").await;
    assert!(home.contains("data-unhappy=\"1\"") && !home.contains(&format!("data-followup=\"{}\"", call.id)));
    let handled = call_of(app, order).await.unwrap();
    assert_eq!(handled.handled.map(|h| h.note), Some("已致电致歉，约了免费复查".to_string()));
    let again = post(app, &s.manager, &path, &[("version", "3"), ("note", "再次")]).await;
    assert_eq!(again.status(), StatusCode::CONFLICT, "handled once");
}

#[tokio::test]
async fn the_monthly_report_shows_the_share_reached_and_the_average_score() {
    let s = shop().await;
    let app = &s.app;
    let mut calls = vec![];
    for (i, plate) in ["粤B20001", "粤B20002", "粤B20003"].iter().enumerate() {
        let order = delivered(&s, "孙伟", &format!("1380000700{i}"), plate).await;
        calls.push(call_of(app, order).await.unwrap().id);
    }
    answer(app, &s.advisor, calls[0], 1, &[("outcome", "reached"), ("score", "5")]).await;
    answer(app, &s.advisor, calls[1], 1, &[("outcome", "reached"), ("score", "2")]).await;
    answer(app, &s.advisor, calls[2], 1, &[("outcome", "wrong_number")]).await;
    let today = shop_today(chrono_tz::Asia::Shanghai);
    let (status, html) =
        app.get_text(&s.manager, &format!("/reports/followups?period=month&date={today}")).await;
    assert_eq!(status, StatusCode::OK);
    let cell = |col: &str| attr(&html, &format!("data-col=\"{col}\" data-value=\""));
    assert_eq!(cell("closed"), "3");
    assert_eq!(cell("reached"), "2");
    assert_eq!(cell("reached_share"), "66.7%");
    assert_eq!(cell("average_score"), "3.5");
    assert_eq!(cell("unhappy"), "1");
    // The year: twelve months, this one with the figures.
    let (_, year) = app.get_text(&s.manager, &format!("/reports/followups?period=year&date={today}")).await;
    assert_eq!(year.matches("<tr class=\"\" data-key=").count(), 12, "{year}");
    let csv = app
        .get(&s.manager, &format!("/reports/followups?period=month&date={today}&format=csv&table=followups"))
        .await;
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(csv.text().await.unwrap().contains("66.7%"));
    assert_eq!(app.get(&s.advisor, "/reports/followups").await.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn technicians_and_cashiers_are_refused_and_a_bad_score_is_shown_beside_its_field() {
    let s = shop().await;
    let app = &s.app;
    let order = delivered(&s, "吴芳", "13800008888", "粤B10008").await;
    let call = call_of(app, order).await.unwrap();
    for c in [&s.tech, &s.cashier] {
        assert_eq!(app.get(c, "/care/followups").await.status(), StatusCode::FORBIDDEN);
        let r = answer(app, c, call.id, 1, &[("outcome", "wrong_number")]).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
    }
    assert_eq!(app.get(&s.manager, "/care/followups").await.status(), StatusCode::OK);
    let before = app.fingerprint().await;
    for score in ["7", "0", "", "五"] {
        let r = answer(
            app,
            &s.advisor,
            call.id,
            1,
            &[("outcome", "reached"), ("score", score), ("comment", "服务不错")],
        )
        .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{score:?}");
        let html = r.text().await.unwrap();
        assert!(html.contains("data-field-msg=\"score\""), "{html}");
        assert!(html.contains("value=\"服务不错\""), "what was typed is kept");
    }
    assert_eq!(app.fingerprint().await, before, "a refused answer writes nothing");
    let missing = answer(app, &s.advisor, call.id, 1, &[("outcome", "maybe")]).await;
    assert_eq!(missing.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let unknown = answer(app, &s.advisor, 999_999, 1, &[("outcome", "wrong_number")]).await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
}
