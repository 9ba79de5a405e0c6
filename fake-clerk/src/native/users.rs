//! The store's users as the Frontend API sees them: found by email address or username, shown
//! as the Frontend API's `User` (the Backend API's JSON without `private_metadata`, with the
//! sign-in factors of the fixture rule and the user's organization memberships), and created by
//! a completed sign-up, so the Backend API lists them too.

use super::fixtures::number_of_phone;
use super::state::Account;
use crate::data::{Record, Store};
use serde_json::{json, Value};

fn parse(record: &Record) -> Option<Value> {
    serde_json::from_slice(&record.json).ok()
}

/// Whether the user JSON `user` answers to `identifier` (an email address or the username).
fn answers_to(user: &Value, identifier: &str) -> bool {
    user["username"].as_str().is_some_and(|name| name.eq_ignore_ascii_case(identifier))
        || user["email_addresses"].as_array().is_some_and(|addresses| {
            addresses.iter().any(|a| a["email_address"].as_str().is_some_and(|e| e.eq_ignore_ascii_case(identifier)))
        })
}

/// The user an identifier names: generated users by their number first (`user{n}`,
/// `user{n}@example.com` or the fixture rule's phone number), then any user whose JSON holds it.
pub(crate) fn find(store: &Store, identifier: &str) -> Option<(String, Value)> {
    let identifier = identifier.trim();
    if identifier.is_empty() {
        return None;
    }
    if let Some(n) = number_of_phone(identifier) {
        let id = format!("user_{n:0>27}");
        return store.user_index.get(&id).and_then(|&i| parse(&store.users[i])).map(|user| (id, user));
    }
    let lower = identifier.to_ascii_lowercase();
    let local = lower.strip_suffix("@example.com").unwrap_or(&lower);
    if let Some(n) = local.strip_prefix("user").and_then(|n| n.parse::<usize>().ok()) {
        let id = format!("user_{n:0>27}");
        if let Some(user) = store.user_index.get(&id).and_then(|&i| parse(&store.users[i])) {
            if answers_to(&user, identifier) {
                return Some((id, user));
            }
        }
    }
    // Every user, reading only the JSON that contains the text.
    let needle = lower.as_bytes();
    store.users.iter().find_map(|record| {
        let text = record.json.to_ascii_lowercase();
        if !text.windows(needle.len()).any(|w| w == needle) {
            return None;
        }
        parse(record).filter(|user| answers_to(user, identifier)).map(|user| (record.id.clone(), user))
    })
}

/// The Backend API JSON of user `id`.
pub(crate) fn get(store: &Store, id: &str) -> Option<Value> {
    store.user_index.get(id).and_then(|&i| store.users.get(i)).and_then(parse)
}

/// The primary email address of a user JSON: its id and address.
pub(crate) fn primary_email(user: &Value) -> Option<(String, String)> {
    let addresses = user["email_addresses"].as_array()?;
    let primary = user["primary_email_address_id"].as_str();
    let address = addresses.iter().find(|a| a["id"].as_str() == primary).or_else(|| addresses.first())?;
    Some((address["id"].as_str()?.to_owned(), address["email_address"].as_str()?.to_owned()))
}

