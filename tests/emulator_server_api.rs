//! Our Server API client against the emulator over loopback HTTP: the createOrUpdate
//! matching matrix (each case checks the answer and what the site now holds), in XML and in
//! JSON, plus authentication errors, group ids and `getUser` with `fields`.
#![cfg(feature = "emulator")]

mod common;

use common::stored;
use convio::emulator::{ChangeKind, Emulator};
use convio::server_api::{Client as ServerApi, ConsParams, ErrorCode, Lookup, ResponseFormat};
use convio::{Error, Field};

const FORMATS: [ResponseFormat; 2] = [ResponseFormat::Xml, ResponseFormat::Json];

async fn start(unique_email: bool) -> Emulator {
    Emulator::builder()
        .unique_email(unique_email)
        .start("127.0.0.1:0")
        .await
        .expect("emulator starts")
}

fn api(emulator: &Emulator, format: ResponseFormat) -> ServerApi {
    api_with(emulator, format, "demo-api-key", "secret")
}

fn api_with(
    emulator: &Emulator,
    format: ResponseFormat,
    api_key: &str,
    password: &str,
) -> ServerApi {
    ServerApi::builder()
        .base_url(emulator.server_api_base())
        .api_key(api_key)
        .credentials("apiuser", password)
        .response_format(format)
        .build()
        .expect("client builds")
}

/// Puts a record straight into the site (bypassing every uniqueness check), as data that
/// arrived some other way would be.
fn insert(emulator: &Emulator, member_id: Option<&str>, email: &str, first: &str) -> u64 {
    let mut values = vec![("PrimaryEmail", email), ("ConsName.FirstName", first)];
    if let Some(member_id) = member_id {
        values.push(("MemberId", member_id));
    }
    emulator
        .site()
        .change_on_website("Constituent", ChangeKind::Insert, None, &values)
        .expect("constituents are kept")
}

fn count(emulator: &Emulator) -> usize {
    emulator.site().constituent_ids().len()
}

/// The code and HTTP status of a Server API error, or a panic naming what came instead.
fn api_error<T: std::fmt::Debug>(result: Result<T, Error>) -> (ErrorCode, u16) {
    match result {
        Err(Error::ServerApi { code, status, .. }) => (code, status),
        other => panic!("expected a Server API error, got {other:?}"),
    }
}

fn message<T: AsRef<str> + std::fmt::Debug>(field: &Field<T>) -> &str {
    match field {
        Field::Value(text) => text.as_ref(),
        other => panic!("expected a message, got {other:?}"),
    }
}

// ---------------------------------------------------------------- the matching matrix

#[tokio::test]
async fn cons_id_found_updates_that_record() {
    for format in FORMATS {
        let emulator = start(true).await;
        let id = insert(&emulator, Some("M-1"), "ada@example.org", "Ada");
        let other = insert(&emulator, None, "grace@example.org", "Grace");
        let response = api(&emulator, format)
            .create_or_update(
                &ConsParams::new()
                    .cons_id(id)
                    .field("name.first", "Augusta")
                    .field("primary_address.city", "London"),
            )
            .await
            .unwrap();
        assert_eq!(response.cons_id, Some(id), "{format:?}");
        assert_eq!(message(&response.message), "User updated.", "{format:?}");
        assert_eq!(count(&emulator), 2, "{format:?}");
        assert_eq!(
            stored(&emulator, id, "ConsName.FirstName").as_deref(),
            Some("Augusta")
        );
        assert_eq!(
            stored(&emulator, id, "HomeAddress.City").as_deref(),
            Some("London")
        );
        // The keys not sent and the other record are as they were.
        assert_eq!(stored(&emulator, id, "MemberId").as_deref(), Some("M-1"));
        assert_eq!(
            stored(&emulator, other, "ConsName.FirstName").as_deref(),
            Some("Grace")
        );
        emulator.shutdown().await;
    }
}

