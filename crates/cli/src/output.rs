//! Exit codes and output helpers shared by the commands.

use serde::Serialize;

/// Why a command failed, and so which exit code it ends with.
#[derive(Debug)]
pub enum Failure {
    /// The input cannot be used (unknown id, bad value): exit code 2, like a usage error.
    Input(String),
    /// The command ran and found a problem (invalid data, an error finding): exit code 1.
    Found(String),
    /// Something outside the input failed (I/O): exit code 1.
    Other(anyhow::Error),
}

impl Failure {
    pub fn exit_code(&self) -> u8 {
        match self {
            Failure::Input(_) => 2,
            Failure::Found(_) | Failure::Other(_) => 1,
        }
    }

    pub fn message(&self) -> String {
        match self {
            Failure::Input(m) | Failure::Found(m) => m.clone(),
            Failure::Other(e) => format!("{e:#}"),
        }
    }
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Failure {
        Failure::Other(e)
    }
}

/// Prints a value as pretty JSON on standard output.
pub fn print_json<T: Serialize + ?Sized>(value: &T) -> Result<(), Failure> {
    let text = serde_json::to_string_pretty(value).map_err(|e| Failure::Other(e.into()))?;
    println!("{text}");
    Ok(())
}
