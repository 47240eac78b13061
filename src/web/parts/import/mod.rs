//! The parts catalog as a spreadsheet: export (`GET /parts/export.csv`, `GET /parts/export.xlsx`)
//! and import with a preview (`GET|POST /parts/import`, `POST /parts/import/confirm`), for the
//! stockroom (parts clerk, manager, admin).
//!
//! The import works like the customer import, whose reading and waiting previews it shares
//! (`web/import`): the upload is read, every row is checked against the catalog (matched by
//! part number, ignoring case and separators, like the catalog's uniqueness), and the preview
//! lists the rows that will be created or changed and the refused ones with the reason per
//! cell. Confirming writes every ready row in one durable transaction; if any of them can no
//! longer be written (a part edited since the preview, a number taken meanwhile), nothing is.
//!
//! - `rows`: the columns, the export's rows, checking rows against the catalog;
//! - `views`: the upload page and the preview.

mod rows;
mod views;

use std::sync::{Arc, Mutex};

use warp::Filter;
use warp::filters::BoxedFilter;
use warp::hyper::body::Bytes;
use warp::reply::Response;

use super::clerk;
use crate::store::audit::append_tx;
use crate::store::{StoreError, parts};
use crate::web::ctx::Ctx;
use crate::web::error::{AppError, AppResult, redirect_to};
use crate::web::import::{Columns, UPLOAD_LIMIT, read_table, xlsx_attachment};
use crate::web::{AppState, BODY_LIMIT, csv, run};
pub(crate) use rows::ReadyPart;
use rows::{COLUMNS, Catalog};

use crate::i18n::Msg;

pub fn routes(state: Arc<AppState>) -> BoxedFilter<(Response,)> {
    let ctx = crate::web::ctx::ctx(state.clone());
    let body = warp::body::content_length_limit(BODY_LIMIT).and(warp::body::bytes());

    let export_csv = warp::path!("parts" / "export.csv").and(warp::get()).and(ctx.clone()).then(handler!(
        state,
        ctx,
        |ctx: Ctx| export(&state, &ctx, false)
    ));
    let export_xlsx = warp::path!("parts" / "export.xlsx").and(warp::get()).and(ctx.clone()).then(handler!(
        state,
        ctx,
        |ctx: Ctx| export(&state, &ctx, true)
    ));
    let page =
        warp::path!("parts" / "import").and(warp::get()).and(ctx.clone()).then(|ctx: Ctx| async move {
            let result = clerk(&ctx).map(|_| views::upload_page(&ctx, None));
            run(&ctx, result)
        });
    let s = state.clone();
    let upload = warp::path!("parts" / "import")
        .and(warp::post())
        .and(ctx.clone())
        .and(warp::multipart::form().max_length(UPLOAD_LIMIT))
        .then(move |ctx: Ctx, form: warp::multipart::FormData| {
            let s = s.clone();
            async move { run(&ctx, upload(&s, &ctx, form).await) }
        });
    let confirm = warp::path!("parts" / "import" / "confirm")
        .and(warp::post())
        .and(ctx)
        .and(body)
        .then(handler!(state, ctx, |ctx: Ctx, body: Bytes| confirm(&state, &ctx, &body)));
    export_csv.or(export_xlsx).unify().or(page).unify().or(upload).unify().or(confirm).unify().boxed()
}

/// The whole catalog, active or not, with every catalog field.
async fn export(state: &AppState, ctx: &Ctx, xlsx: bool) -> AppResult<Response> {
    clerk(ctx)?;
    let name = format!("parts-{}.{}", ctx.today(), if xlsx { "xlsx" } else { "csv" });
    let table =
        state.store.scan(|tx| Ok(rows::export_table(&parts::all(tx)?, &parts::suppliers(tx)?))).await?;
    tokio::task::spawn_blocking(move || {
        if xlsx { xlsx_attachment(&name, &table, rows::NUMERIC) } else { Ok(csv::attachment(&name, &table)) }
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?
}

async fn upload(state: &AppState, ctx: &Ctx, form: warp::multipart::FormData) -> AppResult<Response> {
    let user = clerk(ctx)?;
    let lang = ctx.lang;
    let table = match read_table(ctx, form).await? {
        Ok(table) => table,
        Err(problem) => return Ok(views::upload_page(ctx, Some(problem))),
    };
    let columns = Columns::by(&table[0], COLUMNS);
    if columns.get("number").is_none() {
        return Ok(views::upload_page(ctx, Some(lang.t(Msg::PartsImportNeedsNumber).into())));
    }
    let units = ctx.settings.part_units.clone();
    let verdicts = state
        .store
        .scan(move |tx| {
            let suppliers = parts::suppliers(tx)?;
            let shop = Catalog { lang, units: &units, suppliers: &suppliers };
            rows::check_rows(&shop, &table, &columns, |key| match parts::by_number(tx, key)? {
                Some(id) => parts::get(tx, id),
                None => Ok(None),
            })
        })
        .await?;
    if verdicts.is_empty() {
        return Ok(views::upload_page(ctx, Some(lang.t(Msg::ImportBadFile).into())));
    }
    let ready: Vec<ReadyPart> = verdicts.iter().filter_map(|v| v.ready.clone()).collect();
    let token = state.part_imports.put(user.user.id, ready);
    Ok(views::preview_page(ctx, &verdicts, &token))
}

async fn confirm(state: &AppState, ctx: &Ctx, body: &[u8]) -> AppResult<Response> {
    let user = clerk(ctx)?;
    let lang = ctx.lang;
    let form = ctx.form(body)?;
    let Some(rows) = state.part_imports.take(form.get("token"), user.user.id) else {
        return Ok(views::upload_page(ctx, Some(lang.t(Msg::ImportExpired).into())));
    };
    let actor = user.actor();
    // The row that could not be written, named for the message (the transaction is refused whole).
    let failed: Arc<Mutex<String>> = Arc::default();
    let failed_in = failed.clone();
    let written = state
        .store
        .write_touching(move |tx, touched| {
            let (mut created, mut changed) = (0usize, 0usize);
            for row in rows.clone() {
                let result = match row {
                    ReadyPart::New(new) => {
                        let number = new.details.number.to_string();
                        created += 1;
                        parts::create_tx(tx, touched, &actor, new).map(|_| ()).map_err(|e| (number, e))
                    }
                    ReadyPart::Changed { id, version, details } => {
                        let number = details.number.to_string();
                        changed += 1;
                        parts::update_tx(tx, touched, &actor, id, version, details)
                            .map(|_| ())
                            .map_err(|e| (number, e))
                    }
                };
                if let Err((number, e)) = result {
                    *failed_in.lock().unwrap_or_else(|e| e.into_inner()) = number;
                    return Err(e);
                }
            }
            let summary = format!("{created} created, {changed} changed");
            append_tx(tx, &actor, "part.import", "part:*", summary)?;
            Ok((created, changed))
        })
        .await;
    match written {
        Ok((created, changed)) => {
            Ok(redirect_to(&format!("/parts?imported={created}&changed={changed}"), ctx.htmx))
        }
        Err(StoreError::Stale | StoreError::NotFound | StoreError::Invalid(_)) => {
            let number = failed.lock().unwrap_or_else(|e| e.into_inner()).clone();
            Ok(views::upload_page(ctx, Some(lang.fmt(Msg::PartsImportStale, &[&number]))))
        }
        Err(e) => Err(e.into()),
    }
}