#[tokio::test]
async fn cons_id_not_found_is_error_16_and_creates_nothing() {
    for format in FORMATS {
        let emulator = start(true).await;
        let id = insert(&emulator, None, "ada@example.org", "Ada");
        let changes_before = emulator.site().changes().len();
        // Even with an email that would be enough to create a record.
        let result = api(&emulator, format)
            .create_or_update(
                &ConsParams::new()
                    .cons_id(id + 1000)
                    .primary_email("new@example.org")
                    .field("name.first", "Nobody"),
            )
            .await;
        assert_eq!(
            api_error(result),
            (ErrorCode::RecordNotFound, 403),
            "{format:?}"
        );
        assert_eq!(ErrorCode::RecordNotFound.code(), 16);
        assert_eq!(count(&emulator), 1, "{format:?}");
        assert!(emulator.site().find_by_email("new@example.org").is_empty());
        assert_eq!(emulator.site().changes().len(), changes_before);
        assert_eq!(
            stored(&emulator, id, "ConsName.FirstName").as_deref(),
            Some("Ada")
        );
        emulator.shutdown().await;
    }
}

#[tokio::test]
async fn member_id_without_match_creates_a_record() {
    for format in FORMATS {
        let emulator = start(true).await;
        insert(&emulator, Some("M-OTHER"), "other@example.org", "Other");
        let response = api(&emulator, format)
            .create_or_update(
                &ConsParams::new()
                    .member_id("M-NEW")
                    .primary_email("new@example.org")
                    .field("name.first", "Newton"),
            )
            .await
            .unwrap();
        assert_eq!(message(&response.message), "New user added.", "{format:?}");
        let id = response.cons_id.expect("a cons_id");
        assert_eq!(count(&emulator), 2, "{format:?}");
        assert_eq!(emulator.site().find_by_member_id("M-NEW"), [id]);
        assert_eq!(emulator.site().find_by_email("new@example.org"), [id]);
        assert_eq!(
            stored(&emulator, id, "ConsName.FirstName").as_deref(),
            Some("Newton")
        );
        assert_eq!(
            stored(&emulator, id, "ConsId"),
            Some(id.to_string()),
            "the new record carries its own id"
        );
        // Opted out of email unless the request says otherwise.
        assert_eq!(
            stored(&emulator, id, "AcceptsEmail").as_deref(),
            Some("false")
        );
        emulator.shutdown().await;
    }
}

#[tokio::test]
async fn member_id_with_one_match_updates_it() {
    for format in FORMATS {
        let emulator = start(true).await;
        let id = insert(&emulator, Some("M-1"), "ada@example.org", "Ada");
        let response = api(&emulator, format)
            .create_or_update(
                &ConsParams::new()
                    .member_id("M-1")
                    .primary_email("ada.lovelace@example.org")
                    .field("name.last", "Lovelace"),
            )
            .await
            .unwrap();
        assert_eq!(response.cons_id, Some(id), "{format:?}");
        assert_eq!(message(&response.message), "User updated.", "{format:?}");
        assert_eq!(count(&emulator), 1, "{format:?}");
        assert_eq!(
            stored(&emulator, id, "ConsName.LastName").as_deref(),
            Some("Lovelace")
        );
        // Matched by member id, so the email given alongside is the new email.
        assert_eq!(
            stored(&emulator, id, "PrimaryEmail").as_deref(),
            Some("ada.lovelace@example.org")
        );
        assert!(emulator.site().find_by_email("ada@example.org").is_empty());
        emulator.shutdown().await;
    }
}

#[tokio::test]
async fn member_id_with_two_matches_is_error_15_and_changes_nothing() {
    for format in FORMATS {
        let emulator = start(true).await;
        let first = insert(&emulator, Some("M-DUP"), "dup1@example.org", "One");
        let second = insert(&emulator, Some("M-DUP"), "dup2@example.org", "Two");
        let result = api(&emulator, format)
            .create_or_update(
                &ConsParams::new()
                    .member_id("M-DUP")
                    .primary_email("dup3@example.org")
                    .field("name.first", "Changed"),
            )
            .await;
        assert_eq!(
            api_error(result),
            (ErrorCode::UpdateMatchAmbiguous, 403),
            "{format:?}"
        );
        assert_eq!(ErrorCode::UpdateMatchAmbiguous.code(), 15);
        assert_eq!(count(&emulator), 2, "{format:?}");
        assert_eq!(
            stored(&emulator, first, "ConsName.FirstName").as_deref(),
            Some("One")
        );
        assert_eq!(
            stored(&emulator, second, "ConsName.FirstName").as_deref(),
            Some("Two")
        );
        assert!(emulator.site().find_by_email("dup3@example.org").is_empty());
        emulator.shutdown().await;
    }
}

