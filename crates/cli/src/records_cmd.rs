//! Commands on the records database: serve, migrate, users, tokens, audit, backup.

use std::io::Read;

use anyhow::Context;
use clap::{Args, Subcommand};
use taut_app::{Actor, App, AppError, Policy, Profession, Role};
use taut_core::vocab::Vocabulary;

use crate::database::{DatabaseArgs, Purpose};
use crate::demo;
use crate::output::{Failure, print_json};
use crate::vocab_arg::VocabularyParser;

#[derive(Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: String,
    #[command(flatten)]
    database: DatabaseArgs,
    /// Serve the demo database (its own file unless --database is given), seeded with synthetic patients, and
    /// print the demo clinician's sign-in and API token.
    #[arg(long)]
    demo: bool,
    /// How often the audit trail is sealed, in milliseconds.
    #[arg(long, env = "TAUT_SEAL_INTERVAL_MS", default_value_t = 250)]
    seal_interval_ms: u64,
    /// Professions allowed to sign injection procedures, comma-separated.
    #[arg(
        long,
        env = "TAUT_INJECTION_PROFESSIONS",
        default_value = "physician,nurse-practitioner,physician-assistant"
    )]
    injection_professions: String,
    /// Mark the sign-in cookie Secure (HTTPS only): set it whenever users reach the server through TLS.
    #[arg(long, env = "TAUT_SECURE_COOKIES")]
    secure_cookies: bool,
}

#[derive(Args)]
pub struct MigrateArgs {
    /// Create the SQLite file if it does not exist (otherwise a missing file is refused as a mistyped path).
    #[arg(long)]
    create: bool,
    #[command(flatten)]
    database: DatabaseArgs,
}

