//! Importing customers with their vehicles from a spreadsheet (CSV or Excel .xlsx), and the
//! Excel export of the customer list. The parts catalog's import (`web/parts/import`) reuses
//! the reading ([`read_table`], [`Columns`]), the waiting previews ([`PendingImports`]) and the
//! workbook writer ([`xlsx_attachment`]).
//!
//! An upload is read, every row is checked by the domain and against the database, and a
//! preview says which rows will be created, which duplicate existing records and which have
//! errors (with the reasons). The checked rows wait in memory for the same user to confirm;
//! confirming imports them in one transaction, re-checking duplicates inside it.
//!
//! - `read`: CSV and XLSX into a table of text cells, and which column holds which field.
//! - `classify`: each row checked by the domain's rules, then against the file and the
//!   database (new, duplicate, or an error with its reasons).
//! - `views`: the upload page and the preview.
//! - `export`: a table as an Excel workbook; the customer list as one (the CSV export is
//!   `web/customers`).

mod classify;
mod export;
mod read;
mod views;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use warp::Buf;
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::hyper::body::Bytes;
use warp::reply::Response;

use super::ctx::Ctx;
use super::error::{AppError, AppResult, redirect_to};
use super::{AppState, BODY_LIMIT, run};
use crate::domain::{Area, CustomerDetails, UserId, VehicleDetails};
use crate::i18n::Msg;
use crate::store::{Actor, StoreError, customers, vehicles};

pub use export::xlsx_attachment;
pub(crate) use read::{ColumnNames, Columns, cell_name};
pub use read::{read_csv, read_xlsx};

/// Largest spreadsheet accepted.
pub const UPLOAD_LIMIT: u64 = 5 * 1024 * 1024;
/// How long a checked upload waits for its confirmation.
const PENDING_FOR: Duration = Duration::from_secs(30 * 60);

/// Uploads checked and waiting for confirmation, by token: the customer import's rows, or the
/// parts catalog's.
pub struct PendingImports<T> {
    map: std::sync::Mutex<HashMap<String, Pending<T>>>,
}

impl<T> Default for PendingImports<T> {
    fn default() -> Self {
        PendingImports { map: Default::default() }
    }
}

struct Pending<T> {
    user: UserId,
    at: Instant,
    rows: Vec<T>,
}

#[derive(Clone)]
pub(crate) struct ReadyRow {
    pub(super) customer: CustomerDetails,
    pub(super) vehicles: Vec<VehicleDetails>,
}

impl<T> PendingImports<T> {
    /// Forgets every waiting import (after a restore: the data they were checked against is gone).
    pub fn clear(&self) {
        self.map.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }

    /// Keeps `rows` for `user` to confirm; the token the confirmation names.
    pub(crate) fn put(&self, user: UserId, rows: Vec<T>) -> String {
        let token = format!("{:032x}", rand::random::<u128>());
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        // One waiting import per user: a new upload replaces the previous preview.
        map.retain(|_, p| p.at.elapsed() < PENDING_FOR && p.user != user);
        map.insert(token.clone(), Pending { user, at: Instant::now(), rows });
        token
    }

    /// The rows kept under `token`, once, for the user who uploaded them, while fresh.
    pub(crate) fn take(&self, token: &str, user: UserId) -> Option<Vec<T>> {
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        let fresh = map.get(token).is_some_and(|p| p.user == user && p.at.elapsed() < PENDING_FOR);
        if fresh { map.remove(token).map(|p| p.rows) } else { None }
    }
}

pub fn routes(state: Arc<AppState>) -> BoxedFilter<(Response,)> {
    let ctx = super::ctx::ctx(state.clone());

    let page =
        warp::path!("customers" / "import").and(warp::get()).and(ctx.clone()).then(|ctx: Ctx| async move {
            let result = ctx.require(Area::Customers).map(|_| views::upload_page(&ctx, None));
            run(&ctx, result)
        });

    let s = state.clone();
    let upload = warp::path!("customers" / "import")
        .and(warp::post())
        .and(ctx.clone())
        .and(warp::multipart::form().max_length(UPLOAD_LIMIT))
        .then(move |ctx: Ctx, form: warp::multipart::FormData| {
            let s = s.clone();
            async move { run(&ctx, upload(&s, &ctx, form).await) }
        });

    let s = state.clone();
    let confirm = warp::path!("customers" / "import" / "confirm")
        .and(warp::post())
        .and(ctx.clone())
        .and(warp::body::content_length_limit(BODY_LIMIT).and(warp::body::bytes()))
        .then(move |ctx: Ctx, body: Bytes| {
            let s = s.clone();
            async move { run(&ctx, confirm(&s, &ctx, &body).await) }
        });

    let s = state.clone();
    let export = warp::path!("customers" / "export.xlsx")
        .and(warp::get())
        .and(ctx)
        .and(warp::query::<HashMap<String, String>>().or(warp::any().map(HashMap::new)).unify())
        .then(move |ctx: Ctx, q: HashMap<String, String>| {
            let s = s.clone();
            async move { run(&ctx, export::export_xlsx(&s, &ctx, &q).await) }
        });

    page.or(upload).unify().or(confirm).unify().or(export).unify().boxed()
}

