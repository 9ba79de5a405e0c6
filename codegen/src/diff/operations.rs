//! Operation changes: added, removed, renamed, moved, parameters, bodies and responses.

use super::{rust_type, through_aliases, Change, Section, ALIAS_KEPT};
use crate::emit::body::{self, Structs};
use crate::model::{Api, Group, Operation, Param};
use std::collections::BTreeMap;

/// Operations by HTTP method and path, the identity that survives renames.
fn index(api: &Api) -> BTreeMap<(String, String), (&Group, &Operation)> {
    api.groups
        .iter()
        .flat_map(|g| g.operations.iter().map(move |op| ((op.http_method.clone(), op.path.clone()), (g, op))))
        .collect()
}

fn call(group: &Group, op: &Operation) -> String {
    format!("clerk.{}().{}()", group.name, op.method)
}

fn change(breaking: bool, op: &Operation, what: String, fix: Option<String>) -> Change {
    Change { breaking, section: Section::Operations, subject: format!("`{} {}`", op.http_method, op.path), what, fix }
}

pub(super) fn diff(old: &Api, new: &Api) -> Vec<Change> {
    let (before, after) = (index(old), index(new));
    let structs = Structs::of(&new.types);
    let mut out = Vec::new();
    for (key, (group, op)) in &before {
        if !after.contains_key(key) {
            out.push(change(
                true,
                op,
                format!("removed (was `{}`)", call(group, op)),
                Some(format!("remove calls to `{}`", call(group, op))),
            ));
        }
    }
    for (key, (new_group, new_op)) in &after {
        let Some((old_group, old_op)) = before.get(key) else {
            out.push(change(false, new_op, format!("added: `{}`", call(new_group, new_op)), None));
            continue;
        };
        let (was, is) = (call(old_group, old_op), call(new_group, new_op));
        // An old name the overrides keep as a deprecated alias still compiles: not breaking.
        let kept = new_group.aliases.contains(&old_group.name) || new_group.name == old_group.name;
        let kept = kept && (new_op.aliases.contains(&old_op.method) || new_op.method == old_op.method);
        let fix = if kept {
            format!("`{was}` is now `{is}` (the old name is deprecated)")
        } else {
            format!("`{was}` is now `{is}`")
        };
        if old_group.name != new_group.name {
            out.push(change(
                !kept,
                new_op,
                format!("moved from group `{}` to `{}`", old_group.name, new_group.name),
                Some(fix),
            ));
        } else if old_op.method != new_op.method {
            out.push(change(
                !kept,
                new_op,
                format!("renamed from `{}` to `{}`", old_op.method, new_op.method),
                Some(fix),
            ));
        }
        params(&mut out, (new, new_op), &is, (&old_op.path_params, &new_op.path_params), true);
        params(&mut out, (new, new_op), &is, (&old_op.params, &new_op.params), false);
        body(&mut out, (new, old_op), (new_op, &structs), &is);
        if old_op.response != new_op.response {
            let show = |r: &Option<crate::model::TypeRef>| r.as_ref().map_or("()".to_owned(), rust_type);
            let renamed = old_op.response.as_ref().map(|ty| through_aliases(new, ty)) == new_op.response;
            let (old_type, new_type) = (show(&old_op.response), show(&new_op.response));
            out.push(if renamed {
                change(
                    false,
                    new_op,
                    format!("response type renamed from `{old_type}` to `{new_type}` ({ALIAS_KEPT})"),
                    None,
                )
            } else {
                change(
                    true,
                    new_op,
                    format!("response type changed from `{old_type}` to `{new_type}`"),
                    Some(format!("`{is}.await` now returns `{new_type}`")),
                )
            });
        }
    }
    out
}

/// How a parameter appears in Rust: an argument when required, a builder method otherwise.
fn shape(p: &Param) -> String {
    if p.required {
        format!("argument `{}: {}`", p.name, rust_type(&p.ty))
    } else {
        format!("builder method `.{}({})`", p.name, rust_type(&p.ty))
    }
}

