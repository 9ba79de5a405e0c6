//! Changes to the fake's records, each with the webhook events Clerk would send for it: what
//! `clerk-sync serve` is tested and measured with. A change updates the records the lists serve
//! and returns its events, so after any sequence of changes the lists and the events agree.
//!
//! Denormalized copies behave as in Clerk: a membership embeds its organization as it was when
//! the membership last changed, so renaming an organization sends `organization.updated` only.

use crate::data::{bytes, Record, Store, EPOCH_MS};
use serde_json::{json, Value};

/// One webhook delivery: the message id (the same on every retry) and the event's JSON body.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    pub id: String,
    pub event_type: String,
    pub body: String,
}

/// A change to make to the records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    CreateUser,
    /// Renames the user at this position (modulo the count) and adds an email address.
    UpdateUser(usize),
    /// Renames `count` users from this position on in one moment: they share one `updated_at`,
    /// as after a bulk update.
    UpdateUsersAtOnce(usize, usize),
    /// Removes the last email address of the user at this position (their only one leaves
    /// them none).
    RemoveUserEmail(usize),
    /// Sets the public metadata of the user at this position.
    SetUserMetadata(usize),
    /// Deletes the user at this position, and their memberships first.
    DeleteUser(usize),
    CreateOrganization,
    UpdateOrganization(usize),
    /// Deletes the organization at this position, and its memberships first.
    DeleteOrganization(usize),
    /// Adds the user at the first position to the organization at the second.
    CreateMembership(usize, usize),
    /// Toggles the role of the membership at this position.
    UpdateMembership(usize),
    DeleteMembership(usize),
    /// Ends the session at this position.
    EndSession(usize),
    /// An email Clerk sent: an event for an object clerk-sync does not store.
    SendEmail(usize),
}

impl Store {
    /// Applies a change and returns the events it causes, in the order Clerk sends them. A
    /// change on an empty list does nothing.
    pub fn apply(&mut self, change: Change) -> Vec<Delivery> {
        match change {
            Change::CreateUser => self.create_user(),
            Change::UpdateUser(at) => self.update_user(at),
            Change::UpdateUsersAtOnce(at, count) => self.update_users_at_once(at, count),
            Change::RemoveUserEmail(at) => self.remove_user_email(at),
            Change::SetUserMetadata(at) => self.set_user_metadata(at),
            Change::DeleteUser(at) => self.delete_user(at),
            Change::CreateOrganization => self.create_organization(),
            Change::UpdateOrganization(at) => self.update_organization(at),
            Change::DeleteOrganization(at) => self.delete_organization(at),
            Change::CreateMembership(user_at, organization_at) => self.create_membership(user_at, organization_at),
            Change::UpdateMembership(at) => self.update_membership(at),
            Change::DeleteMembership(at) => self.delete_membership(at),
            Change::EndSession(at) => self.end_session(at),
            Change::SendEmail(at) => self.send_email(at),
        }
    }

    // One method per `Change` (documented on its variant), each returning the events it causes.

    fn create_user(&mut self) -> Vec<Delivery> {
        let n = self.next_user_number();
        let json = self.push_user(n).json.clone();
        vec![self.event("user.created", parse(&json))]
    }

    fn update_user(&mut self, at: usize) -> Vec<Delivery> {
        let Some(index) = pick(at, self.users.len()) else { return Vec::new() };
        let now = self.tick();
        let mut user = parse(&self.users[index].json);
        let count = user["email_addresses"].as_array().map_or(0, Vec::len);
        user["first_name"] = json!(format!("Renamed{now}"));
        user["updated_at"] = json!(now);
        if let Some(addresses) = user["email_addresses"].as_array_mut() {
            addresses.push(json!({
                "id": format!("idn_x{now:0>26}"), "object": "email_address", "email_address": format!("alias{count}.{now}@example.com"),
                "reserved": false, "verification": null, "linked_to": [], "created_at": now, "updated_at": now
            }));
        }
        self.users[index].name = user["first_name"].as_str().unwrap_or_default().to_owned();
        vec![self.replace_user(index, user)]
    }

