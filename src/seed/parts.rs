//! The generated stockroom: a catalog of real-looking parts (families × brands × the cars they
//! fit), suppliers, and a simulation of the stock that books a receipt from the part's supplier
//! whenever an order needs more than is on the shelf, so the ledger reads like a shop's; and
//! the stockroom's stocktakes (a count at each year's end, some years one category at a time).

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use redb::WriteTransaction;
use rust_decimal::Decimal;

use super::{MAKES, Rng};
use crate::domain::part::{NewPart, PartDetails, PartId, PartNumber, SupplierDetails, SupplierId};
use crate::domain::stock::ReceiptLine;
use crate::store::parts::stock::{ReceiptDraft, receive_at_tx};
use crate::store::parts::stocktake;
use crate::store::parts::{create_at_tx, create_supplier_at_tx};
use crate::store::{Actor, StoreResult, Touched};

/// A kind of part: name, specification, unit, category, sale price (yuan), the brands that
/// make it (with their number prefix), and how many a typical order takes.
struct Family {
    name: &'static str,
    spec: &'static str,
    unit: &'static str,
    category: &'static str,
    price: u32,
    brands: &'static [(&'static str, &'static str)],
    per_order: u32,
}

const OIL: &[(&str, &str)] = &[("美孚", "MOB"), ("壳牌", "SHL"), ("嘉实多", "CAS"), ("长城", "GW")];
const FILTERS: &[(&str, &str)] = &[("曼牌", "MANN"), ("马勒", "MAH"), ("博世", "BOS"), ("原厂", "OEM")];
const BRAKES: &[(&str, &str)] = &[("博世", "BOS"), ("天合", "TRW"), ("布雷博", "BRE"), ("原厂", "OEM")];
const IGNITION: &[(&str, &str)] = &[("NGK", "NGK"), ("电装", "DEN"), ("博世", "BOS")];
const BATTERY: &[(&str, &str)] = &[("瓦尔塔", "VAR"), ("风帆", "FF"), ("骆驼", "LT")];
const TYRES: &[(&str, &str)] = &[("米其林", "MIC"), ("普利司通", "BRI"), ("马牌", "CON"), ("固特异", "GY")];
const CHASSIS: &[(&str, &str)] = &[("萨克斯", "SAC"), ("莱姆福德", "LEM"), ("原厂", "OEM")];
const ENGINE: &[(&str, &str)] = &[("盖茨", "GAT"), ("大陆", "CTD"), ("原厂", "OEM")];
const FLUIDS: &[(&str, &str)] = &[("壳牌", "SHL"), ("嘉实多", "CAS"), ("固特", "GT")];
const BODY: &[(&str, &str)] = &[("博世", "BOS"), ("欧司朗", "OSR"), ("飞利浦", "PHI")];

