//! The customer search index: an in-memory copy of what quick search and the customer list
//! need (names, phones, plates, filters), so that a search answers in microseconds without
//! reading and decoding thousands of records.
//!
//! It is derived data. It is built from the database at start, and after every committed
//! write that touches customers or vehicles, the touched customers are re-read from the
//! database and replaced here, under the index's write lock, so the index always converges on
//! the committed state. Nothing is ever written to it that was not committed first.
//!
//! Matching: every searchable text is folded (lower case, no spaces), and its 1-, 2- and
//! 3-character substrings are posted in an inverted index. A query looks up its rarest
//! n-gram and verifies the candidates by substring match. A name's pinyin initials are one
//! more name text, so `zw` finds 张伟.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash, Hasher};

use chrono::{DateTime, Utc};
use redb::{ReadTransaction, ReadableTable};

use super::StoreResult;
use super::tables::{CUSTOMERS, VEHICLES};

use crate::domain::customer::search_folded;
use crate::domain::pinyin;
use crate::domain::{Customer, CustomerId, CustomerKind, CustomerStatus, Plate};

/// What a result row shows and what filters look at.
#[derive(Clone, Debug, PartialEq)]
pub struct CustomerRow {
    pub id: CustomerId,
    pub name: String,
    pub kind: CustomerKind,
    pub status: CustomerStatus,
    pub phone: String,
    pub source: String,
    pub level: String,
    pub created_at: DateTime<Utc>,
    /// Plates of the vehicles the customer owns now, as people read them (`粤B·12345`).
    pub plates: Vec<String>,
}

struct Entry {
    row: CustomerRow,
    /// Folded searchable texts: names first (name, contact person), then phone digits and
    /// plates; `names` says how many are names.
    texts: Vec<String>,
    names: usize,
}

impl Entry {
    fn grams(&self) -> Vec<u64> {
        grams(&self.texts[..self.names], &self.texts[self.names..])
    }
}

/// Filters of the advanced search; `None` means any.
#[derive(Clone, Debug, Default)]
pub struct CustomerFilter {
    pub kind: Option<CustomerKind>,
    pub source: Option<String>,
    pub level: Option<String>,
    /// Without a query, the default lists show active customers only.
    pub status: Option<CustomerStatus>,
    pub created_from: Option<DateTime<Utc>>,
    pub created_until: Option<DateTime<Utc>>,
}

impl CustomerFilter {
    fn accepts(&self, row: &CustomerRow) -> bool {
        self.kind.is_none_or(|k| row.kind == k)
            && self.source.as_ref().is_none_or(|s| &row.source == s)
            && self.level.as_ref().is_none_or(|l| &row.level == l)
            && self.status.is_none_or(|s| row.status == s)
            && self.created_from.is_none_or(|from| row.created_at >= from)
            && self.created_until.is_none_or(|until| row.created_at < until)
    }
}

/// One page of results and how many there are in all.
#[derive(Clone, Debug, Default)]
pub struct Page {
    pub rows: Vec<CustomerRow>,
    pub total: usize,
}

#[derive(Default)]
pub struct CustomerIndex {
    /// By customer id (ids are dense, so a vector beats a map).
    entries: Vec<Option<Entry>>,
    len: usize,
    /// n-gram hash → sorted customer ids.
    postings: HashMap<u64, Vec<u32>, BuildHasherDefault<PreHashed>>,
}

/// The postings' keys are already hashes: use them as they are (the parts index too).
#[derive(Default)]
pub(crate) struct PreHashed(u64);

impl Hasher for PreHashed {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 << 8) | u64::from(*b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// The postings key of one n-gram.
pub(crate) fn gram_key(gram: &[char]) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    gram.hash(&mut h);
    h.finish()
}