    fn update_users_at_once(&mut self, at: usize, count: usize) -> Vec<Delivery> {
        let mut events = Vec::new();
        let now = self.tick();
        for offset in 0..count {
            let Some(index) = pick(at + offset, self.users.len()) else { return events };
            let mut user = parse(&self.users[index].json);
            user["last_name"] = json!(format!("Bulk{now}"));
            user["updated_at"] = json!(now);
            events.push(self.replace_user(index, user));
        }
        events
    }

    fn remove_user_email(&mut self, at: usize) -> Vec<Delivery> {
        let Some(index) = pick(at, self.users.len()) else { return Vec::new() };
        let now = self.tick();
        let mut user = parse(&self.users[index].json);
        if let Some(addresses) = user["email_addresses"].as_array_mut() {
            addresses.pop();
        }
        user["updated_at"] = json!(now);
        vec![self.replace_user(index, user)]
    }

    fn set_user_metadata(&mut self, at: usize) -> Vec<Delivery> {
        let Some(index) = pick(at, self.users.len()) else { return Vec::new() };
        let now = self.tick();
        let mut user = parse(&self.users[index].json);
        user["public_metadata"] = json!({"plan": "enterprise", "changed_at": now});
        user["updated_at"] = json!(now);
        vec![self.replace_user(index, user)]
    }

    fn delete_user(&mut self, at: usize) -> Vec<Delivery> {
        let Some(index) = pick(at, self.users.len()) else { return Vec::new() };
        let id = self.users[index].id.clone();
        let mut events = self.remove_memberships(|m| user_of(m) == id);
        self.users.remove(index);
        self.reindex_users();
        self.users_changed();
        events.push(self.event("user.deleted", json!({"deleted": true, "id": id, "object": "user"})));
        events
    }

    fn create_organization(&mut self) -> Vec<Delivery> {
        let now = self.tick();
        let id = format!("org_new{now:0>24}");
        let name = format!("New organization {now}");
        let value = crate::data::organization_json(&id, self.organizations.len(), now, &name);
        self.organizations.push(Record {
            id,
            created_at: value["created_at"].as_i64().unwrap_or(now),
            updated_at: now,
            name,
            json: bytes(value.clone()),
        });
        vec![self.event("organization.created", value)]
    }

    fn update_organization(&mut self, at: usize) -> Vec<Delivery> {
        let Some(index) = pick(at, self.organizations.len()) else { return Vec::new() };
        let now = self.tick();
        let mut organization = parse(&self.organizations[index].json);
        organization["name"] = json!(format!("Renamed organization {now}"));
        organization["public_metadata"] = json!({"renamed_at": now});
        organization["updated_at"] = json!(now);
        self.organizations[index].name = organization["name"].as_str().unwrap_or_default().to_owned();
        self.organizations[index].updated_at = now;
        self.organizations[index].json = bytes(organization.clone());
        vec![self.event("organization.updated", organization)]
    }

    fn delete_organization(&mut self, at: usize) -> Vec<Delivery> {
        let Some(index) = pick(at, self.organizations.len()) else { return Vec::new() };
        let id = self.organizations[index].id.clone();
        let mut events = self.remove_memberships(|m| organization_of(m) == id);
        self.organizations.remove(index);
        events.push(self.event("organization.deleted", json!({"deleted": true, "id": id, "object": "organization"})));
        events
    }

    fn create_membership(&mut self, user_at: usize, organization_at: usize) -> Vec<Delivery> {
        let (Some(user), Some(organization)) =
            (pick(user_at, self.users.len()), pick(organization_at, self.organizations.len()))
        else {
            return Vec::new();
        };
        let now = self.tick();
        let user = parse(&self.users[user].json);
        let organization_record = &self.organizations[organization];
        let id = format!("orgmem_new{now:0>21}");
        let created_at = now;
        let value = json!({
            "id": id, "object": "organization_membership", "role": "org:member", "permissions": [], "public_metadata": {},
            "organization": parse(&organization_record.json),
            "public_user_data": {"user_id": user["id"], "first_name": user["first_name"], "last_name": user["last_name"], "profile_image_url": null,
                                 "image_url": "https://img.clerk.com/u.png", "has_image": false, "identifier": user["email_addresses"][0]["email_address"]},
            "created_at": created_at, "updated_at": created_at
        });
        let organization_id = organization_record.id.clone();
        let name = user["first_name"].as_str().unwrap_or_default().to_owned();
        self.memberships_by_organization.entry(organization_id).or_default().push(self.memberships.len());
        self.memberships.push(Record { id, created_at, updated_at: created_at, name, json: bytes(value.clone()) });
        vec![self.event("organizationMembership.created", value)]
    }

