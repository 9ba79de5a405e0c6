//! Items (JSON objects) to rows of the staged columns, following the generated layout.

use crate::schema::{Child, Column, ColumnType, Table};
use clerk_sync_layout::Text;
use serde_json::Value;

/// One value of a row.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Null,
    Text(String),
    Int(i64),
    Float(f64),
    Bool(bool),
}

/// Rows for one table, in the order of its staged columns (child tables: parent id and
/// position first).
#[derive(Debug)]
pub struct Rows {
    pub table: &'static Table,
    pub rows: Vec<Vec<Cell>>,
}

/// The rows of a run of items: the main table's and each child table's.
#[derive(Debug)]
pub struct Batch {
    pub tables: Vec<Rows>,
    /// `id` and `created_at` of the last item added, for the cursor.
    pub last: Option<(String, Option<i64>)>,
}

impl Batch {
    pub fn new(table: &'static Table) -> Batch {
        let mut tables = vec![Rows { table, rows: Vec::new() }];
        tables.extend(table.children.iter().map(|child| Rows { table: &child.table, rows: Vec::new() }));
        Batch { tables, last: None }
    }

    /// Items in the main table.
    pub fn len(&self) -> usize {
        self.tables[0].rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Adds one item. Items without a string `id` cannot be keyed and are refused.
    pub fn push(&mut self, item: &Value) -> Result<(), String> {
        let Some(id) = item.get("id").and_then(Value::as_str) else {
            return Err(format!("an item of `{}` has no string `id`", self.tables[0].table.name));
        };
        let main = self.tables[0].table;
        self.tables[0].rows.push(row(&main.columns, item, None));
        for (index, Child { field, table: child }) in main.children.iter().enumerate() {
            let Some(Value::Array(elements)) = item.get(&**field) else { continue };
            let rows = &mut self.tables[index + 1].rows;
            for (position, element) in elements.iter().enumerate() {
                rows.push(row(&child.columns, element, Some((id, position))));
            }
        }
        self.last = Some((id.to_owned(), item.get("created_at").and_then(Value::as_i64)));
        Ok(())
    }
}

fn row(columns: &[Column], item: &Value, parent: Option<(&str, usize)>) -> Vec<Cell> {
    let mut out = Vec::with_capacity(columns.len() + 2);
    if let Some((id, position)) = parent {
        out.push(Cell::Text(id.to_owned()));
        out.push(Cell::Int(i64::try_from(position).unwrap_or(i64::MAX)));
    }
    out.extend(columns.iter().filter(|c| c.staged()).map(|c| cell(c.ty, lookup(item, &c.path))));
    out
}

fn lookup<'a>(item: &'a Value, path: &[Text]) -> Option<&'a Value> {
    path.iter().try_fold(item, |value, key| value.get(&**key))
}

/// Converts a value to a column type. A value of another JSON type than the column's (which a
/// conforming response never has) is kept as its JSON text in text columns and dropped
/// (NULL) in others, rather than failing a whole sync.
fn cell(ty: ColumnType, value: Option<&Value>) -> Cell {
    let Some(value) = value.filter(|v| !v.is_null()) else { return Cell::Null };
    match ty {
        ColumnType::Text => match value {
            Value::String(s) => Cell::Text(s.clone()),
            other => Cell::Text(other.to_string()),
        },
        ColumnType::BigInt | ColumnType::Timestamp => value.as_i64().or_else(|| value.as_f64().map(|f| f as i64)).map_or(Cell::Null, Cell::Int),
        ColumnType::Double => value.as_f64().map_or(Cell::Null, Cell::Float),
        ColumnType::Boolean => value.as_bool().map_or(Cell::Null, Cell::Bool),
        ColumnType::Json => Cell::Text(value.to_string()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::borrow::Cow;

    fn column(name: &'static str, path: &[&'static str], ty: ColumnType) -> Column {
        Column { name: Cow::Borrowed(name), path: path.iter().map(|p| Cow::Borrowed(*p)).collect(), ty }
    }

    /// A table with a nested object, a JSON column, a timestamp twin and a child table, as the
    /// generator lays them out (leaked: batches keep `&'static` tables, as of generated data).
    fn table() -> &'static Table {
        let child = Table { name: Cow::Borrowed("t__items"), columns: vec![column("n", &["n"], ColumnType::BigInt)].into(), children: Cow::Borrowed(&[]) };
        let columns = vec![
            column("id", &["id"], ColumnType::Text),
            column("created_at", &["created_at"], ColumnType::BigInt),
            column("created_at_ts", &["created_at"], ColumnType::Timestamp),
            column("meta", &["meta"], ColumnType::Json),
            column("org__name", &["org", "name"], ColumnType::Text),
            column("ok", &["ok"], ColumnType::Boolean),
        ];
        let children = vec![Child { field: Cow::Borrowed("items"), table: child }];
        Box::leak(Box::new(Table { name: Cow::Borrowed("t"), columns: columns.into(), children: children.into() }))
    }

    #[test]
    fn flattens_nested_objects_and_splits_arrays_into_child_rows() {
        let mut batch = Batch::new(table());
        batch.push(&json!({"id": "a", "created_at": 5, "meta": {"k": [1]}, "org": {"name": "Acme"}, "ok": true, "items": [{"n": 1}, {"n": 2}]})).unwrap();
        batch.push(&json!({"id": "b", "created_at": 6, "meta": null, "org": null, "items": []})).unwrap();
        assert_eq!(
            batch.tables[0].rows,
            vec![
                vec![Cell::Text("a".into()), Cell::Int(5), Cell::Text(r#"{"k":[1]}"#.into()), Cell::Text("Acme".into()), Cell::Bool(true)],
                vec![Cell::Text("b".into()), Cell::Int(6), Cell::Null, Cell::Null, Cell::Null],
            ]
        );
        assert_eq!(
            batch.tables[1].rows,
            vec![vec![Cell::Text("a".into()), Cell::Int(0), Cell::Int(1)], vec![Cell::Text("a".into()), Cell::Int(1), Cell::Int(2)]]
        );
        assert_eq!(batch.last, Some(("b".to_owned(), Some(6))));
    }

    #[test]
    fn items_without_an_id_are_refused() {
        let mut batch = Batch::new(table());
        assert!(batch.push(&json!({"created_at": 1})).unwrap_err().contains("no string `id`"));
        assert!(batch.is_empty());
    }
}
