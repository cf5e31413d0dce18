//! Which database a command uses: `--database URL`, else `TAUT_DATABASE_URL`, else a SQLite file in the
//! platform's data directory (created on first use).

use anyhow::Context;
use clap::Args;
use taut_app::{App, Policy};
use taut_atlas::Atlas;
use taut_store::Store;

#[derive(Args, Clone, Debug)]
pub struct DatabaseArgs {
    /// sqlite://PATH or postgres://USER@HOST/DB (default: the SQLite file in the data directory).
    #[arg(long = "database", env = "TAUT_DATABASE_URL", value_name = "URL")]
    pub url: Option<String>,
}

impl DatabaseArgs {
    pub fn resolve(&self) -> anyhow::Result<String> {
        if let Some(url) = &self.url {
            return Ok(url.clone());
        }
        let dir = dirs::data_dir()
            .context("no data directory on this platform; pass --database sqlite://PATH")?
            .join("taut");
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        Ok(format!("sqlite://{}", dir.join("taut.db").display()))
    }

    /// Opens the store and brings its schema up to date.
    pub async fn open(&self) -> anyhow::Result<Store> {
        let url = self.resolve()?;
        let store = Store::connect(&url)
            .await
            .with_context(|| format!("opening {}", taut_store::redact(&url)))?;
        store.migrate().await?;
        Ok(store)
    }

    pub async fn app(&self, policy: Policy) -> anyhow::Result<App> {
        let atlas = Atlas::embedded().map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(App::new(self.open().await?, atlas, policy))
    }
}
