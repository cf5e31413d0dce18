//! What each engine does its own way: connecting, migrations, and the SQL that differs.

pub(crate) mod group_commit;
pub mod postgres;
pub mod sqlite;
