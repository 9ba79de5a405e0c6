//! The intermediate model: what the Rust API looks like, with every name final.
//!
//! Normalization produces it from the spec; emission and the API-surface summary read it.
//! Nothing here refers back to `openapiv3`.

/// The whole API of one spec.
#[derive(Debug, Clone, PartialEq)]
pub struct Api {
    pub title: String,
    /// `info.version`, which for Clerk is the API version date sent as `Clerk-API-Version`.
    pub version: String,
    pub types: Vec<TypeDef>,
    pub groups: Vec<Group>,
    /// Every `example` found on a schema, response or media type, with the type it must decode into.
    pub examples: Vec<Example>,
    /// The document's security schemes, in name order.
    pub security_schemes: Vec<SecurityScheme>,
    /// The value of each received one-value enum that became a `String` alias, by type name
    /// (`UserObject` -> `user`): the alias forgets it, the sync layout needs it.
    pub constants: std::collections::BTreeMap<String, String>,
    /// Type names that changed (`codegen::overrides`), kept one release as deprecated aliases.
    pub type_aliases: Vec<Alias>,
    /// The client type to generate (from the generator's settings).
    pub client: ClientSettings,
}

/// The generated client type: its name and how it is built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientSettings {
    /// Its name; the builder is `<name>Builder`.
    pub name: String,
    pub kind: ClientKind,
}

impl ClientSettings {
    /// The client type's method handing out the runtime's `Client` underneath: `client()` on
    /// the Backend API's `Clerk`; `runtime()` where the API has a group named `client` (the
    /// Frontend API's `FrontendApi::client()` is the `/v1/client` resource).
    pub fn runtime_accessor(&self) -> &'static str {
        match self.kind {
            ClientKind::SecretKey => "client",
            ClientKind::PerInstance => "runtime",
        }
    }
}

impl Default for ClientSettings {
    /// The Backend API's: `Clerk`, built from a secret key.
    fn default() -> ClientSettings {
        ClientSettings { name: "Clerk".to_owned(), kind: ClientKind::SecretKey }
    }
}

/// How a generated client is built.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ClientKind {
    /// From a secret key, sent as a bearer token, to Clerk's production host unless told (the
    /// Backend API): `new(secret_key)`, `from_env()`, `builder(secret_key)`.
    #[default]
    SecretKey,
    /// With the credentials of the spec's schemes only, to a host given per instance (the
    /// Frontend API): `builder()`, whose `base_url` must be set.
    PerInstance,
}

/// An old name kept as a deprecated alias of a new one.
#[derive(Debug, Clone, PartialEq)]
pub struct Alias {
    pub old: String,
    pub new: String,
    /// Why, for the deprecation note (`merged into CommercePlan: it decodes every value`).
    pub note: String,
}

