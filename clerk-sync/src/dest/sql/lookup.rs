//! The engine's lookup: what the database holds about a set of objects and delivery ids, in one
//! query (`crate::write::stored` reads its answer). Its text depends only on which resources it
//! covers; the ids travel as list parameters, so DuckDB keeps it prepared.

use super::{rows, DELIVERIES_TABLE};
use crate::dest::{literal, qualified, Dialect, Statement};
use crate::schema::{ColumnType, Resource, PARENT_ID};

/// The query, or `None` when there is nothing to ask. Each row is: kind (`'delivery'`, `'row'`,
/// `'child'`, `'object'`), resource, id (the child table's name for `'child'`), version, deleted
/// (0 or 1), applied_ms.
pub(crate) fn statement(
    d: Dialect,
    dataset: &str,
    objects: &[(&Resource, Vec<String>)],
    deliveries: &[String],
) -> Option<Statement> {
    let null_text = format!("CAST(NULL AS {})", d.type_name(ColumnType::Text));
    let mut lists: Vec<Vec<String>> = Vec::new();
    let mut parts = Vec::new();
    if !deliveries.is_empty() {
        lists.push(deliveries.to_vec());
        parts.push(format!(
            "SELECT 'delivery', {null_text}, delivery_id, CAST(NULL AS BIGINT), 0, CAST(NULL AS BIGINT) FROM {} WHERE {}",
            qualified(d, dataset, DELIVERIES_TABLE),
            Statement::member(d, "delivery_id", lists.len())
        ));
    }
    let mut recorded_where = Vec::new();
    for (resource, ids) in objects {
        lists.push(ids.clone());
        let n = lists.len();
        let name = literal(&resource.name);
        recorded_where.push(format!("(resource = {name} AND {})", Statement::member(d, "id", n)));
        parts.push(format!(
            "SELECT 'row', {name}, \"id\", {}, 0, CAST(NULL AS BIGINT) FROM {} WHERE {}",
            rows::updated_at(&resource.table),
            qualified(d, dataset, &resource.table.name),
            Statement::member(d, "\"id\"", n)
        ));
        for child in resource.table.children.iter() {
            let table = qualified(d, dataset, &child.table.name);
            parts.push(format!(
                "SELECT 'child', {name}, {}, CAST(NULL AS BIGINT), 0, CAST(NULL AS BIGINT) FROM (SELECT 1 FROM {table} WHERE {} LIMIT 1) AS any_row",
                literal(&child.table.name),
                Statement::member(d, &d.ident(PARENT_ID), n)
            ));
        }
    }
    if !recorded_where.is_empty() {
        parts.push(super::objects::lookup_part(d, dataset, &recorded_where));
    }
    (!parts.is_empty()).then(|| Statement::new(parts.join(" UNION ALL "), lists))
}
