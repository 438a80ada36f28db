//! Independent check with libxml2's validator (`xmllint`, Debian package libxml2-utils):
//! every request envelope in the snapshots, and every CRM fixture, is valid against
//! schemas/. A message our encoder writes but our own schema rejects fails here.

use std::path::{Path, PathBuf};
use std::process::Command;

fn xmllint_validate(schema: &Path, documents: &[PathBuf]) {
    assert!(
        !documents.is_empty(),
        "no documents to validate against {}",
        schema.display()
    );
    let output = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(schema)
        .args(documents)
        .output()
        .expect("xmllint must be installed (Debian: apt-get install libxml2-utils)");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "xmllint rejected documents:\n{stderr}"
    );
    let validated = stderr
        .lines()
        .filter(|line| line.ends_with(" validates"))
        .count();
    assert_eq!(validated, documents.len(), "xmllint output:\n{stderr}");
}

fn files_in(dir: &str, suffix: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .map(|entry| entry.expect("dir entry").path())
        .filter(|path| path.to_string_lossy().ends_with(suffix))
        .collect();
    files.sort();
    files
}

/// The XML of an insta snapshot: everything after the metadata block.
fn snapshot_body(snapshot: &str) -> &str {
    let mut parts = snapshot.splitn(3, "---\n");
    parts.next();
    parts.next();
    parts.next().expect("snapshot has a metadata block")
}

#[test]
fn request_snapshots_are_valid_against_the_soap_schemas() {
    let scratch = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("snapshot-xml");
    std::fs::create_dir_all(&scratch).expect("scratch dir");
    let mut documents = Vec::new();
    for snapshot in files_in("tests/snapshots", ".snap") {
        let name = snapshot
            .file_name()
            .expect("file name")
            .to_string_lossy()
            .into_owned();
        if !name.starts_with("request_snapshots__") {
            continue;
        }
        let text = std::fs::read_to_string(&snapshot).expect("read snapshot");
        let target = scratch.join(name.replace(".snap", ".xml"));
        std::fs::write(&target, snapshot_body(&text)).expect("write xml");
        documents.push(target);
    }
    assert!(
        documents.len() >= 20,
        "expected every operation's snapshot, found {}",
        documents.len()
    );
    xmllint_validate(Path::new("schemas/soap/envelope.xsd"), &documents);
}

#[test]
fn crm_fixtures_are_valid_against_the_crm_schema() {
    let documents: Vec<PathBuf> = files_in("tests/fixtures/crm", ".xml")
        .into_iter()
        .filter(|path| !path.to_string_lossy().contains("-as-documented"))
        .collect();
    xmllint_validate(Path::new("schemas/crm.public.v1.xsd"), &documents);
}

#[test]
fn schemas_compile() {
    for schema in [
        "schemas/soap/envelope.xsd",
        "schemas/soap/messages.xsd",
        "schemas/soap/objects.xsd",
        "schemas/crm.public.v1.xsd",
        "schemas/crm.public.common.v1.xsd",
        "schemas/crm.public.constituent.v1.xsd",
        "schemas/crm.public.group.v1.xsd",
        "schemas/crm.public.donation.v1.xsd",
        "schemas/crm.public.recurring.v1.xsd",
        "schemas/crm.public.datasync.v1.xsd",
        "schemas/crm.public.advocacy.v1.xsd",
    ] {
        // libxml2 compiles a schema when it validates with it; a one-element probe document
        // (which is of course not valid) is enough to surface schema errors.
        let output = Command::new("xmllint")
            .args([
                "--noout",
                "--schema",
                schema,
                "tests/fixtures/empty-probe.xml",
            ])
            .output()
            .expect("xmllint must be installed (Debian: apt-get install libxml2-utils)");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("fails to validate"),
            "{schema} was not used:\n{stderr}"
        );
        assert!(
            !stderr.contains("failed to compile"),
            "{schema} does not compile:\n{stderr}"
        );
    }
}
