//! A verified webhook delivery read as a change to one synced table.
//!
//! The table is found by the `object` of the event's `data` (`user`, `organization_membership`),
//! matched against each resource's item `object` as the spec declares it; a `*.deleted` event
//! (or `data.deleted: true`) deletes the object by id. Anything else is not synced here: an
//! email, an SMS, a billing event for a list this build does not load.
//!
//! Ordering: the version of an upsert is the object's `updated_at` (milliseconds, set by
//! Clerk when the object changed), or the event's `timestamp` when the object has none; a
//! deletion's version is the event's `timestamp`. `updated_at` is the object's own clock, so
//! it orders an event against rows a `run` wrote as well as against other events.

use crate::schema::Resource;
use serde_json::value::RawValue;
use serde_json::Value;

/// One verified delivery.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// The message id (`svix-id`), the same on every retry of the delivery.
    pub id: String,
    pub event_type: String,
    pub change: Change,
}

#[derive(Debug, Clone)]
pub enum Change {
    /// `item` is the event's `data` as sent (JSON text), flattened as a list item would be.
    Upsert {
        resource: &'static Resource,
        id: String,
        version: i64,
        item: String,
    },
    Delete {
        resource: &'static Resource,
        id: String,
        version: i64,
    },
    /// An event about an object no synced table holds: acknowledged and counted.
    NotSynced,
}

impl Change {
    /// The resource and object id it changes.
    pub fn target(&self) -> Option<(&'static Resource, &str)> {
        match self {
            Change::Upsert { resource, id, .. } | Change::Delete { resource, id, .. } => Some((resource, id)),
            Change::NotSynced => None,
        }
    }

    pub fn version(&self) -> i64 {
        match self {
            Change::Upsert { version, .. } | Change::Delete { version, .. } => *version,
            Change::NotSynced => 0,
        }
    }
}

/// Reads a verified body. `signed_at` is the delivery's signature time in seconds, the
/// version of a deletion whose event has no timestamp. A body that is not an event object is
/// an error naming what is wrong (the delivery is refused with 400).
pub fn read(id: String, signed_at: i64, body: &[u8], resources: &[&'static Resource]) -> Result<Delivery, String> {
    /// The envelope, with `data` kept as text.
    #[derive(serde::Deserialize)]
    struct Envelope<'a> {
        #[serde(rename = "type")]
        event_type: Option<Value>,
        timestamp: Option<Value>,
        #[serde(borrow)]
        data: Option<&'a RawValue>,
    }
    /// What the change needs to know of `data`; the rest is read when it is flattened.
    #[derive(serde::Deserialize)]
    struct Head {
        object: Option<Value>,
        id: Option<Value>,
        updated_at: Option<Value>,
        deleted: Option<Value>,
    }
    let event: Envelope<'_> = serde_json::from_slice(body).map_err(|e| format!("the body is not a JSON event: {e}"))?;
    let event_type =
        event.event_type.as_ref().and_then(Value::as_str).ok_or("the event has no string `type`")?.to_owned();
    let timestamp =
        event.timestamp.as_ref().and_then(Value::as_i64).map_or(signed_at.saturating_mul(1000), milliseconds);
    let data = event
        .data
        .filter(|raw| raw.get().starts_with('{'))
        .ok_or_else(|| format!("`{event_type}` has no `data` object"))?;
    let head: Head = serde_json::from_str(data.get()).map_err(|e| format!("`{event_type}`: {e}"))?;
    let deleted = event_type.ends_with(".deleted") || head.deleted.as_ref().and_then(Value::as_bool) == Some(true);
    let object =
        head.object.as_ref().and_then(Value::as_str).map_or_else(|| object_of_type(&event_type), str::to_owned);
    let Some(resource) = resources.iter().copied().find(|r| r.object.as_deref() == Some(object.as_str())) else {
        return Ok(Delivery { id, event_type, change: Change::NotSynced });
    };
    let object_id = head
        .id
        .as_ref()
        .and_then(Value::as_str)
        .ok_or_else(|| format!("`{event_type}`: the `{object}` has no string `id`"))?
        .to_owned();
    let change = if deleted {
        Change::Delete { resource, id: object_id, version: timestamp }
    } else {
        let version = head.updated_at.as_ref().and_then(Value::as_i64).unwrap_or(timestamp);
        Change::Upsert { resource, id: object_id, version, item: data.get().to_owned() }
    };
    Ok(Delivery { id, event_type, change })
}

