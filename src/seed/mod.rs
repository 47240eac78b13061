//! Deterministic generated data: the `demo` shop (a few hundred customers) and the `ten-years`
//! reference dataset (ten years of a busy shop: 50,000 customers, 200,000 work orders; the
//! size benchmarks and load tests are measured against). Everything goes through the same
//! domain checks and store functions the server uses, in batched transactions. It generates
//! only what the modules that exist can hold (today: users, customers, vehicles, contact
//! history) and grows with them. (Long: a data generator, best read from top to bottom.)
//!
//! The data ends at the moment it is generated, so the demo opens on a working day: the cars
//! in the shop came in this morning and the days before and are promised around now (a few
//! late), one open order per car, every order's work the service template of its complaint
//! (`jobs`), no car with history before its model year, the mileage at reception following
//! each car's odometer, and a shop profile with a name, an address and a phone.

mod appointments;
mod care;
mod checkout;
mod followups;
mod inspections;
pub mod jobs;
mod parts;
mod walkarounds;

use std::time::Instant;

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};

use crate::domain::customer::CustomerInput;
use crate::domain::plate::check_digit;
use crate::domain::vehicle::VehicleInput;
use crate::domain::work_order::{
    ApprovalDetails, ApprovalMethod, Assignment, Decision, LineDetails, LineInput, Reception, Transition,
    check_transition,
};
use crate::domain::{
    ContactKind, CustomerDetails, CustomerId, Line, OrderState, Role, Roles, Settings, UserId, Username,
    VehicleDetails, VehicleId, WorkOrder,
};
use crate::password;
use crate::store::users::NewUser;
use crate::store::{Actor, Store, StoreError, StoreResult, customers, orders, users, vehicles};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Profile {
    Demo,
    TenYears,
}

impl Profile {
    pub fn parse(name: &str) -> Option<Profile> {
        match name {
            "demo" => Some(Profile::Demo),
            "ten-years" => Some(Profile::TenYears),
            _ => None,
        }
    }

    fn customers(self) -> usize {
        match self {
            Profile::Demo => 300,
            Profile::TenYears => 50_000,
        }
    }

    fn vehicles(self) -> usize {
        match self {
            Profile::Demo => 420,
            Profile::TenYears => 70_000,
        }
    }

    fn orders(self) -> usize {
        match self {
            Profile::Demo => 900,
            Profile::TenYears => 200_000,
        }
    }

    /// Catalog parts and suppliers.
    fn stockroom(self) -> (usize, usize) {
        match self {
            Profile::Demo => (120, 12),
            Profile::TenYears => (5_000, 300),
        }
    }

    /// Of 1,000 orders paid at the till, how many the manager puts right (a void, a refund):
    /// a demo shows a few.
    fn put_right_per_mille(self) -> usize {
        match self {
            Profile::Demo => 20,
            Profile::TenYears => 3,
        }
    }

    /// The days back the work orders reach: the demo shop's two years are busy enough that
    /// every recent day has cars delivered (and follow-up calls due); the reference dataset's
    /// ten years are its size.
    fn order_days(self) -> usize {
        match self {
            Profile::Demo => 730,
            Profile::TenYears => 3650,
        }
    }

    /// Orders still in the shop (on the board) at the end of the generated period.
    fn in_shop(self) -> usize {
        match self {
            Profile::Demo => 24,
            Profile::TenYears => 60,
        }
    }
}

/// The password of every generated staff account (generated data only, never a real shop).
pub const STAFF_PASSWORD: &str = "wrenchdesk-demo";

/// What was generated.
#[derive(Debug, Default)]
pub struct Summary {
    pub users: usize,
    pub customers: usize,
    pub vehicles: usize,
    pub contacts: usize,
    pub orders: usize,
    pub lines: usize,
    pub parts: usize,
    pub suppliers: usize,
    pub stock_moves: u64,
    pub stocktakes: usize,
    pub payments: usize,
    pub voids: usize,
    pub refunds: usize,
    pub inspections: usize,
    pub walkarounds: usize,
    pub appointments: usize,
    pub followups: usize,
    pub seconds: f64,
}

/// SplitMix64: small, fast, and the same sequence on every machine and every version, which a
/// library RNG does not promise.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何",
    "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "肖", "田",
    "董", "袁", "潘", "于", "蒋", "蔡", "余", "杜", "叶", "程", "苏", "魏", "吕", "丁", "任", "沈", "姚",
    "卢", "姜", "崔", "钟", "谭", "陆", "汪", "范", "金", "石", "廖", "贾", "夏", "韦", "方", "白", "邹",
    "孟", "熊", "秦", "邱", "江", "尹", "薛", "欧阳",
];
/// Given names of one character…
const GIVEN_ONE: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超",
    "霞", "平", "刚", "华", "雪", "慧", "宇", "浩", "婷", "鑫", "俊", "晨", "凯", "斌", "鹏", "辉", "玲",
    "红", "文", "博",
];
/// …and of two, each a whole name: a given name is one of these lists, never two glued.
const GIVEN_TWO: &[&str] = &[
    "秀英", "桂英", "建国", "建华", "志强", "晓东", "海燕", "欣怡", "子涵", "梓萱", "宇轩", "浩然", "一鸣",
    "丽华", "国强", "明辉", "文博", "佳怡", "俊杰", "晓燕", "志明", "春梅", "海涛", "雨涵", "子轩", "思远",
];
const PINYIN_GIVEN: &[&str] =
    &["Wei", "Fang", "Na", "Min", "Jing", "Lei", "Jun", "Yang", "Jie", "Tao", "Ming", "Chao", "Hui"];
