//! Users of the shop's system and the rules for their names and passwords.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::field::Problem;
use super::role::Roles;
use crate::i18n::{Lang, Msg};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UserId(pub u64);

impl std::fmt::Display for UserId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// A login name: 3–32 ASCII letters, digits, `.`, `-` or `_`, compared case-insensitively
/// (stored lower case).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Username(String);

impl Username {
    pub fn parse(raw: &str) -> Result<Username, Problem> {
        let name = raw.trim().to_ascii_lowercase();
        if name.is_empty() {
            return Err(Problem::new(Msg::Required));
        }
        let ok_len = (3..=32).contains(&name.len());
        let ok_chars = name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'));
        if ok_len && ok_chars { Ok(Username(name)) } else { Err(Problem::new(Msg::UsernameInvalid)) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Username {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A stored user. `password_hash` is an argon2id PHC string.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub id: UserId,
    pub username: Username,
    pub display_name: String,
    pub password_hash: String,
    pub roles: Roles,
    pub active: bool,
    /// Set for the first-start admin and after a reset: the user must choose a new password
    /// before doing anything else.
    pub must_change_password: bool,
    #[serde(default)]
    pub lang: Option<Lang>,
    /// The argon2id PHC string of the user's kiosk PIN, if they set one: it unlocks a locked
    /// reception kiosk as this user (see `web::kiosk`). Never the PIN itself.
    #[serde(default)]
    pub pin_hash: Option<String>,
    pub version: u64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Upper bound on password length: argon2 is fed the whole password, so bound the work an
/// attacker can ask for.
pub const PASSWORD_MAX_LEN: usize = 256;

/// The password rules in force (the minimum length is a shop parameter).
#[derive(Clone, Copy, Debug)]
pub struct PasswordPolicy {
    pub min_len: usize,
}

impl PasswordPolicy {
    /// Checks a new password; length counts characters, so Chinese passwords are fair.
    pub fn check(&self, password: &str) -> Result<(), Problem> {
        let len = password.chars().count();
        if len == 0 {
            Err(Problem::new(Msg::Required))
        } else if len < self.min_len {
            Err(Problem::with(Msg::PasswordTooShort, &[&self.min_len]))
        } else if len > PASSWORD_MAX_LEN {
            Err(Problem::with(Msg::PasswordTooLong, &[&PASSWORD_MAX_LEN]))
        } else {
            Ok(())
        }
    }
}

/// A staff PIN as typed: 4 to 8 digits, not a run anyone would guess first (`0000`,
/// `1234`, `9876`). Only its argon2 hash is kept.
pub fn check_pin(raw: &str) -> Result<(), Problem> {
    if raw.is_empty() {
        return Err(Problem::new(Msg::Required));
    }
    if !(4..=8).contains(&raw.len()) || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Problem::new(Msg::PinInvalid));
    }
    let digits: Vec<i8> = raw.bytes().map(|b| (b - b'0') as i8).collect();
    let steps: Vec<i8> = digits.windows(2).map(|w| w[1] - w[0]).collect();
    let run = steps.iter().all(|s| *s == steps[0]) && steps[0].abs() <= 1;
    if run { Err(Problem::new(Msg::PinTooSimple)) } else { Ok(()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_folded_to_lower_case() {
        assert_eq!(Username::parse("  Wang.Wei ").unwrap().as_str(), "wang.wei");
        assert_eq!(Username::parse("").unwrap_err().msg, Msg::Required);
        for bad in ["ab", "has space", "王伟", "a/b", &"x".repeat(33)] {
            assert_eq!(Username::parse(bad).unwrap_err().msg, Msg::UsernameInvalid, "{bad}");
        }
    }

    #[test]
    fn pins_are_four_to_eight_digits_and_not_a_run() {
        for good in ["4829", "73915284", "1122", "2468"] {
            assert!(check_pin(good).is_ok(), "{good}");
        }
        assert_eq!(check_pin("").unwrap_err().msg, Msg::Required);
        for bad in ["123", "123456789", "12a4", " 4829", "４８２９"] {
            assert_eq!(check_pin(bad).unwrap_err().msg, Msg::PinInvalid, "{bad}");
        }
        for simple in ["0000", "1234", "98765", "55555555"] {
            assert_eq!(check_pin(simple).unwrap_err().msg, Msg::PinTooSimple, "{simple}");
        }
    }

    #[test]
    fn passwords_follow_the_policy() {
        let policy = PasswordPolicy { min_len: 10 };
        assert!(policy.check("correct horse").is_ok());
        assert_eq!(policy.check("short").unwrap_err().msg, Msg::PasswordTooShort);
        assert_eq!(policy.check("").unwrap_err().msg, Msg::Required);
        assert!(policy.check("修车师傅的十个字密码").is_ok());
        assert_eq!(policy.check(&"x".repeat(PASSWORD_MAX_LEN + 1)).unwrap_err().msg, Msg::PasswordTooLong);
    }
}
