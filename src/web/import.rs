//! Importing customers with their vehicles from a spreadsheet (CSV or Excel .xlsx), and the
//! Excel export of the customer list.
//!
//! An upload is read, every row is checked by the domain and against the database, and a
//! preview says which rows will be created, which duplicate existing records and which have
//! errors (with the reasons). The checked rows wait in memory for the same user to confirm;
//! confirming imports them in one transaction, re-checking duplicates inside it.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use maud::{Markup, html};
use warp::Buf;
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::hyper::body::Bytes;
use warp::reply::Response;

use super::ctx::Ctx;
use super::error::{AppError, AppResult, redirect_to};
use super::layout::{self, csrf_field, notice};
use super::{AppState, BODY_LIMIT, html_response, run};
use crate::domain::customer::CustomerInput;
use crate::domain::vehicle::VehicleInput;
use crate::domain::{Area, CustomerDetails, UserId, VehicleDetails};
use crate::i18n::{Lang, Msg};
use crate::store::{Actor, StoreError, customers, vehicles};

/// Largest spreadsheet accepted.
pub const UPLOAD_LIMIT: u64 = 5 * 1024 * 1024;
/// Most rows in one import.
const MAX_ROWS: usize = 20_000;
/// Most columns read from a spreadsheet.
const MAX_COLUMNS: usize = 64;
/// How long a checked upload waits for its confirmation.
const PENDING_FOR: Duration = Duration::from_secs(30 * 60);

/// Uploads checked and waiting for confirmation, by token.
#[derive(Default)]
pub struct PendingImports {
    map: std::sync::Mutex<HashMap<String, Pending>>,
}

struct Pending {
    user: UserId,
    at: Instant,
    rows: Vec<ReadyRow>,
}

#[derive(Clone)]
struct ReadyRow {
    customer: CustomerDetails,
    vehicles: Vec<VehicleDetails>,
}

