//! Parts asked for from the floor: what the technician typed, and what became of it.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::domain::field::{Problem, decimal_in, required_text};
use crate::domain::user::UserId;
use crate::i18n::Msg;

crate::domain::code::code_enum!(
    /// What became of a parts request.
    RequestStatus { Open = "open" => RequestOpen, Added = "added" => RequestAdded, Dismissed = "dismissed" => RequestDismissed }
);

/// A part asked for from the phone: described (or, once the catalog exists, picked), with a
/// quantity; the desk or the parts clerk turns it into a part line or dismisses it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PartRequest {
    pub no: u32,
    pub text: String,
    pub qty: Decimal,
    pub by: Option<UserId>,
    pub by_name: String,
    pub at: DateTime<Utc>,
    pub status: RequestStatus,
    /// The part line it became.
    #[serde(default)]
    pub line: Option<u32>,
}

impl PartRequest {
    /// Checks the phone's request form.
    pub fn check(text: &str, qty: &str) -> Result<(String, Decimal), (&'static str, Problem)> {
        let text = required_text(text, 200).map_err(|p| ("part_text", p))?;
        let qty = if qty.trim().is_empty() { "1" } else { qty };
        let qty =
            decimal_in(qty, 3, Decimal::new(1, 3), Decimal::from(10_000)).map_err(|p| ("part_qty", p))?;
        Ok((text, qty))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_needs_a_text_and_a_positive_quantity() {
        assert_eq!(PartRequest::check("刹车片", "").unwrap().1, Decimal::ONE);
        assert_eq!(PartRequest::check(" ", "1").unwrap_err().0, "part_text");
        assert_eq!(PartRequest::check("x", "-2").unwrap_err().0, "part_qty");
    }
}
