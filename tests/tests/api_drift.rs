//! API drift reports: each change kind on small hand-written spec pairs, and the committed
//! reports between consecutive pinned API versions (insta snapshots in `docs/api-changes/`).

use clerk_api_tests::{read_spec, BAPI_VERSIONS};
use codegen::diff::{diff, render, Change, Report, Section};

/// A small spec: one `things` group with a list and a create operation, and a `Thing` type.
/// Each test edits the YAML text to make the other side.
const BASE: &str = r#"
openapi: 3.0.3
info: {title: Drift fixture, version: '2000-01-01'}
paths:
  /things:
    get:
      operationId: ListThings
      x-speakeasy-group: things
      x-speakeasy-name-override: list
      parameters:
        - {name: owner, in: query, required: true, schema: {type: string}}
        - {name: limit, in: query, schema: {type: integer}}
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: array, items: {$ref: '#/components/schemas/Thing'}}}}}
    post:
      operationId: CreateThing
      x-speakeasy-group: things
      x-speakeasy-name-override: create
      requestBody:
        required: true
        content: {application/json: {schema: {$ref: '#/components/schemas/NewThing'}}}
      responses:
        '200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Thing'}}}}
components:
  schemas:
    Thing:
      type: object
      required: [id, size]
      properties:
        id: {type: string}
        size: {type: integer}
        label: {type: string}
        color: {type: string, enum: [red, blue]}
    NewThing:
      type: object
      required: [name]
      properties:
        name: {type: string}
        note: {type: string}
"#;

fn api(spec: &str) -> codegen::model::Api {
    codegen::load(spec).and_then(|d| codegen::normalize(&d)).expect("fixture spec")
}

fn changes(new: &str) -> Report {
    diff(&api(BASE), &api(new))
}

fn edit(from: &str, to: &str) -> String {
    assert!(BASE.contains(from), "fixture lacks {from:?}");
    BASE.replacen(from, to, 1)
}

/// The one change of a report, which must have exactly one.
fn only(report: &Report) -> &Change {
    assert_eq!(report.changes.len(), 1, "{report:#?}");
    &report.changes[0]
}

#[test]
fn a_spec_compared_with_itself_has_no_changes() {
    let report = changes(BASE);
    assert!(report.is_empty(), "{report:#?}");
    assert_eq!(render(&report, "a", "a"), "# Rust API changes: `a` -> `a`\n\nNo changes to the generated Rust API.\n");
}

#[test]
fn operations_added_and_removed() {
    let added = BASE.replace(
        "components:",
        "  /things/{id}:\n    delete:\n      operationId: DeleteThing\n      x-speakeasy-group: things\n      x-speakeasy-name-override: delete\n      parameters:\n        - {name: id, in: path, required: true, schema: {type: string}}\n      responses:\n        '200': {description: ok}\ncomponents:",
    );
    let change = only(&changes(&added)).clone();
    assert_eq!(
        (change.breaking, change.section, change.subject.as_str()),
        (false, Section::Operations, "`DELETE /things/{id}`")
    );
    assert!(change.what.contains("clerk.things().delete()"), "{change:?}");
    let removed = diff(&api(&added), &api(BASE));
    let change = only(&removed);
    assert!(change.breaking && change.what.starts_with("removed"), "{change:?}");
    assert_eq!(change.fix.as_deref(), Some("remove calls to `clerk.things().delete()`"));
}

#[test]
fn operations_renamed_and_moved_between_groups() {
    let renamed = changes(&edit("x-speakeasy-name-override: list", "x-speakeasy-name-override: list_all"));
    let change = only(&renamed);
    assert!(change.breaking && change.what == "renamed from `list` to `list_all`", "{change:?}");
    assert_eq!(change.fix.as_deref(), Some("`clerk.things().list()` is now `clerk.things().list_all()`"));
    let moved = changes(&edit(
        "x-speakeasy-group: things\n      x-speakeasy-name-override: create",
        "x-speakeasy-group: items\n      x-speakeasy-name-override: create",
    ));
    let change = only(&moved);
    assert!(change.breaking && change.what == "moved from group `things` to `items`", "{change:?}");
    assert_eq!(change.fix.as_deref(), Some("`clerk.things().create()` is now `clerk.items().create()`"));
}