/// Reads the multipart upload: the file and the CSRF token.
async fn read_upload(mut form: warp::multipart::FormData) -> Result<(Vec<u8>, String, String), ()> {
    let (mut file, mut name, mut csrf) = (Vec::new(), String::new(), String::new());
    while let Some(part) = form.next().await {
        let mut part = part.map_err(|_| ())?;
        let field = part.name().to_string();
        if field == "file" {
            name = part.filename().unwrap_or("").to_lowercase();
        }
        let mut data = Vec::new();
        while let Some(chunk) = part.data().await {
            let chunk = chunk.map_err(|_| ())?;
            data.extend_from_slice(chunk.chunk());
        }
        match field.as_str() {
            "file" => file = data,
            "csrf" => csrf = String::from_utf8_lossy(&data).into_owned(),
            _ => {}
        }
    }
    Ok((file, name, csrf))
}

/// Reads an uploaded spreadsheet (CSV or XLSX, by name or content) after checking the form's
/// CSRF token: the table, header first, or the message the upload page shows.
pub(crate) async fn read_table(
    ctx: &Ctx,
    form: warp::multipart::FormData,
) -> AppResult<Result<Vec<Vec<String>>, String>> {
    let lang = ctx.lang;
    let Ok((file, name, csrf)) = read_upload(form).await else {
        return Ok(Err(lang.t(Msg::ImportBadFile).into()));
    };
    ctx.check_csrf(&csrf)?;
    let table = tokio::task::spawn_blocking(move || {
        if name.ends_with(".xlsx") || file.starts_with(b"PK\x03\x04") {
            read::read_xlsx(&file)
        } else {
            read::read_csv(&file)
        }
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?;
    let Some(table) = table.filter(|t| t.len() >= 2) else {
        return Ok(Err(lang.t(Msg::ImportBadFile).into()));
    };
    if table.len() - 1 > read::MAX_ROWS {
        return Ok(Err(lang.fmt(Msg::ImportTooManyRows, &[&read::MAX_ROWS])));
    }
    Ok(Ok(table))
}

async fn upload(state: &AppState, ctx: &Ctx, form: warp::multipart::FormData) -> AppResult<Response> {
    let user = ctx.require(Area::Customers)?;
    let lang = ctx.lang;
    let table = match read_table(ctx, form).await? {
        Ok(table) => table,
        Err(problem) => return Ok(views::upload_page(ctx, Some(problem))),
    };
    let columns = read::Columns::of(&table[0]);
    if columns.get("name").is_none() || columns.get("phone").is_none() {
        return Ok(views::upload_page(ctx, Some(lang.t(Msg::ImportNeedsColumns).into())));
    }

    // Check each row on its own, then against the file and the database.
    let checked = classify::check_rows(ctx, &table, &columns);
    if checked.is_empty() {
        return Ok(views::upload_page(ctx, Some(lang.t(Msg::ImportBadFile).into())));
    }

    let verdicts = classify::classify(state, lang, checked).await?;
    let ready: Vec<ReadyRow> = verdicts.iter().filter_map(|v| v.ready.clone()).collect();
    let token = state.imports.put(user.user.id, ready.clone());
    Ok(views::preview_page(ctx, &verdicts, ready.len(), &token))
}

async fn confirm(state: &AppState, ctx: &Ctx, body: &[u8]) -> AppResult<Response> {
    let user = ctx.require(Area::Customers)?;
    let form = ctx.form(body)?;
    let Some(rows) = state.imports.take(form.get("token"), user.user.id) else {
        return Ok(views::upload_page(ctx, Some(ctx.lang.t(Msg::ImportExpired).into())));
    };
    let actor: Actor = user.actor();
    let (customers_made, vehicles_made) = state
        .store
        .write_touching(move |tx, touched| {
            let (mut c, mut v) = (0usize, 0usize);
            for row in rows.clone() {
                // Re-checked inside the transaction: someone may have added them meanwhile.
                let exists = customers::sharing_phone_tx(tx, &row.customer.phone)?
                    .into_iter()
                    .map(|id| customers::get_tx(tx, id))
                    .collect::<Result<Vec<_>, _>>()?
                    .iter()
                    .any(|existing| existing.details.name == row.customer.name);
                if exists {
                    continue;
                }
                let mut free = true;
                for vehicle in &row.vehicles {
                    free &= vehicles::find_by_plate_tx(tx, &vehicle.plate)?.is_none();
                    if let Some(vin) = &vehicle.vin {
                        free &= vehicles::find_by_vin_tx(tx, vin)?.is_none();
                    }
                }
                if !free {
                    continue;
                }
                let customer = customers::create_tx(tx, touched, &actor, row.customer)?;
                c += 1;
                for vehicle in row.vehicles {
                    vehicles::create_tx(tx, touched, &actor, customer.id, vehicle)?;
                    v += 1;
                }
            }
            crate::store::audit::append_tx(
                tx,
                &actor,
                "customer.import",
                "customer:*",
                format!("{c} customers, {v} vehicles"),
            )?;
            Ok::<_, StoreError>((c, v))
        })
        .await?;
    Ok(redirect_to(&format!("/customers?imported={customers_made}&vehicles={vehicles_made}"), ctx.htmx))
}
