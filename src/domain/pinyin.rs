//! Pinyin initials (拼音首字母) of Chinese text, so that typing `jyl` finds 机油滤清器.
//!
//! The table covers the 6,763 common characters of GB2312 (levels 1 and 2), which is what
//! names of parts, brands and people use; a rarer character has no initial and breaks the word
//! there. A character with several readings (多音字) has the initial of its most common one
//! (重 is `z` as in 重要, 行 is `x` as in 行驶, and 长 is `z` as in 长大, so 长城 is `zc`, not
//! `cc`): a few words get initials people would not type. A query is still matched against the
//! characters themselves too.
//!
//! The table is a 20 KB text file beside this module, one line per letter (`pinyin_initials.txt`).
//! It was generated once with the Python package pypinyin 0.55: for every two-byte GB2312 code
//! `0xB0A1..=0xF7FE` that decodes, `lazy_pinyin(ch, style=Style.FIRST_LETTER)[0]`, grouped by
//! letter. A crate with a full character table was the other choice; it compiles a table of
//! every Unicode han character with all readings, many times this size, to answer one letter.

use std::sync::LazyLock;

const TABLE: &str = include_str!("pinyin_initials.txt");

/// Every character of the table with its initial, sorted by character.
static INITIALS: LazyLock<Vec<(char, u8)>> = LazyLock::new(|| {
    let mut out = Vec::with_capacity(6_800);
    for line in TABLE.lines().filter(|l| !l.starts_with('#')) {
        let mut chars = line.chars();
        let (Some(letter), Some(' ')) = (chars.next(), chars.next()) else { continue };
        out.extend(chars.map(|c| (c, letter as u8)));
    }
    out.sort_unstable();
    out
});

/// The initial of a common Chinese character (`'机'` → `'j'`), lower case.
pub fn initial(c: char) -> Option<char> {
    if (c as u32) < 0x3000 {
        return None;
    }
    let table = &*INITIALS;
    table.binary_search_by_key(&c, |(k, _)| *k).ok().map(|at| table[at].1 as char)
}

/// Whether `text` has a character with an initial (only then are its initials worth keeping).
pub fn has_initials(text: &str) -> bool {
    text.chars().any(|c| initial(c).is_some())
}

/// The initials of `text`, lower case: each common Chinese character becomes its initial,
/// letters and digits stay (lower case), anything else breaks the word with a space.
/// `ABS传感器` → `abscgq`; `博世 机油滤清器` → `bs jylqq`.
pub fn initials(text: &str) -> String {
    let mut out = String::with_capacity(text.len() / 2);
    for c in text.chars() {
        if let Some(i) = initial(c) {
            out.push(i);
        } else if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with(' ') && !out.is_empty() {
            out.push(' ');
        }
    }
    out.truncate(out.trim_end().len());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_holds_every_common_character_once() {
        assert_eq!(INITIALS.len(), 6763);
        assert!(INITIALS.windows(2).all(|w| w[0].0 < w[1].0), "sorted, no character twice");
        assert!(INITIALS.iter().all(|(_, l)| l.is_ascii_lowercase()));
    }

    #[test]
    fn part_names_brands_and_people() {
        assert_eq!(initials("机油滤清器"), "jylqq");
        assert_eq!(initials("博世 机油滤清器"), "bs jylqq");
        assert_eq!(initials("ABS传感器"), "abscgq");
        assert_eq!(initials("张伟"), "zw");
        assert_eq!(initials("全合成机油 5W-30"), "qhcjy 5w 30");
        assert_eq!(initials(""), "");
        assert_eq!(initials(" ·· "), "");
    }

    #[test]
    fn polyphonic_characters_take_their_most_common_reading() {
        assert_eq!(initial('重'), Some('z'));
        assert_eq!(initial('行'), Some('x'));
        assert_eq!(initial('长'), Some('z'), "zhǎng, the table's pick, not cháng");
    }

    #[test]
    fn only_chinese_characters_have_initials() {
        assert_eq!(initial('a'), None);
        assert_eq!(initial('，'), None);
        assert_eq!(initial('𠀀'), None, "a rare character is not in the table");
        assert!(has_initials("5W-30 机油") && !has_initials("5W-30 SP"));
    }
}
