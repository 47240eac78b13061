//! The parts index: an in-memory copy of the catalog rows that search, the parts list, the
//! low-stock count and valuation read, so none of them decodes 5,000 records per request.
//!
//! Derived data, like the customer index: built from the database at start; after every
//! committed write that touched parts, those parts are re-read from the database under the
//! index's write lock, so it converges on the committed state.
//!
//! Search does not scan the rows: number prefixes are a range of the number order, and words
//! are looked up in an inverted index of 1-, 2- and 3-grams (like the customer index's), then
//! verified by substring.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::BuildHasherDefault;

use redb::{ReadTransaction, ReadableTable};
use rust_decimal::Decimal;

use crate::domain::part::{Part, PartId};
use crate::domain::stock::{Stock, cents};
use crate::store::StoreResult;
use crate::store::search::{PreHashed, gram_key, intersect};
use crate::store::tables::PARTS;

/// What a list row shows and filters look at.
#[derive(Clone, Debug, PartialEq)]
pub struct PartRow {
    pub id: PartId,
    pub number: String,
    pub name: String,
    pub spec: String,
    pub brand: String,
    pub unit: String,
    pub category: String,
    pub location: String,
    pub price: Decimal,
    pub stock: Stock,
    pub min_stock: Decimal,
    pub active: bool,
    pub low: bool,
    key: String,
    hay: String,
}

impl PartRow {
    fn of(part: &Part) -> PartRow {
        let d = &part.details;
        PartRow {
            id: part.id,
            number: d.number.to_string(),
            name: d.name.clone(),
            spec: d.spec.clone(),
            brand: d.brand.clone(),
            unit: d.unit.clone(),
            category: d.category.clone(),
            location: d.location.clone(),
            price: d.price,
            stock: part.stock,
            min_stock: d.min_stock,
            active: d.active,
            low: part.is_low(),
            key: d.number.key(),
            hay: part.haystack(),
        }
    }
}

/// Filters of the parts list; empty or `None` means any.
#[derive(Clone, Debug, Default)]
pub struct PartFilter {
    pub category: String,
    pub location: String,
    pub low_only: bool,
    /// Inactive parts are listed only when asked for.
    pub with_inactive: bool,
}

/// One category's stock at cost.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CategoryValue {
    pub category: String,
    pub parts: usize,
    pub qty: Decimal,
    pub value: Decimal,
}

#[derive(Debug, Default)]
pub struct PartIndex {
    /// By part id (ids are dense, so a vector beats a map).
    rows: Vec<Option<PartRow>>,
    len: usize,
    /// (number key, id): the list's order, and number prefixes as a range.
    order: BTreeSet<(String, u64)>,
    /// n-gram hash → sorted part ids: the 1-, 2- and 3-grams of each word of the haystack.
    postings: HashMap<u64, Vec<u32>, BuildHasherDefault<PreHashed>>,
}

/// The distinct n-grams a haystack is found by: 1-, 2- and 3-grams of each of its words (a
/// query word never spans a space, so grams across words are never looked up).
fn grams(hay: &str) -> Vec<u64> {
    let mut keys = Vec::new();
    for word in hay.split_whitespace() {
        let chars: Vec<char> = word.chars().collect();
        for n in 1..=3 {
            keys.extend(chars.windows(n).map(gram_key));
        }
    }
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// The query as search compares it: lower case, its number key, its words.
struct Query<'q> {
    text: &'q str,
    key: String,
    words: Vec<&'q str>,
}

impl<'q> Query<'q> {
    fn of(lowered: &'q str) -> Query<'q> {
        let key = lowered
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '_' | '.'))
            .flat_map(char::to_uppercase)
            .collect();
        Query { text: lowered, key, words: lowered.split_whitespace().collect() }
    }
}

impl PartFilter {
    fn accepts(&self, row: &PartRow) -> bool {
        (self.with_inactive || row.active)
            && (!self.low_only || row.low)
            && (self.category.is_empty() || row.category == self.category)
            && (self.location.is_empty() || row.location == self.location)
    }
}

impl PartIndex {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn rows(&self) -> impl Iterator<Item = &PartRow> {
        self.rows.iter().flatten()
    }

    pub fn upsert(&mut self, part: &Part) {
        self.remove(part.id);
        let row = PartRow::of(part);
        let id = part.id.0;
        for key in grams(&row.hay) {
            let list = self.postings.entry(key).or_default();
            if let Err(at) = list.binary_search(&(id as u32)) {
                list.insert(at, id as u32);
            }
        }
        self.order.insert((row.key.clone(), id));
        let slot = id as usize;
        if self.rows.len() <= slot {
            self.rows.resize_with(slot + 1, || None);
        }
        self.rows[slot] = Some(row);
        self.len += 1;
    }

