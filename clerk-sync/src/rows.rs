//! Items (JSON objects, as raw text) to rows of the staged columns, following the generated
//! layout.
//!
//! Each item is read once, straight from its text into cells: the layout is turned into a
//! plan (for each wire name, the cell it fills, the nested object it flattens or the child
//! table it feeds) and the JSON is walked by serde with that plan, skipping what no column
//! wants. No `serde_json::Value` is built for an item; only JSON columns (metadata, unions) are
//! read as values, so their text is normalized (keys sorted) whatever order the source used.

use crate::schema::{Column, ColumnType, Table};
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::fmt;

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

/// What a wire name of an object feeds.
#[derive(Debug)]
enum Slot {
    Cell(usize, ColumnType),
    /// A nested object, flattened into columns.
    Object(Fields),
    /// An array of objects: rows of the batch's table at this index.
    Child(usize),
}

/// Keyed by the layout's field names, looked up for every key of every item (dozens per item):
/// short, trusted names, so FxHash serves where SipHash's DoS resistance buys nothing (keys not
/// in the layout are looked up too, but a collision only costs a comparison).
type Fields = HashMap<&'static str, Slot, rustc_hash::FxBuildHasher>;

/// How to read one table's objects.
#[derive(Debug)]
struct Plan {
    fields: Fields,
    /// Cells per row, parent id and position included.
    width: usize,
}

/// Leading cells of a child row: the parent's id and the position in the array.
pub(crate) const CHILD_PREFIX: usize = 2;

fn plan(table: &'static Table, offset: usize, children: bool) -> Plan {
    let mut fields = Fields::default();
    let staged = table.columns.iter().filter(|c| c.staged());
    let mut width = offset;
    for Column { path, ty, .. } in staged {
        let mut level = &mut fields;
        for (depth, key) in path.iter().enumerate() {
            let key: &'static str = key;
            if depth + 1 == path.len() {
                level.insert(key, Slot::Cell(width, *ty));
                break;
            }
            let slot = level.entry(key).or_insert_with(|| Slot::Object(Fields::default()));
            match slot {
                Slot::Object(inner) => level = inner,
                // A name that is a column and a prefix of others: the column wins.
                _ => break,
            }
        }
        width += 1;
    }
    if children {
        for (index, child) in table.children.iter().enumerate() {
            fields.entry(&child.field).or_insert(Slot::Child(index + 1));
        }
    }
    Plan { fields, width }
}

/// The rows of a run of items: the main table's and each child table's.
#[derive(Debug)]
pub struct Batch {
    pub tables: Vec<Rows>,
    /// `id` and `created_at` of the last item added, for the cursor.
    pub last: Option<(String, Option<i64>)>,
    plans: Vec<Plan>,
    /// Where the main table's `id` and `created_at` cells are.
    id_cell: Option<usize>,
    created_at_cell: Option<usize>,
    updated_at_cell: Option<usize>,
}

impl Batch {
    pub fn new(table: &'static Table) -> Batch {
        let mut tables = vec![Rows { table, rows: Vec::new() }];
        tables.extend(table.children.iter().map(|child| Rows { table: &child.table, rows: Vec::new() }));
        let mut plans = vec![plan(table, 0, true)];
        plans.extend(table.children.iter().map(|child| plan(&child.table, CHILD_PREFIX, false)));
        let cell_of = |name: &str, ty: ColumnType| {
            table
                .columns
                .iter()
                .filter(|c| c.staged())
                .position(|c| c.path.len() == 1 && c.path[0] == name && c.ty == ty)
        };
        Batch {
            tables,
            last: None,
            plans,
            id_cell: cell_of("id", ColumnType::Text),
            created_at_cell: cell_of("created_at", ColumnType::BigInt),
            updated_at_cell: cell_of("updated_at", ColumnType::BigInt),
        }
    }

    /// Items in the main table.
    pub fn len(&self) -> usize {
        self.tables[0].rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Each item's `id` and `updated_at` (its version, where the table has one), in order.
    pub fn keys(&self) -> impl Iterator<Item = (&str, Option<i64>)> + '_ {
        fn cell(row: &[Cell], at: Option<usize>) -> Option<&Cell> {
            at.and_then(|at| row.get(at))
        }
        self.tables[0].rows.iter().map(move |row| {
            let id = match cell(row, self.id_cell) {
                Some(Cell::Text(id)) => id.as_str(),
                _ => "",
            };
            let version = match cell(row, self.updated_at_cell) {
                Some(Cell::Int(at)) => Some(*at),
                _ => None,
            };
            (id, version)
        })
    }

