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
    fn malformed_bodies_parse_to_something_harmless() {
        let form = Form::parse(b"%zz=%%&&=x&a");
        assert_eq!(form.get("a"), "");
        let form = Form::parse(&[0xff, 0xfe, b'=', 0xc3]);
        assert_eq!(form.all("\u{fffd}\u{fffd}").count(), 1);
    }
}
