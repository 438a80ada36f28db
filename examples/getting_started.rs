//! Connect, query, update (one field set, one cleared, the rest left alone), read it back and
//! stream a synchronization page, here against the in-process emulator.
use convio::records::{Constituent, Name};
use convio::soap::{Client, SyncOptions};
use convio::{emulator::Emulator, Field};
use futures_util::StreamExt;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let site = Emulator::builder().seed(25).start("127.0.0.1:0").await?;
    let client = Client::builder().endpoint(site.soap_url()).partition(1001);
    let client = client.credentials("apiuser", "secret").build()?;
    let found = client.query("select ConsId from Constituent");
    let found = found.collect_records().await?;
    let id = found[0].get::<Constituent>().and_then(|c| c.cons_id);

    // Set MiddleName, clear Suffix (sent as xsi:nil), leave every other field as it is.
    let name = Name::default().set_middle_name("Ada").clear_suffix();
    let update = Constituent::default().set_cons_id(id.ok_or("no ConsId")?);
    let results = client.update([update.set_cons_name(name).into()]).await?;
    assert!(results.all_ok(), "{results:?}");

    let read_back = "select ConsName.MiddleName, ConsName.Suffix from Constituent";
    let query = format!("{read_back} where ConsId = {}", id.unwrap_or_default());
    for record in client.query(query).collect_records().await? {
        let name = record.get::<Constituent>().map(|c| &c.cons_name);
        let name = name.and_then(Field::as_option);
        println!("{id:?}: {:?}", name.map(|n| (&n.middle_name, &n.suffix)));
    }

    client.start_synchronization(SyncOptions::default()).await?;
    let inserts = client.incremental_inserts("Constituent", ["ConsId"])?;
    if let Some(page) = inserts.into_stream().next().await {
        println!("first synchronization page: {} records", page?.len());
    }
    client.end_synchronization(None).await?;
    Ok(())
}