    /// Keeps the items whose id `keep` accepts, with their child rows.
    pub fn retain(&mut self, keep: impl Fn(&str) -> bool) {
        let id_cell = self.id_cell;
        for (index, rows) in self.tables.iter_mut().enumerate() {
            // Child rows lead with their parent's id.
            let at = if index == 0 { id_cell } else { Some(0) };
            rows.rows.retain(|row| matches!(at.and_then(|at| row.get(at)), Some(Cell::Text(id)) if keep(id)));
        }
    }

    /// Adds one item from its JSON text. Items without a string `id` cannot be keyed and are
    /// refused; so is text that is not a JSON object. With `seen`, an item whose id is in it
    /// is left out (lists paged by offset can repeat one) and `false` returned.
    pub fn push_json(&mut self, item: &[u8], seen: Option<&mut HashSet<String>>) -> Result<bool, String> {
        let name = &self.tables[0].table.name;
        let marks: Vec<usize> = self.tables.iter().map(|t| t.rows.len()).collect();
        let mut row = vec![Cell::Null; self.plans[0].width];
        let mut deserializer = serde_json::Deserializer::from_slice(item);
        let read = ObjectSeed {
            fields: &self.plans[0].fields,
            row: &mut row,
            children: Some((&self.plans, &mut self.tables)),
        }
        .deserialize(&mut deserializer)
        .and_then(|found| deserializer.end().map(|()| found));
        let rollback =
            |tables: &mut Vec<Rows>| tables.iter_mut().zip(&marks).for_each(|(t, &mark)| t.rows.truncate(mark));
        match read {
            Ok(true) => {}
            Ok(false) => {
                rollback(&mut self.tables);
                return Err(format!("an item of `{name}` is not a JSON object"));
            }
            Err(error) => {
                rollback(&mut self.tables);
                return Err(format!("an item of `{name}` is not valid JSON: {error}"));
            }
        }
        let Some(Cell::Text(id)) = self.id_cell.map(|i| &row[i]) else {
            rollback(&mut self.tables);
            return Err(format!("an item of `{name}` has no string `id`"));
        };
        let id = id.clone();
        if let Some(seen) = seen {
            if !seen.insert(id.clone()) {
                rollback(&mut self.tables);
                return Ok(false);
            }
        }
        // Child rows were read before the parent's id was known, wherever `id` came.
        for (rows, &mark) in self.tables.iter_mut().zip(&marks).skip(1) {
            for child in &mut rows.rows[mark..] {
                child[0] = Cell::Text(id.clone());
            }
        }
        let created_at = match self.created_at_cell.map(|i| &row[i]) {
            Some(Cell::Int(at)) => Some(*at),
            _ => None,
        };
        self.tables[0].rows.push(row);
        self.last = Some((id, created_at));
        Ok(true)
    }
}

/// Reads an object into `row` along `fields`; array fields feed child tables when `children`
/// is given. Anything but an object (null, a string where an object was expected) fills
/// nothing; returns whether it was an object.
struct ObjectSeed<'p, 'r> {
    fields: &'p Fields,
    row: &'r mut Vec<Cell>,
    children: Option<(&'p [Plan], &'r mut Vec<Rows>)>,
}

impl<'de> DeserializeSeed<'de> for ObjectSeed<'_, '_> {
    type Value = bool;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ObjectSeed<'_, '_> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<bool, A::Error> {
        while let Some(Key(key)) = map.next_key()? {
            match self.fields.get(&*key) {
                Some(Slot::Cell(index, ty)) => {
                    let cell = map.next_value_seed(CellSeed(*ty))?;
                    if let Some(slot) = self.row.get_mut(*index) {
                        *slot = cell;
                    }
                }
                Some(Slot::Object(inner)) => {
                    map.next_value_seed(ObjectSeed { fields: inner, row: self.row, children: None })?;
                }
                Some(Slot::Child(table)) => match self.children.as_mut() {
                    Some((plans, tables)) => {
                        map.next_value_seed(ChildrenSeed { plan: &plans[*table], rows: &mut tables[*table].rows })?
                    }
                    None => {
                        map.next_value::<IgnoredAny>()?;
                    }
                },
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(true)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<bool, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(false)
    }

    fn visit_unit<E>(self) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_bool<E>(self, _: bool) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_i64<E>(self, _: i64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_u64<E>(self, _: u64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_f64<E>(self, _: f64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_str<E>(self, _: &str) -> Result<bool, E> {
        Ok(false)
    }
}

/// An array whose elements become rows of a child table (parent id filled in afterwards).
struct ChildrenSeed<'p, 'r> {
    plan: &'p Plan,
    rows: &'r mut Vec<Vec<Cell>>,
}

impl<'de> DeserializeSeed<'de> for ChildrenSeed<'_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ChildrenSeed<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut position: i64 = 0;
        loop {
            let mut row = vec![Cell::Null; self.plan.width];
            row[1] = Cell::Int(position);
            if seq.next_element_seed(ObjectSeed { fields: &self.plan.fields, row: &mut row, children: None })?.is_none()
            {
                return Ok(());
            }
            self.rows.push(row);
            position += 1;
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
}

/// An object key, borrowed from the text when it has no escapes.
struct Key<'de>(Cow<'de, str>);

impl<'de> serde::Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_borrowed_str<E>(self, key: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(key)))
            }
            fn visit_str<E>(self, key: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(key.to_owned())))
            }
            fn visit_string<E>(self, key: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(key)))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// Converts a value to a column type. A value of another JSON type than the column's (which a
