//! Paths and operations to groups of request builders.

use super::refs::{resolve, SchemaRef};
use super::types::Types;
use crate::error::{join, Error, Result};
use crate::model::{
    Body, BodyMedia, ErrorResponse, Example, FormEncoding, Group, Operation, Outcome, OutcomeBody, Outcomes, Param,
    ParamEncoding, ParamLocation, TypeRef,
};
use crate::names::{self, Scope};
use openapiv3::{OpenAPI, Parameter, ParameterSchemaOrContent, QueryStyle, ReferenceOr, StatusCode};
use std::collections::BTreeMap;

const JSON: &str = "application/json";
const MULTIPART: &str = "multipart/form-data";
const FORM: &str = "application/x-www-form-urlencoded";

/// A group of operations while it is being collected.
struct GroupDraft {
    /// The group's Rust type (`Users`).
    type_name: String,
    /// Method names taken in the group (`list`, `get`, ...).
    methods: Scope,
    /// Builder type names taken in the group.
    builders: Scope,
    operations: Vec<Operation>,
}

pub(crate) fn operations<'a>(api: &'a OpenAPI, types: &mut Types<'a>) -> Result<Vec<Group>> {
    // By group name; BTreeMap keeps groups sorted.
    let mut groups: BTreeMap<String, GroupDraft> = BTreeMap::new();
    for (path, item) in &api.paths.paths {
        let path_pointer = join("#/paths", path);
        let ReferenceOr::Item(item) = item else {
            // `normalize` inlines every path item `$ref` first.
            return Err(Error::at(path_pointer, "a path item `$ref` was not inlined"));
        };
        for (method, op) in item.iter() {
            let pointer = join(&path_pointer, method);
            let group_raw = extension_str(&op.extensions, "x-speakeasy-group")
                .or_else(|| op.tags.first().map(String::as_str))
                .unwrap_or("default");
            let operation_id = op.operation_id.clone().unwrap_or_else(|| format!("{method} {path}"));
            let method_raw = extension_str(&op.extensions, "x-speakeasy-name-override").unwrap_or(&operation_id);
            let group_name = names::snake_name(group_raw).trim_start_matches("r#").to_owned();
            let group = groups.entry(group_name).or_insert_with(|| {
                let mut builders = Scope::default();
                // Names a group module uses unqualified: a builder or handle of the same name
                // would shadow them (an operation `Option`, a group `default`).
                for reserved in ["Box", "Clerk", "Default", "Option", "Result", "String", "Vec"] {
                    builders.claim(reserved);
                }
                let type_name = builders.claim(&names::type_name(group_raw));
                GroupDraft { type_name, methods: Scope::default(), builders, operations: Vec::new() }
            });
            let method_name = group.methods.claim_snake(&names::snake_name(method_raw));
            let builder = group.builders.claim(&names::type_name(&operation_id));
            let mut operation = operation(
                api,
                types,
                item,
                op,
                OperationNames { method, path, pointer: &pointer, operation_id, method_name, builder },
            )?;
            // The answers' enum lives beside the builders: its name must not be one of theirs.
            if let Some(outcomes) = &mut operation.outcomes {
                outcomes.name = group.builders.claim(&outcomes.name);
            }
            group.operations.push(operation);
        }
    }
    Ok(groups
        .into_iter()
        .map(|(name, draft)| Group {
            name,
            type_name: draft.type_name,
            operations: draft.operations,
            aliases: Vec::new(),
        })
        .collect())
}

fn extension_str<'a>(extensions: &'a indexmap::IndexMap<String, serde_json::Value>, key: &str) -> Option<&'a str> {
    extensions.get(key).and_then(|v| v.as_str()).filter(|s| !s.is_empty())
}

struct OperationNames<'p> {
    method: &'p str,
    path: &'p str,
    pointer: &'p str,
    operation_id: String,
    method_name: String,
    builder: String,
}

