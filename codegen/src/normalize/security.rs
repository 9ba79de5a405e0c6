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
        let ReferenceOr::Item(scheme) = scheme else {
            return Err(Error::at(at, "a security scheme given by `$ref`: define it in place"));
        };
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
                other => return Err(Error::at(at, format!("HTTP authentication scheme `{other}` is not supported (bearer and basic are)"))),
            },
            openapiv3::SecurityScheme::OAuth2 { description, .. } | openapiv3::SecurityScheme::OpenIDConnect { description, .. } => (SchemeKind::Bearer, description),
        };
        out.push(SecurityScheme { name: name.clone(), doc: doc.clone(), kind });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}