/// Clerk's event timestamps are milliseconds; seconds (a value before 1973 in milliseconds)
/// are scaled.
fn milliseconds(timestamp: i64) -> i64 {
    if timestamp.abs() < 100_000_000_000 {
        timestamp.saturating_mul(1000)
    } else {
        timestamp
    }
}

/// The object an event type names: `organizationMembership.deleted` -> `organization_membership`,
/// for deletions whose data has no `object`.
fn object_of_type(event_type: &str) -> String {
    let prefix = event_type.split('.').next().unwrap_or_default();
    let mut out = String::with_capacity(prefix.len() + 4);
    for c in prefix.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;

    fn all() -> Vec<&'static Resource> {
        crate::resources().iter().collect()
    }

    #[test]
    fn events_find_their_table_by_object() {
        let body = br#"{"type":"user.updated","timestamp":1700000000500,"data":{"object":"user","id":"user_1","updated_at":1700000000400}}"#;
        let delivery = read("msg_1".into(), 1_700_000_000, body, &all()).unwrap();
        let Change::Upsert { resource, id, version, item } = delivery.change else { panic!("not an upsert") };
        assert_eq!(
            (&*resource.name, id.as_str(), version),
            ("users", "user_1", 1_700_000_000_400),
            "versions are the object's updated_at"
        );
        assert_eq!(item, r#"{"object":"user","id":"user_1","updated_at":1700000000400}"#, "the data as sent");

        let body = br#"{"type":"organizationMembership.deleted","timestamp":1700000000900,"data":{"object":"organization_membership","id":"orgmem_1","updated_at":5}}"#;
        let Change::Delete { resource, version, .. } = read("msg_2".into(), 0, body, &all()).unwrap().change else {
            panic!("not a delete")
        };
        assert_eq!(
            (&*resource.name, version),
            ("organization_memberships", 1_700_000_000_900),
            "a deletion's version is the event's time"
        );
    }

    #[test]
    fn deletions_without_an_object_use_the_event_type() {
        let body = br#"{"type":"organizationMembership.deleted","data":{"id":"orgmem_1","deleted":true}}"#;
        let Change::Delete { resource, version, .. } = read("m".into(), 1_700_000_000, body, &all()).unwrap().change
        else {
            panic!("not a delete")
        };
        assert_eq!(
            (&*resource.name, version),
            ("organization_memberships", 1_700_000_000_000),
            "signed-at seconds as milliseconds"
        );
    }

    #[test]
    fn other_objects_are_not_synced_and_bad_bodies_are_refused() {
        let body = br#"{"type":"email.created","timestamp":1,"data":{"object":"email","id":"ema_1"}}"#;
        assert!(matches!(read("m".into(), 0, body, &all()).unwrap().change, Change::NotSynced));
        let only_users: Vec<&'static Resource> = all().into_iter().filter(|r| r.name == "users").collect();
        let body = br#"{"type":"organization.created","data":{"object":"organization","id":"org_1"}}"#;
        assert!(
            matches!(read("m".into(), 0, body, &only_users).unwrap().change, Change::NotSynced),
            "not selected, not synced"
        );
        assert!(read("m".into(), 0, b"not json", &all()).unwrap_err().contains("not a JSON event"));
        assert!(read("m".into(), 0, br#"{"type":"user.created","data":[1]}"#, &all())
            .unwrap_err()
            .contains("no `data` object"));
        assert!(read("m".into(), 0, br#"{"data":{}}"#, &all()).unwrap_err().contains("`type`"));
        assert!(read("m".into(), 0, br#"{"type":"user.created","data":{"object":"user"}}"#, &all())
            .unwrap_err()
            .contains("no string `id`"));
    }
}
