//! Sample donations for the transaction downloads: typed `Donation` records (download only:
//! clients cannot create, update or delete them) by the sample constituents, logged as
//! inserts made on the site's donation forms.

use std::time::Duration;

use super::clock::format_date_time;
use super::records::Fields;
use super::state::{ChangeKind, State};

/// The record type.
pub const DONATION: &str = "Donation";

/// The first sample donation's TransactionId.
pub const FIRST_TRANSACTION_ID: u64 = 5_001_001;

const AMOUNTS: &[&str] = &["25.00", "50.00", "100.00", "10.00", "250.00", "35.50"];
const TENDERS: &[&str] = &["CREDIT_CARD", "CHECK", "CASH"];
const CARDS: &[&str] = &["VISA", "MASTERCARD", "AMEX"];

/// Adds `count` donations by the constituents the site has now, round-robin, each a day
/// apart and the last one today; nothing when the site has no constituents or no
/// `Donation` store (a site WSDL without the type).
pub fn seed(state: &mut State, count: usize) {
    let donors: Vec<Fields> = state.constituents.values().cloned().collect();
    if donors.is_empty() || !state.stores.contains_key(DONATION) {
        return;
    }
    let now = state.now();
    for n in 0..count {
        let donor = &donors[n % donors.len()];
        let id = FIRST_TRANSACTION_ID + n as u64;
        let amount = AMOUNTS[n % AMOUNTS.len()];
        let days_ago = (count - 1 - n) as u64;
        let paid = format_date_time(now.saturating_sub(Duration::from_secs(days_ago * 86_400)));
        let tender = TENDERS[n % TENDERS.len()];
        let mut fields = Fields::default();
        for (path, value) in [
            ("TransactionId", id.to_string()),
            (
                "NewDonorStatus",
                if n < donors.len() { "NEW" } else { "REPEAT" }.to_string(),
            ),
            ("TaxDeductibleValue", amount.to_string()),
            ("FairMarketValue", "0.00".to_string()),
            ("CampaignId", "1001".to_string()),
            ("FormId", (2001 + n % 3).to_string()),
            ("Payment.Amount", amount.to_string()),
            ("Payment.PaymentDate", paid.clone()),
            ("Payment.CreationDate", paid),
            ("Payment.CreationMethod", "ONLINE".to_string()),
            ("Payment.ConfirmationCode", format!("SEED-{id}")),
            ("Payment.TenderType", tender.to_string()),
        ] {
            fields.values.insert(path.to_string(), value);
        }
        if tender == "CREDIT_CARD" {
            fields.values.insert(
                "Payment.CreditCardType".into(),
                CARDS[n / TENDERS.len() % CARDS.len()].into(),
            );
        }
        for (from, to) in [
            ("ConsId", "Donor.ConsId"),
            ("MemberId", "Donor.MemberId"),
            ("ConsName.FirstName", "Donor.ConsName.FirstName"),
            ("ConsName.LastName", "Donor.ConsName.LastName"),
            ("PrimaryEmail", "Donor.PrimaryEmail"),
        ] {
            if let Some(value) = donor.get(from) {
                fields.values.insert(to.into(), value.into());
            }
        }
        fields
            .lists
            .insert("ReceiptNumber".into(), vec![format!("R-{id}")]);
        state.store_record(DONATION, id, fields, ChangeKind::Insert, "web");
    }
}
