//! The HTTP layer: warp filters, forms, sessions and maud views. It calls the store for every
//! action and never touches redb itself.
//!
//! Each area exposes `routes(state)`, boxed, and [`routes`] joins them. Handlers return
//! `AppResult<Response>`; [`run`] turns errors into pages. Rejections only mean "no route
//! matched" and are turned into 404/405/413 pages by [`recover`].
//!
//! Areas (each with its routes):
//! - [`home`]: the home page to act from: each role's day as numbers linking to the lists
//!   behind them, then one card per area the user may use.
//! - [`auth`]: signing in and out, changing one's password, choosing a language; its `limits`:
//!   password hashing a few at a time and throttled failed sign-ins.
//! - [`customers`]: customers: list and search, CSV export, page, form, status/contacts/delete.
//! - [`import`]: customer import from CSV/XLSX (read, classify, preview, confirm), XLSX export;
//!   its reading, waiting previews and workbook writer serve the parts catalog import too.
//! - [`vehicles`]: vehicles: the list (by plate, VIN or make, paged by key), create, view, edit,
//!   transfer; the kiosk's plate lookup and its new car going straight on to the order.
//! - [`orders`]: work orders: reception, page, lines, approvals, status, print, parts issued
//!   from stock per line.
//! - [`checkout`]: the till: an order's settlement, payments, voids and part-line refunds, the
//!   receipt, the cashier's home, the day-end, receivables and customer statements.
//! - [`board`]: the shop-floor board, and the waiting room's view (`?view=waiting`: masked
//!   plates and states), for signed-in staff.
//! - [`wall`]: the board and the waiting room's view on a TV (`/wall/{key}`), opened by the
//!   shop's display key instead of a sign-in: fills the screen, no navigation.
//! - [`floor`]: the technicians' phone pages: my jobs, clocking lines, notes (each photo note
//!   shared with the customer or not), parts requests.
//! - [`customer_phone`]: the customer's own phone page for one order (`/c/{token}`, no sign-in):
//!   its state, lines, shared photos and receipt, and approving pending lines with a signature.
//! - [`care`]: customer care: the due lists (提醒) with their outcomes, exports and message
//!   texts, and the advisor's panel on the home page; the follow-up calls (回访) after a
//!   delivery, and the manager's panel of unhappy answers.
//! - [`appointments`]: appointments (预约): the day and week calendar (by bay or technician),
//!   booking (from a car, a customer, a due-list entry, or a new caller), changes, no-shows,
//!   today's arrivals on the kiosk and one tap from an appointment to its work order.
//! - [`templates`]: service templates (保养套餐) kept by managers.
//! - [`inspections`]: inspections (多项检测): checklists, the check on the phone, findings to
//!   recommended lines, deferred work, the report, the vehicle's history and trends.
//! - [`walkaround`]: the walk-around at reception (接车环检) on the kiosk: damage tapped on the
//!   car's outline with photos, warning lights, items left, fuel, the customer's signature;
//!   its sections of the order page, the printed order and the customer's page.
//! - [`parts`]: the parts inventory: catalog, stock in and out, the to-pick list, stocktakes,
//!   suppliers, low stock, valuation.
//! - [`reports`]: the reports (revenue, volume, customers, technicians, parts, receivables) with
//!   charts and CSV/XLSX export, and the manager's panel on the home page.
//! - [`admin`]: users and their roles, the shop's parameters, the audit log, which browser is
//!   the reception kiosk.
//! - [`kiosk`]: the reception kiosk's lock: the check in front of every route ([`kiosk::gate`]),
//!   the lock screen, unlocking with a staff PIN, and setting one's PIN on the account page.
//! - [`backups`]: the backups page: back up now, download, restore.
//! - [`assets`]: static files embedded in the binary, under hashed paths.
//!
//! Shared pieces:
//! - [`ctx`]: the request context: session, language, permission and CSRF checks.
//! - [`error`]: [`error::AppError`] and how each kind becomes a page or a toast; the 422 helper.
//! - [`form`]: submitted forms as text pairs.
//! - [`layout`]: the page shell and small view pieces (fields, selects, notices).
//! - [`show`]: how values are shown: money, local times, an order's state.
//! - [`chart`]: bar charts drawn on the server as SVG.
//! - [`csv`]: CSV downloads (quoted, formula-safe, with a BOM for Excel).
//! - [`photo`]: decoding and scaling the photos technicians take.
//! - [`serve`](mod@serve): the connection loop under warp: slow-client timeouts, client address, LAN URL.