fn operation<'a>(
    api: &'a OpenAPI,
    types: &mut Types<'a>,
    item: &'a openapiv3::PathItem,
    op: &'a openapiv3::Operation,
    names_: OperationNames<'_>,
) -> Result<Operation> {
    let OperationNames { method, path, pointer, operation_id, method_name, builder } = names_;
    let params = merged_params(api, item, op, path, pointer)?;
    let (path_params, params) = parameters(types, &params, &builder)?;
    let path_params = order_path_params(path, path_params, pointer)?;
    let body = match &op.request_body {
        None => None,
        Some(body) => Some(request_body(api, types, body, &builder, pointer)?),
    };
    let Responses { success_status, response, errors, outcomes } = responses(api, types, op, &builder, pointer)?;
    Ok(Operation {
        aliases: Vec::new(),
        operation_id,
        method: method_name,
        builder,
        http_method: method.to_uppercase(),
        path: path.to_owned(),
        summary: op.summary.clone(),
        doc: op.description.clone(),
        deprecated: op.deprecated,
        path_params,
        params,
        body,
        response,
        success_status,
        outcomes,
        errors,
        pagination: None,
    })
}

/// The path item's parameters, then the operation's: an operation parameter overrides a
/// path-level one with the same name and location. Each with its pointer.
fn merged_params<'a>(
    api: &'a OpenAPI,
    item: &'a openapiv3::PathItem,
    op: &'a openapiv3::Operation,
    path: &str,
    pointer: &str,
) -> Result<Vec<(&'a Parameter, String)>> {
    let components = api.components.as_ref();
    let mut params: Vec<(&Parameter, String)> = Vec::new();
    let sources =
        [(&item.parameters, join(&join("#/paths", path), "parameters")), (&op.parameters, join(pointer, "parameters"))];
    for (list, list_pointer) in sources {
        for (i, param) in list.iter().enumerate() {
            let (param, at) =
                resolve(components.map(|c| &c.parameters), param, "parameters", &join(&list_pointer, i.to_string()))?;
            let data = param.parameter_data_ref();
            params.retain(|(p, _)| {
                !(p.parameter_data_ref().name == data.name
                    && std::mem::discriminant(*p) == std::mem::discriminant(param))
            });
            params.push((param, at));
        }
    }
    Ok(params)
}

/// Path parameters, and query, header and cookie parameters, typed and named.
fn parameters<'a>(
    types: &mut Types<'a>,
    params: &[(&'a Parameter, String)],
    builder: &str,
) -> Result<(Vec<Param>, Vec<Param>)> {
    let mut scope = Scope::default();
    let wires: Vec<&str> = params.iter().map(|(p, _)| p.parameter_data_ref().name.as_str()).collect();
    let rust_names = names::snake_names(wires.iter().copied(), &mut scope);
    let mut path_params = Vec::new();
    let mut others = Vec::new();
    for ((param, at), name) in params.iter().zip(rust_names) {
        if is_ignored_header(param) {
            continue;
        }
        let param = parameter(types, param, at, name, builder)?;
        if param.location == ParamLocation::Path {
            path_params.push(param)
        } else {
            others.push(param)
        }
    }
    Ok((path_params, others))
}

/// OpenAPI: header parameters named Accept, Content-Type or Authorization are ignored (the media
/// types and the security scheme decide those).
fn is_ignored_header(param: &Parameter) -> bool {
    matches!(param, Parameter::Header { .. })
        && ["accept", "content-type", "authorization"]
            .contains(&param.parameter_data_ref().name.to_ascii_lowercase().as_str())
}

/// One parameter, named `name`: its type, where it goes and how its value is written.
fn parameter<'a>(types: &mut Types<'a>, param: &'a Parameter, at: &str, name: String, builder: &str) -> Result<Param> {
    let data = param.parameter_data_ref();
    let base = format!("{builder}{}", names::type_name(&data.name));
    let (ty, content) = parameter_type(types, &data.format, &base, at)?;
    let shape = if content { Shape::Other } else { shape(&ty, &types.defs, at)? };
    if let Some(value) = &data.example {
        types.examples.push(Example {
            pointer: join(at, "example"),
            ty: ty.clone(),
            nullable: false,
            value: value.clone(),
        });
    }
    let (explode, location, deep_object) = location_and_style(param);
    let is_path = location == ParamLocation::Path;
    let encoding = match shape {
        Shape::Scalar => ParamEncoding::Plain,
        Shape::Object => ParamEncoding::Object { deep_object },
        // Unions, arrays of objects, `content`: no OpenAPI style writes them; JSON text does.
        Shape::Other => ParamEncoding::Json,
    };
    let sort = order_by_fields(types, data, location, &ty, builder, at);
    Ok(Param {
        sort,
        name,
        wire: data.name.clone(),
        location,
        encoding,
        ty,
        required: data.required || is_path,
        explode,
        separator: separator(param, explode),
        doc: data.description.clone(),
        deprecated: data.deprecated.unwrap_or(false),
    })
}

