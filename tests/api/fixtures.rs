//! What the tests share: the signed-in staff of a fresh shop, and the vocabulary of work orders
//! (open one, add lines, change its state, answer its approval) spoken through the real forms.
//! Helpers read pages by ids and `data-` attributes, not by their wording.

use reqwest::{Client, Response, StatusCode};

use crate::customers::{create_customer, create_vehicle, id_in};
use crate::helpers::*;

/// A fresh shop and its staff, each signed in.
pub(crate) struct Shop {
    pub(crate) app: TestApp,
    pub(crate) admin: Client,
    pub(crate) advisor: Client,
    pub(crate) advisor_id: u64,
    pub(crate) tech: Client,
    pub(crate) tech_id: u64,
    pub(crate) tech2: Client,
    pub(crate) tech2_id: u64,
    pub(crate) cashier: Client,
    pub(crate) manager: Client,
}

pub(crate) async fn shop() -> Shop {
    shop_on(spawn_app().await).await
}

/// The staff of a shop on a server started by the caller.
pub(crate) async fn shop_on(app: TestApp) -> Shop {
    let admin = app.admin().await;
    let advisor = app.user_with_roles(&admin, "advisor1", &["advisor"]).await;
    let tech = app.user_with_roles(&admin, "tech1", &["technician"]).await;
    let tech2 = app.user_with_roles(&admin, "tech2", &["technician"]).await;
    let cashier = app.user_with_roles(&admin, "cashier1", &["cashier"]).await;
    let manager = app.user_with_roles(&admin, "manager1", &["manager"]).await;
    let advisor_id = app.user_id(&admin, "advisor1").await;
    let tech_id = app.user_id(&admin, "tech1").await;
    let tech2_id = app.user_id(&admin, "tech2").await;
    Shop { app, admin, advisor, advisor_id, tech, tech_id, tech2, tech2_id, cashier, manager }
}

/// Form fields as sent.
pub(crate) type Fields<'a> = Vec<(&'a str, &'a str)>;

/// Posts a form with the client's session CSRF token.
pub(crate) async fn post(app: &TestApp, c: &Client, path: &str, fields: &[(&str, &str)]) -> Response {
    app.post_form(c, "/", path, fields).await
}

/// A customer with one car (52000 km on record); returns the vehicle's id.
pub(crate) async fn car(app: &TestApp, c: &Client, owner: &str, phone: &str, plate: &str) -> u64 {
    let customer = create_customer(app, c, owner, phone).await;
    let response = create_vehicle(app, c, customer, plate).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "vehicle {plate} created");
    id_in(&location(&response), "/vehicles/")
}

/// Posts the reception form for `vehicle`: `fields` first (the first value of a field wins),
/// then a complaint.
pub(crate) async fn open_with(app: &TestApp, c: &Client, vehicle: u64, fields: &[(&str, &str)]) -> Response {
    let v = vehicle.to_string();
    let mut all = fields.to_vec();
    all.extend([("vehicle_id", v.as_str()), ("complaint", "刹车异响")]);
    app.post_form(c, &format!("/orders/new?vehicle_id={vehicle}"), "/orders", &all).await
}

/// Opens an order (another one for the same car, if need be); returns its id.
pub(crate) async fn open_order(app: &TestApp, c: &Client, vehicle: u64) -> u64 {
    let response = open_with(app, c, vehicle, &[("confirm_second", "1")]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "order opened");
    let to = location(&response);
    assert!(to.ends_with("?notice=opened"), "{to}");
    id_in(&to, "/orders/")
}

pub(crate) async fn add_line(app: &TestApp, c: &Client, order: u64, fields: &[(&str, &str)]) -> Response {
    post(app, c, &format!("/orders/{order}/lines"), fields).await
}

/// Adds a labour line at the shop's rate, with a technician on it.
pub(crate) async fn labour(app: &TestApp, c: &Client, order: u64, description: &str, hours: &str, tech: u64) {
    let tech = tech.to_string();
    let fields =
        [("kind", "labor"), ("description", description), ("hours", hours), ("technician_id", &tech)];
    let response = add_line(app, c, order, &fields).await;
    assert_eq!(location(&response), format!("/orders/{order}?notice=lines"), "labour line added");
}

pub(crate) async fn part(app: &TestApp, c: &Client, order: u64, description: &str, qty: &str, price: &str) {
    let fields = [("kind", "part"), ("description", description), ("qty", qty), ("unit_price", price)];
    let response = add_line(app, c, order, &fields).await;
    assert_eq!(location(&response), format!("/orders/{order}?notice=lines"), "part line added");
}

pub(crate) async fn set_state(app: &TestApp, c: &Client, order: u64, to: &str, reason: &str) -> Response {
    post(app, c, &format!("/orders/{order}/status"), &[("to", to), ("reason", reason)]).await
}

pub(crate) async fn order_page(app: &TestApp, c: &Client, order: u64) -> String {
    let (status, html) = app.get_text(c, &format!("/orders/{order}")).await;
    assert_eq!(status, StatusCode::OK, "order {order} shown");
    html
}

/// The state code in an order page's heading.
pub(crate) fn state_in(html: &str) -> String {
    attr(html, "class=\"badge state-")
}

/// The order number in an order page's heading.
pub(crate) fn number_in(html: &str) -> String {
    attr(html, "<h1 data-number=\"")
}

/// The value of the attribute whose opening (`name="`) is `marker`, first occurrence.
pub(crate) fn attr(html: &str, marker: &str) -> String {
    let at = html.find(marker).unwrap_or_else(|| panic!("{marker} in the page")) + marker.len();
    html[at..at + html[at..].find('"').unwrap()].to_string()
}

/// The text right after `marker`, up to the next tag.
pub(crate) fn text_after(html: &str, marker: &str) -> String {
    let at = html.find(marker).unwrap_or_else(|| panic!("{marker} in the page")) + marker.len();
    html[at..at + html[at..].find('<').unwrap()].to_string()
}

/// The number a home page's tile shows under `key` (`data-count="key"`), and where it links.
pub(crate) fn count_on_home(html: &str, key: &str) -> (String, String) {
    let marker = format!("data-count=\"{key}\"");
    let at = html.find(&marker).unwrap_or_else(|| panic!("{key} on the home page"));
    let tile = &html[..at];
    let href = tile[tile.rfind("href=\"").unwrap() + 6..].split('"').next().unwrap().replace("&amp;", "&");
    let value = text_after(&html[at..], "class=\"tile-value\">");
    (href, value)
}

/// The approval form of an order page as the kiosk would send it: the version it shows, and
/// `decisions` for lines by number.
pub(crate) fn approval<'a>(
    version: &'a str,
    method: &'a str,
    signature: &'a str,
    decisions: &'a [(&'a str, &'a str)],
) -> Fields<'a> {
    let mut fields = vec![
        ("estimate_version", version),
        ("method", method),
        ("approver", "张伟"),
        ("signature", signature),
    ];
    fields.extend_from_slice(decisions);
    fields
}

pub(crate) const SIGNATURE: &str = "10,10 20,20 30,25;40,40 50,50";
