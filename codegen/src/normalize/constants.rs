//! One-value enums that are only ever received (each Clerk type's `object` marker, a
//! verification's `strategy`, a key's `kty`) become `String` aliases: the value never varies for
//! the Rust type that holds it, so an open enum of one value says nothing the type does not,
//! and it cost a type and a dozen trait impls each (127 of them, about a tenth of the crate's
//! build time). The alias keeps the name (`types::UserObject` is a `String`) and its docs give
//! the value. One-value enums that are sent stay enums: there the variant names the value the
//! caller has to send.

use crate::model::{Group, TypeDef, TypeKind, TypeRef};
use std::collections::BTreeMap;

/// Rewrites the received one-value enums and returns their values by type name.
pub(crate) fn received_constants_as_strings(defs: &mut [TypeDef], groups: &[Group]) -> BTreeMap<String, String> {
    let mut values = BTreeMap::new();
    let bodies = groups.iter().flat_map(|g| &g.operations).flat_map(crate::model::Operation::sent);
    let sent: std::collections::HashSet<String> =
        crate::model::reachable(bodies, defs).into_iter().map(str::to_owned).collect();
    for def in defs.iter_mut().filter(|d| !sent.contains(&d.name)) {
        let TypeKind::Enum(variants) = &def.kind else { continue };
        let [only] = variants.as_slice() else { continue };
        let note =
            format!("Always `{}` (a constant: a `String`, as a value that never varies needs no enum).", only.wire);
        values.insert(def.name.clone(), only.wire.clone());
        def.append_doc(note);
        def.kind = TypeKind::Alias(TypeRef::String);
    }
    values
}
