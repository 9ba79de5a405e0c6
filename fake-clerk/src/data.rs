//! The fake's in-memory records, generated deterministically and rendered to JSON once, so
//! serving a page is copying bytes.

use bytes::Bytes;
use serde_json::json;
use std::collections::HashMap;

/// One record: the fields the fake sorts and filters by, and its JSON.
#[derive(Debug, Clone)]
pub struct Record {
    pub id: String,
    pub created_at: i64,
    /// When it last changed (`updated_at` in its JSON), for `order_by=updated_at`.
    pub updated_at: i64,
    /// A second sort key (`first_name` for users, `name` for organizations).
    pub name: String,
    pub json: Bytes,
}

/// How many records of each kind to generate.
#[derive(Debug, Clone, Copy)]
pub struct Seed {
    pub users: usize,
    pub organizations: usize,
    /// Memberships per organization (users taken in turn).
    pub memberships_per_organization: usize,
    pub invitations: usize,
    pub sessions: usize,
    pub clients: usize,
    /// Pending invitations per organization.
    pub invitations_per_organization: usize,
    pub allowlist_identifiers: usize,
}

impl Default for Seed {
    fn default() -> Self {
        Seed {
            users: 1000,
            organizations: 50,
            memberships_per_organization: 5,
            invitations: 200,
            sessions: 200,
            clients: 100,
            invitations_per_organization: 2,
            allowlist_identifiers: 20,
        }
    }
}

impl Seed {
    /// `users` users and the rest in `clerk-sync demo`'s proportions: an organization per 20
    /// users with 8 members and 3 pending invitations each, an invitation per 10 users, a
    /// session per 2, a client per 4, 25 allowlist identifiers.
    pub fn demo(users: usize) -> Seed {
        Seed {
            users,
            organizations: (users / 20).max(1),
            memberships_per_organization: 8,
            invitations: users / 10,
            sessions: users / 2,
            clients: users / 4,
            invitations_per_organization: 3,
            allowlist_identifiers: 25,
        }
    }
}

/// All records, each list in ascending `created_at` order (ties impossible: each is unique).
#[derive(Debug, Default)]
pub struct Store {
    pub users: Vec<Record>,
    pub user_index: HashMap<String, usize>,
    pub organizations: Vec<Record>,
    pub memberships: Vec<Record>,
    pub memberships_by_organization: HashMap<String, Vec<usize>>,
    pub invitations: Vec<Record>,
    pub sessions: Vec<Record>,
    pub clients: Vec<Record>,
    /// Other instance-wide lists, by path without the leading slash: whether the response is
    /// wrapped in `{data, total_count}`, and the records (empty for most).
    pub lists: std::collections::BTreeMap<&'static str, (bool, Vec<Record>)>,
    /// The last time a change used (milliseconds; see `changes`).
    pub clock: i64,
    /// Positions of `users` newest `updated_at` last, built when a list first asks after a change.
    pub users_by_update: std::sync::Mutex<Option<std::sync::Arc<Vec<usize>>>>,
    /// Webhook deliveries made so far, for their ids.
    pub deliveries: u64,
}

/// The other lists the Backend API serves without a parent id, and whether each is wrapped.
const OTHER_LISTS: [(&str, bool); 22] = [
    ("allowlist_identifiers", false),
    ("billing/plans", true),
    ("billing/prices", true),
    ("billing/statements", true),
    ("billing/subscription_items", true),
    ("blocklist_identifiers", true),
    ("directories", true),
    ("domains", true),
    ("enterprise_connections", true),
    ("jwt_templates", false),
    ("machines", true),
    ("oauth_applications", true),
    ("organization_domains", true),
    ("organization_invitations", true),
    ("organization_permissions", true),
    ("organization_roles", true),
    ("redirect_urls", false),
    ("role_sets", true),
    ("saml_connections", true),
    ("scim_directories", true),
    ("waitlist_entries", true),
    ("api_keys", true),
];

pub(crate) const EPOCH_MS: i64 = 1_700_000_000_000;
const FIRST_NAMES: [&str; 8] = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Margaret", "Ken"];

fn make_id(prefix: &str, n: usize) -> String {
    // Clerk ids are a prefix and 27 base62 characters.
    format!("{prefix}_{n:0>27}")
}

pub(crate) fn bytes(value: serde_json::Value) -> Bytes {
    Bytes::from(serde_json::to_vec(&value).unwrap_or_default())
}

