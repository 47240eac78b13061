//! The benchmark: how fast wrenchdesk answers on a seeded dataset, next to a bare warp "hello"
//! server built with the same warp and runtime settings (the floor no real page can beat).
//! (Long: a load driver with its scenarios, a minimal HTTP client and the report, best read
//! from top to bottom.)
//!
//!     cargo run --release --bin wrenchdesk -- seed --profile ten-years --data /tmp/ten
//!     cargo run --release --bin bench -- --data /tmp/ten
//!     cargo run --release --bin bench -- --data /tmp/ten --only "part search,part page"
//!
//! It copies the data, starts the real server on the copy as a child process (this binary in
//! server mode), logs in as a service advisor, and drives each scenario with its own load
//! generator: N keep-alive connections, a warm-up, then a fixed duration. It prints a table and
//! writes every figure, the machine and the git commit to a JSON file. It asserts nothing.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("__server") => wrenchdesk::cli::main_from(
            std::iter::once("wrenchdesk".to_string())
                .chain(std::iter::once("serve".to_string()))
                .chain(args[2..].iter().cloned()),
        ),
        Some("__hello") => hello(&args[2]),
        _ => match Options::parse(&args[1..]) {
            Ok(options) => run(options),
            Err(e) => {
                eprintln!(
                    "bench: {e}\n\nusage: bench --data DIR [--connections 32] [--seconds 10] [--warmup 2] [--out FILE] [--only WORD,WORD]"
                );
                ExitCode::from(2)
            }
        },
    }
}

/// The bare warp server: same warp, same runtime, one route.
fn hello(addr: &str) -> ExitCode {
    use warp::Filter;
    let addr: SocketAddr = addr.parse().expect("address");
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr).await.expect("bind");
        let route = warp::any().map(|| "hello");
        warp::serve(route).incoming(listener).run().await;
    });
    ExitCode::SUCCESS
}

struct Options {
    data: PathBuf,
    connections: usize,
    seconds: u64,
    warmup: u64,
    out: PathBuf,
    /// Runs only the scenarios whose name contains one of these words, and none of the
    /// backup, photo and idle-connection runs (for measuring one change quickly).
    only: Vec<String>,
}

impl Options {
    fn parse(args: &[String]) -> Result<Options, String> {
        let mut o = Options {
            data: PathBuf::new(),
            connections: 32,
            seconds: 10,
            warmup: 2,
            out: PathBuf::from("target/bench/bench.json"),
            only: Vec::new(),
        };
        let mut it = args.iter();
        while let Some(flag) = it.next() {
            let mut value = || it.next().cloned().ok_or(format!("{flag} needs a value"));
            match flag.as_str() {
                "--data" => o.data = PathBuf::from(value()?),
                "--connections" => o.connections = value()?.parse().map_err(|_| "bad --connections")?,
                "--seconds" => o.seconds = value()?.parse().map_err(|_| "bad --seconds")?,
                "--warmup" => o.warmup = value()?.parse().map_err(|_| "bad --warmup")?,
                "--out" => o.out = PathBuf::from(value()?),
                "--only" => o.only = value()?.split(',').map(str::to_string).collect(),
                other => return Err(format!("unknown option {other}")),
            }
        }
        if o.data.as_os_str().is_empty() {
            return Err("--data DIR (a seeded data directory) is required".into());
        }
        Ok(o)
    }
}

