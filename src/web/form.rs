//! Submitted forms, read as text pairs so every field can be checked by the domain and shown
//! again exactly as typed when something is wrong.

/// The fields of a urlencoded form body, in order; a field may repeat (`roles`).
#[derive(Clone, Debug, Default)]
pub struct Form {
    pairs: Vec<(String, String)>,
}

impl Form {
    pub fn parse(body: &[u8]) -> Form {
        Form { pairs: form_urlencoded::parse(body).into_owned().collect() }
    }

    /// The first value of a field, or `""` when absent.
    pub fn get(&self, name: &str) -> &str {
        self.pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or("")
    }

    /// Every value of a repeated field.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.pairs.iter().filter(move |(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    pub fn owned(&self, name: &str) -> String {
        self.get(name).to_string()
    }

    /// Whether a urlencoded body is UTF-8 once percent-decoded, as every browser sends a form.
    /// [`Form::parse`] would turn other bytes into `�` and let them be stored.
    pub fn is_utf8(body: &[u8]) -> bool {
        let hex = |b: Option<&u8>| b.and_then(|b| char::from(*b).to_digit(16));
        let mut decoded = Vec::with_capacity(body.len());
        let mut rest = body;
        while let Some((&b, tail)) = rest.split_first() {
            match (b, hex(tail.first()), hex(tail.get(1))) {
                (b'%', Some(high), Some(low)) => {
                    decoded.push((high * 16 + low) as u8);
                    rest = &tail[2..];
                }
                _ => {
                    decoded.push(b);
                    rest = tail;
                }
            }
        }
        std::str::from_utf8(&decoded).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_fields_and_utf8_survive() {
        let form = Form::parse(b"username=wang&roles=advisor&roles=cashier&name=%E7%8E%8B+%E4%BC%9F");
        assert_eq!(form.get("username"), "wang");
        assert_eq!(form.all("roles").collect::<Vec<_>>(), vec!["advisor", "cashier"]);
        assert_eq!(form.get("name"), "王 伟");
        assert_eq!(form.get("missing"), "");
    }

    #[test]
    fn only_bodies_that_decode_to_utf8_are_well_formed() {
        assert!(Form::is_utf8(b"name=%E7%8E%8B+%E4%BC%9F&x=%zz&y=%&z=100%25"));
        assert!(Form::is_utf8("name=王伟".as_bytes()));
        assert!(!Form::is_utf8(b"name=%E4%B8"), "a character cut short");
        assert!(!Form::is_utf8(b"name=%FF%FE"));
        assert!(!Form::is_utf8(&[b'a', b'=', 0xff]));
        assert!(!Form::is_utf8(b"text=%ED%A0%80"), "a lone surrogate");
    }

    #[test]
    fn malformed_bodies_parse_to_something_harmless() {
        let form = Form::parse(b"%zz=%%&&=x&a");
        assert_eq!(form.get("a"), "");
        let form = Form::parse(&[0xff, 0xfe, b'=', 0xc3]);
        assert_eq!(form.all("\u{fffd}\u{fffd}").count(), 1);
    }
}