/// conforming response never has) is kept as its JSON text in text columns and dropped
/// (NULL) in others, rather than failing a whole sync.
struct CellSeed(ColumnType);

impl<'de> DeserializeSeed<'de> for CellSeed {
    type Value = Cell;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Cell, D::Error> {
        if self.0 == ColumnType::Json {
            let value = Value::deserialize(deserializer)?;
            return Ok(if value.is_null() { Cell::Null } else { Cell::Text(value.to_string()) });
        }
        deserializer.deserialize_any(self)
    }
}

use serde::Deserialize as _;

impl<'de> Visitor<'de> for CellSeed {
    type Value = Cell;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<Cell, E> {
        Ok(Cell::Null)
    }

    fn visit_bool<E>(self, value: bool) -> Result<Cell, E> {
        Ok(match self.0 {
            ColumnType::Boolean => Cell::Bool(value),
            ColumnType::Text => Cell::Text(value.to_string()),
            _ => Cell::Null,
        })
    }

    fn visit_i64<E>(self, value: i64) -> Result<Cell, E> {
        Ok(match self.0 {
            ColumnType::BigInt | ColumnType::Timestamp => Cell::Int(value),
            ColumnType::Double => Cell::Float(value as f64),
            ColumnType::Text => Cell::Text(value.to_string()),
            _ => Cell::Null,
        })
    }

    fn visit_u64<E>(self, value: u64) -> Result<Cell, E> {
        Ok(match self.0 {
            ColumnType::BigInt | ColumnType::Timestamp => {
                Cell::Int(i64::try_from(value).unwrap_or(value as f64 as i64))
            }
            ColumnType::Double => Cell::Float(value as f64),
            ColumnType::Text => Cell::Text(value.to_string()),
            _ => Cell::Null,
        })
    }

    fn visit_f64<E>(self, value: f64) -> Result<Cell, E> {
        Ok(match self.0 {
            ColumnType::BigInt | ColumnType::Timestamp => Cell::Int(value as i64),
            ColumnType::Double => Cell::Float(value),
            ColumnType::Text => Cell::Text(Value::from(value).to_string()),
            _ => Cell::Null,
        })
    }

    fn visit_str<E>(self, value: &str) -> Result<Cell, E> {
        Ok(match self.0 {
            ColumnType::Text => Cell::Text(value.to_owned()),
            _ => Cell::Null,
        })
    }

