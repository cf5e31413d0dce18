//! What each engine does its own way: connecting, migrations, and the SQL that differs.

pub mod postgres;
pub mod sqlite;
