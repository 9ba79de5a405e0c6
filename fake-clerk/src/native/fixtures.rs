//! Who can sign in, and with what: a rule over the generated users' numbers, so a test knows a
//! user's password and second factor without asking the fake. Generated user `n` (id
//! `user_` + `n` padded to 27 digits, email `user{n}@example.com`, username `user{n}`) has the
//! password `password-user{n}` and, in the Frontend API, the verified phone number
//! `+1555` + `n` padded to 7 digits (Clerk's test numbers are `+1 (XXX) 555-0100` to `0199`; the
//! fake's are its own); users whose number is 1 modulo 3 (1, 4, 7, ...) also have TOTP and backup
//! codes, so they need a second factor. As in Clerk's test mode, every email, SMS and TOTP code
//! is [`TEST_CODE`]; the backup codes are [`BACKUP_CODES`], each usable once per user.
//!
//! The rule covers every user the store numbers, including those `POST /users` adds; users made
//! by a sign-up keep the password they chose and have no second factor. The Backend API's JSON
//! of a user is not changed by the rule (it keeps `two_factor_enabled: false`); the Frontend
//! API's shows it.
//!
//! A leaf: the rule is pure, so every layer can know it. A user's secrets with the world
//! consulted too (a sign-up's own password) are the `accounts` module's.

/// The email, SMS and TOTP code that always verifies, as `424242` does in Clerk's test mode.
pub const TEST_CODE: &str = "424242";

/// The backup codes of every user with a second factor; each works once per user.
pub const BACKUP_CODES: [&str; 5] = ["backup-1", "backup-2", "backup-3", "backup-4", "backup-5"];

/// The number of the generated user an OAuth sign-in signs in by default (`oauth_google`):
/// user 2, without a second factor.
pub const OAUTH_USER: usize = 2;

/// A generated user's sign-in details.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixtureUser {
    /// The user's number in the store (user `n` is the `n`th generated).
    pub number: usize,
    pub id: String,
    pub email: String,
    /// The id of the email address (`idn_...`), as `email_address_id` takes it.
    pub email_address_id: String,
    pub username: String,
    /// The phone number an SMS code goes to (`+1555` and 7 digits).
    pub phone: String,
    /// The id of the phone number (`idn_phone_...`), as `phone_number_id` takes it.
    pub phone_number_id: String,
    pub password: String,
    /// Whether a sign-in needs a second factor (TOTP [`TEST_CODE`] or one of [`BACKUP_CODES`]).
    pub two_factor: bool,
}

/// Generated user `n`'s sign-in details (it exists if the seed made more than `n` users).
pub fn fixture_user(n: usize) -> FixtureUser {
    FixtureUser {
        number: n,
        // As `data.rs` numbers them: a prefix and the number padded to 27 digits.
        id: format!("user_{n:0>27}"),
        email: format!("user{n}@example.com"),
        email_address_id: format!("idn_{n:0>27}"),
        username: format!("user{n}"),
        phone: phone_of(n),
        phone_number_id: phone_number_id_of(n),
        password: password_of(n),
        two_factor: has_two_factor(n),
    }
}

/// User 0: a password, no second factor.
pub fn user_without_two_factor() -> FixtureUser {
    fixture_user(0)
}

/// User 1: a password, then TOTP or a backup code.
pub fn user_with_two_factor() -> FixtureUser {
    fixture_user(1)
}

/// User [`OAUTH_USER`], whom the fake's OAuth page signs in unless told otherwise.
pub fn oauth_user() -> FixtureUser {
    fixture_user(OAUTH_USER)
}

/// Generated user `n`'s password.
pub fn password_of(n: usize) -> String {
    format!("password-user{n}")
}

/// Generated user `n`'s phone number.
pub fn phone_of(n: usize) -> String {
    format!("+1555{n:0>7}")
}

/// The id of generated user `n`'s phone number.
pub fn phone_number_id_of(n: usize) -> String {
    format!("idn_phone_{n:0>21}")
}

/// The generated user a phone number of [`phone_of`]'s form belongs to.
pub(crate) fn number_of_phone(phone: &str) -> Option<usize> {
    let digits = phone.trim().strip_prefix("+1555")?;
    (digits.len() == 7 && digits.bytes().all(|b| b.is_ascii_digit())).then(|| digits.parse().ok()).flatten()
}

/// Whether generated user `n` has TOTP and backup codes.
pub fn has_two_factor(n: usize) -> bool {
    n % 3 == 1
}

/// The number in a generated user id.
pub(crate) fn user_number(user_id: &str) -> Option<usize> {
    user_id.strip_prefix("user_")?.parse().ok()
}
