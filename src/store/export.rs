//! The shop's own export: every record the shop owns as CSV files in one zip, with a README
//! (Chinese and English) that describes each file and its columns.
//!
//! What stays true:
//! - The whole export reads one read transaction (one consistent snapshot), table by table and
//!   row by row: a record is decoded, written into the zip and dropped before the next is read,
//!   so memory does not grow with the database. The zip is written with the zip crate's
//!   streaming writer into any [`Write`]: a file for `wrenchdesk export`, the HTTP response for
//!   Administration → Export.
//! - One file per kind of record; every CSV is UTF-8 with a byte-order mark (Excel on a Chinese
//!   Windows then reads the Chinese text right), a header line, cells quoted and defused against
//!   spreadsheet formulas like the other CSV downloads ([`crate::domain::csv::line`]).
//! - Columns are the record's own field names; ids are the record ids the other files refer to
//!   (`customer_id`, `vehicle_id`, `order_id`…), so the files join. Money is plain decimal text
//!   (`1234.50`). Every time column (`at`, `…_at`, `until`) is written twice: as stored, in UTC
//!   (RFC 3339, ending in `Z`), and as `…_local` in the shop's time zone. Nested lists (an
//!   order's history, a stocktake's counts…) are one cell of JSON, their times in UTC.
//! - Secrets are never exported: password hashes, the staff's kiosk PIN hashes, QR and
//!   customer-link tokens, the wall display's key, the kiosk key, sessions.
//! - What is derived from the records (indexes, report totals, the due lists) is not exported:
//!   the records hold it all. Photos are exported as files (`photos/{id}.jpg`).
//!
//! The file is long because it lists every kind of record with its columns and its README
//! text, a few lines each, kept together as one catalog.

use std::collections::BTreeSet;
use std::io::{self, Write};

use chrono::DateTime;
use chrono_tz::Tz;
use redb::{Key, ReadTransaction, ReadableTable, ReadableTableMetadata, TableDefinition};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use zip::write::{SimpleFileOptions, StreamWriter};
use zip::{CompressionMethod, ZipWriter};

use super::codec::Msgpack;
use super::tables::*;
use super::{StoreError, StoreResult};

/// Record fields that are secrets and never leave the box in an export.
const SECRET_FIELDS: &[&str] =
    &["password_hash", "pin_hash", "token", "customer_link", "csrf", "display_key", "kiosk_key"];

/// What one exported file holds.
#[derive(Clone, Debug, PartialEq)]
pub struct ExportedFile {
    pub name: String,
    pub rows: u64,
    pub columns: Vec<String>,
}

/// What an export wrote.
#[derive(Clone, Debug, Default)]
pub struct ExportSummary {
    pub files: Vec<ExportedFile>,
    pub photos: u64,
    pub bytes: u64,
}

impl ExportSummary {
    /// The rows of the file `name`.
    pub fn rows(&self, name: &str) -> Option<u64> {
        self.files.iter().find(|f| f.name == name).map(|f| f.rows)
    }
}

/// How far an export has come: the file being written, its rows so far and the rows it will
/// have (0 when not known beforehand).
#[derive(Clone, Copy, Debug)]
pub struct Progress<'a> {
    pub file: &'a str,
    pub done: u64,
    pub total: u64,
}

/// One file of the export: its name and what its rows are, for the README.
struct Kind {
    file: &'static str,
    zh: &'static str,
    en: &'static str,
}

