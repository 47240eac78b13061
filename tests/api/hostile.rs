//! A hostile-input sweep: every state-changing route of the app, aimed at real records, gets a
//! battery of empty, truncated, badly encoded, mistyped, oversized, random, wrongly encoded and
//! script-carrying bodies.
//!
//! What must hold: no answer is a 5xx; a body that is not a valid form stores nothing (the
//! store's fingerprint is the same afterwards); a body without the CSRF token is refused with
//! 403; an oversized form gets 413; every redirect stays on this server; and a script probe
//! that is stored shows up as inert text on every page that shows it, never as markup.

use std::fmt::Write as _;

use reqwest::{Client, StatusCode};

use crate::customers::{create_customer, create_vehicle, id_in};
use crate::fixtures::{attr, open_order};
use crate::helpers::*;

// ---------------------------------------------------------------------------------------------
// The records every route is aimed at (also used by `security.rs`).

/// A shop with one of every record a route acts on, each made through the forms.
pub(crate) struct Targets {
    pub app: TestApp,
    pub admin: Client,
    pub tech: Client,
    pub tech_id: u64,
    pub customer: u64,
    /// A second customer, to transfer a vehicle to.
    pub customer2: u64,
    pub vehicle: u64,
    /// The order the actions are aimed at: a labour line (1) for the technician, a part (2) and
    /// a fee (3), all waiting for the customer's approval, and a parts request from the floor.
    pub order: u64,
    pub token: String,
    pub request: u32,
    /// The car and order of the actions that act whatever the body says (remove a line,
    /// reprint the QR), so they do not disturb `order`.
    pub spare_vehicle: u64,
    pub spare_order: u64,
    pub template: u64,
    /// A user the admin edits.
    pub victim: u64,
    /// A backup on the box.
    pub backup: String,
}

/// Adds a line through the order page's form (the fixtures' `add_line`, which must succeed).
async fn add_line(app: &TestApp, c: &Client, order: u64, fields: &[(&str, &str)]) {
    let response = crate::fixtures::add_line(app, c, order, fields).await;
    assert_eq!(location(&response), format!("/orders/{order}?notice=lines"), "line added: {fields:?}");
}

/// The first number after `marker` in `html`.
pub(crate) fn number_after(html: &str, marker: &str) -> u64 {
    let at = html.find(marker).unwrap_or_else(|| panic!("{marker} in the page")) + marker.len();
    html[at..].chars().take_while(char::is_ascii_digit).collect::<String>().parse().unwrap()
}

pub(crate) async fn targets() -> Targets {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let tech = app.user_with_roles(&admin, "tech1", &["technician"]).await;
    let tech_id = app.user_id(&admin, "tech1").await;
    app.user_with_roles(&admin, "victim", &["cashier"]).await;
    let victim = app.user_id(&admin, "victim").await;

    let customer = create_customer(&app, &admin, "张伟", "13800138000").await;
    let customer2 = create_customer(&app, &admin, "李娜", "13900139000").await;
    let response = create_vehicle(&app, &admin, customer, "京A12345").await;
    let vehicle = id_in(&location(&response), "/vehicles/");
    let response = create_vehicle(&app, &admin, customer, "京A54321").await;
    let spare_vehicle = id_in(&location(&response), "/vehicles/");

    let order = open_order(&app, &admin, vehicle).await;
    let tech_field = tech_id.to_string();
    add_line(
        &app,
        &admin,
        order,
        &[("kind", "labor"), ("description", "更换刹车片"), ("hours", "1"), ("technician_id", &tech_field)],
    )
    .await;
    add_line(
        &app,
        &admin,
        order,
        &[("kind", "part"), ("description", "刹车片"), ("qty", "1"), ("unit_price", "58")],
    )
    .await;
    add_line(&app, &admin, order, &[("kind", "fee"), ("description", "环保费"), ("unit_price", "10")]).await;
    let spare_order = open_order(&app, &admin, spare_vehicle).await;
    add_line(&app, &admin, spare_order, &[("kind", "fee"), ("description", "洗车"), ("unit_price", "20")])
        .await;

    let (_, page) = app.get_text(&admin, &format!("/orders/{order}")).await;
    let token = attr(&page, "href=\"/t/");
    let token = token.strip_suffix("?floor=1").expect("the order page links its phone page").to_string();
    let response = app
        .post_form(&tech, "/", &format!("/t/{token}/parts"), &[("part_text", "刹车油"), ("part_qty", "1")])
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "parts request sent");
    let (_, page) = app.get_text(&admin, &format!("/orders/{order}")).await;
    let request = number_after(&page, &format!("action=\"/orders/{order}/requests/")) as u32;

    let fields = [
        ("name", "小保养"),
        ("kind_0", "part"),
        ("description_0", "机油"),
        ("qty_0", "4"),
        ("unit_price_0", "58"),
    ];
    let response = app.post_form(&admin, "/templates/new", "/templates", &fields).await;
    assert_eq!(location(&response), "/templates", "template saved");
    let (_, page) = app.get_text(&admin, "/templates").await;
    let template = number_after(&page, "<td><a href=\"/templates/");

    let response = app.post_form(&admin, "/admin/backups", "/admin/backups", &[]).await;
    let made = location(&response);
    let backup = form_urlencoded::parse(made.split_once('?').expect("a backup name").1.as_bytes())
        .find(|(k, _)| k == "made")
        .expect("made=")
        .1
        .into_owned();

    Targets {
        app,
        admin,
        tech,
        tech_id,
        customer,
        customer2,
        vehicle,
        order,
        token,
        request,
        spare_vehicle,
        spare_order,
        template,
        victim,
        backup,
    }
}