#[tokio::test]
async fn primary_email_without_match_creates_a_record() {
    for format in FORMATS {
        let emulator = start(true).await;
        insert(&emulator, None, "other@example.org", "Other");
        let response = api(&emulator, format)
            .create_or_update(
                &ConsParams::new()
                    .primary_email("Fresh@Example.org")
                    .field("name.first", "Fresh")
                    .field("email.accepts_email", "true"),
            )
            .await
            .unwrap();
        assert_eq!(message(&response.message), "New user added.", "{format:?}");
        let id = response.cons_id.expect("a cons_id");
        assert_eq!(count(&emulator), 2, "{format:?}");
        // Emails match case-insensitively.
        assert_eq!(emulator.site().find_by_email("fresh@example.org"), [id]);
        assert_eq!(
            stored(&emulator, id, "AcceptsEmail").as_deref(),
            Some("true")
        );
        emulator.shutdown().await;
    }
}

#[tokio::test]
async fn primary_email_with_one_match_updates_it() {
    for format in FORMATS {
        let emulator = start(true).await;
        let id = insert(&emulator, None, "ada@example.org", "Ada");
        let response = api(&emulator, format)
            .create_or_update(
                &ConsParams::new()
                    .primary_email("ADA@example.org")
                    .field("home_phone", "+44 20 7946 0000"),
            )
            .await
            .unwrap();
        assert_eq!(response.cons_id, Some(id), "{format:?}");
        assert_eq!(message(&response.message), "User updated.", "{format:?}");
        assert_eq!(count(&emulator), 1, "{format:?}");
        assert_eq!(
            stored(&emulator, id, "HomePhone").as_deref(),
            Some("+44 20 7946 0000")
        );
        assert_eq!(
            stored(&emulator, id, "ConsName.FirstName").as_deref(),
            Some("Ada")
        );
        emulator.shutdown().await;
    }
}

#[tokio::test]
async fn primary_email_with_two_matches_and_unique_email_is_error_15() {
    for format in FORMATS {
        let emulator = start(true).await;
        let first = insert(&emulator, None, "shared@example.org", "One");
        let second = insert(&emulator, None, "shared@example.org", "Two");
        let result = api(&emulator, format)
            .create_or_update(
                &ConsParams::new()
                    .primary_email("shared@example.org")
                    .field("name.first", "Changed"),
            )
            .await;
        assert_eq!(
            api_error(result),
            (ErrorCode::UpdateMatchAmbiguous, 403),
            "{format:?}"
        );
        assert_eq!(count(&emulator), 2, "{format:?}");
        assert_eq!(
            emulator.site().find_by_email("shared@example.org"),
            [first, second]
        );
        assert_eq!(
            stored(&emulator, first, "ConsName.FirstName").as_deref(),
            Some("One")
        );
        assert_eq!(
            stored(&emulator, second, "ConsName.FirstName").as_deref(),
            Some("Two")
        );
        emulator.shutdown().await;
    }
}

#[tokio::test]
async fn primary_email_with_two_matches_without_unique_email_creates_a_third() {
    for format in FORMATS {
        let emulator = start(false).await;
        let first = insert(&emulator, None, "shared@example.org", "One");
        let second = insert(&emulator, None, "shared@example.org", "Two");
        let response = api(&emulator, format)
            .create_or_update(
                &ConsParams::new()
                    .primary_email("shared@example.org")
                    .field("name.first", "Three"),
            )
            .await
            .unwrap();
        assert_eq!(message(&response.message), "New user added.", "{format:?}");
        let id = response.cons_id.expect("a cons_id");
        assert!(id != first && id != second);
        assert_eq!(count(&emulator), 3, "{format:?}");
        assert_eq!(
            emulator.site().find_by_email("shared@example.org"),
            [first, second, id]
        );
        assert_eq!(
            stored(&emulator, id, "ConsName.FirstName").as_deref(),
            Some("Three")
        );
        assert_eq!(
            stored(&emulator, first, "ConsName.FirstName").as_deref(),
            Some("One")
        );
        emulator.shutdown().await;
    }
}

