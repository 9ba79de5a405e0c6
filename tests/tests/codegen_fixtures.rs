//! The generator on small hand-written specs, one per family of schema constructs: the
//! generated Rust is checked in as one file per fixture (`tests/fixtures/generated/`, the
//! compiled snapshot that `fixture_crates.rs` builds), and each test holds it to what the
//! generator produces now; `cargo xtask generate-all` also compiles each fixture as a crate.
//! Bad input gives an error that points at the offending node.

use std::path::Path;

/// Fails when the checked-in compiled snapshot of `fixture` is not what the generator writes
/// (run `cargo xtask regen`, and review the diff).
fn assert_snapshot_current(fixture: &str) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let spec = std::fs::read_to_string(dir.join(fixture)).unwrap();
    let source = codegen::Source { path: format!("tests/fixtures/{fixture}"), origin: "fixture".into() };
    let fresh = generator(&spec, &source).single_file().unwrap();
    let stem = fixture.trim_end_matches(".yaml");
    let checked_in = std::fs::read_to_string(dir.join("generated").join(format!("{stem}.rs"))).unwrap_or_default();
    assert!(checked_in == fresh, "tests/fixtures/generated/{stem}.rs is stale: run `cargo xtask regen`");
}

/// The generator of a fixture spec, as `cargo xtask regen` builds it for the snapshots.
fn generator(spec: &str, source: &codegen::Source) -> codegen::Generator {
    codegen::Generator::new(spec, source, &codegen::Overrides::default(), &codegen::GenerationSettings::default())
        .unwrap()
}

fn generate(fixture: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(fixture);
    let spec = std::fs::read_to_string(&path).unwrap();
    let source = codegen::Source { path: format!("tests/fixtures/{fixture}"), origin: "fixture".into() };
    let files = generator(&spec, &source).files().unwrap();
    files
        .iter()
        .filter(|f| f.path != "mod.rs" && f.path != "client.rs")
        .map(|f| format!("// ===== {} =====\n{}", f.path, f.contents))
        .collect()
}

#[test]
fn objects() {
    let code = generate("objects.yaml");
    // Required and not nullable: the bare type. Required and nullable: Option, always sent.
    // Optional: Option, left out when None.
    assert!(code.contains("pub id: String,"));
    assert!(code.contains("    pub parent_id: Option<String>,"));
    // Widget is reached by no operation, so its serde attributes only apply with `full-serde`.
    assert!(code.contains("skip_serializing_if = \"Option::is_none\"))]\n    pub nickname: Option<String>,"), "{code}");
    assert!(
        code.contains("pub r#type: String,") && code.contains("serde(rename = \"self\"))]\n    pub self_: String,")
    );
    // Deserialize is written out: required fields must be present, optional ones may be null.
    assert!(code.contains("id: runtime::required(field0, \"id\")?,"), "{code}");
    assert!(code.contains("\"self\" => runtime::next_value(&mut map, &mut field2)?,"), "{code}");
    assert!(code.contains("nickname: field7.flatten(),"), "{code}");
    assert!(code.contains("pub count: i32,") && code.contains("pub created_at: i64,"));
    assert!(code.contains("pub limits: Option<std::collections::BTreeMap<String, i64>>,"));
    assert!(code.contains("pub metadata: Option<serde_json::Value>,"));
    assert!(code.contains("#[deprecated]"));
    assert!(!code.contains("deny_unknown_fields"), "additionalProperties: false must not reject new fields");
    assert!(code.contains("```text"), "unlabelled fences are labelled text");
    assert!(code.contains("pub next: Option<Box<Node>>,"), "a struct containing itself is boxed");
    assert!(code.contains("pub children: Option<Vec<Node>>,"), "a Vec needs no box");
    assert!(code.contains("pub battery: i64,") && code.contains("pub struct Gadget"), "allOf merges properties");
    assert!(code.contains("pub widget: Option<Widget>,"), "allOf of one $ref with nullable is that type, optional");
    assert!(code.contains("pub type Ids = Vec<String>;"));
    // Credentials print as [redacted]: Widget gets a written-out Debug.
    assert!(code.contains("&self.access_token.as_ref().map(|_| runtime::Redacted)"), "{code}");
    assert!(code.contains(".field(\"default_token\", &self.default_token)"), "{code}");
    assert_snapshot_current("objects.yaml");
}