// ---------------------------------------------------------------------------------------------
// The route table.

/// How the sweep treats one field of a form.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Sweep {
    /// Free text that a page shows once stored: gets the script probes.
    Shown,
    /// Free text that is stored but not necessarily shown (passwords, reasons): gets the probes.
    Quiet,
    /// A number, date, money amount or choice: gets the wrongly typed values.
    Typed,
    /// Checked text (phones, plates, e-mail): gets both.
    Both,
    /// Sent as given, never swept (confirmation flags, hidden fields).
    Fixed,
    /// A version: read from the route's `fresh` page before each body, and wrongly typed too.
    Fresh,
}

impl Sweep {
    fn probed(self) -> bool {
        matches!(self, Sweep::Shown | Sweep::Quiet | Sweep::Both)
    }

    fn typed(self) -> bool {
        matches!(self, Sweep::Typed | Sweep::Both | Sweep::Fresh)
    }
}

/// What a route stores.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Effect {
    /// A valid form, and nothing else.
    Form,
    /// Nothing, whatever the body (logout ends only a session; a backup or a refused delete
    /// changes no business table).
    Never,
    /// It acts on any body with the token: it reads no fields (remove a line, reprint).
    Always,
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Who {
    Desk,
    Floor,
    /// A session of its own, for `/logout`.
    Leaving,
}

struct Route {
    path: String,
    who: Who,
    multipart: bool,
    /// The fields of a valid form. In values, `#` becomes a number unique to the body (plates,
    /// usernames) and `¤` is where a probe goes (elsewhere a probe replaces the whole value).
    fields: Vec<(&'static str, String, Sweep)>,
    /// The page whose hidden inputs give the `Fresh` fields their current values.
    fresh: Option<String>,
    effect: Effect,
    /// Pages that show what this route stores, looked at after each stored probe.
    shown_on: Vec<String>,
}

fn route(path: impl Into<String>, fields: &[(&'static str, &str, Sweep)]) -> Route {
    Route {
        path: path.into(),
        who: Who::Desk,
        multipart: false,
        fields: fields.iter().map(|(k, v, s)| (*k, v.to_string(), *s)).collect(),
        fresh: None,
        effect: Effect::Form,
        shown_on: vec![],
    }
}

impl Route {
    fn floor(mut self) -> Self {
        self.who = Who::Floor;
        self
    }

    fn multipart(mut self) -> Self {
        self.multipart = true;
        self
    }

    fn fresh(mut self, page: impl Into<String>) -> Self {
        self.fresh = Some(page.into());
        self
    }

    fn effect(mut self, effect: Effect) -> Self {
        self.effect = effect;
        self
    }

    fn shown_on(mut self, pages: &[&str]) -> Self {
        self.shown_on = pages.iter().map(|p| p.to_string()).collect();
        self
    }
}

type Fields<'a> = Vec<(&'static str, &'a str, Sweep)>;

fn customer_fields<'a>(name: &'a str, phone: &'a str) -> Fields<'a> {
    use Sweep::*;
    vec![
        ("kind", "person", Typed),
        ("name", name, Shown),
        ("gender", "", Typed),
        ("phone", phone, Both),
        ("phone2", "", Both),
        ("email", "", Both),
        ("address", "", Shown),
        ("source", "", Typed),
        ("level", "", Typed),
        ("birthday", "", Typed),
        ("notes", "", Shown),
        ("contact_person", "", Quiet),
        ("tax_no", "", Both),
        ("confirm_phone", "1", Fixed),
    ]
}

fn vehicle_fields(plate: &str) -> Fields<'_> {
    use Sweep::*;
    vec![
        ("plate", plate, Shown),
        ("vin", "", Typed),
        ("make", "大众", Shown),
        ("model", "朗逸", Shown),
        ("year", "2018", Typed),
        ("color", "", Shown),
        ("engine_no", "", Quiet),
        ("mileage", "52000", Typed),
        ("insurer", "", Shown),
        ("policy_no", "", Quiet),
        ("insurance_expiry", "", Typed),
        ("inspection_due", "", Typed),
        ("next_service_date", "", Typed),
        ("next_service_km", "", Typed),
        ("notes", "", Shown),
    ]
}

fn with<'a>(mut fields: Fields<'a>, more: &[(&'static str, &'a str, Sweep)]) -> Fields<'a> {
    fields.extend_from_slice(more);
    fields
}

