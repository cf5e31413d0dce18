//! The dependency rules of ARCHITECTURE.md, checked on the workspace's Cargo.toml files: the layers point one
//! way, the server and the CLI reach patient data only through `taut-app`, and the pure crates stay free of I/O
//! frameworks.

use std::collections::BTreeMap;
use std::path::Path;

/// The workspace crates from the bottom layer up: a crate may depend only on crates listed before it.
const LAYERS: [(&str, &str); 7] = [
    ("atlas", "taut-atlas"),
    ("core", "taut-core"),
    ("fhir", "taut-fhir"),
    ("store", "taut-store"),
    ("app", "taut-app"),
    ("server", "taut-server"),
    ("cli", "taut"),
];

/// Each crate's normal (non-dev) dependencies, by crate directory.
fn dependencies() -> BTreeMap<&'static str, Vec<String>> {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    LAYERS
        .iter()
        .map(|(dir, _)| {
            let text = std::fs::read_to_string(crates.join(dir).join("Cargo.toml")).expect("a crate manifest");
            let manifest: toml::Table = toml::from_str(&text).expect("a readable manifest");
            let names = manifest
                .get("dependencies")
                .and_then(toml::Value::as_table)
                .map(|t| t.keys().cloned().collect())
                .unwrap_or_default();
            (*dir, names)
        })
        .collect()
}

#[test]
fn the_workspace_crates_are_the_layers_listed() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../Cargo.toml");
    let manifest: toml::Table = toml::from_str(&std::fs::read_to_string(root).expect("root manifest")).expect("toml");
    let members: Vec<String> = manifest["workspace"]["members"]
        .as_array()
        .expect("members")
        .iter()
        .filter_map(|m| m.as_str().map(|m| m.trim_start_matches("crates/").to_owned()))
        .collect();
    let layers: Vec<&str> = LAYERS.iter().map(|(dir, _)| *dir).collect();
    assert_eq!(
        members, layers,
        "a new crate needs its place in LAYERS and ARCHITECTURE.md"
    );
}

#[test]
fn dependencies_between_crates_point_down_the_layers() {
    let all = dependencies();
    for (level, (dir, _)) in LAYERS.iter().enumerate() {
        for dependency in &all[dir] {
            if let Some(target) = LAYERS.iter().position(|(_, name)| name == dependency) {
                assert!(target < level, "{dir} depends on {dependency}, which lies above it");
            }
        }
    }
}

#[test]
fn the_server_and_the_cli_reach_records_only_through_the_app() {
    let all = dependencies();
    for dir in ["server", "cli"] {
        assert!(
            !all[dir].iter().any(|d| d == "taut-store" || d == "sqlx"),
            "{dir} depends on the store outside dev-dependencies: call taut-app instead"
        );
    }
}

#[test]
fn the_pure_crates_hold_no_database_http_or_runtime() {
    let all = dependencies();
    let forbidden = [
        "sqlx",
        "axum",
        "hyper",
        "tokio",
        "reqwest",
        "tower",
        "tower-http",
        "clap",
    ];
    for dir in ["atlas", "core", "fhir"] {
        for dependency in &all[dir] {
            assert!(
                !forbidden.contains(&dependency.as_str()),
                "{dir} depends on {dependency}"
            );
        }
    }
}

#[test]
fn only_the_interfaces_speak_http_or_parse_command_lines() {
    let all = dependencies();
    for dir in ["atlas", "core", "fhir", "store", "app"] {
        for dependency in &all[dir] {
            assert!(
                !["axum", "hyper", "tower-http", "clap"].contains(&dependency.as_str()),
                "{dir} depends on {dependency}: transports belong to server and cli"
            );
        }
    }
}

/// The store's `test-support` helpers (fresh schemas dropped after use, raw SQL) never reach the binary: no
/// crate turns the feature on outside its dev-dependencies, and the store does not turn it on by default.
#[test]
fn test_support_is_enabled_only_for_tests() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for (dir, _) in LAYERS {
        let text = std::fs::read_to_string(crates.join(dir).join("Cargo.toml")).expect("a crate manifest");
        let manifest: toml::Table = toml::from_str(&text).expect("a readable manifest");
        let dependencies = manifest.get("dependencies").and_then(toml::Value::as_table);
        for (name, spec) in dependencies.into_iter().flatten() {
            let features = spec.get("features").and_then(toml::Value::as_array);
            let enabled = features
                .into_iter()
                .flatten()
                .any(|f| f.as_str() == Some("test-support"));
            assert!(
                !enabled,
                "{dir} enables {name}/test-support outside its dev-dependencies"
            );
        }
        let defaults = manifest
            .get("features")
            .and_then(|f| f.get("default"))
            .and_then(toml::Value::as_array);
        let default_on = defaults
            .into_iter()
            .flatten()
            .any(|f| f.as_str() == Some("test-support"));
        assert!(!default_on, "{dir} turns test-support on by default");
    }
}

/// The OpenAPI schema library may describe lower-layer types only behind a cargo feature that the server
/// enables (`openapi`), so the pure crates build without it; its axum integration stays in the server.
#[test]
fn api_schemas_reach_the_lower_layers_only_behind_a_feature() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for dir in ["atlas", "core", "fhir", "store", "app"] {
        let text = std::fs::read_to_string(crates.join(dir).join("Cargo.toml")).expect("a crate manifest");
        let manifest: toml::Table = toml::from_str(&text).expect("a readable manifest");
        let Some(dependencies) = manifest.get("dependencies").and_then(toml::Value::as_table) else {
            continue;
        };
        assert!(
            !dependencies.contains_key("utoipa-axum"),
            "{dir} depends on utoipa-axum: routes are documented in the server"
        );
        if let Some(utoipa) = dependencies.get("utoipa") {
            let optional = utoipa.get("optional").and_then(toml::Value::as_bool).unwrap_or(false);
            assert!(
                optional,
                "{dir} depends on utoipa unconditionally: make it optional behind a feature"
            );
        }
    }
}