/// Wires one handler into a warp `then`: clones the shared state for each request and turns the
/// handler's `AppResult<Response>` into the response for `ctx` (an error page or toast).
///
/// ```ignore
/// warp::path!("orders" / u64).and(warp::get()).and(ctx.clone()).and(query)
///     .then(handler!(state, ctx, |id: u64, ctx: Ctx, q: Query| view_page(&state, &ctx, OrderId(id), &q)))
/// ```
///
/// `state` names the `Arc<AppState>` both outside (to clone from) and inside the call; `ctx`
/// names the closure's [`ctx::Ctx`] argument.
macro_rules! handler {
    ($state:ident, $ctx:ident, |$($arg:ident : $ty:ty),* $(,)?| $call:expr) => {{
        let shared = $state.clone();
        move |$($arg: $ty),*| {
            let $state = shared.clone();
            async move { $crate::web::run(&$ctx, $call.await) }
        }
    }};
}

/// Joins an area's routes into one boxed filter, tried in the order given:
/// `any_of!(list, create, view)` is `list.or(create).unify().or(view).unify().boxed()`.
macro_rules! any_of {
    ($first:expr $(, $rest:expr)* $(,)?) => {
        $first$(.or($rest).unify())*.boxed()
    };
}

pub mod admin;
pub mod appointments;
pub mod assets;
pub mod auth;
pub mod backups;
pub mod board;
pub mod care;
pub mod chart;
pub mod checkout;
pub mod csv;
pub mod ctx;
pub mod customer_phone;
pub mod customers;
pub mod error;
pub mod floor;
pub mod form;
pub mod home;
pub mod import;
pub mod inspections;
pub mod kiosk;
pub mod layout;
pub mod orders;
pub mod parts;
pub mod photo;
pub mod reports;
pub mod serve;
pub mod show;
pub mod templates;
pub mod vehicles;
pub mod walkaround;
pub mod wall;

use std::convert::Infallible;
use std::sync::{Arc, RwLock};
use std::time::Instant;

use maud::Markup;
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::http::{HeaderValue, StatusCode};
use warp::reply::{Reply, Response};

use crate::domain::Settings;
use crate::i18n::Msg;
use crate::store::{Store, StoreResult, settings as settings_store};
use auth::{Hasher, Throttle};
use ctx::Ctx;
use error::AppResult;
pub use serve::{ClientAddr, SLOW_CLIENT, lan_base_url, serve};

/// Largest request body accepted by form routes.
pub const BODY_LIMIT: u64 = 64 * 1024;

/// What every handler shares.
pub struct AppState {
    pub store: Store,
    settings: RwLock<Arc<Settings>>,
    pub hasher: Hasher,
    pub throttle: Throttle,
    /// The customers' approvals, per link and per address (see [`customer_phone`]).
    pub customer_throttle: Throttle,
    /// Wrong kiosk PINs, per user and per address (see [`kiosk`]).
    pub pin_throttle: Throttle,
    /// Checked customer imports waiting for their confirmation.
    pub(crate) imports: import::PendingImports<import::ReadyRow>,
    /// Checked parts catalog imports waiting for their confirmation.
    pub(crate) part_imports: import::PendingImports<parts::import::ReadyPart>,
    /// `http://<LAN address>:<port>`, the QR address when the settings leave it empty.
    pub lan_base_url: String,
    /// The board as last rendered, per way of showing it; emptied when orders change.
    pub board_cache: board::BoardCache,
    /// The cars in the shop as the manager's panel last read them.
    pub glance_cache: reports::glance::GlanceCache,
    /// The orders on the board as the home page's panels last read them.
    pub on_board_cache: home::OnBoardCache,
    /// Photos being decoded and scaled at once (each holds a whole picture in memory).
    pub photo_permits: tokio::sync::Semaphore,
    /// Where backups go.
    pub backups_dir: std::path::PathBuf,
}

