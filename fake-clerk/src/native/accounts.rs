//! A user's sign-in secrets as a sign-in checks them: a sign-up's own (kept in the world), else
//! the fixture rule's. Joins the world and the rule, so that neither has to know the other.

use super::fixtures::{has_two_factor, password_of, phone_number_id_of, phone_of, user_number};
use super::state::Account;
use super::world::World;

/// A user's secrets: a sign-up's own, else the fixture rule's.
pub(crate) fn account(world: &World, user_id: &str) -> Account {
    if let Some(account) = world.accounts.get(user_id) {
        return account.clone();
    }
    match user_number(user_id) {
        Some(n) => Account {
            password: Some(password_of(n)),
            two_factor: has_two_factor(n),
            phone: Some((phone_number_id_of(n), phone_of(n))),
        },
        None => Account { password: None, two_factor: false, phone: None },
    }
}