/// The distinct n-grams a customer is found by: 1-, 2- and 3-grams of names (a surname alone
/// is a fair search), only 3-grams of phones and plates (phone searches take 4+ digits).
fn grams(names: &[String], codes: &[String]) -> Vec<u64> {
    let mut keys = Vec::new();
    let mut add = |text: &str, sizes: std::ops::RangeInclusive<usize>| {
        let chars: Vec<char> = text.chars().collect();
        for n in sizes {
            for window in chars.windows(n) {
                keys.push(gram_key(window));
            }
        }
    };
    for name in names {
        add(name, 1..=3);
    }
    for code in codes {
        add(code, 3..=3);
    }
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// Folds a plate the way the index stores it (plates are upper case; search is case-blind).
fn fold_plate(plate: &str) -> String {
    search_folded(plate)
}

impl CustomerIndex {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn entry(&self, id: u64) -> Option<&Entry> {
        self.entries.get(id as usize).and_then(Option::as_ref)
    }

    /// Puts a customer (with the plates of their vehicles) in the index, replacing any entry.
    pub fn upsert(&mut self, customer: &Customer, plates: Vec<String>) {
        self.remove(customer.id);
        let d = &customer.details;
        let mut texts = vec![search_folded(&d.name)];
        if !d.contact_person.is_empty() {
            texts.push(search_folded(&d.contact_person));
        }
        // 张伟 is found by `zw` too (a name's pinyin initials count as a name).
        if pinyin::has_initials(&d.name) {
            texts.push(search_folded(&pinyin::initials(&d.name)));
        }
        let names = texts.len();
        texts.push(d.phone.digits().to_string());
        if let Some(p) = &d.phone2 {
            texts.push(p.digits().to_string());
        }
        texts.extend(plates.iter().map(|p| fold_plate(p)));
        let id = customer.id.0;
        for key in grams(&texts[..names], &texts[names..]) {
            let list = self.postings.entry(key).or_default();
            if let Err(at) = list.binary_search(&(id as u32)) {
                list.insert(at, id as u32);
            }
        }
        let plates = plates
            .iter()
            .map(|p| Plate::parse(p).map(|p| p.to_string()).unwrap_or_else(|_| p.clone()))
            .collect();
        let row = CustomerRow {
            id: customer.id,
            name: d.name.clone(),
            kind: d.kind,
            status: customer.status,
            phone: d.phone.to_string(),
            source: d.source.clone(),
            level: d.level.clone(),
            created_at: customer.created_at,
            plates,
        };
        let slot = id as usize;
        if self.entries.len() <= slot {
            self.entries.resize_with(slot + 1, || None);
        }
        self.entries[slot] = Some(Entry { row, texts, names });
        self.len += 1;
    }

    pub fn remove(&mut self, id: CustomerId) {
        let Some(entry) = self.entries.get_mut(id.0 as usize).and_then(Option::take) else { return };
        self.len -= 1;
        for key in entry.grams() {
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

    pub fn get(&self, id: CustomerId) -> Option<&CustomerRow> {
        self.entry(id.0).map(|e| &e.row)
    }

    /// Quick search (with `query`) or the filtered list (without), one page of it.
    ///
    /// With a query, results are ranked: a field equal to the query first, then a field
    /// starting with it, then containing it; active customers before dormant and invalid
    /// ones; then newest first. Without a query, newest first.
    pub fn search(&self, query: &str, filter: &CustomerFilter, offset: usize, limit: usize) -> Page {
        let q = search_folded(query);
        if q.is_empty() {
            let mut rows: Vec<&CustomerRow> =
                self.entries.iter().flatten().map(|e| &e.row).filter(|r| filter.accepts(r)).collect();
            page_of(&mut rows, |r| std::cmp::Reverse(r.id), |r| r, offset, limit)
        } else {
            let q_chars: Vec<char> = q.chars().collect();
            let n = q_chars.len().min(3);
            // Every n-gram of the query must be posted for a match: intersect their lists,
            // rarest first, so only a handful of candidates are verified by substring.
            let mut lists: Vec<&Vec<u32>> = Vec::new();
            for window in q_chars.windows(n) {
                match self.postings.get(&gram_key(window)) {
                    None => return Page::default(),
                    Some(list) => lists.push(list),
                }
            }
            lists.sort_unstable_by_key(|l| l.len());
            let single_gram = lists.len() == 1;
            let mut candidates: Vec<u32> = lists[0].clone();
            for list in &lists[1..] {
                if candidates.len() <= 32 {
                    break;
                }
                candidates = intersect(&candidates, list);
            }
            let mut hits: Vec<(u8, &CustomerRow)> = Vec::new();
            for id in candidates {
                let Some(entry) = self.entry(u64::from(id)) else { continue };
                if !filter.accepts(&entry.row) {
                    continue;
                }
                let prefix = entry
                    .texts
                    .iter()
                    .filter(|t| t.starts_with(&q))
                    .map(|t| u8::from(t.len() != q.len()))
                    .min();
                // A query of one n-gram is in every text posted under it, so only the rank
                // needs working out; longer queries are verified by substring search.
                let rank = prefix.or_else(|| {
                    let contained = single_gram || entry.texts.iter().any(|t| t.contains(&q));
                    contained.then_some(2)
                });
                if let Some(rank) = rank {
                    hits.push((rank, &entry.row));
                }
            }
            let key = |h: &(u8, &CustomerRow)| {
                (h.0, h.1.status != CustomerStatus::Active, std::cmp::Reverse(h.1.id))
            };
            page_of(&mut hits, key, |h| h.1, offset, limit)
        }
    }
}

/// The index of every customer in the database.
pub fn build(tx: &ReadTransaction) -> StoreResult<CustomerIndex> {
    let mut plates: HashMap<u64, Vec<String>> = HashMap::new();
    for row in tx.open_table(VEHICLES)?.iter()? {
        let vehicle = row?.1.value();
        plates.entry(vehicle.customer_id.0).or_default().push(vehicle.details.plate.as_str().to_string());
    }
    let mut index = CustomerIndex::default();
    for row in tx.open_table(CUSTOMERS)?.iter()? {
        let customer = row?.1.value();
        let plates = plates.remove(&customer.id.0).unwrap_or_default();
        index.upsert(&customer, plates);
    }
    for list in index.postings.values_mut() {
        list.shrink_to_fit();
    }
    Ok(index)
}

/// Replaces one customer's entry with what the database holds now (or removes it).
pub fn refresh_one(tx: &ReadTransaction, index: &mut CustomerIndex, id: CustomerId) -> StoreResult<()> {
    match super::customers::get(tx, id)? {
        Some(customer) => {
            let vehicles = tx.open_table(VEHICLES)?;
            let mut plates = Vec::new();
            for vehicle in super::customers::vehicle_ids(tx, id)? {
                if let Some(v) = vehicles.get(vehicle.0)? {
                    plates.push(v.value().details.plate.as_str().to_string());
                }
            }
            index.upsert(&customer, plates);
        }
        None => index.remove(id),
    }
    Ok(())
}

/// The ids in both sorted lists.
pub(crate) fn intersect(a: &[u32], b: &[u32]) -> Vec<u32> {
    let mut out = Vec::with_capacity(a.len().min(b.len()));
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                out.push(a[i]);
                i += 1;
                j += 1;
            }
        }
    }
    out
}