/// A user with the fields the spec requires and an email address, about 1.4 KB of JSON.
pub fn user_json(id: &str, n: usize, created_at: i64, first_name: &str) -> serde_json::Value {
    let email_id = format!("idn_{n:0>27}");
    json!({
        "id": id, "object": "user", "external_id": format!("ext-{n}"),
        "primary_email_address_id": email_id, "primary_phone_number_id": null, "primary_web3_wallet_id": null,
        "username": format!("user{n}"), "first_name": first_name, "last_name": "Example",
        "image_url": format!("https://img.clerk.com/users/{id}.png"), "has_image": false,
        "public_metadata": {"plan": "pro", "seat": n % 17, "tags": ["alpha", "beta"]},
        "private_metadata": {"crm_id": format!("crm-{n}")}, "unsafe_metadata": {},
        "email_addresses": [{
            "id": email_id, "object": "email_address", "email_address": format!("user{n}@example.com"), "reserved": false,
            "verification": {"object": "verification_otp", "status": "verified", "strategy": "email_code", "attempts": 1, "expire_at": created_at + 600_000},
            "linked_to": [], "created_at": created_at, "updated_at": created_at
        }],
        "phone_numbers": [], "web3_wallets": [], "passkeys": [], "password_enabled": true, "two_factor_enabled": false,
        "totp_enabled": false, "backup_code_enabled": false, "mfa_enabled_at": null, "mfa_disabled_at": null,
        "external_accounts": [], "saml_accounts": [], "enterprise_accounts": [],
        "last_sign_in_at": created_at + 3_600_000, "banned": false, "locked": false, "lockout_expires_in_seconds": null,
        "verification_attempts_remaining": 100, "updated_at": created_at, "created_at": created_at,
        "delete_self_enabled": true, "create_organization_enabled": true, "last_active_at": created_at + 7_200_000,
        "legal_accepted_at": null
    })
}

pub(crate) fn organization_json(id: &str, n: usize, created_at: i64, name: &str) -> serde_json::Value {
    json!({
        "object": "organization", "id": id, "name": name, "slug": format!("org-{n}"), "has_image": false,
        "max_allowed_memberships": 100, "admin_delete_enabled": true, "public_metadata": {}, "private_metadata": {},
        "created_at": created_at, "updated_at": created_at
    })
}