/// What the scenarios pick from: real ids, plates and search words from the dataset.
struct Samples {
    customer_ids: Vec<u64>,
    vehicle_ids: Vec<u64>,
    plates: Vec<String>,
    queries: Vec<String>,
    /// Orders in the shop (the board's), and past ones from the vehicles' histories.
    order_ids: Vec<u64>,
    /// Labour lines being worked on: the order's QR token and the line number.
    jobs: Vec<(String, u32)>,
    /// The customers' own links (`/c/{token}`) of the orders in the shop.
    customer_links: Vec<String>,
    /// Catalog parts, and what a clerk types to find one (a number's start, a name, a brand).
    part_ids: Vec<u64>,
    part_queries: Vec<String>,
    /// Approved catalog part lines of orders in the shop still waiting for stock.
    to_pick: Vec<(u64, u32)>,
    /// Completed orders in the shop with something left to pay.
    to_pay: Vec<u64>,
    /// The last day with report totals, for the year's revenue report.
    report_date: String,
    /// The busiest shop-local day of the till, for the day-end page.
    busy_day: String,
    /// The customer with the most payments (a fleet on account), for the statement.
    statement_customer: u64,
    /// Inspections of orders still being worked on: the order's QR token, the inspection's id,
    /// and each item's kind code.
    inspections: Vec<(String, u64, Vec<&'static str>)>,
    /// Follow-up calls made for the answer scenario (see [`prepare_followups`]): each id with
    /// the version its next answer is checked against, taken in turn.
    followups: Vec<(u64, std::sync::atomic::AtomicU64)>,
    followup_next: std::sync::atomic::AtomicUsize,
}

/// Follow-up calls for the answer scenario, on the copy before the server starts: calls for
/// delivered orders that have none (older than the generator's year of calls), due a month
/// on, beyond the list's week, so the list scenario reads what the shop's advisors see. Each
/// takes three honest answers ("no answer" twice, then the third closes it as unreached), each
/// checked against the version the one before left.
fn prepare_followups(
    store: &wrenchdesk::store::Store,
    want: usize,
) -> Vec<(u64, std::sync::atomic::AtomicU64)> {
    use wrenchdesk::store::tables::{FOLLOWUPS_BY_ORDER, ORDERS_BY_STATE};
    let ids: Vec<u64> = store
        .read_now(|tx| {
            let by_order = tx.open_table(FOLLOWUPS_BY_ORDER)?;
            let mut out = Vec::new();
            for row in tx.open_table(ORDERS_BY_STATE)?.range(("delivered", 0)..=("delivered", u64::MAX))? {
                let id = row?.0.value().1;
                if by_order.get(id)?.is_none() {
                    out.push(id);
                }
                if out.len() >= want {
                    break;
                }
            }
            Ok(out)
        })
        .expect("read delivered orders");
    let later = chrono::Utc::now() + chrono::Duration::days(30);
    store
        .write_now(|tx| {
            let mut made = Vec::new();
            for id in &ids {
                if let Some(order) =
                    wrenchdesk::store::orders::get_tx(tx, wrenchdesk::domain::OrderId(*id)).ok()
                    && let Some(call) = wrenchdesk::store::followups::schedule_tx(tx, &order, later)?
                {
                    made.push((call.id, std::sync::atomic::AtomicU64::new(call.version)));
                }
            }
            Ok(made)
        })
        .expect("prepare follow-up calls")
}

fn samples(data: &Path) -> Samples {
    use wrenchdesk::store::{Store, customers, tables::VEHICLES};
    let store = Store::open(data).expect("open the copied data");
    let mut rng = wrenchdesk::seed::Rng::new(42);
    let (customer_ids, vehicle_ids, plates, mut queries) = store
        .read_now(|tx| {
            use redb::ReadableTable;
            let table = tx.open_table(VEHICLES)?;
            let mut vehicle_ids = Vec::new();
            let mut plates = Vec::new();
            let mut customer_ids = Vec::new();
            let mut queries = Vec::new();
            for row in table.iter()?.step_by(97) {
                let v = row?.1.value();
                vehicle_ids.push(v.id.0);
                plates.push(v.details.plate.as_str().to_string());
                customer_ids.push(v.customer_id.0);
                if let Some(c) = customers::get(tx, v.customer_id)? {
                    // What people type: a name's first two characters, four digits of a phone.
                    let name: String = c.details.name.chars().take(2).collect();
                    queries.push(name);
                    let phone = c.details.phone.digits().to_string();
                    queries.push(phone[phone.len() - 4..].to_string());
                }
            }
            Ok((customer_ids, vehicle_ids, plates, queries))
        })
        .expect("read samples");
    // And plates typed the lazy way: lower case with a space.
    for _ in 0..200 {
        let p = &plates[rng.below(plates.len())];
        let mut chars: Vec<char> = p.to_lowercase().chars().collect();
        chars.insert(2, ' ');
        queries.push(chars.into_iter().collect());
    }
    let order_ids = store
        .read_now(|tx| {
            let mut ids: Vec<u64> = wrenchdesk::store::orders::on_board(tx)?.iter().map(|o| o.id.0).collect();
            for v in vehicle_ids.iter().step_by(10) {
                ids.extend(
                    wrenchdesk::store::orders::for_vehicle(tx, wrenchdesk::domain::VehicleId(*v))?
                        .iter()
                        .take(1)
                        .map(|o| o.id.0),
                );
            }
            Ok(ids)
        })
        .expect("read order samples");
    let jobs = store
        .read_now(|tx| {
            use wrenchdesk::domain::OrderState;
            let mut jobs = Vec::new();
            for o in wrenchdesk::store::orders::on_board(tx)? {
                if matches!(o.state, OrderState::Open | OrderState::InProgress | OrderState::WaitingParts) {
                    jobs.extend(
                        o.lines.iter().filter(|l| l.is_labour()).map(|l| (format!("{:032x}", o.token), l.no)),
                    );
                }
            }
            Ok(jobs)
        })
        .expect("read job samples");
    let customer_links = store
        .read_now(|tx| {
            Ok(wrenchdesk::store::orders::on_board(tx)?
                .iter()
                .filter_map(|o| o.customer_link.map(|l| l.token_hex()))
                .collect())
        })
        .expect("read customer link samples");
    let (part_ids, part_queries) = store.parts(|index| {
        let (rows, _) = index.search("", &Default::default(), 0, usize::MAX);
        let mut ids = Vec::new();
        let mut queries = Vec::new();
        for row in rows.iter().step_by(23) {
            ids.push(row.id.0);
            queries.push(row.number.chars().take(6).collect());
            queries.push(row.name.clone());
            queries.push(format!("{} {}", row.brand, row.name.chars().take(2).collect::<String>()));
        }
        (ids, queries)
    });
    let (to_pick, to_pay) = store
        .read_now(|tx| {
            use wrenchdesk::domain::OrderState;
            let (mut pick, mut pay) = (Vec::new(), Vec::new());
            for o in wrenchdesk::store::orders::on_board(tx)? {
                // Lines whose part is on the shelf: issuing one that is not is refused (rightly),
                // and the scenario measures issuing, not the refusal.
                for l in o.lines.iter().filter(|l| !l.to_issue().is_zero()) {
                    let part = l.catalog_part().map(wrenchdesk::domain::part::PartId);
                    let on_hand = match part {
                        Some(id) => wrenchdesk::store::parts::get(tx, id)?.map(|p| p.stock.on_hand),
                        None => None,
                    };
                    if on_hand.is_some_and(|q| q >= rust_decimal::Decimal::ONE) {
                        pick.push((o.id.0, l.no));
                    }
                }
                if o.state == OrderState::Completed {
                    pay.push(o.id.0);
                }
            }
            Ok((pick, pay))
        })
        .expect("read stock and till samples");
    let busy_day = store
        .read_now(|tx| {
            use redb::ReadableTable;
            let mut best = (0usize, 0i32);
            let mut day = (i32::MIN, 0usize);
            for row in tx.open_table(wrenchdesk::store::tables::PAYMENTS_BY_DAY)?.iter()? {
                let key = row?.0.value().0;
                if key == day.0 {
                    day.1 += 1
                } else {
                    day = (key, 1)
                }
                if day.1 > best.0 {
                    best = (day.1, key);
                }
            }
            // The day index's key counts days from the common era.
            Ok(chrono::NaiveDate::from_num_days_from_ce_opt(best.1)
                .map(|d| d.to_string())
                .unwrap_or_default())
        })
        .expect("read the busiest day");
    // The statement is asked for the customer the till knows best.
    let statement_customer = store
        .read_now(|tx| {
            use redb::ReadableTable;
            let mut best = (0usize, 0u64);
            let mut run = (u64::MAX, 0usize);
            for row in tx.open_table(wrenchdesk::store::tables::PAYMENTS_BY_CUSTOMER)?.iter()? {
                let customer = row?.0.value().0;
                if customer == run.0 {
                    run.1 += 1
                } else {
                    run = (customer, 1)
                }
                if run.1 > best.0 {
                    best = (run.1, customer);
                }
            }
            Ok(best.1)
        })
        .expect("read the statement's customer");
    // Reports are asked for the last year the data reaches.
    let report_date = store
        .read_now(|tx| {
            use redb::ReadableTable;
            let last =
                tx.open_table(wrenchdesk::store::tables::DAILY_TOTALS)?.last()?.map(|(k, _)| k.value());
            Ok(last
                .and_then(chrono::NaiveDate::from_num_days_from_ce_opt)
                .map(|d| d.to_string())
                .unwrap_or_default())
        })
        .expect("read the report days");
    let inspections = store
        .read_now(|tx| {
            use wrenchdesk::domain::OrderState;
            let mut out = Vec::new();
            for o in wrenchdesk::store::orders::on_board(tx)? {
                if !matches!(o.state, OrderState::Open | OrderState::InProgress | OrderState::WaitingParts) {
                    continue;
                }
                for i in wrenchdesk::store::inspections::for_order(tx, o.id)? {
                    let kinds = i.items.iter().map(|it| it.item.kind.code()).collect();
                    out.push((format!("{:032x}", o.token), i.id, kinds));
                }
            }
            Ok(out)
        })
        .expect("read inspection samples");
    // Each call takes three answers (the third closes it): 8,000 calls ran out in one 6 s run
    // at ~3,000 answers/s, and the answers after that were refused and counted as errors.
    let followups = prepare_followups(&store, 16_000);
    Samples {
        followups,
        followup_next: std::sync::atomic::AtomicUsize::new(0),
        inspections,
        report_date,
        customer_ids,
        vehicle_ids,
        plates,
        queries,
        order_ids,
        jobs,
        customer_links,
        part_ids,
        part_queries,
        to_pick,
        to_pay,
        busy_day,
        statement_customer,
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'-' { (b as char).to_string() } else { format!("%{b:02X}") }
        })
        .collect()
}