/// Every state-changing route of the app (see the `routes()` of each `src/web/*.rs`), aimed at
/// the shop's records, in the order the sweep sends them: the ones that act whatever the body
/// says come last. `/admin/backups/restore/{name}` is here only with bodies that never confirm.
fn routes(s: &Targets) -> Vec<Route> {
    use Sweep::*;
    let (c, v, v2, o, o2) = (s.customer, s.vehicle, s.spare_vehicle, s.order, s.spare_order);
    let (tech, victim, t, tpl) = (s.tech_id.to_string(), s.victim, &s.token, s.template);
    let (c2, v_) = (s.customer2.to_string(), v.to_string());
    let tomorrow = (chrono::Utc::now().with_timezone(&chrono_tz::Asia::Shanghai).date_naive()
        + chrono::Duration::days(1))
    .to_string();
    let order_page = format!("/orders/{o}");
    let customer_page = format!("/customers/{c}");
    let settings = [
        ("shop_name", "wrenchdesk", Shown),
        ("shop_address", "", Shown),
        ("shop_phone", "", Shown),
        ("default_lang", "zh", Typed),
        ("time_zone", "Asia/Shanghai", Both),
        ("public_base_url", "", Both),
        ("customer_sources", "walk_in\nreferral\nonline\ninsurer\nfleet\nother", Shown),
        ("customer_levels", "ordinary\nsilver\ngold\nvip", Shown),
        ("labour_rate", "120", Typed),
        ("order_number_format", "{date}-{seq}", Both),
        ("backup_time", "02:00", Typed),
        ("backup_keep", "14", Typed),
        ("password_min_len", "10", Typed),
        ("session_idle_minutes", "120", Typed),
        ("session_absolute_hours", "12", Typed),
        ("technician_session_hours", "12", Typed),
    ];
    let template = [
        ("name", "¤套餐", Shown),
        ("kind_0", "part", Typed),
        ("description_0", "机油", Shown),
        ("qty_0", "4", Typed),
        ("unit_price_0", "58", Typed),
        ("kind_1", "labor", Typed),
        ("description_1", "更换机油", Shown),
        ("qty_1", "0.5", Typed),
        ("unit_price_1", "", Typed),
    ];
    vec![
        // Accounts.
        route(
            "/account/password",
            &[
                ("current_password", "not-my-password", Quiet),
                ("new_password", "a-new-long-password", Quiet),
                ("confirm_password", "a-new-long-password", Quiet),
            ],
        ),
        route("/account/lang", &[("lang", "zh", Typed), ("next", "/", Quiet)]),
        // The kiosk PIN: with a wrong current password, never stored.
        route(
            "/account/pin",
            &[
                ("action", "set", Typed),
                ("password", "not-my-password", Quiet),
                ("pin", "86420", Typed),
                ("confirm_pin", "86420", Typed),
            ],
        )
        .effect(Effect::Never),
        // Administration.
        route(
            "/admin/users",
            &[
                ("username", "probe#", Shown),
                ("display_name", "探针", Shown),
                ("password", "probe-password", Quiet),
                ("roles", "cashier", Typed),
            ],
        )
        .shown_on(&["/admin/users"]),
        route(
            format!("/admin/users/{victim}/roles"),
            &[("version", "", Fresh), ("display_name", "受害者", Shown), ("roles", "cashier", Typed)],
        )
        .fresh(format!("/admin/users/{victim}"))
        .shown_on(&["/admin/users", &format!("/admin/users/{victim}")]),
        route(format!("/admin/users/{victim}/password"), &[("password", "victim-new-password", Quiet)]),
        route(format!("/admin/users/{victim}/active"), &[("active", "true", Typed)]),
        route("/admin/settings", &settings).shown_on(&[
            "/admin/settings",
            "/customers/new",
            &format!("/orders/{o}/print"),
        ]),
        route("/admin/backups", &[]).effect(Effect::Never),
        route(format!("/admin/backups/restore/{}", s.backup), &[("confirm", "0", Typed)]),
        // Customers and their import.
        route("/customers/import", &[("file", "name,phone,plate,notes\n¤,13700000001,京D#,备注\n", Shown)])
            .multipart()
            .effect(Effect::Never),
        route("/customers/import/confirm", &[("token", "0123456789abcdef0123456789abcdef", Typed)]),
        // The parts catalog's import.
        route("/parts/import", &[("file", "number,name,unit,price\n¤,机油,piece,1\n", Shown)])
            .multipart()
            .effect(Effect::Never),
        route("/parts/import/confirm", &[("token", "0123456789abcdef0123456789abcdef", Typed)]),
        route("/customers", &customer_fields("¤", "139000#")).shown_on(&["/customers?status=any"]),
        route(
            format!("/customers/{c}"),
            &with(customer_fields("张伟", "13800138000"), &[("version", "", Fresh)]),
        )
        .fresh(format!("/customers/{c}/edit"))
        .shown_on(&[&customer_page, "/board", &order_page]),
        route(format!("/customers/{c}/status"), &[("status", "active", Typed)]),
        route(format!("/customers/{c}/contacts"), &[("kind", "call", Typed), ("summary", "¤", Shown)])
            .shown_on(&[&customer_page]),
        route(format!("/customers/{c}/delete"), &[]).effect(Effect::Never),
        // Vehicles and the kiosk.
        route("/vehicles", &with(vehicle_fields("京B#"), &[("customer_id", &c2, Typed)])),
        route(format!("/vehicles/{v}"), &with(vehicle_fields("京A12345"), &[("version", "", Fresh)]))
            .fresh(format!("/vehicles/{v}/edit"))
            .shown_on(&[&format!("/vehicles/{v}"), "/board", &order_page]),
        route(format!("/vehicles/{v2}/transfer"), &[("customer_id", &c2, Typed), ("version", "", Fresh)])
            .fresh(format!("/vehicles/{v2}/edit")),
        // The kiosk's form takes only these of the customer's fields.
        route(
            "/lookup/new",
            &with(
                vehicle_fields("京C#"),
                &[
                    ("kind", "person", Typed),
                    ("name", "¤", Shown),
                    ("phone", "137000#", Both),
                    ("confirm_phone", "1", Fixed),
                ],
            ),
        )
        .shown_on(&["/customers?status=any"]),
        // Appointments (overbooking confirmed: every stored probe is another booking).
        route(
            "/appointments",
            &[
                ("vehicle_id", &v_, Fixed),
                ("start", &format!("{tomorrow}T10:00"), Typed),
                ("minutes", "60", Typed),
                ("work", "¤保养", Shown),
                ("bay", "1号位", Typed),
                ("notes", "¤", Shown),
                ("overbook", "1", Fixed),
            ],
        )
        .shown_on(&[&format!("/appointments?day={tomorrow}"), &format!("/vehicles/{v}")]),
        route(
            "/appointments",
            &[
                ("name", "¤", Shown),
                ("phone", "137100#", Both),
                ("plate", "京D#", Shown),
                ("start", &format!("{tomorrow}T11:00"), Typed),
                ("minutes", "30", Typed),
                ("work", "检查", Shown),
                ("overbook", "1", Fixed),
            ],
        )
        .shown_on(&[&format!("/appointments?day={tomorrow}&view=week")]),
        // Work orders.
        route(
            format!("/orders/{o}/approvals"),
            &[
                ("estimate_version", "", Fresh),
                ("method", "in_person", Typed),
                ("approver", "张伟", Shown),
                ("decision_1", "approved", Typed),
                ("decision_2", "approved", Typed),
                ("decision_3", "declined", Typed),
                ("signature", "10,10 20,20 30,30 40,40 50,50", Typed),
                ("note", "", Shown),
            ],
        )
        .fresh(&order_page)
        .shown_on(&[&order_page]),
        route(format!("/orders/{o}/diagnosis"), &[("text", "¤", Shown)])
            .shown_on(&[&order_page, &format!("/t/{t}")]),
        route(
            format!("/orders/{o}/reception"),
            &[
                ("version", "", Fresh),
                ("fuel", "2", Typed),
                ("complaint", "刹车异响¤", Shown),
                ("items_left", "", Shown),
                ("promised_at", "", Typed),
                ("advisor_id", "", Typed),
            ],
        )
        .fresh(format!("/orders/{o}/reception"))
        .shown_on(&[&order_page]),
        route(
            format!("/orders/{o}/lines/1"),
            &[
                ("kind", "labor", Typed),
                ("description", "更换刹车片¤", Shown),
                ("hours", "1", Typed),
                ("unit_price", "", Typed),
                ("technician_id", &tech, Typed),
                ("part_id", "", Typed),
            ],
        )
        .shown_on(&[&order_page, &format!("/t/{t}")]),
        route(
            format!("/orders/{o}/lines"),
            &[
                ("kind", "part", Typed),
                ("description", "¤", Shown),
                ("qty", "1", Typed),
                ("unit_price", "12.5", Typed),
                ("part_id", "", Typed),
            ],
        )
        .shown_on(&[&order_page]),
        route(format!("/orders/{o}/templates"), &[("template_id", &tpl.to_string(), Typed)]),
        route(
            format!("/orders/{o}/requests/{}", s.request),
            &[("decision", "add", Typed), ("unit_price", "30", Typed), ("back", "", Fixed)],
        ),
        route(format!("/orders/{o}/status"), &[("to", "in_progress", Typed), ("reason", "", Quiet)]),
        route(
            "/orders",
            &[
                ("vehicle_id", &v_, Typed),
                ("mileage", "", Typed),
                ("fuel", "", Typed),
                ("complaint", "¤", Shown),
                ("items_left", "", Shown),
                ("promised_at", "", Typed),
                ("advisor_id", "", Typed),
                ("confirm_second", "1", Fixed),
            ],
        ),
        // Service templates.
        route("/templates", &template).shown_on(&["/templates"]),
        route(
            format!("/templates/{tpl}"),
            &[template.as_slice(), &[("version", "", Fresh), ("active", "1", Fixed)]].concat(),
        )
        .fresh(format!("/templates/{tpl}"))
        .shown_on(&["/templates", &format!("/templates/{tpl}")]),
        // The technician's phone (a reason goes with `pause` only).
        route(format!("/t/{t}/lines/1"), &[("action", "start", Typed), ("reason", "", Fixed)]).floor(),
        route(format!("/t/{t}/parts"), &[("part_text", "¤", Shown), ("part_qty", "1", Typed)])
            .floor()
            .shown_on(&[&format!("/t/{t}?floor=1"), &order_page, "/"]),
        route(format!("/t/{t}/notes"), &[("text", "¤", Shown), ("photo", "", Typed)])
            .floor()
            .multipart()
            .shown_on(&[&format!("/t/{t}?floor=1"), &order_page]),
        // Signing out, in a session of its own for each body (before the wrong passwords
        // below slow down signing in from this address).
        Route { who: Who::Leaving, ..route("/logout", &[]).effect(Effect::Never) },
        // Signing in, while signed in (a wrong password: it must not sign anyone in).
        route(
            "/login",
            &[("username", "admin", Quiet), ("password", "not-the-password", Quiet), ("next", "/", Quiet)],
        ),
        // Routes that act on any body that carries the token.
        route(format!("/orders/{o2}/lines/1/remove"), &[]).effect(Effect::Always),
        route(format!("/orders/{o2}/reprint"), &[("layout", "a4", Fixed)]).effect(Effect::Always),
    ]
}

