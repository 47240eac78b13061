//! Licence plates and vehicle identification numbers.

use serde::{Deserialize, Serialize};

use super::field::Problem;
use crate::i18n::Msg;

/// The one-character abbreviations of China's provinces, plus 使 and 领 (embassies, consulates).
pub const PROVINCES: &str = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼使领";

/// A licence plate, normalised: upper case, no spaces, dots, dashes or middle dots.
///
/// Chinese plates are a province abbreviation, a letter, then 5 (ordinary) or 6 (new-energy)
/// letters or digits, optionally ending in 挂 学 警 港 澳 领 试 超 instead of the last one. Plates of
/// other countries are 2–10 Latin letters and digits.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Plate(String);

impl Plate {
    /// Typed text as plates are kept: upper case, full-width letters and digits made plain,
    /// without spaces, dots, dashes or middle dots (also what a plate search compares).
    pub fn normalise(raw: &str) -> String {
        raw.chars()
            .filter(|c| !matches!(c, ' ' | '.' | '-' | '·' | '•' | '\u{a0}' | '\u{3000}'))
            .map(|c| match c {
                // Full-width letters and digits from Chinese input methods.
                'Ａ'..='Ｚ' | 'ａ'..='ｚ' | '０'..='９' => {
                    char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)
                }
                c => c,
            })
            .flat_map(char::to_uppercase)
            .collect()
    }

    pub fn parse(raw: &str) -> Result<Plate, Problem> {
        let plate = Plate::normalise(raw);
        if plate.is_empty() {
            return Err(Problem::new(Msg::Required));
        }
        let chars: Vec<char> = plate.chars().collect();
        let ok = if chars.len() < 2 {
            false
        } else if PROVINCES.contains(chars[0]) {
            let len_ok = chars.len() == 7 || chars.len() == 8;
            let second_ok = chars.get(1).is_some_and(char::is_ascii_uppercase);
            let (last, middle) = chars[2..].split_last().map(|(l, m)| (*l, m)).unwrap_or(('?', &[]));
            let middle_ok = middle.iter().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
            let last_ok =
                last.is_ascii_uppercase() || last.is_ascii_digit() || "挂学警港澳领试超".contains(last);
            len_ok && second_ok && middle_ok && last_ok
        } else {
            (2..=10).contains(&chars.len())
                && chars.iter().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        };
        if ok { Ok(Plate(plate)) } else { Err(Problem::new(Msg::PlateInvalid)) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The plate for a screen others can see (the waiting room's TV): the region and the last
    /// two characters, the rest as dots, e.g. `粤B·•••45`. The owner knows their car by it; a
    /// passer-by cannot read the plate off it.
    pub fn masked(&self) -> String {
        let chars: Vec<char> = self.0.chars().collect();
        let (head, rest) = if PROVINCES.contains(chars[0]) && chars.len() > 2 {
            (format!("{}{}·", chars[0], chars[1]), &chars[2..])
        } else {
            (String::new(), &chars[..])
        };
        // At least one character is hidden, however short the plate.
        let shown = rest.len().saturating_sub(1).min(2);
        let dots = "•".repeat(rest.len() - shown);
        format!("{head}{dots}{}", rest[rest.len() - shown..].iter().collect::<String>())
    }
}

impl std::fmt::Display for Plate {
    /// Chinese plates read with a middle dot after the region: `京A·12345`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut chars = self.0.chars();
        match (chars.next(), chars.next()) {
            (Some(p), Some(l)) if PROVINCES.contains(p) => write!(f, "{p}{l}·{}", chars.as_str()),
            _ => f.write_str(&self.0),
        }
    }
}

/// A 17-character vehicle identification number (ISO 3779), upper case, without I, O or Q.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Vin(String);

impl Vin {
    /// Parses a VIN; the second value says whether its check digit (position 9) is right. A
    /// wrong check digit is a warning for the user to look again, not a refusal: some
    /// markets' VINs do not use it.
    pub fn parse(raw: &str) -> Result<(Vin, bool), Problem> {
        let vin: String =
            raw.chars().filter(|c| !c.is_whitespace() && *c != '-').flat_map(char::to_uppercase).collect();
        if vin.chars().count() != 17 {
            return Err(Problem::new(Msg::VinLength));
        }
        if !vin
            .chars()
            .all(|c| c.is_ascii_digit() || (c.is_ascii_uppercase() && !matches!(c, 'I' | 'O' | 'Q')))
        {
            return Err(Problem::new(Msg::VinChars));
        }
        let ok = vin.as_bytes()[8] == check_digit(&vin);
        Ok((Vin(vin), ok))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Vin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The check digit a VIN should carry in position 9 (`0`–`9` or `X`).
pub fn check_digit(vin: &str) -> u8 {
    const WEIGHTS: [u32; 17] = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];
    let value = |c: u8| -> u32 {
        match c {
            b'0'..=b'9' => u32::from(c - b'0'),
            b'A'..=b'H' => u32::from(c - b'A') + 1,
            b'J'..=b'N' => u32::from(c - b'J') + 1,
            b'P' => 7,
            b'R' => 9,
            b'S'..=b'Z' => u32::from(c - b'S') + 2,
            _ => 0,
        }
    };
    let sum: u32 = vin.bytes().zip(WEIGHTS).map(|(c, w)| value(c) * w).sum();
    match sum % 11 {
        10 => b'X',
        d => b'0' + d as u8,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plates_are_normalised() {
        assert_eq!(Plate::parse("京a 12345").unwrap().as_str(), "京A12345");
        assert_eq!(Plate::parse(" 粤B·D12345 ").unwrap().as_str(), "粤BD12345");
        assert_eq!(Plate::parse("沪Ａ-１２３４５").unwrap().as_str(), "沪A12345");
        assert_eq!(Plate::parse("京A1234学").unwrap().as_str(), "京A1234学");
        assert_eq!(Plate::parse("b-ab 1234").unwrap().as_str(), "BAB1234");
        assert_eq!(Plate::parse("京A12345").unwrap().to_string(), "京A·12345");
    }

    #[test]
    fn masked_plates_keep_the_region_and_the_last_two() {
        assert_eq!(Plate::parse("粤B12345").unwrap().masked(), "粤B·•••45");
        assert_eq!(Plate::parse("粤BD12345").unwrap().masked(), "粤B·••••45");
        assert_eq!(Plate::parse("京A1234学").unwrap().masked(), "京A·•••4学");
        assert_eq!(Plate::parse("BAB1234").unwrap().masked(), "•••••34");
        assert_eq!(Plate::parse("AB").unwrap().masked(), "•B");
    }

    #[test]
    fn broken_plates_are_refused() {
        for bad in ["京A1234", "京A1234567", "京112345", "京A12学45", "X", "AB_12", "京"] {
            assert_eq!(Plate::parse(bad).unwrap_err().msg, Msg::PlateInvalid, "{bad}");
        }
        assert_eq!(Plate::parse("  ").unwrap_err().msg, Msg::Required);
    }

    #[test]
    fn vins_are_checked() {
        // A well-known valid VIN.
        let (vin, ok) = Vin::parse("1m8gdm9a_kp042788".replace('_', "x").as_str()).unwrap();
        assert_eq!(vin.as_str(), "1M8GDM9AXKP042788");
        assert!(ok);
        let (_, ok) = Vin::parse("1M8GDM9A1KP042788").unwrap();
        assert!(!ok, "wrong check digit is reported");
        assert_eq!(Vin::parse("1M8GDM9AXKP04278").unwrap_err().msg, Msg::VinLength);
        assert_eq!(Vin::parse("1M8GDM9AXKP04278O").unwrap_err().msg, Msg::VinChars);
    }

    #[test]
    fn check_digits_can_be_made() {
        let mut vin = *b"LSVAU2180N2183294";
        vin[8] = check_digit(std::str::from_utf8(&vin).unwrap());
        let (_, ok) = Vin::parse(std::str::from_utf8(&vin).unwrap()).unwrap();
        assert!(ok);
    }
}