const FAMILIES: &[Family] = &[
    Family {
        name: "全合成机油",
        spec: "5W-30 SP",
        unit: "litre",
        category: "机油",
        price: 58,
        brands: OIL,
        per_order: 4,
    },
    Family {
        name: "全合成机油",
        spec: "0W-20 SP",
        unit: "litre",
        category: "机油",
        price: 68,
        brands: OIL,
        per_order: 4,
    },
    Family {
        name: "机油滤清器",
        spec: "",
        unit: "piece",
        category: "滤清器",
        price: 45,
        brands: FILTERS,
        per_order: 1,
    },
    Family {
        name: "空气滤清器",
        spec: "",
        unit: "piece",
        category: "滤清器",
        price: 68,
        brands: FILTERS,
        per_order: 1,
    },
    Family {
        name: "空调滤清器",
        spec: "活性炭",
        unit: "piece",
        category: "滤清器",
        price: 75,
        brands: FILTERS,
        per_order: 1,
    },
    Family {
        name: "汽油滤清器",
        spec: "",
        unit: "piece",
        category: "滤清器",
        price: 90,
        brands: FILTERS,
        per_order: 1,
    },
    Family {
        name: "前刹车片",
        spec: "陶瓷",
        unit: "set",
        category: "制动",
        price: 380,
        brands: BRAKES,
        per_order: 1,
    },
    Family {
        name: "后刹车片",
        spec: "陶瓷",
        unit: "set",
        category: "制动",
        price: 320,
        brands: BRAKES,
        per_order: 1,
    },
    Family {
        name: "前刹车盘",
        spec: "",
        unit: "piece",
        category: "制动",
        price: 560,
        brands: BRAKES,
        per_order: 2,
    },
    Family {
        name: "刹车油",
        spec: "DOT4 1L",
        unit: "bottle",
        category: "油液",
        price: 45,
        brands: FLUIDS,
        per_order: 1,
    },
    Family {
        name: "火花塞",
        spec: "铱金",
        unit: "piece",
        category: "点火",
        price: 65,
        brands: IGNITION,
        per_order: 4,
    },
    Family {
        name: "蓄电池",
        spec: "60Ah",
        unit: "piece",
        category: "电器",
        price: 620,
        brands: BATTERY,
        per_order: 1,
    },
    Family {
        name: "蓄电池",
        spec: "70Ah",
        unit: "piece",
        category: "电器",
        price: 720,
        brands: BATTERY,
        per_order: 1,
    },
    Family {
        name: "雨刮片",
        spec: "无骨",
        unit: "pair",
        category: "附件",
        price: 88,
        brands: BODY,
        per_order: 1,
    },
    Family {
        name: "大灯灯泡",
        spec: "H7",
        unit: "piece",
        category: "电器",
        price: 35,
        brands: BODY,
        per_order: 2,
    },
    Family {
        name: "防冻液",
        spec: "-35℃",
        unit: "litre",
        category: "油液",
        price: 35,
        brands: FLUIDS,
        per_order: 4,
    },
    Family {
        name: "变速箱油",
        spec: "ATF",
        unit: "litre",
        category: "油液",
        price: 85,
        brands: FLUIDS,
        per_order: 6,
    },
    Family {
        name: "轮胎",
        spec: "205/55R16",
        unit: "piece",
        category: "轮胎",
        price: 520,
        brands: TYRES,
        per_order: 2,
    },
    Family {
        name: "轮胎",
        spec: "225/60R18",
        unit: "piece",
        category: "轮胎",
        price: 760,
        brands: TYRES,
        per_order: 2,
    },
    Family {
        name: "前减震器",
        spec: "",
        unit: "piece",
        category: "底盘",
        price: 860,
        brands: CHASSIS,
        per_order: 2,
    },
    Family {
        name: "下摆臂",
        spec: "",
        unit: "piece",
        category: "底盘",
        price: 420,
        brands: CHASSIS,
        per_order: 1,
    },
    Family {
        name: "正时皮带套件",
        spec: "",
        unit: "set",
        category: "发动机",
        price: 980,
        brands: ENGINE,
        per_order: 1,
    },
    Family {
        name: "水泵",
        spec: "",
        unit: "piece",
        category: "发动机",
        price: 450,
        brands: ENGINE,
        per_order: 1,
    },
    Family {
        name: "发电机皮带",
        spec: "6PK",
        unit: "piece",
        category: "发动机",
        price: 120,
        brands: ENGINE,
        per_order: 1,
    },
];

const SUPPLIER_CITIES: &[&str] = &["广州", "深圳", "东莞", "佛山", "惠州", "中山", "珠海", "江门"];
const SUPPLIER_WORDS: &[&str] =
    &["恒通", "宏达", "顺丰", "联合", "诚信", "鑫源", "众成", "华美", "永盛", "安达"];
const SUPPLIER_KINDS: &[&str] = &["汽配商行", "汽车配件有限公司", "轮胎批发部", "润滑油经营部", "汽配城"];

/// One catalog entry as generated, with what the simulation needs to know of it.
#[derive(Clone, Debug)]
pub struct Stocked {
    pub id: PartId,
    pub name: String,
    pub price: Decimal,
    pub cost: Decimal,
    pub per_order: u32,
    pub min: Decimal,
    pub supplier: Option<SupplierId>,
}

/// The generated catalog in memory, and each part's stock as the simulation books it.
pub struct Stockroom {
    pub parts: Vec<Stocked>,
    /// Parts by family, so an order can pick "an oil filter" and get a catalog part.
    pub by_family: Vec<Vec<usize>>,
    on_hand: HashMap<PartId, Decimal>,
    /// The latest movement booked, so ledger ids keep growing with time.
    last_at: DateTime<Utc>,
}