// ---------------------------------------------------------------------------------------------
// The bodies.

const PROBES: [&str; 3] =
    ["<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "javascript:alert(1)"];
/// What must never appear in a page as it was sent.
const LIVE_MARKUP: [&str; 2] = ["<script>alert(1)</script>", "<img src=x onerror"];
const WRONG: [&str; 5] = ["abc", "-1", "1e400", "99999999999999999999999", "NaN"];
/// How an xlsx (zip), a JPEG, a PNG and a WebP file begin.
const DISGUISES: [&[u8]; 4] =
    [b"PK\x03\x04", b"\xff\xd8\xff\xe0", b"\x89PNG\r\n\x1a\n", b"RIFF\x00\x10\x00\x00WEBPVP8 "];

#[derive(Clone, Debug)]
enum Recipe {
    Empty,
    /// A percent sequence cut in the middle of a character, and other broken encodings.
    Truncated,
    /// Every field as bytes that are not UTF-8, sent as they are.
    RawBytes,
    /// The same bytes, percent-encoded.
    EncodedBytes,
    Wrong(&'static str, &'static str),
    Unknown,
    /// Every field twice: first a wrong value, then the valid one.
    Repeated,
    Large(usize),
    Random(usize),
    Json,
    /// Multipart where a urlencoded form is expected, and the other way round.
    OtherEncoding,
    Probe(&'static str, &'static str),
    /// For multipart routes: every file part starts like a spreadsheet or a picture and goes
    /// on as garbage (for the decoders).
    Disguised(&'static [u8]),
    NoToken,
    ForeignOrigin,
    /// The token of another user's session.
    OthersToken,
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Expect {
    /// Not a valid form: stores nothing.
    Refused,
    TooLarge,
    Forbidden,
    /// A probe in an otherwise valid form: may be stored, must be shown inert.
    Probe,
    /// Acts (the route reads no fields).
    Acts,
}

fn recipes(route: &Route) -> Vec<Recipe> {
    use Recipe::*;
    let mut all = vec![Empty, Truncated, RawBytes];
    if !route.multipart {
        all.push(EncodedBytes);
    }
    for (name, _, sweep) in &route.fields {
        if sweep.typed() {
            all.extend(WRONG.iter().map(|w| Wrong(name, w)));
        }
    }
    all.extend([Unknown, Repeated, Large(70 * 1024), Large(2 * 1024 * 1024)]);
    all.extend([Random(16), Random(700), Random(6000), Json, OtherEncoding]);
    for (name, _, sweep) in &route.fields {
        if sweep.probed() {
            all.extend(PROBES.iter().map(|p| Probe(name, p)));
        }
    }
    if route.multipart {
        all.extend(DISGUISES.iter().map(|d| Disguised(d)));
    }
    all.extend([NoToken, ForeignOrigin, OthersToken]);
    all
}

fn expect(route: &Route, recipe: &Recipe) -> Expect {
    match recipe {
        Recipe::NoToken | Recipe::ForeignOrigin | Recipe::OthersToken => Expect::Forbidden,
        Recipe::Large(_) if !route.multipart => Expect::TooLarge,
        _ => match route.effect {
            Effect::Never => Expect::Refused,
            Effect::Always => Expect::Acts,
            Effect::Form if matches!(recipe, Recipe::Probe(..)) => Expect::Probe,
            Effect::Form => Expect::Refused,
        },
    }
}

/// A small deterministic generator (xorshift64), so the random bodies are the same each run.
struct XorShift(u64);

impl XorShift {
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n)
            .map(|_| {
                let mut x = self.0;
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                self.0 = x;
                (x >> 24) as u8
            })
            .collect()
    }
}

/// A request body with its headers.
struct Body {
    bytes: Vec<u8>,
    content_type: String,
    /// Sent as `X-CSRF-Token` (for bodies that cannot carry it as a field).
    header_token: Option<String>,
    origin: Option<&'static str>,
}

impl Body {
    fn new(bytes: Vec<u8>, content_type: impl Into<String>) -> Body {
        Body { bytes, content_type: content_type.into(), header_token: None, origin: None }
    }

    /// The token as `X-CSRF-Token`, for a body that cannot carry it as a field.
    fn with_header_token(mut self, token: &str) -> Body {
        self.header_token = Some(token.to_string());
        self
    }
}

const BOUNDARY: &str = "hostile-boundary-7MA4YWxkTrZu0gW";

fn urlencoded(pairs: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push(b'&');
        }
        out.extend(form_urlencoded::byte_serialize(k.as_bytes()).flat_map(|s| s.bytes()));
        out.push(b'=');
        out.extend(form_urlencoded::byte_serialize(v).flat_map(|s| s.bytes()));
    }
    out
}