const PINYIN_SURNAMES: &[&str] =
    &["Zhang", "Wang", "Li", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Lin"];
const WESTERN: &[&str] = &[
    "Michael Brown",
    "Anna Schmidt",
    "David Miller",
    "Sarah Johnson",
    "Tom Becker",
    "Olga Ivanova",
    "Kenji Sato",
];
const COMPANY_PREFIX: &[&str] =
    &["鹏程", "华通", "顺达", "安捷", "宏远", "金桥", "新航", "联运", "恒信", "南山"];
const COMPANY_KIND: &[&str] =
    &["物流有限公司", "出租汽车有限公司", "建设工程有限公司", "商贸有限公司", "租车服务有限公司"];
const STREETS: &[&str] =
    &["深南大道", "滨海大道", "北环大道", "宝安大道", "龙岗大道", "南海大道", "红荔路", "福华路"];
const DISTRICTS: &[&str] = &["南山区", "福田区", "罗湖区", "宝安区", "龙岗区", "龙华区"];
/// The shop is in Shenzhen: most plates are 粤B, some from elsewhere.
const PROVINCE_PLATES: &[(&str, u64)] =
    &[("粤B", 80), ("粤A", 6), ("湘", 4), ("赣", 3), ("桂", 3), ("川", 2), ("鄂", 2)];
const LETTERS: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";

/// World manufacturer identifiers with the makes and models sold under them.
pub(crate) const MAKES: &[(&str, &str, &[&str])] = &[
    ("LSV", "大众", &["朗逸", "帕萨特", "途观L", "速腾"]),
    ("LFV", "一汽大众", &["迈腾", "宝来", "探岳", "高尔夫"]),
    ("LVG", "广汽丰田", &["凯美瑞", "汉兰达", "雷凌"]),
    ("LHG", "广汽本田", &["雅阁", "飞度", "缤智"]),
    ("LGB", "东风日产", &["轩逸", "天籁", "奇骏"]),
    ("LGX", "比亚迪", &["汉", "秦PLUS", "宋PLUS", "元PLUS"]),
    ("LSG", "别克", &["英朗", "君越", "GL8"]),
    ("LBV", "华晨宝马", &["3系", "5系", "X3"]),
    ("LE4", "北京奔驰", &["C级", "E级", "GLC"]),
    ("LRW", "特斯拉", &["Model 3", "Model Y"]),
];
const COLORS: &[&str] = &["白色", "黑色", "银色", "灰色", "蓝色", "红色", "珍珠白", "香槟金"];
const INSURERS: &[&str] = &["中国人保", "平安保险", "太平洋保险", "中国人寿财险", "大地保险"];
const CONTACT_NOTES: &[&str] = &[
    "保养到期提醒，客户说下周来",
    "回访：对上次维修满意",
    "询问轮胎价格",
    "年检提醒已发送",
    "客户来店咨询钣金报价",
    "保险续保提醒",
];

pub(crate) fn person_name(rng: &mut Rng) -> String {
    if rng.chance(5) {
        return rng.pick(WESTERN).to_string();
    }
    if rng.chance(6) {
        return format!("{} {}", rng.pick(PINYIN_GIVEN), rng.pick(PINYIN_SURNAMES));
    }
    let given = if rng.chance(60) { rng.pick(GIVEN_TWO) } else { rng.pick(GIVEN_ONE) };
    format!("{}{}", rng.pick(SURNAMES), given)
}

pub(crate) fn mobile(rng: &mut Rng) -> String {
    let second = *rng.pick(b"35789") as char;
    format!("1{second}{:09}", rng.next_u64() % 1_000_000_000)
}

fn plate(rng: &mut Rng) -> String {
    let roll = rng.below(100) as u64;
    let mut acc = 0;
    let mut prefix = PROVINCE_PLATES[0].0.to_string();
    for (p, weight) in PROVINCE_PLATES {
        acc += weight;
        if roll < acc {
            prefix = p.to_string();
            break;
        }
    }
    if prefix.chars().count() == 1 {
        prefix.push(LETTERS[rng.below(8)] as char);
    }
    if rng.chance(12) {
        // New-energy plate: D or F then five digits.
        let kind = if rng.chance(70) { 'D' } else { 'F' };
        return format!("{prefix}{kind}{:05}", rng.next_u64() % 100_000);
    }
    let mut tail = String::new();
    for i in 0..5 {
        let letter = i < 2 && rng.chance(30);
        if letter {
            tail.push(LETTERS[rng.below(LETTERS.len())] as char);
        } else {
            tail.push((b'0' + rng.below(10) as u8) as char);
        }
    }
    format!("{prefix}{tail}")
}

fn vin(rng: &mut Rng, wmi: &str, year: i32) -> String {
    const VIN_CHARS: &[u8] = b"ABCDEFGHJKLMNPRSTUVWXYZ0123456789";
    const YEAR_CODES: &[u8] = b"ABCDEFGHJKLMNPRSTVWXY123456789";
    let mut v: Vec<u8> = wmi.bytes().collect();
    for _ in 3..8 {
        v.push(VIN_CHARS[rng.below(VIN_CHARS.len())]);
    }
    v.push(b'0');
    v.push(YEAR_CODES[((year - 2010).rem_euclid(30)) as usize]);
    v.push(VIN_CHARS[rng.below(23)]);
    for _ in 11..17 {
        v.push(b'0' + rng.below(10) as u8);
    }
    let text = String::from_utf8(v).expect("ASCII");
    let digit = check_digit(&text);
    let mut bytes = text.into_bytes();
    bytes[8] = digit;
    String::from_utf8(bytes).expect("ASCII")
}

/// A moment in the ten years before `end`, busier in spring and before the Spring Festival.
fn when(rng: &mut Rng, end: DateTime<Utc>) -> DateTime<Utc> {
    when_within(rng, end, 3650)
}

/// A moment in opening hours in the `span` days before `end` (never after it).
fn when_within(rng: &mut Rng, end: DateTime<Utc>, span: usize) -> DateTime<Utc> {
    loop {
        let days = rng.below(span) as i64;
        let at = end - Duration::days(days) - Duration::minutes(rng.below(9 * 60) as i64);
        let busy = match at.month() {
            1 | 3 | 4 | 12 => 100,
            2 | 7 | 8 => 60,
            _ => 80,
        };
        if rng.chance(busy) {
            // Opening hours: 08:30–17:30 Beijing time.
            let day = at.with_timezone(&chrono_tz::Asia::Shanghai).date_naive();
            let local =
                day.and_hms_opt(8, 30, 0).expect("valid") + Duration::minutes(rng.below(9 * 60) as i64);
            let at = chrono_tz::Asia::Shanghai
                .from_local_datetime(&local)
                .earliest()
                .map(|t| t.with_timezone(&Utc))
                .unwrap_or(at);
            if at < end {
                return at;
            }
        }
    }
}

fn date_around(rng: &mut Rng, today: NaiveDate, back: i64, ahead: i64) -> String {
    (today - Duration::days(back) + Duration::days(rng.below((back + ahead) as usize) as i64)).to_string()
}

/// Fills `store` (which must hold no customers yet) with a profile's data.
pub fn run(store: &Store, profile: Profile, progress: &mut dyn FnMut(&str)) -> StoreResult<Summary> {
    let started = Instant::now();
    let existing = store.search(|index| index.len());
    if existing > 0 {
        return Err(StoreError::Internal(
            format!("the database already holds {existing} customers; seed only into a new data directory")
                .into(),
        ));
    }
    let mut rng = Rng::new(0x5EED_2026);
    let mut summary = Summary::default();
    let settings = shop_settings();
    // The data ends now: the cars in the shop were brought in this morning and the days
    // before, and are promised around today, as on any working day the demo is opened.
    let end = Utc::now();
    let today = end.with_timezone(&settings.tz()).date_naive();

    // Staff: one hash, shared (hashing 16 passwords would be a third of the demo's time).
    let hash = password::hash(STAFF_PASSWORD);
    let staff: Vec<(&str, &str, &[Role])> = vec![
        ("admin", "系统管理员", &[Role::Admin]),
        ("manager", "刘店长", &[Role::Manager]),
        ("advisor", "王接待", &[Role::Advisor]),
        ("advisor2", "李接待", &[Role::Advisor]),
        ("tech", "张师傅", &[Role::Technician]),
        ("tech2", "赵师傅", &[Role::Technician]),
        ("tech3", "孙师傅", &[Role::Technician]),
        ("cashier", "陈收银", &[Role::Cashier]),
        ("parts", "周仓管", &[Role::Parts]),
    ];
    let system = Actor::system();
    let cap = Roles::of(&[Role::Admin]).admin_cap().expect("admin");
    store.write_now(|tx| {
        for (name, display, roles) in &staff {
            let username = Username::parse(name).expect("valid name");
            if users::find_by_name_tx(tx, &username)?.is_some() {
                continue;
            }
            let new = NewUser {
                username,
                display_name: display.to_string(),
                password_hash: hash.clone(),
                roles: Roles::of(roles),
                must_change_password: false,
            };
            users::create_tx(tx, &cap, &system, new)?;
            summary.users += 1;
        }
        // The shop's profile, its service templates (one per job), and no follow-up calls
        // while the history is written: the calls of the last year are made after it.
        let quiet = Settings { followup_days: 0, ..settings.clone() };
        crate::store::settings::save_tx(tx, &cap, &system, &quiet)?;
        for job in jobs::JOBS {
            crate::store::templates::create_tx(tx, &system, job.template_details(parts::per_order))?;
        }
        Ok(())
    })?;

    // The stockroom, opened ten years ago.
    let (n_parts, n_suppliers) = profile.stockroom();
    let opened = end - Duration::days(3660);
    let mut stockroom = store.write_touching_now(|tx, touched| {
        parts::catalog_tx(tx, touched, &mut rng, n_parts, n_suppliers, opened)
    })?;
    summary.parts = n_parts;
    summary.suppliers = n_suppliers;
    progress(&format!("parts {n_parts}, suppliers {n_suppliers}"));

    // Customers, then vehicles, in batches of one transaction each.
    const BATCH: usize = 2_000;
    let total_customers = profile.customers();
    let mut phones: Vec<String> = Vec::with_capacity(total_customers);
    let mut customer_ids: Vec<(CustomerId, DateTime<Utc>, bool)> = Vec::with_capacity(total_customers);
    while customer_ids.len() < total_customers {
        let batch = BATCH.min(total_customers - customer_ids.len());
        let mut inputs = Vec::with_capacity(batch);
        for _ in 0..batch {
            let company = rng.chance(7);
            let phone = if !phones.is_empty() && rng.chance(3) {
                rng.pick(&phones).clone()
            } else {
                mobile(&mut rng)
            };
            phones.push(phone.clone());
            let input = CustomerInput {
                kind: if company { "company" } else { "person" }.into(),
                name: if company {
                    format!("深圳市{}{}", rng.pick(COMPANY_PREFIX), rng.pick(COMPANY_KIND))
                } else {
                    person_name(&mut rng)
                },
                gender: if company { String::new() } else { rng.pick(&["male", "female", ""]).to_string() },
                phone,
                phone2: if rng.chance(10) { mobile(&mut rng) } else { String::new() },
                email: if rng.chance(15) {
                    format!("c{}@example.cn", rng.next_u64() % 1_000_000)
                } else {
                    String::new()
                },
                address: format!(
                    "深圳市{}{}{}号",
                    rng.pick(DISTRICTS),
                    rng.pick(STREETS),
                    1 + rng.below(999)
                ),
                source: rng.pick(&settings.customer_sources).clone(),
                level: rng.pick(&settings.customer_levels).clone(),
                birthday: if !company && rng.chance(40) {
                    date_around(&mut rng, today, 365 * 80, -365 * 18)
                } else {
                    String::new()
                },
                notes: String::new(),
                contact_person: if company { person_name(&mut rng) } else { String::new() },
                tax_no: if company {
                    format!("91440300{:010}", rng.next_u64() % 10_000_000_000)
                } else {
                    String::new()
                },
            };
            let details =
                CustomerDetails::check(&input, today, &settings.customer_sources, &settings.customer_levels)
                    .map_err(|e| StoreError::Internal(format!("generated customer refused: {e:?}").into()))?;
            inputs.push((details, when(&mut rng, end), company));
        }
        let created = store.write_touching_now(|tx, touched| {
            let mut out = Vec::with_capacity(inputs.len());
            for (details, at, company) in inputs {
                let c = customers::create_at_tx(tx, touched, &system, details, at)?;
                out.push((c.id, at, company));
            }
            Ok(out)
        })?;
        customer_ids.extend(created);
        summary.customers = customer_ids.len();
        progress(&format!("customers {}/{}", summary.customers, total_customers));
    }

    let total_vehicles = profile.vehicles();
    let mut made = 0;
    let mut plates = std::collections::HashSet::new();
    let mut fleet: Vec<(VehicleId, CustomerId, DateTime<Utc>)> = Vec::with_capacity(total_vehicles);
    // Each car's odometer: the day its model year began and the km it runs a day, so every
    // reading (the car's record, each order's mileage at reception) follows one line.
    let mut odometers: Vec<Odometer> = Vec::with_capacity(total_vehicles);
    while made < total_vehicles {
        let batch = BATCH.min(total_vehicles - made);
        let mut inputs = Vec::with_capacity(batch);
        for i in 0..batch {
            // Everyone has a car; the rest go to random customers, fleets more often.
            let n = made + i;
            let (owner, since, _) = if n < customer_ids.len() {
                customer_ids[n]
            } else {
                loop {
                    let candidate = *rng.pick(&customer_ids);
                    if candidate.2 || rng.chance(40) {
                        break candidate;
                    }
                }
            };
            let plate = loop {
                let p = plate(&mut rng);
                if plates.insert(p.clone()) {
                    break p;
                }
            };
            let (wmi, make, models) = *rng.pick(MAKES);
            let year = (2010 + rng.below(17) as i32).min((end - Duration::days(60)).year());
            // A car has no history before its model year.
            let odometer = Odometer {
                since: Utc.with_ymd_and_hms(year, 1, 1, 0, 0, 0).single().expect("valid"),
                km_per_day: 15 + rng.below(26) as u32,
            };
            let at = since
                .max(when(&mut rng, end))
                .max(odometer.since + Duration::days(rng.below(200) as i64))
                .min(end - Duration::days(2));
            let input = VehicleInput {
                plate,
                vin: vin(&mut rng, wmi, year),
                make: make.into(),
                model: rng.pick(models).to_string(),
                year: year.to_string(),
                color: rng.pick(COLORS).to_string(),
                engine_no: format!(
                    "{}{:07}",
                    ["EA", "2ZR", "L15", "BYD"][rng.below(4)],
                    rng.next_u64() % 10_000_000
                ),
                mileage: odometer.km_on(at).to_string(),
                insurer: rng.pick(INSURERS).to_string(),
                policy_no: format!("P{:012}", rng.next_u64() % 1_000_000_000_000),
                insurance_expiry: date_around(&mut rng, today, 60, 365),
                inspection_due: date_around(&mut rng, today, 30, 700),
                next_service_date: date_around(&mut rng, today, 30, 180),
                next_service_km: String::new(),
                notes: String::new(),
            };
            let details = VehicleDetails::check(&input, today)
                .map_err(|e| StoreError::Internal(format!("generated vehicle refused: {e:?}").into()))?;
            inputs.push((owner, details, at));
            odometers.push(odometer);
        }
        let created = store.write_touching_now(|tx, touched| {
            let mut out = Vec::with_capacity(inputs.len());
            for (owner, details, at) in inputs {
                out.push((vehicles::create_at_tx(tx, touched, &system, owner, details, at)?.id, owner, at));
            }
            Ok(out)
        })?;
        fleet.extend(created);
        made += batch;
        summary.vehicles = made;
        progress(&format!("vehicles {made}/{total_vehicles}"));
    }

    // A few contacts (follow-up calls) per hundred customers.
    let contacts = total_customers / 20;
    store.write_now(|tx| {
        for _ in 0..contacts {
            let (id, _, _) = *rng.pick(&customer_ids);
            let kind = *rng.pick(ContactKind::ALL);
            customers::add_contact_tx(tx, &system, id, kind, rng.pick(CONTACT_NOTES).to_string())?;
        }
        Ok(())
    })?;
    summary.contacts = contacts;

    // Work orders, in time order so that ids grow with time; the newest are still in the shop.
    let (techs, advisors) = store.read_now(|tx| {
        let all = users::list(tx)?;
        let with = |role| all.iter().filter(|u| u.roles.has(role)).map(|u| u.id).collect::<Vec<_>>();
        Ok((with(Role::Technician), with(Role::Advisor)))
    })?;
    let total_orders = profile.orders();
    let (cashier, front, manager, clerk) = store.read_now(|tx| {
        let all = users::list(tx)?;
        let actor = |role| {
            all.iter()
                .find(|u| u.roles.has(role))
                .map(|u| Actor::user(u.id, u.username.as_str()))
                .unwrap_or_else(Actor::system)
        };
        Ok((actor(Role::Cashier), actor(Role::Advisor), actor(Role::Manager), actor(Role::Parts)))
    })?;
    let till = checkout::Till {
        cashier: &cashier,
        advisor: &front,
        manager: &manager,
        put_right_per_mille: profile.put_right_per_mille(),
    };
    // The stocktakes run between the orders of their time, in the same transactions.
    let mut counts = parts::stocktake_plan(profile == Profile::Demo, opened, end).into_iter().peekable();
    // The orders of the past, handed back at least a day ago; then the cars in the shop now,
    // each car at most once, brought in over the last few days.
    let first_in_shop = total_orders.saturating_sub(profile.in_shop());
    let past_end = end - Duration::hours(30);
    let mut plan: Vec<(usize, DateTime<Utc>)> = (0..first_in_shop)
        .map(|_| {
            // Within the span, and after the car came to the shop: a car registered last month
            // has its visits since then, not all at the moment it was registered.
            let v = rng.below(fleet.len());
            let from =
                (fleet[v].2 + Duration::hours(1)).max(past_end - Duration::days(profile.order_days() as i64));
            let days = (past_end - from).num_days().max(1) as usize;
            (v, when_within(&mut rng, past_end, days).max(from).min(past_end))
        })
        .collect();
    plan.sort_by_key(|(_, at)| *at);
    let mut in_shop = std::collections::HashSet::new();
    let mut arrivals = Vec::new();
    while arrivals.len() < total_orders - first_in_shop {
        let v = rng.below(fleet.len());
        let at = arrival(&mut rng, end, settings.tz());
        if fleet[v].2 < at && in_shop.insert(v) {
            arrivals.push((v, at));
        }
    }
    arrivals.sort_by_key(|(_, at)| *at);
    plan.extend(arrivals);
    for (batch_no, batch) in plan.chunks(BATCH).enumerate() {
        let mut made = Vec::with_capacity(batch.len());
        for (i, (v, at)) in batch.iter().enumerate() {
            let n = batch_no * BATCH + i;
            let target = if n >= first_in_shop {
                OrderState::BOARD[(n - first_in_shop) % OrderState::BOARD.len()]
            } else if rng.chance(3) {
                OrderState::Cancelled
            } else {
                OrderState::Delivered
            };
            let (vehicle, customer, _) = fleet[*v];
            let visit = Visit {
                vehicle,
                customer,
                at: *at,
                target,
                mileage: odometers[*v].km_on(*at) + rng.below(40) as u32,
                promised: (n >= first_in_shop).then(|| promise(&mut rng, *at, end, settings.tz())),
                until: if n >= first_in_shop { end } else { past_end + Duration::hours(16) },
            };
            let order = generated_order(&mut rng, &settings, &stockroom, visit, &techs, &advisors)?;
            summary.lines += order.lines.len();
            made.push((order, target));
        }
        store.write_touching_now(|tx, touched| {
            for (order, target) in made {
                // The parts its lines say were issued come off the shelf (bought in first if
                // the shelf is short) when the order is opened.
                let at = order.created_at;
                while let Some(count) = counts.next_if(|c| c.at <= at) {
                    stockroom.stocktake_tx(tx, touched, &mut rng, &clerk, count)?;
                    summary.stocktakes += 1;
                }
                for line in order.lines.iter().filter(|l| !l.issued.is_zero()) {
                    let part = crate::domain::part::PartId(line.details.part_id.unwrap_or_default());
                    stockroom.ensure_tx(tx, touched, &mut rng, part, line.issued, at)?;
                }
                let order = orders::record_issued_tx(tx, touched, &system, &settings, order, at)?;
                if matches!(target, OrderState::Settled | OrderState::Delivered) {
                    summary.payments +=
                        checkout::pay_tx(tx, touched, &mut rng, &till, &settings, (&order, target), end)?;
                }
            }
            Ok(())
        })?;
        summary.orders += batch.len();
        progress(&format!("work orders {}/{total_orders}", summary.orders));
    }
    store.write_touching_now(|tx, touched| {
        for count in counts {
            stockroom.stocktake_tx(tx, touched, &mut rng, &clerk, count)?;
            summary.stocktakes += 1;
        }
        Ok(())
    })?;
    // From here on deliveries are followed up; the last year's calls, worked as the advisors
    // would have (see `followups`).
    store.write_now(|tx| crate::store::settings::save_tx(tx, &cap, &system, &settings).map(|_| ()))?;
    summary.followups = followups::run(store, &front, &manager, end - Duration::days(365))?;
    progress(&format!("follow-up calls {}", summary.followups));
    summary.contacts += care::outcomes(store, &mut rng, &front, 40)?;
    let every = if profile == Profile::Demo { 3 } else { 12 };
    summary.inspections = inspections::run(store, every, &front)?;
    progress(&format!("inspections {}", summary.inspections));
    // The walk-around at reception: every car in the shop, and one order in 4 (demo) or 6.
    summary.walkarounds = walkarounds::run(store, if profile == Profile::Demo { 4 } else { 6 }, &front)?;
    progress(&format!("walk-arounds {}", summary.walkarounds));
    // Appointments around today: the calendar and the kiosk's arrivals are never empty.
    summary.appointments = appointments::run(store, if profile == Profile::Demo { 6 } else { 12 }, &front)?;
    progress(&format!("appointments {}", summary.appointments));
    summary.stock_moves = store.read_now(crate::store::parts::stock::count)?;
    (summary.voids, summary.refunds) = store.read_now(checkout::tally)?;
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

/// The shop's profile as the demo shows it: a name, an address and a phone in Shenzhen.
fn shop_settings() -> Settings {
    Settings {
        shop_name: "顺达汽车维修服务中心".into(),
        shop_address: "深圳市南山区科技园北区朗山路 18 号".into(),
        shop_phone: "0755-2660 3188".into(),
        ..Settings::default()
    }
}

/// A car's odometer in the generated data: zero when its model year began, then so many km a day.
#[derive(Clone, Copy, Debug)]
struct Odometer {
    since: DateTime<Utc>,
    km_per_day: u32,
}

impl Odometer {
    fn km_on(&self, at: DateTime<Utc>) -> u32 {
        let days = (at - self.since).num_days().max(0) as u32;
        days * self.km_per_day + 80
    }
}

/// When a car now in the shop was brought in: most this morning, some the days before (a
/// longer job, a part on order), in opening hours and before `now`.
fn arrival(rng: &mut Rng, now: DateTime<Utc>, tz: chrono_tz::Tz) -> DateTime<Utc> {
    let today = now.with_timezone(&tz).date_naive();
    let days_back = match rng.below(100) {
        0..55 => 0,
        55..80 => 1,
        80..93 => 2,
        _ => 3 + rng.below(3) as i64,
    };
    let day = today - Duration::days(days_back);
    let local = day.and_hms_opt(8, 0, 0).expect("valid") + Duration::minutes(rng.below(9 * 60) as i64);
    let at = tz.from_local_datetime(&local).earliest().map(|t| t.with_timezone(&Utc)).unwrap_or(now);
    if at < now - Duration::minutes(20) { at } else { now - Duration::minutes(20 + rng.below(100) as i64) }
}

/// The time promised for a car brought in at `at`, seen `now`, on the half hour within opening
/// hours: one in eight is late (promised earlier today, or yesterday afternoon), the others
/// later today or tomorrow.
fn promise(rng: &mut Rng, at: DateTime<Utc>, now: DateTime<Utc>, tz: chrono_tz::Tz) -> DateTime<Utc> {
    let local = |day: NaiveDate, half_hours: i64| {
        let t = day.and_hms_opt(9, 0, 0).expect("valid") + Duration::minutes(30 * half_hours);
        tz.from_local_datetime(&t).earliest().map(|t| t.with_timezone(&Utc)).unwrap_or(now)
    };
    let today = now.with_timezone(&tz).date_naive();
    // Half hours from 09:00: 0..=18 is 09:00–18:00.
    let promised = if rng.chance(12) {
        let earlier = (0..=18)
            .map(|h| local(today, h))
            .filter(|t| *t < now - Duration::minutes(30))
            .collect::<Vec<_>>();
        if earlier.is_empty() {
            local(today - Duration::days(1), 14 + rng.below(5) as i64)
        } else {
            *rng.pick(&earlier)
        }
    } else {
        let later = (0..=18)
            .map(|h| local(today, h))
            .filter(|t| *t > now + Duration::minutes(60))
            .collect::<Vec<_>>();
        if later.is_empty() || rng.chance(35) {
            local(today + Duration::days(1), 1 + rng.below(17) as i64)
        } else {
            *rng.pick(&later)
        }
    };
    promised.max(at + Duration::hours(1))
}

/// One visit of a car to generate: when it came in, how far it got, the odometer at reception,
/// the promised time (generated for cars still in the shop), and the latest time its history
/// may reach.
struct Visit {
    vehicle: VehicleId,
    customer: CustomerId,
    at: DateTime<Utc>,
    target: OrderState,
    mileage: u32,
    promised: Option<DateTime<Utc>>,
    until: DateTime<Utc>,
}

/// One order as it would have gone through the shop: the lines of the template its complaint
/// calls for (checked like a typed form), the customer's approval, and every transition
/// allowed by the state machine up to its target, none later than the visit allows.
fn generated_order(
    rng: &mut Rng,
    settings: &Settings,
    stockroom: &parts::Stockroom,
    visit: Visit,
    techs: &[UserId],
    advisors: &[UserId],
) -> StoreResult<WorkOrder> {
    let Visit { vehicle, customer, at, target, mileage, promised, until } = visit;
    let refused = |what: &str, e: &dyn std::fmt::Debug| {
        StoreError::Internal(format!("generated {what} refused: {e:?}").into())
    };
    let advisor = advisors.get(rng.below(advisors.len().max(1))).copied();
    let (job, complaint) = jobs::pick(rng);
    let mut inputs = Vec::new();
    let technician = techs.get(rng.below(techs.len().max(1))).map(|t| t.to_string()).unwrap_or_default();
    for (description, hours) in job.labour {
        inputs.push(LineInput {
            kind: "labor".into(),
            description: description.to_string(),
            hours: hours.to_string(),
            technician_id: technician.clone(),
            ..Default::default()
        });
    }
    for (family, price) in job.parts {
        // A catalog part of the family; typed by hand when the catalog has none.
        match stockroom.pick_family(rng, family) {
            Some((part, qty)) => inputs.push(LineInput {
                kind: "part".into(),
                description: part.name.clone(),
                part_id: part.id.to_string(),
                qty: qty.to_string(),
                unit_price: part.price.to_string(),
                ..Default::default()
            }),
            None => inputs.push(LineInput {
                kind: "part".into(),
                description: family.to_string(),
                qty: parts::per_order(family).to_string(),
                unit_price: price.to_string(),
                ..Default::default()
            }),
        }
    }
    for (description, price) in job.fees {
        inputs.push(LineInput {
            kind: "fee".into(),
            description: description.to_string(),
            unit_price: price.to_string(),
            ..Default::default()
        });
    }
    let mut lines = Vec::new();
    for (i, input) in inputs.iter().enumerate() {
        let details =
            LineDetails::check(input, settings.labour_rate, techs).map_err(|e| refused("line", &e))?;
        let assignments = details
            .technician
            .map(|t| vec![Assignment { technician: Some(t), at, by: advisor }])
            .unwrap_or_default();
        lines.push(Line { assignments, ..Line::new(i as u32 + 1, details, at, advisor) });
    }
    let reception = Reception {
        mileage: Some(mileage),
        fuel: Some(rng.below(5) as u8),
        complaint: complaint.to_string(),
        items_left: String::new(),
        promised_at: Some(promised.unwrap_or_else(|| at + Duration::hours(2 + rng.below(30) as i64))),
        advisor,
    };
    let mut order = WorkOrder::new(vehicle, customer, OrderState::Open, reception, at, advisor);
    order.next_line = lines.len() as u32 + 1;
    order.lines = lines;
    order.estimate_version = 2;
    // The customer says yes to most of it; now and then one part is declined.
    let declined = if rng.chance(8) { Some(order.lines.len() as u32) } else { None };
    let decisions = order
        .lines
        .iter()
        .map(|l| (l.no, if Some(l.no) == declined { Decision::Declined } else { Decision::Approved }))
        .collect();
    let approval = ApprovalDetails {
        estimate_version: order.estimate_version,
        method: ApprovalMethod::Phone,
        approver: "车主".into(),
        decisions,
        signature: None,
        note: String::new(),
    };
    let mut clock = at + Duration::minutes(15);
    order.apply_approval(approval, clock, advisor, "王接待").map_err(|e| refused("approval", &e))?;
    let path: &[OrderState] = match target {
        OrderState::Cancelled => &[OrderState::Cancelled],
        OrderState::Open => &[],
        OrderState::InProgress => &[OrderState::InProgress],
        OrderState::WaitingParts => &[OrderState::InProgress, OrderState::WaitingParts],
        OrderState::QualityCheck => &[OrderState::InProgress, OrderState::QualityCheck],
        OrderState::Completed => &[OrderState::InProgress, OrderState::QualityCheck, OrderState::Completed],
        // Settling and handing over come with the payment, at the till (see `checkout`).
        _ => &[OrderState::InProgress, OrderState::QualityCheck, OrderState::Completed],
    };
    // Parts leave the shelf once work starts; an order still waiting has them to pick.
    if !matches!(target, OrderState::Open | OrderState::Cancelled | OrderState::WaitingParts) {
        for line in order.lines.iter_mut() {
            line.issued = line.to_issue();
        }
    }
    let manager = Roles::of(&[Role::Manager]);
    for to in path {
        let reason = if *to == OrderState::Cancelled { "客户取消" } else { "" };
        check_transition(manager, &order, *to, reason).map_err(|e| refused("transition", &e))?;
        // Each step takes a while, but the history never runs past what the visit allows
        // (a car brought in an hour ago has moved on within that hour).
        let step = Duration::minutes(20 + rng.below(240) as i64);
        clock = if clock + step < until { clock + step } else { clock + (until - clock) / 3 };
        if *to == OrderState::QualityCheck {
            // The work was clocked: each labour line took about its estimate.
            let mut start = clock - Duration::minutes(30);
            for line in order.lines.iter_mut().filter(|l| l.is_labour()) {
                use rust_decimal::prelude::ToPrimitive;
                let estimate = (line.details.qty * rust_decimal::Decimal::from(60)).to_i64().unwrap_or(60);
                let minutes = estimate * (80 + rng.below(50) as i64) / 100;
                start -= Duration::minutes(minutes);
                let end = start + Duration::minutes(minutes);
                line.clock.push(crate::domain::clock::Interval {
                    start,
                    end: Some(end),
                    by: line.details.technician,
                    pause: None,
                });
                line.finished_at = Some(end);
            }
        }
        order.history.push(Transition {
            from: order.state,
            to: *to,
            at: clock,
            by: advisor,
            by_name: "刘店长".into(),
            reason: reason.into(),
        });
        order.state = *to;
    }
    order.updated_at = clock;
    Ok(order)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Plate, Vin};

    #[test]
    fn generated_values_pass_the_domain_checks() {
        let mut rng = Rng::new(7);
        for _ in 0..2_000 {
            let p = plate(&mut rng);
            assert!(Plate::parse(&p).is_ok(), "{p}");
            let (wmi, _, _) = *rng.pick(MAKES);
            let v = vin(&mut rng, wmi, 2019);
            assert_eq!(Vin::parse(&v).map(|(_, ok)| ok), Ok(true), "{v}");
            assert!(crate::domain::Phone::parse(&mobile(&mut rng)).is_ok());
        }
    }

    #[test]
    fn names_are_a_surname_and_one_given_name() {
        let mut rng = Rng::new(3);
        for _ in 0..3_000 {
            let name = person_name(&mut rng);
            if name.is_ascii() {
                continue;
            }
            let surname = SURNAMES.iter().filter(|s| name.starts_with(**s)).max_by_key(|s| s.len()).unwrap();
            let given = &name[surname.len()..];
            assert!(GIVEN_ONE.contains(&given) || GIVEN_TWO.contains(&given), "{name}");
        }
    }

    /// What the demo shows a new user: a shop profile, templates, work that matches each
    /// complaint, one open order per car, no history before a car's model year, mileage at
    /// reception that follows the car's odometer, most cars in the shop on time, and
    /// follow-up calls waiting.
    fn looks_like_a_real_tuesday(store: &Store) {
        use std::collections::{HashMap, HashSet};
        let now = Utc::now();
        let settings = store.read_now(crate::store::settings::get).unwrap();
        assert!(
            settings.shop_name != "wrenchdesk"
                && !settings.shop_address.is_empty()
                && !settings.shop_phone.is_empty()
        );
        let templates = store.read_now(crate::store::templates::list).unwrap();
        for job in jobs::JOBS {
            let t = templates.iter().find(|t| t.details.name == job.template).expect(job.template);
            let stored: Vec<&str> = t.details.lines.iter().map(|l| l.description.as_str()).collect();
            assert_eq!(stored, job.descriptions(), "{}", job.template);
        }
        let (orders, vehicles, booked) = store
            .read_now(|tx| {
                use redb::ReadableTable;
                let mut orders = Vec::new();
                for row in tx.open_table(crate::store::tables::ORDERS)?.iter()? {
                    let o = row?.1.value();
                    let from_findings: HashSet<u32> = crate::store::inspections::for_order(tx, o.id)?
                        .iter()
                        .flat_map(|i| i.items.iter().filter_map(|it| it.line_no))
                        .collect();
                    orders.push((o, from_findings));
                }
                // Orders opened from a booking at the kiosk: the booking knows no odometer.
                let mut booked = HashSet::new();
                for row in tx.open_table(crate::store::tables::APPOINTMENTS)?.iter()? {
                    booked.extend(row?.1.value().order_id);
                }
                let mut vehicles = HashMap::new();
                for row in tx.open_table(crate::store::tables::VEHICLES)?.iter()? {
                    let v = row?.1.value();
                    vehicles.insert(v.id, v);
                }
                Ok((orders, vehicles, booked))
            })
            .unwrap();
        let mut open_cars = HashSet::new();
        let mut readings: HashMap<VehicleId, Vec<(DateTime<Utc>, u32)>> = HashMap::new();
        let (mut in_shop, mut late) = (0, 0);
        for (o, from_findings) in &orders {
            let job = jobs::for_complaint(&o.reception.complaint).unwrap_or_else(|| {
                panic!("order {} complaint {:?} has no job", o.number, o.reception.complaint)
            });
            for line in o.lines.iter().filter(|l| !from_findings.contains(&l.no)) {
                assert!(
                    job.descriptions().contains(&line.details.description.as_str()),
                    "order {} ({}) has {:?}",
                    o.number,
                    o.reception.complaint,
                    line.details.description
                );
            }
            let v = &vehicles[&o.vehicle_id];
            let year = v.details.year.expect("a model year");
            assert!(
                o.created_at.year() >= year as i32,
                "order {} of a {year} car in {}",
                o.number,
                o.created_at
            );
            if let Some(km) = o.reception.mileage {
                readings.entry(o.vehicle_id).or_default().push((o.created_at, km));
            }
            if o.state.on_board() {
                assert!(open_cars.insert(o.vehicle_id), "car {} has two open orders", o.vehicle_id);
                assert!(
                    o.reception.mileage.is_some() || booked.contains(&o.id),
                    "order {} in the shop without mileage",
                    o.number
                );
                in_shop += 1;
                late += usize::from(o.reception.promised_at.is_some_and(|p| p < now));
            }
        }
        assert!(late * 3 <= in_shop, "{late} of {in_shop} cars late");
        for (car, mut r) in readings {
            r.sort();
            assert!(r.windows(2).all(|w| w[0].1 <= w[1].1 + 40), "car {car}: {r:?}");
        }
        let today = now.with_timezone(&settings.tz()).date_naive();
        let (_, calls, due_now) = store
            .read_now(|tx| crate::store::followups::list(tx, today, today + Duration::days(7), 0, 10))
            .unwrap();
        assert!(calls > 0 && due_now > 0, "{calls} calls listed, {due_now} due now");
        let month = crate::domain::report::month_key(today);
        let year: crate::domain::followup::MonthTotals = store
            .read_now(|tx| crate::store::followups::months(tx, month - 12, month))
            .unwrap()
            .iter()
            .fold(Default::default(), |mut sum, (_, t)| {
                sum.merge(t);
                sum
            });
        assert!(year.reached * 10 >= year.closed * 7, "{year:?}");
        assert!(year.average_score().unwrap() >= rust_decimal::Decimal::from(4), "{year:?}");
        assert!(year.unhappy > 0 && year.closed > year.reached, "{year:?}");
    }

    #[test]
    fn the_same_seed_gives_the_same_data() {
        let (mut a, mut b) = (Rng::new(1), Rng::new(1));
        let xs: Vec<String> = (0..50).map(|_| person_name(&mut a)).collect();
        let ys: Vec<String> = (0..50).map(|_| person_name(&mut b)).collect();
        assert_eq!(xs, ys);
    }

    #[test]
    fn the_demo_shop_seeds_and_checks_clean() {
        let dir = tempfile::tempdir().unwrap();
        let summary = {
            let store = Store::open(dir.path()).unwrap();
            let summary = run(&store, Profile::Demo, &mut |_| {}).unwrap();
            assert_eq!(store.search(|i| i.len()), 300);
            assert!(run(&store, Profile::Demo, &mut |_| {}).is_err(), "refuses to seed twice");
            // The 24 cars brought in, and this morning's bookings turned into orders.
            assert!(store.read_now(orders::on_board).unwrap().len() >= 24);
            looks_like_a_real_tuesday(&store);
            // One count posted with its variances, one still open with half its lines counted.
            let takes = store.read_now(|tx| crate::store::parts::stocktake::list(tx, 10)).unwrap();
            let states: Vec<_> = takes.iter().map(|t| t.state).collect();
            use crate::domain::stock::StocktakeState;
            assert_eq!(states, vec![StocktakeState::Open, StocktakeState::Posted]);
            let open = store.read_now(|tx| crate::store::parts::stocktake::lines(tx, takes[0].id)).unwrap();
            let counted = open.iter().filter(|l| l.counted.is_some()).count();
            assert!(counted > 0 && counted < open.len(), "{counted} of {}", open.len());
            summary
        };
        assert_eq!((summary.customers, summary.vehicles, summary.orders), (300, 420, 900));
        assert_eq!(summary.stocktakes, 2);
        let report = crate::store::check::run(dir.path()).unwrap();
        assert!(report.problems.is_empty(), "{:?}", report.problems);
    }
}