    fn update_membership(&mut self, at: usize) -> Vec<Delivery> {
        let Some(index) = pick(at, self.memberships.len()) else { return Vec::new() };
        let now = self.tick();
        let mut membership = parse(&self.memberships[index].json);
        let role = if membership["role"] == "org:admin" { "org:member" } else { "org:admin" };
        membership["role"] = json!(role);
        membership["updated_at"] = json!(now);
        self.memberships[index].updated_at = now;
        self.memberships[index].json = bytes(membership.clone());
        vec![self.event("organizationMembership.updated", membership)]
    }

    fn delete_membership(&mut self, at: usize) -> Vec<Delivery> {
        let Some(index) = pick(at, self.memberships.len()) else { return Vec::new() };
        let id = self.memberships[index].id.clone();
        self.remove_memberships(|m| m.id == id)
    }

    fn end_session(&mut self, at: usize) -> Vec<Delivery> {
        let Some(index) = pick(at, self.sessions.len()) else { return Vec::new() };
        let now = self.tick();
        let mut session = parse(&self.sessions[index].json);
        session["status"] = json!("ended");
        session["updated_at"] = json!(now);
        self.sessions[index].updated_at = now;
        self.sessions[index].json = bytes(session.clone());
        // Session events carry the user too; the sessions table keeps the session's fields.
        let user = session["user_id"]
            .as_str()
            .and_then(|id| self.user_index.get(id))
            .map_or(Value::Null, |&i| parse(&self.users[i].json));
        let mut payload = session;
        payload["user"] = user;
        vec![self.event("session.ended", payload)]
    }

    fn send_email(&mut self, at: usize) -> Vec<Delivery> {
        let now = self.tick();
        let email = json!({"object": "email", "id": format!("ema_{now}_{at}"), "status": "queued", "to_email_address": "someone@example.com"});
        vec![self.event("email.created", email)]
    }

    /// A pseudo-random mix of `count` changes from `seed`, weighted like a live instance:
    /// mostly user updates and sign-outs, some sign-ups, deletions and organization changes.
    pub fn random_changes(count: usize, seed: u64) -> Vec<Change> {
        // An index into a collection; each change takes it modulo the collection's length.
        let mut rng = fastrand::Rng::with_seed(seed);
        let mut next = move || rng.usize(..);
        (0..count)
            .map(|_| match next() % 100 {
                0..=29 => Change::UpdateUser(next()),
                30..=44 => Change::EndSession(next()),
                45..=56 => Change::CreateUser,
                57..=61 => Change::DeleteUser(next()),
                62..=69 => Change::UpdateMembership(next()),
                70..=76 => Change::CreateMembership(next(), next()),
                77..=80 => Change::DeleteMembership(next()),
                81..=86 => Change::UpdateOrganization(next()),
                87..=89 => Change::CreateOrganization,
                90 => Change::DeleteOrganization(next()),
                _ => Change::SendEmail(next()),
            })
            .collect()
    }

    /// Removes the memberships `doomed` picks, last first, with an event each.
    fn remove_memberships(&mut self, doomed: impl Fn(&Record) -> bool) -> Vec<Delivery> {
        let picked: Vec<usize> = (0..self.memberships.len()).filter(|&m| doomed(&self.memberships[m])).collect();
        let mut events = Vec::with_capacity(picked.len());
        for index in picked.into_iter().rev() {
            let record = self.memberships.remove(index);
            // Clerk's `organizationMembership.deleted` carries the membership as it was.
            events.push(self.event("organizationMembership.deleted", parse(&record.json)));
        }
        self.memberships_by_organization.clear();
        for (i, membership) in self.memberships.iter().enumerate() {
            self.memberships_by_organization.entry(organization_of(membership)).or_default().push(i);
        }
        events
    }