fn params(
    out: &mut Vec<Change>,
    (api, op): (&Api, &Operation),
    call: &str,
    (old, new): (&[Param], &[Param]),
    path: bool,
) {
    let kind = if path { "path parameter" } else { "query parameter" };
    let by_wire = |params: &[Param]| params.iter().map(|p| (p.wire.clone(), p.clone())).collect::<BTreeMap<_, _>>();
    let (before, after) = (by_wire(old), by_wire(new));
    for (wire, p) in &before {
        if !after.contains_key(wire) {
            out.push(change(
                true,
                op,
                format!("{kind} `{wire}` removed"),
                Some(format!("`{call}` no longer has the {}", shape(p))),
            ));
        }
    }
    for (wire, p) in &after {
        match before.get(wire) {
            None if p.required => out.push(change(
                true,
                op,
                format!("required {kind} `{wire}` added"),
                Some(format!("`{call}` takes a new {}", shape(p))),
            )),
            None => out.push(change(false, op, format!("optional {kind} `{wire}` added: {}", shape(p)), None)),
            Some(was) => {
                if was.required != p.required {
                    let what = if p.required { "made required" } else { "made optional" };
                    out.push(change(
                        true,
                        op,
                        format!("{kind} `{wire}` {what}"),
                        Some(format!("`{call}`: the {} is now an {}", shape(was), shape(p))),
                    ));
                }
                if was.ty != p.ty && through_aliases(api, &was.ty) == p.ty {
                    out.push(change(
                        false,
                        op,
                        format!(
                            "{kind} `{wire}` type renamed from `{}` to `{}` ({ALIAS_KEPT})",
                            rust_type(&was.ty),
                            rust_type(&p.ty)
                        ),
                        None,
                    ));
                } else if was.ty != p.ty {
                    out.push(change(
                        true,
                        op,
                        format!("{kind} `{wire}` type changed from `{}` to `{}`", rust_type(&was.ty), rust_type(&p.ty)),
                        Some(format!("`{call}`: pass `{}` for `{}`", rust_type(&p.ty), p.name)),
                    ));
                }
            }
        }
    }
}

/// How the new operation takes its body, for the fix line: a struct's required fields as
/// arguments (its optional ones as setters), or the value as the last argument.
fn takes(new: &Operation, structs: &Structs<'_>, ty: &crate::model::TypeRef) -> String {
    match body::fluent(new, structs) {
        Some(fluent) => {
            let arguments: Vec<&str> =
                fluent.fields.iter().filter(|f| f.is_argument()).map(|f| f.name.as_str()).collect();
            let arguments = if arguments.is_empty() {
                "no body argument".to_owned()
            } else {
                format!("`{}`", arguments.join("`, `"))
            };
            format!("takes {arguments} from `{}` as arguments, its other fields as setters", rust_type(ty))
        }
        None => format!("takes a `body: {}` argument", rust_type(ty)),
    }
}

fn body(out: &mut Vec<Change>, (api, old): (&Api, &Operation), (new, structs): (&Operation, &Structs<'_>), call: &str) {
    match (&old.body, &new.body) {
        (Some(was), Some(is)) if was.ty != is.ty && through_aliases(api, &was.ty) == is.ty => out.push(change(
            false,
            new,
            format!(
                "request body type renamed from `{}` to `{}` ({ALIAS_KEPT})",
                rust_type(&was.ty),
                rust_type(&is.ty)
            ),
            None,
        )),
        (None, Some(body)) => out.push(change(
            true,
            new,
            format!("request body `{}` added", rust_type(&body.ty)),
            Some(format!("`{call}` {}", takes(new, structs, &body.ty))),
        )),
        (Some(body), None) => out.push(change(
            true,
            new,
            format!("request body `{}` removed", rust_type(&body.ty)),
            Some(format!("`{call}` no longer takes a body")),
        )),
        (Some(was), Some(is)) if was.ty != is.ty => out.push(change(
            true,
            new,
            format!("request body type changed from `{}` to `{}`", rust_type(&was.ty), rust_type(&is.ty)),
            Some(format!("`{call}` {}", takes(new, structs, &is.ty))),
        )),
        _ => {}
    }
}
