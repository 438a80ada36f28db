//! Query pages through the emulator's records: every record once, in id order, conditions
//! applied, and a change between two pages seen by the pages after it (the emulator keeps a
//! query's matches only until the next change).
#![cfg(feature = "emulator")]

mod common;

use convio::emulator::Emulator;
use convio::records::{AnyRecord, Constituent};
use convio::soap::{EmailOptIn, NewConstituent};

fn ids(records: &[AnyRecord]) -> Vec<u64> {
    records
        .iter()
        .filter_map(|r| r.get::<Constituent>().and_then(|c| c.cons_id))
        .collect()
}

#[tokio::test]
async fn query_pages_see_every_record_once_and_changes_between_pages() {
    let site = Emulator::builder()
        .seed(450)
        .start("127.0.0.1:0")
        .await
        .unwrap();
    let client = common::emulator_client(&site);
    let all = client
        .query("select ConsId from Constituent")
        .collect_records()
        .await
        .unwrap();
    let all = ids(&all);
    assert_eq!(all.len(), 450);
    assert!(
        all.windows(2).all(|pair| pair[0] < pair[1]),
        "in id order, each once"
    );

    // Three with a last name of their own: a condition selects exactly them.
    let new: Vec<AnyRecord> = (0..3)
        .map(|i| {
            NewConstituent::new(format!("paging{i}@example.org"), EmailOptIn::OptedOut)
                .name("Page", "Turner")
                .into_record()
        })
        .collect();
    assert!(client.create(new).await.unwrap().all_ok());
    let turners = client
        .query("select ConsId from Constituent where ConsName.LastName = 'Turner'")
        .collect_records()
        .await
        .unwrap();
    assert_eq!(ids(&turners).len(), 3);

    // Page 1, then a change, then the rest: the later pages come from the changed records.
    let mut pages = client.query("select ConsId from Constituent");
    let first = pages.next_page().await.unwrap().unwrap();
    assert_eq!(first.len(), 200);
    let another = NewConstituent::new("paging-late@example.org", EmailOptIn::OptedOut);
    assert!(client
        .create([another.into_record()])
        .await
        .unwrap()
        .all_ok());
    let mut seen = ids(&first);
    while let Some(page) = pages.next_page().await.unwrap() {
        seen.extend(ids(&page));
    }
    assert_eq!(
        seen.len(),
        454,
        "the record created between pages is on a later page"
    );
}
