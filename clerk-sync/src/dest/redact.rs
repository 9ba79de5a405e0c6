//! Credentials out of messages: an object store's error can quote a request (an Azure SAS
//! rides in the URL's query), so every error text of [`super::bucket`] goes through
//! [`Redactor::clean`], which takes out the values of the providers' secret variables.

/// Takes the credentials in the environment out of any text: an object store's error can
/// quote a request (an Azure SAS rides in the URL's query).
#[derive(Debug)]
pub struct Redactor {
    secrets: Vec<String>,
}

/// Words in a variable's name that mark its value secret.
const SECRET_WORDS: [&str; 5] = ["SECRET", "TOKEN", "KEY", "PASSWORD", "SAS"];
/// The providers' variable prefixes.
const PROVIDERS: [&str; 3] = ["AWS_", "GOOGLE_", "AZURE_"];

impl Redactor {
    pub fn from_vars(vars: impl Iterator<Item = (String, String)>) -> Redactor {
        let mut secrets = Vec::new();
        for (name, value) in vars {
            let upper = name.to_ascii_uppercase();
            let secret = PROVIDERS.iter().any(|p| upper.starts_with(p))
                && SECRET_WORDS.iter().any(|w| upper.contains(w))
                && !upper.ends_with("_FILE")
                && !upper.ends_with("_PATH");
            if !secret {
                continue;
            }
            // A SAS is a query string: its parts travel one by one.
            for part in std::iter::once(value.as_str())
                .chain(value.split('&').filter_map(|p| p.split_once('=').map(|(_, v)| v)))
            {
                let part = part.trim_start_matches('?');
                if part.len() >= 8 && !secrets.iter().any(|s| s == part) {
                    secrets.push(part.to_owned());
                }
            }
        }
        // Longest first, so a secret that holds another is taken out whole.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        Redactor { secrets }
    }

    pub fn clean(&self, text: &str) -> String {
        let mut text =
            self.secrets.iter().fold(text.to_owned(), |text, secret| text.replace(secret.as_str(), "[redacted]"));
        // A signature in a URL, whatever its encoding, goes too.
        let mut from = 0;
        while let Some(at) = text[from..].find("sig=").map(|at| from + at + 4) {
            let end =
                text[at..].find(|c: char| c == '&' || c == '"' || c.is_whitespace()).map_or(text.len(), |e| at + e);
            text.replace_range(at..end, "[redacted]");
            from = at + "[redacted]".len();
        }
        text
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn secrets_in_the_environment_never_reach_a_message() {
        let vars = [
            ("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
            ("AWS_REGION", "us-east-1"),
            ("AZURE_STORAGE_SAS_KEY", "?sv=2024-01-01&sig=abc%2Bdef%3D123456"),
            ("GOOGLE_SERVICE_ACCOUNT", "/path/to/key.json"),
            ("CLERK_SECRET_KEY", "sk_test_not_a_provider_variable"),
        ];
        let redactor = Redactor::from_vars(vars.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let text = "failed: key wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY at https://a.blob/c/x?sv=2024-01-01&sig=abc%2Bdef%3D123456 in us-east-1, /path/to/key.json, sig=other+encoding&x=1";
        let clean = redactor.clean(text);
        assert!(!clean.contains("wJalrXUtnFEMI"), "{clean}");
        assert!(!clean.contains("abc%2Bdef") && !clean.contains("other+encoding"), "{clean}");
        assert!(
            clean.contains("us-east-1") && clean.contains("/path/to/key.json") && clean.contains("&x=1"),
            "{clean}"
        );
    }
}