#[test]
fn parameters_added_removed_made_required_and_retyped() {
    let optional = changes(&edit(
        "- {name: limit,",
        "- {name: offset, in: query, schema: {type: integer}}\n        - {name: limit,",
    ));
    assert!(
        !only(&optional).breaking && only(&optional).what.contains("optional query parameter `offset` added"),
        "{optional:#?}"
    );
    let required = changes(&edit(
        "- {name: limit,",
        "- {name: kind, in: query, required: true, schema: {type: string}}\n        - {name: limit,",
    ));
    let change = only(&required);
    assert!(
        change.breaking && change.fix.as_deref() == Some("`clerk.things().list()` takes a new argument `kind: String`"),
        "{change:?}"
    );
    let removed = changes(&edit("        - {name: limit, in: query, schema: {type: integer}}\n", ""));
    assert!(only(&removed).breaking && only(&removed).what == "query parameter `limit` removed", "{removed:#?}");
    let made_required =
        changes(&edit("{name: limit, in: query, schema", "{name: limit, in: query, required: true, schema"));
    let change = only(&made_required);
    assert!(change.breaking && change.what == "query parameter `limit` made required", "{change:?}");
    let retyped = changes(&edit(
        "{name: limit, in: query, schema: {type: integer}}",
        "{name: limit, in: query, schema: {type: string}}",
    ));
    let change = only(&retyped);
    assert!(
        change.breaking && change.what == "query parameter `limit` type changed from `i64` to `String`",
        "{change:?}"
    );
    assert_eq!(change.fix.as_deref(), Some("`clerk.things().list()`: pass `String` for `limit`"));
}

#[test]
fn fields_added_removed_retyped_and_optionality_changes() {
    // Added to a response type: non-breaking. Required and added to a request body: breaking.
    let response_field = changes(&edit(
        "        label: {type: string}\n",
        "        label: {type: string}\n        weight: {type: number}\n",
    ));
    assert!(
        !only(&response_field).breaking && only(&response_field).what == "field `weight: Option<f64>` added",
        "{response_field:#?}"
    );
    let request_field = changes(
        &edit("      required: [name]\n", "      required: [name, kind]\n")
            .replace("        note: {type: string}\n", "        note: {type: string}\n        kind: {type: string}\n"),
    );
    let change = only(&request_field);
    assert!(
        change.breaking && change.fix.as_deref() == Some("struct literals of `types::NewThing` must set `kind`"),
        "{change:?}"
    );

    let removed = changes(&edit("        label: {type: string}\n", ""));
    let change = only(&removed);
    assert!(change.breaking && change.fix.as_deref() == Some("`types::Thing::label` no longer exists"), "{change:?}");
    let retyped = changes(&edit("size: {type: integer}", "size: {type: string}"));
    assert!(
        only(&retyped).breaking && only(&retyped).what == "field `size` type changed: `i64` -> `String`",
        "{retyped:#?}"
    );
    let made_required = changes(&edit("required: [id, size]", "required: [id, size, label]"));
    assert!(
        only(&made_required).breaking
            && only(&made_required).what == "field `label` made required: `Option<String>` -> `String`",
        "{made_required:#?}"
    );
    let made_optional = changes(&edit("required: [id, size]", "required: [id]"));
    assert!(
        only(&made_optional).breaking
            && only(&made_optional).what == "field `size` made optional: `i64` -> `Option<i64>`",
        "{made_optional:#?}"
    );
    let nullable = changes(&edit("size: {type: integer}", "size: {type: integer, nullable: true}"));
    assert!(
        only(&nullable).breaking && only(&nullable).what == "field `size` made optional: `i64` -> `Option<i64>`",
        "{nullable:#?}"
    );
    // Nullable on a field that is already optional: the Rust type stays `Option<String>`.
    let still_option = changes(&edit("label: {type: string}", "label: {type: string, nullable: true}"));
    let change = only(&still_option);
    assert!(
        !change.breaking
            && change.what == "field `label` went from optional to optional, nullable (still `Option<String>`)",
        "{change:?}"
    );
}

#[test]
fn enum_values_and_types_added_and_removed() {
    let added = changes(&edit("enum: [red, blue]", "enum: [red, blue, green]"));
    assert!(!only(&added).breaking && only(&added).what.starts_with("value `green` added"), "{added:#?}");
    // (Three values to two: a received enum of one value would become a `String` constant.)
    let removed = diff(
        &api(&edit("enum: [red, blue]", "enum: [red, blue, green]")),
        &api(&edit("enum: [red, blue]", "enum: [red, green]")),
    );
    let change = only(&removed);
    assert!(change.breaking && change.what == "value `blue` removed", "{change:?}");
    let constant = changes(&edit("enum: [red, blue]", "enum: [red]"));
    assert!(
        only(&constant).what.contains("enum") && only(&constant).what.contains("alias"),
        "one value left: the enum becomes a `String` constant: {constant:#?}"
    );
    assert!(change.fix.as_deref().is_some_and(|f| f.contains("`types::ThingColor::Blue`")), "{change:?}");

    let with_type =
        BASE.to_owned() + "    Gadget:\n      type: object\n      properties:\n        id: {type: string}\n";
    let change = only(&changes(&with_type)).clone();
    assert_eq!((change.breaking, change.subject.as_str(), change.what.as_str()), (false, "`Gadget`", "struct added"));
    let change = only(&diff(&api(&with_type), &api(BASE))).clone();
    assert_eq!((change.breaking, change.fix.as_deref()), (true, Some("`types::Gadget` no longer exists")));
}