fn part_for(rng: &mut Rng, i: usize, suppliers: &[SupplierId]) -> (NewPart, u32, usize) {
    let family_no = i % FAMILIES.len();
    let f = &FAMILIES[family_no];
    let (brand, code) = *rng.pick(f.brands);
    let (_, make, models) = *rng.pick(MAKES);
    let model = *rng.pick(models);
    // Brands and fitments spread the price ±25 % around the family's.
    let price = Decimal::from(f.price) * Decimal::new(75 + rng.below(51) as i64, 2);
    let price = price.round_dp(0);
    let cost = (price * Decimal::new(55 + rng.below(15) as i64, 2)).round_dp(2);
    let min =
        if rng.chance(60) { Decimal::from(f.per_order * (1 + rng.below(3) as u32)) } else { Decimal::ZERO };
    let details = PartDetails {
        number: PartNumber::parse(&format!("{code}-{:05}", 10_000 + i)).expect("valid number"),
        name: f.name.to_string(),
        spec: f.spec.to_string(),
        brand: brand.to_string(),
        unit: f.unit.to_string(),
        category: f.category.to_string(),
        location: format!("{}-{:02}", (b'A' + (family_no % 8) as u8) as char, 1 + rng.below(20)),
        price,
        min_stock: min,
        supplier: suppliers.get(rng.below(suppliers.len().max(1))).copied(),
        active: !rng.chance(2),
        fits: format!("{make} {model}"),
    };
    (NewPart { details, cost }, f.per_order, family_no)
}

/// How many of a family's parts an order usually takes (1 for a name not in the catalog).
pub fn per_order(name: &str) -> u32 {
    FAMILIES.iter().find(|f| f.name == name).map_or(1, |f| f.per_order)
}

/// Creates `n_suppliers` suppliers and `n_parts` parts at `at`, all in one transaction.
pub fn catalog_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    rng: &mut Rng,
    n_parts: usize,
    n_suppliers: usize,
    at: DateTime<Utc>,
) -> StoreResult<Stockroom> {
    let system = Actor::system();
    let mut suppliers = Vec::with_capacity(n_suppliers);
    for i in 0..n_suppliers {
        let name = format!(
            "{}{}{}{}",
            rng.pick(SUPPLIER_CITIES),
            rng.pick(SUPPLIER_WORDS),
            SUPPLIER_KINDS[i % SUPPLIER_KINDS.len()],
            if i >= SUPPLIER_CITIES.len() * SUPPLIER_WORDS.len() {
                format!("（{}）", i + 1)
            } else {
                String::new()
            }
        );
        let phone = crate::domain::Phone::parse(&super::mobile(rng)).ok();
        let details = SupplierDetails { name, contact: super::person_name(rng), phone, notes: String::new() };
        suppliers.push(create_supplier_at_tx(tx, &system, details, at)?.id);
    }
    let mut room = Stockroom {
        parts: Vec::new(),
        by_family: vec![Vec::new(); FAMILIES.len()],
        on_hand: HashMap::new(),
        last_at: at,
    };
    for i in 0..n_parts {
        let (new, per_order, family) = part_for(rng, i, &suppliers);
        let (price, cost, min, supplier, active) =
            (new.details.price, new.cost, new.details.min_stock, new.details.supplier, new.details.active);
        let part = create_at_tx(tx, touched, &system, new, at)?;
        if active {
            room.by_family[family].push(room.parts.len());
        }
        room.parts.push(Stocked {
            id: part.id,
            name: part.details.name.clone(),
            price,
            cost,
            per_order,
            min,
            supplier,
        });
    }
    Ok(room)
}

impl Stockroom {
    /// A catalog part of the family named `name` (any of its specifications), as [`Self::pick`]
    /// chooses within a family; `None` when the catalog has none active.
    pub fn pick_family(&self, rng: &mut Rng, name: &str) -> Option<(&Stocked, u32)> {
        let families: Vec<usize> = (0..FAMILIES.len()).filter(|f| FAMILIES[*f].name == name).collect();
        if families.is_empty() {
            return None;
        }
        let list = &self.by_family[families[rng.below(families.len())]];
        if list.is_empty() {
            return None;
        }
        let index =
            if rng.chance(70) { list[rng.below(list.len().min(6))] } else { list[rng.below(list.len())] };
        let part = &self.parts[index];
        Some((part, part.per_order))
    }