impl AppState {
    pub fn new(
        store: Store,
        lan_base_url: String,
        backups_dir: std::path::PathBuf,
    ) -> StoreResult<Arc<AppState>> {
        let settings = store.read_now(settings_store::get)?;
        Ok(Arc::new(AppState {
            store,
            settings: RwLock::new(Arc::new(settings)),
            hasher: Hasher::new(),
            throttle: Throttle::default(),
            customer_throttle: customer_phone::throttle(),
            pin_throttle: kiosk::throttle(),
            imports: import::PendingImports::default(),
            part_imports: import::PendingImports::default(),
            lan_base_url,
            board_cache: board::BoardCache::default(),
            glance_cache: Default::default(),
            on_board_cache: Default::default(),
            photo_permits: tokio::sync::Semaphore::new(1),
            backups_dir,
        }))
    }

    /// The settings in force (a cached copy of the stored record).
    pub fn settings(&self) -> Arc<Settings> {
        self.settings.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Replaces the cached settings after they were saved.
    pub fn set_settings(&self, settings: Settings) {
        *self.settings.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(settings);
    }

    /// Makes a verified backup into the backups directory (or `to`), off the async threads;
    /// a daily one also rotates the older daily ones.
    pub async fn backup_now(
        &self,
        kind: &'static str,
        to: Option<std::path::PathBuf>,
    ) -> StoreResult<crate::store::backup::BackupInfo> {
        let store = self.store.clone();
        let dir = self.backups_dir.clone();
        let keep = self.settings().backup_keep as usize;
        tokio::task::spawn_blocking(move || {
            std::fs::create_dir_all(&dir).map_err(|e| {
                crate::store::StoreError::storage(format!("cannot create {}", dir.display()), e)
            })?;
            let to = to.unwrap_or_else(|| crate::store::backup::new_path(&dir, kind));
            let info = store.backup_to(&to)?;
            if kind == "daily" {
                for removed in crate::store::backup::rotate(&dir, keep) {
                    tracing::info!(file = %removed, "old daily backup removed");
                }
            }
            Ok(info)
        })
        .await
        .map_err(|e| crate::store::StoreError::internal("backup task failed", e))?
    }

    /// Restores the backup `name` from the backups directory while serving (see
    /// [`Store::restore`]); then the cached settings and waiting imports are replaced too.
    pub async fn restore(&self, name: &str) -> StoreResult<crate::store::Restored> {
        let (store, dir, name) = (self.store.clone(), self.backups_dir.clone(), name.to_string());
        let restored = tokio::task::spawn_blocking(move || store.restore(&dir.join(name), &dir))
            .await
            .map_err(|e| crate::store::StoreError::internal("restore task failed", e))?;
        // Whatever the outcome, the data under the gate may be another file now.
        if let Ok(settings) = self.store.read(settings_store::get).await {
            self.set_settings(settings);
        }
        self.imports.clear();
        self.part_imports.clear();
        restored
    }

    /// Where phones reach this box: the parameter if set, else the LAN address.
    pub fn public_base_url(&self) -> String {
        let configured = self.settings().public_base_url.clone();
        if configured.is_empty() { self.lan_base_url.clone() } else { configured }
    }
}

/// A page or fragment, marked as varying with `HX-Request`.
pub fn html_response(markup: Markup) -> Response {
    let mut response = warp::reply::html(markup.into_string()).into_response();
    response.headers_mut().insert("vary", HeaderValue::from_static("HX-Request"));
    response
}

pub fn set_cookie(response: &mut Response, cookie: &str) {
    if let Ok(value) = HeaderValue::from_str(cookie) {
        response.headers_mut().append("set-cookie", value);
    }
}

/// The response for a handler's result.
pub fn run(ctx: &Ctx, result: AppResult<Response>) -> Response {
    result.unwrap_or_else(|e| e.into_response(ctx))
}

/// Every route of the application.
pub fn routes(state: Arc<AppState>) -> BoxedFilter<(Response,)> {
    let s = state.clone();
    let healthz = warp::path!("healthz").and(warp::get()).then(move || {
        let s = s.clone();
        async move {
            let ok = s.store.read(|tx| settings_store::get(tx).map(|_| ())).await.is_ok();
            let (status, text) =
                if ok { (StatusCode::OK, "ok") } else { (StatusCode::SERVICE_UNAVAILABLE, "unavailable") };
            warp::reply::with_status(text, status).into_response()
        }
    });

    let app = any_of!(
        // First: a locked kiosk session gets the lock screen from every route but its own.
        kiosk::gate(state.clone()),
        healthz.boxed(),
        assets::routes(),
        home::routes(state.clone()),
        auth::routes(state.clone()),
        kiosk::routes(state.clone()),
        backups::routes(state.clone()),
        admin::routes(state.clone()),
        import::routes(state.clone()),
        customers::routes(state.clone()),
        vehicles::routes(state.clone()),
        checkout::routes(state.clone()),
        // Before the orders' routes: they answer any other POST /orders/{id}/… with 404.
        inspections::routes(state.clone()),
        walkaround::routes(state.clone()),
        orders::routes(state.clone()),
        board::routes(state.clone()),
        wall::routes(state.clone()),
        templates::routes(state.clone()),
        floor::routes(state.clone()),
        customer_phone::routes(state.clone()),
        parts::routes(state.clone()),
        reports::routes(state.clone()),
        care::routes(state.clone()),
        appointments::routes(state.clone()),
    );

    // Server-Timing: how long the server worked on the request, shown by browsers' developer
    // tools and read by the benchmark.
    warp::any()
        .map(Instant::now)
        .and(app.recover(recover).unify())
        .map(|started: Instant, mut response: Response| {
            let ms = started.elapsed().as_secs_f64() * 1000.0;
            if let Ok(value) = HeaderValue::from_str(&format!("app;dur={ms:.3}")) {
                response.headers_mut().insert("server-timing", value);
            }
            secure_headers(response)
        })
        .boxed()
}

/// Rejections: no route matched (404), wrong method (405), body too large or unreadable.
/// The page says it in both languages: a rejection comes before we know who is asking.
async fn recover(rejection: warp::Rejection) -> Result<Response, Infallible> {
    let (status, title, lead) = if rejection.is_not_found() {
        (StatusCode::NOT_FOUND, Msg::NotFoundTitle, Msg::NotFoundLead)
    } else if rejection.find::<warp::reject::PayloadTooLarge>().is_some() {
        (StatusCode::PAYLOAD_TOO_LARGE, Msg::BadRequestTitle, Msg::TooLargeLead)
    } else if rejection.find::<warp::reject::LengthRequired>().is_some() {
        (StatusCode::LENGTH_REQUIRED, Msg::BadRequestTitle, Msg::BadRequestLead)
    } else if rejection.find::<warp::reject::MethodNotAllowed>().is_some() {
        (StatusCode::METHOD_NOT_ALLOWED, Msg::NotFoundTitle, Msg::NotFoundLead)
    } else {
        tracing::debug!(?rejection, "request rejected");
        (StatusCode::BAD_REQUEST, Msg::BadRequestTitle, Msg::BadRequestLead)
    };
    let zh = crate::i18n::Lang::Zh;
    let en = crate::i18n::Lang::En;
    let page = maud::html! {
        (maud::DOCTYPE)
        html lang="zh-CN" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (zh.t(title)) " / " (en.t(title)) }
                link rel="stylesheet" href=(assets::css_path());
            }
            body {
                main {
                    section.error-page {
                        h1 { (zh.t(title)) } p.lead { (zh.t(lead)) }
                        h1 lang="en" { (en.t(title)) } p.lead lang="en" { (en.t(lead)) }
                        p { a.button href="/" { (zh.t(Msg::GoHome)) " / " (en.t(Msg::GoHome)) } }
                    }
                }
            }
        }
    };
    let mut response = warp::reply::html(page.into_string()).into_response();
    *response.status_mut() = status;
    Ok(response)
}

fn secure_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    headers.insert("x-frame-options", HeaderValue::from_static("DENY"));
    headers.insert("referrer-policy", HeaderValue::from_static("same-origin"));
    headers.insert(
        "content-security-policy",
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; \
             object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
        ),
    );
    if !headers.contains_key("cache-control") {
        headers.insert("cache-control", HeaderValue::from_static("no-store"));
    }
    response
}