fn multipart(pairs: &[(String, Vec<u8>)], close: bool) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, data) in pairs {
        let mut head = format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"");
        if name == "file" || name == "photo" {
            head.push_str("; filename=\"upload.csv\"\r\nContent-Type: application/octet-stream");
        }
        head.push_str("\r\n\r\n");
        out.extend(head.bytes());
        out.extend(data);
        out.extend(b"\r\n");
    }
    if close {
        out.extend(format!("--{BOUNDARY}--\r\n").bytes());
    }
    out
}

const URLENCODED: &str = "application/x-www-form-urlencoded";

fn multipart_type() -> String {
    format!("multipart/form-data; boundary={BOUNDARY}")
}

/// The route's form encoding of `pairs`, with the token as the first field when given.
fn encode(route: &Route, token: Option<&str>, pairs: &[(String, Vec<u8>)]) -> Body {
    let mut all: Vec<(String, Vec<u8>)> =
        token.map(|t| ("csrf".to_string(), t.as_bytes().to_vec())).into_iter().collect();
    all.extend_from_slice(pairs);
    if route.multipart {
        Body::new(multipart(&all, true), multipart_type())
    } else {
        Body::new(urlencoded(&all), URLENCODED)
    }
}

/// The valid value of a field: `#` made unique, `¤` filled with `fill`.
fn value(raw: &str, unique: u32, fill: &str) -> String {
    raw.replace('#', &format!("{unique:05}")).replace('¤', fill)
}