    pub fn remove(&mut self, id: PartId) {
        let Some(row) = self.rows.get_mut(id.0 as usize).and_then(Option::take) else { return };
        self.len -= 1;
        self.order.remove(&(row.key.clone(), id.0));
        for key in grams(&row.hay) {
            if let Some(list) = self.postings.get_mut(&key) {
                if let Ok(at) = list.binary_search(&(id.0 as u32)) {
                    list.remove(at);
                }
                if list.is_empty() {
                    self.postings.remove(&key);
                }
            }
        }
    }

    pub fn get(&self, id: PartId) -> Option<&PartRow> {
        self.rows.get(id.0 as usize).and_then(Option::as_ref)
    }

    /// Quick search and filters: a part whose number matches (ignoring case and separators)
    /// comes first, then number prefixes, then the rest of the matches (every word of the
    /// query in the number, name, brand, spec, fits or the pinyin initials of name and brand),
    /// each group in number order. Returns one page and the number of matches.
    ///
    /// Number prefixes are a range of the number order; word matches are the parts posted
    /// under every n-gram of every word, verified by substring. The result is the same as
    /// ranking every row (a unit test holds the two together).
    pub fn search(
        &self,
        query: &str,
        filter: &PartFilter,
        offset: usize,
        limit: usize,
    ) -> (Vec<PartRow>, usize) {
        let lowered = query.trim().to_lowercase();
        let q = Query::of(&lowered);
        let mut hits: Vec<(u8, &PartRow)> = Vec::new();
        if q.text.is_empty() {
            hits.extend(
                self.order
                    .iter()
                    .filter_map(|(_, id)| self.get(PartId(*id)))
                    .filter(|r| filter.accepts(r))
                    .map(|r| (2, r)),
            );
        } else {
            if !q.key.is_empty() {
                for (key, id) in self.order.range((q.key.clone(), 0)..) {
                    if !key.starts_with(&q.key) {
                        break;
                    }
                    if let Some(row) = self.get(PartId(*id)).filter(|r| filter.accepts(r)) {
                        hits.push((u8::from(*key != q.key), row));
                    }
                }
            }
            for id in self.word_candidates(&q.words) {
                let Some(row) = self.get(PartId(u64::from(id))) else { continue };
                // Number prefixes are counted above.
                let by_number = !q.key.is_empty() && row.key.starts_with(&q.key);
                if !by_number && filter.accepts(row) && q.words.iter().all(|w| row.hay.contains(w)) {
                    hits.push((2, row));
                }
            }
        }
        let total = hits.len();
        let end = offset.saturating_add(limit).min(total);
        if offset >= end {
            return (Vec::new(), total);
        }
        fn key<'a>(h: &(u8, &'a PartRow)) -> (u8, &'a str, PartId) {
            (h.0, h.1.key.as_str(), h.1.id)
        }
        if end < total {
            hits.select_nth_unstable_by(end, |a, b| key(a).cmp(&key(b)));
        }
        let head = &mut hits[..end];
        head.sort_unstable_by(|a, b| key(a).cmp(&key(b)));
        (head[offset..].iter().map(|(_, r)| (*r).clone()).collect(), total)
    }

    /// The parts posted under every n-gram of every word (a superset of the word matches),
    /// intersected rarest list first until few enough are left to verify.
    fn word_candidates(&self, words: &[&str]) -> Vec<u32> {
        let mut lists: Vec<&Vec<u32>> = Vec::new();
        for word in words {
            let chars: Vec<char> = word.chars().collect();
            for window in chars.windows(chars.len().min(3)) {
                match self.postings.get(&gram_key(window)) {
                    None => return Vec::new(),
                    Some(list) => lists.push(list),
                }
            }
        }
        lists.sort_unstable_by_key(|l| l.len());
        let Some((first, rest)) = lists.split_first() else { return Vec::new() };
        let mut candidates: Vec<u32> = first.to_vec();
        for list in rest {
            if candidates.len() <= 32 {
                break;
            }
            candidates = intersect(&candidates, list);
        }
        candidates
    }

    /// The categories and locations in use, sorted, for the filters.
    pub fn categories_and_locations(&self) -> (Vec<String>, Vec<String>) {
        let mut cats = BTreeSet::new();
        let mut locs = BTreeSet::new();
        for row in self.rows() {
            if !row.category.is_empty() {
                cats.insert(row.category.clone());
            }
            if !row.location.is_empty() {
                locs.insert(row.location.clone());
            }
        }
        (cats.into_iter().collect(), locs.into_iter().collect())
    }

    pub fn low_count(&self) -> usize {
        self.rows().filter(|r| r.low).count()
    }

    /// Stock value at cost per category (parts with stock on hand), and the total last.
    pub fn valuation(&self) -> Vec<CategoryValue> {
        let mut by: BTreeMap<&str, CategoryValue> = BTreeMap::new();
        for row in self.rows().filter(|r| !r.stock.on_hand.is_zero()) {
            let entry = by
                .entry(row.category.as_str())
                .or_insert_with(|| CategoryValue { category: row.category.clone(), ..Default::default() });
            entry.parts += 1;
            entry.qty += row.stock.on_hand;
            entry.value += row.stock.value();
        }
        let mut out: Vec<CategoryValue> = by.into_values().collect();
        let total = CategoryValue {
            category: String::new(),
            parts: out.iter().map(|c| c.parts).sum(),
            qty: out.iter().map(|c| c.qty).sum(),
            value: cents(out.iter().map(|c| c.value).sum()),
        };
        out.push(total);
        out
    }
}

