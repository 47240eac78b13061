//! A day at the shop, written through the store's real write path (the `_tx` functions the web
//! layer calls, inside [`Store::write_touching`], batched as the server batches them, and
//! [`Store::write_lazy`]), with a [`Ledger`] of what the store answered.
//!
//! Customers and their cars come in; orders are opened, get a labour and a part line, are
//! approved, clocked (start, pause, start, finish), have their part issued from stock, go to
//! quality check and completion, and are paid, in one or two payments of any method, then
//! handed over; now and then one is cancelled. The stockroom receives stock and adds parts;
//! sessions are touched lazily (not synced, as the server does on every request). Refusals by
//! the shop's rules are part of the day: they commit nothing.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use chrono::Utc;
use redb::{ReadTransaction, ReadableTable, ReadableTableMetadata, WriteTransaction};
use rust_decimal::Decimal;

use super::disk::SimulatedDisk;
use crate::domain::checkout::PaymentInput;
use crate::domain::clock::{ClockAction, PauseReason};
use crate::domain::customer::CustomerInput;
use crate::domain::part::{PartDetails, PartId, PartInput};
use crate::domain::stock::ReceiptLine;
use crate::domain::vehicle::VehicleInput;
use crate::domain::work_order::{
    ApprovalDetails, ApprovalMethod, Decision, LineDetails, LineInput, Reception,
};
use crate::domain::{
    CustomerDetails, CustomerId, OrderId, OrderState, Role, Roles, Session, Settings, UserId, Username,
    VehicleDetails, VehicleId,
};
use crate::seed::Rng;
use crate::store::audit::{Actor, AuditEntry};
use crate::store::parts::stock::{ReceiptDraft, receive_tx};
use crate::store::tables::{AUDIT, META};
use crate::store::{
    Store, StoreError, StoreResult, Touched, checkout, customers, orders, parts, sessions, settings, users,
    vehicles,
};

/// A record a write made, which must be found after the cut if the write was kept.
#[derive(Clone, Copy, Debug)]
pub enum Record {
    Customer(CustomerId),
    Vehicle(VehicleId),
    Order(OrderId),
    Part(PartId),
    Payment(u64),
}

/// One committed write.
#[derive(Debug)]
pub struct Saved {
    pub what: &'static str,
    /// Its commit number (the store's own count, see `flush`).
    pub commit: u64,
    /// The disk's call count when the store answered "saved"; `None` for a lazy write, which is
    /// never answered so.
    pub answered_at: Option<usize>,
    pub record: Option<Record>,
}

/// The database as a snapshot saw it right after a commit: how many rows each table held and
/// the last audit entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shape {
    pub tables: BTreeMap<String, u64>,
    pub last_audit: u64,
}

/// Everything the store answered during the workload.
#[derive(Debug, Default)]
pub struct Ledger {
    pub saved: Vec<Saved>,
    /// By commit number. Every commit has one when one thread writes; with several, a commit
    /// another one overtook before its snapshot may have none.
    pub shapes: BTreeMap<u64, Shape>,
    /// Every audit entry ever committed, by id (entries are never rewritten).
    pub audit: BTreeMap<u64, AuditEntry>,
    pub refused: usize,
    /// Writes answered "saved", by kind.
    pub kinds: BTreeMap<&'static str, usize>,
}

/// What a read transaction sees: its commit number, the database's shape, and the audit
/// entries after a given one.
pub struct Snapshot {
    pub commit: u64,
    pub shape: Shape,
    pub audit: Vec<(u64, AuditEntry)>,
}

/// The [`Snapshot`] of `tx`, with the audit entries after `after`.
pub fn snapshot(tx: &ReadTransaction, after: u64) -> StoreResult<Snapshot> {
    let commit = tx.open_table(META)?.get(crate::store::flush::COMMIT_KEY)?.map(|v| v.value()).unwrap_or(0);
    let mut tables = BTreeMap::new();
    for handle in tx.list_tables()? {
        let name = redb::TableHandle::name(&handle).to_string();
        // The commit number itself lives in `meta`, counted apart.
        if name != META.to_string() {
            tables.insert(name, tx.open_untyped_table(handle)?.len()?);
        }
    }
    let mut audit = Vec::new();
    for row in tx.open_table(AUDIT)?.range(after + 1..)? {
        let (id, entry) = row?;
        audit.push((id.value(), entry.value()));
    }
    let last_audit = audit.last().map(|(id, _)| *id).unwrap_or(after);
    Ok(Snapshot { commit, shape: Shape { tables, last_audit }, audit })
}