impl Store {
    pub fn generate(seed: Seed) -> Store {
        let mut store = Store::default();
        for n in 0..seed.users {
            store.push_user(n);
        }
        for n in 0..seed.organizations {
            let id = make_id("org", n);
            let created_at = EPOCH_MS + n as i64 * 1000;
            let name = format!("Organization {n:05}");
            let json = organization_json(&id, n, created_at, &name);
            store.organizations.push(Record {
                id: id.clone(),
                created_at,
                updated_at: created_at,
                name,
                json: bytes(json.clone()),
            });
            for m in 0..seed.memberships_per_organization.min(seed.users) {
                let user = &store.users[(n * seed.memberships_per_organization + m) % seed.users];
                let membership_id = id_pair("orgmem", n, m);
                let created = created_at + m as i64 + 1;
                let value = json!({
                    "id": membership_id, "object": "organization_membership", "role": if m == 0 { "org:admin" } else { "org:member" },
                    "permissions": [], "public_metadata": {}, "organization": json,
                    "public_user_data": {"user_id": user.id, "first_name": user.name, "last_name": "Example", "profile_image_url": null,
                                         "image_url": "https://img.clerk.com/u.png", "has_image": false, "identifier": format!("{}@example.com", user.id)},
                    "created_at": created, "updated_at": created
                });
                store.memberships_by_organization.entry(id.clone()).or_default().push(store.memberships.len());
                store.memberships.push(Record {
                    id: membership_id,
                    created_at: created,
                    updated_at: created,
                    name: user.name.clone(),
                    json: bytes(value),
                });
            }
        }
        for n in 0..seed.invitations {
            let created_at = EPOCH_MS + n as i64 * 1000;
            let id = make_id("inv", n);
            let value = json!({"object": "invitation", "id": id, "email_address": format!("invitee{n}@example.com"), "public_metadata": {},
                               "revoked": false, "status": "pending", "url": null, "expires_at": null, "created_at": created_at, "updated_at": created_at});
            store.invitations.push(Record {
                id,
                created_at,
                updated_at: created_at,
                name: String::new(),
                json: bytes(value),
            });
        }
        for n in 0..seed.sessions {
            let created_at = EPOCH_MS + n as i64 * 1000;
            let id = make_id("sess", n);
            let user = store.users.get(n % seed.users.max(1)).map_or_else(|| "user_0".to_owned(), |u| u.id.clone());
            let value = json!({"object": "session", "id": id, "user_id": user, "client_id": make_id("client", n % seed.clients.max(1)),
                               "status": "active", "last_active_at": created_at, "expire_at": created_at + 604_800_000,
                               "abandon_at": created_at + 2_592_000_000, "updated_at": created_at, "created_at": created_at});
            store.sessions.push(Record {
                id,
                created_at,
                updated_at: created_at,
                name: String::new(),
                json: bytes(value),
            });
        }
        for n in 0..seed.clients {
            let created_at = EPOCH_MS + n as i64 * 1000;
            let id = make_id("client", n);
            let value = json!({"object": "client", "id": id, "session_ids": [], "sessions": [], "sign_in_id": null, "sign_up_id": null,
                               "last_active_session_id": null, "last_authentication_strategy": null, "updated_at": created_at, "created_at": created_at});
            store.clients.push(Record {
                id,
                created_at,
                updated_at: created_at,
                name: String::new(),
                json: bytes(value),
            });
        }
        for (path, wrapped) in OTHER_LISTS {
            store.lists.insert(path, (wrapped, Vec::new()));
        }
        let mut organization_invitations = Vec::new();
        for (n, organization) in store.organizations.iter().enumerate() {
            for m in 0..seed.invitations_per_organization {
                let id = id_pair("orginv", n, m);
                let created_at = organization.created_at + 500 + m as i64;
                let value = json!({
                    "object": "organization_invitation", "id": id, "email_address": format!("guest{m}@org{n}.example.com"),
                    "role": "org:member", "role_name": "Member", "organization_id": organization.id, "status": "pending",
                    "public_metadata": {"source": "fake"}, "private_metadata": {}, "url": null, "expires_at": created_at + 2_592_000_000,
                    "inviter_id": null, "public_inviter_data": null,
                    "public_organization_data": {"id": organization.id, "name": organization.name, "slug": format!("org-{n}"), "image_url": null, "has_image": false},
                    "created_at": created_at, "updated_at": created_at
                });
                organization_invitations.push(Record {
                    id,
                    created_at,
                    updated_at: created_at,
                    name: String::new(),
                    json: bytes(value),
                });
            }
        }
        store.lists.insert("organization_invitations", (true, organization_invitations));
        let allowlist = (0..seed.allowlist_identifiers)
            .map(|n| {
                let created_at = EPOCH_MS + n as i64 * 1000;
                let id = make_id("alid", n);
                let value = json!({"object": "allowlist_identifier", "id": id, "identifier": format!("*@partner{n}.example.com"),
                                   "identifier_type": "email_address", "instance_id": "ins_fake", "created_at": created_at, "updated_at": created_at});
                Record { id, created_at, updated_at: created_at, name: String::new(), json: bytes(value) }
            })
            .collect();
        store.lists.insert("allowlist_identifiers", (false, allowlist));
        store
    }

    /// The number the next new user gets: one more than the newest's, so numbers (and ids) are
    /// never reused after a deletion.
    pub fn next_user_number(&self) -> usize {
        self.users
            .last()
            .and_then(|u| u.id.strip_prefix("user_"))
            .and_then(|n| n.parse::<usize>().ok())
            .map_or(self.users.len(), |n| n + 1)
    }

    /// Adds user number `n` (also how `POST /users` creates one), created now by the fake's
    /// clock: after every record and change before it.
    pub fn push_user(&mut self, n: usize) -> &Record {
        let id = make_id("user", n);
        let created_at = (EPOCH_MS + n as i64 * 1000).max(self.clock + 1);
        self.clock = created_at;
        let first_name = format!("{}{}", FIRST_NAMES[n % FIRST_NAMES.len()], n);
        let json = bytes(user_json(&id, n, created_at, &first_name));
        self.user_index.insert(id.clone(), self.users.len());
        self.users.push(Record { id, created_at, updated_at: created_at, name: first_name, json });
        self.users_changed();
        &self.users[self.users.len() - 1]
    }
}

impl Store {
    /// Forgets the `updated_at` order of users: call after any change to them.
    pub fn users_changed(&mut self) {
        *self.users_by_update.get_mut().unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// Positions of `users` in ascending `updated_at` order (ties by id).
    pub fn users_by_update(&self) -> std::sync::Arc<Vec<usize>> {
        let mut cached = self.users_by_update.lock().unwrap_or_else(|e| e.into_inner());
        cached
            .get_or_insert_with(|| {
                let mut order: Vec<usize> = (0..self.users.len()).collect();
                order.sort_by(|&a, &b| {
                    (self.users[a].updated_at, &self.users[a].id).cmp(&(self.users[b].updated_at, &self.users[b].id))
                });
                std::sync::Arc::new(order)
            })
            .clone()
    }
}

fn id_pair(prefix: &str, a: usize, b: usize) -> String {
    format!("{prefix}_{a:0>20}{b:0>7}")
}