pub fn build(tx: &ReadTransaction) -> StoreResult<PartIndex> {
    let mut index = PartIndex::default();
    for row in tx.open_table(PARTS)?.iter()? {
        index.upsert(&row?.1.value());
    }
    for list in index.postings.values_mut() {
        list.shrink_to_fit();
    }
    Ok(index)
}

pub fn refresh_one(tx: &ReadTransaction, index: &mut PartIndex, id: PartId) -> StoreResult<()> {
    match tx.open_table(PARTS)?.get(id.0)? {
        Some(part) => index.upsert(&part.value()),
        None => index.remove(id),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use proptest::prelude::*;

    use super::*;
    use crate::domain::part::{PartDetails, PartNumber};

    fn part(
        id: u64,
        number: &str,
        name: &str,
        brand: &str,
        category: &str,
        active: bool,
        on_hand: i64,
    ) -> Part {
        let details = PartDetails {
            number: PartNumber::parse(number).expect("a valid number"),
            name: name.into(),
            spec: String::new(),
            brand: brand.into(),
            unit: "piece".into(),
            category: category.into(),
            location: format!("A-{}", id % 3),
            price: Decimal::from(45),
            min_stock: Decimal::from(2),
            supplier: None,
            active,
            fits: "丰田 卡罗拉".into(),
        };
        let stock = Stock { on_hand: Decimal::from(on_hand), avg_cost: Decimal::ONE };
        let now = Utc::now();
        Part {
            id: PartId(id),
            details,
            stock,
            version: 1,
            created_at: now,
            updated_at: now,
            last_moved_at: None,
        }
    }

    /// The search as it was before the index: every row ranked, in number order.
    fn linear(
        index: &PartIndex,
        query: &str,
        filter: &PartFilter,
        offset: usize,
        limit: usize,
    ) -> (Vec<PartId>, usize) {
        let q = query.trim().to_lowercase();
        let q_key: String =
            q.chars().filter(|c| !matches!(c, ' ' | '-' | '_' | '.')).flat_map(char::to_uppercase).collect();
        let words: Vec<&str> = q.split_whitespace().collect();
        let mut rows: Vec<&PartRow> = index.rows().collect();
        rows.sort_by(|a, b| (&a.key, a.id).cmp(&(&b.key, b.id)));
        let mut hits: Vec<(u8, &PartRow)> = Vec::new();
        for row in rows {
            if !(filter.with_inactive || row.active)
                || (filter.low_only && !row.low)
                || (!filter.category.is_empty() && row.category != filter.category)
                || (!filter.location.is_empty() && row.location != filter.location)
            {
                continue;
            }
            let rank = if q.is_empty() {
                2
            } else if !q_key.is_empty() && row.key == q_key {
                0
            } else if !q_key.is_empty() && row.key.starts_with(&q_key) {
                1
            } else if words.iter().all(|w| row.hay.contains(w)) {
                2
            } else {
                continue;
            };
            hits.push((rank, row));
        }
        hits.sort_by_key(|(rank, _)| *rank);
        let total = hits.len();
        (hits.into_iter().skip(offset).take(limit).map(|(_, r)| r.id).collect(), total)
    }

    fn ids(found: (Vec<PartRow>, usize)) -> (Vec<PartId>, usize) {
        (found.0.iter().map(|r| r.id).collect(), found.1)
    }

    #[test]
    fn pinyin_initials_numbers_and_words_find_parts() {
        let mut index = PartIndex::default();
        index.upsert(&part(1, "90915-YZZE1", "机油滤清器", "博世", "滤清器", true, 5));
        index.upsert(&part(2, "04465-02220", "前刹车片", "天合", "制动", true, 1));
        index.upsert(&part(3, "90915-10003", "机油滤清器", "曼牌", "滤清器", false, 0));
        let all = PartFilter::default();
        assert_eq!(ids(index.search("jyl", &all, 0, 10)), (vec![PartId(1)], 1), "inactive parts stay out");
        assert_eq!(ids(index.search("JYLQQ bs", &all, 0, 10)), (vec![PartId(1)], 1));
        assert_eq!(ids(index.search("qsc", &all, 0, 10)), (vec![PartId(2)], 1));
        assert_eq!(ids(index.search("th", &all, 0, 10)), (vec![PartId(2)], 1), "a brand's initials");
        let with_inactive = PartFilter { with_inactive: true, ..Default::default() };
        assert_eq!(ids(index.search("90915", &with_inactive, 0, 10)).0, vec![PartId(3), PartId(1)]);
        assert_eq!(ids(index.search("90915yzze1", &with_inactive, 0, 10)).0, vec![PartId(1)]);
        index.remove(PartId(1));
        assert_eq!(index.search("jyl", &all, 0, 10).1, 0);
        assert_eq!(index.len(), 2);
    }

    const NUMBER_CHARS: &[char] = &['A', 'b', '1', '2', '-', ' ', '9'];
    const NAME_CHARS: &[char] = &['机', '油', '滤', '清', '器', '刹', '车', '片', 'a', 'J', ' ', '5'];
    const QUERY_CHARS: &[char] =
        &['A', 'b', '1', '2', '-', ' ', '.', '机', '油', '滤', 'j', 'y', 'l', 'q', 'c', 'p', 'B', '5'];

    fn text(chars: &'static [char], len: std::ops::Range<usize>) -> impl Strategy<Value = String> {
        proptest::collection::vec(proptest::sample::select(chars), len).prop_map(|c| c.into_iter().collect())
    }

    fn catalog() -> impl Strategy<Value = Vec<(String, String, String, bool, i64)>> {
        let row = (
            text(NUMBER_CHARS, 1..6).prop_filter("a number", |n| PartNumber::parse(n).is_ok()),
            text(NAME_CHARS, 1..7),
            text(NAME_CHARS, 0..3),
            any::<bool>(),
            0i64..4,
        );
        proptest::collection::vec(row, 0..40)
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]
        #[test]
        fn the_index_finds_what_ranking_every_row_finds(
            rows in catalog(),
            removed in proptest::collection::vec(0u64..40, 0..5),
            queries in proptest::collection::vec(text(QUERY_CHARS, 0..5), 1..8),
            low_only in any::<bool>(),
            with_inactive in any::<bool>(),
            category in proptest::sample::select(vec!["", "滤清器", "制动"]),
            offset in 0usize..6,
            limit in 1usize..8,
        ) {
            let mut index = PartIndex::default();
            for (i, (number, name, brand, active, on_hand)) in rows.iter().enumerate() {
                let category = if i % 2 == 0 { "滤清器" } else { "制动" };
                index.upsert(&part(i as u64 + 1, number, name, brand, category, *active, *on_hand));
            }
            // Replaced and removed entries leave nothing behind in the postings.
            for (i, (number, name, _, _, _)) in rows.iter().enumerate().step_by(3) {
                index.upsert(&part(i as u64 + 1, number, &format!("{name}片"), "刹", "制动", true, 1));
            }
            for id in removed {
                index.remove(PartId(id));
            }
            let filter = PartFilter { category: category.to_string(), low_only, with_inactive, ..Default::default() };
            for q in &queries {
                prop_assert_eq!(ids(index.search(q, &filter, offset, limit)), linear(&index, q, &filter, offset, limit), "query {:?}", q);
                prop_assert_eq!(ids(index.search(q, &PartFilter::default(), 0, 100)), linear(&index, q, &PartFilter::default(), 0, 100), "query {:?}", q);
            }
        }
    }
}