/// A parameter's type, and whether it came from `content` (one media type whose schema types
/// the value, sent as its JSON text) rather than `schema`.
fn parameter_type<'a>(
    types: &mut Types<'a>,
    format: &'a ParameterSchemaOrContent,
    base: &str,
    at: &str,
) -> Result<(TypeRef, bool)> {
    Ok(match format {
        ParameterSchemaOrContent::Schema(schema) => {
            (types.type_of(SchemaRef::from(schema), base, &join(at, "schema"))?.0, false)
        }
        ParameterSchemaOrContent::Content(content) => {
            let Some((media, item)) = content.first() else {
                return Err(Error::at(join(at, "content"), "a parameter `content` with no media type"));
            };
            let ty = match &item.schema {
                Some(schema) => {
                    types.type_of(SchemaRef::from(schema), base, &join(&join(&join(at, "content"), media), "schema"))?.0
                }
                None => TypeRef::Json,
            };
            (ty, true)
        }
    })
}

/// Where a parameter goes, whether its arrays are exploded, and whether it is a `deepObject`.
///
/// `explode` matters for arrays: in the query, repeated names (`form`'s default) or one
/// comma-joined value; headers (`simple`) and cookies (`form`, one value) join with commas.
fn location_and_style(param: &Parameter) -> (bool, ParamLocation, bool) {
    let data = param.parameter_data_ref();
    match param {
        Parameter::Query { style, .. } => (
            data.explode.unwrap_or(matches!(style, QueryStyle::Form)),
            ParamLocation::Query,
            matches!(style, QueryStyle::DeepObject),
        ),
        Parameter::Path { .. } => (data.explode.unwrap_or(false), ParamLocation::Path, false),
        Parameter::Header { .. } => (data.explode.unwrap_or(false), ParamLocation::Header, false),
        Parameter::Cookie { .. } => (data.explode.unwrap_or(false), ParamLocation::Cookie, false),
    }
}

/// What joins a query array's items when the style is not `form` and the array not exploded
/// (exploded, every style repeats the name).
fn separator(param: &Parameter, explode: bool) -> Option<&'static str> {
    match param {
        Parameter::Query { style: QueryStyle::SpaceDelimited, .. } if !explode => Some(" "),
        Parameter::Query { style: QueryStyle::PipeDelimited, .. } if !explode => Some("|"),
        _ => None,
    }
}

/// For a text `order_by` query parameter whose description lists the fields it sorts by: the
/// open enum of those fields (its name).
fn order_by_fields(
    types: &mut Types<'_>,
    data: &openapiv3::ParameterData,
    location: ParamLocation,
    ty: &TypeRef,
    builder: &str,
    at: &str,
) -> Option<String> {
    (data.name == "order_by" && location == ParamLocation::Query && *ty == TypeRef::String)
        .then(|| data.description.as_deref().and_then(super::sort::sort_fields))
        .flatten()
        .map(|fields| {
            let doc = format!(
                "The fields `{}` sorts by, as the spec's description lists them. Pick a direction with \
                 `.asc()` / `.desc()`; a field alone sorts ascending.",
                data.name
            );
            types.implied_enum(&format!("{builder}OrderBy"), doc, &fields, &join(at, "description"))
        })
}

/// The request body: JSON, else a URL-encoded form, else multipart form data, else the bytes
/// of the first media type listed.
fn request_body<'a>(
    api: &'a OpenAPI,
    types: &mut Types<'a>,
    body: &'a ReferenceOr<openapiv3::RequestBody>,
    builder: &str,
    pointer: &str,
) -> Result<Body> {
    let components = api.components.as_ref();
    let (body, at) =
        resolve(components.map(|c| &c.request_bodies), body, "requestBodies", &join(pointer, "requestBody"))?;
    let base = format!("{builder}Body");
    let preferred = [JSON, FORM, MULTIPART].into_iter().find_map(|name| body.content.get_key_value(name));
    // Any other media type (the first listed): the body is bytes sent with that content type.
    let Some((name, media)) = preferred.or_else(|| body.content.first()) else {
        return Err(Error::at(join(&at, "content"), "a request body with no media type"));
    };
    let media_pointer = join(&join(&at, "content"), name);
    let kind = match name.as_str() {
        MULTIPART => BodyMedia::Multipart,
        FORM => BodyMedia::Form(form_encodings(media)),
        JSON => BodyMedia::Json,
        other => BodyMedia::Raw(other.to_owned()),
    };
    let ty = match &media.schema {
        _ if matches!(kind, BodyMedia::Raw(_)) => TypeRef::Bytes,
        Some(schema) => {
            types.set_multipart(kind.is_multipart());
            let ty = types.type_of(SchemaRef::from(schema), &base, &join(&media_pointer, "schema"));
            types.set_multipart(false);
            ty?.0
        }
        None => TypeRef::Json,
    };
    record_media_examples(types, media, &ty, &media_pointer);
    Ok(Body { ty, media: kind, required: body.required })
}

