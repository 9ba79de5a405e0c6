//! One snapshot per pinned Backend API version of the Rust API generated from it: a line per
//! operation and per type. A change between versions, or in the generator, shows up as a
//! snapshot diff in review.

fn surface(version: &str) -> String {
    clerk_api_tests::pinned_generator(&format!("bapi/{version}.yml")).unwrap().surface()
}

macro_rules! surface_snapshot {
    ($($test:ident => $version:literal,)*) => {$(
        #[test]
        fn $test() {
            insta::assert_snapshot!(concat!("surface_", $version), surface($version));
        }
    )*};
}

surface_snapshot! {
    surface_2021_02_05 => "2021-02-05",
    surface_2024_10_01 => "2024-10-01",
    surface_2025_03_12 => "2025-03-12",
    surface_2025_04_10 => "2025-04-10",
    surface_2025_11_10 => "2025-11-10",
    surface_2026_05_12 => "2026-05-12",
}

/// The Frontend API's, as clerk-fapi is generated.
#[test]
fn frontend_surface_2026_05_12() {
    insta::assert_snapshot!(
        "frontend_surface_2026-05-12",
        clerk_api_tests::pinned_frontend_generator().unwrap().surface()
    );
}

#[test]
fn newest_version_has_every_operation_and_component_schema() {
    let spec = clerk_api_tests::read_spec("bapi/2026-05-12.yml").unwrap();
    let document = codegen::load(&spec).unwrap();
    let api = codegen::normalize(&document).unwrap();
    let operations: usize = api.groups.iter().map(|g| g.operations.len()).sum();
    assert_eq!(operations, 249);
    let components = &document.components.as_ref().unwrap().schemas;
    assert_eq!(components.len(), 167);
    let origins: std::collections::HashSet<&str> = api.types.iter().map(|t| t.origin.as_str()).collect();
    for name in components.keys() {
        let pointer = format!("#/components/schemas/{}", name.replace('~', "~0").replace('/', "~1"));
        assert!(origins.contains(pointer.as_str()), "component schema {name} has no generated type");
    }
}

#[test]
fn generation_is_deterministic() {
    let spec = clerk_api_tests::read_spec("bapi/2026-05-12.yml").unwrap();
    let source = codegen::Source { path: "bapi/2026-05-12.yml".into(), origin: "test".into() };
    let files = || {
        codegen::Generator::new(&spec, &source, &codegen::Overrides::default(), &codegen::GenerationSettings::default())
            .and_then(|generator| generator.files())
            .unwrap()
    };
    assert_eq!(files(), files());
}

#[test]
fn operations_are_named_like_the_official_sdks() {
    let spec = clerk_api_tests::read_spec("bapi/2026-05-12.yml").unwrap();
    let api = codegen::normalize(&codegen::load(&spec).unwrap()).unwrap();
    let find = |group: &str, method: &str| {
        api.groups
            .iter()
            .find(|g| g.name == group)
            .and_then(|g| g.operations.iter().find(|o| o.method == method))
            .map(|o| format!("{} {}", o.http_method, o.path))
    };
    assert_eq!(find("users", "list").as_deref(), Some("GET /users"));
    assert_eq!(find("users", "get").as_deref(), Some("GET /users/{user_id}"));
    assert_eq!(find("organizations", "create").as_deref(), Some("POST /organizations"));
    // Operations without x-speakeasy names fall back to their tag and operationId.
    assert_eq!(find("api_keys", "get_api_keys").as_deref(), Some("GET /api_keys"));
    // Colliding parameter names after case conversion get distinct Rust names.
    let interstitial =
        api.groups.iter().flat_map(|g| &g.operations).find(|o| o.operation_id == "GetPublicInterstitial").unwrap();
    let names: Vec<(&str, &str)> = interstitial.params.iter().map(|p| (p.name.as_str(), p.wire.as_str())).collect();
    assert!(
        names.contains(&("frontend_api_2", "frontendApi")) && names.contains(&("frontend_api", "frontend_api")),
        "{names:?}"
    );
}

#[test]
fn every_list_operation_can_be_streamed() {
    let spec = clerk_api_tests::read_spec("bapi/2026-05-12.yml").unwrap();
    let api = codegen::normalize(&codegen::load(&spec).unwrap()).unwrap();
    let operations: Vec<_> = api.groups.iter().flat_map(|g| &g.operations).collect();
    // A list operation: `limit` with `offset` or `starting_after`.
    let lists: Vec<_> = operations
        .iter()
        .filter(|op| {
            let has = |name: &str| op.params.iter().any(|p| p.wire == name);
            has("limit") && (has("offset") || has("starting_after"))
        })
        .collect();
    assert_eq!(lists.len(), 37);
    let missing: Vec<&str> =
        lists.iter().filter(|op| op.pagination.is_none()).map(|op| op.operation_id.as_str()).collect();
    assert!(missing.is_empty(), "list operations without into_stream: {missing:?}");
    let cursor: Vec<&str> = lists
        .iter()
        .filter(|op| op.pagination.as_ref().is_some_and(|p| p.cursor.is_some()))
        .map(|op| op.operation_id.as_str())
        .collect();
    assert_eq!(cursor, ["GetUserList"], "only the user list takes a starting_after cursor");
}