#[test]
fn reports_are_sorted_breaking_first_and_deterministic() {
    let new = edit("enum: [red, blue]", "enum: [red, green]")
        .replace("x-speakeasy-name-override: list", "x-speakeasy-name-override: list_all");
    let report = changes(&new);
    assert!(report.changes.windows(2).all(|w| w[0].breaking >= w[1].breaking), "{report:#?}");
    let text = render(&report, "old", "new");
    assert_eq!(text, render(&changes(&new), "old", "new"));
    assert!(
        text.find("## Breaking changes").expect("breaking")
            < text.find("## Non-breaking changes").expect("non-breaking"),
        "{text}"
    );
}

/// Snapshots in `docs/api-changes/`, named by the caller, holding only the report.
fn api_changes_settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(clerk_api_tests::workspace_root().join("docs/api-changes"));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings
}

/// The committed reports: one per consecutive pair of pinned versions.
#[test]
fn reports_between_consecutive_api_versions() {
    // As `cargo xtask diff` reports them: with the names clerk-api uses (the overrides applied).
    let apis: Vec<_> =
        BAPI_VERSIONS.iter().map(|v| clerk_api_tests::pinned_api(&format!("bapi/{v}.yml")).expect("spec")).collect();
    let settings = api_changes_settings();
    settings.bind(|| {
        for (pair, window) in BAPI_VERSIONS.windows(2).zip(apis.windows(2)) {
            let report = render(&diff(&window[0], &window[1]), pair[0], pair[1]);
            insta::assert_snapshot!(format!("{}_to_{}", pair[0], pair[1]), report);
        }
    });
}

/// What `spec/overrides.yaml` renames, as a drift report from the spec's own names to the
/// names clerk-api uses (every old name is still there one release, deprecated).
#[test]
fn report_of_the_names_the_overrides_change() {
    let spec = read_spec("bapi/2026-05-12.yml").expect("spec");
    let spec_names = api(&spec);
    let ours = clerk_api_tests::pinned_api("bapi/2026-05-12.yml").expect("spec");
    let report = diff(&spec_names, &ours);
    let renamed =
        |from: &str, to: &str| report.changes.iter().any(|c| c.what == format!("renamed from `{from}` to `{to}`"));
    assert!(renamed("get_api_keys", "list") && renamed("get_o_auth_access_token", "get_oauth_access_token"));
    let settings = api_changes_settings();
    settings.bind(|| {
        insta::assert_snapshot!(
            "2026-05-12_overrides",
            render(&report, "2026-05-12 (spec names)", "2026-05-12 (clerk-api names, old ones deprecated)")
        );
    });
}

/// What `spec/overrides-frontend.yaml` renames, as a drift report from the Frontend API spec's
/// own names to the names clerk-fapi uses (a new crate: the spec's names were never published,
/// so no deprecated aliases).
#[test]
fn report_of_the_names_the_frontend_overrides_change() {
    let spec_names = api(&read_spec("fapi/2026-05-12.yml").expect("spec"));
    let ours = clerk_api_tests::pinned_frontend_generator().expect("spec").api().clone();
    let report = diff(&spec_names, &ours);
    let renamed =
        |from: &str, to: &str| report.changes.iter().any(|c| c.what == format!("renamed from `{from}` to `{to}`"));
    assert!(renamed("get_session", "get") && renamed("remove_client_sessions_and_retain_cookie", "remove_all"));
    let settings = api_changes_settings();
    settings.bind(|| {
        insta::assert_snapshot!(
            "fapi_2026-05-12_overrides",
            render(&report, "2026-05-12 (Frontend API spec names)", "2026-05-12 (clerk-fapi names)")
        );
    });
}

#[test]
fn spot_checks_on_the_real_versions() {
    let old = api(&read_spec("bapi/2025-03-12.yml").expect("spec"));
    let new = api(&read_spec("bapi/2025-11-10.yml").expect("spec"));
    let report = diff(&old, &new);
    // Every operation of 2025-11-10 missing from 2025-03-12 is listed as added.
    let paths = |a: &codegen::model::Api| {
        a.groups
            .iter()
            .flat_map(|g| g.operations.iter().map(|o| format!("`{} {}`", o.http_method, o.path)))
            .collect::<std::collections::BTreeSet<_>>()
    };
    let (before, after) = (paths(&old), paths(&new));
    let added: std::collections::BTreeSet<String> = report
        .changes
        .iter()
        .filter(|c| c.section == Section::Operations && c.what.starts_with("added"))
        .map(|c| c.subject.clone())
        .collect();
    assert_eq!(added, after.difference(&before).cloned().collect());
    assert!(!added.is_empty());
    // A field removed between two versions is breaking and names the Rust path.
    let latest = diff(
        &api(&read_spec("bapi/2025-11-10.yml").expect("spec")),
        &api(&read_spec("bapi/2026-05-12.yml").expect("spec")),
    );
    let removed = latest
        .changes
        .iter()
        .find(|c| c.subject == "`UpdateUserBody`" && c.what == "field `public_metadata` removed")
        .expect("UpdateUserBody.public_metadata removed");
    assert!(removed.breaking);
    assert_eq!(removed.fix.as_deref(), Some("`types::UpdateUserBody::public_metadata` no longer exists"));
}
