//! Built with `CONVIO_WSDL=tests/fixtures/site/site.wsdl`: the binding is generated from a
//! site's own WSDL, whose Constituent has custom fields, and they work end to end against
//! the emulator (which, built the same way, knows them too). In the default build this file
//! compiles to nothing.
#![cfg(all(convio_site_wsdl, feature = "emulator"))]

use convio::emulator::Emulator;
use convio::generated::ens;
use convio::soap::{record_from_paths, Client, EmailOptIn, NewConstituent};
use convio::{AnyRecord, Decimal, Field};

fn constituent(record: &AnyRecord) -> &ens::ConstituentType {
    match record {
        AnyRecord::Constituent(c) => c,
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn custom_fields_are_created_queried_and_cleared() {
    let emulator = Emulator::builder().start("127.0.0.1:0").await.unwrap();
    let client = Client::builder()
        .endpoint(emulator.soap_url())
        .credentials("apiuser", "secret")
        .partition(1001)
        .build()
        .unwrap();

    let record = NewConstituent::new("custom@example.org", EmailOptIn::OptedIn)
        .with(|c| {
            c.custom_favorite_color = Field::Value("teal".into());
            c.custom_is_volunteer = Field::Value(true);
            c.custom_first_gift_date = Field::Value("2019-04-01".into());
            c.custom_lifetime_gifts = Field::Value("1234.50".parse::<Decimal>().unwrap());
            c.custom_household_size = Field::Value(4);
            c.custom_nickname = Field::Value("Ace".into());
        })
        .into_record();
    let created = client.create([record]).await.unwrap();
    assert!(created.all_ok(), "{created:?}");
    let cons_id = constituent(created.iter().next().unwrap().record.as_ref().unwrap())
        .cons_id
        .unwrap();

    let select = format!(
        "select ConsId, CustomFavoriteColor, CustomIsVolunteer, CustomFirstGiftDate, CustomLifetimeGifts, CustomHouseholdSize, CustomNickname from Constituent where ConsId = {cons_id}"
    );
    let page = client
        .query(select.as_str())
        .next_page()
        .await
        .unwrap()
        .unwrap();
    let stored = constituent(&page[0]);
    assert_eq!(stored.custom_favorite_color, Field::Value("teal".into()));
    assert_eq!(stored.custom_is_volunteer, Field::Value(true));
    assert_eq!(
        stored.custom_first_gift_date,
        Field::Value("2019-04-01".into())
    );
    assert_eq!(
        stored.custom_lifetime_gifts.as_option().map(|d| d.as_str()),
        Some("1234.50")
    );
    assert_eq!(stored.custom_household_size, Field::Value(4));
    assert_eq!(stored.custom_nickname, Field::Value("Ace".into()));

    // Clear the nickname by path (as the CLI does), leave the rest.
    let update = record_from_paths(
        "Constituent",
        &[
            ("ConsId".into(), Field::Value(cons_id.to_string())),
            ("CustomNickname".into(), Field::Nil),
        ],
    )
    .unwrap();
    assert!(client.update([update]).await.unwrap().all_ok());
    let page = client
        .query(select.as_str())
        .next_page()
        .await
        .unwrap()
        .unwrap();
    let stored = constituent(&page[0]);
    assert_eq!(stored.custom_nickname, Field::Nil);
    assert_eq!(stored.custom_favorite_color, Field::Value("teal".into()));
    emulator.shutdown().await;
}

#[tokio::test]
async fn the_emulator_serves_the_site_wsdl() {
    let emulator = Emulator::builder().start("127.0.0.1:0").await.unwrap();
    let transport = convio::transport::HyperTransport::builder()
        .build()
        .unwrap();
    let mut request = hyper::Request::new(bytes::Bytes::new());
    *request.uri_mut() = emulator.wsdl_url().parse().unwrap();
    let response = convio::transport::Transport::send(&transport, request)
        .await
        .unwrap();
    let wsdl = String::from_utf8(response.body().to_vec()).unwrap();
    assert!(wsdl.contains("CustomFavoriteColor"));
    assert!(wsdl.contains(&emulator.soap_url()));
    emulator.shutdown().await;
}
