//! API drift: what changed in the generated Rust API between two specs, and what breaks.
//!
//! Both specs go through the same normalization as code generation, so the report speaks of
//! the Rust API users call (`clerk.users().list()`, `types::User::first_name`), not of YAML.
//! [`diff`] compares two [`Api`]s; [`render`] writes the Markdown report. Output is sorted,
//! so reports can be snapshotted.

mod operations;
mod render;
mod types;

use crate::model::{Api, TypeRef};

pub use render::render;

/// Everything that changed, breaking first.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Report {
    pub changes: Vec<Change>,
}

impl Report {
    pub fn breaking(&self) -> impl Iterator<Item = &Change> {
        self.changes.iter().filter(|c| c.breaking)
    }

    pub fn non_breaking(&self) -> impl Iterator<Item = &Change> {
        self.changes.iter().filter(|c| !c.breaking)
    }

    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }
}

/// What a change is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Section {
    Operations,
    Types,
}

/// One change to the generated API.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Change {
    pub breaking: bool,
    pub section: Section,
    /// What changed: `` `GET /users` `` for operations, `` `User` `` for types.
    pub subject: String,
    /// How it changed.
    pub what: String,
    /// For breaking changes: the Rust call or type a user must change.
    pub fix: Option<String>,
}

/// The changes from `old` to `new`, sorted: breaking first, then by section, subject and text.
pub fn diff(old: &Api, new: &Api) -> Report {
    let mut changes = operations::diff(old, new);
    changes.extend(types::diff(old, new));
    // Subjects are quoted in backticks; compare the names inside, so `User` sorts before `UserX`.
    let key = |c: &Change| (!c.breaking, c.section, c.subject.replace('`', ""), c.what.clone());
    changes.sort_by_cached_key(key);
    changes.dedup();
    Report { changes }
}

/// A type as Rust code spells it.
pub(crate) fn rust_type(ty: &TypeRef) -> String {
    ty.rust()
}

/// `ty` with each type name that `new` keeps as a deprecated alias (`codegen::overrides`)
/// spelled by its new name: a change that is only such a rename still compiles.
pub(crate) fn through_aliases(new: &Api, ty: &TypeRef) -> TypeRef {
    match ty {
        TypeRef::Named(name) => match new.type_aliases.iter().find(|alias| &alias.old == name) {
            Some(alias) => TypeRef::Named(alias.new.clone()),
            None => ty.clone(),
        },
        TypeRef::Array(inner) => TypeRef::Array(Box::new(through_aliases(new, inner))),
        TypeRef::Map(inner) => TypeRef::Map(Box::new(through_aliases(new, inner))),
        other => other.clone(),
    }
}

/// The note a change that is only a kept rename carries.
pub(crate) const ALIAS_KEPT: &str = "the old name stays one release as a deprecated alias";

/// A value's Rust type given whether it may be absent.
pub(crate) fn optional(ty: &TypeRef, option: bool) -> String {
    if option {
        format!("Option<{}>", rust_type(ty))
    } else {
        rust_type(ty)
    }
}