/// The number the commit of the running transaction will get.
fn next_commit_tx(tx: &WriteTransaction) -> StoreResult<u64> {
    Ok(tx.open_table(META)?.get(crate::store::flush::COMMIT_KEY)?.map(|v| v.value()).unwrap_or(0) + 1)
}

/// The store over the simulated disk and the ledger of its answers, shared by the writers.
#[derive(Clone)]
pub struct Till {
    pub store: Store,
    pub disk: SimulatedDisk,
    pub ledger: Arc<Mutex<Ledger>>,
    runtime: Arc<tokio::runtime::Runtime>,
}

impl Till {
    pub fn open(dir: &Path, disk: &SimulatedDisk) -> Till {
        let store = Store::open_simulated(dir, disk).expect("the store opens on the simulated disk");
        let runtime = tokio::runtime::Builder::new_current_thread().build().expect("a runtime");
        let till = Till { store, disk: disk.clone(), ledger: Default::default(), runtime: Arc::new(runtime) };
        till.snapshot();
        till
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Ledger> {
        self.ledger.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records the shape of the database now.
    fn snapshot(&self) {
        let after = self.lock().audit.keys().next_back().copied().unwrap_or(0);
        let seen = self.store.read_now(|tx| snapshot(tx, after)).expect("a snapshot reads");
        let mut ledger = self.lock();
        ledger.audit.extend(seen.audit);
        ledger.shapes.insert(seen.commit, seen.shape);
    }

    /// One durable write, through the batches the web layer's writes go through (several
    /// writers' actions share a transaction, see `store::batch`); `Some` if the store answered
    /// "saved", `None` if the shop's rules refused it. A storage error fails the test: the
    /// simulated disk never fails.
    fn write<T: Send + 'static>(
        &self,
        what: &'static str,
        f: impl Fn(&WriteTransaction, &mut Touched) -> StoreResult<(T, Option<Record>)> + Send + 'static,
    ) -> Option<T> {
        let written = self.runtime.block_on(self.store.write_touching(move |tx, t| {
            let (out, record) = f(tx, t)?;
            Ok((out, record, next_commit_tx(tx)?))
        }));
        match written {
            Ok((out, record, commit)) => {
                let answered_at = Some(self.disk.calls());
                {
                    let mut ledger = self.lock();
                    ledger.saved.push(Saved { what, commit, answered_at, record });
                    *ledger.kinds.entry(what).or_default() += 1;
                }
                self.snapshot();
                Some(out)
            }
            Err(e @ (StoreError::Storage(_) | StoreError::Unconfirmed(_) | StoreError::Internal(_))) => {
                panic!("{what}: the simulated disk never fails, yet: {e:?}")
            }
            Err(_) => {
                self.lock().refused += 1;
                None
            }
        }
    }

    /// A write that is not synced (a session's last-seen time).
    fn write_lazy(
        &self,
        what: &'static str,
        f: impl FnOnce(&WriteTransaction) -> StoreResult<()> + Send + 'static,
    ) {
        let store = self.store.clone();
        let commit = self
            .runtime
            .block_on(store.write_lazy(move |tx| {
                f(tx)?;
                next_commit_tx(tx)
            }))
            .unwrap_or_else(|e| panic!("{what}: {e:?}"));
        self.lock().saved.push(Saved { what, commit, answered_at: None, record: None });
        self.snapshot();
    }
}

/// Who works at the shop.
#[derive(Clone)]
pub struct Staff {
    advisor: (Actor, Roles),
    cashier: (Actor, Roles),
    clerk: (Actor, Roles),
    technicians: Vec<(Actor, Roles)>,
    /// A signed-in session per member.
    sessions: Vec<u128>,
    parts: Vec<PartId>,
    settings: Settings,
}

/// Hires the staff, signs them in and stocks the shelves: the first writes on a new database.
pub fn open_shop(till: &Till, technicians: usize) -> Staff {
    let admin = Actor::system();
    let hire = |name: String, role: Role| {
        let roles = Roles::of(&[role]);
        let new = users::NewUser {
            username: Username::parse(&name).unwrap(),
            display_name: name.clone(),
            password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
            roles,
            must_change_password: false,
        };
        let admin = admin.clone();
        let user = till
            .write("user", move |tx, _| {
                let cap = Roles::of(&[Role::Admin]).admin_cap().expect("an admin may");
                Ok((users::create_tx(tx, &cap, &admin, new.clone())?, None))
            })
            .expect("a new user is hired");
        (Actor::user(user.id, &user.display_name), roles)
    };
    let advisor = hire("advisor".into(), Role::Advisor);
    let cashier = hire("cashier".into(), Role::Cashier);
    let clerk = hire("clerk".into(), Role::Parts);
    let technicians: Vec<_> = (0..technicians).map(|i| hire(format!("tech{i}"), Role::Technician)).collect();
    let mut ids: Vec<UserId> = vec![];
    for (actor, _) in [&advisor, &cashier, &clerk].into_iter().chain(&technicians) {
        ids.push(actor.user_id.expect("a user"));
    }
    let sessions: Vec<u128> = (1..=ids.len() as u128).collect();
    for (id, user) in sessions.iter().zip(&ids) {
        let now = Utc::now();
        let session = Session {
            user_id: *user,
            csrf: format!("csrf-{id}"),
            created_at: now,
            last_seen: now,
            expires_at: now + chrono::Duration::hours(12),
            locked: false,
            return_to: None,
        };
        let id = *id;
        till.write("sign-in", move |tx, _| Ok((sessions::insert_tx(tx, id, &session)?, None)));
    }
    let settings = till.store.read_now(settings::get).unwrap();
    let mut staff = Staff { advisor, cashier, clerk, technicians, sessions, parts: vec![], settings };
    for n in 0..3 {
        new_part(till, &mut staff, n);
    }
    staff
}

fn new_part(till: &Till, staff: &mut Staff, n: usize) {
    let input = PartInput {
        number: format!("P-{n:04}"),
        name: ["机油滤清器", "刹车片", "火花塞", "空气滤芯"][n % 4].into(),
        unit: "piece".into(),
        cost: "35.50".into(),
        price: format!("{}", 60 + n * 7),
        min_stock: "2".into(),
        active: true,
        ..Default::default()
    };
    let new = PartDetails::check(&input, &staff.settings.part_units, &[], true).expect("a valid part");
    let (clerk, _) = staff.clerk.clone();
    if let Some(part) = till.write("part", move |tx, t| {
        let part = parts::create_tx(tx, t, &clerk, new.clone())?;
        Ok((part.id, Some(Record::Part(part.id))))
    }) {
        staff.parts.push(part);
        receive(till, staff, part, 6);
    }
}

fn receive(till: &Till, staff: &Staff, part: PartId, qty: i64) {
    let draft = ReceiptDraft {
        supplier: None,
        invoice_no: format!("INV-{}", part.0),
        date: Utc::now().date_naive(),
        lines: vec![ReceiptLine { part, qty: Decimal::from(qty), unit_cost: Decimal::new(3400, 2) }],
    };
    let (clerk, _) = staff.clerk.clone();
    till.write("stock receipt", move |tx, t| {
        Ok((receive_tx(tx, t, &clerk, draft.clone())?, Some(Record::Part(part))))
    });
}

/// Where an order is in its day.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Step {
    Lines,
    Approve,
    Start,
    Work,
    Issue,
    QualityCheck,
    Complete,
    Pay,
    Deliver,
}