/// A security scheme of the document: how a client may authenticate.
#[derive(Debug, Clone, PartialEq)]
pub struct SecurityScheme {
    /// The scheme's name in the document (`DevBrowser`).
    pub name: String,
    pub doc: Option<String>,
    pub kind: SchemeKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SchemeKind {
    /// `Authorization: Bearer` (HTTP bearer, OAuth 2, OpenID Connect: an access token).
    Bearer,
    /// HTTP Basic.
    Basic,
    /// Another HTTP scheme: `Authorization: <scheme> <credentials>`.
    Authorization(String),
    /// An API key in a header, the query or a cookie, under `name`.
    ApiKey { location: ParamLocation, name: String },
}

#[derive(Debug, Clone, PartialEq)]
pub struct TypeDef {
    /// Rust name, unique among all types.
    pub name: String,
    pub doc: Option<String>,
    pub deprecated: bool,
    /// JSON pointer of the schema this type comes from.
    pub origin: String,
    pub kind: TypeKind,
}

impl TypeDef {
    /// Adds a paragraph at the end of the type's docs.
    pub fn append_doc(&mut self, note: String) {
        self.doc = Some(match self.doc.take() {
            Some(doc) => format!("{}\n\n{note}", doc.trim_end()),
            None => note,
        });
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum TypeKind {
    Struct(Struct),
    /// A string enum, open: unknown values are kept in a catch-all variant.
    Enum(Vec<EnumVariant>),
    /// `oneOf` with a discriminator, or a `oneOf`/`anyOf` whose variants each require a property
    /// `tag` with values of their own (a one-value `enum` such as `strategy: [password]`, an
    /// `enum` of several, at most one open string): dispatch on the value of `tag`.
    Tagged {
        tag: String,
        variants: Vec<UnionVariant>,
    },
    /// `oneOf`/`anyOf` without a discriminator: the first variant that decodes wins.
    Untagged(Vec<UnionVariant>),
    /// A named schema that is not an object (an array, a map, a primitive, another type).
    Alias(TypeRef),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Struct {
    pub fields: Vec<Field>,
    /// Sent as `multipart/form-data`: no serde derives, fields become form parts.
    pub multipart: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub name: String,
    pub wire: String,
    pub ty: TypeRef,
    pub required: bool,
    pub nullable: bool,
    /// Needs a `Box` because the field closes a cycle of directly contained structs.
    pub boxed: bool,
    pub doc: Option<String>,
    pub deprecated: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EnumVariant {
    pub name: String,
    pub wire: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct UnionVariant {
    pub name: String,
    /// The discriminator value for tagged unions; empty for untagged ones. On a tagged union's
    /// open variant (`open_tag`) a label of the values it takes (`oauth_*`), not a value.
    pub tag_value: String,
    /// More values of the tag that select this variant besides `tag_value` (an inferred tag
    /// whose `enum` in this variant has several: `phone_code`, `email_code`).
    pub more_tag_values: Vec<String>,
    /// On the one variant of a tagged union whose tag is an open string (`strategy: string`
    /// beside `strategy: [password]`): it takes the values no other variant names that start
    /// with this prefix (the literal start of the tag's `pattern`, `oauth_`; empty: any value),
    /// and a value it cannot decode is kept as raw JSON (`Unknown`).
    pub open_tag: Option<String>,
    pub ty: TypeRef,
}

impl UnionVariant {
    /// The tag values that select this variant in a tagged union (none for the open variant).
    pub fn tag_values(&self) -> impl Iterator<Item = &str> {
        let named = self.open_tag.is_none().then_some(self.tag_value.as_str());
        named.into_iter().chain(self.more_tag_values.iter().map(String::as_str))
    }
}

/// A reference to a Rust type.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TypeRef {
    String,
    I32,
    I64,
    F64,
    Bool,
    /// `format: binary`: raw bytes (a file part in multipart bodies).
    Bytes,
    /// Free-form JSON.
    Json,
    Named(String),
    Array(Box<TypeRef>),
    /// `additionalProperties` with a schema: string keys to values.
    Map(Box<TypeRef>),
}

impl TypeRef {
    /// The type as Rust code spells it (`Vec<User>`, `HashMap<String, String>`).
    pub fn rust(&self) -> String {
        match self {
            TypeRef::String => "String".into(),
            TypeRef::I32 => "i32".into(),
            TypeRef::I64 => "i64".into(),
            TypeRef::F64 => "f64".into(),
            TypeRef::Bool => "bool".into(),
            TypeRef::Bytes => "FilePart".into(),
            TypeRef::Json => "serde_json::Value".into(),
            TypeRef::Named(name) => name.clone(),
            TypeRef::Array(inner) => format!("Vec<{}>", inner.rust()),
            TypeRef::Map(inner) => format!("HashMap<String, {}>", inner.rust()),
        }
    }
}

/// Operations that share an `x-speakeasy-group`, reached as `clerk.<name>()`.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// snake_case accessor and module name.
    pub name: String,
    /// UpperCamelCase name of the group handle type.
    pub type_name: String,
    pub operations: Vec<Operation>,
    /// Former names of this group (`codegen::overrides`), kept one release as deprecated
    /// accessors that hand out this group's handle.
    pub aliases: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    pub operation_id: String,
    /// snake_case method on the group handle.
    pub method: String,
    /// Former method names (`codegen::overrides`), kept one release as deprecated methods.
    pub aliases: Vec<String>,
    /// UpperCamelCase name of the request builder.
    pub builder: String,
    pub http_method: String,
    pub path: String,
    pub summary: Option<String>,
    pub doc: Option<String>,
    pub deprecated: bool,
    /// Path parameters in the order they appear in the path.
    pub path_params: Vec<Param>,
    /// Query, header and cookie parameters (each with its `location`), in spec order.
    pub params: Vec<Param>,
    pub body: Option<Body>,
    /// Type of the first 2xx response body; `None` when it has none.
    pub response: Option<TypeRef>,
    pub success_status: u16,
    /// Responses the operation declares besides its success.
    pub errors: Vec<ErrorResponse>,
    /// How to walk the pages of a list operation.
    pub pagination: Option<Pagination>,
    /// Every success and redirect answer, when `response` alone cannot say what comes back: a
    /// redirect (3xx), a body that is not JSON, or 2xx answers with different bodies.
    pub outcomes: Option<Outcomes>,
}

impl Operation {
    /// The types of every value the operation serializes: its body, and its object and
    /// `content` parameters.
    pub fn sent(&self) -> impl Iterator<Item = &TypeRef> {
        let params =
            self.path_params.iter().chain(&self.params).filter(|p| p.encoding != ParamEncoding::Plain).map(|p| &p.ty);
        self.body.iter().map(|b| &b.ty).chain(params)
    }

    /// The types of every JSON body the operation may answer with.
    pub fn received(&self) -> impl Iterator<Item = &TypeRef> {
        let outcomes = self.outcomes.iter().flat_map(|o| &o.variants).filter_map(|v| match &v.body {
            OutcomeBody::Json(ty) => Some(ty),
            _ => None,
        });
        self.response.iter().chain(outcomes)
    }
}

/// An operation's answers as an enum, one variant per status.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcomes {
    /// The enum's name (`CreateTokenResponse`), unique in the group's module.
    pub name: String,
    pub variants: Vec<Outcome>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub status: u16,
    /// The variant's name, from the status (`Ok`, `Found`, `Status299`).
    pub name: String,
    pub body: OutcomeBody,
}

#[derive(Debug, Clone, PartialEq)]
pub enum OutcomeBody {
    Json(TypeRef),
    /// `text/*` (such as `text/html`).
    Text,
    /// Any other media type.
    Bytes,
    Empty,
    /// A 3xx: its `Location`, not followed.
    Redirect,
}

/// A list operation: one with `limit` and `offset` or `starting_after`, whose response is an
/// array or a `{data, total_count}` wrapper.
#[derive(Debug, Clone, PartialEq)]
pub struct Pagination {
    pub item: TypeRef,
    /// The wrapper's items field and total, or `None` for a bare array.
    pub wrapper: Option<Wrapper>,
    /// Rust names and types of the paging parameters.
    pub limit: (String, TypeRef),
    pub offset: Option<(String, TypeRef)>,
    /// Set when the operation takes a `starting_after` cursor and items have an `id`.
    pub cursor: Option<CursorPaging>,
}

/// Rust name of a page wrapper's items field, and of its `total_count` with its type.
pub type Wrapper = (String, Option<(String, TypeRef)>);

#[derive(Debug, Clone, PartialEq)]
pub struct CursorPaging {
    /// Rust name of the `starting_after` parameter.
    pub param: String,
    /// Rust name of the `order_by` parameter, when there is one: the cursor needs a
    /// `created_at` ordering.
    pub order_by: Option<String>,
    /// Whether the item's `id` is optional.
    pub id_optional: bool,
}

/// A declared non-success response.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorResponse {
    /// HTTP status; `0` for `default`.
    pub status: u16,
    /// The component schema of its JSON body, when it is a `$ref` (`ClerkErrors`).
    pub schema: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub name: String,
    pub wire: String,
    pub location: ParamLocation,
    /// How the value becomes text: plain for scalars and arrays of scalars.
    pub encoding: ParamEncoding,
    pub ty: TypeRef,
    pub required: bool,
    /// For arrays in the query: `a=1&a=2` (true) or `a=1,2` (false).
    pub explode: bool,
    /// For arrays in the query, not exploded, of the `spaceDelimited` or `pipeDelimited` style:
    /// what joins the items instead of a comma.
    pub separator: Option<&'static str>,
    pub doc: Option<String>,
    pub deprecated: bool,
    /// For an `order_by` whose description lists the fields it accepts: the open enum of those
    /// fields. The value is still sent as text (`-created_at`).
    pub sort: Option<String>,
}

/// How a parameter's value is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamEncoding {
    /// Scalars and arrays of scalars.
    Plain,
    /// An object (a struct or a map) in OpenAPI's styles: in the query `form` (exploded: one
    /// field per property) or `deepObject` (`name[key]=value`); in a header or cookie the
    /// `simple`/`form` text (`k,v,k2,v2`, exploded `k=v,k2=v2`).
    Object { deep_object: bool },
    /// A parameter given with `content`: the value as JSON text.
    Json,
}

/// Where a parameter is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamLocation {
    Path,
    Query,
    Header,
    Cookie,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Body {
    pub ty: TypeRef,
    pub media: BodyMedia,
    pub required: bool,
}

/// How a request body is sent.
#[derive(Debug, Clone, PartialEq)]
pub enum BodyMedia {
    /// `application/json`.
    Json,
    /// `multipart/form-data`: the body type is a struct of parts.
    Multipart,
    /// `application/x-www-form-urlencoded`, with the spec's `encoding` of the properties that
    /// have one (others: `style: form`, `explode: true`).
    Form(Vec<FormEncoding>),
    /// Any other media type (`application/octet-stream`, `image/png`, `text/plain`): the bytes
    /// as given, sent with this content type.
    Raw(String),
}

impl BodyMedia {
    pub fn is_multipart(&self) -> bool {
        matches!(self, BodyMedia::Multipart)
    }
}

/// A form body property's `encoding`: how arrays and objects become form fields.
#[derive(Debug, Clone, PartialEq)]
pub struct FormEncoding {
    /// The property's wire name.
    pub property: String,
    /// `form` (the default), `spaceDelimited`, `pipeDelimited` or `deepObject`.
    pub style: String,
    pub explode: bool,
}

/// An example value from the spec and the type it must decode into.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    pub pointer: String,
    pub ty: TypeRef,
    pub nullable: bool,
    pub value: serde_json::Value,
}

