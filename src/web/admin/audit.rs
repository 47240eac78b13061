//! The audit log, newest first, a page at a time, filtered by user, action (or area), record
//! (or kind) and the shop's days; each record links to its own history.

use maud::html;
use warp::reply::Response;

use crate::domain::settings::day_start;
use crate::i18n::{Lang, Msg};
use crate::store::audit;
use crate::web::AppState;
use crate::web::ctx::Ctx;
use crate::web::error::AppResult;
use crate::web::html_response;
use crate::web::layout::{self};
use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// What was typed in the filter, kept as typed.
#[derive(Default)]
pub(super) struct AuditQuery {
    who: String,
    action: String,
    record: String,
    from: String,
    to: String,
    before: Option<u64>,
}

impl AuditQuery {
    pub(super) fn from_query(q: &std::collections::HashMap<String, String>) -> AuditQuery {
        let get = |k: &str| q.get(k).map(|v| v.trim().to_string()).unwrap_or_default();
        AuditQuery {
            who: get("who"),
            action: get("action"),
            record: get("record"),
            from: get("from"),
            to: get("to"),
            before: q.get("before").and_then(|b| b.parse().ok()),
        }
    }

    /// The query string of these filters (for the pager), without `before`.
    fn params(&self) -> String {
        let mut out = form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("who", &self.who),
            ("action", &self.action),
            ("record", &self.record),
            ("from", &self.from),
            ("to", &self.to),
        ] {
            if !v.is_empty() {
                out.append_pair(k, v);
            }
        }
        out.finish()
    }
}

/// Entries looked at for one page at most, so a rare filter over years of log stays quick.
const SCAN_LIMIT: usize = 100_000;