#[derive(Args)]
pub struct UserArgs {
    #[command(subcommand)]
    command: UserCommand,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a user; the password is read from standard input.
    Add {
        #[arg(long)]
        username: String,
        /// What the user may do.
        #[arg(long, value_parser = VocabularyParser::<Role>::new())]
        role: Role,
        /// The user's profession: it decides who may sign an injection.
        #[arg(long, default_value = "other", value_parser = VocabularyParser::<Profession>::new())]
        profession: Profession,
        /// Read the password from standard input (required: passwords never go on the command line).
        #[arg(long, required = true)]
        password_stdin: bool,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// List users.
    List {
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Disable a user: their tokens stop working; their records stay.
    Disable {
        username: String,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

#[derive(Args)]
pub struct TokenArgs {
    #[command(subcommand)]
    command: TokenCommand,
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create an API token for a user; it is printed once and stored only as a hash.
    Create {
        #[arg(long)]
        username: String,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Revoke every API token of a user.
    Revoke {
        #[arg(long)]
        username: String,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

#[derive(Args)]
pub struct AuditArgs {
    #[command(subcommand)]
    command: AuditCommand,
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check the sealed trail; exits 1 and names the first broken entry if any was altered, inserted, reordered
    /// or removed. With a checkpoint, entries removed from the end are found too.
    Verify {
        /// A line printed earlier by `taut audit checkpoint`, kept outside the database.
        #[arg(long, value_name = "LINE")]
        checkpoint: Option<String>,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Print a signed line (position, root hash, time) to keep outside the database for later verification.
    Checkpoint {
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Write a new audit key file (never overwrites one).
    Keygen {
        /// The key file to create.
        #[arg(long, value_name = "FILE")]
        out: std::path::PathBuf,
    },
    /// Print audit entries, oldest first.
    Log {
        /// Only entries about this patient id.
        #[arg(long)]
        patient: Option<String>,
        /// Only entries after this chain position (page with the last one shown).
        #[arg(long, default_value_t = 0)]
        after: i64,
        #[arg(long, default_value_t = 1000)]
        limit: i64,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

#[derive(Args)]
pub struct BackupArgs {
    /// The new file to write (never overwritten).
    #[arg(long = "to", value_name = "FILE")]
    to: String,
    #[command(flatten)]
    database: DatabaseArgs,
}

#[derive(Args)]
pub struct DemoArgs {
    /// How many synthetic patients to add (written in batches, with a progress bar).
    #[arg(long, default_value_t = 20)]
    patients: usize,
    #[command(flatten)]
    database: DatabaseArgs,
}

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Other(e.into()))
}

/// Maps an operation's error to the CLI's exit codes: bad input 2, the rest 1.
pub(crate) fn app_failure(e: AppError) -> Failure {
    match e {
        AppError::Invalid(_) | AppError::NotFound(_) | AppError::VersionRequired(_) | AppError::OverrideRequired(_) => {
            Failure::Input(e.to_string())
        }
        other => Failure::Found(other.to_string()),
    }
}

pub fn serve(args: ServeArgs) -> Result<(), Failure> {
    let policy = Policy::with_injection_professions(&args.injection_professions).map_err(app_failure)?;
    let purpose = if args.demo { Purpose::Demo } else { Purpose::Clinical };
    runtime()?.block_on(async move {
        let app = args.database.app(purpose, args.demo, policy).await?;
        if args.demo {
            let seeded = demo::seed(&app, 20, |_| {}).await.map_err(app_failure)?;
            print_seeded(&seeded);
        }
        let listener = tokio::net::TcpListener::bind(&args.listen)
            .await
            .with_context(|| format!("listening on {}", args.listen))?;
        let address = listener.local_addr().context("local address")?;
        println!(
            "taut serving on http://{address} (database: {})",
            taut_app::redact(&args.database.resolve(purpose)?.0)
        );
        if let Some(token) = app.create_setup_link().await.map_err(app_failure)? {
            println!("no user yet: open this one-time link to create the first admin (valid 24 hours):");
            println!("http://{address}/setup?token={token}");
        }
        taut_app::spawn_sealer(
            app.clone(),
            std::time::Duration::from_millis(args.seal_interval_ms.max(10)),
        );
        let web = taut_server::WebConfig {
            secure_cookies: args.secure_cookies,
        };
        taut_server::serve_full(listener, app.clone(), taut_server::Limits::default(), web)
            .await
            .context("serving")?;
        // A last pass, so that the accesses of the final requests are sealed before the process ends.
        app.seal_audit().await.map_err(app_failure)?;
        Ok(())
    })
}

fn print_seeded(seeded: &demo::Seeded) {
    println!("demo: {} synthetic patients", seeded.patients);
    if let Some(password) = &seeded.password {
        println!("user: {}  password: {password}", seeded.username);
    }
    println!("API token for user '{}':\n{}", seeded.username, seeded.token);
}

pub fn migrate(args: MigrateArgs) -> Result<(), Failure> {
    runtime()?.block_on(async move {
        let (url, _) = args.database.resolve(Purpose::Clinical)?;
        args.database.open(Purpose::Clinical, args.create).await?;
        println!("database {} is up to date", taut_app::redact(&url));
        Ok(())
    })
}

pub(crate) async fn app(database: &DatabaseArgs) -> Result<App, Failure> {
    Ok(database.app(Purpose::Clinical, false, Policy::default()).await?)
}

pub fn user(args: UserArgs) -> Result<(), Failure> {
    let operator = Actor::operator();
    runtime()?.block_on(async move {
        match args.command {
            UserCommand::Add {
                username,
                role,
                profession,
                password_stdin: _,
                database,
            } => {
                let mut password = String::new();
                std::io::stdin()
                    .read_to_string(&mut password)
                    .context("reading the password from standard input")?;
                let password = password.trim_end_matches(['\n', '\r']);
                let app = app(&database).await?;
                let user = app
                    .add_user(&operator, &username, role.id(), profession.id(), password)
                    .await
                    .map_err(app_failure)?;
                println!("added {} ({}, {})", user.username, user.role, user.profession);
            }
            UserCommand::List { json, database } => {
                let users = app(&database).await?.list_users(&operator).await.map_err(app_failure)?;
                if json {
                    return print_json(&users);
                }
                for u in users {
                    let state = if u.disabled { "disabled" } else { "active" };
                    println!("{:<24} {:<10} {:<22} {state}", u.username, u.role, u.profession);
                }
            }
            UserCommand::Disable { username, database } => {
                app(&database)
                    .await?
                    .disable_user(&operator, &username)
                    .await
                    .map_err(app_failure)?;
                println!("disabled {username}");
            }
        }
        Ok(())
    })
}

pub fn token(args: TokenArgs) -> Result<(), Failure> {
    runtime()?.block_on(async move {
        match args.command {
            TokenCommand::Create { username, database } => {
                let token = app(&database)
                    .await?
                    .create_token(&Actor::operator(), &username)
                    .await
                    .map_err(app_failure)?;
                println!("{token}");
                eprintln!("This token is shown once; Taut stores only its hash.");
            }
            TokenCommand::Revoke { username, database } => {
                let revoked = app(&database)
                    .await?
                    .revoke_tokens(&Actor::operator(), &username)
                    .await
                    .map_err(app_failure)?;
                println!("revoked {revoked} token(s) of {username}");
            }
        }
        Ok(())
    })
}

pub fn audit(args: AuditArgs) -> Result<(), Failure> {
    runtime()?.block_on(async move {
        match args.command {
            AuditCommand::Verify { checkpoint, database } => {
                let app = app(&database).await?;
                match app.verify_audit(checkpoint.as_deref()).await.map_err(app_failure)? {
                    Ok(count) => {
                        println!("audit trail intact: {count} sealed entries");
                        Ok(())
                    }
                    Err(broken) => Err(Failure::Found(format!(
                        "audit trail broken at entry {}: {}",
                        broken.position, broken.reason
                    ))),
                }
            }
            AuditCommand::Checkpoint { database } => {
                let checkpoint = app(&database).await?.audit_checkpoint().await.map_err(app_failure)?;
                println!("{checkpoint}");
                Ok(())
            }
            AuditCommand::Keygen { out } => {
                let key = taut_app::AuditKey::generate().map_err(|e| Failure::Other(e.into()))?;
                crate::database::write_key(&out, &key)?;
                println!("wrote audit key {} to {}", key.id(), out.display());
                Ok(())
            }
            AuditCommand::Log {
                patient,
                after,
                limit,
                json,
                database,
            } => {
                let auditor = Actor {
                    role: taut_app::Role::Auditor,
                    ..Actor::operator()
                };
                let entries = app(&database)
                    .await?
                    .audit_log(&auditor, patient.as_deref(), after, limit)
                    .await
                    .map_err(app_failure)?;
                if json {
                    return print_json(&entries);
                }
                for e in entries {
                    println!(
                        "{:>6} {} {:<24} {:<20} patient={} {}={}",
                        e.position,
                        e.at,
                        e.actor,
                        e.action,
                        e.patient_id.as_deref().unwrap_or("-"),
                        e.record_type,
                        e.record_id.as_deref().unwrap_or("-")
                    );
                }
                Ok(())
            }
        }
    })
}

pub fn backup(args: BackupArgs) -> Result<(), Failure> {
    runtime()?.block_on(async move {
        app(&args.database)
            .await?
            .backup(&Actor::operator(), &args.to)
            .await
            .map_err(app_failure)?;
        println!("backed up to {}", args.to);
        Ok(())
    })
}

pub fn demo(args: DemoArgs) -> Result<(), Failure> {
    if args.patients == 0 || args.patients > 1_000_000 {
        return Err(Failure::Input("--patients must be from 1 to 1000000".into()));
    }
    runtime()?.block_on(async move {
        let app = args.database.app(Purpose::Demo, true, Policy::default()).await?;
        let bar = indicatif::ProgressBar::new(args.patients as u64).with_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} patients, {per_sec}, {eta} left")
                .map_err(|e| Failure::Other(e.into()))?,
        );
        let seeded = demo::seed(&app, args.patients, |written| bar.set_position(written as u64))
            .await
            .map_err(app_failure)?;
        bar.finish_and_clear();
        app.seal_audit().await.map_err(app_failure)?;
        app.refresh_statistics().await.map_err(app_failure)?;
        println!(
            "database {}",
            taut_app::redact(&args.database.resolve(Purpose::Demo)?.0)
        );
        print_seeded(&seeded);
        Ok(())
    })
}
