//! PostgreSQL, over one connection, loaded with `COPY ... FROM STDIN`.

use super::{Destination, DestinationError, Dialect, Result};
use crate::rows::Cell;
use std::io::Write;

pub struct Postgres {
    client: postgres::Client,
    /// The URL without its password.
    shown: String,
}

impl std::fmt::Debug for Postgres {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Postgres").field("url", &self.shown).finish_non_exhaustive()
    }
}

fn error(message: impl std::fmt::Display) -> DestinationError {
    DestinationError { destination: "postgres", message: message.to_string() }
}

/// A connection URL with any password replaced, for messages.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    let (authority, tail) = rest.split_once('/').map_or((rest, None), |(a, t)| (a, Some(t)));
    let authority = match authority.rsplit_once('@') {
        Some((user_info, host)) => match user_info.split_once(':') {
            Some((user, _)) => format!("{user}:***@{host}"),
            None => authority.to_owned(),
        },
        None => authority.to_owned(),
    };
    // A password can also come as a query parameter.
    let tail = tail.map(|t| match t.split_once('?') {
        Some((path, query)) => {
            let query: Vec<String> = query
                .split('&')
                .map(|p| if p.starts_with("password=") { "password=***".to_owned() } else { p.to_owned() })
                .collect();
            format!("{path}?{}", query.join("&"))
        }
        None => t.to_owned(),
    });
    match tail {
        Some(tail) => format!("{scheme}://{authority}/{tail}"),
        None => format!("{scheme}://{authority}"),
    }
}

impl Postgres {
    /// Connects without TLS: meant for a server on the same host or private network.
    pub fn connect(url: &str) -> Result<Postgres> {
        let shown = redact(url);
        // The driver's own message may quote the URL, so only its kind is kept.
        let client = postgres::Client::connect(url, postgres::NoTls).map_err(|e| {
            error(format!(
                "connecting to {shown}: {}",
                e.as_db_error().map_or_else(|| kind(&e), |db| db.message().to_owned())
            ))
        })?;
        Ok(Postgres { client, shown })
    }
}

/// The server's message where there is one (the driver's own says only "db error").
fn described(error: &postgres::Error) -> String {
    error.as_db_error().map_or_else(|| error.to_string(), |db| db.message().to_owned())
}

fn kind(error: &postgres::Error) -> String {
    let text = error.to_string();
    text.split(':').next().unwrap_or("error").to_owned()
}

/// Appends one value in COPY's text format.
fn write_text(out: &mut Vec<u8>, cell: &Cell) {
    use std::io::Write as _;
    match cell {
        Cell::Null => out.extend_from_slice(b"\\N"),
        // Writing into a Vec cannot fail.
        Cell::Int(v) => {
            let _ = write!(out, "{v}");
        }
        Cell::Float(v) => {
            let _ = write!(out, "{v}");
        }
        Cell::Bool(v) => out.push(if *v { b't' } else { b'f' }),
        Cell::Text(text) => {
            let bytes = text.as_bytes();
            // Most values need no escape: copied whole.
            if !bytes.iter().any(|&b| matches!(b, b'\\' | b'\t' | b'\n' | b'\r' | 0)) {
                out.extend_from_slice(bytes);
                return;
            }
            for &b in bytes {
                match b {
                    b'\\' => out.extend_from_slice(b"\\\\"),
                    b'\t' => out.extend_from_slice(b"\\t"),
                    b'\n' => out.extend_from_slice(b"\\n"),
                    b'\r' => out.extend_from_slice(b"\\r"),
                    // PostgreSQL text cannot hold NUL.
                    0 => {}
                    b => out.push(b),
                }
            }
        }
    }
}

impl Destination for Postgres {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn describe(&self) -> String {
        format!("PostgreSQL {}", self.shown)
    }

    fn execute(&mut self, sql: &str) -> Result<()> {
        self.client.batch_execute(sql).map_err(|e| error(format!("{} (in `{sql}`)", described(&e))))
    }

    fn query(&mut self, sql: &str) -> Result<Vec<Vec<Option<String>>>> {
        let messages = self.client.simple_query(sql).map_err(|e| error(format!("{} (in `{sql}`)", described(&e))))?;
        Ok(messages
            .into_iter()
            .filter_map(|m| match m {
                postgres::SimpleQueryMessage::Row(row) => {
                    Some((0..row.len()).map(|i| row.get(i).map(str::to_owned)).collect())
                }
                _ => None,
            })
            .collect())
    }

    fn load(&mut self, schema: &str, table: &str, rows: &[Vec<Cell>]) -> Result<()> {
        let d = Dialect::Postgres;
        let fail = |e: &dyn std::fmt::Display| error(format!("COPY into {schema}.{table}: {e}"));
        let mut writer = self
            .client
            .copy_in(&format!("COPY {}.{} FROM STDIN", d.ident(schema), d.ident(table)))
            .map_err(|e| fail(&described(&e)))?;
        let mut buffer = Vec::with_capacity(64 * 1024);
        for row in rows {
            for (index, cell) in row.iter().enumerate() {
                if index > 0 {
                    buffer.push(b'\t');
                }
                write_text(&mut buffer, cell);
            }
            buffer.push(b'\n');
            if buffer.len() >= 256 * 1024 {
                writer.write_all(&buffer).map_err(|e| fail(&e))?;
                buffer.clear();
            }
        }
        writer.write_all(&buffer).map_err(|e| fail(&e))?;
        writer.finish().map_err(|e| fail(&described(&e)))?;
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(redact("postgres://me:s3cret@db:5432/clerk"), "postgres://me:***@db:5432/clerk");
        assert_eq!(
            redact("postgresql://db/clerk?user=me&password=s3cret"),
            "postgresql://db/clerk?user=me&password=***"
        );
        assert_eq!(redact("postgres://me@localhost"), "postgres://me@localhost");
    }

    #[test]
    fn copy_text_escapes_separators() {
        let mut out = Vec::new();
        for cell in [Cell::Text("a\tb\\c\nd".into()), Cell::Null, Cell::Bool(true)] {
            write_text(&mut out, &cell);
            out.push(b'|');
        }
        assert_eq!(String::from_utf8(out).unwrap(), "a\\tb\\\\c\\nd|\\N|t|");
    }
}
