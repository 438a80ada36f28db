//! The `convio` binary: the README's demo, query formats, exit codes, resumable sync.
#![cfg(feature = "cli")]

use std::process::Command;

use convio::emulator::Emulator;
use convio::soap::SyncOptions;

mod common;

use common::cli::{convio, stderr, stdout};

#[test]
fn demo_walks_through_the_mission() {
    let output = convio(&["demo"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = stdout(&output);
    for expected in [
        "OK: User added.",
        "ConsName.MiddleName  \"King\"",
        "ConsName.Suffix      nil",
        "has an empty value, which the server would ignore",
        "Server API createOrUpdate (xml)",
        "Server API createOrUpdate (json)",
        "User updated. (cons_id",
        "SOAP fault SYNCHRONIZATION",
        "record 0: RECORD_NOT_FOUND",
    ] {
        assert!(
            text.contains(expected),
            "demo output lacks `{expected}`:\n{text}"
        );
    }
    // The session token is never printed.
    assert!(!text.contains("JSESSIONID"), "{text}");
}

#[test]
fn query_formats() {
    let csv = stdout(&convio(&[
        "query",
        "select ConsId, ConsName.FirstName from Constituent where ConsId = 1001001",
        "--format",
        "csv",
    ]));
    assert_eq!(csv, "ConsId,ConsName.FirstName\n1001001,Ada\n");
    let json = stdout(&convio(&[
        "query",
        "select ConsId, ConsName.MiddleName from Constituent where ConsId = 1001002",
        "--format",
        "json",
    ]));
    assert_eq!(
        json.trim(),
        r#"{"ConsId":"1001002","ConsName.MiddleName":null}"#
    );
    let table = stdout(&convio(&[
        "query",
        "select ConsId from Constituent",
        "--page-size",
        "10",
    ]));
    assert!(table.starts_with("ConsId\n-------\n1001001\n"), "{table}");
    assert!(table.ends_with("(25 records)\n"), "{table}");
}

#[test]
fn exit_codes() {
    let ok = convio(&[
        "update",
        "--cons-id",
        "1001001",
        "--set",
        "ConsName.MiddleName=Williamson",
        "--nil",
        "ConsName.Suffix",
    ]);
    assert_eq!(ok.status.code(), Some(0));
    assert_eq!(stdout(&ok), "OK: User updated.\n");

    let unknown_field = convio(&[
        "update",
        "--cons-id",
        "1001001",
        "--set",
        "ConsName.Nickname=x",
    ]);
    assert_eq!(unknown_field.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown_field.stderr)
        .contains("`ConsName.Nickname` is not a field of Constituent"));

    let empty = convio(&[
        "update",
        "--cons-id",
        "1001001",
        "--set",
        "ConsName.MiddleName=",
    ]);
    assert_eq!(empty.status.code(), Some(2));

    let bad_id = convio(&[
        "update",
        "--cons-id",
        "not-a-number",
        "--set",
        "ConsName.MiddleName=x",
    ]);
    assert_eq!(bad_id.status.code(), Some(2));

    let missing = convio(&[
        "update",
        "--cons-id",
        "42",
        "--set",
        "ConsName.MiddleName=x",
    ]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(stdout(&missing).starts_with("RECORD_NOT_FOUND"));

    let unreachable = convio(&[
        "login",
        "--endpoint",
        "http://127.0.0.1:1/1.0/site",
        "--user",
        "apiuser",
        "--password",
        "secret",
    ]);
    assert_eq!(unreachable.status.code(), Some(3));

    // A configuration error: nothing can be sent (issue 16, finding 8).
    let insecure = convio(&[
        "login",
        "--endpoint",
        "http://webservices.example.org/1.0/site",
        "--user",
        "apiuser",
        "--password",
        "secret",
    ]);
    assert_eq!(insecure.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&insecure.stderr).contains("plain http"));

    // A real endpoint gets no default credentials (issue 16, finding 7).
    let no_credentials = convio(&["login", "--endpoint", "http://127.0.0.1:1/1.0/site"]);
    assert_eq!(no_credentials.status.code(), Some(2));
}

#[test]
fn create_or_update_via_the_server_api() {
    let output = convio(&[
        "create-or-update",
        "--email",
        "new@example.org",
        "--field",
        "name.first=Ada",
        "--response-format",
        "json",
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout(&output).ends_with(": New user added.\n"),
        "{}",
        stdout(&output)
    );
    let low_group = convio(&[
        "create-or-update",
        "--email",
        "new@example.org",
        "--add-group-ids",
        "12",
    ]);
    assert_eq!(low_group.status.code(), Some(2));
}

/// `convio add-offline-donation` of a gift by A B on `form` at level 1001, paid by
/// `payment`, with `extra` arguments.
fn add_offline_donation(form: &str, payment: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "add-offline-donation",
        "--form-id",
        form,
        "--level-id",
        "1001",
        "--payment",
        payment,
        "--first-name",
        "A",
        "--last-name",
        "B",
        "--email",
        "a.offline@example.org",
    ];
    args.extend_from_slice(extra);
    convio(&args)
}

#[test]
fn offline_gifts_and_any_server_api_method() {
    let gift = add_offline_donation(
        "1001",
        "check",
        &["--check-number", "1042", "--additional-amount", "12.50"],
    );
    assert!(gift.status.success(), "{}", stderr(&gift));
    let printed = stdout(&gift);
    assert!(printed.starts_with("transaction_id "), "{printed}");
    assert!(printed.contains("amount 62.50"), "{printed}");

    let unknown_form = add_offline_donation("7", "cash", &[]);
    assert_eq!(unknown_form.status.code(), Some(1));
    assert!(
        stderr(&unknown_form).contains("form with id 7"),
        "{}",
        stderr(&unknown_form)
    );

    let bad_amount = add_offline_donation("1001", "cash", &["--additional-amount", "twelve"]);
    assert_eq!(bad_amount.status.code(), Some(2));

    let launched = convio(&[
        "server-api",
        "launchDataSync",
        "--param",
        "operation_id=1",
        "--format",
        "json",
    ]);
    assert!(launched.status.success(), "{}", stderr(&launched));
    assert_eq!(
        stdout(&launched),
        "{\"launchDataSyncResponse\":{\"taskId\":{\"id\":\"1\"}}}\n"
    );
    // An errorResponse is printed as sent, and exits 1.
    let unknown_task = convio(&["server-api", "getDataSyncStatus", "--param", "task_id=99"]);
    assert_eq!(unknown_task.status.code(), Some(1));
    assert!(stdout(&unknown_task).contains("<errorResponse"));
    // A documented method's answer is read with its type as well.
    let groups = convio(&["server-api", "listGroups", "--format", "json"]);
    assert!(groups.status.success(), "{}", stderr(&groups));
    assert!(stdout(&groups).starts_with("{\"listGroupsResponse\""));
    assert!(
        !stderr(&groups).contains("not in the schema"),
        "{}",
        stderr(&groups)
    );
    // A method the reference does not list needs its servlet.
    let undocumented = convio(&["server-api", "getSomething"]);
    assert_eq!(undocumented.status.code(), Some(2));
    assert!(stderr(&undocumented).contains("--servlet"));
}

#[tokio::test(flavor = "multi_thread")]
async fn sync_to_ndjson_keeps_a_checked_state_and_resumes() {
    let emulator = Emulator::builder()
        .seed(30)
        .start("127.0.0.1:0")
        .await
        .unwrap();
    let dir = std::env::temp_dir().join(format!("convio-cli-sync-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("changes.ndjson");
    let state = dir.join("changes.ndjson.state");
    let endpoint = emulator.soap_url();
    let run = |extra: Vec<String>| {
        let endpoint = endpoint.clone();
        let out = out.clone();
        tokio::task::spawn_blocking(move || {
            let mut args = vec![
                "sync".to_string(),
                "--endpoint".into(),
                endpoint,
                "--user".into(),
                "apiuser".into(),
                "--password".into(),
                "secret".into(),
                "--out".into(),
                out.to_str().unwrap().to_string(),
                "--json".into(),
            ];
            args.extend(extra);
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            convio(&args)
        })
    };
    let summary = |output: &std::process::Output| -> serde_json::Value {
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let text = stdout(output);
        serde_json::from_str(text.lines().last().expect("a summary line")).expect("JSON")
    };

    let full = summary(&run(vec![]).await.unwrap());
    assert_eq!(full["inserted"], 30);
    assert_eq!(
        (full["updated"].as_u64(), full["deleted"].as_u64()),
        (Some(0), Some(0))
    );
    assert!(full["sync_id"].as_u64().is_some() && full["window_end"].is_string());
    let lines = std::fs::read_to_string(&out).unwrap();
    assert_eq!(lines.lines().count(), 30);
    let first: serde_json::Value = serde_json::from_str(lines.lines().next().unwrap()).unwrap();
    assert_eq!(first["change"], "insert");
    assert_eq!(first["fields"]["ConsId"], "1001001");
    assert!(
        state.exists(),
        "the state (where the next window starts) is kept"
    );

    // A run that died while appending a page: what follows the last checkpoint is cut off.
    let mut file = std::fs::OpenOptions::new().append(true).open(&out).unwrap();
    std::io::Write::write_all(&mut file, b"{\"change\":\"insert\",\"partial").unwrap();
    drop(file);
    let next = summary(&run(vec![]).await.unwrap());
    assert_eq!(
        next["inserted"], 0,
        "the next window starts where the last ended"
    );
    assert_eq!(std::fs::read_to_string(&out).unwrap(), lines);

    // A state edited by hand is refused (exit 2), never used, and the output left alone.
    let mut saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&state).unwrap()).unwrap();
    let bytes = saved["bytes"].as_u64().unwrap();
    saved["bytes"] = serde_json::json!(bytes + 1_000_000);
    std::fs::write(&state, saved.to_string()).unwrap();
    let tampered = run(vec![]).await.unwrap();
    assert_eq!(
        tampered.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&tampered.stderr)
    );
    assert!(String::from_utf8_lossy(&tampered.stderr).contains("changes.ndjson.state"));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), lines);

    // An output that cannot be written is refused before any window is opened.
    let bad = convio(&[
        "sync",
        "--endpoint",
        &emulator.soap_url(),
        "--user",
        "apiuser",
        "--password",
        "secret",
        "--out",
        "/nonexistent-directory/changes.ndjson",
    ]);
    assert_eq!(
        bad.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
    assert!(String::from_utf8_lossy(&bad.stderr).contains("/nonexistent-directory/changes.ndjson"));
    let client = common::emulator_client(&emulator);
    client
        .start_synchronization(SyncOptions::default())
        .await
        .expect("no window was left open");
    // --end ends it (here with another output: this one's state was tampered with above).
    let other = dir.join("other.ndjson");
    let ended = convio(&[
        "sync",
        "--endpoint",
        &emulator.soap_url(),
        "--user",
        "apiuser",
        "--password",
        "secret",
        "--out",
        other.to_str().unwrap(),
        "--end",
    ]);
    assert!(
        ended.status.success(),
        "{}",
        String::from_utf8_lossy(&ended.stderr)
    );
    assert!(String::from_utf8_lossy(&ended.stderr).contains("ended"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_full_demo_run_with_trace_logging_prints_no_secret() {
    let output = Command::new(env!("CARGO_BIN_EXE_convio"))
        .arg("demo")
        .env("RUST_LOG", "trace")
        .output()
        .expect("the binary runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let everything = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        everything.contains("sending request"),
        "trace logging was on: {everything}"
    );
    for secret in [
        "demo-Pa55w0rd-never-printed",
        "demo-api-key-never-printed",
        // Every session token the emulator hands out contains this.
        "JSESSIONID=emu",
        // The form field names that carry the Server API secrets.
        "login_password=",
        "api_key=",
    ] {
        assert!(
            !everything.contains(secret),
            "`{secret}` appeared in the output"
        );
    }
}

#[test]
fn wsdl_diff_lists_a_site_s_custom_fields() {
    let output = convio(&[
        "wsdl",
        "diff",
        "schemas/soap/convio.wsdl",
        "tests/fixtures/site/site.wsdl",
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = stdout(&output);
    assert!(
        text.contains("+ field Constituent.CustomIsVolunteer: xs:boolean 0..1 nillable"),
        "{text}"
    );
    assert!(text.contains("+ type VolunteerRegistration"), "{text}");
    // The site declares 14 of the record types; ours declares all 63.
    assert!(text.contains("- type TicketPurchase\n"), "{text}");
    assert!(
        text.contains("- field Constituent.EngagementFactor10\n"),
        "{text}"
    );
    assert!(text.ends_with("69 change(s)\n"), "{text}");
    let same = convio(&[
        "wsdl",
        "diff",
        "tests/fixtures/site/site.wsdl",
        "tests/fixtures/site/site.wsdl",
    ]);
    assert_eq!(stdout(&same), "0 change(s)\n");
}

#[test]
fn wsdl_fetch_saves_the_served_wsdl() {
    let out = std::env::temp_dir().join(format!("convio-fetched-{}.wsdl", std::process::id()));
    let output = convio(&["wsdl", "fetch", "--out", out.to_str().unwrap()]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let wsdl = std::fs::read_to_string(&out).unwrap();
    assert!(
        wsdl.contains("<wsdl:portType") && wsdl.contains("location=\"http://127.0.0.1:"),
        "{wsdl}"
    );
    std::fs::remove_file(&out).unwrap();
}

#[test]
fn emulator_serves_a_site_wsdl_and_names_its_custom_fields() {
    let (_emulator, lines) = common::cli::site_emulator_process();
    let custom = common::cli::printed(&lines, "Custom fields:");
    assert_eq!(
        custom.as_deref(),
        Some(
            "Constituent: CustomFavoriteColor, CustomIsVolunteer, CustomFirstGiftDate, \
             CustomLifetimeGifts, CustomHouseholdSize, CustomNickname, Custom_PartyAffiliation"
        )
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_offline_gift_added_then_refunded_from_the_command_line() {
    let emulator = Emulator::builder().start("127.0.0.1:0").await.unwrap();
    let base = emulator.server_api_base();
    let run = |args: Vec<String>| {
        tokio::task::spawn_blocking(move || {
            let mut all: Vec<&str> = args.iter().map(String::as_str).collect();
            all.extend([
                "--api-key",
                convio::emulator::DEFAULT_API_KEY,
                "--user",
                convio::emulator::DEFAULT_ADMIN_USER,
                "--password",
                convio::emulator::DEFAULT_ADMIN_PASSWORD,
            ]);
            convio(&all)
        })
    };
    let owned = |args: &[&str]| args.iter().map(|a| a.to_string()).collect::<Vec<_>>();
    let gift = run(owned(&[
        "add-offline-donation",
        "--server-api-base",
        &base,
        "--form-id",
        "1001",
        "--level-id",
        "1001",
        "--payment",
        "cash",
        "--first-name",
        "A",
        "--last-name",
        "B",
        "--email",
        "refund.me@example.org",
    ]))
    .await
    .unwrap();
    assert!(gift.status.success(), "{}", stderr(&gift));
    let printed = stdout(&gift);
    let code = printed
        .split("confirmation_code ")
        .nth(1)
        .and_then(|rest| rest.split(',').next())
        .expect("a confirmation code")
        .to_string();

    let refund = |amount: Option<&str>| {
        let mut args = owned(&[
            "refund-offline-donation",
            "--server-api-base",
            &base,
            "--confirmation-code",
            &code,
        ]);
        if let Some(amount) = amount {
            args.extend(owned(&["--amount", amount]));
        }
        run(args)
    };
    let part = refund(Some("10")).await.unwrap();
    assert!(part.status.success(), "{}", stderr(&part));
    assert!(stdout(&part).contains("amount 10.00"), "{}", stdout(&part));
    let rest = refund(None).await.unwrap();
    assert!(stdout(&rest).contains("amount 40.00"), "{}", stdout(&rest));
    // Nothing left: the server's reasons, exit 1; an amount that is not one: exit 2.
    let none_left = refund(None).await.unwrap();
    assert_eq!(none_left.status.code(), Some(1));
    assert!(
        stderr(&none_left).contains("nothing was refunded"),
        "{}",
        stderr(&none_left)
    );
    let bad = refund(Some("ten")).await.unwrap();
    assert_eq!(bad.status.code(), Some(2), "{}", stderr(&bad));
    emulator.shutdown().await;
}

/// `command` (its name first) against the Server API at `base`, as the emulator's
/// administrator.
fn with_admin_at<'a>(base: &'a str, command: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![command[0]];
    args.extend([
        "--server-api-base",
        base,
        "--api-key",
        convio::emulator::DEFAULT_API_KEY,
        "--user",
        convio::emulator::DEFAULT_ADMIN_USER,
        "--password",
        convio::emulator::DEFAULT_ADMIN_PASSWORD,
    ]);
    args.extend(&command[1..]);
    args
}

#[tokio::test(flavor = "multi_thread")]
async fn groups_of_a_constituent_from_the_command_line() {
    let emulator = Emulator::builder()
        .seed(1)
        .start("127.0.0.1:0")
        .await
        .unwrap();
    let cons_id = emulator.site().constituent_ids()[0];
    let server_api = convio::server_api::Client::builder()
        .base_url(emulator.server_api_base())
        .api_key(convio::emulator::DEFAULT_API_KEY)
        .credentials(
            convio::emulator::DEFAULT_ADMIN_USER,
            convio::emulator::DEFAULT_ADMIN_PASSWORD,
        )
        .allow_insecure_http(true)
        .build()
        .unwrap();
    server_api
        .update(
            &convio::server_api::ConsParams::new()
                .cons_id(cons_id)
                .add_group_ids([1010, 1013]),
        )
        .await
        .unwrap();
    let base = emulator.server_api_base();
    let id = cons_id.to_string();
    let output = tokio::task::spawn_blocking(move || {
        convio(&with_admin_at(&base, &["groups", "--cons-id", &id]))
    })
    .await
    .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output), "1010\tGroup 1010\n1013\tGroup 1013\n");
    let nobody = convio(&["groups"]);
    assert_eq!(nobody.status.code(), Some(2), "{}", stderr(&nobody));

    // And the other way round: the members of a group.
    let base = emulator.server_api_base();
    let members = tokio::task::spawn_blocking(move || {
        convio(&with_admin_at(
            &base,
            &["group-members", "--group-id", "1013"],
        ))
    })
    .await
    .unwrap();
    assert!(members.status.success(), "{}", stderr(&members));
    let line = stdout(&members);
    assert!(line.starts_with(&format!("{cons_id}\t")), "{line}");
    assert!(line.trim_end().ends_with("seed0@example.org"), "{line}");
    assert!(
        stderr(&members).contains("1 of 1 member(s)"),
        "{}",
        stderr(&members)
    );
    let no_group = convio(&["group-members", "--group-id", "4242"]);
    assert_eq!(no_group.status.code(), Some(1), "{}", stderr(&no_group));
    emulator.shutdown().await;
}
