//! `order_by` parameters: Clerk's spec types them as free strings and lists the fields each
//! accepts in the description ("you can order ... by their `created_at`, `name` ... use the
//! `+/-` symbols"). Those fields become an open enum, so callers pick one by name and a
//! direction by method, while any other text still goes through.

/// The fields an `order_by` description allows, in the order it names them; `None` when the
/// description names none or says nothing of a `+`/`-` direction.
pub(crate) fn sort_fields(description: &str) -> Option<Vec<String>> {
    if !(description.contains('+') && description.contains('-')) {
        return None;
    }
    let mut fields: Vec<String> = Vec::new();
    let mut push = |word: &str| {
        if is_field(word) && !fields.iter().any(|f| f == word) {
            fields.push(word.to_owned());
        }
    };
    let quoted: Vec<&str> = description.split('`').skip(1).step_by(2).collect();
    if quoted.iter().any(|q| is_field(q)) {
        quoted.into_iter().for_each(&mut push);
    } else {
        // Unquoted: "Sorts ... by phone_number, email_address, created_at or username."
        let (_, list) = description.split_once(" by ")?;
        let list = list.split('.').next().unwrap_or(list);
        list.split([',', ' ']).filter(|w| !matches!(*w, "" | "or" | "and")).for_each(&mut push);
    }
    (!fields.is_empty()).then_some(fields)
}

/// A field name as the descriptions write them: lower-case words joined by `_`, with at least
/// one `_` or a letter run (not the parameter's own name).
fn is_field(word: &str) -> bool {
    word != "order_by"
        && word.starts_with(|c: char| c.is_ascii_lowercase())
        && word.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::sort_fields;

    #[test]
    fn quoted_fields_are_read_and_examples_with_a_sign_skipped() {
        let text = "Allows to return invitations in a particular order. At the moment, you can order the \
            returned invitations either by their `created_at`, `email_address` or `expires_at`. In order to \
            specify the direction, you can use the `+/-` symbols prepended in the property to order by. For \
            example, if you want invitations to be returned in descending order according to their \
            `created_at` property, you can use `-created_at`. Defaults to `-created_at`.";
        assert_eq!(sort_fields(text).unwrap(), ["created_at", "email_address", "expires_at"]);
    }

    #[test]
    fn an_unquoted_list_after_by_is_read() {
        let text = "Sorts organizations memberships by phone_number, email_address, created_at, first_name, \
            last_name or username. By prepending one of those values with + or -, we can choose to sort in \
            ascending (ASC) or descending (DESC) order.";
        assert_eq!(
            sort_fields(text).unwrap(),
            ["phone_number", "email_address", "created_at", "first_name", "last_name", "username"]
        );
    }

    #[test]
    fn a_bulleted_list_is_read() {
        let text = "Specify the order of results. Supported values are: - `created_at` - `email_address` - \
            `invited_at`  Use `+` for ascending or `-` for descending order. Defaults to `-created_at`.";
        assert_eq!(sort_fields(text).unwrap(), ["created_at", "email_address", "invited_at"]);
    }

    #[test]
    fn no_direction_or_no_field_is_no_sort() {
        assert_eq!(sort_fields("Order by `created_at`."), None, "no +/- direction");
        assert_eq!(sort_fields("Use + or - before a field."), None, "no field named");
    }
}