    /// Replaces the user at `index` with `user` (its `updated_at` already set) and returns the
    /// `user.updated` event.
    fn replace_user(&mut self, index: usize, user: Value) -> Delivery {
        self.users[index].updated_at = user["updated_at"].as_i64().unwrap_or(self.users[index].updated_at);
        self.users[index].json = bytes(user.clone());
        self.users_changed();
        self.event("user.updated", user)
    }

    fn reindex_users(&mut self) {
        self.user_index = self.users.iter().enumerate().map(|(i, u)| (u.id.clone(), i)).collect();
    }

    /// The fake's clock: milliseconds, a second later each time (changes spread as on a live
    /// instance, not all in one moment), after every seeded record (so a record created now
    /// comes last in `created_at` order).
    fn tick(&mut self) -> i64 {
        self.clock = self.clock.max(EPOCH_MS + 100_000_000_000) + 1000;
        self.clock
    }

    fn event(&mut self, event_type: &str, data: Value) -> Delivery {
        let timestamp = self.tick();
        self.deliveries += 1;
        let body = json!({
            "data": data, "object": "event", "type": event_type, "timestamp": timestamp, "instance_id": "ins_fake",
            "event_attributes": {"http_request": {"client_ip": "127.0.0.1", "user_agent": "fake-clerk"}}
        });
        Delivery {
            id: format!("msg_{:0>27}", self.deliveries),
            event_type: event_type.to_owned(),
            body: body.to_string(),
        }
    }
}

fn pick(at: usize, len: usize) -> Option<usize> {
    (len > 0).then(|| at % len)
}

fn parse(json: &[u8]) -> Value {
    serde_json::from_slice(json).unwrap_or(Value::Null)
}

fn organization_of(membership: &Record) -> String {
    parse(&membership.json)["organization"]["id"].as_str().unwrap_or_default().to_owned()
}

fn user_of(membership: &Record) -> String {
    parse(&membership.json)["public_user_data"]["user_id"].as_str().unwrap_or_default().to_owned()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::data::Seed;

    #[test]
    fn changes_update_the_lists_and_name_what_changed() {
        let mut store =
            Store::generate(Seed { users: 10, organizations: 2, memberships_per_organization: 3, ..Seed::default() });
        let events = store.apply(Change::DeleteUser(0));
        let types: Vec<&str> = events.iter().map(|e| e.event_type.as_str()).collect();
        assert_eq!(types, ["organizationMembership.deleted", "user.deleted"], "the user's membership goes first");
        assert_eq!(store.users.len(), 9);
        assert!(!store.memberships.iter().any(|m| user_of(m) == "user_000000000000000000000000000"));

        let created = store.apply(Change::CreateUser);
        let user: Value = serde_json::from_str(&created[0].body).unwrap();
        assert_eq!(user["type"], "user.created");
        assert_eq!(user["data"]["id"], "user_000000000000000000000000010", "numbers are never reused");
        assert_eq!(store.users.last().unwrap().id, "user_000000000000000000000000010");

        let updated = store.apply(Change::UpdateUser(9));
        let event: Value = serde_json::from_str(&updated[0].body).unwrap();
        assert_eq!(event["data"]["email_addresses"].as_array().unwrap().len(), 2);
        assert!(event["data"]["updated_at"].as_i64() > user["data"]["updated_at"].as_i64());
        assert_eq!(parse(&store.users[9].json), event["data"], "the list serves what the event said");
        assert!(event["timestamp"].as_i64().unwrap() >= event["data"]["updated_at"].as_i64().unwrap());
        assert_ne!(created[0].id, updated[0].id);
    }

    #[test]
    fn random_changes_are_reproducible() {
        assert_eq!(Store::random_changes(50, 7), Store::random_changes(50, 7));
        assert_ne!(Store::random_changes(50, 7), Store::random_changes(50, 8));
    }
}
