//! Customers (客户): people and companies, their details and the rules for them.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::contact::{Phone, optional_email, optional_phone};
use super::field::{FieldErrors, Problem, optional_text, required_text};
use super::user::UserId;
use crate::i18n::Msg;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CustomerId(pub u64);

impl std::fmt::Display for CustomerId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

use super::code::code_enum;

code_enum!(
    /// A private person or a company (单位).
    CustomerKind { Person = "person" => KindPerson, Company = "company" => KindCompany }
);
code_enum!(Gender { Male = "male" => GenderMale, Female = "female" => GenderFemale });
code_enum!(
    /// Customers are never deleted while they have business: they become dormant or invalid.
    CustomerStatus {
        Active = "active" => StatusActive,
        Dormant = "dormant" => StatusDormant,
        Invalid = "invalid" => StatusInvalid,
    }
);
code_enum!(
    /// How a contact with the customer happened (回访, visits, messages).
    ContactKind { Call = "call" => ContactCall, Visit = "visit" => ContactVisit, Message = "message" => ContactMessage }
);

/// A stored customer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Customer {
    pub id: CustomerId,
    #[serde(flatten)]
    pub details: CustomerDetails,
    pub status: CustomerStatus,
    pub version: u64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What people type about a customer, checked.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CustomerDetails {
    pub kind: CustomerKind,
    /// The person's name, or the company's name.
    pub name: String,
    #[serde(default)]
    pub gender: Option<Gender>,
    pub phone: Phone,
    #[serde(default)]
    pub phone2: Option<Phone>,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub level: String,
    #[serde(default)]
    pub birthday: Option<NaiveDate>,
    #[serde(default)]
    pub notes: String,
    /// For companies: who to talk to.
    #[serde(default)]
    pub contact_person: String,
    /// For companies: the tax number for invoices (税号).
    #[serde(default)]
    pub tax_no: String,
}

/// The customer form as typed.
#[derive(Clone, Debug, Default)]
pub struct CustomerInput {
    pub kind: String,
    pub name: String,
    pub gender: String,
    pub phone: String,
    pub phone2: String,
    pub email: String,
    pub address: String,
    pub source: String,
    pub level: String,
    pub birthday: String,
    pub notes: String,
    pub contact_person: String,
    pub tax_no: String,
}

impl CustomerDetails {
    /// A person with only a name and a phone (tests).
    #[cfg(test)]
    pub fn person(name: &str, phone: &str) -> CustomerDetails {
        CustomerDetails {
            kind: CustomerKind::Person,
            name: name.into(),
            gender: None,
            phone: Phone::parse(phone).unwrap(),
            phone2: None,
            email: String::new(),
            address: String::new(),
            source: String::new(),
            level: String::new(),
            birthday: None,
            notes: String::new(),
            contact_person: String::new(),
            tax_no: String::new(),
        }
    }

    /// Checks the form; `sources` and `levels` are the shop's configured choices.
    pub fn check(
        input: &CustomerInput,
        today: NaiveDate,
        sources: &[String],
        levels: &[String],
    ) -> Result<CustomerDetails, FieldErrors> {
        let mut e = FieldErrors::new();
        let kind = e.check(
            "kind",
            CustomerKind::parse(if input.kind.trim().is_empty() { "person" } else { &input.kind })
                .ok_or(Problem::new(Msg::ChoiceInvalid)),
        );
        let name = e.check("name", required_text(&input.name, 100));
        let gender = e.check(
            "gender",
            match input.gender.trim() {
                "" => Ok(None),
                g => Gender::parse(g).map(Some).ok_or(Problem::new(Msg::ChoiceInvalid)),
            },
        );
        let phone = e.check("phone", Phone::parse(&input.phone));
        let phone2 = e.check("phone2", optional_phone(&input.phone2));
        let email = e.check("email", optional_email(&input.email));
        let address = e.check("address", optional_text(&input.address, 200));
        let source = e.check("source", one_of(&input.source, sources));
        let level = e.check("level", one_of(&input.level, levels));
        let birthday = e.check("birthday", past_date(&input.birthday, today));
        let notes = e.check("notes", optional_text(&input.notes, 2000));
        let contact_person = e.check("contact_person", optional_text(&input.contact_person, 60));
        let tax_no = e.check("tax_no", tax_number(&input.tax_no));
        e.into_result(|| CustomerDetails {
            kind: kind.unwrap(),
            name: name.unwrap(),
            gender: gender.unwrap(),
            phone: phone.unwrap(),
            phone2: phone2.unwrap(),
            email: email.unwrap(),
            address: address.unwrap(),
            source: source.unwrap(),
            level: level.unwrap(),
            birthday: birthday.unwrap(),
            notes: notes.unwrap(),
            contact_person: contact_person.unwrap(),
            tax_no: tax_no.unwrap(),
        })
    }

    /// The form filled with these details, for editing.
    pub fn to_input(&self) -> CustomerInput {
        CustomerInput {
            kind: self.kind.code().into(),
            name: self.name.clone(),
            gender: self.gender.map(|g| g.code().to_string()).unwrap_or_default(),
            phone: self.phone.as_str().into(),
            phone2: self.phone2.as_ref().map(|p| p.as_str().to_string()).unwrap_or_default(),
            email: self.email.clone(),
            address: self.address.clone(),
            source: self.source.clone(),
            level: self.level.clone(),
            birthday: self.birthday.map(|d| d.to_string()).unwrap_or_default(),
            notes: self.notes.clone(),
            contact_person: self.contact_person.clone(),
            tax_no: self.tax_no.clone(),
        }
    }
}

