//! Hardening of the `convio` CLI (issue 16, findings 7, 8 and 9): no silent in-process
//! emulator and no default credentials for a real site, error classes and exit statuses,
//! server text escaped before it reaches a terminal, colour only on a terminal, page streams
//! that cannot grow without end.
#![cfg(feature = "cli")]

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use common::cli::{convio_with_env as run, stderr, stdout};
use common::fake_site::FakeSite;

/// `command --endpoint endpoint --user u --password p rest...`.
fn signed_in<'a>(command: &'a str, endpoint: &'a str, rest: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        command,
        "--endpoint",
        endpoint,
        "--user",
        "u",
        "--password",
        "p",
    ];
    args.extend_from_slice(rest);
    args
}

fn envelope(body: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>{body}</soap:Body></soap:Envelope>"#
    )
}

fn query_page(records: &str) -> String {
    envelope(&format!(
        r#"<QueryResponse xmlns="urn:soap.convio.com" xmlns:ens="urn:object.soap.convio.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">{records}</QueryResponse>"#
    ))
}

fn constituents(ids: impl Iterator<Item = usize>) -> String {
    ids.map(|id| {
        format!(r#"<Record xsi:type="ens:Constituent"><ens:ConsId>{id}</ens:ConsId></Record>"#)
    })
    .collect()
}

/// The page number a Query request asks for.
fn requested_page(request: &str) -> usize {
    request
        .split_once("Page>")
        .and_then(|(_, rest)| rest.split_once('<'))
        .and_then(|(number, _)| number.parse().ok())
        .unwrap_or(1)
}

fn queries(site: &FakeSite) -> usize {
    site.seen
        .lock()
        .unwrap()
        .iter()
        .filter(|request| request.contains(":Query>"))
        .count()
}

fn requests(site: &FakeSite) -> usize {
    site.seen.lock().unwrap().len()
}

// ------------------------------------------------------------------ finding 7

#[test]
fn finding_7_create_or_update_with_an_endpoint_but_no_server_api_base_is_a_usage_error() {
    let site = FakeSite::start(|_| envelope(""));
    let by_flag = run(
        &[
            "create-or-update",
            "--endpoint",
            &site.url,
            "--user",
            "apiuser",
            "--password",
            "pw",
            "--email",
            "ada@example.org",
        ],
        &[],
    );
    let by_variable = run(
        &["create-or-update", "--email", "ada@example.org"],
        &[
            ("CONVIO_SOAP_URL", &site.url),
            ("CONVIO_USER", "apiuser"),
            ("CONVIO_PASSWORD", "pw"),
        ],
    );
    for output in [by_flag, by_variable] {
        assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
        assert_eq!(stdout(&output), "", "nothing was created anywhere");
        let message = stderr(&output);
        assert!(
            message.contains("--server-api-base") && message.contains("CONVIO_SERVER_API_BASE"),
            "{message}"
        );
    }
    assert_eq!(requests(&site), 0);
}

#[test]
fn finding_7_a_misspelt_endpoint_variable_does_not_fall_back_to_the_emulator() {
    let site = FakeSite::start(|_| query_page(""));
    for command in [
        vec!["query", "select ConsId from Constituent"],
        vec!["login"],
        vec!["create-or-update", "--email", "ada@example.org"],
    ] {
        let output = run(&command, &[("CONVIO_SOAP_UR", &site.url)]);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{command:?}: {}",
            stderr(&output)
        );
        assert_eq!(
            stdout(&output),
            "",
            "{command:?}: no answer from an emulator"
        );
        let message = stderr(&output);
        assert!(
            message.contains("CONVIO_SOAP_UR ") && message.contains("did you mean CONVIO_SOAP_URL"),
            "{message}"
        );
        assert!(message.contains("--emulator"), "{message}");
    }
    // Credentials without an endpoint: also no emulator.
    let output = run(
        &["login"],
        &[("CONVIO_USER", "apiuser"), ("CONVIO_PASSWORD", "pw")],
    );
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("no endpoint"),
        "{}",
        stderr(&output)
    );
    // A misspelt password variable is named when the password is missing.
    let output = run(
        &["login", "--endpoint", &site.url, "--user", "apiuser"],
        &[("CONVIO_PASWORD", "pw")],
    );
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("did you mean CONVIO_PASSWORD"),
        "{}",
        stderr(&output)
    );
    assert_eq!(requests(&site), 0);
}