/// One request of a scenario.
#[derive(Clone)]
struct Req {
    method: &'static str,
    path: String,
    body: Option<String>,
    htmx_target: Option<&'static str>,
}

impl Req {
    fn get(path: String) -> Req {
        Req { method: "GET", path, body: None, htmx_target: None }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Hello,
    Search,
    Lookup,
    CustomerPage,
    VehiclePage,
    Write,
    OrderPage,
    Board,
    OpenOrder,
    TechAction,
    CustomerPhone,
    PartSearch,
    PartPage,
    Valuation,
    IssuePart,
    TakePayment,
    DayEnd,
    Statement,
    RevenueYear,
    ManagerHome,
    CustomerRanking,
    /// One due list (提醒) with its default window.
    Care(wrenchdesk::domain::care::DueKind),
    CareOutcome,
    RateItem,
    InspectionPage,
    /// The appointment calendar's week (by bay), a week around today.
    WeekCalendar,
    /// Booking an appointment (overbooking confirmed, so every one is stored).
    Book,
    /// The follow-up list (回访): the calls due now and in the coming week.
    FollowUps,
    /// Answering a follow-up call (durable, with its version check).
    FollowUpAnswer,
    Mixed,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Hello => "bare warp hello",
            Kind::Search => "quick customer search",
            Kind::Lookup => "plate lookup",
            Kind::CustomerPage => "customer page",
            Kind::VehiclePage => "vehicle page",
            Kind::Write => "durable write: log a contact",
            Kind::OrderPage => "work order page",
            Kind::Board => "shop board (full page)",
            Kind::OpenOrder => "durable write: open an order",
            Kind::TechAction => "durable write: start a job (phone)",
            Kind::CustomerPhone => "customer's own phone page",
            Kind::PartSearch => "part search",
            Kind::PartPage => "part page with its ledger",
            Kind::Valuation => "stock valuation",
            Kind::IssuePart => "durable write: issue a part",
            Kind::TakePayment => "durable write: take a payment",
            Kind::DayEnd => "day-end page (busiest day)",
            Kind::Statement => "customer statement (a year)",
            Kind::RevenueYear => "revenue report, a year",
            Kind::ManagerHome => "manager's home page",
            Kind::CustomerRanking => "customer ranking, all ten years",
            Kind::Care(kind) => {
                use wrenchdesk::domain::care::DueKind;
                match kind {
                    DueKind::ServiceDate => "due list: service by date",
                    DueKind::ServiceKm => "due list: service by km",
                    DueKind::Insurance => "due list: insurance",
                    DueKind::Inspection => "due list: inspection",
                    DueKind::Birthday => "due list: birthdays",
                    DueKind::Dormant => "due list: dormant customers",
                    DueKind::Deferred => "due list: deferred work",
                }
            }
            Kind::CareOutcome => "durable write: a due-list outcome",
            Kind::RateItem => "durable write: rate an inspection item (phone)",
            Kind::InspectionPage => "inspection page (phone)",
            Kind::WeekCalendar => "appointments: the week calendar",
            Kind::Book => "durable write: book an appointment",
            Kind::FollowUps => "follow-up list",
            Kind::FollowUpAnswer => "durable write: answer a follow-up call",
            Kind::Mixed => "busy Saturday (mixed)",
        }
    }
}