pub(super) async fn audit_page(state: &AppState, ctx: &Ctx, q: AuditQuery) -> AppResult<Response> {
    ctx.admin()?;
    let lang = ctx.lang;
    const PAGE: usize = 50;
    let tz = ctx.settings.tz();
    // Dates are the shop's days: `to` includes its whole day.
    let day = |typed: &str| -> Result<Option<chrono::NaiveDate>, ()> {
        if typed.is_empty() {
            return Ok(None);
        }
        chrono::NaiveDate::parse_from_str(typed, "%Y-%m-%d").map(Some).map_err(|_| ())
    };
    let from = day(&q.from);
    let to = day(&q.to);
    let filter = audit::AuditFilter {
        who: q.who.clone(),
        action: q.action.clone(),
        record: q.record.clone(),
        from: from.ok().flatten().map(|d| day_start(d, tz)),
        to: to.ok().flatten().and_then(|d| d.succ_opt()).map(|d| day_start(d, tz)),
    };
    let filtered = !q.params().is_empty();
    let page = if from.is_err() || to.is_err() {
        audit::AuditPage::default()
    } else {
        let before = q.before;
        state.store.scan(move |tx| audit::search(tx, &filter, before, PAGE, SCAN_LIMIT)).await?
    };
    let wanted: Vec<String> = page.entries.iter().map(|(_, e)| e.record.clone()).collect();
    let (people, records) = state
        .store
        .read(move |tx| {
            let people = crate::store::users::list(tx)?;
            let records = record_names(tx, &wanted)?;
            Ok((people, records))
        })
        .await?;
    let person =
        |id: crate::domain::UserId| people.iter().find(|u| u.id == id).map(|u| u.display_name.as_str());
    let local = |at: &DateTime<Utc>| at.with_timezone(&tz).format("%Y-%m-%d %H:%M:%S").to_string();
    let field = |name: &'static str, label: Msg, value: &str, kind: &'static str, bad: bool| {
        html! {
            div.field.invalid[bad] {
                label for={ "f-" (name) } { (lang.t(label)) }
                input id={ "f-" (name) } name=(name) type=(kind) value=(value)
                    aria-invalid=[bad.then_some("true")];
                @if bad { p.field-msg { (lang.t(Msg::AuditBadDate)) } }
            }
        }
    };
    let entries = &page.entries;
    let body = html! {
        h1 { (lang.t(Msg::AuditTitle)) }
        form.filters #audit-filter method="get" action="/admin/audit" {
            div.field {
                label for="f-who" { (lang.t(Msg::AuditWho)) }
                select id="f-who" name="who" {
                    option value="" { (lang.t(Msg::AuditAllPeople)) }
                    @for u in &people {
                        option value=(u.username.as_str()) selected[u.username.as_str().eq_ignore_ascii_case(&q.who)] { (u.display_name) }
                    }
                }
            }
            (field("action", Msg::AuditAction, &q.action, "text", false))
            (field("record", Msg::AuditRecord, &q.record, "text", false))
            (field("from", Msg::AuditFrom, &q.from, "date", from.is_err()))
            (field("to", Msg::AuditTo, &q.to, "date", to.is_err()))
            div.actions {
                button type="submit" { (lang.t(Msg::AuditFilterApply)) }
                @if filtered { a.button.secondary href="/admin/audit" { (lang.t(Msg::AuditFilterClear)) } }
            }
        }
        @if entries.is_empty() {
            p.muted { (lang.t(if filtered { Msg::AuditNoMatch } else { Msg::AuditEmpty })) }
        } @else {
            div.table-wrap {
                table {
                    thead { tr {
                        th { (lang.t(Msg::AuditWhen)) } th { (lang.t(Msg::AuditWho)) }
                        th { (lang.t(Msg::AuditAction)) } th { (lang.t(Msg::AuditRecord)) }
                        th { (lang.t(Msg::AuditSummary)) }
                    } }
                    tbody {
                        @for (id, entry) in entries {
                            tr data-audit-id=(id) {
                                td.nowrap { (local(&entry.at)) }
                                @if let Some(id) = entry.user_id {
                                    td data-who=(entry.who) { (person(id).unwrap_or(&entry.who)) }
                                } @else if entry.who == crate::store::Actor::CUSTOMER {
                                    td data-actor="customer" { (lang.t(Msg::ApprovalCustomerPhone)) }
                                } @else {
                                    td { (lang.t(Msg::System)) }
                                }
                                td data-action=(entry.action) { (action_text(lang, &entry.action)) }
                                td data-record=(entry.record) {
                                    @let label = record_label(lang, &entry.record, &records);
                                    @match record_page(&entry.record) {
                                        Some(href) => { a href=(href) { (label) } }
                                        None => { (label) }
                                    }
                                    " " a.small.muted href={ "/admin/audit?record=" (entry.record) } { (lang.t(Msg::AuditRecordHistoryShort)) }
                                }
                                td { (entry.summary) }
                            }
                        }
                    }
                }
            }
        }
        @if let Some(older) = page.older {
            p.pager {
                a.button.secondary href={ "/admin/audit?" (q.params()) @if filtered { "&" } "before=" (older) } {
                    (lang.t(if entries.len() == PAGE { Msg::OlderEntries } else { Msg::AuditKeepLooking })) " →"
                }
            }
        }
    };
    Ok(html_response(layout::page(ctx, lang.t(Msg::AuditTitle), body)))
}

/// What an entry's action did, as a sentence in the reader's language; an action this version
/// does not know is shown as its code.
fn action_text(lang: Lang, action: &str) -> String {
    action_msg(action).map_or_else(|| action.to_string(), |m| lang.t(m).to_string())
}