/// The `encoding` entries of a form body that say how a property is written (a `style` or
/// `explode`); content types and headers of parts do not apply to URL-encoded forms.
///
/// OpenAPI's `explode` defaults to true for `form` and false for the other styles; `openapiv3`
/// reads a missing `explode` as false, so without a `style` the default (form, exploded) is
/// assumed, and `style: form` with `explode` false or missing is read as not exploded.
fn form_encodings(media: &openapiv3::MediaType) -> Vec<FormEncoding> {
    let mut out = Vec::new();
    for (property, encoding) in &media.encoding {
        let (style, explode) = match &encoding.style {
            None => continue,
            Some(openapiv3::QueryStyle::Form) => ("form", encoding.explode),
            Some(openapiv3::QueryStyle::SpaceDelimited) => ("spaceDelimited", encoding.explode),
            Some(openapiv3::QueryStyle::PipeDelimited) => ("pipeDelimited", encoding.explode),
            Some(openapiv3::QueryStyle::DeepObject) => ("deepObject", encoding.explode),
        };
        if style != "form" || !explode {
            out.push(FormEncoding { property: property.clone(), style: style.to_owned(), explode });
        }
    }
    out.sort_by(|a, b| a.property.cmp(&b.property));
    out
}

/// What an operation answers: its success (the lowest 2xx) and its error responses.
struct Responses {
    success_status: u16,
    response: Option<TypeRef>,
    outcomes: Option<Outcomes>,
    errors: Vec<ErrorResponse>,
}

fn responses<'a>(
    api: &'a OpenAPI,
    types: &mut Types<'a>,
    op: &'a openapiv3::Operation,
    builder: &str,
    pointer: &str,
) -> Result<Responses> {
    let components = api.components.as_ref();
    let mut success: Option<(u16, Option<TypeRef>)> = None;
    let mut errors = Vec::new();
    let mut outcomes = Vec::new();
    for (status, response) in &op.responses.responses {
        let code = match status {
            StatusCode::Code(code) => *code,
            StatusCode::Range(range) => range * 100,
        };
        let at = join(&join(pointer, "responses"), status.to_string());
        if (300..400).contains(&code) {
            outcomes.push(Outcome { status: code, name: status_name(code), body: OutcomeBody::Redirect });
            continue;
        }
        if !(200..300).contains(&code) {
            let (response, _) = resolve(components.map(|c| &c.responses), response, "responses", &at)?;
            let schema = response.content.get(JSON).and_then(|m| m.schema.as_ref()).and_then(|s| match s {
                ReferenceOr::Reference { reference } => {
                    reference.strip_prefix("#/components/schemas/").map(str::to_owned)
                }
                ReferenceOr::Item(_) => None,
            });
            errors.push(ErrorResponse { status: code, schema });
            continue;
        }
        let (response, at) = resolve(components.map(|c| &c.responses), response, "responses", &at)?;
        if !response.content.is_empty() && !response.content.contains_key(JSON) {
            // The first media type decides: text for `text/*`, bytes for the rest.
            let text = response.content.keys().next().is_some_and(|media| media.starts_with("text/"));
            outcomes.push(Outcome {
                status: code,
                name: status_name(code),
                body: if text { OutcomeBody::Text } else { OutcomeBody::Bytes },
            });
            continue;
        }
        let base = match at.strip_prefix("#/components/responses/") {
            Some(name) => format!("{}Response", names::type_name(name)),
            None => format!("{builder}Response"),
        };
        let ty = match response.content.get(JSON) {
            Some(media) => {
                let media_pointer = join(&join(&at, "content"), JSON);
                let ty = match &media.schema {
                    Some(schema) => types.type_of(SchemaRef::from(schema), &base, &join(&media_pointer, "schema"))?.0,
                    None => TypeRef::Json,
                };
                record_media_examples(types, media, &ty, &media_pointer);
                Some(ty)
            }
            None => None,
        };
        outcomes.push(Outcome {
            status: code,
            name: status_name(code),
            body: ty.clone().map_or(OutcomeBody::Empty, OutcomeBody::Json),
        });
        if success.as_ref().is_none_or(|(best, _)| code < *best) {
            success = Some((code, ty));
        }
    }
    let (success_status, response) = success.unwrap_or((200, None));
    if op.responses.default.is_some() {
        errors.push(ErrorResponse { status: 0, schema: None });
    }
    outcomes.sort_by_key(|o| o.status);
    // One type for every answer: `send()` returns it, as for most operations.
    let plain = outcomes.iter().all(|o| match &o.body {
        OutcomeBody::Json(ty) => Some(ty) == response.as_ref(),
        OutcomeBody::Empty => response.is_none(),
        _ => false,
    });
    let outcomes = (!plain).then(|| Outcomes { name: format!("{builder}Response"), variants: outcomes });
    Ok(Responses { success_status, response, errors, outcomes })
}