/// One page of `items` in `key` order, sorting only as much as the page needs.
fn page_of<T, K: Ord>(
    items: &mut [T],
    key: impl Fn(&T) -> K,
    row: impl Fn(&T) -> &CustomerRow,
    offset: usize,
    limit: usize,
) -> Page {
    let total = items.len();
    let end = offset.saturating_add(limit).min(total);
    if offset >= end {
        return Page { rows: vec![], total };
    }
    if end < total {
        items.select_nth_unstable_by(end, |a, b| key(a).cmp(&key(b)));
    }
    let head = &mut items[..end];
    head.sort_unstable_by_key(&key);
    Page { rows: head[offset..].iter().map(|i| row(i).clone()).collect(), total }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::domain::CustomerDetails;

    fn customer(id: u64, name: &str, phone: &str, status: CustomerStatus) -> Customer {
        Customer {
            id: CustomerId(id),
            details: CustomerDetails::person(name, phone),
            status,
            version: 1,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    fn index() -> CustomerIndex {
        let mut index = CustomerIndex::default();
        index.upsert(&customer(1, "张伟", "13800138000", CustomerStatus::Active), vec!["京A12345".into()]);
        index.upsert(&customer(2, "Wei Zhang", "13911112222", CustomerStatus::Active), vec![]);
        index.upsert(&customer(3, "张", "13722223333", CustomerStatus::Active), vec![]);
        index.upsert(&customer(4, "张伟强", "13633334444", CustomerStatus::Dormant), vec!["沪B54321".into()]);
        index
    }

    fn ids(page: &Page) -> Vec<u64> {
        page.rows.iter().map(|r| r.id.0).collect()
    }

    #[test]
    fn chinese_and_latin_substrings_match_ranked_exact_first() {
        let index = index();
        let all = CustomerFilter::default();
        assert_eq!(ids(&index.search("张", &all, 0, 10)), vec![3, 1, 4]);
        assert_eq!(ids(&index.search("张伟", &all, 0, 10)), vec![1, 4]);
        assert_eq!(ids(&index.search("wei", &all, 0, 10)), vec![2]);
        assert_eq!(ids(&index.search("ZHANG", &all, 0, 10)), vec![2]);
    }

    #[test]
    fn pinyin_initials_find_chinese_names() {
        let index = index();
        let all = CustomerFilter::default();
        assert_eq!(ids(&index.search("zw", &all, 0, 10)), vec![1, 4], "张伟 exactly, then 张伟强");
        assert_eq!(ids(&index.search("ZWQ", &all, 0, 10)), vec![4]);
        assert_eq!(index.search("wz", &all, 0, 10).total, 0);
    }

    #[test]
    fn phones_match_by_any_run_of_digits_and_plates_in_any_case() {
        let index = index();
        let all = CustomerFilter::default();
        assert_eq!(ids(&index.search("0013", &all, 0, 10)), vec![1]);
        assert_eq!(ids(&index.search("京a 12345", &all, 0, 10)), vec![1]);
        assert_eq!(ids(&index.search("b5432", &all, 0, 10)), vec![4]);
        assert_eq!(index.search("nobody", &all, 0, 10).total, 0);
    }

    #[test]
    fn filters_and_pages() {
        let index = index();
        let active = CustomerFilter { status: Some(CustomerStatus::Active), ..Default::default() };
        let page = index.search("", &active, 0, 2);
        assert_eq!((ids(&page), page.total), (vec![3, 2], 3));
        assert_eq!(ids(&index.search("", &active, 2, 2)), vec![1]);
        assert!(index.search("", &active, 9, 2).rows.is_empty());
    }

    #[test]
    fn replacing_and_removing_keeps_postings_clean() {
        let mut index = index();
        index.upsert(&customer(1, "李娜", "13800138000", CustomerStatus::Active), vec![]);
        let all = CustomerFilter::default();
        assert_eq!(ids(&index.search("张伟", &all, 0, 10)), vec![4]);
        assert_eq!(ids(&index.search("李", &all, 0, 10)), vec![1]);
        index.remove(CustomerId(1));
        assert_eq!(index.search("李", &all, 0, 10).total, 0);
        assert_eq!(index.len(), 3);
    }
}