const CUSTOMERS_FILE: Kind = Kind {
    file: "customers.csv",
    zh: "客户：每行一位客户（个人或单位）。id 被其他文件的 customer_id 引用。",
    en: "Customers, one per row (people and companies). Other files refer to `id` as `customer_id`.",
};
const CONTACTS_FILE: Kind = Kind {
    file: "customer_contacts.csv",
    zh: "客户联系记录（电话、到店、消息）：customer_id + entry_no。",
    en: "Contact history (calls, visits, messages): `customer_id` and the entry's number `entry_no`.",
};
const VEHICLES_FILE: Kind = Kind {
    file: "vehicles.csv",
    zh: "车辆档案：customer_id 为当前车主。",
    en: "Vehicles; `customer_id` is the current owner.",
};
const ORDERS_FILE: Kind = Kind {
    file: "work_orders.csv",
    zh: "工单（不含明细行，明细见 order_lines.csv）：vehicle_id、customer_id 为开单时的车和车主；history、approvals、notes 等为 JSON。",
    en: "Work orders without their lines (see order_lines.csv); `vehicle_id` and `customer_id` as when opened; \
         history, approvals, notes and the like are JSON cells.",
};
const LINES_FILE: Kind = Kind {
    file: "order_lines.csv",
    zh: "工单明细行（工时、配件、其他费用）：order_id + no；金额为十进制文本，工时行的 qty 为小时。",
    en: "Work order lines (labour, parts, fees): `order_id` and the line's `no`; for labour `qty` is hours.",
};
const CHECKOUTS_FILE: Kind = Kind {
    file: "checkouts.csv",
    zh: "结算记录（折扣、结算规则、收据打印），按 order_id。",
    en: "Checkout records (discounts, the bill's rules, receipt prints), by `order_id`.",
};
const PAYMENTS_FILE: Kind = Kind {
    file: "payments.csv",
    zh: "收款与作废：order（工单 id）、customer（客户 id）、method、amount；voids 为被作废的收款 id。",
    en: "Payments and voids: `order` (work order id), `customer` (customer id), `method`, `amount`; \
         `voids` is the id of the payment a void cancels.",
};
const RECEIVABLES_FILE: Kind = Kind {
    file: "receivables.csv",
    zh: "挂账余额：每位欠款客户一行（customer_id, amount）。",
    en: "What each customer owes on account (挂账): `customer_id`, `amount`.",
};
const DAY_CLOSES_FILE: Kind = Kind {
    file: "day_closes.csv",
    zh: "日结：day 为门店当地日期。",
    en: "Day-end cash-ups (日结); `day` is the shop's local date.",
};
const PARTS_FILE: Kind = Kind {
    file: "parts.csv",
    zh: "配件目录：库存数量、平均成本、售价。",
    en: "The parts catalog with stock on hand, average cost and price.",
};
const SUPPLIERS_FILE: Kind = Kind { file: "suppliers.csv", zh: "供应商。", en: "Suppliers." };
const MOVES_FILE: Kind = Kind {
    file: "stock_movements.csv",
    zh: "库存流水（入库、出库、退货、盘点差异）：part（配件 id）、order（工单 id）、supplier（供应商 id）；qty 正数入、负数出。",
    en: "The stock ledger (in, out, returns, stocktake variances): `part` (part id), `order` (work order id), \
         `supplier` (supplier id); `qty` positive in, negative out.",
};
const RECEIPTS_FILE: Kind = Kind {
    file: "stock_receipts.csv",
    zh: "入库单：supplier（供应商 id），明细为 JSON。",
    en: "Stock receipts (入库单): `supplier` (supplier id); their lines are a JSON cell.",
};
const STOCKTAKES_FILE: Kind = Kind { file: "stocktakes.csv", zh: "盘点单。", en: "Stocktakes (盘点)." };
const COUNT_LINES_FILE: Kind = Kind {
    file: "stocktake_lines.csv",
    zh: "盘点明细：stocktake_id + part_id。",
    en: "Stocktake counts: `stocktake_id` and `part_id`.",
};
const TEMPLATES_FILE: Kind = Kind {
    file: "service_templates.csv",
    zh: "保养套餐，明细为 JSON。",
    en: "Service templates (保养套餐); their lines are a JSON cell.",
};
const INSPECTION_TEMPLATES_FILE: Kind =
    Kind { file: "inspection_templates.csv", zh: "检测模板。", en: "Inspection checklists." };
