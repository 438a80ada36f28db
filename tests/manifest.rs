//! The manifest tells the truth: `rust-version` is no older than what every locked
//! dependency declares it needs, and the licenses it names are in the repository.

use std::process::Command;

/// `1.88` and `1.88.0` are the same version.
fn version(text: &str) -> [u64; 3] {
    let mut parts = [0; 3];
    for (slot, part) in parts.iter_mut().zip(text.split('.')) {
        *slot = part.parse().expect("a numeric version part");
    }
    parts
}

#[test]
fn rust_version_covers_every_locked_dependency() {
    let output = Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--offline", "--locked"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let packages = metadata["packages"].as_array().expect("packages");
    let ours = packages
        .iter()
        .find(|p| p["name"] == "convio")
        .and_then(|p| p["rust_version"].as_str())
        .expect("convio declares a rust-version");
    let newer: Vec<String> = packages
        .iter()
        .filter_map(|p| {
            let needed = p["rust_version"].as_str()?;
            (version(needed) > version(ours)).then(|| format!("{} needs {needed}", p["name"]))
        })
        .collect();
    assert!(
        newer.is_empty(),
        "rust-version {ours} is too old: {newer:?}"
    );
}

#[test]
fn the_named_licenses_are_present() {
    let manifest = std::fs::read_to_string("Cargo.toml").expect("Cargo.toml");
    assert!(manifest.contains(r#"license = "MIT OR Apache-2.0""#));
    let mit = std::fs::read_to_string("LICENSE-MIT").expect("LICENSE-MIT");
    assert!(mit.contains("Permission is hereby granted, free of charge"));
    let apache = std::fs::read_to_string("LICENSE-APACHE").expect("LICENSE-APACHE");
    assert!(apache.contains("Apache License") && apache.contains("Version 2.0"));
}