#[tokio::test]
async fn primary_email_with_one_match_without_unique_email_still_updates() {
    for format in FORMATS {
        let emulator = start(false).await;
        let id = insert(&emulator, None, "solo@example.org", "Solo");
        let response = api(&emulator, format)
            .create_or_update(
                &ConsParams::new()
                    .primary_email("solo@example.org")
                    .field("name.last", "Han"),
            )
            .await
            .unwrap();
        assert_eq!(response.cons_id, Some(id), "{format:?}");
        assert_eq!(message(&response.message), "User updated.", "{format:?}");
        assert_eq!(count(&emulator), 1);
        assert_eq!(
            stored(&emulator, id, "ConsName.LastName").as_deref(),
            Some("Han")
        );
        emulator.shutdown().await;
    }
}

// ---------------------------------------------------------------- authentication

#[tokio::test]
async fn a_wrong_api_key_is_error_2_and_changes_nothing() {
    for format in FORMATS {
        let emulator = start(true).await;
        let client = api_with(&emulator, format, "not-the-key", "secret");
        let result = client
            .create_or_update(&ConsParams::new().primary_email("new@example.org"))
            .await;
        assert_eq!(
            api_error(result),
            (ErrorCode::InvalidApiKey, 403),
            "{format:?}"
        );
        assert_eq!(ErrorCode::InvalidApiKey.code(), 2);
        assert_eq!(count(&emulator), 0);
        emulator.shutdown().await;
    }
}

#[tokio::test]
async fn a_wrong_password_is_error_3_and_changes_nothing() {
    for format in FORMATS {
        let emulator = start(true).await;
        let id = insert(&emulator, None, "ada@example.org", "Ada");
        let client = api_with(&emulator, format, "demo-api-key", "wrong");
        let result = client
            .create_or_update(&ConsParams::new().cons_id(id).field("name.first", "Mallory"))
            .await;
        let (code, status) = api_error(result);
        assert_eq!(
            (code, code.code(), status),
            (ErrorCode::AuthenticationFailed, 3, 403)
        );
        assert_eq!(
            stored(&emulator, id, "ConsName.FirstName").as_deref(),
            Some("Ada")
        );
        let lookup = api_with(&emulator, format, "demo-api-key", "wrong")
            .get_user(&Lookup::ConsId(id), &[])
            .await;
        assert_eq!(api_error(lookup).0, ErrorCode::AuthenticationFailed);
        emulator.shutdown().await;
    }
}

// ---------------------------------------------------------------- groups

#[tokio::test]
async fn group_ids_below_1000_are_refused_before_sending() {
    let emulator = start(true).await;
    let id = insert(&emulator, None, "ada@example.org", "Ada");
    let changes_before = emulator.site().changes().len();
    for format in FORMATS {
        let result = api(&emulator, format)
            .create_or_update(
                &ConsParams::new()
                    .cons_id(id)
                    .add_group_ids([1101, 999])
                    .field("name.first", "Changed"),
            )
            .await;
        let Err(Error::InvalidArgument(message)) = result else {
            panic!("expected a client-side refusal, got {result:?}")
        };
        assert!(message.contains("999"), "{message}");
        let removal = api(&emulator, format)
            .create_or_update(&ConsParams::new().cons_id(id).remove_group_ids([12]))
            .await;
        assert!(
            matches!(removal, Err(Error::InvalidArgument(_))),
            "{removal:?}"
        );
    }
    // Nothing reached the site.
    assert_eq!(emulator.site().changes().len(), changes_before);
    assert_eq!(
        stored(&emulator, id, "ConsName.FirstName").as_deref(),
        Some("Ada")
    );
    assert!(emulator
        .site()
        .constituent(id)
        .is_some_and(|c| c.list("GroupId").is_none()));
    emulator.shutdown().await;
}