const INSPECTIONS_FILE: Kind = Kind {
    file: "inspections.csv",
    zh: "车辆检测：order_id、vehicle_id，检测项为 JSON。",
    en: "Inspections: `order_id`, `vehicle_id`; the items found are a JSON cell.",
};
const APPOINTMENTS_FILE: Kind = Kind {
    file: "appointments.csv",
    zh: "预约：start 为预约时间，minutes 为时长，status 为状态，order_id 为开出的工单。",
    en: "Appointments: `start` and `minutes`, `status`, the `order_id` it became.",
};
const FOLLOWUPS_FILE: Kind = Kind {
    file: "followups.csv",
    zh: "回访：order_id、vehicle_id、customer_id；due 为应回访日期，state 为状态（open 待回访、reached 已联系、unreached 未接通、wrong_number 号码错误），tries 为未接通次数，score 为满意度（1–5），handled 为店长的处理（JSON）。",
    en: "Follow-up calls: `order_id`, `vehicle_id`, `customer_id`; `due` is the day the call is due, `state` \
         (open, reached, unreached, wrong_number), `tries` the calls that reached nobody, `score` the \
         satisfaction (1–5), `handled` the manager's note on an unhappy answer (JSON).",
};
const USERS_FILE: Kind = Kind {
    file: "users.csv",
    zh: "用户与角色（roles 以空格分隔；不含密码和 PIN 码的哈希）。",
    en: "Users and their roles (`roles` separated by spaces; without password and PIN hashes).",
};
const SETTINGS_FILE: Kind = Kind {
    file: "settings.csv",
    zh: "门店参数（一行，不含墙面显示和前台一体机的密钥）。",
    en: "The shop's parameters (one row, without the wall display's and the kiosk's keys).",
};
const AUDIT_FILE: Kind = Kind {
    file: "audit_log.csv",
    zh: "操作日志：何时、何人（user_id）、何操作、何记录。",
    en: "The audit log: when, who (`user_id`), what, which record.",
};

