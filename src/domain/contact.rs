//! Contact details shared by customers: phone numbers and e-mail addresses.

use serde::{Deserialize, Serialize};

use super::field::Problem;
use crate::i18n::Msg;

/// A phone number as digits, with a leading `+` for international numbers. Spaces, dashes,
/// dots and brackets are folded away.
///
/// - `+` numbers: 8–15 digits (E.164); `+86` numbers follow the Chinese rules below.
/// - starting with `1`: a Chinese mobile, exactly 11 digits.
/// - starting with `0`: a landline with its area code, 10–12 digits.
/// - otherwise a local landline, 7–8 digits.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Phone(String);

impl Phone {
    pub fn parse(raw: &str) -> Result<Phone, Problem> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(Problem::new(Msg::Required));
        }
        let plus = raw.starts_with('+') || raw.starts_with("00");
        let mut digits = String::with_capacity(raw.len());
        for c in raw.chars() {
            match c {
                '0'..='9' => digits.push(c),
                '０'..='９' => digits.push(char::from(b'0' + (c as u32 - '０' as u32) as u8)),
                ' ' | '-' | '.' | '(' | ')' | '（' | '）' | '—' | '\u{a0}' => {}
                '+' if digits.is_empty() => {}
                _ => return Err(Problem::new(Msg::PhoneInvalid)),
            }
        }
        if raw.starts_with("00") {
            digits.drain(..2);
        }
        if plus {
            if let Some(national) = digits.strip_prefix("86") {
                Self::check_chinese(national)?;
            } else if !(8..=15).contains(&digits.len()) {
                return Err(Problem::new(Msg::PhoneInvalid));
            }
            return Ok(Phone(format!("+{digits}")));
        }
        Self::check_chinese(&digits)?;
        Ok(Phone(digits))
    }

    fn check_chinese(digits: &str) -> Result<(), Problem> {
        let ok = match digits.as_bytes().first() {
            Some(b'1') => digits.len() == 11,
            Some(b'0') => (10..=12).contains(&digits.len()),
            Some(_) => (7..=8).contains(&digits.len()),
            None => false,
        };
        if ok { Ok(()) } else { Err(Problem::new(Msg::PhoneInvalid)) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The digits alone, for searching by any part of the number.
    pub fn digits(&self) -> &str {
        self.0.trim_start_matches('+')
    }

    /// Readable grouping: `138 0013 8000`, `010-1234 5678`; others as stored.
    pub fn display(&self) -> String {
        let d = &self.0;
        if d.len() == 11 && d.starts_with('1') {
            format!("{} {} {}", &d[..3], &d[3..7], &d[7..])
        } else {
            d.clone()
        }
    }
}

impl std::fmt::Display for Phone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.display())
    }
}

/// An optional phone field: empty is `None`.
pub fn optional_phone(raw: &str) -> Result<Option<Phone>, Problem> {
    if raw.trim().is_empty() { Ok(None) } else { Phone::parse(raw).map(Some) }
}

/// An e-mail address of a plausible shape (it is not sent mail to, only kept).
pub fn optional_email(raw: &str) -> Result<String, Problem> {
    let email = raw.trim();
    if email.is_empty() {
        return Ok(String::new());
    }
    let valid = email.len() <= 254
        && !email.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '"' | ','))
        && match email.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            }
            None => false,
        };
    if valid { Ok(email.to_lowercase()) } else { Err(Problem::new(Msg::EmailInvalid)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_mobiles_are_eleven_digits_starting_with_one() {
        assert_eq!(Phone::parse("138-0013 8000").unwrap().as_str(), "13800138000");
        assert_eq!(Phone::parse("１３８００１３８０００").unwrap().as_str(), "13800138000");
        assert_eq!(Phone::parse("+86 138 0013 8000").unwrap().as_str(), "+8613800138000");
        assert_eq!(Phone::parse("1380013800").unwrap_err().msg, Msg::PhoneInvalid);
        assert_eq!(Phone::parse("+86 1380013800").unwrap_err().msg, Msg::PhoneInvalid);
    }

    #[test]
    fn landlines_and_foreign_numbers_are_allowed() {
        assert_eq!(Phone::parse("(010) 1234-5678").unwrap().as_str(), "01012345678");
        assert_eq!(Phone::parse("8765 4321").unwrap().as_str(), "87654321");
        assert_eq!(Phone::parse("+49 30 1234567").unwrap().as_str(), "+49301234567");
        assert_eq!(Phone::parse("0049 30 1234567").unwrap().as_str(), "+49301234567");
        assert_eq!(Phone::parse("12345").unwrap_err().msg, Msg::PhoneInvalid);
        assert_eq!(Phone::parse("call me").unwrap_err().msg, Msg::PhoneInvalid);
        assert_eq!(Phone::parse(" ").unwrap_err().msg, Msg::Required);
    }

    #[test]
    fn phones_display_grouped_and_search_by_digits() {
        let p = Phone::parse("+8613800138000").unwrap();
        assert_eq!(p.digits(), "8613800138000");
        assert_eq!(Phone::parse("13800138000").unwrap().to_string(), "138 0013 8000");
    }

    #[test]
    fn emails_have_a_plausible_shape() {
        assert_eq!(optional_email(" Wang@Example.CN ").unwrap(), "wang@example.cn");
        assert_eq!(optional_email("").unwrap(), "");
        for bad in ["wang", "wang@", "@x.cn", "a@b", "a b@c.cn", "a@b@c.cn", "a@.cn", "<a@b.cn>"] {
            assert_eq!(optional_email(bad).unwrap_err().msg, Msg::EmailInvalid, "{bad}");
        }
    }
}