fn action_msg(action: &str) -> Option<Msg> {
    Some(match action {
        "appointment.book" => Msg::AuditAppointmentBook,
        "appointment.convert" => Msg::AuditAppointmentConvert,
        "appointment.update" => Msg::AuditAppointmentUpdate,
        "care.outcome" => Msg::AuditCareOutcome,
        "checkout.day_end" => Msg::AuditCheckoutDayEnd,
        "checkout.discount" => Msg::AuditCheckoutDiscount,
        "checkout.payment" => Msg::AuditCheckoutPayment,
        "checkout.receivable" => Msg::AuditCheckoutReceivable,
        "checkout.refund" => Msg::AuditCheckoutRefund,
        "checkout.void" => Msg::AuditCheckoutVoid,
        "customer.contact" => Msg::AuditCustomerContact,
        "customer.create" => Msg::AuditCustomerCreate,
        "customer.delete" => Msg::AuditCustomerDelete,
        "customer.import" => Msg::AuditCustomerImport,
        "customer.status" => Msg::AuditCustomerStatus,
        "customer.update" => Msg::AuditCustomerUpdate,
        "export.download" => Msg::AuditExportDownload,
        "inspection.item" => Msg::AuditInspectionItem,
        "inspection.recommend" => Msg::AuditInspectionRecommend,
        "inspection.share" => Msg::AuditInspectionShare,
        "inspection.start" => Msg::AuditInspectionStart,
        "inspection.take_up" => Msg::AuditInspectionTakeUp,
        "inspection_template.create" => Msg::AuditInspectionTemplateCreate,
        "inspection_template.update" => Msg::AuditInspectionTemplateUpdate,
        "kiosk.lock" => Msg::AuditKioskLock,
        "kiosk.unlock" => Msg::AuditKioskUnlock,
        "kiosk.unlock_failed" => Msg::AuditKioskUnlockFailed,
        "order.approve" => Msg::AuditOrderApprove,
        "order.clock" => Msg::AuditOrderClock,
        "order.customer_link" => Msg::AuditOrderCustomerLink,
        "order.diagnosis" => Msg::AuditOrderDiagnosis,
        "order.line.add" => Msg::AuditOrderLineAdd,
        "order.line.remove" => Msg::AuditOrderLineRemove,
        "order.line.update" => Msg::AuditOrderLineUpdate,
        "order.note" => Msg::AuditOrderNote,
        "order.note_share" => Msg::AuditOrderNoteShare,
        "order.open" => Msg::AuditOrderOpen,
        "order.part.issue" => Msg::AuditOrderPartIssue,
        "order.part.return" => Msg::AuditOrderPartReturn,
        "order.part.unused" => Msg::AuditOrderPartUnused,
        "order.part_request" => Msg::AuditOrderPartRequest,
        "order.reception" => Msg::AuditOrderReception,
        "order.record" => Msg::AuditOrderRecord,
        "order.reprint" => Msg::AuditOrderReprint,
        "order.status" => Msg::AuditOrderStatus,
        "part.create" => Msg::AuditPartCreate,
        "part.import" => Msg::AuditPartImport,
        "part.update" => Msg::AuditPartUpdate,
        "session.login" => Msg::AuditSessionLogin,
        "session.logout" => Msg::AuditSessionLogout,
        "settings.display_key" => Msg::AuditSettingsDisplayKey,
        "settings.kiosk_key" => Msg::AuditSettingsKioskKey,
        "settings.update" => Msg::AuditSettingsUpdate,
        "stock.customer_return" => Msg::AuditStockCustomerReturn,
        "stock.receive" => Msg::AuditStockReceive,
        "stocktake.cancel" => Msg::AuditStocktakeCancel,
        "stocktake.post" => Msg::AuditStocktakePost,
        "stocktake.start" => Msg::AuditStocktakeStart,
        "supplier.create" => Msg::AuditSupplierCreate,
        "supplier.update" => Msg::AuditSupplierUpdate,
        "template.create" => Msg::AuditTemplateCreate,
        "template.update" => Msg::AuditTemplateUpdate,
        "user.create" => Msg::AuditUserCreate,
        "user.roles" => Msg::AuditUserRoles,
        "user.password_change" => Msg::AuditUserPasswordChange,
        "user.password_reset" => Msg::AuditUserPasswordReset,
        "user.pin_remove" => Msg::AuditUserPinRemove,
        "user.pin_set" => Msg::AuditUserPinSet,
        "user.pin_change" => Msg::AuditUserPinChange,
        "user.reactivate" => Msg::AuditUserReactivate,
        "user.deactivate" => Msg::AuditUserDeactivate,
        "vehicle.create" => Msg::AuditVehicleCreate,
        "vehicle.delete" => Msg::AuditVehicleDelete,
        "vehicle.mileage" => Msg::AuditVehicleMileage,
        "vehicle.transfer" => Msg::AuditVehicleTransfer,
        "vehicle.update" => Msg::AuditVehicleUpdate,
        "walkaround.checks" => Msg::AuditWalkaroundChecks,
        "walkaround.mark" => Msg::AuditWalkaroundMark,
        "walkaround.reopen" => Msg::AuditWalkaroundReopen,
        "walkaround.sign" => Msg::AuditWalkaroundSign,
        "walkaround.unmark" => Msg::AuditWalkaroundUnmark,
        "backup.restore" => Msg::AuditBackupRestore,
        "schema.migrate" => Msg::AuditSchemaMigrate,
        _ => return None,
    })
}

