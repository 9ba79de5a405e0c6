//! Types the runtime crate defines that a spec describes too: generated code re-exports the
//! runtime's instead of declaring a second type of the same name, when the runtime's decodes
//! every value the spec's accepts without loss (checked by [`crate::compat`]; a spec whose
//! schema has grown keeps its own type). Today that is `ClerkError`, the entries of an
//! `ApiError`, so that `Error::Api(e).errors` and `types::ClerkError` are one type.

use crate::compat;
use crate::model::{Field, Struct, TypeDef, TypeKind, TypeRef};
use std::collections::BTreeSet;

/// The runtime's `ClerkError` as the model describes it: `code` and `message` required,
/// `long_message` and `meta` optional.
fn clerk_error() -> TypeDef {
    let field = |wire: &str, ty: TypeRef, required: bool| Field {
        name: wire.into(),
        wire: wire.into(),
        ty,
        required,
        nullable: false,
        boxed: false,
        doc: None,
        deprecated: false,
    };
    TypeDef {
        name: "ClerkError".into(),
        doc: None,
        deprecated: false,
        origin: "clerk_api_runtime::ClerkError".into(),
        kind: TypeKind::Struct(Struct {
            fields: vec![
                field("code", TypeRef::String, true),
                field("message", TypeRef::String, true),
                field("long_message", TypeRef::String, false),
                field("meta", TypeRef::Json, false),
            ],
            multipart: false,
        }),
    }
}

/// The names of the spec's types that the runtime provides (re-exported as
/// `clerk_api_runtime::<Name>`).
pub fn provided(defs: &[TypeDef]) -> BTreeSet<String> {
    compat::replacements(defs, &[clerk_error()], |_| true).replaceable
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clerks_error_schema_is_the_runtimes_unless_it_grew() {
        let mut spec = clerk_error();
        let fields = |spec: &mut TypeDef| match &mut spec.kind {
            TypeKind::Struct(s) => std::mem::take(&mut s.fields),
            _ => Vec::new(),
        };
        let with =
            |spec: &mut TypeDef, fields: Vec<Field>| spec.kind = TypeKind::Struct(Struct { fields, multipart: false });
        // Clerk's schema requires `long_message`; the runtime's accepts it either way.
        let mut own = fields(&mut spec);
        own[2].required = true;
        with(&mut spec, own.clone());
        assert!(provided(std::slice::from_ref(&spec)).contains("ClerkError"));
        own.push(Field {
            name: "hint".into(),
            wire: "hint".into(),
            ty: TypeRef::String,
            required: false,
            nullable: false,
            boxed: false,
            doc: None,
            deprecated: false,
        });
        with(&mut spec, own);
        assert!(provided(&[spec]).is_empty(), "a field the runtime's type would drop keeps the spec's own type");
    }
}
