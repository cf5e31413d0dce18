//! Which database and audit key a command uses, and how to open them.
//!
//! The database is `--database URL`, else `TAUT_DATABASE_URL`, else a SQLite file in the platform's data
//! directory: `taut.db` for clinical records, `demo.db` for the synthetic demo, so that demo data never lands in
//! the clinical database by accident. The audit key is `--audit-key-file`, else `TAUT_AUDIT_KEY_FILE`, else a key
//! file beside the default database (created on first use).

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Args;
use taut_app::{App, AuditKey, Database, DatabaseConfig, Policy};
use taut_atlas::Atlas;

#[derive(Args, Clone, Debug)]
pub struct DatabaseArgs {
    /// sqlite://PATH or postgres://USER@HOST/DB (default: the SQLite file in the data directory).
    #[arg(long = "database", env = "TAUT_DATABASE_URL", value_name = "URL")]
    pub url: Option<String>,
    /// The key that signs the audit trail, kept outside the database (`taut audit keygen` makes one). Every
    /// server of a clinic uses the same key file.
    #[arg(long = "audit-key-file", env = "TAUT_AUDIT_KEY_FILE", value_name = "FILE")]
    pub audit_key_file: Option<PathBuf>,
    /// Database connections per process (default: 4 readers on SQLite, 16 on PostgreSQL).
    #[arg(long = "db-pool-size", env = "TAUT_DB_POOL_SIZE", value_name = "N")]
    pub pool_size: Option<u32>,
    /// Longest a database statement may run, in milliseconds.
    #[arg(
        long = "db-statement-timeout-ms",
        env = "TAUT_DB_STATEMENT_TIMEOUT_MS",
        default_value_t = 15_000
    )]
    pub statement_timeout_ms: u64,
    /// Longest a statement waits for a lock, in milliseconds.
    #[arg(
        long = "db-lock-timeout-ms",
        env = "TAUT_DB_LOCK_TIMEOUT_MS",
        default_value_t = 5_000
    )]
    pub lock_timeout_ms: u64,
    /// SQLite: `full` syncs every commit to disk (a committed record survives a power cut); `normal` survives a
    /// crashed process but may lose the last commits on a power cut, for more write throughput.
    #[arg(
        long = "sqlite-synchronous",
        env = "TAUT_SQLITE_SYNCHRONOUS",
        default_value = "full",
        value_parser = ["full", "normal"]
    )]
    pub sqlite_synchronous: String,
}

/// What the database holds: real records, or the synthetic demo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Clinical,
    Demo,
}

impl Purpose {
    fn file_stem(self) -> &'static str {
        match self {
            Purpose::Clinical => "taut",
            Purpose::Demo => "demo",
        }
    }
}

fn data_dir() -> anyhow::Result<PathBuf> {
    let dir = dirs::data_dir()
        .context("no data directory on this platform; pass --database sqlite://PATH")?
        .join("taut");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(dir)
}

impl DatabaseArgs {
    /// The database URL, and whether it is the default one (which may be created).
    pub fn resolve(&self, purpose: Purpose) -> anyhow::Result<(String, bool)> {
        if let Some(url) = &self.url {
            return Ok((url.clone(), false));
        }
        let path = data_dir()?.join(format!("{}.db", purpose.file_stem()));
        Ok((format!("sqlite://{}", path.display()), true))
    }

    fn config(&self, create: bool) -> DatabaseConfig {
        DatabaseConfig {
            pool_size: self.pool_size,
            statement_timeout: Duration::from_millis(self.statement_timeout_ms),
            lock_timeout: Duration::from_millis(self.lock_timeout_ms),
            create,
            sqlite_sync_every_commit: self.sqlite_synchronous != "normal",
            ..DatabaseConfig::default()
        }
    }

    /// The audit key: the named file (which must exist), or the default one beside the default database, made
    /// on first use.
    pub fn audit_key(&self, purpose: Purpose) -> anyhow::Result<AuditKey> {
        if let Some(path) = &self.audit_key_file {
            if !path.exists() {
                bail!(
                    "no audit key at {}: create one with `taut audit keygen --out {}`",
                    path.display(),
                    path.display()
                );
            }
            return Ok(AuditKey::read(path)?);
        }
        // The demo's own database has its own key; any database named with --database shares the clinic's default
        // key, so that `taut demo --database X` and `taut serve --database X` seal with the same one.
        let stem = if self.url.is_some() {
            Purpose::Clinical.file_stem()
        } else {
            purpose.file_stem()
        };
        let path = data_dir()?.join(format!("{stem}-audit.key"));
        if path.exists() {
            return Ok(AuditKey::read(&path)?);
        }
        let key = AuditKey::generate()?;
        write_key(&path, &key)?;
        eprintln!(
            "created the audit key {}; keep a copy outside this machine, and give every server the same file",
            path.display()
        );
        Ok(key)
    }

    /// Opens the store and brings its schema up to date. A SQLite file is created only when it is the default
    /// one or `create` says so; a mistyped path is refused.
    pub async fn open(&self, purpose: Purpose, create: bool) -> anyhow::Result<Database> {
        let (url, default) = self.resolve(purpose)?;
        let database = Database::connect(&url, &self.config(create || default))
            .await
            .with_context(|| format!("opening {}", taut_app::redact(&url)))?;
        database.migrate().await?;
        Ok(database)
    }

    pub async fn app(&self, purpose: Purpose, create: bool, policy: Policy) -> anyhow::Result<App> {
        let atlas = Atlas::embedded().map_err(|e| anyhow::anyhow!("{e}"))?;
        let database = self.open(purpose, create).await?;
        Ok(App::new(database, atlas, policy, self.audit_key(purpose)?))
    }
}

/// Writes a key file readable by its owner only.
pub fn write_key(path: &Path, key: &AuditKey) -> anyhow::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .with_context(|| format!("writing {} (an existing key is never overwritten)", path.display()))?;
    writeln!(file, "{}", key.to_hex()).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}
