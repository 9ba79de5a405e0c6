//! `components.securitySchemes`: how a client of the document may authenticate. Each becomes
//! a constructor of the runtime's `Credential` on the generated client
//! (`Clerk::<scheme>_credential`), so a user picks the scheme the operations they call accept.

use crate::error::{Error, Result};
use crate::model::{ParamLocation, SchemeKind, SecurityScheme};
use openapiv3::{APIKeyLocation, OpenAPI, ReferenceOr};

pub(crate) fn schemes(api: &OpenAPI) -> Result<Vec<SecurityScheme>> {
    let Some(components) = &api.components else { return Ok(Vec::new()) };
    let mut out = Vec::new();
    for (name, scheme) in &components.security_schemes {
        let at = crate::error::join("#/components/securitySchemes", name);
        let scheme = resolve(&components.security_schemes, scheme, &at)?;
        let (kind, doc) = match scheme {
            openapiv3::SecurityScheme::APIKey { location, name, description, .. } => {
                let location = match location {
                    APIKeyLocation::Query => ParamLocation::Query,
                    APIKeyLocation::Header => ParamLocation::Header,
                    APIKeyLocation::Cookie => ParamLocation::Cookie,
                };
                (SchemeKind::ApiKey { location, name: name.clone() }, description)
            }
            openapiv3::SecurityScheme::HTTP { scheme, description, .. } => match scheme.to_ascii_lowercase().as_str() {
                "bearer" => (SchemeKind::Bearer, description),
                "basic" => (SchemeKind::Basic, description),
                // Any other scheme (`digest`, `hoba`, ...): the credentials after the scheme's name
                // are the caller's to compute.
                _ => (SchemeKind::Authorization(scheme.clone()), description),
            },
            openapiv3::SecurityScheme::OAuth2 { description, .. }
            | openapiv3::SecurityScheme::OpenIDConnect { description, .. } => (SchemeKind::Bearer, description),
        };
        out.push(SecurityScheme { name: name.clone(), doc: doc.clone(), kind });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// A scheme, or the one a local `$ref` (`#/components/securitySchemes/Name`) points to.
fn resolve<'a>(
    schemes: &'a indexmap::IndexMap<String, ReferenceOr<openapiv3::SecurityScheme>>,
    scheme: &'a ReferenceOr<openapiv3::SecurityScheme>,
    at: &str,
) -> Result<&'a openapiv3::SecurityScheme> {
    let mut current = scheme;
    for _ in 0..8 {
        match current {
            ReferenceOr::Item(item) => return Ok(item),
            ReferenceOr::Reference { reference } => {
                let name = reference
                    .strip_prefix("#/components/securitySchemes/")
                    .ok_or_else(|| Error::at(at, format!("`{reference}` is not a security scheme of this document")))?;
                current = schemes.get(name).ok_or_else(|| Error::at(at, format!("`{reference}` points to nothing")))?;
            }
        }
    }
    Err(Error::at(at, "security scheme references nested more than 8 deep (a cycle?)"))
}