/// The body of `recipe` for `route`. `valid` holds the valid form (fresh versions read,
/// `#` made unique, `¤` filled); `token` the sender's CSRF token, `others` another session's.
fn body(
    route: &Route,
    recipe: &Recipe,
    valid: &[(String, String)],
    token: &str,
    others: &str,
    unique: u32,
    rng: &mut XorShift,
) -> Body {
    use Recipe::*;
    let pairs = |f: &dyn Fn(&str, &str) -> Vec<u8>| -> Vec<(String, Vec<u8>)> {
        valid.iter().map(|(k, v)| (k.clone(), f(k, v))).collect()
    };
    let as_is = pairs(&|_, v| v.as_bytes().to_vec());
    let sweep_of = |name: &str| route.fields.iter().find(|(k, ..)| *k == name).map(|(_, _, s)| *s);
    match recipe {
        Empty => encode(route, Some(token), &[]),
        // A part cut short, without the closing boundary.
        Truncated if route.multipart => {
            let parts = [("csrf".into(), token.as_bytes().to_vec()), ("text".into(), b"cut".to_vec())];
            let mut bytes = multipart(&parts, false);
            bytes.truncate(bytes.len() - 3);
            Body::new(bytes, multipart_type())
        }
        Truncated => {
            let mut bytes = format!("csrf={token}&").into_bytes();
            bytes.extend(b"name=%E4%B8&%&=&&%zz=%G1&a=%");
            Body::new(bytes, URLENCODED)
        }
        // The text parts; a file part is bytes anyway.
        RawBytes if route.multipart => encode(
            route,
            Some(token),
            &pairs(&|k, v| match k {
                "file" | "photo" => v.as_bytes().to_vec(),
                _ => vec![0xff, 0xfe, 0xc3, 0x28, 0xa0],
            }),
        ),
        RawBytes => {
            let mut bytes = format!("csrf={token}").into_bytes();
            for (k, _) in valid {
                bytes.extend(format!("&{k}=").bytes());
                bytes.extend([0xff, 0xfe, 0xc3, 0x28, 0xa0, 0xed, 0xa0, 0x80]);
            }
            Body::new(bytes, URLENCODED)
        }
        EncodedBytes => {
            encode(route, Some(token), &pairs(&|_, _| vec![0xff, 0xfe, 0xc3, 0x28, 0xed, 0xa0, 0x80]))
        }
        Wrong(name, wrong) => encode(
            route,
            Some(token),
            &pairs(&|k, v| if k == *name { wrong.as_bytes().to_vec() } else { v.as_bytes().to_vec() }),
        ),
        Unknown => {
            let unknown = [
                ("evil", "1"),
                ("__proto__[admin]", "1"),
                ("_method", "DELETE"),
                ("id", "1"),
                ("user_id", "1"),
                ("is_admin", "true"),
            ];
            let pairs: Vec<(String, Vec<u8>)> =
                unknown.iter().map(|(k, v)| (k.to_string(), v.as_bytes().to_vec())).collect();
            encode(route, Some(token), &pairs)
        }
        Repeated => {
            let mut twice = Vec::new();
            for (k, v) in valid {
                let first = match sweep_of(k) {
                    Some(Sweep::Fixed) => v.clone(),
                    Some(s) if s.typed() => "abc".to_string(),
                    _ => String::new(),
                };
                twice.push((k.clone(), first.into_bytes()));
                twice.push((k.clone(), v.as_bytes().to_vec()));
            }
            encode(route, Some(token), &twice)
        }
        Large(n) => {
            let field = valid
                .iter()
                .find(|(k, _)| sweep_of(k).is_some_and(Sweep::probed))
                .map(|(k, _)| k.as_str())
                .unwrap_or("text");
            let mut big = as_is.clone();
            big.retain(|(k, _)| k != field);
            big.push((field.to_string(), vec![b'a'; *n]));
            encode(route, Some(token), &big)
        }
        Random(n) => {
            let content_type = if route.multipart { multipart_type() } else { URLENCODED.into() };
            Body::new(rng.bytes(*n), content_type).with_header_token(token)
        }
        Json => {
            let mut json = String::from("{");
            for (i, (k, v)) in valid.iter().enumerate() {
                let _ = write!(json, "{}\"{k}\":{:?}", if i > 0 { "," } else { "" }, v);
            }
            json.push('}');
            Body::new(json.into_bytes(), "application/json").with_header_token(token)
        }
        OtherEncoding if route.multipart => {
            let mut all = vec![("csrf".to_string(), token.as_bytes().to_vec())];
            all.extend(as_is.clone());
            Body::new(urlencoded(&all), URLENCODED)
        }
        OtherEncoding => {
            let mut all = vec![("csrf".to_string(), token.as_bytes().to_vec())];
            all.extend(as_is.clone());
            Body::new(multipart(&all, true), multipart_type()).with_header_token(token)
        }
        Probe(name, probe) => {
            let raw = route.fields.iter().find(|(k, ..)| k == name).map(|(_, v, _)| v.as_str()).unwrap_or("");
            let probed = if raw.contains('¤') { value(raw, unique, probe) } else { probe.to_string() };
            encode(
                route,
                Some(token),
                &pairs(&|k, v| if k == *name { probed.as_bytes().to_vec() } else { v.as_bytes().to_vec() }),
            )
        }
        Disguised(start) => {
            let garbage = rng.bytes(3000);
            let parts = pairs(&|k, v| match k {
                "file" | "photo" => [start, garbage.as_slice()].concat(),
                _ => v.as_bytes().to_vec(),
            });
            encode(route, Some(token), &parts)
        }
        // A form with no fields still has a body, as a browser sends it.
        NoToken if as_is.is_empty() => encode(route, None, &[("note".into(), b"x".to_vec())]),
        NoToken => encode(route, None, &as_is),
        ForeignOrigin => {
            let mut b = encode(route, Some(token), &as_is);
            b.origin = Some("http://evil.example");
            b
        }
        OthersToken => encode(route, Some(others), &as_is),
    }
}

// ---------------------------------------------------------------------------------------------
// Sending and looking.

struct Answer {
    status: StatusCode,
    location: String,
    html: String,
}