/// Writes every record in `tx` as a zip into `out`. `tz` is the shop's time zone for the
/// `…_local` columns; `progress` hears about every few thousand rows.
pub fn export_tx<W: Write>(
    tx: &ReadTransaction,
    out: W,
    tz: Tz,
    progress: &mut dyn FnMut(Progress<'_>),
) -> StoreResult<ExportSummary> {
    let counted = Counted { inner: out, bytes: 0 };
    let mut zip = ZipWriter::new_stream(counted);
    let mut summary = ExportSummary::default();
    let mut done = Vec::new();
    {
        let mut e = Exporter { tx, zip: &mut zip, tz, progress };
        done.push(e.table(&CUSTOMERS_FILE, CUSTOMERS, |_| vec![], none, keep)?);
        done.push(e.table(
            &CONTACTS_FILE,
            CUSTOMER_CONTACTS,
            |(customer, no)| vec![("customer_id", customer.into()), ("entry_no", no.into())],
            none,
            keep,
        )?);
        done.push(e.table(&VEHICLES_FILE, VEHICLES, |_| vec![], none, keep)?);
        // The QR tokens are 128-bit secrets: cleared before the order becomes cells.
        let clear = |o: &mut crate::domain::WorkOrder| {
            o.token = 0;
            o.customer_link = None;
            o.lines.clear();
        };
        done.push(e.table(&ORDERS_FILE, ORDERS, |_| vec![], clear, |_, o| drop(o.remove("lines")))?);
        done.push(e.order_lines()?);
        done.push(e.table(
            &CHECKOUTS_FILE,
            CHECKOUTS,
            |order| vec![("order_id", order.into())],
            none,
            keep,
        )?);
        done.push(e.table(&PAYMENTS_FILE, PAYMENTS, |_| vec![], none, keep)?);
        done.push(e.receivables()?);
        done.push(e.table(
            &DAY_CLOSES_FILE,
            DAY_CLOSES,
            |day| vec![("day", day_text(day).into())],
            none,
            keep,
        )?);
        done.push(e.table(&PARTS_FILE, PARTS, |_| vec![], none, keep)?);
        done.push(e.table(&SUPPLIERS_FILE, SUPPLIERS, |_| vec![], none, keep)?);
        done.push(e.table(&MOVES_FILE, STOCK_MOVES, |_| vec![], none, keep)?);
        done.push(e.table(&RECEIPTS_FILE, STOCK_RECEIPTS, |_| vec![], none, keep)?);
        done.push(e.table(&STOCKTAKES_FILE, STOCKTAKES, |_| vec![], none, keep)?);
        done.push(e.table(
            &COUNT_LINES_FILE,
            STOCKTAKE_LINES,
            |(stocktake, part)| vec![("stocktake_id", stocktake.into()), ("part_id", part.into())],
            none,
            keep,
        )?);
        done.push(e.table(&TEMPLATES_FILE, TEMPLATES, |_| vec![], none, keep)?);
        done.push(e.table(&INSPECTION_TEMPLATES_FILE, INSPECTION_TEMPLATES, |_| vec![], none, keep)?);
        done.push(e.table(&INSPECTIONS_FILE, INSPECTIONS, |_| vec![], none, keep)?);
        done.push(e.table(&APPOINTMENTS_FILE, APPOINTMENTS, |_| vec![], none, keep)?);
        done.push(e.table(&FOLLOWUPS_FILE, FOLLOWUPS, |_| vec![], none, keep)?);
        let role_names = |user: &crate::domain::User, cells: &mut Map<String, Value>| {
            let names: Vec<&str> = user.roles.iter().map(|r| r.code()).collect();
            cells.insert("roles".into(), Value::String(names.join(" ")));
        };
        done.push(e.table(&USERS_FILE, USERS, |_| vec![], none, role_names)?);
        done.push(e.settings()?);
        done.push(e.table(&AUDIT_FILE, AUDIT, |id| vec![("entry_no", id.into())], none, keep)?);
        summary.photos = e.photos()?;
    }
    let readme = readme(&done, summary.photos, tz);
    zip.start_file("README.txt", deflated()).map_err(zip_error)?;
    zip.write_all(readme.as_bytes()).map_err(io_error)?;
    let counted = zip.finish().map_err(zip_error)?.into_inner();
    let Counted { mut inner, bytes } = counted;
    inner.flush().map_err(io_error)?;
    summary.files =
        done.into_iter().map(|(kind, file)| ExportedFile { name: kind.file.into(), ..file }).collect();
    summary.bytes = bytes;
    Ok(summary)
}

fn none<T>(_: &mut T) {}

fn keep<T>(_: &T, _: &mut Map<String, Value>) {}

fn deflated() -> SimpleFileOptions {
    SimpleFileOptions::default().compression_method(CompressionMethod::Deflated).large_file(true)
}

fn io_error(e: io::Error) -> StoreError {
    StoreError::internal("writing the export", e)
}

fn zip_error(e: zip::result::ZipError) -> StoreError {
    StoreError::internal("writing the export's zip", e)
}

/// A shop-local day stored as days from the common era, as `YYYY-MM-DD`.
fn day_text(day: i32) -> String {
    chrono::NaiveDate::from_num_days_from_ce_opt(day)
        .map(|d| d.to_string())
        .unwrap_or_else(|| day.to_string())
}

/// A writer that counts what went through it.
struct Counted<W> {
    inner: W,
    bytes: u64,
}

impl<W: Write> Write for Counted<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

struct Exporter<'z, 'p, 't, W: Write> {
    tx: &'t ReadTransaction,
    zip: &'z mut ZipWriter<StreamWriter<Counted<W>>>,
    tz: Tz,
    progress: &'p mut dyn FnMut(Progress<'_>),
}

/// How often progress is told, in rows.
const PROGRESS_EVERY: u64 = 5_000;

