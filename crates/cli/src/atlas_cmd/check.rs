//! `taut atlas check`: validates the compiled-in atlas or atlas files on disk.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::Context;
use taut_atlas::{Atlas, MANIFEST};

use crate::output::Failure;

pub fn run(paths: &[PathBuf]) -> Result<(), Failure> {
    let result = if paths.is_empty() {
        Atlas::embedded()
            .map_err(Clone::clone)
            .map(|a| summary(a, "compiled-in atlas"))
    } else {
        let files = read(paths)?;
        let borrowed: Vec<(&str, &str)> = files.iter().map(|(n, t)| (n.as_str(), t.as_str())).collect();
        Atlas::from_files(&borrowed).map(|a| summary(&a, &format!("{} file(s)", files.len())))
    };
    match result {
        Ok(line) => {
            println!("{line}");
            Ok(())
        }
        Err(e) => Err(Failure::Found(e.to_string())),
    }
}

fn summary(atlas: &Atlas, what: &str) -> String {
    let zones: usize = atlas.trigger_points().map(|(_, tp)| tp.referral.len()).sum();
    format!(
        "{what} valid: atlas {}, {} muscles, {} trigger points, {zones} referral zones",
        atlas.version(),
        atlas.muscles().len(),
        atlas.trigger_points().count()
    )
}

/// Reads the given files and every `.toml` in the given directories; adds the manifest from beside the first
/// path, or the compiled-in one, when none was given.
fn read(paths: &[PathBuf]) -> Result<Vec<(String, String)>, Failure> {
    let mut wanted: Vec<PathBuf> = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut inside: Vec<PathBuf> = fs::read_dir(path)
                .with_context(|| format!("reading {}", path.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .collect();
            inside.sort();
            wanted.extend(inside);
        } else if path.is_file() {
            wanted.push(path.clone());
        } else {
            return Err(Failure::Input(format!("no such file or directory: {}", path.display())));
        }
    }
    let mut files = Vec::new();
    for path in &wanted {
        files.push((
            file_name(path),
            fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?,
        ));
    }
    if !files.iter().any(|(name, _)| name == MANIFEST) {
        let beside = wanted.first().and_then(|p| p.parent()).map(|dir| dir.join(MANIFEST));
        let manifest = match beside.filter(|p| p.is_file()) {
            Some(path) => fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?,
            None => embedded_manifest(),
        };
        files.insert(0, (MANIFEST.to_owned(), manifest));
    }
    Ok(files)
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn embedded_manifest() -> String {
    Atlas::embedded_files()
        .iter()
        .find(|(n, _)| *n == MANIFEST)
        .map(|(_, t)| (*t).to_owned())
        .unwrap_or_default()
}
