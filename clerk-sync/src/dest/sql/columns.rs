//! The columns of tables that exist already: read from `information_schema`, and added when a
//! newer spec or clerk-sync wants more (never dropped).

use crate::dest::{literal, qualified, Destination, Result};
use crate::schema::ColumnType;

/// Adds to `dataset.table` the columns of `wanted` it lacks (a newer spec's, a newer clerk-sync's).
pub(crate) fn add_missing_columns(
    dest: &mut dyn Destination,
    dataset: &str,
    table: &str,
    wanted: &[(String, ColumnType)],
) -> Result<()> {
    let existing = column_names(dest, dataset, table)?;
    let target = qualified(dest.dialect(), dataset, table);
    add_columns(dest, &target, &existing, wanted)
}

pub(crate) fn add_columns(
    dest: &mut dyn Destination,
    target: &str,
    existing: &[String],
    wanted: &[(String, ColumnType)],
) -> Result<()> {
    let d = dest.dialect();
    for (name, ty) in wanted.iter().filter(|(name, _)| !existing.contains(&d.name(name))) {
        dest.execute(&format!("ALTER TABLE {target} ADD COLUMN {} {}", d.ident(name), d.type_name(*ty)))?;
    }
    Ok(())
}

/// The names of `dataset.table`'s columns, as the destination stores them.
pub(crate) fn column_names(dest: &mut dyn Destination, dataset: &str, table: &str) -> Result<Vec<String>> {
    let d = dest.dialect();
    Ok(dest
        .query(&format!(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = {} AND table_name = {}",
            literal(&d.name(dataset)),
            literal(&d.name(table))
        ))?
        .into_iter()
        .filter_map(|row| row.into_iter().next().flatten())
        .collect())
}