#[test]
fn enums() {
    let code = generate("enums.yaml");
    assert!(code.contains("#[non_exhaustive]\npub enum Status {"));
    assert!(code.contains("Self::PendingReview => \"pending-review\","));
    assert!(code.contains("\"2fa\" => Self::V2fa,"));
    assert!(code.contains("\"\" => Self::Empty,"));
    assert!(code.contains("\"unknown\" => Self::Unknown2,"), "the catch-all keeps the name Unknown");
    assert!(code.contains("other => Self::Unknown(other.to_owned()),"));
    assert!(code.contains("runtime::open_enum_impls!(Status);"));
    assert!(code.contains("pub always: Option<bool>,") && code.contains("pub level: Option<i64>,"));
    assert_snapshot_current("enums.yaml");
}

#[test]
fn unions() {
    let code = generate("unions.yaml");
    assert!(code.contains("runtime::tagged::<D>(deserializer, \"object\")?"));
    assert!(code.contains("Some(\"otp\") => runtime::variant::<_, D>(value).map(Self::Otp),"), "{code}");
    assert!(
        code.contains("Some(\"verification_otp\") => runtime::variant::<_, D>(value).map(Self::Otp),"),
        "without a mapping the tag comes from the variant's enum"
    );
    assert!(code.contains("_ => Ok(Self::Unknown(value)),"));
    // Inline alternatives: variants and their types named after their content, not their position.
    for (variant, ty) in [
        ("MagicLink", "InlineMagicLink"),
        ("OauthToken", "InlineOauthToken"),
        ("Active", "InlineActive"),
        ("Variant4", "InlineVariant4"),
    ] {
        assert!(code.contains(&format!("    {variant}({ty}),")), "{variant}({ty}) in {code}");
    }
    assert!(
        code.contains("serde(untagged))]\n#[non_exhaustive]\npub enum Loose {\n    Otp(Otp),\n    Admin(Admin),\n    String(String),\n    /// A shape no variant of this version of the crate matches, as raw JSON.\n    Unknown(serde_json::Value),\n}"),
        "an untagged union tries its variants, then keeps any other shape as raw JSON: {code}"
    );
    assert!(code.contains("pub struct Constrained"), "anyOf of bare `required` lists is only a constraint");
    assert!(code.contains("pub error: Option<Admin>,"), "oneOf of one is that type");
    assert_snapshot_current("unions.yaml");
}

#[test]
fn operations() {
    let code = generate("operations.yaml");
    assert!(code.contains("pub fn list(&self, owner: impl Into<String>) -> ListThings"));
    assert!(code.contains("request.query_list(\"tag\", self.tag.as_deref(), true);"));
    assert!(code.contains("request.query_list(\"ids\", self.ids.as_deref(), false);"));
    assert!(code.contains("pub fn frontend_api_2(") && code.contains("pub fn frontend_api("));
    // A struct body's required fields are arguments, the struct built from them.
    assert!(code.contains("pub fn create(&self, name: impl Into<String>) -> CreateThing"), "{code}");
    assert!(code.contains("body: types::CreateThingBody {") && code.contains("name: name.into(),"), "{code}");
    // Request types always serialize, response types always deserialize; the other direction
    // only with the `full-serde` feature.
    assert!(code.contains("#[derive(serde::Serialize)]\npub struct CreateThingBody"), "{code}");
    assert!(code.contains("#[cfg(feature = \"full-serde\")]\n#[allow(deprecated)]\nimpl<'de> serde::Deserialize<'de> for CreateThingBody"), "{code}");
    assert!(
        code.contains("#[cfg_attr(feature = \"full-serde\", derive(serde::Serialize))]\npub struct Thing"),
        "{code}"
    );
    assert!(code.contains("}\n#[allow(deprecated)]\nimpl<'de> serde::Deserialize<'de> for Thing"), "{code}");
    // Path parameters come in path order, whatever the order they are declared in.
    assert!(code.contains("pub fn delete_thing_part(\n        &self,\n        thing_id: impl Into<String>,\n        part_id: i64,\n    )"), "{code}");
    assert!(code.contains("format!(\n                \"/things/{}/parts/{}\""));
    assert!(code.contains("runtime::send_empty(client, request)"), "{code}");
    assert!(code.contains("impl std::future::IntoFuture for DeleteThingPart"), "{code}");
    assert!(code.contains("request.multipart(self.body.into_multipart());"));
    assert!(code.contains("pub file: runtime::FilePart,"));
    assert!(code.contains("pub mod thing_parts;"), "operations without x-speakeasy-group use their first tag");
    assert_snapshot_current("operations.yaml");
}