/// A variant name for an answer's status.
fn status_name(code: u16) -> String {
    let name = match code {
        200 => "Ok",
        201 => "Created",
        202 => "Accepted",
        203 => "NonAuthoritative",
        204 => "NoContent",
        206 => "PartialContent",
        300 => "MultipleChoices",
        301 => "MovedPermanently",
        302 => "Found",
        303 => "SeeOther",
        304 => "NotModified",
        307 => "TemporaryRedirect",
        308 => "PermanentRedirect",
        _ => return format!("Status{code}"),
    };
    name.to_owned()
}

/// What a parameter's value is, for how it is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// Strings, numbers, booleans, enums, and arrays of those.
    Scalar,
    /// A struct or a map.
    Object,
    /// Anything else (a union, an array of objects).
    Other,
}

fn shape(ty: &TypeRef, defs: &[crate::model::TypeDef], pointer: &str) -> Result<Shape> {
    use crate::model::TypeKind;
    Ok(match ty {
        TypeRef::String | TypeRef::I32 | TypeRef::I64 | TypeRef::F64 | TypeRef::Bool => Shape::Scalar,
        TypeRef::Map(_) | TypeRef::Json => Shape::Object,
        TypeRef::Bytes => {
            return Err(Error::at(
                pointer,
                "a binary (`format: binary`) parameter: bytes have no text form in a URL or header",
            ))
        }
        TypeRef::Array(inner) => match shape(inner, defs, pointer)? {
            Shape::Scalar if !matches!(**inner, TypeRef::Array(_)) => Shape::Scalar,
            _ => Shape::Other,
        },
        TypeRef::Named(name) => match defs.iter().find(|d| &d.name == name).map(|d| &d.kind) {
            Some(TypeKind::Struct(_)) => Shape::Object,
            Some(TypeKind::Alias(target)) => shape(target, defs, pointer)?,
            Some(TypeKind::Tagged { .. } | TypeKind::Untagged(_)) => Shape::Other,
            Some(TypeKind::Enum(_)) | None => Shape::Scalar,
        },
    })
}

/// Orders path parameters as they appear in the template, checking that each placeholder has one.
fn order_path_params(path: &str, mut params: Vec<Param>, pointer: &str) -> Result<Vec<Param>> {
    let mut ordered = Vec::with_capacity(params.len());
    for placeholder in path.split('{').skip(1).filter_map(|s| s.split_once('}').map(|(name, _)| name)) {
        let index = params
            .iter()
            .position(|p| p.wire == placeholder)
            .ok_or_else(|| Error::at(pointer, format!("path placeholder `{{{placeholder}}}` has no path parameter")))?;
        ordered.push(params.remove(index));
    }
    if let Some(extra) = params.first() {
        return Err(Error::at(pointer, format!("path parameter `{}` does not appear in the path", extra.wire)));
    }
    Ok(ordered)
}

fn record_media_examples(types: &mut Types<'_>, media: &openapiv3::MediaType, ty: &TypeRef, pointer: &str) {
    if let Some(value) = &media.example {
        types.examples.push(Example {
            pointer: join(pointer, "example"),
            ty: ty.clone(),
            nullable: false,
            value: value.clone(),
        });
    }
    for (name, example) in &media.examples {
        if let ReferenceOr::Item(example) = example {
            if let Some(value) = &example.value {
                let at = join(&join(&join(pointer, "examples"), name), "value");
                types.examples.push(Example { pointer: at, ty: ty.clone(), nullable: false, value: value.clone() });
            }
        }
    }
}