#[test]
fn finding_7_a_real_endpoint_gets_no_default_credentials() {
    let site = FakeSite::start(|_| {
        envelope(
            r#"<GetServerTimeResponse xmlns="urn:soap.convio.com"><Result><Time>2026-11-22T12:00:00Z</Time></Result></GetServerTimeResponse>"#,
        )
    });
    let neither = run(&["login", "--endpoint", &site.url], &[]);
    assert_eq!(neither.status.code(), Some(2), "{}", stderr(&neither));
    let message = stderr(&neither);
    for named in ["--user", "CONVIO_USER", "--password", "CONVIO_PASSWORD"] {
        assert!(message.contains(named), "`{named}` in {message}");
    }
    let no_password = run(
        &["login", "--endpoint", &site.url, "--user", "apiuser"],
        &[],
    );
    assert_eq!(no_password.status.code(), Some(2));
    let message = stderr(&no_password);
    assert!(
        message.contains("--password (or CONVIO_PASSWORD)") && !message.contains("--user"),
        "{message}"
    );
    let no_user = run(&["login", "--endpoint", &site.url, "--password", "pw"], &[]);
    assert_eq!(no_user.status.code(), Some(2));
    assert!(stderr(&no_user).contains("--user (or CONVIO_USER)"));
    // Nothing was sent: no default password ever reached the site.
    assert_eq!(requests(&site), 0);

    // Given in the environment, they are what is sent.
    let output = run(
        &["login", "--endpoint", &site.url],
        &[
            ("CONVIO_USER", "clerk"),
            ("CONVIO_PASSWORD", "from-the-environment"),
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stdout(&output).starts_with("logged in as clerk;"),
        "{}",
        stdout(&output)
    );
    let login = site.seen.lock().unwrap()[0].clone();
    assert!(login.contains(">from-the-environment<"), "{login}");
    assert!(!login.contains(">secret<"), "{login}");

    // The Server API: key, user and password, none made up.
    let output = run(
        &[
            "create-or-update",
            "--server-api-base",
            "http://127.0.0.1:9/organization",
            "--email",
            "ada@example.org",
        ],
        &[],
    );
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let message = stderr(&output);
    for named in ["--api-key", "CONVIO_API_KEY", "--user", "--password"] {
        assert!(message.contains(named), "`{named}` in {message}");
    }
}

#[test]
fn finding_7_the_in_process_emulator_only_without_any_setting_or_with_emulator_and_it_says_so() {
    let output = run(&["login"], &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let notice = stderr(&output);
    assert_eq!(notice.lines().count(), 1, "one line: {notice}");
    assert!(
        notice.contains("in-process emulator with sample data") && notice.contains("--endpoint"),
        "{notice}"
    );
    let output = run(&["create-or-update", "--email", "ada@example.org"], &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stdout(&output).ends_with(": New user added.\n"));
    assert!(
        stderr(&output).contains("--server-api-base"),
        "{}",
        stderr(&output)
    );

    // --emulator: even with an endpoint configured, and without credentials; no notice.
    let output = run(
        &[
            "query",
            "--emulator",
            "select ConsId from Constituent where ConsId = 1001001",
            "--format",
            "csv",
        ],
        &[(
            "CONVIO_SOAP_URL",
            "https://webservices.example.org/1.0/site",
        )],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout(&output), "ConsId\n1001001\n");
    assert_eq!(stderr(&output), "");
    let output = run(
        &[
            "create-or-update",
            "--emulator",
            "--email",
            "grace@example.org",
        ],
        &[(
            "CONVIO_SOAP_URL",
            "https://webservices.example.org/1.0/site",
        )],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}

// ------------------------------------------------------------------ finding 8

#[test]
fn finding_8_configuration_errors_exit_2_and_name_no_missing_switch() {
    let credentials = ["--user", "apiuser", "--password", "pw"];
    for endpoint in [
        "ftp://webservices.example.org/1.0/site",
        "http://webservices.example.org/1.0/site",
        "not a url",
    ] {
        let mut args = vec!["login", "--endpoint", endpoint];
        args.extend(credentials);
        let output = run(&args, &[]);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{endpoint}: {}",
            stderr(&output)
        );
        let message = stderr(&output);
        assert!(message.contains("--endpoint"), "{message}");
        assert!(
            !message.contains("allow"),
            "no switch the CLI lacks: {message}"
        );
    }
    let insecure = run(
        &signed_in("login", "http://webservices.example.org/1.0/site", &[]),
        &[],
    );
    assert!(
        stderr(&insecure).contains("plain http"),
        "{}",
        stderr(&insecure)
    );
    let output = run(
        &[
            "create-or-update",
            "--server-api-base",
            "http://secure.example.org/organization",
            "--api-key",
            "k",
            "--user",
            "u",
            "--password",
            "p",
            "--email",
            "ada@example.org",
        ],
        &[],
    );
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let out = std::env::temp_dir().join(format!("convio-hardening-{}.wsdl", std::process::id()));
    let output = run(
        &[
            "wsdl",
            "fetch",
            "--endpoint",
            "http://webservices.example.org/1.0/site",
            "--out",
            out.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(!out.exists());
}

#[test]
fn finding_8_connect_errors_exit_3_naming_host_port_and_cause() {
    // Port 1: below the range the system hands out for port 0, so no server another test
    // starts meanwhile can take it (a port bound and released here could be).
    let address = "127.0.0.1:1";
    let endpoint = format!("http://{address}/1.0/site");
    let output = run(&signed_in("login", &endpoint, &[]), &[]);
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    let message = stderr(&output);
    let error = message
        .lines()
        .find(|line| line.starts_with("error:"))
        .unwrap_or_default();
    assert!(error.contains(&address.to_string()), "{message}");
    assert!(error.to_ascii_lowercase().contains("refused"), "{message}");
    assert!(!error.contains("client error (Connect)"), "{message}");
}

#[test]
fn finding_8_a_garbage_200_exits_3_and_its_excerpt_cannot_act_on_the_terminal() {
    let site = FakeSite::start(|_| "\u{1b}[2J\u{1b}]0;owned\u{7}garbage \u{202e}txt.exe".into());
    let output = run(
        &signed_in("query", &site.url, &["select ConsId from Constituent"]),
        &[],
    );
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    let message = stderr(&output);
    assert!(message.contains("is not a SOAP envelope"), "{message}");
    for raw in ['\u{1b}', '\u{7}', '\u{202e}'] {
        assert!(!message.contains(raw), "{raw:?} printed raw: {message:?}");
    }
    assert!(
        message.contains(r"\u{1b}[2J") && message.contains(r"\u{202e}txt.exe"),
        "{message}"
    );
}

#[test]
fn finding_8_server_text_is_escaped_before_printing() {
    // XML 1.0 carries DEL, the C1 controls (CSI U+009B) and the bidi controls.
    let first = "Eve\u{202e}gnp.exe";
    let last = "\u{9b}31mRed\u{7f}\u{2066}x\u{2069}";
    let page = query_page(&format!(
        r#"<Record xsi:type="ens:Constituent"><ens:ConsId>1</ens:ConsId><ens:ConsName><ens:FirstName>{first}</ens:FirstName><ens:LastName>{last}</ens:LastName></ens:ConsName></Record>"#
    ));
    let site = FakeSite::start(move |_| page.clone());
    let query = |format: &str| {
        run(
            &signed_in(
                "query",
                &site.url,
                &[
                    "select ConsId, ConsName from Constituent",
                    "--format",
                    format,
                ],
            ),
            &[],
        )
    };
    let raw = ['\u{202e}', '\u{9b}', '\u{7f}', '\u{2066}', '\u{2069}'];
    for format in ["table", "csv", "json"] {
        let output = query(format);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        let text = stdout(&output);
        for c in raw {
            assert!(!text.contains(c), "{format}: {c:?} printed raw: {text:?}");
        }
        match format {
            "json" => {
                // Escaped the JSON way: the same values.
                let row: serde_json::Value = serde_json::from_str(text.trim()).unwrap();
                assert_eq!(row["ConsName.FirstName"], first);
                assert_eq!(row["ConsName.LastName"], last);
            }
            _ => assert!(
                text.contains(r"Eve\u{202e}gnp.exe") && text.contains(r"\u{9b}31mRed\u{7f}"),
                "{format}: {text}"
            ),
        }
    }

    // A fault message.
    let fault = envelope(
        "<soap:Fault><faultcode>soap:Client</faultcode><faultstring>refused \u{9b}2J \u{202e}txt.exe</faultstring></soap:Fault>",
    );
    let site = FakeSite::start(move |_| fault.clone());
    let output = run(
        &signed_in("query", &site.url, &["select ConsId from Constituent"]),
        &[],
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let message = stderr(&output);
    assert!(
        message.contains(r"refused \u{9b}2J \u{202e}txt.exe"),
        "{message}"
    );
    for c in raw {
        assert!(!message.contains(c), "{c:?} printed raw: {message:?}");
    }
}

#[test]
fn finding_8_log_lines_carry_no_colour_codes_when_stderr_is_not_a_terminal() {
    let output = run(&["login"], &[("RUST_LOG", "debug")]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let log = stderr(&output);
    assert!(
        log.contains("sending request"),
        "debug logging was on: {log}"
    );
    assert!(!log.contains('\u{1b}'), "colour codes in a pipe: {log:?}");
}

// ------------------------------------------------------------------ finding 9

#[test]
fn finding_9_query_against_a_server_that_always_returns_the_same_full_page_stops() {
    let page = query_page(&constituents(1..=2));
    let site = FakeSite::start(move |_| page.clone());
    let output = run(
        &signed_in(
            "query",
            &site.url,
            &["select ConsId from Constituent", "--page-size", "2"],
        ),
        &[],
    );
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    let message = stderr(&output);
    assert!(message.contains("page 2"), "{message}");
    assert_eq!(stdout(&output), "", "nothing printed from a broken stream");
    assert_eq!(queries(&site), 2);
}

#[test]
fn finding_9_query_against_a_server_whose_full_pages_never_end_stops_at_max_pages() {
    let answered = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&answered);
    let site = FakeSite::start(move |request| {
        count.fetch_add(1, Ordering::SeqCst);
        let first = requested_page(request) * 10;
        query_page(&constituents(first..first + 2))
    });
    let output = run(
        &signed_in(
            "query",
            &site.url,
            &[
                "select ConsId from Constituent",
                "--page-size",
                "2",
                "--max-pages",
                "4",
            ],
        ),
        &[],
    );
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("after 4 pages"),
        "{}",
        stderr(&output)
    );
    assert_eq!(queries(&site), 4);
    assert_eq!(answered.load(Ordering::SeqCst), 4);
}
