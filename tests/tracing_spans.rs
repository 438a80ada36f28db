//! Every SOAP call is a tracing span named `soap_call` with the operation, the partition,
//! the number of records and the attempt, so that a subscriber can time and count calls.
#![cfg(feature = "emulator")]

mod common;

use std::sync::{Arc, Mutex};

use convio::emulator::Emulator;
use convio::records::Constituent;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::Subscriber;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

/// Spans seen, as "name field=value ..." with fields recorded later appended.
#[derive(Clone, Default)]
struct Seen(Arc<Mutex<Vec<(u64, String)>>>);

struct Fields<'a>(&'a mut String);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.push_str(&format!(" {}={value:?}", field.name()));
    }
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Seen {
    fn on_new_span(&self, attributes: &Attributes<'_>, id: &Id, _: Context<'_, S>) {
        let mut text = attributes.metadata().name().to_string();
        attributes.record(&mut Fields(&mut text));
        self.0.lock().unwrap().push((id.into_u64(), text));
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, _: Context<'_, S>) {
        let mut seen = self.0.lock().unwrap();
        if let Some((_, text)) = seen.iter_mut().find(|(known, _)| *known == id.into_u64()) {
            values.record(&mut Fields(text));
        }
    }
}

#[test]
fn each_soap_call_is_a_span_with_operation_partition_records_and_attempt() {
    let seen = Seen::default();
    let subscriber = tracing_subscriber::registry().with(seen.clone());
    tracing::subscriber::with_default(subscriber, || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let site = Emulator::builder()
                .seed(3)
                .start("127.0.0.1:0")
                .await
                .unwrap();
            let client = common::emulator_client(&site);
            let records = (1001001u64..=1001003).map(|id| {
                Constituent::default()
                    .set_cons_id(id)
                    .set_gender("F")
                    .into()
            });
            assert!(client.update(records).await.unwrap().all_ok());
        });
    });
    let spans: Vec<String> = seen
        .0
        .lock()
        .unwrap()
        .iter()
        .map(|(_, s)| s.clone())
        .collect();
    let update = spans
        .iter()
        .find(|s| s.starts_with("soap_call") && s.contains("operation=\"Update\""))
        .unwrap_or_else(|| panic!("no span for the Update call: {spans:#?}"));
    assert!(update.contains("partition=1001"), "{update}");
    assert!(update.contains("records=3"), "{update}");
    assert!(
        update.ends_with("attempt=1"),
        "one attempt, recorded once: {update}"
    );
    assert_eq!(update.matches("attempt=").count(), 1, "{update}");
    // The login the first call needed is a call of its own.
    assert!(
        spans
            .iter()
            .any(|s| s.starts_with("soap_call") && s.contains("operation=\"Login\"")),
        "{spans:#?}"
    );
}