/// The ids of a user JSON's email addresses.
pub(crate) fn email_ids(user: &Value) -> Vec<String> {
    user["email_addresses"]
        .as_array()
        .map(|addresses| addresses.iter().filter_map(|a| a["id"].as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

/// A user's memberships in the store, as the Backend API's JSON.
fn memberships(store: &Store, user_id: &str) -> Vec<Value> {
    let needle = user_id.as_bytes();
    store
        .memberships
        .iter()
        .filter(|m| m.json.windows(needle.len()).any(|w| w == needle))
        .filter_map(parse)
        .filter(|m| m["public_user_data"]["user_id"].as_str() == Some(user_id))
        .collect()
}

/// The user's role (`org:admin`, ...) and the organization's slug, if the user is a member.
pub(crate) fn membership(store: &Store, user_id: &str, organization_id: &str) -> Option<(String, Option<String>)> {
    let indexes = store.memberships_by_organization.get(organization_id)?;
    indexes.iter().filter_map(|&i| store.memberships.get(i)).filter_map(parse).find_map(|m| {
        (m["public_user_data"]["user_id"].as_str() == Some(user_id)).then(|| {
            let role = m["role"].as_str().unwrap_or("org:member").to_owned();
            (role, m["organization"]["slug"].as_str().map(str::to_owned))
        })
    })
}

/// The Frontend API's `User`: no private metadata, the factors the fake knows, the memberships.
pub(crate) fn fapi_user(store: &Store, user_id: &str, account: &Account) -> Option<Value> {
    let mut user = get(store, user_id)?;
    let fields = user.as_object_mut()?;
    fields.remove("private_metadata");
    fields.insert("object".into(), "user".into());
    fields.insert("password_enabled".into(), account.password.is_some().into());
    for flag in ["two_factor_enabled", "totp_enabled", "backup_code_enabled"] {
        fields.insert(flag.into(), account.two_factor.into());
    }
    if let Some((id, phone)) = &account.phone {
        let created_at = fields.get("created_at").and_then(Value::as_i64).unwrap_or_default();
        let number = json!({
            "id": id, "object": "phone_number", "phone_number": phone, "reserved": false,
            "reserved_for_second_factor": false, "default_second_factor": false,
            "verification": {"object": "verification_otp", "status": "verified", "strategy": "phone_code", "attempts": 1, "expire_at": created_at + 600_000},
            "linked_to": [], "created_at": created_at, "updated_at": created_at,
        });
        fields.insert("primary_phone_number_id".into(), id.as_str().into());
        fields.insert("phone_numbers".into(), json!([number]));
    }
    let organization_memberships: Vec<Value> = memberships(store, user_id)
        .into_iter()
        .map(|mut m| {
            let role = m["role"].as_str().unwrap_or("org:member").to_owned();
            let name = if role.ends_with("admin") { "Admin" } else { "Member" };
            m["role_name"] = name.into();
            m
        })
        .collect();
    fields.insert("organization_memberships".into(), organization_memberships.into());
    Some(user)
}

/// What a session or sign-in shows of a user (`public_user_data`).
pub(crate) fn public_data(user: &Value) -> Value {
    let identifier =
        primary_email(user).map(|(_, email)| email).or_else(|| user["username"].as_str().map(str::to_owned));
    json!({
        "first_name": user["first_name"], "last_name": user["last_name"], "image_url": user["image_url"],
        "has_image": user["has_image"].as_bool().unwrap_or(false), "identifier": identifier.unwrap_or_default(),
        "user_id": user["id"], "username": user["username"],
    })
}

/// A new user from a completed sign-up, added to the store as `POST /users` adds one.
pub(crate) struct NewUser<'a> {
    pub(crate) email: &'a str,
    pub(crate) first_name: Option<&'a str>,
    pub(crate) last_name: Option<&'a str>,
    pub(crate) username: Option<&'a str>,
}

/// Adds the user and returns its id.
pub(crate) fn create(store: &mut Store, new: &NewUser<'_>) -> String {
    let n = store.next_user_number();
    let record = store.push_user(n);
    let id = record.id.clone();
    let mut user = parse(record).unwrap_or_else(|| json!({}));
    user["first_name"] = new.first_name.map_or(Value::Null, Value::from);
    user["last_name"] = new.last_name.map_or(Value::Null, Value::from);
    user["username"] = new.username.map_or(Value::Null, Value::from);
    user["external_id"] = Value::Null;
    user["public_metadata"] = json!({});
    user["private_metadata"] = json!({});
    user["last_sign_in_at"] = Value::Null;
    if let Some(address) = user["email_addresses"].get_mut(0) {
        address["email_address"] = new.email.into();
    }
    if let Some(record) = store.users.last_mut() {
        record.name = new.first_name.unwrap_or_default().to_owned();
        record.json = crate::data::bytes(user);
    }
    store.users_changed();
    id
}

/// Whether any user has this email address.
pub(crate) fn email_taken(store: &Store, email: &str) -> bool {
    find(store, email).is_some_and(|(_, user)| {
        user["email_addresses"].as_array().is_some_and(|addresses| {
            addresses.iter().any(|a| a["email_address"].as_str().is_some_and(|e| e.eq_ignore_ascii_case(email)))
        })
    })
}
