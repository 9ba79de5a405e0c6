//! Sort orders for list operations' `order_by`: a field and a direction.

use std::fmt;

/// A list operation's sort order: a field and a direction, sent as `+field` or `-field`.
///
/// Generated list builders take `impl Into<OrderBy<Field>>`, where `Field` is the operation's
/// open enum of the fields the spec allows: `Field::CreatedAt.desc()`, a field alone
/// (ascending), or text such as `"-created_at"` (a leading `-` is descending, `+` or none
/// ascending; a field this version of the crate does not know is sent as written).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OrderBy<F> {
    field: F,
    descending: bool,
}

impl<F> OrderBy<F> {
    /// Ascending by `field` (`+field`).
    pub fn asc(field: F) -> Self {
        OrderBy { field, descending: false }
    }

    /// Descending by `field` (`-field`).
    pub fn desc(field: F) -> Self {
        OrderBy { field, descending: true }
    }

    pub fn field(&self) -> &F {
        &self.field
    }

    pub fn is_descending(&self) -> bool {
        self.descending
    }
}

impl<F: fmt::Display> fmt::Display for OrderBy<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.descending { '-' } else { '+' };
        write!(f, "{sign}{}", self.field)
    }
}

impl<F: for<'a> From<&'a str>> From<&str> for OrderBy<F> {
    fn from(text: &str) -> Self {
        match text.strip_prefix('-') {
            Some(field) => OrderBy::desc(F::from(field)),
            None => OrderBy::asc(F::from(text.strip_prefix('+').unwrap_or(text))),
        }
    }
}

impl<F: for<'a> From<&'a str>> From<String> for OrderBy<F> {
    fn from(text: String) -> Self {
        OrderBy::from(text.as_str())
    }
}

impl<F: for<'a> From<&'a str>> From<&String> for OrderBy<F> {
    fn from(text: &String) -> Self {
        OrderBy::from(text.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::OrderBy;

    #[derive(Debug, PartialEq)]
    struct Field(String);

    impl From<&str> for Field {
        fn from(text: &str) -> Self {
            Field(text.to_owned())
        }
    }

    impl std::fmt::Display for Field {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(&self.0)
        }
    }

    #[test]
    fn text_reads_its_sign_and_writes_it_back() {
        for (text, wire, descending) in [
            ("-created_at", "-created_at", true),
            ("+name", "+name", false),
            ("name", "+name", false),
            ("-", "-", true),
            ("", "+", false),
        ] {
            let order: OrderBy<Field> = text.into();
            assert_eq!(order.is_descending(), descending, "{text}");
            assert_eq!(order.to_string(), wire, "{text}");
        }
        assert_eq!(OrderBy::desc(Field("email_address".into())).to_string(), "-email_address");
    }
}
