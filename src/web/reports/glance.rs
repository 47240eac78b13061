//! The manager's panel on the home page: today and this month at a glance (takings, revenue,
//! cars in, cars in the shop, late orders, parts low on stock, receivables) and the takings
//! of the last 30 days as a small chart, each figure linking to where it is worked on.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use maud::{Markup, html};
use rust_decimal::Decimal;

use crate::domain::report::{DayTotals, Period, PeriodKind};
use crate::i18n::Msg;
use crate::store::{orders, reports};
use crate::web::AppState;
use crate::web::chart::{BarChart, Series};
use crate::web::ctx::Ctx;
use crate::web::error::AppResult;
use crate::web::show::Money;

/// The cars in the shop for one version of the orders: how many, and when the ones not yet
/// ready were promised (late is counted against the clock at each request).
#[derive(Debug)]
pub struct InShop {
    version: u64,
    cars: usize,
    promised: Vec<DateTime<Utc>>,
}

/// The last [`InShop`], kept until an order changes (like the board's cache): with many cars
/// in the shop, reading them all for every home page would cost more than the rest of it.
#[derive(Debug, Default)]
pub struct GlanceCache(Mutex<Option<Arc<InShop>>>);

impl GlanceCache {
    fn get(&self, version: u64) -> Option<Arc<InShop>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone().filter(|c| c.version == version)
    }

    fn put(&self, in_shop: Arc<InShop>) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(in_shop);
    }
}

/// What the panel shows, gathered by [`gather`].
pub struct Glance {
    pub today: DayTotals,
    pub month: DayTotals,
    /// The last 30 days, oldest first, with their takings.
    pub days: Vec<(chrono::NaiveDate, Decimal)>,
    pub in_shop: usize,
    pub late: usize,
    pub low_stock: usize,
    pub owing: usize,
    pub owed: Decimal,
}

pub async fn gather(state: &AppState, ctx: &Ctx) -> AppResult<Glance> {
    let today = ctx.today();
    let month = Period::containing(PeriodKind::Month, today);
    let from = (today - Duration::days(29)).min(month.start);
    let now = Utc::now();
    let version = state.store.orders_changed();
    let cached = state.glance_cache.get(version);
    let (stored, in_shop, (owing, owed)) = state
        .store
        .read(move |tx| {
            // The cars in the shop change only with an order: read once per change of orders.
            let in_shop = match cached {
                Some(c) => c,
                None => {
                    let board = orders::on_board(tx)?;
                    let promised = board
                        .iter()
                        .filter(|o| o.is_late(DateTime::<Utc>::MAX_UTC))
                        .filter_map(|o| o.reception.promised_at)
                        .collect();
                    Arc::new(InShop { version, cars: board.len(), promised })
                }
            };
            Ok((
                reports::days(tx, from, today + Duration::days(1))?,
                in_shop,
                reports::receivables_total(tx)?,
            ))
        })
        .await?;
    state.glance_cache.put(in_shop.clone());
    let late = in_shop.promised.iter().filter(|p| **p < now).count();
    let low_stock = state.store.parts(|index| index.low_count());
    let of = |day| stored.iter().find(|(d, _)| *d == day).map(|(_, t)| t.clone()).unwrap_or_default();
    Ok(Glance {
        today: of(today),
        month: DayTotals::sum(stored.iter().filter(|(d, _)| month.contains(*d)).map(|(_, t)| t)),
        days: (0..30).rev().map(|i| today - Duration::days(i)).map(|d| (d, of(d).takings_total())).collect(),
        in_shop: in_shop.cars,
        late,
        low_stock,
        owing,
        owed,
    })
}

pub fn panel(ctx: &Ctx, g: &Glance) -> Markup {
    let lang = ctx.lang;
    let figure = |key: &str, label: Msg, value: Markup, href: &str| {
        html! {
            a.tile href=(href) data-glance=(key) {
                div.tile-label { (lang.t(label)) }
                div.tile-value { (value) }
            }
        }
    };
    let chart = BarChart {
        lang,
        title: lang.t(Msg::Last30Days).to_string(),
        labels: g.days.iter().map(|(d, _)| d.format("%-d").to_string()).collect(),
        series: vec![Series {
            name: lang.t(Msg::TakingsTotal).into(),
            values: g.days.iter().map(|(_, v)| *v).collect(),
        }],
        stacked: false,
        height: 150,
        small: true,
    };
    html! {
        section.panel.glance data-glance-panel {
            div.panel-head {
                h2 { (lang.t(Msg::AtAGlance)) }
                a href="/reports" { (lang.t(Msg::ReportsTitle)) " ›" }
            }
            div.glance-body {
            div.tiles {
                (figure("today_takings", Msg::TodayTakingsShort, html! { (Money(g.today.takings_total())) }, "/checkout"))
                (figure("month_takings", Msg::MonthTakings, html! { (Money(g.month.takings_total())) }, "/reports/revenue"))
                (figure("month_revenue", Msg::MonthRevenue, html! { (Money(g.month.total)) }, "/reports/revenue"))
                (figure("cars_in", Msg::CarsInToday, html! { (g.today.opened) }, "/reports/volume?period=day"))
                (figure("in_shop", Msg::CarsWaiting, html! { (g.in_shop) }, "/board"))
                (figure("late", Msg::LateOrders, html! { span class=(if g.late > 0 { "down" } else { "" }) { (g.late) } }, "/board"))
                (figure("low_stock", Msg::LowStockCount, html! { (g.low_stock) }, "/parts/low"))
                (figure("receivables", Msg::ReceivablesDue, html! { (Money(g.owed)) " · " (g.owing) }, "/reports/receivables"))
            }
            div data-chart="last30" { h3.muted { (lang.t(Msg::Last30Days)) } (chart) }
            }
        }
    }
}