    /// Makes sure `qty` of a part is on the shelf at `at`: if not, a receipt from its supplier
    /// (an hour before, never before a movement already booked) brings stock to the need plus twice its minimum, at a cost that
    /// drifts a little from the catalog's.
    pub fn ensure_tx(
        &mut self,
        tx: &WriteTransaction,
        touched: &mut Touched,
        rng: &mut Rng,
        part: PartId,
        qty: Decimal,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let have = self.on_hand.get(&part).copied().unwrap_or_default();
        if have >= qty {
            self.on_hand.insert(part, have - qty);
            self.last_at = self.last_at.max(at);
            return Ok(());
        }
        let Some(p) = self.parts.iter().find(|p| p.id == part) else { return Ok(()) };
        let batch = (qty - have + p.min * Decimal::TWO + Decimal::from(p.per_order * 4)).ceil();
        let cost = (p.cost * Decimal::new(95 + rng.below(11) as i64, 2)).round_dp(2);
        let received_at = (at - Duration::hours(1)).max(self.last_at);
        self.last_at = at;
        let draft = ReceiptDraft {
            supplier: p.supplier,
            invoice_no: format!("FP{}{:04}", received_at.format("%y%m%d"), rng.below(10_000)),
            date: NaiveDate::from(received_at.naive_utc()),
            lines: vec![ReceiptLine { part, qty: batch, unit_cost: cost }],
        };
        receive_at_tx(tx, touched, &Actor::system(), draft, received_at)?;
        self.on_hand.insert(part, have + batch - qty);
        Ok(())
    }
}

/// A stocktake the generator runs: when it starts, which category (empty: every active part),
/// and whether it is posted or left open with half its lines counted.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PlannedCount {
    pub at: DateTime<Utc>,
    pub category: &'static str,
    pub post: bool,
}

/// 18:00 in Beijing on a day (the shop closes at 17:30, so no order moves stock during a count).
fn after_closing(day: NaiveDate) -> DateTime<Utc> {
    use chrono::TimeZone;
    let local = day.and_hms_opt(18, 0, 0).expect("valid");
    chrono_tz::Asia::Shanghai.from_local_datetime(&local).earliest().expect("no gap").with_timezone(&Utc)
}

/// The stocktakes of a generated shop, oldest first. Ten years: a count of everything at the
/// end of odd years, of the oil and the filters (two counts) at the end of even years. The
/// demo: everything a week before `end`, posted, and the filters the evening before, open.
pub fn stocktake_plan(demo: bool, opened: DateTime<Utc>, end: DateTime<Utc>) -> Vec<PlannedCount> {
    use chrono::Datelike;
    let day = |y: i32, m: u32, d: u32| NaiveDate::from_ymd_opt(y, m, d).expect("valid");
    let last = end.date_naive();
    if demo {
        return vec![
            PlannedCount { at: after_closing(last - Duration::days(7)), category: "", post: true },
            PlannedCount { at: after_closing(last - Duration::days(1)), category: "滤清器", post: false },
        ];
    }
    let mut plan = Vec::new();
    for year in opened.year()..end.year() {
        if year % 2 == 1 {
            plan.push(PlannedCount { at: after_closing(day(year, 12, 28)), category: "", post: true });
        } else {
            plan.push(PlannedCount { at: after_closing(day(year, 12, 27)), category: "机油", post: true });
            plan.push(PlannedCount {
                at: after_closing(day(year, 12, 28)), category: "滤清器", post: true
            });
        }
    }
    plan.retain(|c| c.at > opened && c.at < end);
    plan
}

impl Stockroom {
    /// Runs a planned count: every line counted as booked but for about one in twenty-five, a
    /// unit short (more often) or over, never below zero; posted an hour and a half later, or
    /// left open with every other line counted. Stock known to the generator follows the count.
    pub fn stocktake_tx(
        &mut self,
        tx: &WriteTransaction,
        touched: &mut Touched,
        rng: &mut Rng,
        clerk: &Actor,
        count: PlannedCount,
    ) -> StoreResult<()> {
        let at = count.at.max(self.last_at + Duration::minutes(1));
        let take = stocktake::start_at_tx(tx, clerk, count.category, "", at)?;
        let lines = stocktake::lines_tx(tx, take.id)?;
        // The counting spreads over the next 80 minutes.
        let step = Duration::milliseconds(80 * 60 * 1000 / lines.len().max(1) as i64);
        let mut counted_at = at;
        for (n, line) in lines.iter().enumerate() {
            if !count.post && n % 2 == 1 {
                continue;
            }
            let book = line.book_at_start;
            let counted = if rng.chance(4) {
                if rng.chance(65) { (book - Decimal::ONE).max(Decimal::ZERO) } else { book + Decimal::ONE }
            } else {
                book
            };
            counted_at += step;
            stocktake::count_at_tx(tx, clerk, take.id, line.part, counted, counted_at)?;
            if count.post {
                self.on_hand.insert(line.part, counted);
            }
        }
        self.last_at = at + Duration::minutes(90);
        if count.post {
            stocktake::post_at_tx(tx, touched, clerk, take.id, self.last_at)?;
        }
        Ok(())
    }
}