impl<W: Write> Exporter<'_, '_, '_, W> {
    /// The table `def`, or `None` in a database that never had it.
    fn open<K: Key + 'static, V: redb::Value + 'static>(
        &self,
        def: TableDefinition<K, V>,
    ) -> StoreResult<Option<redb::ReadOnlyTable<K, V>>> {
        match self.tx.open_table(def) {
            Ok(t) => Ok(Some(t)),
            Err(redb::TableError::TableDoesNotExist(_)) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// One table of records as one CSV file: `prefix` turns the key into leading columns (for
    /// records whose ids live in the key), `adjust` clears what is not exported (before the
    /// record is turned into cells) and `after` changes its cells (fields left out, codes
    /// spelled out).
    fn table<K, T>(
        &mut self,
        kind: &'static Kind,
        def: TableDefinition<K, Msgpack<T>>,
        prefix: impl Fn(K::SelfType<'_>) -> Vec<(&'static str, Value)>,
        adjust: impl Fn(&mut T),
        after: impl Fn(&T, &mut Map<String, Value>),
    ) -> StoreResult<(&'static Kind, ExportedFile)>
    where
        K: Key + 'static,
        T: std::fmt::Debug + Serialize + DeserializeOwned + 'static,
    {
        let Some(table) = self.open(def)? else { return self.empty(kind) };
        let total = table.len()?;
        let mut csv = CsvFile::start(self.zip, kind.file, self.tz)?;
        (self.progress)(Progress { file: kind.file, done: 0, total });
        for row in table.iter()? {
            let (key, value) = row?;
            let mut record = value.value();
            adjust(&mut record);
            let mut cells = to_map(&record)?;
            after(&record, &mut cells);
            let record = cells;
            csv.row(&prefix(key.value()), record)?;
            if csv.rows % PROGRESS_EVERY == 0 {
                (self.progress)(Progress { file: kind.file, done: csv.rows, total });
            }
        }
        (self.progress)(Progress { file: kind.file, done: csv.rows, total });
        Ok((kind, csv.finish()))
    }

    fn empty(&mut self, kind: &'static Kind) -> StoreResult<(&'static Kind, ExportedFile)> {
        let csv = CsvFile::start(self.zip, kind.file, self.tz)?;
        Ok((kind, csv.finish()))
    }

    /// Every order's lines, read from the orders a second time (an order is one record).
    fn order_lines(&mut self) -> StoreResult<(&'static Kind, ExportedFile)> {
        let kind = &LINES_FILE;
        let Some(table) = self.open(ORDERS)? else { return self.empty(kind) };
        let mut csv = CsvFile::start(self.zip, kind.file, self.tz)?;
        (self.progress)(Progress { file: kind.file, done: 0, total: 0 });
        for row in table.iter()? {
            let (_, order) = row?;
            let order = order.value();
            let prefix =
                [("order_id", Value::from(order.id.0)), ("order_number", order.number.clone().into())];
            for line in &order.lines {
                csv.row(&prefix, to_map(line)?)?;
                if csv.rows % PROGRESS_EVERY == 0 {
                    (self.progress)(Progress { file: kind.file, done: csv.rows, total: 0 });
                }
            }
        }
        (self.progress)(Progress { file: kind.file, done: csv.rows, total: csv.rows });
        Ok((kind, csv.finish()))
    }

    /// The parameters in force (the defaults when never saved), one row.
    fn settings(&mut self) -> StoreResult<(&'static Kind, ExportedFile)> {
        let kind = &SETTINGS_FILE;
        let settings = super::settings::get(self.tx)?;
        let mut csv = CsvFile::start(self.zip, kind.file, self.tz)?;
        csv.row(&[], to_map(&settings)?)?;
        (self.progress)(Progress { file: kind.file, done: 1, total: 1 });
        Ok((kind, csv.finish()))
    }

    fn receivables(&mut self) -> StoreResult<(&'static Kind, ExportedFile)> {
        let kind = &RECEIVABLES_FILE;
        let Some(table) = self.open(RECEIVABLES)? else { return self.empty(kind) };
        let total = table.len()?;
        let mut csv = CsvFile::start(self.zip, kind.file, self.tz)?;
        for row in table.iter()? {
            let (customer, amount) = row?;
            let mut record = Map::new();
            record.insert("amount".into(), Value::String(amount.value().to_string()));
            csv.row(&[("customer_id", customer.value().into())], record)?;
        }
        (self.progress)(Progress { file: kind.file, done: csv.rows, total });
        Ok((kind, csv.finish()))
    }

    /// Every photo as `photos/{id}.jpg`, stored as it is (a JPEG does not deflate).
    fn photos(&mut self) -> StoreResult<u64> {
        let Some(table) = self.open(PHOTOS)? else { return Ok(0) };
        let total = table.len()?;
        let mut n = 0;
        let options =
            SimpleFileOptions::default().compression_method(CompressionMethod::Stored).large_file(true);
        for row in table.iter()? {
            let (id, bytes) = row?;
            self.zip.start_file(format!("photos/{}.jpg", id.value()), options).map_err(zip_error)?;
            self.zip.write_all(bytes.value()).map_err(io_error)?;
            n += 1;
            if n % 100 == 0 {
                (self.progress)(Progress { file: "photos/", done: n, total });
            }
        }
        (self.progress)(Progress { file: "photos/", done: n, total });
        Ok(n)
    }
}

/// A record as a JSON object, its secrets removed.
fn to_map<T: Serialize>(record: &T) -> StoreResult<Map<String, Value>> {
    let value = serde_json::to_value(record).map_err(|e| StoreError::internal("exporting a record", e))?;
    let mut map = match value {
        Value::Object(map) => map,
        other => {
            let mut map = Map::new();
            map.insert("value".into(), other);
            map
        }
    };
    // Parts and suppliers keep what is typed in a `details` object, a part its stock in a
    // `stock` one: their fields are columns.
    for nested in ["details", "stock"] {
        if let Some(Value::Object(fields)) = map.remove(nested) {
            for (k, v) in fields {
                map.entry(k).or_insert(v);
            }
        }
    }
    for secret in SECRET_FIELDS {
        map.remove(*secret);
    }
    Ok(map)
}

/// Whether a column holds a time (written twice: UTC and the shop's local time).
fn is_time(column: &str) -> bool {
    column == "at" || column.ends_with("_at") || column == "until" || column == "start"
}

/// One CSV file being written into the zip.
struct CsvFile<'z, W: Write> {
    zip: &'z mut ZipWriter<StreamWriter<Counted<W>>>,
    tz: Tz,
    /// The record fields in column order, after the key's columns; set by the first row.
    header: Option<(Vec<&'static str>, Vec<String>)>,
    columns: Vec<String>,
    /// Fields a later record had that the first did not (they would be lost: tests keep this
    /// empty).
    unexpected: BTreeSet<String>,
    line: String,
    cells: Vec<String>,
    rows: u64,
}

impl<'z, W: Write> CsvFile<'z, W> {
    fn start(
        zip: &'z mut ZipWriter<StreamWriter<Counted<W>>>,
        name: &str,
        tz: Tz,
    ) -> StoreResult<CsvFile<'z, W>> {
        zip.start_file(name, deflated()).map_err(zip_error)?;
        zip.write_all("\u{feff}".as_bytes()).map_err(io_error)?;
        Ok(CsvFile {
            zip,
            tz,
            header: None,
            columns: Vec::new(),
            unexpected: BTreeSet::new(),
            line: String::new(),
            cells: Vec::new(),
            rows: 0,
        })
    }

    fn row(&mut self, prefix: &[(&'static str, Value)], mut record: Map<String, Value>) -> StoreResult<()> {
        if self.header.is_none() {
            let keys: Vec<&'static str> = prefix.iter().map(|(k, _)| *k).collect();
            let mut fields: Vec<String> = Vec::new();
            if record.contains_key("id") {
                fields.push("id".into());
            }
            fields.extend(record.keys().filter(|k| *k != "id" && !keys.contains(&k.as_str())).cloned());
            self.columns = keys.iter().map(|k| k.to_string()).chain(fields.iter().cloned()).collect();
            let mut header = Vec::new();
            for column in &self.columns {
                header.push(column.clone());
                if is_time(column) {
                    header.push(format!("{column}_local"));
                }
            }
            self.write_line_of(&header)?;
            self.header = Some((keys, fields));
        }
        let (keys, fields) = self.header.as_ref().expect("set above");
        let mut cells = std::mem::take(&mut self.cells);
        cells.clear();
        for (name, value) in prefix
            .iter()
            .map(|(k, v)| (*k, Some(v)))
            .chain(keys.iter().skip(prefix.len()).map(|k| (*k, None)))
        {
            push_cell(&mut cells, name, value, self.tz);
        }
        for field in fields {
            let value = record.remove(field.as_str());
            push_cell(&mut cells, field, value.as_ref(), self.tz);
        }
        for (extra, _) in record {
            self.unexpected.insert(extra);
        }
        self.write_line_of(&cells)?;
        self.cells = cells;
        self.rows += 1;
        Ok(())
    }

    fn write_line_of(&mut self, cells: &[String]) -> StoreResult<()> {
        self.line.clear();
        crate::domain::csv::line(&mut self.line, cells);
        self.zip.write_all(self.line.as_bytes()).map_err(io_error)
    }

    fn finish(self) -> ExportedFile {
        if !self.unexpected.is_empty() {
            tracing::warn!(fields = ?self.unexpected, "export: fields missing from the first record were left out");
        }
        ExportedFile { name: String::new(), rows: self.rows, columns: self.columns }
    }
}

/// A value as its cell (and its local-time cell for a time column).
fn push_cell(cells: &mut Vec<String>, column: &str, value: Option<&Value>, tz: Tz) {
    let text = match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Bool(b)) => b.to_string(),
        Some(Value::Number(n)) => n.to_string(),
        Some(other) => other.to_string(),
    };
    if is_time(column) {
        let local = DateTime::parse_from_rfc3339(&text)
            .map(|t| t.with_timezone(&tz).format("%Y-%m-%d %H:%M:%S").to_string())
            .unwrap_or_default();
        cells.push(text);
        cells.push(local);
    } else {
        cells.push(text);
    }
}

/// The README inside the zip: the conventions, then each file with its rows and columns.
fn readme(files: &[(&'static Kind, ExportedFile)], photos: u64, tz: Tz) -> String {
    let mut out = String::new();
    out.push('\u{feff}');
    out.push_str(&format!(
        "wrenchdesk 数据导出 / wrenchdesk data export\r\n\
         ==========================================\r\n\r\n\
         本压缩包包含门店的全部记录，每类记录一个 CSV 文件（UTF-8 带 BOM，Excel 可直接打开中文）。\r\n\
         - 各文件通过 id 关联：customer_id 对应 customers.csv 的 id，vehicle_id 对应 vehicles.csv，\r\n\
         \x20 order_id 对应 work_orders.csv，part_id 对应 parts.csv，supplier_id 对应 suppliers.csv，\r\n\
         \x20 user_id / by / technician 等对应 users.csv 的 id；列名只写类别时（order、customer、part、\r\n\
         \x20 supplier）即为该记录的 id。\r\n\
         - 金额为普通十进制文本（如 1234.50），不含货币符号。\r\n\
         - 时间列（at、…_at、until）写两次：原列为 UTC（RFC 3339，以 Z 结尾），…_local 列为门店时区\r\n\
         \x20 （{tz}）的当地时间。\r\n\
         - 嵌套的列表（工单历史、审批、备注、盘点明细等）为单元格内的 JSON，其中时间为 UTC。\r\n\
         - 以 =、+、-、@ 开头且不是数字的文本前加了 '，防止表格软件当作公式执行。\r\n\
         - 不导出：密码和 PIN 码的哈希、二维码和客户链接的令牌、墙面显示和前台一体机的密钥、登录会话，\r\n\
         \x20 以及可由记录重新计算的索引和报表汇总。照片在 photos/ 目录，文件名为照片 id。\r\n\
         - 没有记录的文件只有 BOM，没有表头。\r\n\r\n\
         Every record of the shop, one CSV file per kind (UTF-8 with a byte-order mark, so Excel opens \
         the Chinese text correctly).\r\n\
         - Files join on ids: `customer_id` is the `id` in customers.csv, `vehicle_id` in vehicles.csv,\r\n\
         \x20 `order_id` in work_orders.csv, `part_id` in parts.csv, `supplier_id` in suppliers.csv,\r\n\
         \x20 `user_id`, `by`, `technician` and the like in users.csv. Where a file names another\r\n\
         \x20 record by its kind alone (`order`, `customer`, `part`, `supplier`), that column is its id.\r\n\
         - Money is plain decimal text (1234.50), no currency sign.\r\n\
         - Time columns (`at`, `…_at`, `until`) appear twice: as stored, in UTC (RFC 3339 ending in Z),\r\n\
         \x20 and as `…_local` in the shop's time zone ({tz}).\r\n\
         - Nested lists (an order's history, approvals, notes, a receipt's lines…) are one JSON cell,\r\n\
         \x20 their times in UTC.\r\n\
         - Text starting with =, +, -, @ that is not a number is prefixed with ' so a spreadsheet does\r\n\
         \x20 not run it as a formula.\r\n\
         - Not exported: password and PIN hashes, QR and customer-link tokens, the wall display's and\r\n\
         \x20 the kiosk's keys, sign-in sessions, and the indexes and report totals the records\r\n\
         \x20 give again.\r\n\
         \x20 Photos are in photos/, named by their id.\r\n\
         - A file of a kind with no records holds only the byte-order mark, no header.\r\n\r\n"
    ));
    out.push_str("文件 / Files\r\n------------\r\n\r\n");
    for (kind, file) in files {
        out.push_str(&format!(
            "{}  ({} 行 / rows)\r\n  {}\r\n  {}\r\n",
            kind.file, file.rows, kind.zh, kind.en
        ));
        if !file.columns.is_empty() {
            let columns: Vec<String> = file
                .columns
                .iter()
                .flat_map(
                    |c| if is_time(c) { vec![c.clone(), format!("{c}_local")] } else { vec![c.clone()] },
                )
                .collect();
            out.push_str(&format!("  列 / columns: {}\r\n", columns.join(", ")));
        }
        out.push_str("\r\n");
    }
    out.push_str(&format!("photos/  ({photos} 张 / photos)\r\n  现场和检测照片（JPEG），文件名为照片 id，备注和检测项中的 photos 引用它。\r\n  Photos from the floor and inspections (JPEG), named by the id that notes and inspection items list under `photos`.\r\n"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testing::temp_store;
    use chrono::Datelike;

    #[test]
    fn a_time_is_written_in_utc_and_in_the_shops_time() {
        let mut cells = Vec::new();
        let at = Value::String("2026-11-28T17:30:00Z".into());
        push_cell(&mut cells, "created_at", Some(&at), chrono_tz::Asia::Shanghai);
        push_cell(&mut cells, "amount", Some(&Value::String("1234.50".into())), chrono_tz::Asia::Shanghai);
        push_cell(&mut cells, "mileage", None, chrono_tz::Asia::Shanghai);
        assert_eq!(cells, ["2026-11-28T17:30:00Z", "2026-11-29 01:30:00", "1234.50", ""]);
        assert!(is_time("at") && is_time("promised_at") && is_time("until") && !is_time("status"));
        assert_eq!(
            day_text(chrono::NaiveDate::from_ymd_opt(2026, 12, 6).unwrap().num_days_from_ce()),
            "2026-12-06"
        );
    }

    #[test]
    fn an_empty_shop_exports_a_readme_and_its_settings() {
        let (store, _dir) = temp_store();
        let mut out = Vec::new();
        let mut heard = 0;
        let summary = store
            .read_now(|tx| export_tx(tx, &mut out, chrono_tz::Asia::Shanghai, &mut |_| heard += 1))
            .unwrap();
        assert_eq!(summary.rows("settings.csv"), Some(1));
        assert_eq!(summary.rows("customers.csv"), Some(0));
        assert_eq!(summary.bytes, out.len() as u64);
        assert!(heard > 0);
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(out)).unwrap();
        assert!(zip.by_name("README.txt").is_ok());
        let mut settings = String::new();
        std::io::Read::read_to_string(&mut zip.by_name("settings.csv").unwrap(), &mut settings).unwrap();
        assert!(
            settings.starts_with("\u{feff}")
                && settings.contains("labour_rate")
                && !settings.contains("display_key")
        );
    }
}
