//! `code_enum!`: a closed list of choices (a customer's kind, a pause reason, an order's state)
//! as an enum with its stored code and its label.
//!
//! Each variant has a code — the text stored in the database and sent by forms, never renamed
//! once data holds it — and the [`crate::i18n::Msg`] shown for it. The enum gets `ALL`,
//! `code()`, `parse()` (the trimmed code back to a variant) and `label()`, and serializes as
//! snake_case. The calling module must have `Msg`, `Serialize` and `Deserialize` in scope.
//!
//! ```ignore
//! code_enum!(Gender { Male = "male" => GenderMale, Female = "female" => GenderFemale });
//! ```

macro_rules! code_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $code:literal => $msg:ident),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),* }
            }

            pub fn parse(code: &str) -> Option<$name> {
                match code.trim() { $($code => Some($name::$variant),)* _ => None }
            }

            pub fn label(self) -> Msg {
                match self { $($name::$variant => Msg::$msg),* }
            }
        }
    };
}

pub(crate) use code_enum;