#[tokio::test]
async fn added_group_ids_are_listed_by_get_user_groups() {
    for format in FORMATS {
        let emulator = start(true).await;
        let client = api(&emulator, format);
        let id = insert(&emulator, None, "ada@example.org", "Ada");
        let none = client.get_user_groups(&Lookup::ConsId(id)).await.unwrap();
        assert!(none.group.is_empty(), "{format:?}: {none:?}");
        client
            .create_or_update(&ConsParams::new().cons_id(id).add_group_ids([1101]))
            .await
            .unwrap();
        // One group: JSON sends a single object where the list is.
        let groups = client.get_user_groups(&Lookup::ConsId(id)).await.unwrap();
        let ids: Vec<u64> = groups.group.iter().map(|g| g.id).collect();
        assert_eq!(ids, [1101], "{format:?}");
        assert_eq!(
            groups.group[0].label,
            Field::Value("Group 1101".into()),
            "{format:?}"
        );

        client
            .create_or_update(
                &ConsParams::new()
                    .primary_email("ada@example.org")
                    .add_group_ids([1102, 1103, 1101]),
            )
            .await
            .unwrap();
        let groups = client
            .get_user_groups(&Lookup::PrimaryEmail("ada@example.org".into()))
            .await
            .unwrap();
        let ids: Vec<u64> = groups.group.iter().map(|g| g.id).collect();
        assert_eq!(ids, [1101, 1102, 1103], "{format:?}");
        assert_eq!(
            emulator
                .site()
                .constituent(id)
                .and_then(|c| c.list("GroupId").map(<[String]>::to_vec)),
            Some(vec!["1101".to_string(), "1102".into(), "1103".into()])
        );

        client
            .create_or_update(&ConsParams::new().cons_id(id).remove_group_ids([1102]))
            .await
            .unwrap();
        let groups = client.get_user_groups(&Lookup::ConsId(id)).await.unwrap();
        let ids: Vec<u64> = groups.group.iter().map(|g| g.id).collect();
        assert_eq!(ids, [1101, 1103], "{format:?}");
        emulator.shutdown().await;
    }
}

// ---------------------------------------------------------------- getUser

#[tokio::test]
async fn get_user_with_fields_answers_only_those_and_nil_for_empty_ones() {
    for format in FORMATS {
        let emulator = start(true).await;
        let client = api(&emulator, format);
        let id = insert(&emulator, Some("M-7"), "ada@example.org", "Ada");
        let user = client
            .get_user(
                &Lookup::MemberId("M-7".into()),
                &[
                    "name.first",
                    "name.middle",
                    "email.primary_address",
                    "home_phone",
                ],
            )
            .await
            .unwrap();
        assert_eq!(user.cons_id, Field::Value(id), "{format:?}");
        let Field::Value(name) = &user.name else {
            panic!("{format:?}: no name in {user:?}")
        };
        assert_eq!(name.first, Field::Value("Ada".into()), "{format:?}");
        assert_eq!(name.middle, Field::Nil, "{format:?}: empty is nil");
        assert_eq!(name.last, Field::Absent, "{format:?}: not asked for");
        assert_eq!(name.title, Field::Absent, "{format:?}");
        let Field::Value(email) = &user.email else {
            panic!("{format:?}: no email in {user:?}")
        };
        assert_eq!(
            email.primary_address,
            Field::Value("ada@example.org".into())
        );
        assert_eq!(email.accepts_email, Field::Absent, "{format:?}");
        assert_eq!(user.home_phone, Field::Nil, "{format:?}");
        for (what, absent) in [
            ("member_id", user.member_id.is_absent()),
            ("user_name", user.user_name.is_absent()),
            ("work_phone", user.work_phone.is_absent()),
            ("primary_address", user.primary_address.is_absent()),
            ("employment", user.employment.is_absent()),
            ("gender", user.gender.is_absent()),
        ] {
            assert!(absent, "{format:?}: {what} was not asked for");
        }

        // Without `fields`, every field of the site: set ones with values, the rest nil.
        let everything = client.get_user(&Lookup::ConsId(id), &[]).await.unwrap();
        assert_eq!(everything.member_id, Field::Value("M-7".into()));
        assert_eq!(everything.work_phone, Field::Nil);
        assert!(matches!(everything.primary_address, Field::Value(_)));
        emulator.shutdown().await;
    }
}

#[tokio::test]
async fn get_user_of_an_unknown_or_ambiguous_record_is_an_error() {
    for format in FORMATS {
        let emulator = start(true).await;
        let client = api(&emulator, format);
        insert(&emulator, Some("M-DUP"), "dup1@example.org", "One");
        insert(&emulator, Some("M-DUP"), "dup2@example.org", "Two");
        let missing = client.get_user(&Lookup::ConsId(42), &[]).await;
        assert_eq!(api_error(missing).0, ErrorCode::RecordNotFound);
        let several = client
            .get_user(&Lookup::MemberId("M-DUP".into()), &[])
            .await;
        assert_eq!(api_error(several).0, ErrorCode::MultipleMatches);
        emulator.shutdown().await;
    }
}