fn request(kind: Kind, s: &Samples, csrf: &str, rng: &mut wrenchdesk::seed::Rng) -> Req {
    match kind {
        Kind::Hello => Req::get("/".into()),
        Kind::Search => Req {
            htmx_target: Some("results"),
            ..Req::get(format!("/customers?q={}", urlencode(&s.queries[rng.below(s.queries.len())])))
        },
        Kind::Lookup => {
            Req::get(format!("/lookup?plate={}", urlencode(&s.plates[rng.below(s.plates.len())])))
        }
        Kind::CustomerPage => {
            Req::get(format!("/customers/{}", s.customer_ids[rng.below(s.customer_ids.len())]))
        }
        Kind::VehiclePage => Req::get(format!("/vehicles/{}", s.vehicle_ids[rng.below(s.vehicle_ids.len())])),
        Kind::Write => Req {
            method: "POST",
            path: format!("/customers/{}/contacts", s.customer_ids[rng.below(s.customer_ids.len())]),
            body: Some(format!("csrf={csrf}&kind=call&summary=bench+follow-up+call")),
            htmx_target: None,
        },
        Kind::OrderPage => Req::get(format!("/orders/{}", s.order_ids[rng.below(s.order_ids.len())])),
        Kind::Board => Req::get("/board".into()),
        Kind::OpenOrder => Req {
            method: "POST",
            path: "/orders".into(),
            body: Some(format!(
                "csrf={csrf}&vehicle_id={}&confirm_second=1&fuel=2&complaint=bench+check-up",
                s.vehicle_ids[rng.below(s.vehicle_ids.len())]
            )),
            htmx_target: None,
        },
        Kind::TechAction => {
            // Starting a line pauses the technician's running one ("switched"), often on
            // another order: one or two orders rewritten per tap.
            let (token, line) = &s.jobs[rng.below(s.jobs.len())];
            Req {
                method: "POST",
                path: format!("/t/{token}/lines/{line}"),
                body: Some(format!("csrf={csrf}&action=start")),
                htmx_target: None,
            }
        }
        // The customer's page: no session needed (the bench's cookie is ignored by it).
        Kind::CustomerPhone => {
            Req::get(format!("/c/{}", s.customer_links[rng.below(s.customer_links.len())]))
        }
        Kind::PartSearch => Req {
            htmx_target: Some("part-results"),
            ..Req::get(format!("/parts?q={}", urlencode(&s.part_queries[rng.below(s.part_queries.len())])))
        },
        Kind::PartPage => Req::get(format!("/parts/{}", s.part_ids[rng.below(s.part_ids.len())])),
        Kind::Valuation => Req::get("/parts/valuation".into()),
        Kind::IssuePart => {
            // A millilitre or a thousandth of a piece at a time, so the lines never run out.
            let (order, line) = s.to_pick[rng.below(s.to_pick.len())];
            Req {
                method: "POST",
                path: format!("/orders/{order}/lines/{line}/issue"),
                body: Some(format!("csrf={csrf}&qty=0.001")),
                htmx_target: None,
            }
        }
        Kind::TakePayment => Req {
            method: "POST",
            path: format!("/orders/{}/payments", s.to_pay[rng.below(s.to_pay.len())]),
            body: Some(format!("csrf={csrf}&method=card&amount=0.01")),
            htmx_target: None,
        },
        Kind::DayEnd => Req::get(format!("/checkout/day-end?date={}", s.busy_day)),
        Kind::Statement => {
            // The year up to the last day of the data, for the busiest customer.
            let to = chrono::NaiveDate::parse_from_str(&s.report_date, "%Y-%m-%d").unwrap_or_default();
            let from = to - chrono::Duration::days(365);
            Req::get(format!("/customers/{}/statement?from={from}&to={to}", s.statement_customer))
        }
        Kind::RevenueYear => Req::get(format!("/reports/revenue?period=year&date={}", s.report_date)),
        Kind::ManagerHome => Req::get("/".into()),
        Kind::CustomerRanking => Req::get("/reports/customers?period=all".into()),
        Kind::Care(kind) => Req::get(format!("/care/{}", kind.code())),
        // Every seeded car has an insurance expiry, so every sample is on that list.
        Kind::CareOutcome => Req {
            method: "POST",
            path: format!("/care/insurance/{}/outcome", s.vehicle_ids[rng.below(s.vehicle_ids.len())]),
            body: Some(format!("csrf={csrf}&outcome=called")),
            htmx_target: None,
        },
        Kind::RateItem => {
            // One colour tap (with its reading) on one item: one inspection rewritten.
            let (token, id, kinds) = &s.inspections[rng.below(s.inspections.len())];
            let n = rng.below(kinds.len());
            let colour = ["green", "yellow", "red"][rng.below(3)];
            let extra = match kinds[n] {
                "measure" => "&value=4.5",
                "yes_no" => "&answer=no",
                _ => "",
            };
            Req {
                method: "POST",
                path: format!("/t/{token}/inspections/{id}/items/{n}"),
                body: Some(format!("csrf={csrf}&rating={colour}{extra}")),
                htmx_target: None,
            }
        }
        Kind::InspectionPage => {
            let (token, id, _) = &s.inspections[rng.below(s.inspections.len())];
            Req::get(format!("/t/{token}/inspection?i={id}"))
        }
        Kind::WeekCalendar => {
            let day = chrono::Utc::now().date_naive() + chrono::Duration::days(rng.below(21) as i64 - 14);
            Req::get(format!("/appointments?view=week&day={day}"))
        }
        Kind::Book => {
            // A day in the coming two months, a quarter hour between 08:00 and 16:45 (the
            // default opening hours), an hour long, in one of the default bays.
            let day = chrono::Utc::now().date_naive() + chrono::Duration::days(1 + rng.below(60) as i64);
            let q = rng.below(36);
            let start = format!("{day}T{:02}:{:02}", 8 + q / 4, (q % 4) * 15);
            Req {
                method: "POST",
                path: "/appointments".into(),
                body: Some(format!(
                    "csrf={csrf}&vehicle_id={}&start={}&minutes=60&work=bench+service&bay={}&overbook=1",
                    s.vehicle_ids[rng.below(s.vehicle_ids.len())],
                    urlencode(&start),
                    urlencode(&format!("{}号位", 1 + rng.below(4)))
                )),
                htmx_target: None,
            }
        }
        Kind::FollowUps => Req::get("/care/followups".into()),
        Kind::FollowUpAnswer => {
            use std::sync::atomic::Ordering;
            let n = s.followup_next.fetch_add(1, Ordering::Relaxed);
            let (id, version) = &s.followups[n % s.followups.len()];
            let version = version.fetch_add(1, Ordering::Relaxed);
            Req {
                method: "POST",
                path: format!("/care/followups/{id}/outcome"),
                body: Some(format!("csrf={csrf}&version={version}&outcome=not_reached")),
                htmx_target: None,
            }
        }
        Kind::Mixed => {
            let roll = rng.below(100);
            let kind = match roll {
                0..40 => Kind::Search,
                40..60 => Kind::Lookup,
                60..75 => Kind::CustomerPage,
                75..90 => Kind::VehiclePage,
                _ => Kind::Write,
            };
            request(kind, s, csrf, rng)
        }
    }
}

/// A keep-alive HTTP/1.1 connection, just enough of a client for a load generator.
struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
    server_ms: Option<f64>,
}