impl PendingImports {
    /// Forgets every waiting import (after a restore: the data they were checked against is gone).
    pub fn clear(&self) {
        self.map.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
    fn put(&self, user: UserId, rows: Vec<ReadyRow>) -> String {
        let token = format!("{:032x}", rand::random::<u128>());
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        // One waiting import per user: a new upload replaces the previous preview.
        map.retain(|_, p| p.at.elapsed() < PENDING_FOR && p.user != user);
        map.insert(token.clone(), Pending { user, at: Instant::now(), rows });
        token
    }

    fn take(&self, token: &str, user: UserId) -> Option<Vec<ReadyRow>> {
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        let fresh = map.get(token).is_some_and(|p| p.user == user && p.at.elapsed() < PENDING_FOR);
        if fresh { map.remove(token).map(|p| p.rows) } else { None }
    }
}

pub fn routes(state: Arc<AppState>) -> BoxedFilter<(Response,)> {
    let ctx = super::ctx::ctx(state.clone());

    let page =
        warp::path!("customers" / "import").and(warp::get()).and(ctx.clone()).then(|ctx: Ctx| async move {
            let result = ctx.require(Area::Customers).map(|_| upload_page(&ctx, None));
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
            async move { run(&ctx, export_xlsx(&s, &ctx, &q).await) }
        });

    page.or(upload).unify().or(confirm).unify().or(export).unify().boxed()
}

fn upload_page(ctx: &Ctx, problem: Option<String>) -> Response {
    let lang = ctx.lang;
    let body = html! {
        p { a href="/customers" { "← " (lang.t(Msg::NavCustomers)) } }
        h1 { (lang.t(Msg::ImportTitle)) }
        p.lead { (lang.t(Msg::ImportLead)) }
        @if let Some(problem) = &problem { (notice("error", problem)) }
        form.panel method="post" action="/customers/import" enctype="multipart/form-data" {
            (csrf_field(ctx))
            div.field {
                label for="f-file" { (lang.t(Msg::ImportFile)) }
                input id="f-file" type="file" name="file" required accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
            }
            p.field-hint { (lang.t(Msg::ImportColumns)) }
            p.field-hint { code { "name, phone, kind, gender, phone2, email, address, source, level, birthday, notes, plates, vin, make, model, color, mileage" } }
            div.actions { button type="submit" { (lang.t(Msg::ImportCheck)) } }
        }
    };
    let mut response = html_response(layout::page(ctx, lang.t(Msg::ImportTitle), body));
    if problem.is_some() {
        *response.status_mut() = warp::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    response
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

async fn upload(state: &AppState, ctx: &Ctx, form: warp::multipart::FormData) -> AppResult<Response> {
    let user = ctx.require(Area::Customers)?;
    let lang = ctx.lang;
    let Ok((file, name, csrf)) = read_upload(form).await else {
        return Ok(upload_page(ctx, Some(lang.t(Msg::ImportBadFile).into())));
    };
    ctx.check_csrf(&csrf)?;
    let table = tokio::task::spawn_blocking(move || {
        if name.ends_with(".xlsx") || file.starts_with(b"PK\x03\x04") {
            read_xlsx(&file)
        } else {
            read_csv(&file)
        }
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?;
    let Some(table) = table.filter(|t| t.len() >= 2) else {
        return Ok(upload_page(ctx, Some(lang.t(Msg::ImportBadFile).into())));
    };
    if table.len() - 1 > MAX_ROWS {
        return Ok(upload_page(ctx, Some(lang.fmt(Msg::ImportTooManyRows, &[&MAX_ROWS]))));
    }
    let columns = Columns::of(&table[0]);
    if columns.get("name").is_none() || columns.get("phone").is_none() {
        return Ok(upload_page(ctx, Some(lang.t(Msg::ImportNeedsColumns).into())));
    }

    // Check each row on its own, then against the file and the database.
    let s = &ctx.settings;
    let today = ctx.today();
    let mut checked: Vec<(usize, Result<ReadyRow, Vec<String>>)> = Vec::new();
    for (i, row) in table.iter().enumerate().skip(1) {
        let cell = |c: &str| {
            columns.get(c).and_then(|i| row.get(i)).map(|v| v.trim().to_string()).unwrap_or_default()
        };
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let customer = CustomerInput {
            kind: cell("kind"),
            name: cell("name"),
            gender: cell("gender"),
            phone: cell("phone"),
            phone2: cell("phone2"),
            email: cell("email"),
            address: cell("address"),
            source: cell("source"),
            level: cell("level"),
            birthday: cell("birthday"),
            notes: cell("notes"),
            contact_person: cell("contact_person"),
            tax_no: cell("tax_no"),
        };
        let mut reasons = Vec::new();
        let customer = match CustomerDetails::check(&customer, today, &s.customer_sources, &s.customer_levels)
        {
            Ok(c) => Some(c),
            Err(errors) => {
                reasons.extend(
                    errors.iter().map(|(f, p)| format!("{}: {}", field_label(lang, f), p.text(lang))),
                );
                None
            }
        };
        let plates: Vec<String> = cell("plates")
            .split([',', ';', '，', '、'])
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty())
            .collect();
        let mut vehicles = Vec::new();
        for (n, plate) in plates.iter().enumerate() {
            // Details beyond the plate belong to the first vehicle of the row.
            let first = n == 0;
            let extra = |c: &str| if first { cell(c) } else { String::new() };
            let input = VehicleInput {
                plate: plate.clone(),
                vin: extra("vin"),
                make: extra("make"),
                model: extra("model"),
                color: extra("color"),
                mileage: extra("mileage"),
                ..Default::default()
            };
            match VehicleDetails::check(&input, today) {
                Ok(v) => vehicles.push(v),
                Err(errors) => reasons.extend(
                    errors.iter().map(|(f, p)| format!("{}: {}", field_label(lang, f), p.text(lang))),
                ),
            }
        }
        let verdict = match customer {
            Some(customer) if reasons.is_empty() => Ok(ReadyRow { customer, vehicles }),
            _ => Err(reasons),
        };
        checked.push((i + 1, verdict));
    }
    if checked.is_empty() {
        return Ok(upload_page(ctx, Some(lang.t(Msg::ImportBadFile).into())));
    }

    let verdicts = classify(state, lang, checked).await?;
    let ready: Vec<ReadyRow> = verdicts.iter().filter_map(|v| v.ready.clone()).collect();
    let token = state.imports.put(user.user.id, ready.clone());
    Ok(preview_page(ctx, &verdicts, ready.len(), &token))
}

/// One row of the preview.
struct Verdict {
    line: usize,
    name: String,
    phone: String,
    plates: String,
    kind: VerdictKind,
    reasons: Vec<String>,
    link: Option<String>,
    ready: Option<ReadyRow>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum VerdictKind {
    New,
    Duplicate,
    Error,
}

/// Duplicates: the same name and phone as an existing customer or an earlier row; a plate
/// already on file or earlier in the file.
async fn classify(
    state: &AppState,
    lang: Lang,
    checked: Vec<(usize, Result<ReadyRow, Vec<String>>)>,
) -> AppResult<Vec<Verdict>> {
    let verdicts = state
        .store
        .read(move |tx| {
            let mut seen_people = HashSet::new();
            let mut seen_plates = HashSet::new();
            let mut seen_vins = HashSet::new();
            let mut out = Vec::with_capacity(checked.len());
            for (line, result) in checked {
                let row = match result {
                    Err(reasons) => {
                        out.push(Verdict {
                            line,
                            name: String::new(),
                            phone: String::new(),
                            plates: String::new(),
                            kind: VerdictKind::Error,
                            reasons,
                            link: None,
                            ready: None,
                        });
                        continue;
                    }
                    Ok(row) => row,
                };
                let mut kind = VerdictKind::New;
                let mut reasons = Vec::new();
                let mut link = None;
                for id in customers::sharing_phone(tx, &row.customer.phone, None)? {
                    let same = customers::get(tx, id)?.is_some_and(|c| c.details.name == row.customer.name);
                    if same {
                        kind = VerdictKind::Duplicate;
                        reasons.push(lang.t(Msg::ImportSameCustomer).to_string());
                        link = Some(format!("/customers/{id}"));
                    }
                }
                let person = (row.customer.name.clone(), row.customer.phone.as_str().to_string());
                if kind == VerdictKind::New && !seen_people.insert(person) {
                    kind = VerdictKind::Duplicate;
                    reasons.push(lang.t(Msg::ImportRepeatedRow).to_string());
                }
                for v in &row.vehicles {
                    if let Some(existing) = vehicles::find_by_plate(tx, &v.plate)? {
                        if kind == VerdictKind::New {
                            kind = VerdictKind::Error;
                        }
                        reasons.push(format!("{} {}", v.plate, lang.t(Msg::PlateTaken)));
                        link.get_or_insert(format!("/vehicles/{}", existing.id));
                    } else if !seen_plates.insert(v.plate.clone()) {
                        kind = VerdictKind::Error;
                        reasons.push(format!("{} {}", v.plate, lang.t(Msg::ImportRepeatedPlate)));
                    }
                    if let Some(vin) = &v.vin {
                        if let Some(existing) = vehicles::find_by_vin(tx, vin)? {
                            kind = VerdictKind::Error;
                            reasons.push(format!("{vin} {}", lang.t(Msg::VinTaken)));
                            link.get_or_insert(format!("/vehicles/{existing}"));
                        } else if !seen_vins.insert(vin.clone()) {
                            kind = VerdictKind::Error;
                            reasons.push(format!("{vin} {}", lang.t(Msg::ImportRepeatedPlate)));
                        }
                    }
                }
                out.push(Verdict {
                    line,
                    name: row.customer.name.clone(),
                    phone: row.customer.phone.to_string(),
                    plates: row.vehicles.iter().map(|v| v.plate.to_string()).collect::<Vec<_>>().join(" "),
                    kind,
                    reasons,
                    link,
                    ready: (kind == VerdictKind::New).then_some(row),
                });
            }
            Ok(out)
        })
        .await?;
    Ok(verdicts)
}

fn preview_page(ctx: &Ctx, verdicts: &[Verdict], ready: usize, token: &str) -> Response {
    let lang = ctx.lang;
    let count = |k: VerdictKind| verdicts.iter().filter(|v| v.kind == k).count();
    let (new, dup, err) = (count(VerdictKind::New), count(VerdictKind::Duplicate), count(VerdictKind::Error));
    let body = html! {
        p { a href="/customers/import" { "← " (lang.t(Msg::ImportTitle)) } }
        h1 { (lang.t(Msg::ImportPreview)) }
        div.cards.summary {
            div.card { h3 { (new) } p { (lang.t(Msg::ImportNew)) } }
            div.card { h3 { (dup) } p { (lang.t(Msg::ImportDuplicate)) } }
            div.card { h3 { (err) } p { (lang.t(Msg::ImportError)) } }
        }
        div.table-wrap { table {
            thead { tr {
                th { (lang.t(Msg::ImportLine)) } th { (lang.t(Msg::Name)) } th { (lang.t(Msg::Phone)) }
                th { (lang.t(Msg::Plates)) } th { (lang.t(Msg::Status)) }
            } }
            tbody { @for v in verdicts { (verdict_row(lang, v)) } }
        } }
        @if ready > 0 {
            form.panel method="post" action="/customers/import/confirm" {
                (csrf_field(ctx))
                input type="hidden" name="token" value=(token);
                p { (lang.fmt(Msg::ImportConfirmLead, &[&ready])) }
                div.actions { button type="submit" { (lang.fmt(Msg::ImportConfirm, &[&ready])) } }
            }
        } @else {
            (notice("info", lang.t(Msg::ImportNothingToDo)))
        }
    };
    html_response(layout::page(ctx, lang.t(Msg::ImportPreview), body))
}

fn verdict_row(lang: Lang, v: &Verdict) -> Markup {
    let (class, label) = match v.kind {
        VerdictKind::New => ("badge ok", Msg::ImportNew),
        VerdictKind::Duplicate => ("badge warn", Msg::ImportDuplicate),
        VerdictKind::Error => ("badge bad", Msg::ImportError),
    };
    html! {
        tr {
            td { (v.line) }
            td { (v.name) }
            td.nowrap { (v.phone) }
            td { (v.plates) }
            td {
                span class=(class) { (lang.t(label)) }
                @for reason in &v.reasons { div.field-msg { (reason) } }
                @if let Some(href) = &v.link { a href=(href) { (lang.t(Msg::OpenIt)) } }
            }
        }
    }
}

async fn confirm(state: &AppState, ctx: &Ctx, body: &[u8]) -> AppResult<Response> {
    let user = ctx.require(Area::Customers)?;
    let form = ctx.form(body)?;
    let Some(rows) = state.imports.take(form.get("token"), user.user.id) else {
        return Ok(upload_page(ctx, Some(ctx.lang.t(Msg::ImportExpired).into())));
    };
    let actor: Actor = user.actor();
    let (customers_made, vehicles_made) = state
        .store
        .write_touching(move |tx, touched| {
            let (mut c, mut v) = (0usize, 0usize);
            for row in rows {
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

fn field_label(lang: Lang, field: &str) -> &'static str {
    let msg = match field {
        "kind" => Msg::CustomerKind,
        "name" => Msg::Name,
        "gender" => Msg::Gender,
        "phone" => Msg::Phone,
        "phone2" => Msg::Phone2,
        "email" => Msg::Email,
        "address" => Msg::Address,
        "source" => Msg::Source,
        "level" => Msg::Level,
        "birthday" => Msg::Birthday,
        "notes" => Msg::Notes,
        "contact_person" => Msg::ContactPerson,
        "tax_no" => Msg::TaxNo,
        "plate" => Msg::Plate,
        "vin" => Msg::Vin,
        "make" => Msg::Make,
        "model" => Msg::Model,
        "color" => Msg::Color,
        "mileage" => Msg::Mileage,
        _ => Msg::Details,
    };
    lang.t(msg)
}

/// Which column holds which field, by English or Chinese header.
struct Columns(HashMap<&'static str, usize>);

impl Columns {
    fn of(header: &[String]) -> Columns {
        const NAMES: &[(&str, &[&str])] = &[
            ("kind", &["kind", "type", "类型", "客户类型"]),
            ("name", &["name", "姓名", "名称", "客户", "客户名称", "姓名/名称"]),
            ("gender", &["gender", "性别"]),
            ("phone", &["phone", "mobile", "电话", "手机", "手机号", "联系电话"]),
            ("phone2", &["phone2", "备用电话"]),
            ("email", &["email", "e-mail", "邮箱", "电子邮箱"]),
            ("address", &["address", "地址"]),
            ("source", &["source", "来源", "客户来源"]),
            ("level", &["level", "等级", "客户等级"]),
            ("birthday", &["birthday", "生日"]),
            ("notes", &["notes", "备注"]),
            ("contact_person", &["contact_person", "联系人"]),
            ("tax_no", &["tax_no", "税号"]),
            ("plates", &["plates", "plate", "车牌", "车牌号"]),
            ("vin", &["vin", "车架号"]),
            ("make", &["make", "品牌"]),
            ("model", &["model", "车型"]),
            ("color", &["color", "colour", "颜色"]),
            ("mileage", &["mileage", "里程"]),
        ];
        let mut map = HashMap::new();
        for (i, h) in header.iter().enumerate() {
            let h = h.trim().trim_start_matches('\u{feff}').to_lowercase();
            if let Some((field, _)) = NAMES.iter().find(|(_, names)| names.contains(&h.as_str())) {
                map.entry(*field).or_insert(i);
            }
        }
        Columns(map)
    }

    fn get(&self, field: &str) -> Option<usize> {
        self.0.get(field).copied()
    }
}

/// A CSV file (RFC 4180: quoted fields, doubled quotes, CRLF or LF) in UTF-8, with or without
/// a byte-order mark. Other encodings are refused: the page asks for .xlsx or UTF-8 CSV.
pub fn read_csv(bytes: &[u8]) -> Option<Vec<Vec<String>>> {
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t.trim_start_matches('\u{feff}').to_string(),
        Err(_) => return None,
    };
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    // Undo the export's formula guard.
    for row in &mut rows {
        for cell in row.iter_mut() {
            if cell.starts_with('\'') && cell[1..].starts_with(['=', '@', '+', '-', '\t']) {
                cell.remove(0);
            }
        }
    }
    Some(rows)
}

/// The first sheet of an .xlsx workbook, every cell as text (numbers without a trailing
/// `.0`, so phone numbers stored as numbers come out right; dates as YYYY-MM-DD). Cells are
/// read one by one, so a sheet that claims a huge area costs nothing; more than
/// [`MAX_ROWS`] rows or [`MAX_COLUMNS`] columns is refused.
pub fn read_xlsx(bytes: &[u8]) -> Option<Vec<Vec<String>>> {
    use calamine::{DataRef, Reader, Xlsx};
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).ok()?;
    let first = book.sheet_names().first()?.clone();
    let mut cells = book.worksheet_cells_reader(&first).ok()?;
    let mut rows: Vec<Vec<String>> = Vec::new();
    while let Some(cell) = cells.next_cell().ok()? {
        let (r, c) = cell.get_position();
        let (r, c) = (r as usize, c as usize);
        if r > MAX_ROWS || c >= MAX_COLUMNS {
            return None;
        }
        let text = match cell.get_value() {
            DataRef::Empty | DataRef::Error(_) => continue,
            DataRef::String(s) => s.clone(),
            DataRef::SharedString(s) => s.to_string(),
            DataRef::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
            DataRef::Float(f) => f.to_string(),
            DataRef::Int(i) => i.to_string(),
            DataRef::Bool(b) => b.to_string(),
            DataRef::DateTime(d) => excel_date(d.as_f64()),
            DataRef::DateTimeIso(s) => s.chars().take(10).collect(),
            DataRef::DurationIso(s) => s.clone(),
        };
        if rows.len() <= r {
            rows.resize_with(r + 1, Vec::new);
        }
        if rows[r].len() <= c {
            rows[r].resize(c + 1, String::new());
        }
        rows[r][c] = text;
    }
    Some(rows)
}

/// An Excel serial day number as YYYY-MM-DD (1900 date system).
fn excel_date(serial: f64) -> String {
    let base = chrono::NaiveDate::from_ymd_opt(1899, 12, 30).expect("valid");
    base.checked_add_signed(chrono::Duration::days(serial.floor() as i64))
        .map(|d| d.to_string())
        .unwrap_or_default()
}

/// The customer list with its filters as an Excel workbook.
async fn export_xlsx(state: &AppState, ctx: &Ctx, q: &HashMap<String, String>) -> AppResult<Response> {
    ctx.require(Area::Customers)?;
    let table = super::customers::export_rows(state, ctx, q).await?;
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    for (r, row) in table.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let (r, c) = (r as u32, c as u16);
            let written = if r == 0 {
                sheet.write_string_with_format(r, c, cell, &bold)
            } else {
                sheet.write_string(r, c, cell)
            };
            written.map_err(|e| AppError::Internal(e.to_string()))?;
        }
    }
    let _ = sheet.set_freeze_panes(1, 0);
    let bytes = book.save_to_buffer().map_err(|e| AppError::Internal(e.to_string()))?;
    let mut response = Response::new(bytes.into());
    let headers = response.headers_mut();
    headers.insert(
        "content-type",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".parse().expect("valid header"),
    );
    let name = format!("customers-{}.xlsx", ctx.today());
    headers.insert(
        "content-disposition",
        format!("attachment; filename=\"{name}\"").parse().expect("valid header"),
    );
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_reads_quotes_newlines_and_a_bom() {
        let rows =
            read_csv("\u{feff}name,phone\r\n\"王, 大\",138\n\"say \"\"hi\"\"\",\"multi\nline\"\n".as_bytes())
                .unwrap();
        assert_eq!(
            rows,
            vec![vec!["name", "phone"], vec!["王, 大", "138"], vec!["say \"hi\"", "multi\nline"]]
        );
    }

    #[test]
    fn chinese_and_english_headers_are_understood() {
        let c = Columns::of(&["姓名".into(), "手机".into(), "车牌号".into(), "Email".into()]);
        assert_eq!(
            (c.get("name"), c.get("phone"), c.get("plates"), c.get("email")),
            (Some(0), Some(1), Some(2), Some(3))
        );
    }

    #[test]
    fn excel_serial_dates() {
        assert_eq!(excel_date(45000.0), "2023-03-15");
    }
}
