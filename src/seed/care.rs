//! Customer care in the generated data: some entries of the due lists already worked by the
//! advisors (called, messaged, booked…), so the lists show snoozed entries and the contact
//! histories show the calls. The entries are those due around the day the data is generated,
//! since that is when the demo is looked at.

use chrono::{Duration, NaiveDate, Utc};

use super::Rng;
use crate::domain::care::{DueKind, Outcome};
use crate::i18n::{Lang, Msg};
use crate::store::care::{self, Window};
use crate::store::{Actor, Store, StoreResult, customers, vehicles};

/// Works about a third of the entries due from a month ago to a month on, at most `per_list`
/// of each list; returns how many outcomes were recorded.
pub(super) fn outcomes(store: &Store, rng: &mut Rng, advisor: &Actor, per_list: usize) -> StoreResult<usize> {
    let settings = store.read_now(crate::store::settings::get)?;
    let today: NaiveDate = Utc::now().with_timezone(&settings.tz()).date_naive();
    let lang = settings.default_lang;
    let mut picked = Vec::new();
    store.read_now(|tx| {
        for kind in DueKind::ALL {
            let (from, to) = match kind {
                DueKind::Birthday => (today, today + Duration::days(6)),
                DueKind::Dormant => continue,
                _ => (today - Duration::days(30), today + Duration::days(30)),
            };
            let w = Window { from, to, today, with_snoozed: true, skip: 0, limit: per_list * 3 };
            for (entry, _) in care::list(tx, *kind, &w)?.0 {
                if rng.chance(33) {
                    let who = if kind.per_vehicle() {
                        vehicles::get(tx, crate::domain::VehicleId(entry.subject))?
                            .map(|v| v.details.plate.to_string())
                    } else {
                        customers::get(tx, crate::domain::CustomerId(entry.subject))?.map(|c| c.details.name)
                    };
                    if let Some(who) = who {
                        picked.push((*kind, entry.subject, who));
                    }
                }
            }
        }
        Ok(())
    })?;
    let weights = [
        (Outcome::Called, 35),
        (Outcome::Messaged, 30),
        (Outcome::Booked, 20),
        (Outcome::NotInterested, 10),
        (Outcome::WrongNumber, 5),
    ];
    let n = picked.len();
    store.write_now(|tx| {
        for (kind, subject, who) in picked {
            let mut roll = rng.below(100);
            let outcome = weights
                .iter()
                .find(|(_, w)| {
                    let hit = roll < *w;
                    roll = roll.saturating_sub(*w);
                    hit
                })
                .map(|(o, _)| *o)
                .unwrap_or(Outcome::Called);
            let summary = summary(lang, kind, outcome, &who);
            // Worked some days ago: the snooze runs from then.
            let worked = today - Duration::days(rng.below(5) as i64);
            care::record_outcome_tx(tx, advisor, kind, subject, outcome, summary, worked)?;
        }
        Ok(())
    })?;
    Ok(n)
}

fn summary(lang: Lang, kind: DueKind, outcome: Outcome, who: &str) -> String {
    lang.fmt(Msg::CareSummary, &[&lang.t(kind.label()), &lang.t(outcome.label()), &who])
}