impl Conn {
    async fn open(addr: SocketAddr) -> std::io::Result<Conn> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Conn { stream, buf: Vec::with_capacity(64 * 1024), server_ms: None })
    }

    /// Sends a request; returns the status and the response's `Set-Cookie` and body. The
    /// server's own time (`Server-Timing`) is left in `self.server_ms`.
    async fn send(&mut self, req: &Req, cookie: &str) -> std::io::Result<(u16, Vec<String>, Vec<u8>)> {
        self.server_ms = None;
        let mut head = format!("{} {} HTTP/1.1\r\nHost: bench\r\n", req.method, req.path);
        if !cookie.is_empty() {
            head.push_str(&format!("Cookie: {cookie}\r\n"));
        }
        if let Some(target) = req.htmx_target {
            head.push_str(&format!("HX-Request: true\r\nHX-Target: {target}\r\n"));
        }
        if let Some(body) = &req.body {
            head.push_str(&format!(
                "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            ));
        } else {
            head.push_str("\r\n");
        }
        self.stream.write_all(head.as_bytes()).await?;
        self.buf.clear();
        let header_end = loop {
            if let Some(at) = find(&self.buf, b"\r\n\r\n") {
                break at + 4;
            }
            let mut chunk = [0u8; 16 * 1024];
            let n = self.stream.read(&mut chunk).await?;
            if n == 0 {
                return Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "closed"));
            }
            self.buf.extend_from_slice(&chunk[..n]);
        };
        let head = String::from_utf8_lossy(&self.buf[..header_end]).to_string();
        let status: u16 = head.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
        let mut length = 0usize;
        let mut cookies = Vec::new();
        for line in head.lines() {
            let lower = line.to_ascii_lowercase();
            if let Some(v) = lower.strip_prefix("content-length:") {
                length = v.trim().parse().unwrap_or(0);
            }
            if let Some(v) = lower.strip_prefix("server-timing:") {
                self.server_ms = v.split("dur=").nth(1).and_then(|d| d.trim().parse().ok());
            }
            if lower.starts_with("set-cookie:") {
                cookies.push(line["set-cookie:".len()..].trim().to_string());
            }
        }
        while self.buf.len() < header_end + length {
            let mut chunk = [0u8; 64 * 1024];
            let n = self.stream.read(&mut chunk).await?;
            if n == 0 {
                return Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "closed"));
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
        Ok((status, cookies, self.buf[header_end..header_end + length].to_vec()))
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[derive(Default, Clone)]
struct Figures {
    name: String,
    requests: u64,
    errors: u64,
    rps: f64,
    p50_ms: f64,
    p99_ms: f64,
    max_ms: f64,
    server_p50_ms: Option<f64>,
    server_p99_ms: Option<f64>,
    ratio: Option<f64>,
}

async fn drive(
    addr: SocketAddr,
    kind: Kind,
    s: Arc<Samples>,
    cookie: Arc<String>,
    csrf: Arc<String>,
    o: &Options,
) -> Figures {
    let warm_until = Instant::now() + Duration::from_secs(o.warmup);
    let end = warm_until + Duration::from_secs(o.seconds);
    let mut tasks = Vec::new();
    for worker in 0..o.connections {
        let (s, cookie, csrf) = (s.clone(), cookie.clone(), csrf.clone());
        tasks.push(tokio::spawn(async move {
            let mut rng = wrenchdesk::seed::Rng::new(worker as u64 * 7919 + 1);
            let mut latencies: Vec<u32> = Vec::with_capacity(100_000);
            let mut server: Vec<u32> = Vec::with_capacity(100_000);
            let mut errors = 0u64;
            let mut conn = Conn::open(addr).await.ok();
            loop {
                let now = Instant::now();
                if now >= end {
                    break;
                }
                let req = request(kind, &s, &csrf, &mut rng);
                let Some(c) = conn.as_mut() else {
                    errors += 1;
                    conn = Conn::open(addr).await.ok();
                    continue;
                };
                let started = Instant::now();
                let result = c.send(&req, &cookie).await;
                let took = started.elapsed();
                let ok = matches!(&result, Ok((status, _, _)) if *status < 400 || (*status == 404 && kind != Kind::Hello && req.path.starts_with("/lookup")));
                if started >= warm_until {
                    if ok {
                        latencies.push(took.as_micros().min(u128::from(u32::MAX)) as u32);
                        if let Some(ms) = c.server_ms {
                            server.push((ms * 1000.0) as u32);
                        }
                    } else {
                        errors += 1;
                    }
                }
                if result.is_err() {
                    conn = Conn::open(addr).await.ok();
                }
            }
            (latencies, server, errors)
        }));
    }
    let mut all = Vec::new();
    let mut server = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (l, sv, e) = t.await.expect("worker");
        all.extend(l);
        server.extend(sv);
        errors += e;
    }
    all.sort_unstable();
    server.sort_unstable();
    let pct_of = |v: &[u32], p: f64| -> f64 {
        if v.is_empty() {
            return 0.0;
        }
        let i = ((v.len() as f64 * p).ceil() as usize).clamp(1, v.len()) - 1;
        f64::from(v[i]) / 1000.0
    };
    let pct = |p: f64| pct_of(&all, p);
    let has_server = !server.is_empty();
    Figures {
        name: kind.name().into(),
        requests: all.len() as u64,
        errors,
        rps: all.len() as f64 / o.seconds as f64,
        p50_ms: pct(0.50),
        p99_ms: pct(0.99),
        max_ms: all.last().map(|m| f64::from(*m) / 1000.0).unwrap_or(0.0),
        server_p50_ms: has_server.then(|| pct_of(&server, 0.50)),
        server_p99_ms: has_server.then(|| pct_of(&server, 0.99)),
        ratio: None,
    }
}

fn free_addr() -> SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap()
}