async fn send(app: &TestApp, c: &Client, path: &str, body: Body) -> Result<Answer, reqwest::Error> {
    let mut request = c.post(app.url(path)).header("content-type", body.content_type).body(body.bytes);
    if let Some(token) = body.header_token {
        request = request.header("x-csrf-token", token);
    }
    if let Some(origin) = body.origin {
        request = request.header("origin", origin);
    }
    let response = request.send().await?;
    let status = response.status();
    let location = location(&response);
    let bytes = response.bytes().await?;
    Ok(Answer { status, location, html: String::from_utf8_lossy(&bytes).into_owned() })
}

/// maud's escaping of text and attribute values.
fn escaped(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// What is wrong with a page as far as the probes go: live markup, or a probe in a link.
fn live_probe(html: &str) -> Option<String> {
    for marker in LIVE_MARKUP {
        if let Some(at) = html.find(marker) {
            return Some(html[at.saturating_sub(80)..(at + 60).min(html.len())].to_string());
        }
    }
    for attribute in
        ["href=\"javascript:", "src=\"javascript:", "action=\"javascript:", "formaction=\"javascript:"]
    {
        if let Some(at) = html.find(attribute) {
            return Some(html[at.saturating_sub(80)..(at + 60).min(html.len())].to_string());
        }
    }
    None
}

/// Whether `html` shows `probe` as inert text.
fn shows_inert(html: &str, probe: &str) -> bool {
    html.contains(&escaped(probe))
}

/// The value of the hidden input `name` in a page.
pub(crate) fn hidden_value(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let at = html.find(&marker)? + marker.len();
    Some(html[at..at + html[at..].find('"')?].to_string())
}

#[derive(Default)]
struct Tally {
    requests: usize,
    server_errors: Vec<String>,
    transport_errors: Vec<String>,
    failures: Vec<String>,
    pages: usize,
    statuses: std::collections::BTreeMap<u16, usize>,
    stored_probes: usize,
    shown_probes: usize,
}

impl Tally {
    /// Looks at a page: no 5xx, no live probe.
    async fn look(&mut self, app: &TestApp, c: &Client, path: &str) -> String {
        self.pages += 1;
        let (status, html) = app.get_text(c, path).await;
        if status.is_server_error() {
            self.server_errors.push(format!("GET {path}: {status}"));
        }
        if let Some(context) = live_probe(&html) {
            self.failures.push(format!("GET {path} shows a live probe: …{context}…"));
        }
        html
    }
}

/// Sends the bodies and keeps the tally.
struct Sweeper<'a> {
    s: &'a Targets,
    desk_token: String,
    floor_token: String,
    rng: XorShift,
    /// Counts the bodies; makes `#` in a value unique.
    unique: u32,
    tally: Tally,
    /// Where stored probes led (the redirects after saving), to look at again at the end.
    landed: Vec<String>,
}

