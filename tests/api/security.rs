//! Who may do what, checked against the permission table itself; sign-in throttling under a
//! concurrent burst; sessions at sign-in and sign-out, the cookies' flags, and forged requests
//! on every state-changing route.
//!
//! `accounts.rs` already covers: a new session id when signing in again from a signed-in
//! browser, the old cookie refused after logout, the session cookie's flags over plain HTTP,
//! sequential throttling per address, and a missing token on a list of routes. This module
//! goes further on each.

use std::io::Cursor;

use reqwest::multipart::{Form, Part};
use reqwest::{Client, StatusCode};
use wrenchdesk::domain::{Area, Role, Roles};

use crate::helpers::*;
use crate::hostile::{Targets, hidden_value, number_after, targets};

// ---------------------------------------------------------------------------------------------
// The doors of the app.

/// Who may use a route, in the words of the permission table.
#[derive(Clone, Copy, Debug)]
enum Access {
    /// Anyone, signed in or not.
    Public,
    /// Anyone signed in.
    SignedIn,
    /// A role that may use one of these areas (`ctx.require(area)`, or the handler's own
    /// combination of them).
    Areas(&'static [Area]),
}

impl Access {
    fn allows(self, roles: Roles) -> bool {
        match self {
            Access::Public | Access::SignedIn => true,
            Access::Areas(areas) => areas.iter().any(|a| roles.may(*a)),
        }
    }
}

const ADMIN: Access = Access::Areas(&[Area::Admin]);
const CUSTOMERS: Access = Access::Areas(&[Area::Customers]);
const VEHICLES: Access = Access::Areas(&[Area::Vehicles]);
const RECEPTION: Access = Access::Areas(&[Area::Reception]);
const ORDERS: Access = Access::Areas(&[Area::Orders]);
/// The order's own pages: the desk, and the cashier who settles it.
const ORDER_PAGES: Access = Access::Areas(&[Area::Orders, Area::Checkout]);
const TEMPLATES: Access = Access::Areas(&[Area::Templates]);
const PARTS: Access = Access::Areas(&[Area::Parts]);
const REPORTS: Access = Access::Areas(&[Area::Reports]);
/// The desk looks parts up to put them on orders; the stockroom does everything.
const PARTS_LOOKUP: Access = Access::Areas(&[Area::Parts, Area::Orders]);
const CHECKOUT: Access = Access::Areas(&[Area::Checkout]);
const BOARD: Access = Access::Areas(&[Area::Board]);
/// The appointment calendar, read by technicians too (booking is the desk's: RECEPTION).
const CALENDAR: Access = Access::Areas(&[Area::Calendar]);
/// Managers and admins (a signed walk-around reopened).
const MANAGERS: Access = Access::Areas(&[Area::Reports]);
/// The phone pages: technicians, and the desk, who may act on any line.
const FLOOR: Access = Access::Areas(&[Area::MyJobs, Area::Orders]);
/// No role: only the browser marked as the reception kiosk (a cookie, not a role).
const KIOSK_ONLY: Access = Access::Areas(&[]);

#[derive(Clone, Copy, PartialEq, Debug)]
enum Method {
    Get,
    Post,
    /// A multipart POST.
    Upload,
}

struct Door {
    method: Method,
    path: String,
    access: Access,
    /// What a role that may not use it gets (403, or 404 where the route hides itself).
    denied: StatusCode,
    /// For a POST: a valid form, sent by the roles that may not use the route (so that a
    /// missing check would store it). The roles that may get an empty form.
    form: Vec<(&'static str, String)>,
    /// Why access also depends on the record, where it does.
    note: &'static str,
}

fn door(method: Method, path: impl Into<String>, access: Access) -> Door {
    Door { method, path: path.into(), access, denied: StatusCode::FORBIDDEN, form: vec![], note: "" }
}

fn get(path: impl Into<String>, access: Access) -> Door {
    door(Method::Get, path, access)
}

fn post(path: impl Into<String>, access: Access, form: &[(&'static str, &str)]) -> Door {
    Door { form: form.iter().map(|(k, v)| (*k, v.to_string())).collect(), ..door(Method::Post, path, access) }
}

impl Door {
    fn note(mut self, note: &'static str) -> Self {
        self.note = note;
        self
    }

    fn hidden(mut self) -> Self {
        self.denied = StatusCode::NOT_FOUND;
        self
    }

    fn upload(mut self) -> Self {
        self.method = Method::Upload;
        self
    }
}

/// The records the doors lead to, beyond the shop's.
struct Extra {
    photo: u64,
    asset: String,
    customer_version: String,
    vehicle_version: String,
    spare_vehicle_version: String,
    victim_version: String,
    template_version: String,
    order_version: String,
    /// A booking of the target car tomorrow (its car has an order open, so turning it into
    /// another is refused whoever asks).
    appointment: u64,
    appointment_version: String,
    tomorrow: String,
    /// A follow-up call about the target order (made in the store: the order is still open).
    followup: u64,
}

/// Every route of the app (the `routes()` of each `src/web/*.rs`), GET pages and POST actions,
/// with who may use it. `/logout` comes last: it ends the walker's session.
fn doors(s: &Targets, x: &Extra) -> Vec<Door> {
    let (c, c2, v, v2, o, o2) = (s.customer, s.customer2, s.vehicle, s.spare_vehicle, s.order, s.spare_order);
    let (t, tpl, victim, backup) = (&s.token, s.template, s.victim, &s.backup);
    let (c2s, vs) = (c2.to_string(), v.to_string());
    let customer = [("kind", "person"), ("name", "越权"), ("phone", "13600000000"), ("confirm_phone", "1")];
    let settings = [
        ("shop_name", "pwned"),
        ("default_lang", "zh"),
        ("time_zone", "Asia/Shanghai"),
        ("customer_sources", "walk_in"),
        ("customer_levels", "ordinary"),
        ("labour_rate", "1"),
        ("order_number_format", "{date}-{seq}"),
        ("backup_time", "02:00"),
        ("backup_keep", "14"),
        ("password_min_len", "10"),
        ("session_idle_minutes", "120"),
        ("session_absolute_hours", "12"),
        ("technician_session_hours", "12"),
    ];
    let line = [("kind", "fee"), ("description", "越权"), ("unit_price", "1")];
    vec![
        // Public.
        get("/healthz", Access::Public),
        get(x.asset.clone(), Access::Public),
        get("/login", Access::Public),
        post("/login", Access::Public, &[]),
        // Anyone signed in.
        get("/", Access::SignedIn),
        get("/account/password", Access::SignedIn),
        post("/account/password", Access::SignedIn, &[]),
        post("/account/lang", Access::Public, &[]).note("also signed out: the login page's language"),
        // Administration.
        get("/admin", ADMIN),
        get("/admin/users", ADMIN),
        get(format!("/admin/users/{victim}"), ADMIN),
        get("/admin/settings", ADMIN),
        get("/admin/audit", ADMIN),
        get("/admin/export", ADMIN),
        get("/admin/backups", ADMIN),
        get(format!("/admin/backups/restore/{backup}"), ADMIN),
        get(format!("/admin/backups/files/{backup}"), ADMIN)
            .hidden()
            .note("answers 404 to anyone else: it does not say a file exists"),
        post(
            "/admin/users",
            ADMIN,
            &[
                ("username", "mallory"),
                ("display_name", "M"),
                ("password", "long-enough-pass"),
                ("roles", "admin"),
            ],
        ),
        post(
            format!("/admin/users/{victim}/roles"),
            ADMIN,
            &[("version", &x.victim_version), ("display_name", "M"), ("roles", "admin")],
        ),
        post(format!("/admin/users/{victim}/password"), ADMIN, &[("password", "attacker-password")]),
        post(format!("/admin/users/{victim}/active"), ADMIN, &[("active", "false")]),
        post("/admin/settings", ADMIN, &settings),
        post("/admin/display-key", ADMIN, &[("action", "revoke")]),
        post("/admin/export", ADMIN, &[]),
        post("/admin/backups", ADMIN, &[]),
        // Never confirmed: a restore replaces the data by design.
        post(format!("/admin/backups/restore/{backup}"), ADMIN, &[("confirm", "0")]),
        // Customers.
        get("/customers", CUSTOMERS),
        get("/customers/new", CUSTOMERS),
        get(format!("/customers/{c}"), CUSTOMERS),
        get(format!("/customers/{c}/edit"), CUSTOMERS),
        get("/customers/pick?q=%E5%BC%A0", CUSTOMERS),
        get("/customers/export.csv", CUSTOMERS),
        get("/customers/export.xlsx", CUSTOMERS),
        get("/customers/import", CUSTOMERS),
        post("/customers/import", CUSTOMERS, &[("file", "name,phone\n越权,13600000001\n")]).upload(),
        post("/customers/import/confirm", CUSTOMERS, &[("token", "0123456789abcdef0123456789abcdef")]),
        post("/customers", CUSTOMERS, &customer),
        post(
            format!("/customers/{c}"),
            CUSTOMERS,
            &[customer.as_slice(), &[("version", x.customer_version.as_str())]].concat(),
        ),
        post(format!("/customers/{c}/status"), CUSTOMERS, &[("status", "invalid")]),
        post(format!("/customers/{c}/contacts"), CUSTOMERS, &[("kind", "call"), ("summary", "越权")]),
        post(format!("/customers/{c2}/delete"), ADMIN, &[]).note("customers first, then admin only"),
        // Vehicles and the kiosk.
        get("/vehicles", VEHICLES),
        get("/vehicles?q=%E5%A4%A7%E4%BC%97&by=make", VEHICLES),
        get("/vehicles/new", VEHICLES),
        get(format!("/vehicles/{v}"), VEHICLES),
        get(format!("/vehicles/{v}/edit"), VEHICLES),
        get("/lookup", RECEPTION),
        get("/lookup?plate=%E4%BA%ACA12345", RECEPTION),
        post("/vehicles", VEHICLES, &[("customer_id", &c2s), ("plate", "沪A99999"), ("make", "越权")]),
        post(
            format!("/vehicles/{v}"),
            VEHICLES,
            &[("version", &x.vehicle_version), ("plate", "京A12345"), ("make", "越权"), ("mileage", "52000")],
        ),
        post(
            format!("/vehicles/{v2}/transfer"),
            VEHICLES,
            &[("customer_id", &c2s), ("version", &x.spare_vehicle_version)],
        ),
        post(
            "/lookup/new",
            RECEPTION,
            &[
                ("kind", "person"),
                ("name", "越权"),
                ("phone", "13600000002"),
                ("plate", "沪A88888"),
                ("confirm_phone", "1"),
            ],
        ),
        // Work orders.
        get("/orders", ORDER_PAGES),
        get(format!("/orders/new?vehicle_id={v}"), RECEPTION),
        get(format!("/orders/{o}"), ORDER_PAGES),
        get(format!("/orders/{o}/live"), ORDER_PAGES),
        get(format!("/orders/{o}/print"), ORDER_PAGES),
        get(format!("/orders/{o}/qr.svg"), ORDER_PAGES),
        get(format!("/orders/{o}/lines/1/edit"), ORDERS),
        get(format!("/orders/{o}/reception"), ORDERS),
        post("/orders", RECEPTION, &[("vehicle_id", &vs), ("complaint", "越权"), ("confirm_second", "1")]),
        post(format!("/orders/{o}/lines"), ORDERS, &line),
        post(format!("/orders/{o}/templates"), ORDERS, &[("template_id", &tpl.to_string())]),
        post(format!("/orders/{o}/lines/2"), ORDERS, &line),
        post(format!("/orders/{o2}/lines/1/remove"), ORDERS, &[]),
        post(
            format!("/orders/{o}/approvals"),
            ORDERS,
            &[
                ("estimate_version", "1"),
                ("method", "phone"),
                ("approver", "越权"),
                ("decision_1", "approved"),
                ("decision_2", "approved"),
                ("decision_3", "approved"),
            ],
        ),
        post(format!("/orders/{o}/diagnosis"), ORDERS, &[("text", "越权")]),
        post(
            format!("/orders/{o}/status"),
            Access::Areas(&[Area::Orders, Area::Checkout, Area::MyJobs]),
            &[("to", "cancelled"), ("reason", "越权")],
        )
        .note("a technician only on an order they work on"),
        post(
            format!("/orders/{o}/reception"),
            ORDERS,
            &[("version", &x.order_version), ("complaint", "越权"), ("fuel", "1")],
        ),
        post(
            format!("/orders/{o}/requests/{}", s.request),
            Access::Areas(&[Area::Orders, Area::Parts]),
            &[("decision", "add"), ("unit_price", "1")],
        ),
        post(format!("/orders/{o2}/reprint"), ORDERS, &[]),
        post(format!("/orders/{o}/lines/2/issue"), PARTS_LOOKUP, &[("qty", "1")]),
        post(format!("/orders/{o}/lines/2/return"), PARTS_LOOKUP, &[("qty", "1"), ("reason", "越权")]),
        post(format!("/orders/{o}/lines/2/unused"), PARTS_LOOKUP, &[("unused", "1")]),
        // The walk-around at reception: the desk; reopening a signed one, managers.
        get(format!("/orders/{o}/walkaround"), ORDERS),
        get(format!("/orders/{o}/walkaround/sign"), ORDERS),
        post(
            format!("/orders/{o}/walkaround/marks"),
            ORDERS,
            &[("x", "200"), ("y", "400"), ("kind", "dent")],
        )
        .upload(),
        post(format!("/orders/{o}/walkaround/marks/1/remove"), ORDERS, &[]),
        post(format!("/orders/{o}/walkaround/checks"), ORDERS, &[("fuel", "2"), ("lights", "abs")]),
        post(
            format!("/orders/{o}/walkaround/sign"),
            ORDERS,
            &[("signer", "越权"), ("signature", crate::walkaround::SIGNATURE)],
        ),
        post(format!("/orders/{o}/walkaround/reopen"), MANAGERS, &[("reason", "越权")]),
        get(
            format!("/orders/{o}/walkaround/photos/{}", x.photo),
            Access::Areas(&[Area::MyJobs, Area::Orders, Area::Checkout]),
        )
        .note("404 for a photo that is no mark's"),
        // Parts inventory.
        get("/parts", PARTS_LOOKUP),
        get("/parts/options?part_q=x", PARTS_LOOKUP),
        get("/parts/pick", PARTS_LOOKUP),
        get("/parts/new", PARTS),
        get("/parts/low", PARTS),
        get("/parts/purchase-list.csv", PARTS),
        get("/parts/export.csv", PARTS),
        get("/parts/export.xlsx", PARTS),
        get("/parts/import", PARTS),
        post("/parts/import", PARTS, &[("file", "number,name,unit,price\nX-2,越权,piece,1\n")]).upload(),
        post("/parts/import/confirm", PARTS, &[("token", "0123456789abcdef0123456789abcdef")]),
        get("/parts/valuation", Access::Areas(&[Area::Parts, Area::Reports])),
        get("/reports", REPORTS),
        get("/reports/revenue?period=year", REPORTS),
        get("/reports/revenue?period=month&format=xlsx", REPORTS),
        get("/reports/volume?period=week&format=csv", REPORTS),
        get("/reports/customers?period=all", REPORTS),
        get("/reports/technicians", REPORTS),
        get("/reports/parts?period=year", REPORTS),
        get("/reports/receivables", REPORTS),
        get("/reports/followups", REPORTS),
        get("/care/followups", CUSTOMERS),
        post(
            format!("/care/followups/{}/outcome", x.followup),
            CUSTOMERS,
            &[("version", "1"), ("outcome", "reached"), ("score", "5")],
        ),
        post(
            format!("/care/followups/{}/handled", x.followup),
            MANAGERS,
            &[("version", "1"), ("note", "已处理")],
        ),
        get("/parts/receipts", PARTS),
        get("/parts/receipts?date=2026-11-29", PARTS),
        get("/parts/receipts/new", PARTS),
        get("/parts/stocktakes", PARTS),
        get("/suppliers", PARTS),
        post("/parts", PARTS, &[("number", "X-1"), ("name", "越权"), ("unit", "piece"), ("price", "1")]),
        post("/suppliers", PARTS, &[("name", "越权")]),
        post("/parts/receipts", PARTS, &[("supplier", "越权"), ("date", "2026-11-29")]),
        // Checkout.
        get("/checkout", CHECKOUT),
        get("/receivables", CHECKOUT),
        get("/checkout/day-end", CHECKOUT),
        get(format!("/customers/{c}/statement"), CHECKOUT),
        get(format!("/customers/{c}/statement?from=2026-01-01&to=2026-12-31"), CHECKOUT),
        get(format!("/orders/{o}/checkout"), CHECKOUT),
        post(format!("/orders/{o}/payments"), CHECKOUT, &[("method", "cash"), ("amount", "1")]),
        // The board and the phone pages.
        get("/board", BOARD),
        get("/board?view=list", BOARD),
        get("/board?view=waiting", BOARD).note("the TV opens it by the display key: /wall/{key}"),
        get("/t", FLOOR),
        get(format!("/t/{t}"), Access::Areas(&[Area::MyJobs, Area::Orders, Area::Checkout]))
            .note("the desk and the cashier are sent on to the order; any technician may read it"),
        get(format!("/t/{t}?floor=1"), FLOOR)
            .note("any technician may read it; acting needs an assigned line"),
        get(format!("/photos/{o}/{}", x.photo), Access::Areas(&[Area::MyJobs, Area::Orders, Area::Checkout])),
        get(
            format!("/photos/{o}/{}?thumb=1", x.photo),
            Access::Areas(&[Area::MyJobs, Area::Orders, Area::Checkout]),
        ),
        post(format!("/t/{t}/lines/1"), FLOOR, &[("action", "finish")])
            .note("only on the technician's own lines"),
        post(format!("/t/{t}/parts"), FLOOR, &[("part_text", "越权"), ("part_qty", "1")]),
        post(format!("/t/{t}/notes"), FLOOR, &[("text", "越权")]).upload(),
        // Service templates.
        get("/templates", TEMPLATES),
        get("/templates/new", TEMPLATES),
        get(format!("/templates/{tpl}"), TEMPLATES),
        post(
            "/templates",
            TEMPLATES,
            &[("name", "越权"), ("kind_0", "fee"), ("description_0", "越权"), ("unit_price_0", "1")],
        ),
        post(
            format!("/templates/{tpl}"),
            TEMPLATES,
            &[
                ("version", &x.template_version),
                ("name", "越权"),
                ("kind_0", "fee"),
                ("description_0", "越权"),
                ("unit_price_0", "1"),
            ],
        ),
        // The reception kiosk's lock (the walker's browsers are not the kiosk).
        get("/kiosk/locked", Access::SignedIn).note("home again when the session is not locked"),
        get("/kiosk/alive", Access::SignedIn),
        post("/kiosk/unlock", Access::SignedIn, &[]).note("home again when the session is not locked"),
        post("/kiosk/lock", KIOSK_ONLY, &[("next", "/")]).note("only on the kiosk browser"),
        post("/account/pin", Access::SignedIn, &[]),
        post("/admin/kiosk-device", ADMIN, &[("action", "renew")]),
        // Appointments.
        get("/appointments", CALENDAR),
        get(format!("/appointments?view=week&day={}", x.tomorrow), CALENDAR),
        get(format!("/appointments/{}", x.appointment), CALENDAR),
        get(format!("/appointments/new?vehicle_id={v}"), RECEPTION),
        post(
            "/appointments",
            RECEPTION,
            &[
                ("vehicle_id", &vs),
                ("start", &format!("{}T15:00", x.tomorrow)),
                ("minutes", "60"),
                ("work", "越权"),
                ("overbook", "1"),
            ],
        ),
        post(
            format!("/appointments/{}", x.appointment),
            RECEPTION,
            &[
                ("version", &x.appointment_version),
                ("start", &format!("{}T16:00", x.tomorrow)),
                ("minutes", "60"),
                ("work", "越权"),
            ],
        ),
        post(
            format!("/appointments/{}/arrived", x.appointment),
            RECEPTION,
            &[("version", &x.appointment_version)],
        ),
        post(
            format!("/appointments/{}/no_show", x.appointment),
            RECEPTION,
            &[("version", &x.appointment_version)],
        )
        .note("only once its time has come"),
        post(
            format!("/appointments/{}/cancel", x.appointment),
            RECEPTION,
            &[("version", &x.appointment_version), ("reason", "越权")],
        ),
        post(format!("/appointments/{}/order", x.appointment), RECEPTION, &[]),
        get("/lang/zh?next=/", Access::Public),
        post("/logout", Access::SignedIn, &[]),
    ]
}

/// A small JPEG, as a phone camera would send one.
fn tiny_jpeg() -> Vec<u8> {
    let picture = image::RgbImage::from_fn(16, 16, |x, y| image::Rgb([(x * 16) as u8, (y * 16) as u8, 90]));
    let mut out = Cursor::new(Vec::new());
    picture.write_to(&mut out, image::ImageFormat::Jpeg).unwrap();
    out.into_inner()
}

async fn extra(s: &Targets) -> Extra {
    let app = &s.app;
    let token = app.csrf(&s.tech, "/").await;
    let form = Form::new()
        .text("csrf", token)
        .text("text", "刹车片照片")
        .part("photo", Part::bytes(tiny_jpeg()).file_name("p.jpg").mime_str("image/jpeg").unwrap());
    let response =
        s.tech.post(app.url(&format!("/t/{}/notes", s.token))).multipart(form).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "note with a photo");
    let (_, page) = app.get_text(&s.tech, &format!("/t/{}?floor=1", s.token)).await;
    let photo = number_after(&page, &format!("/photos/{}/", s.order));
    let (_, login) = app.get_text(&client(), "/login").await;
    let asset = crate::fixtures::attr(&login, "href=\"/static/");
    let version = |path: String| async move {
        let (_, page) = app.get_text(&s.admin, &path).await;
        hidden_value(&page, "version").unwrap_or_else(|| panic!("a version on {path}"))
    };
    let tomorrow = (chrono::Utc::now().with_timezone(&chrono_tz::Asia::Shanghai).date_naive()
        + chrono::Duration::days(1))
    .to_string();
    let (vs, start) = (s.vehicle.to_string(), format!("{tomorrow}T10:00"));
    let booked = app
        .post_form(
            &s.admin,
            "/",
            "/appointments",
            &[("vehicle_id", vs.as_str()), ("start", start.as_str()), ("minutes", "60"), ("work", "保养")],
        )
        .await;
    let appointment = location(&booked).split("booked=").nth(1).and_then(|n| n.parse().ok()).expect("booked");
    let order = wrenchdesk::domain::OrderId(s.order);
    let followup = app
        .store()
        .write_now(|tx| {
            let o = wrenchdesk::store::orders::get_tx(tx, order)?;
            Ok(wrenchdesk::store::followups::schedule_tx(tx, &o, chrono::Utc::now())?.expect("a call").id)
        })
        .unwrap();
    Extra {
        followup,
        appointment,
        appointment_version: version(format!("/appointments/{appointment}")).await,
        tomorrow,
        photo,
        asset: format!("/static/{asset}"),
        customer_version: version(format!("/customers/{}/edit", s.customer)).await,
        vehicle_version: version(format!("/vehicles/{}/edit", s.vehicle)).await,
        spare_vehicle_version: version(format!("/vehicles/{}/edit", s.spare_vehicle)).await,
        victim_version: version(format!("/admin/users/{}", s.victim)).await,
        template_version: version(format!("/templates/{}", s.template)).await,
        order_version: version(format!("/orders/{}/reception", s.order)).await,
    }
}

/// Sends a door's request: `fields` plus the CSRF token `token` (if any) and an `Origin`.
async fn knock(
    app: &TestApp,
    c: &Client,
    door: &Door,
    fields: &[(&'static str, String)],
    token: Option<&str>,
    origin: Option<&str>,
) -> reqwest::Response {
    let url = app.url(&door.path);
    let mut request = match door.method {
        Method::Get => c.get(url),
        Method::Post => {
            let mut all: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            if let Some(token) = token {
                all.push(("csrf", token));
            }
            c.post(url).form(&all)
        }
        Method::Upload => {
            let mut form = Form::new();
            if let Some(token) = token {
                form = form.text("csrf", token.to_string());
            }
            for (k, v) in fields {
                form = if *k == "file" {
                    form.part("file", Part::bytes(v.clone().into_bytes()).file_name("customers.csv"))
                } else {
                    form.text(*k, v.clone())
                };
            }
            c.post(url).multipart(form)
        }
    };
    if let Some(origin) = origin {
        request = request.header("origin", origin);
    }
    request.send().await.expect("an answer")
}

// ---------------------------------------------------------------------------------------------
// (a) Every route for every role.

#[tokio::test]
async fn every_route_answers_each_role_as_the_permission_table_says() {
    let s = targets().await;
    let app = &s.app;
    let x = extra(&s).await;
    let doors = doors(&s, &x);

    let mut clients: Vec<(Role, Client)> =
        vec![(Role::Admin, s.admin.clone()), (Role::Technician, s.tech.clone())];
    for role in [Role::Manager, Role::Advisor, Role::Cashier, Role::Parts] {
        let name = format!("{}1", role.code());
        clients.push((role, app.user_with_roles(&s.admin, &name, &[role.code()]).await));
    }
    // The walker signs each client out at the end; the admin needs a session after the walk.
    let admin = app.admin_again().await;

    let mut problems = Vec::new();
    let (mut checked, mut allowed, mut denied) = (0, 0, 0);
    for (role, c) in &clients {
        let roles = Roles::of(&[*role]);
        let token = app.csrf(c, "/").await;
        for door in &doors {
            let may = door.access.allows(roles);
            // Who may gets an empty form (nothing to store); who may not gets a valid one.
            let fields = if may { vec![] } else { door.form.clone() };
            let before = app.fingerprint().await;
            let response = knock(app, c, door, &fields, Some(&token), None).await;
            let status = response.status();
            let to = location(&response);
            let stored = app.fingerprint().await != before;
            checked += 1;
            let note = if door.note.is_empty() { String::new() } else { format!("; {}", door.note) };
            let what = format!("{role:?} {:?} {} ({:?}{note})", door.method, door.path, door.access);
            if status.is_server_error() {
                problems.push(format!("{what}: {status}"));
            } else if may {
                allowed += 1;
                // (Signing out also ends at `/login`, with a notice rather than `next`.)
                let refused = status == StatusCode::FORBIDDEN
                    || status == door.denied
                    || to.starts_with("/login?next=")
                    || to.starts_with("/account/password");
                if refused {
                    problems.push(format!("{what}: refused with {status} {to}, but the table allows it"));
                }
            } else {
                denied += 1;
                if status != door.denied {
                    problems
                        .push(format!("{what}: {status} {to}, but the table forbids it ({})", door.denied));
                }
                if stored {
                    problems.push(format!("{what}: refused, yet something was stored"));
                }
            }
        }
    }

    // Access that also depends on the record (noted in the table): a technician who does not
    // work on the order may read its phone page, but not move it or clock its lines.
    let other = app.user_with_roles(&admin, "tech2", &["technician"]).await;
    let before = app.fingerprint().await;
    let (status, _) = app.get_text(&other, &format!("/t/{}?floor=1", s.token)).await;
    assert_eq!(status, StatusCode::OK, "any technician may read an order's phone page");
    let response =
        app.post_form(&other, "/", &format!("/orders/{}/status", s.order), &[("to", "quality_check")]).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN, "not their order");
    let response =
        app.post_form(&other, "/", &format!("/t/{}/lines/1", s.token), &[("action", "finish")]).await;
    assert!(response.status().is_client_error(), "not their line: {}", response.status());
    assert_eq!(app.fingerprint().await, before, "nothing changed for a technician off the order");

    eprintln!(
        "roles × routes: {} roles × {} routes = {checked} checked ({allowed} allowed, {denied} refused)",
        clients.len(),
        doors.len()
    );
    assert!(
        problems.is_empty(),
        "{} mismatches with the permission table:\n{}",
        problems.len(),
        problems.join("\n")
    );
    assert!(allowed > 0 && denied > 0);
}

#[tokio::test]
async fn signed_out_visitors_are_sent_to_sign_in_from_every_private_route() {
    let s = targets().await;
    let app = &s.app;
    let x = extra(&s).await;
    let before = app.fingerprint().await;
    let mut problems = Vec::new();
    let mut checked = 0;
    for door in doors(&s, &x).iter().filter(|d| !matches!(d.access, Access::Public)) {
        // A new visitor each time, with whatever a form would carry.
        let visitor = client();
        let response =
            knock(app, &visitor, door, &door.form, Some("0123456789abcdef0123456789abcdef"), None).await;
        checked += 1;
        let (status, to) = (response.status(), location(&response));
        if status != StatusCode::SEE_OTHER || !to.starts_with("/login") {
            problems.push(format!("{:?} {}: {status} {to}", door.method, door.path));
        }
    }
    eprintln!("signed out: {checked} private routes checked");
    assert!(problems.is_empty(), "not sent to sign in:\n{}", problems.join("\n"));
    assert_eq!(app.fingerprint().await, before, "signed-out requests changed nothing");
}

/// A locked kiosk session: every route but the lock screen's own (and signing out, static
/// files, the health check) answers with the lock screen, a 303 for a plain request and
/// `HX-Redirect` for htmx, with no page in the answer and nothing stored; a PIN opens it.
#[tokio::test]
async fn a_locked_kiosk_session_gets_the_lock_screen_from_every_route() {
    use crate::kiosk_lock::{kiosk_pair, lock, mark_kiosk, set_pin, unlock};
    let s = targets().await;
    let app = &s.app;
    let x = extra(&s).await;
    let key = mark_kiosk(app, &s.admin).await;
    let (kiosk, kiosk_htmx) = kiosk_pair(app, &key);
    assert_eq!(app.login(&kiosk, "admin", ADMIN_PASSWORD).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(set_pin(app, &kiosk, ADMIN_PASSWORD, "60317").await.status(), StatusCode::SEE_OTHER);
    let admin_id = app.user_id(&kiosk, "admin").await;
    assert_eq!(location(&lock(app, &kiosk, &format!("/customers/{}", s.customer)).await), "/kiosk/locked");
    let token = app.csrf(&kiosk, "/kiosk/locked").await;

    let before = app.fingerprint().await;
    let open = |path: &str| {
        path == "/healthz"
            || path.starts_with("/static/")
            || path == "/logout"
            || path == "/kiosk/locked"
            || path == "/kiosk/unlock"
    };
    let mut problems = Vec::new();
    let mut checked = 0;
    for door in doors(&s, &x).iter().filter(|d| !open(&d.path)) {
        for (how, c) in [("plain", &kiosk), ("htmx", &kiosk_htmx)] {
            let response = knock(app, c, door, &door.form, Some(&token), None).await;
            checked += 1;
            let (status, to) = (response.status(), location(&response));
            let hx = response.headers().get("hx-redirect").map(|v| v.to_str().unwrap().to_string());
            let body = response.text().await.unwrap();
            let held = match how {
                "plain" => status == StatusCode::SEE_OTHER && to == "/kiosk/locked",
                _ => hx.as_deref() == Some("/kiosk/locked"),
            };
            if !held || !body.is_empty() {
                problems.push(format!(
                    "{how} {:?} {}: {status} {to} {hx:?} ({} bytes)",
                    door.method,
                    door.path,
                    body.len()
                ));
            }
        }
    }
    eprintln!("locked kiosk: {checked} requests, every one held: {}", problems.is_empty());
    assert!(problems.is_empty(), "not held by the lock:\n{}", problems.join("\n"));
    assert_eq!(app.fingerprint().await, before, "nothing sent to a locked kiosk was stored");

    // The PIN opens it, back on the customer's page.
    let response = unlock(app, &kiosk, admin_id, "60317").await;
    assert_eq!(location(&response), format!("/customers/{}", s.customer));
    assert_eq!(app.get(&kiosk, &format!("/customers/{}", s.customer)).await.status(), StatusCode::OK);
}

// ---------------------------------------------------------------------------------------------
// (b) A burst of wrong passwords.

/// The policy in `src/web/auth.rs` (`Throttle`): an address is slowed after 5 failures, an
/// account after 20 from all addresses together; each further failure doubles the wait (from
/// 1 s, up to 15 minutes); refused tries are neither checked nor counted; a correct password
/// clears only its own address. So of a burst of 200 wrong passwords from four addresses, 20
/// are checked (5 per address) and the rest refused; while the account is locked, the right
/// password from a fresh address is refused too, and once the wait is over it gets in.
#[tokio::test]
async fn a_burst_of_wrong_passwords_from_several_addresses_locks_the_account() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    app.user_with_roles(&admin, "cashier1", &["cashier"]).await;
    let before = app.fingerprint().await;

    let addresses = ["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"];
    let mut attackers = Vec::new();
    for ip in addresses {
        let c = client_from(ip);
        let token = app.csrf(&c, "/login").await;
        attackers.push((ip, c, token));
    }
    // The desk's login form, fetched now so that its try below is quick.
    let desk = client_from("127.0.0.6");
    let desk_token = app.csrf(&desk, "/login").await;
    // Addresses already answered 429: once all four are, 20 tries have been counted.
    let slowed = std::sync::Arc::new(std::sync::Mutex::new(std::collections::HashSet::new()));
    let tries: Vec<_> = (0..200)
        .map(|i| {
            let (ip, c, token) = attackers[i % addresses.len()].clone();
            let (url, slowed) = (app.url("/login"), slowed.clone());
            tokio::spawn(async move {
                let guess = format!("wrong-guess-{i}");
                let fields =
                    [("username", "cashier1"), ("password", guess.as_str()), ("csrf", token.as_str())];
                let response = c.post(url).form(&fields).send().await.expect("an answer");
                let status = response.status();
                if status == StatusCode::TOO_MANY_REQUESTS {
                    slowed.lock().unwrap().insert(ip);
                }
                (status, response.text().await.unwrap().contains("登录失败次数过多"))
            })
        })
        .collect();
    for _ in 0..2000 {
        if slowed.lock().unwrap().len() == addresses.len() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }

    // The right password, from an address that has not failed, while the account is locked.
    let fields = [("username", "cashier1"), ("password", "cashier1-password"), ("csrf", desk_token.as_str())];
    let response = desk.post(app.url("/login")).form(&fields).send().await.unwrap();
    let during = response.status();
    let retry: u64 =
        response.headers().get("retry-after").and_then(|v| v.to_str().ok()?.parse().ok()).unwrap_or_default();
    let mut answers = Vec::new();
    for task in tries {
        answers.push(task.await.unwrap());
    }
    let count = |s: StatusCode| answers.iter().filter(|(status, _)| *status == s).count();
    let (throttled, wrong) = (count(StatusCode::TOO_MANY_REQUESTS), count(StatusCode::UNAUTHORIZED));
    let errors = answers.iter().filter(|(s, _)| s.is_server_error()).count();
    let said = answers.iter().filter(|(s, msg)| *s == StatusCode::TOO_MANY_REQUESTS && *msg).count();
    assert_eq!(app.fingerprint().await, before, "failed sign-ins store nothing");

    // Once the wait is over, the patient get in.
    tokio::time::sleep(std::time::Duration::from_millis(retry * 1000 + 300)).await;
    let after = app.login(&desk, "cashier1", "cashier1-password").await.status();

    eprintln!(
        "throttle: 200 wrong passwords from {} addresses at once: {throttled} × 429 ({said} saying so), \
         {wrong} × 401, {errors} × 5xx; the right password from a fresh address during the lockout: \
         {during} (Retry-After {retry} s), after it: {after}",
        addresses.len()
    );
    assert_eq!(errors, 0, "no server errors");
    assert_eq!(throttled + wrong, 200, "every try refused");
    assert_eq!(said, throttled, "each 429 says why");
    // 20 by the policy; a few more only if the burst outlasts the first, doubling waits.
    assert!(wrong <= 24, "at most about 20 passwords were checked before the lockout, not {wrong}");
    assert!(throttled >= 176, "most were refused unchecked: {throttled}");
    assert_eq!(during, StatusCode::TOO_MANY_REQUESTS, "the account is locked for every address");
    assert!((1..=15 * 60).contains(&retry), "with a Retry-After: {retry}");
    assert_eq!(after, StatusCode::SEE_OTHER, "signed in once the wait is over");
}

// ---------------------------------------------------------------------------------------------
// (c) Sessions, cookies and forged requests.

/// The `name=value` of a `Set-Cookie` for `name`, and the whole header.
fn set_cookie(response: &reqwest::Response, name: &str) -> Option<(String, String)> {
    response.headers().get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()).find_map(|c| {
        let pair = c.split(';').next()?.trim();
        pair.strip_prefix(&format!("{name}=")).map(|value| (value.to_string(), c.to_string()))
    })
}

/// A client that keeps no cookies: the test sends them by hand.
fn bare() -> Client {
    Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

#[tokio::test]
async fn a_session_id_planted_before_sign_in_is_never_adopted() {
    let app = spawn_app().await;
    app.admin().await;
    let planted = "0123456789abcdef0123456789abcdef";
    let c = bare();
    let response =
        c.get(app.url("/login")).header("cookie", format!("wd_session={planted}")).send().await.unwrap();
    let (pre, _) = set_cookie(&response, "wd_pre").expect("a login form token");
    let html = response.text().await.unwrap();
    let form_token = csrf_in(&html).unwrap();
    assert_eq!(form_token, pre, "the form's token is the cookie's");

    let cookies = format!("wd_session={planted}; wd_pre={pre}");
    let fields = [("username", "admin"), ("password", ADMIN_PASSWORD), ("csrf", pre.as_str())];
    let response = c.post(app.url("/login")).header("cookie", &cookies).form(&fields).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (session, _) = set_cookie(&response, "wd_session").expect("a session cookie");
    assert_ne!(session, planted, "the server makes its own id");
    let (cleared, header) = set_cookie(&response, "wd_pre").expect("the login token is dropped");
    assert!(cleared.is_empty() && header.contains("Max-Age=0"), "{header}");

    // The planted id opens nothing; the new one does, with a CSRF token that is not the
    // login form's.
    let response =
        c.get(app.url("/")).header("cookie", format!("wd_session={planted}")).send().await.unwrap();
    assert!(location(&response).starts_with("/login"), "the planted id is not a session");
    let response =
        c.get(app.url("/")).header("cookie", format!("wd_session={session}")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let token = csrf_in(&response.text().await.unwrap()).unwrap();
    assert_ne!(token, pre, "the session's CSRF token is new");
}

/// Signs in by hand (no cookie store); returns the session id.
async fn sign_in_by_hand(app: &TestApp, username: &str, password: &str) -> String {
    let c = bare();
    let response = c.get(app.url("/login")).send().await.unwrap();
    let (pre, _) = set_cookie(&response, "wd_pre").expect("a login form token");
    let fields = [("username", username), ("password", password), ("csrf", pre.as_str())];
    let response = c
        .post(app.url("/login"))
        .header("cookie", format!("wd_pre={pre}"))
        .form(&fields)
        .send()
        .await
        .unwrap();
    set_cookie(&response, "wd_session").expect("a session cookie").0
}

#[tokio::test]
async fn signing_out_ends_that_session_and_its_token_but_not_the_other_devices() {
    let app = spawn_app().await;
    let desk = app.admin().await;
    let session = format!("wd_session={}", sign_in_by_hand(&app, "admin", ADMIN_PASSWORD).await);
    let response = bare().get(app.url("/")).header("cookie", &session).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let csrf = csrf_in(&response.text().await.unwrap()).unwrap();

    let response = bare()
        .post(app.url("/logout"))
        .header("cookie", &session)
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&response), "/login?notice=logged_out");
    let (value, header) = set_cookie(&response, "wd_session").expect("the cookie is cleared");
    assert!(value.is_empty(), "{header}");
    for flag in ["Max-Age=0", "HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(header.contains(flag), "{header} lacks {flag}");
    }

    // The old cookie with its old token changes nothing, and signing out again does nothing.
    let before = app.fingerprint().await;
    let fields = [("kind", "person"), ("name", "重放"), ("phone", "13600000000"), ("csrf", csrf.as_str())];
    let response =
        bare().post(app.url("/customers")).header("cookie", &session).form(&fields).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(location(&response).starts_with("/login"), "sent to sign in");
    assert_eq!(app.fingerprint().await, before, "nothing stored");

    // The other device is still signed in.
    assert_eq!(app.get(&desk, "/").await.status(), StatusCode::OK);
    let (status, _) = app.get_text(&desk, "/customers").await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn every_cookie_is_http_only_strict_and_secure_behind_https() {
    let app = spawn_app().await;
    app.admin().await;
    for https in [false, true] {
        let proto = if https { "https" } else { "http" };
        let c = bare();
        let response = c.get(app.url("/login")).header("x-forwarded-proto", proto).send().await.unwrap();
        let (pre, header) = set_cookie(&response, "wd_pre").expect("a login form token");
        for flag in ["HttpOnly", "SameSite=Strict", "Path=/"] {
            assert!(header.contains(flag), "{header} lacks {flag}");
        }
        assert_eq!(header.contains("Secure"), https, "{header}");

        let fields = [("username", "admin"), ("password", ADMIN_PASSWORD), ("csrf", pre.as_str())];
        let response = c
            .post(app.url("/login"))
            .header("x-forwarded-proto", proto)
            .header("cookie", format!("wd_pre={pre}"))
            .form(&fields)
            .send()
            .await
            .unwrap();
        let (_, header) = set_cookie(&response, "wd_session").expect("a session cookie");
        for flag in ["HttpOnly", "SameSite=Strict", "Path=/"] {
            assert!(header.contains(flag), "{header} lacks {flag}");
        }
        assert_eq!(header.contains("Secure"), https, "{header}");

        let response =
            c.get(app.url("/lang/en?next=/")).header("x-forwarded-proto", proto).send().await.unwrap();
        let (lang, header) = set_cookie(&response, "wd_lang").expect("a language cookie");
        assert_eq!(lang, "en");
        for flag in ["SameSite=Strict", "Path=/"] {
            assert!(header.contains(flag), "{header} lacks {flag}");
        }
        assert_eq!(header.contains("Secure"), https, "{header}");
    }
}

/// Every state-changing route refuses a request that did not come from its own page: no token,
/// another session's token, or the right token from another origin; and such a request stores
/// nothing.
#[tokio::test]
async fn no_state_changing_route_accepts_a_forged_request() {
    let s = targets().await;
    let app = &s.app;
    let x = extra(&s).await;
    let desk_token = app.csrf(&s.admin, "/").await;
    let floor_token = app.csrf(&s.tech, "/").await;
    let own = app.base.clone();
    let other_port = format!("http://127.0.0.1:{}", app.addr.port().wrapping_add(1));
    let mut problems = Vec::new();
    let mut checked = 0;
    for door in doors(&s, &x).iter().filter(|d| d.method != Method::Get) {
        let on_floor = door.path.starts_with("/t/");
        let (c, token, others) = if on_floor {
            (&s.tech, &floor_token, &desk_token)
        } else {
            (&s.admin, &desk_token, &floor_token)
        };
        let forgeries: [(&str, Option<&str>, Option<&str>); 6] = [
            ("no token", None, None),
            ("no token, own origin", None, Some(own.as_str())),
            ("another session's token", Some(others.as_str()), None),
            ("a made-up token", Some("0123456789abcdef0123456789abcdef"), None),
            ("a foreign origin", Some(token.as_str()), Some("http://evil.example")),
            ("a null origin", Some(token.as_str()), Some("null")),
        ];
        let with_port = [("another port", Some(token.as_str()), Some(other_port.as_str()))];
        // A form with no fields still has a body, as a browser sends it.
        let form = if door.form.is_empty() { vec![("note", "x".to_string())] } else { door.form.clone() };
        for (what, token, origin) in forgeries.iter().chain(&with_port) {
            let before = app.fingerprint().await;
            let response = knock(app, c, door, &form, *token, *origin).await;
            checked += 1;
            let status = response.status();
            if status != StatusCode::FORBIDDEN {
                problems.push(format!("POST {} with {what}: {status}", door.path));
            }
            if app.fingerprint().await != before {
                problems.push(format!("POST {} with {what}: stored something", door.path));
            }
        }
    }
    eprintln!("forged requests: {checked} sent, all refused: {}", problems.is_empty());
    assert!(problems.is_empty(), "forged requests accepted:\n{}", problems.join("\n"));
    // The same forms with the right token from the page's own origin are accepted (the refusals
    // above were about the forgery, not the form).
    let response = s
        .admin
        .post(app.url(&format!("/customers/{}/contacts", s.customer)))
        .header("origin", own)
        .form(&[("kind", "call"), ("summary", "回访"), ("csrf", desk_token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
}