struct Job {
    order: OrderId,
    step: Step,
    technician: usize,
    labour: u32,
    part: Option<(u32, PartId)>,
    paused: bool,
    refused: u32,
}

/// One writer's share of the day: `writes` attempts, on its own customers and orders.
pub fn work(till: &Till, staff: &Staff, writer: usize, seed: u64, writes: usize) {
    let mut rng = Rng::new(seed);
    let mut staff = staff.clone();
    let mut cars: Vec<VehicleId> = vec![];
    let mut jobs: Vec<Job> = vec![];
    let (mut customers_made, mut parts_made) = (0usize, 0usize);
    let today = Utc::now().date_naive();
    for _ in 0..writes {
        let roll = rng.below(100);
        if cars.is_empty() || roll < 8 {
            // A new customer, then their car.
            customers_made += 1;
            let n = writer * 10_000 + customers_made;
            let input = CustomerInput {
                kind: "person".into(),
                name: format!("客户{n}"),
                phone: format!("139{n:08}"),
                ..Default::default()
            };
            let details = CustomerDetails::check(
                &input,
                today,
                &staff.settings.customer_sources,
                &staff.settings.customer_levels,
            )
            .expect("a valid customer");
            let (advisor, _) = staff.advisor.clone();
            let a = advisor.clone();
            let Some(customer) = till.write("customer", move |tx, t| {
                let c = customers::create_tx(tx, t, &a, details.clone())?;
                Ok((c.id, Some(Record::Customer(c.id))))
            }) else {
                continue;
            };
            let plate = format!("粤{}{n:05}", ["A", "B", "C", "D", "E", "F"][writer % 6]);
            let input = VehicleInput { plate, mileage: format!("{}", 20_000 + n), ..Default::default() };
            let details = VehicleDetails::check(&input, today).expect("a valid car");
            if let Some(car) = till.write("vehicle", move |tx, t| {
                let v = vehicles::create_tx(tx, t, &advisor, customer, details.clone())?;
                Ok((v.id, Some(Record::Vehicle(v.id))))
            }) {
                cars.push(car);
            }
        } else if roll < 12 {
            let part = *rng.pick(&staff.parts);
            receive(till, &staff, part, 2 + rng.below(6) as i64);
        } else if roll < 14 && parts_made < 4 {
            parts_made += 1;
            new_part(till, &mut staff, 100 * (writer + 1) + parts_made);
        } else if roll < 26 {
            let id = *rng.pick(&staff.sessions);
            till.write_lazy("session touch", move |tx| sessions::touch_tx(tx, id, Utc::now()));
        } else if roll < 36 || jobs.is_empty() {
            if jobs.len() < 6 {
                let car = *rng.pick(&cars);
                if let Some(job) = open(till, &staff, &mut rng, car) {
                    jobs.push(job);
                }
            }
        } else {
            let i = rng.below(jobs.len());
            let done = advance(till, &staff, &mut rng, &mut jobs[i]);
            if done {
                jobs.swap_remove(i);
            }
        }
    }
}

