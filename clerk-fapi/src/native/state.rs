//! What the session knows of the client: the Frontend API's `Client` as it last sent it, its
//! sessions and the active one. Replaced whole from each answer, never merged field by field,
//! so it is always a state the server had.

use crate::types;
use std::sync::Arc;

/// The client as the Frontend API last described it, or none (signed out, or never loaded).
#[derive(Debug, Clone, Default)]
pub struct SessionState {
    client: Option<Arc<types::Client>>,
}

impl SessionState {
    /// The client: its sessions, the sign-in or sign-up in progress.
    pub fn client(&self) -> Option<&types::Client> {
        self.client.as_deref()
    }

    /// The client's sessions that are active (signed in).
    pub fn sessions(&self) -> Vec<&types::Session> {
        self.client
            .iter()
            .flat_map(|client| &client.sessions)
            .filter(|session| session.status == types::SessionStatus::Active)
            .collect()
    }

    /// The active session: the client's last active one, if it is still active.
    pub fn active_session(&self) -> Option<&types::Session> {
        let client = self.client.as_deref()?;
        let id = client.last_active_session_id.as_deref()?;
        client.sessions.iter().find(|session| session.id == id && session.status == types::SessionStatus::Active)
    }

    /// The signed-in user of the active session.
    pub fn user(&self) -> Option<&types::User> {
        self.active_session()?.user.as_ref()
    }

    pub fn is_signed_in(&self) -> bool {
        self.active_session().is_some()
    }

    /// Replaces the client unless the one held is a newer state of the same client (answers to
    /// concurrent calls can arrive out of order); returns whether anything changed.
    pub(crate) fn replace(&mut self, client: Option<types::Client>) -> bool {
        if let (Some(held), Some(new)) = (&self.client, &client) {
            if held.id == new.id && held.updated_at > new.updated_at {
                return false;
            }
            if **held == *new {
                return false;
            }
        }
        if self.client.is_none() && client.is_none() {
            return false;
        }
        self.client = client.map(Arc::new);
        true
    }
}
