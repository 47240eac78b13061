//! Follow-up calls (回访) in the generated data: a call for every order delivered in the last
//! year, worked as the advisors would: most customers reached and content (scores mostly 4
//! and 5), a few unhappy (the older ones handled by the manager, the recent ones still on the
//! manager's home), some not reached after three tries, a wrong number now and then. Calls due
//! from a few days ago on are left for the advisor, so the list is never empty in the demo.
//!
//! It runs after the orders, with its own random stream.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};

use super::Rng;
use crate::domain::followup::{Answer, FollowUp};
use crate::domain::report::delivered_at;
use crate::domain::{OrderId, WorkOrder};
use crate::store::tables::ORDERS_BY_STATE;
use crate::store::{Actor, Store, StoreResult, followups, orders};

const HAPPY: &[&str] = &["师傅很专业，讲得清楚", "价格合理", "车开起来顺多了", "", "", "", "交车很准时"];
const UNHAPPY: &[&str] =
    &["等了太久，比说好的晚了两个小时", "刹车还是有点响", "结账比报价高", "车里有油手印"];
const FLAGGED: &[&str] = &["希望下次能提前电话告知增项", "洗车没洗干净"];
const NOTES: &[&str] = &["已致电客户致歉，约了免费复查", "已退还差价并致歉", "已安排技师回访复查"];
/// Calls this many days overdue or newer are left open for the advisor.
const LEFT_OPEN_DAYS: i64 = 3;
const BATCH: usize = 500;

/// Schedules the calls of the orders delivered since `since` and answers those due before
/// the last few days; returns how many calls there are.
pub fn run(store: &Store, advisor: &Actor, manager: &Actor, since: DateTime<Utc>) -> StoreResult<usize> {
    let mut rng = Rng::new(0xF011_0202);
    let tz = store.read_now(crate::store::settings::get)?.tz();
    let today = Utc::now().with_timezone(&tz).date_naive();
    let delivered: Vec<(WorkOrder, DateTime<Utc>)> = store.read_now(|tx| {
        let mut out = Vec::new();
        for row in tx.open_table(ORDERS_BY_STATE)?.range(("delivered", 0)..=("delivered", u64::MAX))? {
            let id = row?.0.value().1;
            if let Some(order) = orders::get(tx, OrderId(id))?
                && let Some(at) = delivered_at(&order).filter(|at| *at >= since)
            {
                out.push((order, at));
            }
        }
        Ok(out)
    })?;
    let mut calls: Vec<FollowUp> = Vec::with_capacity(delivered.len());
    for batch in delivered.chunks(BATCH) {
        calls.extend(store.write_now(|tx| {
            let mut made = Vec::new();
            for (order, at) in batch {
                made.extend(followups::schedule_tx(tx, order, *at)?);
            }
            Ok(made)
        })?);
    }
    let total = calls.len();
    let to_work: Vec<FollowUp> =
        calls.into_iter().filter(|c| c.due < today - Duration::days(LEFT_OPEN_DAYS)).collect();
    for batch in to_work.chunks(BATCH) {
        let plans: Vec<Plan> = batch.iter().map(|c| plan(&mut rng, c.clone(), tz)).collect();
        store.write_now(|tx| {
            for p in &plans {
                let mut version = p.call.version;
                for (answer, at) in &p.answers {
                    let lang = crate::i18n::Lang::Zh;
                    version =
                        followups::record_tx(tx, advisor, (p.call.id, version), answer, lang, *at)?.version;
                }
                if let Some((note, at)) = &p.handled {
                    followups::handle_tx(tx, manager, (p.call.id, version), note.clone(), *at)?;
                }
            }
            Ok(())
        })?;
    }
    Ok(total)
}

/// What happens to one call: its answers, and the manager's note if it was an unhappy one.
struct Plan {
    call: FollowUp,
    answers: Vec<(Answer, DateTime<Utc>)>,
    handled: Option<(String, DateTime<Utc>)>,
}

fn plan(rng: &mut Rng, call: FollowUp, tz: chrono_tz::Tz) -> Plan {
    let answers = answers(rng, call.due, tz);
    let unhappy = answers.last().is_some_and(|(a, _)| match a {
        Answer::Reached { score, flagged, .. } => *score <= 2 || *flagged,
        _ => false,
    });
    // The manager has dealt with the unhappy answers of more than two weeks ago.
    let handled = match answers.last().map(|(_, at)| *at) {
        Some(at) if unhappy && at < Utc::now() - Duration::days(14) => {
            Some((rng.pick(NOTES).to_string(), at + Duration::hours(3 + rng.below(48) as i64)))
        }
        _ => None,
    };
    Plan { call, answers, handled }
}

/// The calls made about one delivery, from its due day on, each at a time of the working day.
fn answers(rng: &mut Rng, due: NaiveDate, tz: chrono_tz::Tz) -> Vec<(Answer, DateTime<Utc>)> {
    let at = |rng: &mut Rng, day: NaiveDate| {
        let local = day.and_hms_opt(9, 30, 0).expect("valid") + Duration::minutes(rng.below(8 * 60) as i64);
        tz.from_local_datetime(&local).earliest().map(|t| t.with_timezone(&Utc)).unwrap_or_else(Utc::now)
    };
    let roll = rng.below(100);
    let (misses, last) = match roll {
        0..4 => return vec![(Answer::WrongNumber, at(rng, due))],
        4..12 => (3, None),
        12..27 => (1 + rng.below(2), Some(reached(rng))),
        _ => (0, Some(reached(rng))),
    };
    let mut out = Vec::new();
    let mut day = due;
    for _ in 0..misses {
        out.push((Answer::NotReached, at(rng, day)));
        day += Duration::days(1);
    }
    if let Some(answer) = last {
        out.push((answer, at(rng, day)));
    }
    out
}

/// A reached customer: mostly content, now and then not.
fn reached(rng: &mut Rng) -> Answer {
    let roll = rng.below(100);
    let (score, comment, flagged) = match roll {
        0..55 => (5, rng.pick(HAPPY), false),
        55..84 => (4, rng.pick(HAPPY), false),
        84..92 => (3, &"", false),
        92..94 => (4, rng.pick(FLAGGED), true),
        94..97 => (2, rng.pick(UNHAPPY), false),
        _ => (1, rng.pick(UNHAPPY), false),
    };
    Answer::Reached { score, comment: comment.to_string(), flagged }
}
