//! Column types that differ between the engines: each is the engine's own type on PostgreSQL and fixed-form
//! text on SQLite, and the same Rust value on both sides of the store.

use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgArgumentBuffer, PgTypeInfo, PgValueRef};
use sqlx::sqlite::{SqliteArgumentsBuffer, SqliteTypeInfo, SqliteValueRef};
use sqlx::{Decode, Encode, Postgres, Sqlite, Type};
use taut_core::records::format_utc;
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::StoreError;

/// An instant as Taut writes it (UTC RFC 3339 with microseconds): `timestamptz` on PostgreSQL, that text on
/// SQLite, where its fixed width makes text order time order.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Stamp(pub String);

/// A calendar date (`YYYY-MM-DD`): `date` on PostgreSQL, that text on SQLite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Day(pub String);

impl From<&str> for Stamp {
    fn from(text: &str) -> Stamp {
        Stamp(text.to_owned())
    }
}

impl From<&String> for Stamp {
    fn from(text: &String) -> Stamp {
        Stamp(text.clone())
    }
}

const DATE: &[time::format_description::BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]");

impl Type<Postgres> for Stamp {
    fn type_info() -> PgTypeInfo {
        <OffsetDateTime as Type<Postgres>>::type_info()
    }
}

impl Encode<'_, Postgres> for Stamp {
    fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        Encode::<Postgres>::encode(OffsetDateTime::parse(&self.0, &Rfc3339)?, buf)
    }
}

impl<'r> Decode<'r, Postgres> for Stamp {
    fn decode(value: PgValueRef<'r>) -> Result<Stamp, BoxDynError> {
        Ok(Stamp(format_utc(<OffsetDateTime as Decode<Postgres>>::decode(value)?)))
    }
}

impl Type<Sqlite> for Stamp {
    fn type_info() -> SqliteTypeInfo {
        <String as Type<Sqlite>>::type_info()
    }
}

impl Encode<'_, Sqlite> for Stamp {
    fn encode_by_ref(&self, buf: &mut SqliteArgumentsBuffer) -> Result<IsNull, BoxDynError> {
        Encode::<Sqlite>::encode(self.0.clone(), buf)
    }
}

impl<'r> Decode<'r, Sqlite> for Stamp {
    fn decode(value: SqliteValueRef<'r>) -> Result<Stamp, BoxDynError> {
        Ok(Stamp(<String as Decode<Sqlite>>::decode(value)?))
    }
}

impl Type<Postgres> for Day {
    fn type_info() -> PgTypeInfo {
        <Date as Type<Postgres>>::type_info()
    }
}

impl Encode<'_, Postgres> for Day {
    fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        Encode::<Postgres>::encode(Date::parse(&self.0, DATE)?, buf)
    }
}

impl<'r> Decode<'r, Postgres> for Day {
    fn decode(value: PgValueRef<'r>) -> Result<Day, BoxDynError> {
        Ok(Day(<Date as Decode<Postgres>>::decode(value)?.format(DATE)?))
    }
}

impl Type<Sqlite> for Day {
    fn type_info() -> SqliteTypeInfo {
        <String as Type<Sqlite>>::type_info()
    }
}

impl Encode<'_, Sqlite> for Day {
    fn encode_by_ref(&self, buf: &mut SqliteArgumentsBuffer) -> Result<IsNull, BoxDynError> {
        Encode::<Sqlite>::encode(self.0.clone(), buf)
    }
}

impl<'r> Decode<'r, Sqlite> for Day {
    fn decode(value: SqliteValueRef<'r>) -> Result<Day, BoxDynError> {
        Ok(Day(<String as Decode<Sqlite>>::decode(value)?))
    }
}

/// A stamp inside a JSON document the database built (the timeline's one-statement read): PostgreSQL writes a
/// `timestamptz` as RFC 3339 in the session's time zone, SQLite the stored UTC text; both become Taut's UTC form.
impl<'de> serde::Deserialize<'de> for Stamp {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Stamp, D::Error> {
        let text = <String as serde::Deserialize>::deserialize(deserializer)?;
        let at = OffsetDateTime::parse(&text, &Rfc3339).map_err(serde::de::Error::custom)?;
        Ok(Stamp(format_utc(at)))
    }
}

/// A date inside a JSON document the database built: `YYYY-MM-DD` on both engines.
impl<'de> serde::Deserialize<'de> for Day {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Day, D::Error> {
        let text = <String as serde::Deserialize>::deserialize(deserializer)?;
        Date::parse(&text, DATE).map_err(serde::de::Error::custom)?;
        Ok(Day(text))
    }
}

/// A boolean inside a JSON document the database built: `true`/`false` from PostgreSQL, `1`/`0` from SQLite.
pub(crate) fn flag<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum Flag {
        Bool(bool),
        Int(i64),
    }
    match <Flag as serde::Deserialize>::deserialize(deserializer)? {
        Flag::Bool(b) => Ok(b),
        Flag::Int(0) => Ok(false),
        Flag::Int(1) => Ok(true),
        Flag::Int(other) => Err(serde::de::Error::custom(format!("{other} is not a boolean"))),
    }
}

/// A record id as the store keys it. Text that is no UUID names no record.
pub fn id(text: &str) -> Result<Uuid, StoreError> {
    Uuid::try_parse(text).map_err(|_| StoreError::NotFound)
}

/// An optional reference, where a malformed id is a caller's bug rather than a missing record.
pub fn opt_id(text: Option<&str>) -> Result<Option<Uuid>, StoreError> {
    text.map(|t| Uuid::try_parse(t).map_err(|_| StoreError::Corrupt(format!("'{t}' is not a record id"))))
        .transpose()
}

/// A record id as SQLite's `unhex()` reads it back into the stored 16-byte key: SQLite binds no arrays, so lists
/// of ids travel as JSON arrays of these.
pub(crate) fn sqlite_hex(id: &Uuid) -> String {
    id.simple().to_string()
}

/// A list of record ids as a JSON array for SQLite's `json_each()`, each read back with `unhex(value)`.
pub(crate) fn sqlite_id_list(ids: &[Uuid]) -> String {
    serde_json::Value::from(ids.iter().map(sqlite_hex).collect::<Vec<_>>()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_ids_name_no_record() {
        assert!(matches!(id("not-a-uuid"), Err(StoreError::NotFound)));
        assert!(id("0190b2d3-7c1e-7b8a-9f3e-2a1b3c4d5e6f").is_ok());
    }
}