fn error_of(spec: &str) -> codegen::Error {
    codegen::load(spec).and_then(|d| codegen::normalize(&d)).unwrap_err()
}

#[test]
fn invalid_yaml_is_located_by_line_and_column() {
    let error = error_of("openapi: 3.0.3\ninfo: [unclosed\n");
    assert_eq!(error.location, "line 3 column 1", "{error}");
    assert!(error.message.contains("flow sequence at line 2"), "{error}");
}

#[test]
fn swagger_2_is_refused() {
    let error = error_of("swagger: '2.0'\ninfo: {title: x, version: '1'}\npaths: {}\n");
    assert_eq!(error.location, "#/openapi");
}

#[test]
fn unresolvable_refs_are_located_by_pointer() {
    let spec = "openapi: 3.0.3\ninfo: {title: x, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n    A:\n      type: object\n      properties:\n        b: {$ref: '#/components/schemas/Missing'}\n";
    let error = error_of(spec);
    assert_eq!(error.location, "#/components/schemas/A/properties/b");
    assert!(error.message.contains("#/components/schemas/Missing"), "{error}");
}

#[test]
fn unsupported_constructs_are_located_by_pointer() {
    // (A `text/plain` body is bytes with that media type; a body without any is refused.)
    let spec = "openapi: 3.0.3\ninfo: {title: x, version: '1'}\npaths:\n  /a:\n    post:\n      requestBody:\n        content: {}\n      responses: {'200': {description: ok}}\n";
    let error = error_of(spec);
    assert_eq!(error.location, "#/paths/~1a/post/requestBody/content");
    assert!(error.message.contains("no media type"), "{error}");
    let spec = "openapi: 3.0.3\ninfo: {title: x, version: '1'}\npaths:\n  /a/{id}:\n    get:\n      responses: {'200': {description: ok}}\n";
    let error = error_of(spec);
    assert_eq!(error.location, "#/paths/~1a~1{id}/get");
    assert!(error.message.contains("{id}"), "{error}");
}

#[test]
fn malformed_nodes_are_located_by_pointer() {
    let spec = "openapi: 3.0.3\ninfo: {title: x, version: '1'}\npaths:\n  /a:\n    get:\n      responses: 7\n";
    let error = error_of(spec);
    assert!(error.location.starts_with("#/paths/~1a/get"), "{error}");
}

#[test]
fn path_item_refs_that_cannot_be_followed_are_located() {
    let spec = |reference: &str| {
        format!("openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\npaths:\n  /a:\n    $ref: '{reference}'\n")
    };
    let external = error_of(&spec("other.yaml#/paths/~1a"));
    assert_eq!(external.location, "#/paths/~1a/$ref", "{external}");
    assert!(external.message.contains("another file"), "{external}");
    let missing = error_of(&spec("#/components/x-path-items/Nope"));
    assert!(missing.message.contains("points to nothing"), "{missing}");
    let cycle = error_of(&spec("#/paths/~1a"));
    assert!(cycle.message.contains("nested more than 8 deep"), "{cycle}");
}