fn proc_kb(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with(field)).and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn wait_ready(addr: SocketAddr, limit: Duration) -> Option<Duration> {
    let started = Instant::now();
    while started.elapsed() < limit {
        let ready = match Conn::open(addr).await {
            Ok(mut c) => matches!(c.send(&Req::get("/healthz".into()), "").await, Ok((200, _, _))),
            Err(_) => false,
        };
        if ready {
            return Some(started.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    None
}

/// Signs in as `username`; returns the session cookie and the CSRF token.
async fn login(addr: SocketAddr, username: &str) -> (String, String) {
    let mut c = Conn::open(addr).await.expect("connect");
    let (_, cookies, _) = c.send(&Req::get("/login".into()), "").await.expect("login page");
    let pre = cookies
        .iter()
        .find_map(|c| c.split(';').next().filter(|p| p.starts_with("wd_pre=")))
        .expect("pre cookie")
        .to_string();
    let token = pre["wd_pre=".len()..].to_string();
    let form = format!("username={username}&password={}&csrf={token}", wrenchdesk::seed::STAFF_PASSWORD);
    let req = Req { method: "POST", path: "/login".into(), body: Some(form), htmx_target: None };
    let (status, cookies, _) = c.send(&req, &pre).await.expect("login");
    assert_eq!(status, 303, "{username} signs in");
    let session = cookies
        .iter()
        .find_map(|c| c.split(';').next().filter(|p| p.starts_with("wd_session=")))
        .expect("session")
        .to_string();
    let (_, _, home) = c.send(&Req::get("/".into()), &session).await.expect("home");
    let home = String::from_utf8_lossy(&home);
    let marker = "name=\"csrf-token\" content=\"";
    let at = home.find(marker).expect("csrf meta") + marker.len();
    let csrf = home[at..at + 32].to_string();
    (session, csrf)
}

fn run(o: Options) -> ExitCode {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    rt.block_on(async move {
        let exe = std::env::current_exe().expect("own path");
        let work = std::env::temp_dir().join(format!("wrenchdesk-bench-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&work);
        std::fs::create_dir_all(&work).expect("work dir");
        let db = wrenchdesk::store::DB_FILE;
        std::fs::copy(o.data.join(db), work.join(db)).expect("copy the seeded database (is --data seeded?)");
        let db_bytes = std::fs::metadata(work.join(db)).map(|m| m.len()).unwrap_or(0);
        eprintln!("bench: reading samples from the dataset…");
        let samples = Arc::new(samples(&work));

        // The floor.
        let hello_addr = free_addr();
        let hello = Guard(Command::new(&exe).args(["__hello", &hello_addr.to_string()]).spawn().expect("hello server"));
        wait_ready_hello(hello_addr).await;

        // The real server, cold.
        let addr = free_addr();
        let started = Instant::now();
        let server = Guard(
            Command::new(&exe)
                .args(["__server", "--addr", &addr.to_string(), "--data", work.to_str().unwrap()])
                .args(["--backups", work.join("backups").to_str().unwrap(), "--daily-backups", "false"])
                .env("RUST_LOG", "warn")
                .stdout(Stdio::null())
                .spawn()
                .expect("server"),
        );
        let pid = server.0.id();
        let cold = wait_ready(addr, Duration::from_secs(60)).await.map(|_| started.elapsed());
        let rss_start = proc_kb(pid, "VmRSS:");
        let (cookie, csrf) = login(addr, "advisor").await;
        let (cookie, csrf) = (Arc::new(cookie), Arc::new(csrf));
        // Valuation is the stockroom's and the manager's page.
        let (manager, manager_csrf) = login(addr, "manager").await;
        let (manager, manager_csrf) = (Arc::new(manager), Arc::new(manager_csrf));

        let mut results = Vec::new();
        eprintln!("bench: {} connections, {} s warm-up, {} s per scenario", o.connections, o.warmup, o.seconds);
        let hello_figures = drive(hello_addr, Kind::Hello, samples.clone(), Arc::new(String::new()), csrf.clone(), &o).await;
        eprintln!("bench: {:<32} {:>9.0} req/s", hello_figures.name, hello_figures.rps);
        let floor = hello_figures.rps;
        results.push(hello_figures);
        // Opening orders comes after the board, which should show the shop as seeded.
        for kind in [
            Kind::Search,
            Kind::Lookup,
            Kind::CustomerPage,
            Kind::VehiclePage,
            Kind::OrderPage,
            Kind::Board,
            Kind::Write,
            Kind::OpenOrder,
            Kind::TechAction,
            Kind::CustomerPhone,
            Kind::PartSearch,
            Kind::PartPage,
            Kind::Valuation,
            Kind::IssuePart,
            Kind::TakePayment,
            Kind::DayEnd,
            Kind::Statement,
            Kind::RevenueYear,
            Kind::ManagerHome,
            Kind::CustomerRanking,
            Kind::Care(wrenchdesk::domain::care::DueKind::ServiceDate),
            Kind::Care(wrenchdesk::domain::care::DueKind::ServiceKm),
            Kind::Care(wrenchdesk::domain::care::DueKind::Insurance),
            Kind::Care(wrenchdesk::domain::care::DueKind::Inspection),
            Kind::Care(wrenchdesk::domain::care::DueKind::Birthday),
            Kind::Care(wrenchdesk::domain::care::DueKind::Dormant),
            Kind::Care(wrenchdesk::domain::care::DueKind::Deferred),
            Kind::CareOutcome,
            Kind::RateItem,
            Kind::InspectionPage,
            Kind::WeekCalendar,
            Kind::Book,
            Kind::FollowUps,
            Kind::FollowUpAnswer,
            Kind::Mixed,
        ] {
            if !o.only.is_empty() && !o.only.iter().any(|word| kind.name().contains(word.as_str())) {
                continue;
            }
            let no_samples = match kind {
                Kind::IssuePart => samples.to_pick.is_empty(),
                Kind::TakePayment => samples.to_pay.is_empty(),
                Kind::CustomerPhone => samples.customer_links.is_empty(),
                Kind::RateItem | Kind::InspectionPage => samples.inspections.is_empty(),
                Kind::FollowUpAnswer => samples.followups.is_empty(),
                _ => false,
            };
            if no_samples {
                eprintln!("bench: {:<32} skipped: nothing in the dataset to act on", kind.name());
                continue;
            }
            let by_manager = matches!(
                kind,
                Kind::Valuation
                    | Kind::TakePayment
                    | Kind::DayEnd
                    | Kind::Statement
                    | Kind::RevenueYear
                    | Kind::ManagerHome
                    | Kind::CustomerRanking
            );
            let (who, token) = if by_manager { (&manager, &manager_csrf) } else { (&cookie, &csrf) };
            let mut f = drive(addr, kind, samples.clone(), who.clone(), token.clone(), &o).await;
            f.ratio = Some(f.rps / floor);
            eprintln!("bench: {:<32} {:>9.0} req/s", f.name, f.rps);
            results.push(f);
        }

        // The same pages and writes while the server makes a backup of the whole database (asked
        // over its control socket, as `wrenchdesk backup` does).
        let full = o.only.is_empty();
        let (backup_s, backup_answer) = if full {
            let socket = work.join(wrenchdesk::server::SOCKET_FILE);
            let backup = std::thread::spawn(move || -> Result<(f64, String), String> {
                use std::io::BufRead;
                let started = Instant::now();
                let mut stream = std::os::unix::net::UnixStream::connect(&socket).map_err(|e| e.to_string())?;
                writeln!(stream, "backup").map_err(|e| e.to_string())?;
                let mut answer = String::new();
                std::io::BufReader::new(stream).read_line(&mut answer).map_err(|e| e.to_string())?;
                Ok((started.elapsed().as_secs_f64(), answer.trim().to_string()))
            });
            for kind in [Kind::OrderPage, Kind::OpenOrder, Kind::Mixed] {
                let mut f = drive(addr, kind, samples.clone(), cookie.clone(), csrf.clone(), &o).await;
                f.ratio = Some(f.rps / floor);
                f.name = format!("{} (during backup)", f.name);
                let overlapped = !backup.is_finished();
                eprintln!("bench: {:<32} {:>9.0} req/s{}", f.name, f.rps, if overlapped { "" } else { " (the backup had ended)" });
                if overlapped {
                    results.push(f);
                }
            }
            match backup.join() {
                Ok(Ok(done)) => done,
                Ok(Err(e)) => (0.0, format!("error {e}")),
                Err(_) => (0.0, "error: the backup thread panicked".into()),
            }
        } else {
            (0.0, "not run (--only)".to_string())
        };

        // Ten phones upload a photo at the same moment: how much does the server's memory grow?
        let (photo_bytes, rss_before_photos, rss_peak_photos, photos_ok, photos_ms) = if full {
            photo_burst(addr, &cookie, &csrf, &samples.jobs[0].0, pid).await
        } else {
            (0, 0, 0, 0, 0.0)
        };

        // 1,000 idle connections, then real requests beside them.
        let (idle_open, ok) = if full {
            let mut idle = Vec::new();
            for _ in 0..1000 {
                match TcpStream::connect(addr).await {
                    Ok(s) => idle.push(s),
                    Err(_) => break,
                }
            }
            let idle_open = idle.len();
            let mut ok = 0;
            for i in 0..200 {
                if let Ok(mut c) = Conn::open(addr).await {
                    let req = Req::get(format!("/customers/{}", samples.customer_ids[i % samples.customer_ids.len()]));
                    if let Ok((200, _, _)) = c.send(&req, &cookie).await {
                        ok += 1;
                    }
                }
            }
            drop(idle);
            (idle_open, ok)
        } else {
            (0, 0)
        };
        // Last, since it ends every session: restoring the backup made above, as the admin does
        // from Administration → Backups, under the mixed load. The longest request of that load
        // is the pause the shop saw.
        let restore_answer = match backup_answer.strip_prefix("ok ").and_then(|rest| rest.split(' ').next()) {
            Some(path) if full => {
                let name = Path::new(path).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                let (admin, admin_csrf) = login(addr, "admin").await;
                let restore = tokio::spawn(async move {
                    let started = Instant::now();
                    let mut c = Conn::open(addr).await.map_err(|e| e.to_string())?;
                    let req = Req {
                        method: "POST",
                        path: format!("/admin/backups/restore/{name}"),
                        body: Some(format!("csrf={admin_csrf}&confirm=1")),
                        htmx_target: None,
                    };
                    let (status, _, _) = c.send(&req, &admin).await.map_err(|e| e.to_string())?;
                    Ok::<_, String>((status, started.elapsed().as_secs_f64()))
                });
                let mut longest = 0.0f64;
                while !restore.is_finished() {
                    let f = drive(addr, Kind::Mixed, samples.clone(), cookie.clone(), csrf.clone(), &o).await;
                    longest = longest.max(f.max_ms);
                }
                match restore.await {
                    Ok(Ok((303, took))) => format!("{took:.1} s in all; the longest request of the mixed load meanwhile {longest:.0} ms"),
                    Ok(Ok((status, took))) => format!("answered {status} after {took:.1} s"),
                    Ok(Err(e)) => format!("error {e}"),
                    Err(_) => "error: the restore task failed".into(),
                }
            }
            _ => "not run".to_string(),
        };
        let rss_peak = proc_kb(pid, "VmHWM:");
        drop(server);
        drop(hello);
        let _ = std::fs::remove_dir_all(&work);

        let commit = Command::new("git").args(["rev-parse", "--short", "HEAD"]).output().ok()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string()).unwrap_or_default();
        let cpu = std::fs::read_to_string("/proc/cpuinfo").ok()
            .and_then(|s| s.lines().find(|l| l.starts_with("model name")).map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string()))
            .unwrap_or_default();
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);

        println!();
        println!("wrenchdesk benchmark · commit {commit} · {cores} cores · {cpu}");
        println!("dataset {} ({:.1} MB) · {} connections · {} s per scenario after {} s warm-up",
            o.data.display(), db_bytes as f64 / 1e6, o.connections, o.seconds, o.warmup);
        println!();
        println!("client times include queueing behind the other connections; server times are the server's own (Server-Timing)");
        println!("{:<32} {:>10} {:>9} {:>9} {:>9} {:>10} {:>10} {:>7} {:>8}", "scenario", "req/s", "p50 ms", "p99 ms", "max ms", "srv p50", "srv p99", "errors", "÷ hello");
        let opt = |v: Option<f64>| v.map(|v| format!("{v:.3}")).unwrap_or("—".into());
        for f in &results {
            println!("{:<32} {:>10.0} {:>9.3} {:>9.3} {:>9.1} {:>10} {:>10} {:>7} {:>8}", f.name, f.rps, f.p50_ms, f.p99_ms, f.max_ms,
                opt(f.server_p50_ms), opt(f.server_p99_ms), f.errors,
                f.ratio.map(|r| format!("{r:.2}")).unwrap_or("—".into()));
        }
        println!();
        println!("cold start to first 200: {}", cold.map(|d| format!("{:.0} ms", d.as_secs_f64() * 1000.0)).unwrap_or("never".into()));
        println!("server RSS after start: {:.1} MB · peak under load: {:.1} MB", rss_start as f64 / 1024.0, rss_peak as f64 / 1024.0);
        println!("1,000 idle connections: {idle_open} opened; {ok}/200 requests beside them succeeded");
        println!("backup through the running server, under the load above: {backup_s:.1} s · {backup_answer}");
        println!("restoring that backup from Administration → Backups, under the mixed load: {restore_answer}");
        println!(
            "10 photos of {:.1} MB uploaded at once: {photos_ok}/10 saved in {photos_ms:.0} ms; server RSS {:.1} MB before, {:.1} MB at most during",
            photo_bytes as f64 / 1e6, rss_before_photos as f64 / 1024.0, rss_peak_photos as f64 / 1024.0
        );

        let mut json = String::new();
        json.push_str(&format!("{{\n  \"commit\": \"{commit}\",\n  \"cores\": {cores},\n  \"cpu\": {:?},\n", cpu));
        json.push_str(&format!("  \"dataset\": {:?},\n  \"db_bytes\": {db_bytes},\n  \"connections\": {},\n  \"seconds\": {},\n  \"warmup\": {},\n",
            o.data.display().to_string(), o.connections, o.seconds, o.warmup));
        json.push_str(&format!("  \"cold_start_ms\": {},\n", cold.map(|d| format!("{:.1}", d.as_secs_f64() * 1000.0)).unwrap_or("null".into())));
        json.push_str(&format!("  \"rss_start_kb\": {rss_start},\n  \"rss_peak_kb\": {rss_peak},\n"));
        json.push_str(&format!("  \"backup_under_load_s\": {backup_s:.1},\n  \"backup_answer\": {backup_answer:?},\n"));
        json.push_str(&format!("  \"restore_under_load\": {restore_answer:?},\n"));
        json.push_str(&format!("  \"photo_bytes\": {photo_bytes},\n  \"rss_before_photos_kb\": {rss_before_photos},\n  \"rss_peak_photos_kb\": {rss_peak_photos},\n  \"photos_ok\": {photos_ok},\n"));
        json.push_str(&format!("  \"idle_connections_opened\": {idle_open},\n  \"requests_ok_beside_idle\": {ok},\n  \"scenarios\": [\n"));
        for (i, f) in results.iter().enumerate() {
            json.push_str(&format!(
                "    {{\"name\": {:?}, \"requests\": {}, \"errors\": {}, \"rps\": {:.1}, \"p50_ms\": {:.3}, \"p99_ms\": {:.3}, \"max_ms\": {:.3}, \"server_p50_ms\": {}, \"server_p99_ms\": {}, \"ratio_to_hello\": {}}}{}\n",
                f.name, f.requests, f.errors, f.rps, f.p50_ms, f.p99_ms, f.max_ms,
                f.server_p50_ms.map(|v| format!("{v:.3}")).unwrap_or("null".into()),
                f.server_p99_ms.map(|v| format!("{v:.3}")).unwrap_or("null".into()),
                f.ratio.map(|r| format!("{r:.3}")).unwrap_or("null".into()),
                if i + 1 < results.len() { "," } else { "" }));
        }
        json.push_str("  ]\n}\n");
        if let Some(parent) = o.out.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        let written = std::fs::File::create(&o.out).and_then(|mut f| f.write_all(json.as_bytes()));
        match written {
            Ok(()) => println!("figures written to {}", o.out.display()),
            Err(e) => eprintln!("bench: cannot write {}: {e}", o.out.display()),
        }
        ExitCode::SUCCESS
    })
}

async fn wait_ready_hello(addr: SocketAddr) {
    for _ in 0..5000 {
        if TcpStream::connect(addr).await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    panic!("the hello server did not start");
}

/// Uploads ten camera-sized JPEGs at once as notes on one order, sampling the server's RSS
/// meanwhile. Returns the photo size, RSS before, the highest RSS seen, photos saved, time.
async fn photo_burst(
    addr: SocketAddr,
    cookie: &str,
    csrf: &str,
    token: &str,
    pid: u32,
) -> (usize, u64, u64, usize, f64) {
    // A 4000 × 3000 picture with texture, about what a phone camera sends.
    let mut seed = wrenchdesk::seed::Rng::new(9);
    let picture = image::RgbImage::from_fn(4000, 3000, |x, y| {
        let n = (seed.next_u64() & 0x1f) as u8;
        image::Rgb([(x / 16) as u8 ^ n, (y / 12) as u8, ((x + y) / 28) as u8 ^ n])
    });
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90)
        .encode_image(&picture)
        .expect("encode the test photo");
    let boundary = "wdbenchboundary";
    let mut body = Vec::new();
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n").as_bytes(),
    );
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\nbench photo\r\n")
            .as_bytes(),
    );
    body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"p.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n").as_bytes());
    body.extend_from_slice(&jpeg);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let head = format!(
        "POST /t/{token}/notes HTTP/1.1\r\nHost: bench\r\nCookie: {cookie}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let request = Arc::new([head.into_bytes(), body].concat());
    let before = proc_kb(pid, "VmRSS:");
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sampler = {
        let done = done.clone();
        tokio::spawn(async move {
            let mut peak = 0;
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                peak = peak.max(proc_kb(pid, "VmRSS:"));
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            peak
        })
    };
    let started = Instant::now();
    let uploads: Vec<_> = (0..10)
        .map(|_| {
            let request = request.clone();
            tokio::spawn(async move {
                let mut stream = TcpStream::connect(addr).await.ok()?;
                stream.write_all(&request).await.ok()?;
                let mut response = Vec::new();
                stream.read_to_end(&mut response).await.ok()?;
                Some(response.starts_with(b"HTTP/1.1 303"))
            })
        })
        .collect();
    let mut ok = 0;
    for u in uploads {
        if let Ok(Some(true)) = u.await {
            ok += 1;
        }
    }
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    let peak = sampler.await.unwrap_or(0).max(proc_kb(pid, "VmRSS:"));
    (jpeg.len(), before, peak, ok, ms)
}
