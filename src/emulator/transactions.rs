//! The other transactions the data-sync transactions page lists for download, seeded beside
//! the donations: online store orders (`ProductOrder`, all three downloads) and action alert
//! responses (`ActionAlertResponse`, inserts only). Like donations they are made on the
//! website, by the sample constituents, so a synchronization downloads them; no client can
//! write them.

use super::clock::format_date_time;
use super::donations::{copy_constituent, days_before, seeding};
use super::records::Fields;
use super::state::{ChangeKind, State};

/// The record type of store orders.
pub const PRODUCT_ORDER: &str = "ProductOrder";
/// The record type of action alert responses.
pub const ACTION_ALERT_RESPONSE: &str = "ActionAlertResponse";

/// The first sample order's OrderId, and its TransactionId.
pub const FIRST_ORDER_ID: u64 = 7_001_001;
const FIRST_ORDER_TRANSACTION_ID: u64 = 6_001_001;
/// The first sample alert response's AlertResponseId.
pub const FIRST_ALERT_RESPONSE_ID: u64 = 8_001_001;

const ORDER_AMOUNTS: &[&str] = &["18.00", "42.50", "7.25", "120.00"];

/// Adds `count` store orders by the sample constituents, round-robin, a day apart, the last
/// one today: each with its payment and its purchaser (keys, name, email, home city).
pub fn seed_orders(state: &mut State, count: usize) {
    let Some((buyers, now)) = seeding(state, PRODUCT_ORDER, count) else {
        return;
    };
    for n in 0..count {
        let buyer = &buyers[n % buyers.len()];
        let id = FIRST_ORDER_ID + n as u64;
        let paid = days_before(now, count, n);
        let amount = ORDER_AMOUNTS[n % ORDER_AMOUNTS.len()];
        let mut fields = Fields::default();
        for (path, value) in [
            ("OrderId", id.to_string()),
            (
                "TransactionId",
                (FIRST_ORDER_TRANSACTION_ID + n as u64).to_string(),
            ),
            ("StoreId", "1".to_string()),
            ("Payment.Amount", amount.to_string()),
            ("Payment.PaymentDate", paid.clone()),
            ("Payment.CreationDate", paid),
            ("Payment.CreationMethod", "ONLINE".to_string()),
            ("Payment.TenderType", "CREDIT_CARD".to_string()),
        ] {
            fields.values.insert(path.to_string(), value);
        }
        copy_constituent(&mut fields, "Purchaser", buyer);
        if let Some(city) = buyer.get("HomeAddress.City") {
            fields
                .values
                .insert("Purchaser.HomeAddress.City".into(), city.into());
        }
        state.store_record(PRODUCT_ORDER, id, fields, ChangeKind::Insert, "web");
    }
}

/// The site's action alerts: (AlertId, title). Responses name them; SRAdvocacyAPI lists them.
pub const ALERTS: &[(u64, &str)] = &[
    (1001, "Fund clean water for every school"),
    (1002, "Protect the river wetlands"),
    (1003, "Support safe routes to school"),
];

/// Records a response of constituent `cons_id` to alert `alert_id` taken now by API user
/// `by` (SRAdvocacyAPI takeAction), logged as an insert the SOAP downloads return; its
/// AlertResponseId, or `None` when the site's schema has no ActionAlertResponse type.
pub fn record_alert_response(
    state: &mut State,
    cons_id: u64,
    alert_id: u64,
    by: &str,
) -> Option<u64> {
    let now = format_date_time(state.now());
    let store = state.stores.get_mut(ACTION_ALERT_RESPONSE)?;
    let id = store.allocate_id().max(FIRST_ALERT_RESPONSE_ID);
    let mut fields = Fields::default();
    for (path, value) in [
        ("AlertResponseId", id.to_string()),
        ("AlertId", alert_id.to_string()),
        ("SubmitDate", now.clone()),
    ] {
        fields.values.insert(path.to_string(), value);
    }
    state.store_record(ACTION_ALERT_RESPONSE, id, fields, ChangeKind::Insert, by);
    state.actions_taken.push((cons_id, alert_id, now));
    Some(id)
}

/// How many responses alert `alert_id` has had.
pub fn alert_responses(state: &State, alert_id: u64) -> usize {
    let id = alert_id.to_string();
    state.stores.get(ACTION_ALERT_RESPONSE).map_or(0, |store| {
        store
            .active
            .values()
            .filter(|response| response.get("AlertId") == Some(id.as_str()))
            .count()
    })
}

/// Adds `count` responses to the site's three action alerts ([`ALERTS`]) by the sample
/// constituents, round-robin, a day apart, the last one today.
pub fn seed_alert_responses(state: &mut State, count: usize) {
    let Some((people, now)) = seeding(state, ACTION_ALERT_RESPONSE, count) else {
        return;
    };
    for n in 0..count {
        let id = FIRST_ALERT_RESPONSE_ID + n as u64;
        let alert_id = ALERTS[n % ALERTS.len()].0;
        let submitted = days_before(now, count, n);
        let mut fields = Fields::default();
        for (path, value) in [
            ("AlertResponseId", id.to_string()),
            ("AlertId", alert_id.to_string()),
            ("SubmitDate", submitted.clone()),
        ] {
            fields.values.insert(path.to_string(), value);
        }
        state.store_record(ACTION_ALERT_RESPONSE, id, fields, ChangeKind::Insert, "web");
        let taker = people[n % people.len()]
            .get("ConsId")
            .and_then(|id| id.parse().ok());
        if let Some(cons_id) = taker {
            state.actions_taken.push((cons_id, alert_id, submitted));
        }
    }
}