/// A value from a configured list, or empty.
fn one_of(raw: &str, choices: &[String]) -> Result<String, Problem> {
    let raw = raw.trim();
    if raw.is_empty() || choices.iter().any(|c| c == raw) {
        Ok(raw.to_string())
    } else {
        Err(Problem::new(Msg::ChoiceInvalid))
    }
}

/// An optional `YYYY-MM-DD` date that is a real day, not after `today` and not before 1900.
pub fn past_date(raw: &str, today: NaiveDate) -> Result<Option<NaiveDate>, Problem> {
    match optional_date(raw)? {
        Some(d) if d > today => Err(Problem::new(Msg::DateInFuture)),
        Some(d) if d < NaiveDate::from_ymd_opt(1900, 1, 1).unwrap() => Err(Problem::new(Msg::DateInvalid)),
        d => Ok(d),
    }
}

/// An optional `YYYY-MM-DD` date (also accepts `YYYY/MM/DD` and `YYYY.MM.DD`).
pub fn optional_date(raw: &str) -> Result<Option<NaiveDate>, Problem> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let normalised = raw.replace(['/', '.'], "-");
    NaiveDate::parse_from_str(&normalised, "%Y-%m-%d").map(Some).map_err(|_| Problem::new(Msg::DateInvalid))
}

/// A Chinese unified social credit code is 18 characters; other tax numbers 6–20 letters and
/// digits.
fn tax_number(raw: &str) -> Result<String, Problem> {
    let tax: String = raw.chars().filter(|c| !c.is_whitespace()).flat_map(char::to_uppercase).collect();
    if tax.is_empty() || ((6..=20).contains(&tax.len()) && tax.chars().all(|c| c.is_ascii_alphanumeric())) {
        Ok(tax)
    } else {
        Err(Problem::new(Msg::TaxNoInvalid))
    }
}

/// One contact with a customer: a call, a visit or a message, with a summary.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ContactEntry {
    pub kind: ContactKind,
    pub summary: String,
    pub at: DateTime<Utc>,
    pub by: Option<UserId>,
    pub by_name: String,
}

/// Folds text for quick search: lower case, without spaces and the separators people type or
/// see in plates and phone numbers (`京A·12345`, `138-0013-8000`, `(010) 1234`).
pub fn search_folded(text: &str) -> String {
    text.chars()
        .flat_map(char::to_lowercase)
        .filter(|c| !c.is_whitespace() && !matches!(c, '·' | '•' | '.' | '-' | '(' | ')' | '（' | '）' | '+'))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> CustomerInput {
        CustomerInput {
            kind: "person".into(),
            name: " 张伟 ".into(),
            gender: "male".into(),
            phone: "138 0013 8000".into(),
            source: "walk_in".into(),
            level: "gold".into(),
            birthday: "1985-02-28".into(),
            ..Default::default()
        }
    }

    fn lists() -> (Vec<String>, Vec<String>) {
        (vec!["walk_in".into(), "referral".into()], vec!["ordinary".into(), "gold".into()])
    }

    #[test]
    fn a_good_customer_passes() {
        let (s, l) = lists();
        let today = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
        let d = CustomerDetails::check(&input(), today, &s, &l).unwrap();
        assert_eq!(d.name, "张伟");
        assert_eq!(d.phone.as_str(), "13800138000");
        assert_eq!(d.gender, Some(Gender::Male));
        assert_eq!(CustomerDetails::check(&d.to_input(), today, &s, &l).unwrap(), d);
    }

    #[test]
    fn every_wrong_field_is_named() {
        let (s, l) = lists();
        let today = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
        let mut i = input();
        i.name = "".into();
        i.phone = "12345".into();
        i.email = "nope".into();
        i.birthday = "2027-01-01".into();
        i.source = "tv".into();
        i.tax_no = "12-34".into();
        let e = CustomerDetails::check(&i, today, &s, &l).unwrap_err();
        assert_eq!(e.get("name").unwrap().msg, Msg::Required);
        assert_eq!(e.get("phone").unwrap().msg, Msg::PhoneInvalid);
        assert_eq!(e.get("email").unwrap().msg, Msg::EmailInvalid);
        assert_eq!(e.get("birthday").unwrap().msg, Msg::DateInFuture);
        assert_eq!(e.get("source").unwrap().msg, Msg::ChoiceInvalid);
        assert_eq!(e.get("tax_no").unwrap().msg, Msg::TaxNoInvalid);
        assert!(e.get("level").is_none());
    }

    #[test]
    fn dates_must_be_real_days() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
        assert_eq!(past_date("2023-02-29", today).unwrap_err().msg, Msg::DateInvalid);
        assert_eq!(past_date("1985/2/3", today).unwrap(), NaiveDate::from_ymd_opt(1985, 2, 3));
        assert_eq!(past_date("1850-01-01", today).unwrap_err().msg, Msg::DateInvalid);
        assert_eq!(past_date("", today).unwrap(), None);
    }

    #[test]
    fn search_text_is_folded() {
        assert_eq!(search_folded("Wei Zhang"), "weizhang");
        assert_eq!(search_folded("张 伟"), "张伟");
        assert_eq!(search_folded("京A·12345"), "京a12345");
        assert_eq!(search_folded("138-0013-8000"), "13800138000");
    }
}
