//! The parts index: an in-memory copy of the catalog rows that search, the parts list, the
//! low-stock count and valuation read, so none of them decodes 5,000 records per request.
//!
//! Derived data, like the customer index: built from the database at start; after every
//! committed write that touched parts, those parts are re-read from the database under the
//! index's write lock, so it converges on the committed state.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use redb::{ReadTransaction, ReadableTable};
use rust_decimal::Decimal;

use crate::domain::part::{Part, PartId};
use crate::domain::stock::{Stock, cents};
use crate::store::StoreResult;
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
    /// Rows by (number key, id): the list's order.
    rows: BTreeMap<(String, u64), PartRow>,
    keys: HashMap<PartId, String>,
}

impl PartIndex {
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn upsert(&mut self, part: &Part) {
        self.remove(part.id);
        let row = PartRow::of(part);
        self.keys.insert(part.id, row.key.clone());
        self.rows.insert((row.key.clone(), part.id.0), row);
    }

    pub fn remove(&mut self, id: PartId) {
        if let Some(key) = self.keys.remove(&id) {
            self.rows.remove(&(key, id.0));
        }
    }

    pub fn get(&self, id: PartId) -> Option<&PartRow> {
        let key = self.keys.get(&id)?;
        self.rows.get(&(key.clone(), id.0))
    }

    /// Quick search and filters: a part whose number matches (ignoring case and separators)
    /// comes first, then number prefixes, then the rest of the matches in number order. Returns
    /// one page and the number of matches.
    pub fn search(
        &self,
        query: &str,
        filter: &PartFilter,
        offset: usize,
        limit: usize,
    ) -> (Vec<PartRow>, usize) {
        let q = query.trim().to_lowercase();
        let q_key: String =
            q.chars().filter(|c| !matches!(c, ' ' | '-' | '_' | '.')).flat_map(char::to_uppercase).collect();
        let words: Vec<&str> = q.split_whitespace().collect();
        let mut hits: Vec<(u8, &PartRow)> = Vec::new();
        for row in self.rows.values() {
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
        // Stable: within a rank, number order.
        hits.sort_by_key(|(rank, _)| *rank);
        let total = hits.len();
        (hits.into_iter().skip(offset).take(limit).map(|(_, r)| r.clone()).collect(), total)
    }

    /// The categories and locations in use, sorted, for the filters.
    pub fn categories_and_locations(&self) -> (Vec<String>, Vec<String>) {
        let mut cats = BTreeSet::new();
        let mut locs = BTreeSet::new();
        for row in self.rows.values() {
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
        self.rows.values().filter(|r| r.low).count()
    }

    /// Stock value at cost per category (parts with stock on hand), and the total last.
    pub fn valuation(&self) -> Vec<CategoryValue> {
        let mut by: BTreeMap<&str, CategoryValue> = BTreeMap::new();
        for row in self.rows.values().filter(|r| !r.stock.on_hand.is_zero()) {
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
    Ok(index)
}

pub fn refresh_one(tx: &ReadTransaction, index: &mut PartIndex, id: PartId) -> StoreResult<()> {
    match tx.open_table(PARTS)?.get(id.0)? {
        Some(part) => index.upsert(&part.value()),
        None => index.remove(id),
    }
    Ok(())
}
