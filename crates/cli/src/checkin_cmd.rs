//! `taut checkin create`: a patient's check-in link from the command line, made as a named user (`--user`), so
//! that the audit trail says who sent it. The link is printed once; only its hash is stored.

use clap::{Args, Subcommand};

use crate::database::DatabaseArgs;
use crate::output::{Failure, print_json};
use crate::records_cmd::{app, app_failure, runtime};

#[derive(Args)]
pub struct CheckinArgs {
    #[command(subcommand)]
    command: CheckinCommand,
}

#[derive(Subcommand)]
enum CheckinCommand {
    /// Create a private check-in link for a patient (one use; 7 days unless --days says otherwise).
    Create {
        /// The patient, by MRN.
        #[arg(long, value_name = "MRN")]
        patient: String,
        /// The clinician or assistant sending it; audited under that name.
        #[arg(long, env = "TAUT_USER")]
        user: String,
        /// How many days the link stays valid (1-30).
        #[arg(long)]
        days: Option<u32>,
        /// The address patients reach the server at (`https://clinic.example`); without it only the path is
        /// printed.
        #[arg(long, env = "TAUT_BASE_URL")]
        base_url: Option<String>,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

pub fn run(args: CheckinArgs) -> Result<(), Failure> {
    let CheckinCommand::Create {
        patient,
        user,
        days,
        base_url,
        json,
        database,
    } = args.command;
    let base = match base_url.as_deref().map(|b| b.trim().trim_end_matches('/')) {
        None => String::new(),
        Some(b) if (b.starts_with("https://") || b.starts_with("http://")) && !b.contains(char::is_whitespace) => {
            b.to_owned()
        }
        Some(b) => return Err(Failure::Input(format!("--base-url {b:?}: write https://HOST[:PORT]"))),
    };
    let link = runtime()?.block_on(async move {
        let app = app(&database).await?;
        let actor = app.local_actor(&user).await.map_err(app_failure)?;
        let record = app.patient_by_mrn(&actor, &patient).await.map_err(app_failure)?;
        let link = app
            .create_checkin_link(&actor, &record.id, days)
            .await
            .map_err(app_failure)?;
        app.seal_audit().await.map_err(app_failure)?;
        Ok::<_, Failure>(link)
    })?;
    let url = format!("{base}{}", link.path);
    if json {
        return print_json(&serde_json::json!({
            "id": link.id, "patient_id": link.patient_id, "url": url, "expires_at": link.expires_at,
        }));
    }
    println!("{url}");
    println!(
        "valid until {} (UTC), for one check-in; shown only now",
        link.expires_at
    );
    Ok(())
}