/// The names of the records that read better by name than by number: an order's number, a
/// customer's name, a car's plate, a user's display name.
fn record_names(
    tx: &redb::ReadTransaction,
    records: &[String],
) -> crate::store::StoreResult<HashMap<String, String>> {
    use crate::domain::{CustomerId, OrderId, UserId, VehicleId};
    use crate::store::{customers, orders, users, vehicles};
    let mut out = HashMap::new();
    for record in records {
        if out.contains_key(record) {
            continue;
        }
        let Some((kind, id)) = record.split_once(':') else { continue };
        let Ok(id) = id.parse::<u64>() else { continue };
        let name = match kind {
            "order" => orders::get(tx, OrderId(id))?.map(|o| o.number),
            "customer" => customers::get(tx, CustomerId(id))?.map(|c| c.details.name),
            "vehicle" => vehicles::get(tx, VehicleId(id))?.map(|v| v.details.plate.to_string()),
            "user" => users::get(tx, UserId(id))?.map(|u| u.display_name),
            _ => None,
        };
        if let Some(name) = name {
            out.insert(record.clone(), name);
        }
    }
    Ok(out)
}

/// A record as a person reads it: its kind and its name or number.
fn record_label(lang: Lang, record: &str, names: &HashMap<String, String>) -> String {
    let Some((kind, id)) = record.split_once(':') else {
        return if record == "settings" {
            lang.t(Msg::AuditRecordSettings).to_string()
        } else {
            record.to_string()
        };
    };
    let shown = names.get(record).map_or(id, String::as_str);
    let msg = match kind {
        "order" => Msg::AuditRecordOrder,
        "customer" => Msg::AuditRecordCustomer,
        "vehicle" => Msg::AuditRecordVehicle,
        "user" => Msg::AuditRecordUser,
        "part" => Msg::AuditRecordPart,
        "appointment" => Msg::AuditRecordAppointment,
        "supplier" => Msg::AuditRecordSupplier,
        "template" => Msg::AuditRecordTemplate,
        "stocktake" => Msg::AuditRecordStocktake,
        "payment" => Msg::AuditRecordPayment,
        "receipt" => Msg::AuditRecordReceipt,
        "inspection" => Msg::AuditRecordInspection,
        "day" => Msg::AuditRecordDay,
        "settings" => return lang.t(Msg::AuditRecordSettings).to_string(),
        _ => return record.to_string(),
    };
    lang.fmt(msg, &[&shown])
}

/// The page a record is seen on, when it has one.
fn record_page(record: &str) -> Option<String> {
    let (kind, id) = record.split_once(':')?;
    let id: u64 = id.parse().ok()?;
    let base = match kind {
        "order" => "/orders",
        "customer" => "/customers",
        "vehicle" => "/vehicles",
        "user" => "/admin/users",
        "part" => "/parts",
        "appointment" => "/appointments",
        _ => return None,
    };
    Some(format!("{base}/{id}"))
}

/// A record's page links to its history in the audit log (for administrators, who may read it).
pub(crate) fn history_link(ctx: &Ctx, record: &str) -> maud::Markup {
    let admin = ctx.user.as_ref().is_some_and(|u| u.user.roles.admin_cap().is_some());
    let href = format!(
        "/admin/audit?{}",
        form_urlencoded::Serializer::new(String::new()).append_pair("record", record).finish()
    );
    html! {
        @if admin { a.button.secondary href=(href) data-history=(record) { (ctx.lang.t(Msg::RecordHistory)) } }
    }
}