impl<'a> Sweeper<'a> {
    async fn new(s: &'a Targets) -> Sweeper<'a> {
        Sweeper {
            s,
            desk_token: s.app.csrf(&s.admin, "/").await,
            floor_token: s.app.csrf(&s.tech, "/").await,
            rng: XorShift(0x5eed_cafe_f00d_d00d),
            unique: 0,
            tally: Tally::default(),
            landed: vec![],
        }
    }

    async fn sweep(&mut self, route: &Route) {
        for recipe in recipes(route) {
            self.send(route, recipe).await;
        }
    }

    /// The valid form of `route` as it is now: versions read from its `fresh` page.
    async fn valid_form(&mut self, route: &Route, c: &Client) -> Vec<(String, String)> {
        let mut fresh = String::new();
        if let Some(page) = &route.fresh {
            self.tally.pages += 1;
            fresh = self.s.app.get_text(c, page).await.1;
        }
        let unique = self.unique;
        route
            .fields
            .iter()
            .map(|(k, raw, sweep)| {
                let v = match sweep {
                    Sweep::Fresh => hidden_value(&fresh, k).unwrap_or_else(|| "0".into()),
                    _ => value(raw, unique, "探针"),
                };
                (k.to_string(), v)
            })
            .collect()
    }

    async fn send(&mut self, route: &Route, recipe: Recipe) {
        let (s, app) = (self.s, &self.s.app);
        // `/logout` gets a session of its own for each body.
        let leaving = match route.who {
            Who::Leaving => Some(app.admin_again().await),
            _ => None,
        };
        let (c, token, others) = match (&route.who, &leaving) {
            (Who::Floor, _) => (&s.tech, self.floor_token.clone(), self.desk_token.clone()),
            (_, Some(c)) => (c, app.csrf(c, "/").await, self.floor_token.clone()),
            _ => (&s.admin, self.desk_token.clone(), self.floor_token.clone()),
        };
        let expected = expect(route, &recipe);
        self.unique += 1;
        let valid = self.valid_form(route, c).await;
        let body = body(route, &recipe, &valid, &token, &others, self.unique, &mut self.rng);
        let what = format!("POST {} {recipe:?} ({} bytes)", route.path, body.bytes.len());
        let before = app.fingerprint().await;
        self.tally.requests += 1;
        let answer = match send(app, c, &route.path, body).await {
            Ok(answer) => answer,
            Err(e) => return self.tally.transport_errors.push(format!("{what}: {e}")),
        };
        let stored = app.fingerprint().await != before;
        *self.tally.statuses.entry(answer.status.as_u16()).or_default() += 1;
        if answer.status.is_server_error() {
            self.tally.server_errors.push(format!("{what}: {}", answer.status));
        }
        let mut fail = |why: String| self.tally.failures.push(format!("{what}: {why}"));
        if let Some(context) = live_probe(&answer.html) {
            fail(format!("the answer shows a live probe: …{context}…"));
        }
        let local = answer.location.starts_with('/') && !answer.location.starts_with("//");
        if !answer.location.is_empty() && !local {
            fail(format!("redirects off the server to {}", answer.location));
        }
        match expected {
            Expect::Refused if stored => fail(format!("stored something ({})", answer.status)),
            Expect::TooLarge if answer.status != StatusCode::PAYLOAD_TOO_LARGE || stored => {
                fail(format!("{} instead of 413 (stored: {stored})", answer.status))
            }
            Expect::Forbidden if answer.status != StatusCode::FORBIDDEN || stored => {
                fail(format!("{} instead of 403 (stored: {stored})", answer.status))
            }
            // With the token, the body must reach the handler.
            Expect::Refused | Expect::Probe | Expect::Acts if answer.status == StatusCode::FORBIDDEN => {
                fail("403 although the body carries the token".into())
            }
            _ => {}
        }
        if let (Expect::Probe, true, Recipe::Probe(field, probe)) = (expected, stored, &recipe) {
            let landed = (local && answer.status == StatusCode::SEE_OTHER).then_some(answer.location);
            self.probe_stored(route, field, probe, landed, &what).await;
        }
    }

    /// A stored probe: every page that shows the route's records shows it as text.
    async fn probe_stored(
        &mut self,
        route: &Route,
        field: &str,
        probe: &str,
        landed: Option<String>,
        what: &str,
    ) {
        self.tally.stored_probes += 1;
        let mut pages = route.shown_on.clone();
        if let Some(page) = landed {
            self.landed.push(page.clone());
            pages.insert(0, page);
        }
        let mut shown = false;
        for page in &pages {
            let viewer = if page.starts_with("/t/") { &self.s.tech } else { &self.s.admin };
            let html = self.tally.look(&self.s.app, viewer, page).await;
            shown |= shows_inert(&html, probe);
        }
        let displayed = route.fields.iter().any(|(k, _, sweep)| *k == field && *sweep == Sweep::Shown);
        if displayed && !pages.is_empty() {
            self.tally.shown_probes += usize::from(shown);
            if !shown {
                self.tally.failures.push(format!("{what}: stored, but {pages:?} do not show it as text"));
            }
        }
    }

    /// Looks once more at every page that shows what the sweep stored; returns how many show a
    /// probe as text.
    async fn look_at_every_page(&mut self) -> usize {
        let (s, o) = (self.s, self.s.order);
        let mut pages: Vec<String> = [
            "/",
            "/customers",
            "/customers?status=any",
            "/customers/new",
            "/vehicles",
            "/lookup",
            "/orders",
            "/board",
            "/board?view=list",
            "/templates",
            "/admin/users",
            "/admin/settings",
            "/admin/audit",
            "/admin/backups",
        ]
        .map(String::from)
        .to_vec();
        pages.extend([
            format!("/customers/{}", s.customer),
            format!("/customers/{}/edit", s.customer),
            format!("/customers/{}", s.customer2),
            format!("/vehicles/{}", s.vehicle),
            format!("/vehicles/{}/edit", s.vehicle),
            format!("/orders/{o}"),
            format!("/orders/{o}/print"),
            format!("/orders/{o}/print?layout=receipt"),
            format!("/orders/{o}/reception"),
            format!("/orders/{o}/lines/1/edit"),
            format!("/templates/{}", s.template),
            format!("/admin/users/{}", s.victim),
        ]);
        pages.extend(self.landed.iter().filter(|p| !p.starts_with("/t/")).cloned());
        pages.sort();
        pages.dedup();
        let mut showing = 0;
        let floor = ["/t".to_string(), format!("/t/{}?floor=1", s.token)];
        let viewed = pages.iter().map(|p| (&s.admin, p)).chain(floor.iter().map(|p| (&s.tech, p)));
        for (viewer, page) in viewed {
            let html = self.tally.look(&s.app, viewer, page).await;
            showing += usize::from(PROBES[..2].iter().any(|p| shows_inert(&html, p)));
        }
        showing
    }
}

#[tokio::test]
async fn every_state_changing_route_survives_hostile_bodies() {
    let s = targets().await;
    let routes = routes(&s);
    let mut sweeper = Sweeper::new(&s).await;
    for route in &routes {
        sweeper.sweep(route).await;
    }
    let showing = sweeper.look_at_every_page().await;

    let tally = sweeper.tally;
    let statuses: Vec<String> = tally.statuses.iter().map(|(code, n)| format!("{code}×{n}")).collect();
    eprintln!(
        "hostile requests: {}, 5xx: {}, routes: {}, transport errors: {}, answers: {}, stored probes: {} \
         ({} seen as text), pages checked: {} ({} showing probes as text)",
        tally.requests,
        tally.server_errors.len(),
        routes.len(),
        tally.transport_errors.len(),
        statuses.join(" "),
        tally.stored_probes,
        tally.shown_probes,
        tally.pages,
        showing,
    );
    let problems: Vec<&String> =
        tally.server_errors.iter().chain(&tally.transport_errors).chain(&tally.failures).collect();
    assert!(
        problems.is_empty(),
        "{} server errors, {} requests without an answer, {} other failures:\n{}",
        tally.server_errors.len(),
        tally.transport_errors.len(),
        tally.failures.len(),
        problems.iter().map(|p| p.as_str()).collect::<Vec<_>>().join("\n")
    );
    // The probes did reach the pages, so the checks above looked at something.
    assert!(tally.stored_probes > 20 && tally.shown_probes > 10, "probes stored and shown");
    assert!(showing > 10, "pages show the stored probes as text");
}