    fn visit_string<E>(self, value: String) -> Result<Cell, E> {
        Ok(match self.0 {
            ColumnType::Text => Cell::Text(value),
            _ => Cell::Null,
        })
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Cell, A::Error> {
        let value = Value::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
        Ok(if self.0 == ColumnType::Text { Cell::Text(value.to_string()) } else { Cell::Null })
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Cell, A::Error> {
        let value = Value::deserialize(serde::de::value::SeqAccessDeserializer::new(seq))?;
        Ok(if self.0 == ColumnType::Text { Cell::Text(value.to_string()) } else { Cell::Null })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::schema::Child;

    fn column(name: &'static str, path: &[&'static str], ty: ColumnType) -> Column {
        Column {
            name: Cow::Borrowed(name),
            path: path.iter().map(|p| Cow::Borrowed(*p)).collect(),
            ty,
            description: None,
        }
    }

    /// A table with a nested object, a JSON column, a timestamp twin and a child table, as the
    /// generator lays them out (leaked: batches keep `&'static` tables, as of generated data).
    fn table() -> &'static Table {
        let child = Table {
            name: Cow::Borrowed("t__items"),
            description: None,
            columns: vec![column("n", &["n"], ColumnType::BigInt), column("v__w", &["v", "w"], ColumnType::Text)]
                .into(),
            children: Cow::Borrowed(&[]),
        };
        let columns = vec![
            column("id", &["id"], ColumnType::Text),
            column("created_at", &["created_at"], ColumnType::BigInt),
            column("created_at_ts", &["created_at"], ColumnType::Timestamp),
            column("meta", &["meta"], ColumnType::Json),
            column("org__name", &["org", "name"], ColumnType::Text),
            column("ok", &["ok"], ColumnType::Boolean),
            column("score", &["score"], ColumnType::Double),
        ];
        let children = vec![Child { field: Cow::Borrowed("items"), table: child }];
        Box::leak(Box::new(Table {
            name: Cow::Borrowed("t"),
            description: None,
            columns: columns.into(),
            children: children.into(),
        }))
    }

    fn push(batch: &mut Batch, json: &str) -> Result<bool, String> {
        batch.push_json(json.as_bytes(), None)
    }

    #[test]
    fn flattens_nested_objects_and_splits_arrays_into_child_rows() {
        let mut batch = Batch::new(table());
        // `items` before `id`: child rows get the parent's id all the same.
        push(&mut batch, r#"{"items": [{"n": 1, "v": {"w": "x"}}, {"n": 2, "extra": [1]}], "id": "a", "created_at": 5, "meta": {"z": 1, "k": [1]}, "org": {"name": "Acme", "skip": {}}, "ok": true, "score": 2, "unknown": {"deep": [1, {"a": null}]}}"#).unwrap();
        push(&mut batch, r#"{"id": "b", "created_at": 6, "meta": null, "org": null, "items": [], "score": 1.5}"#)
            .unwrap();
        assert_eq!(
            batch.tables[0].rows,
            vec![
                vec![
                    Cell::Text("a".into()),
                    Cell::Int(5),
                    Cell::Text(r#"{"k":[1],"z":1}"#.into()),
                    Cell::Text("Acme".into()),
                    Cell::Bool(true),
                    Cell::Float(2.0)
                ],
                vec![Cell::Text("b".into()), Cell::Int(6), Cell::Null, Cell::Null, Cell::Null, Cell::Float(1.5)],
            ],
            "JSON columns are normalized: keys sorted"
        );
        assert_eq!(
            batch.tables[1].rows,
            vec![
                vec![Cell::Text("a".into()), Cell::Int(0), Cell::Int(1), Cell::Text("x".into())],
                vec![Cell::Text("a".into()), Cell::Int(1), Cell::Int(2), Cell::Null]
            ]
        );
        assert_eq!(batch.last, Some(("b".to_owned(), Some(6))));
    }

    #[test]
    fn values_of_another_type_than_the_column_are_kept_as_text_or_dropped() {
        let mut batch = Batch::new(table());
        push(&mut batch, r#"{"id": "a", "created_at": "yesterday", "org": {"name": {"first": "A"}}, "ok": "yes", "score": true, "meta": "plain"}"#).unwrap();
        assert_eq!(
            batch.tables[0].rows[0],
            vec![
                Cell::Text("a".into()),
                Cell::Null,
                Cell::Text(r#""plain""#.into()),
                Cell::Text(r#"{"first":"A"}"#.into()),
                Cell::Null,
                Cell::Null
            ]
        );
        push(&mut batch, r#"{"id": "b", "created_at": 1.9e3, "org": {"name": 7}}"#).unwrap();
        assert_eq!(batch.tables[0].rows[1][1..4], [Cell::Int(1900), Cell::Null, Cell::Text("7".into())]);
    }

    #[test]
    fn items_without_an_id_or_not_objects_are_refused_and_leave_nothing() {
        let mut batch = Batch::new(table());
        assert!(push(&mut batch, r#"{"created_at": 1, "items": [{"n": 1}]}"#).unwrap_err().contains("no string `id`"));
        assert!(push(&mut batch, r#"{"id": null}"#).unwrap_err().contains("no string `id`"));
        assert!(push(&mut batch, r#"[1, 2]"#).unwrap_err().contains("not a JSON object"));
        assert!(push(&mut batch, r#"{"id": "a", "items": [{"n": 1}"#).unwrap_err().contains("not valid JSON"));
        assert!(push(&mut batch, r#"{"id": "a"} trailing"#).unwrap_err().contains("not valid JSON"));
        assert!(batch.is_empty());
        assert!(batch.tables[1].rows.is_empty(), "child rows of a refused item are taken back");
    }

    #[test]
    fn repeated_ids_are_left_out_when_asked() {
        let mut batch = Batch::new(table());
        let mut seen = HashSet::new();
        assert!(batch.push_json(br#"{"id": "a", "items": [{"n": 1}]}"#, Some(&mut seen)).unwrap());
        assert!(!batch.push_json(br#"{"id": "a", "items": [{"n": 2}]}"#, Some(&mut seen)).unwrap());
        assert_eq!((batch.len(), batch.tables[1].rows.len()), (1, 1));
    }
}