fn open(till: &Till, staff: &Staff, rng: &mut Rng, car: VehicleId) -> Option<Job> {
    let (advisor, _) = staff.advisor.clone();
    let reception = Reception {
        mileage: None,
        fuel: Some(rng.below(5) as u8),
        complaint: ["刹车异响", "保养", "空调不凉", "发动机故障灯亮"][rng.below(4)].into(),
        items_left: String::new(),
        promised_at: None,
        advisor: advisor.user_id,
    };
    let options = orders::OpenOptions { confirm_second: true, ..Default::default() };
    let settings = staff.settings.clone();
    let order = till.write("order", move |tx, t| {
        let o = orders::open_tx(tx, t, &advisor, &settings, car, reception.clone(), options, Utc::now())?;
        Ok((o.id, Some(Record::Order(o.id))))
    })?;
    let technician = rng.below(staff.technicians.len());
    Some(Job { order, step: Step::Lines, technician, labour: 0, part: None, paused: false, refused: 0 })
}

/// Moves a job one step on; `true` once it is over (handed over or cancelled).
fn advance(till: &Till, staff: &Staff, rng: &mut Rng, job: &mut Job) -> bool {
    let id = job.order;
    let (advisor, advisor_roles) = staff.advisor.clone();
    let (tech, tech_roles) = staff.technicians[job.technician].clone();
    let unpaid = !matches!(job.step, Step::Pay | Step::Deliver);
    if unpaid && (job.refused >= 3 || rng.chance(3)) {
        let a = advisor.clone();
        let cancelled = till.write("cancel", move |tx, t| {
            let o = orders::transition_tx(tx, t, &a, advisor_roles, id, OrderState::Cancelled, "客户取消")?;
            Ok((o, Some(Record::Order(id))))
        });
        if cancelled.is_some() {
            return true;
        }
    }
    let labour = job.labour;
    let clock = |what, action| {
        let tech = tech.clone();
        till.write(what, move |tx, t| {
            let (o, _) = orders::clock_tx(tx, t, &tech, tech_roles, id, labour, action)?;
            Ok((o, Some(Record::Order(id))))
        })
    };
    let next = match job.step {
        Step::Lines => {
            let labour = LineInput {
                kind: "labor".into(),
                description: "更换刹车片".into(),
                hours: format!("{}.5", rng.below(3)),
                technician_id: tech.user_id.unwrap().to_string(),
                ..Default::default()
            };
            let technicians: Vec<UserId> = staff.technicians.iter().filter_map(|(a, _)| a.user_id).collect();
            let mut lines =
                vec![LineDetails::check(&labour, staff.settings.labour_rate, &technicians).unwrap()];
            let part = *rng.pick(&staff.parts);
            if rng.chance(80) {
                let input = LineInput {
                    kind: "part".into(),
                    description: "刹车片".into(),
                    part_id: part.0.to_string(),
                    qty: format!("{}", 1 + rng.below(2)),
                    unit_price: "88.00".into(),
                    ..Default::default()
                };
                lines.push(LineDetails::check(&input, staff.settings.labour_rate, &technicians).unwrap());
            }
            let a = advisor.clone();
            till.write("lines", move |tx, t| {
                let o = orders::add_lines_tx(tx, t, &a, id, lines.clone(), "")?;
                Ok((o, Some(Record::Order(id))))
            })
            .map(|o| {
                let new: Vec<_> = o.lines.iter().rev().take(2).collect();
                for line in new {
                    if line.is_labour() {
                        job.labour = line.no;
                    } else if line.catalog_part().is_some() {
                        job.part = Some((line.no, part));
                    }
                }
                Step::Approve
            })
        }
        Step::Approve => {
            let method = if rng.chance(50) { ApprovalMethod::Phone } else { ApprovalMethod::InPerson };
            let a = advisor.clone();
            till.write("approval", move |tx, t| {
                let order = orders::get_tx(tx, id)?;
                let details = ApprovalDetails {
                    estimate_version: order.estimate_version,
                    method,
                    approver: "车主".into(),
                    decisions: order.pending_lines().map(|l| (l.no, Decision::Approved)).collect(),
                    signature: (method == ApprovalMethod::InPerson).then(|| {
                        crate::domain::work_order::Signature {
                            strokes: vec![vec![(10, 10), (20, 20), (30, 25), (40, 40), (50, 50)]],
                        }
                    }),
                    note: String::new(),
                };
                Ok((orders::approve_tx(tx, t, &a, id, details)?, Some(Record::Order(id))))
            })
            .map(|_| Step::Start)
        }
        Step::Start => clock("clock start", ClockAction::Start).map(|_| Step::Work),
        Step::Work if !job.paused && rng.chance(40) => {
            job.paused = true;
            clock("clock pause", ClockAction::Pause(PauseReason::Break)).map(|_| Step::Start)
        }
        Step::Work => clock("clock finish", ClockAction::Finish)
            .map(|_| if job.part.is_some() { Step::Issue } else { Step::QualityCheck }),
        Step::Issue => {
            let (no, part) = job.part.expect("a part line");
            let (clerk, _) = staff.clerk.clone();
            let issued = till.write("stock issue", move |tx, t| {
                let o = orders::issue_line_tx(tx, t, &clerk, id, no, None, false, Utc::now())?;
                Ok((o, Some(Record::Part(part))))
            });
            if issued.is_none() {
                // Not enough on the shelf: the clerk orders some in.
                receive(till, staff, part, 5);
            }
            issued.map(|_| Step::QualityCheck)
        }
        Step::QualityCheck | Step::Complete => {
            let to =
                if job.step == Step::Complete { OrderState::Completed } else { OrderState::QualityCheck };
            let a = advisor.clone();
            till.write("state change", move |tx, t| {
                let o = orders::transition_tx(tx, t, &a, advisor_roles, id, to, "")?;
                Ok((o, Some(Record::Order(id))))
            })
            .map(|_| if to == OrderState::Completed { Step::Pay } else { Step::Complete })
        }
        Step::Pay => {
            let (cashier, cashier_roles) = staff.cashier.clone();
            let method = *rng.pick(&["cash", "wechat", "alipay", "card", "transfer", "on_account"]);
            let split = rng.chance(40);
            let settings = staff.settings.clone();
            till.write("payment", move |tx, t| {
                let balance = checkout::balance_tx(tx, id, &settings)?;
                let amount = if split && balance > Decimal::from(10) {
                    (balance / Decimal::TWO).round_dp(2)
                } else {
                    balance
                };
                let input = PaymentInput {
                    method: method.into(),
                    amount: amount.to_string(),
                    reference: String::new(),
                };
                let paid = checkout::pay_tx(tx, t, &cashier, cashier_roles, id, &input, &settings)?;
                let record = Some(Record::Payment(paid.payment.id));
                Ok((paid.settled, record))
            })
            .map(|settled| if settled { Step::Deliver } else { Step::Pay })
        }
        Step::Deliver => {
            let delivered = till.write("hand-over", move |tx, t| {
                let o = orders::transition_tx(tx, t, &advisor, advisor_roles, id, OrderState::Delivered, "")?;
                Ok((o, Some(Record::Order(id))))
            });
            job.refused += 1;
            return delivered.is_some() || job.refused >= 3;
        }
    };
    match next {
        Some(step) => {
            job.step = step;
            job.refused = 0;
        }
        None => job.refused += 1,
    }
    false
}