/// The names of the types reachable from `roots` (through fields, union variants, aliases,
/// arrays and maps).
pub fn reachable<'a>(
    roots: impl IntoIterator<Item = &'a TypeRef>,
    defs: &'a [TypeDef],
) -> std::collections::HashSet<&'a str> {
    let by_name: std::collections::HashMap<&str, &TypeDef> = defs.iter().map(|d| (d.name.as_str(), d)).collect();
    let mut seen = std::collections::HashSet::new();
    let mut stack: Vec<&TypeRef> = roots.into_iter().collect();
    while let Some(ty) = stack.pop() {
        match ty {
            TypeRef::Array(inner) | TypeRef::Map(inner) => stack.push(inner),
            TypeRef::Named(name) => {
                let Some(def) = by_name.get(name.as_str()) else { continue };
                if !seen.insert(def.name.as_str()) {
                    continue;
                }
                match &def.kind {
                    TypeKind::Struct(s) => stack.extend(s.fields.iter().map(|f| &f.ty)),
                    TypeKind::Tagged { variants, .. } | TypeKind::Untagged(variants) => {
                        stack.extend(variants.iter().map(|v| &v.ty))
                    }
                    TypeKind::Alias(target) => stack.push(target),
                    TypeKind::Enum(_) => {}
                }
            }
            _ => {}
        }
    }
    seen
}
