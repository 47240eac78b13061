//! Field-level validation results: which field is wrong and why, as catalog messages so the web
//! layer can say it in the user's language beside the field.

use crate::i18n::{Lang, Msg};

/// Why one field was refused: a catalog message and the values for its placeholders.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub msg: Msg,
    pub args: Vec<String>,
    /// A page that explains or resolves the problem (the existing record of a duplicate).
    pub link: Option<String>,
}

impl Problem {
    pub fn new(msg: Msg) -> Self {
        Problem { msg, args: Vec::new(), link: None }
    }

    pub fn with(msg: Msg, args: &[&dyn std::fmt::Display]) -> Self {
        Problem { msg, args: args.iter().map(|a| a.to_string()).collect(), link: None }
    }

    pub fn linked(mut self, href: String) -> Self {
        self.link = Some(href);
        self
    }

    pub fn text(&self, lang: Lang) -> String {
        let args: Vec<&dyn std::fmt::Display> =
            self.args.iter().map(|a| a as &dyn std::fmt::Display).collect();
        lang.fmt(self.msg, &args)
    }
}

impl From<Msg> for Problem {
    fn from(msg: Msg) -> Self {
        Problem::new(msg)
    }
}

/// The problems of a whole form, by field name (the form's field names, snake_case).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldErrors(Vec<(&'static str, Problem)>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn one(field: &'static str, problem: impl Into<Problem>) -> Self {
        let mut errors = Self::new();
        errors.add(field, problem);
        errors
    }

    /// Records a problem; the first problem of a field is the one shown.
    pub fn add(&mut self, field: &'static str, problem: impl Into<Problem>) {
        if self.get(field).is_none() {
            self.0.push((field, problem.into()));
        }
    }

    /// Runs a parse and keeps its value, or records its problem under `field`.
    pub fn check<T>(&mut self, field: &'static str, result: Result<T, Problem>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(problem) => {
                self.add(field, problem);
                None
            }
        }
    }

    pub fn get(&self, field: &str) -> Option<&Problem> {
        self.0.iter().find(|(f, _)| *f == field).map(|(_, p)| p)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &Problem)> + '_ {
        self.0.iter().map(|(f, p)| (*f, p))
    }

    /// `Ok(value)` when nothing was recorded, otherwise the errors.
    pub fn into_result<T>(self, value: impl FnOnce() -> T) -> Result<T, FieldErrors> {
        if self.is_empty() { Ok(value()) } else { Err(self) }
    }
}

/// A required single-line text: trimmed, not empty, at most `max` characters.
pub fn required_text(value: &str, max: usize) -> Result<String, Problem> {
    let value = value.trim();
    if value.is_empty() {
        return Err(Problem::new(Msg::Required));
    }
    optional_text(value, max)
}

/// An optional text: trimmed, at most `max` characters, control characters other than line
/// breaks and tabs removed.
pub fn optional_text(value: &str, max: usize) -> Result<String, Problem> {
    let value: String =
        value.trim().chars().filter(|c| !c.is_control() || matches!(c, '\n' | '\t')).collect();
    if value.chars().count() > max {
        return Err(Problem::with(Msg::TooLong, &[&max]));
    }
    Ok(value)
}

/// A whole number within `min..=max`.
pub fn number_in(value: &str, min: u32, max: u32) -> Result<u32, Problem> {
    let n: u32 = value.trim().parse().map_err(|_| Problem::new(Msg::NumberInvalid))?;
    if !(min..=max).contains(&n) {
        return Err(Problem::with(Msg::NumberRange, &[&min, &max]));
    }
    Ok(n)
}

/// A decimal number with at most `places` decimal places, within `min..=max`. Accepts the
/// full-width digits and point a Chinese input method may type.
pub fn decimal_in(
    value: &str,
    places: u32,
    min: rust_decimal::Decimal,
    max: rust_decimal::Decimal,
) -> Result<rust_decimal::Decimal, Problem> {
    let ascii: String = value
        .trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
            '．' | '。' => '.',
            c => c,
        })
        .collect();
    let plain = !ascii.is_empty()
        && ascii.chars().all(|c| c.is_ascii_digit() || c == '.' || c == '-')
        && ascii.chars().filter(|c| *c == '.').count() <= 1;
    let n: rust_decimal::Decimal = if plain {
        ascii.parse().map_err(|_| Problem::new(Msg::DecimalInvalid))?
    } else {
        return Err(Problem::new(Msg::DecimalInvalid));
    };
    if n.normalize().scale() > places {
        return Err(Problem::with(Msg::DecimalPlaces, &[&places]));
    }
    if n < min || n > max {
        return Err(Problem::with(Msg::NumberRange, &[&min, &max]));
    }
    Ok(n.normalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_problem_of_a_field_wins() {
        let mut errors = FieldErrors::new();
        errors.add("name", Msg::Required);
        errors.add("name", Msg::TooLong);
        assert_eq!(errors.get("name").unwrap().msg, Msg::Required);
        assert_eq!(errors.iter().count(), 1);
    }

    #[test]
    fn texts_are_trimmed_and_bounded() {
        assert_eq!(required_text("  王伟 ", 10).unwrap(), "王伟");
        assert_eq!(required_text("   ", 10).unwrap_err().msg, Msg::Required);
        assert_eq!(optional_text("abcdef", 5).unwrap_err().msg, Msg::TooLong);
        assert_eq!(optional_text("a\u{0}b\nc", 5).unwrap(), "ab\nc");
        // Length counts characters, not bytes.
        assert!(optional_text("张三李四王", 5).is_ok());
    }

    #[test]
    fn decimals_keep_their_exact_value() {
        use rust_decimal::Decimal;
        let (lo, hi) = (Decimal::ZERO, Decimal::from(1000));
        assert_eq!(decimal_in("12.50", 2, lo, hi).unwrap().to_string(), "12.5");
        assert_eq!(decimal_in("１２．５", 2, lo, hi).unwrap().to_string(), "12.5");
        assert_eq!(decimal_in("1.234", 2, lo, hi).unwrap_err().msg, Msg::DecimalPlaces);
        assert_eq!(decimal_in("1e3", 2, lo, hi).unwrap_err().msg, Msg::DecimalInvalid);
        assert_eq!(decimal_in("", 2, lo, hi).unwrap_err().msg, Msg::DecimalInvalid);
        assert_eq!(decimal_in("-1", 2, lo, hi).unwrap_err().msg, Msg::NumberRange);
        assert_eq!(decimal_in("1.2.3", 2, lo, hi).unwrap_err().msg, Msg::DecimalInvalid);
    }

    #[test]
    fn numbers_are_checked_against_their_range() {
        assert_eq!(number_in(" 12 ", 1, 20).unwrap(), 12);
        assert_eq!(number_in("0", 1, 20).unwrap_err().msg, Msg::NumberRange);
        assert_eq!(number_in("x", 1, 20).unwrap_err().msg, Msg::NumberInvalid);
        assert_eq!(number_in("-1", 1, 20).unwrap_err().msg, Msg::NumberInvalid);
    }
}
