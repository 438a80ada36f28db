//! `convio emulator --wsdl FILE` in a crate built from the bundled schemas: the emulator takes
//! its record fields from the site WSDL it serves, so a site's custom fields are created,
//! queried, downloaded, described and cleared over the wire like the standard ones.
#![cfg(feature = "emulator")]

mod common;

use common::site::site_emulator;
use common::wire::{body_of, default_namespace, exchange, fault_of, login, soap};
use convio::emulator::{ChangeKind, Clock, Emulator};
use convio::soap::{Body, FaultKind};

async fn start() -> Emulator {
    site_emulator(Clock::System).await
}

/// The text of `<ens:{name}>` in a response (escaped as sent): `None` when absent, `nil` when
/// the element is `xsi:nil`.
fn field(response: &str, name: &str) -> Option<String> {
    if response.contains(&format!(r#"<ens:{name} xsi:nil="true"/>"#)) {
        return Some("nil".into());
    }
    let open = format!("<ens:{name}>");
    let start = response.find(&open)? + open.len();
    let end = response[start..].find(&format!("</ens:{name}>"))? + start;
    Some(response[start..end].to_string())
}

fn operation(name: &str, content: &str) -> String {
    format!(
        "<{name} xmlns='urn:soap.convio.com' xmlns:ens='urn:object.soap.convio.com' \
         xmlns:xsi='http://www.w3.org/2001/XMLSchema-instance'>{content}</{name}>"
    )
}

const CUSTOM: &str = "CustomFavoriteColor, CustomIsVolunteer, CustomFirstGiftDate, \
                      CustomLifetimeGifts, CustomHouseholdSize, CustomNickname";

async fn query(emulator: &Emulator, token: &str, cons_id: &str) -> String {
    let select = format!("select ConsId, {CUSTOM} from Constituent where ConsId = {cons_id}");
    let response = soap(
        emulator,
        &default_namespace(
            token,
            &operation("Query", &format!("<QueryString>{select}</QueryString>")),
        ),
    )
    .await;
    // A binding generated from the bundled schemas has no custom fields to decode them into.
    assert_eq!(response.0, 200, "{}", response.1);
    response.1
}

#[tokio::test]
async fn custom_fields_of_a_served_wsdl_are_stored_returned_and_cleared() {
    let emulator = start().await;
    let (status, _, served) = exchange(hyper::Method::GET, &emulator.wsdl_url(), None, "").await;
    assert_eq!(status, 200);
    assert!(served.contains("CustomHouseholdSize"));
    assert!(served.contains(&emulator.soap_url()), "address rewritten");

    let token = login(&emulator).await;
    let create = operation(
        "Create",
        "<Record xsi:type='ens:Constituent'>\
           <ens:PrimaryEmail>custom@example.org</ens:PrimaryEmail>\
           <ens:CustomFavoriteColor>teal &amp; gold</ens:CustomFavoriteColor>\
           <ens:CustomIsVolunteer>1</ens:CustomIsVolunteer>\
           <ens:CustomFirstGiftDate>2019-04-01</ens:CustomFirstGiftDate>\
           <ens:CustomLifetimeGifts>1234.50</ens:CustomLifetimeGifts>\
           <ens:CustomHouseholdSize>4</ens:CustomHouseholdSize>\
           <ens:CustomNickname>Ace</ens:CustomNickname>\
         </Record>",
    );
    let created = soap(&emulator, &default_namespace(&token, &create)).await;
    assert!(
        created.1.contains("<ResultCode>OK</ResultCode>"),
        "{}",
        created.1
    );
    let cons_id = field(&created.1, "ConsId").unwrap_or_else(|| panic!("{}", created.1));

    let stored = query(&emulator, &token, &cons_id).await;
    for (name, value) in [
        ("CustomFavoriteColor", "teal &amp; gold"),
        ("CustomIsVolunteer", "true"),
        ("CustomFirstGiftDate", "2019-04-01"),
        ("CustomLifetimeGifts", "1234.50"),
        ("CustomHouseholdSize", "4"),
        ("CustomNickname", "Ace"),
    ] {
        assert_eq!(
            field(&stored, name).as_deref(),
            Some(value),
            "{name}: {stored}"
        );
    }

    // Nil clears, an empty element and an absent one leave the value unchanged.
    let update = operation(
        "Update",
        &format!(
            "<Record xsi:type='ens:Constituent'>\
               <ens:ConsId>{cons_id}</ens:ConsId>\
               <ens:CustomFavoriteColor/>\
               <ens:CustomIsVolunteer>false</ens:CustomIsVolunteer>\
               <ens:CustomNickname xsi:nil='true'/>\
             </Record>"
        ),
    );
    let updated = soap(&emulator, &default_namespace(&token, &update)).await;
    assert!(
        updated.1.contains("<ResultCode>OK</ResultCode>"),
        "{}",
        updated.1
    );
    let stored = query(&emulator, &token, &cons_id).await;
    assert_eq!(field(&stored, "CustomNickname").as_deref(), Some("nil"));
    assert_eq!(
        field(&stored, "CustomIsVolunteer").as_deref(),
        Some("false")
    );
    assert_eq!(
        field(&stored, "CustomFavoriteColor").as_deref(),
        Some("teal &amp; gold")
    );
    assert_eq!(field(&stored, "CustomHouseholdSize").as_deref(), Some("4"));
    let site = emulator.site();
    let fields = site
        .constituent(site.constituent_ids()[0])
        .expect("one constituent");
    assert_eq!(fields.get("CustomNickname"), None);
    assert_eq!(fields.get("CustomLifetimeGifts"), Some("1234.50"));
}

#[tokio::test]
async fn custom_fields_are_type_checked_and_described() {
    let emulator = start().await;
    let token = login(&emulator).await;
    for (name, bad) in [
        ("CustomIsVolunteer", "maybe"),
        ("CustomHouseholdSize", "-3"),
        ("CustomLifetimeGifts", "lots"),
        ("CustomFirstGiftDate", "April 2019"),
    ] {
        let create = operation(
            "Create",
            &format!(
                "<Record xsi:type='ens:Constituent'>\
                   <ens:PrimaryEmail>bad@example.org</ens:PrimaryEmail>\
                   <ens:{name}>{bad}</ens:{name}>\
                 </Record>"
            ),
        );
        let fault = fault_of(&soap(&emulator, &default_namespace(&token, &create)).await);
        // A value that does not match the field's type makes the whole message invalid.
        assert_eq!(fault.kind, FaultKind::InvalidMessage, "{name}: {fault:?}");
        assert!(fault.message.contains(name), "{name}: {}", fault.message);
    }

    let describe = operation("DescribeRecordType", "<RecordType>Constituent</RecordType>");
    let response = soap(&emulator, &default_namespace(&token, &describe)).await;
    let Body::DescribeRecordTypeResponse(described) = body_of(&response) else {
        panic!("{}", response.1)
    };
    let custom: Vec<String> = described
        .result
        .field
        .iter()
        .filter(|f| f.custom == Some(true))
        .map(|f| f.name.to_string())
        .collect();
    // The engagement factors are the service's own fields (the bundled schema declares them);
    // only the affiliation is the site's.
    let mut expected: Vec<&str> = CUSTOM.split(", ").collect();
    expected.push("Custom_PartyAffiliation");
    assert_eq!(custom, expected);
}

/// Fields a real site adds after the custom ones: engagement scores the site computes (an
/// upload of them is ignored) and a custom affiliation.
const SITE_FIELDS: [&str; 4] = [
    "EngagementFactor1",
    "EngagementFactor2",
    "EngagementFactor3",
    "Custom_PartyAffiliation",
];

#[tokio::test]
async fn a_real_site_s_engagement_factors_and_affiliation_are_stored_and_returned() {
    let emulator = start().await;
    let token = login(&emulator).await;
    let create = operation(
        "Create",
        "<Record xsi:type='ens:Constituent'>\
           <ens:PrimaryEmail>voter@example.org</ens:PrimaryEmail>\
           <ens:CustomNickname>Vee</ens:CustomNickname>\
           <ens:EngagementFactor1>9.5</ens:EngagementFactor1>\
           <ens:Custom_PartyAffiliation>Green &amp; Co</ens:Custom_PartyAffiliation>\
         </Record>",
    );
    let created = soap(&emulator, &default_namespace(&token, &create)).await;
    assert!(
        created.1.contains("<ResultCode>OK</ResultCode>"),
        "{}",
        created.1
    );
    let cons_id = field(&created.1, "ConsId").unwrap_or_else(|| panic!("{}", created.1));
    let select = |cons_id: &str| {
        operation(
            "Query",
            &format!(
                "<QueryString>select ConsId, CustomNickname, {} from Constituent \
                 where ConsId = {cons_id}</QueryString>",
                SITE_FIELDS.join(", ")
            ),
        )
    };
    let stored = soap(&emulator, &default_namespace(&token, &select(&cons_id))).await;
    assert_eq!(stored.0, 200, "{}", stored.1);
    assert_eq!(
        field(&stored.1, "Custom_PartyAffiliation").as_deref(),
        Some("Green &amp; Co")
    );
    // Read-only: the upload was ignored.
    assert_eq!(
        field(&stored.1, "EngagementFactor1").as_deref(),
        Some("nil")
    );
    // In schema order, after the other custom fields.
    let order: Vec<usize> = [
        "CustomNickname",
        "EngagementFactor1",
        "Custom_PartyAffiliation",
    ]
    .iter()
    .map(|name| stored.1.find(&format!("<ens:{name}")).expect(name))
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{}", stored.1);

    // The site computes the scores; they are returned by Query and by the downloads.
    let id: u64 = cons_id.parse().expect("a ConsId");
    emulator.site().change_on_website(
        "Constituent",
        ChangeKind::Update,
        Some(id),
        &[
            ("EngagementFactor1", "0.25"),
            ("EngagementFactor2", "1.5"),
            ("EngagementFactor3", "12"),
        ],
    );
    let stored = soap(&emulator, &default_namespace(&token, &select(&cons_id))).await;
    for (name, value) in [
        ("EngagementFactor1", "0.25"),
        ("EngagementFactor2", "1.5"),
        ("EngagementFactor3", "12"),
        ("Custom_PartyAffiliation", "Green &amp; Co"),
    ] {
        assert_eq!(
            field(&stored.1, name).as_deref(),
            Some(value),
            "{name}: {}",
            stored.1
        );
    }
    let start = operation("StartSynchronization", "<PartitionId>1001</PartitionId>");
    body_of(&soap(&emulator, &default_namespace(&token, &start)).await);
    // The synchronizing user's own Create is not reported to it; the site's change is.
    let download = operation(
        "GetIncrementalUpdates",
        &format!(
            "<PartitionId>1001</PartitionId><RecordType>Constituent</RecordType>\
             <Page>1</Page><PageSize>10</PageSize><Field>ConsId</Field>{}",
            SITE_FIELDS
                .iter()
                .map(|f| format!("<Field>{f}</Field>"))
                .collect::<String>()
        ),
    );
    let page = soap(&emulator, &default_namespace(&token, &download)).await;
    assert_eq!(page.0, 200, "{}", page.1);
    assert_eq!(field(&page.1, "ConsId").as_deref(), Some(cons_id.as_str()));
    assert_eq!(field(&page.1, "EngagementFactor3").as_deref(), Some("12"));
    assert_eq!(
        field(&page.1, "Custom_PartyAffiliation").as_deref(),
        Some("Green &amp; Co")
    );
    // Not selected, not sent.
    assert_eq!(field(&page.1, "CustomNickname"), None, "{}", page.1);

    // Uploads of the scores are ignored, the affiliation is cleared with nil.
    let update = operation(
        "Update",
        &format!(
            "<Record xsi:type='ens:Constituent'>\
               <ens:ConsId>{cons_id}</ens:ConsId>\
               <ens:EngagementFactor2>99</ens:EngagementFactor2>\
               <ens:Custom_PartyAffiliation xsi:nil='true'/>\
             </Record>"
        ),
    );
    let updated = soap(&emulator, &default_namespace(&token, &update)).await;
    assert!(
        updated.1.contains("<ResultCode>OK</ResultCode>"),
        "{}",
        updated.1
    );
    let stored = soap(&emulator, &default_namespace(&token, &select(&cons_id))).await;
    assert_eq!(
        field(&stored.1, "EngagementFactor2").as_deref(),
        Some("1.5")
    );
    assert_eq!(
        field(&stored.1, "Custom_PartyAffiliation").as_deref(),
        Some("nil")
    );

    let describe = operation("DescribeRecordType", "<RecordType>Constituent</RecordType>");
    let response = soap(&emulator, &default_namespace(&token, &describe)).await;
    let Body::DescribeRecordTypeResponse(described) = body_of(&response) else {
        panic!("{}", response.1)
    };
    let writable: Vec<(String, Option<bool>)> = described
        .result
        .field
        .iter()
        .filter(|f| SITE_FIELDS.contains(&f.name.to_string().as_str()))
        .map(|f| (f.name.to_string(), f.writable))
        .collect();
    assert_eq!(
        writable,
        [
            ("EngagementFactor1".to_string(), Some(false)),
            ("EngagementFactor2".to_string(), Some(false)),
            ("EngagementFactor3".to_string(), Some(false)),
            ("Custom_PartyAffiliation".to_string(), Some(true)),
        ]
    );
}

#[tokio::test]
async fn custom_fields_are_downloaded_in_wsdl_order() {
    let emulator = start().await;
    let token = login(&emulator).await;
    // A change made on the site, not by the synchronizing API user.
    emulator.site().change_on_website(
        "Constituent",
        ChangeKind::Insert,
        None,
        &[
            ("PrimaryEmail", "sync@example.org"),
            ("CustomHouseholdSize", "2"),
        ],
    );
    let start = operation("StartSynchronization", "<PartitionId>1001</PartitionId>");
    body_of(&soap(&emulator, &default_namespace(&token, &start)).await);
    let download = |fields: &[&str]| {
        let fields: String = fields
            .iter()
            .map(|f| format!("<Field>{f}</Field>"))
            .collect();
        operation(
            "GetIncrementalInserts",
            &format!(
                "<PartitionId>1001</PartitionId><RecordType>Constituent</RecordType>\
                 <Page>1</Page><PageSize>10</PageSize>{fields}"
            ),
        )
    };
    let page = soap(
        &emulator,
        &default_namespace(
            &token,
            &download(&["PrimaryEmail", "CustomHouseholdSize", "GroupId"]),
        ),
    )
    .await;
    assert_eq!(page.0, 200, "{}", page.1);
    assert_eq!(field(&page.1, "CustomHouseholdSize").as_deref(), Some("2"));
    let out_of_order = soap(
        &emulator,
        &default_namespace(&token, &download(&["CustomHouseholdSize", "PrimaryEmail"])),
    )
    .await;
    assert!(fault_of(&out_of_order).message.contains("order"));
}
