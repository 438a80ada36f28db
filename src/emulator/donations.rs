//! Donations: the samples for the transaction downloads (typed `Donation` records by the
//! sample constituents, logged as inserts made on the site's donation forms), and offline
//! gifts recorded through the Server API into the same store. SOAP clients cannot create,
//! update or delete them.

use std::time::Duration;

use super::clock::format_date_time;
use super::money::{format_cents, parse_cents};
use super::records::Fields;
use super::state::{ChangeKind, Refusal, State};

/// The record type.
pub const DONATION: &str = "Donation";

/// The first sample donation's TransactionId.
pub const FIRST_TRANSACTION_ID: u64 = 5_001_001;

const AMOUNTS: &[&str] = &["25.00", "50.00", "100.00", "10.00", "250.00", "35.50"];
const TENDERS: &[&str] = &["CREDIT_CARD", "CHECK", "CASH"];
const CARDS: &[&str] = &["VISA", "MASTERCARD", "AMEX"];

/// The sample constituents and the time `count` transactions a day apart end at (today);
/// `None` when there is nothing to seed or the site's schema has no store for `record_type`.
pub(crate) fn seeding(
    state: &State,
    record_type: &str,
    count: usize,
) -> Option<(Vec<Fields>, Duration)> {
    let people: Vec<Fields> = state.constituents.values().cloned().collect();
    if count == 0 || people.is_empty() || !state.stores.contains_key(record_type) {
        return None;
    }
    Some((people, state.now()))
}

/// The time of the `n`th of `count` transactions a day apart that end `now`.
pub(crate) fn days_before(now: Duration, count: usize, n: usize) -> String {
    let days_ago = (count - 1 - n) as u64;
    format_date_time(now.saturating_sub(Duration::from_secs(days_ago * 86_400)))
}

/// Adds `count` donations by the constituents the site has now, round-robin, each a day
/// apart and the last one today; nothing when the site has no constituents or no
/// `Donation` store (a site WSDL without the type).
pub fn seed(state: &mut State, count: usize) {
    let Some((donors, now)) = seeding(state, DONATION, count) else {
        return;
    };
    for n in 0..count {
        let donor = &donors[n % donors.len()];
        let id = FIRST_TRANSACTION_ID + n as u64;
        let amount = AMOUNTS[n % AMOUNTS.len()];
        let paid = days_before(now, count, n);
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
        copy_constituent(&mut fields, "Donor", donor);
        fields
            .lists
            .insert("ReceiptNumber".into(), vec![format!("R-{id}")]);
        state.store_record(DONATION, id, fields, ChangeKind::Insert, "web");
    }
}

/// A transaction's constituent (a donation's `Donor`, an order's `Purchaser`) under `field`:
/// the keys and name of the constituent.
pub(crate) fn copy_constituent(fields: &mut Fields, field: &str, constituent: &Fields) {
    for path in [
        "ConsId",
        "MemberId",
        "ConsName.FirstName",
        "ConsName.LastName",
        "PrimaryEmail",
    ] {
        if let Some(value) = constituent.get(path) {
            fields
                .values
                .insert(format!("{field}.{path}"), value.into());
        }
    }
}

/// The seeded site's Donations 2 form for offline gifts (online/offline, as the offline
/// methods require).
pub const OFFLINE_FORM_ID: u64 = 1001;

/// The one donation level of [`OFFLINE_FORM_ID`], and its amount in cents.
pub const OFFLINE_LEVEL_ID: u64 = 1001;
const OFFLINE_LEVEL_CENTS: u64 = 5_000;

/// An offline gift as `addOfflineDonation` or `offlineOrganizationGift` gives it, its
/// parameters checked.
pub(crate) struct OfflineGift {
    pub form_id: u64,
    pub level_id: u64,
    /// `cash`, `check`, `credit` or (an organization's) `ach`.
    pub payment_method: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub cons_id: Option<u64>,
    pub additional_cents: u64,
    pub check_number: Option<String>,
    /// An organization's gift (offlineOrganizationGift): its Payment's DonorType says so.
    pub organization: bool,
}

/// A recorded gift.
pub(crate) struct RecordedGift {
    pub transaction_id: u64,
    pub confirmation_code: String,
    pub cons_id: u64,
    pub amount_cents: u64,
}

/// Why a gift was not recorded.
pub(crate) enum GiftRefusal {
    UnknownForm(u64),
    UnknownLevel(u64),
    UnknownDonor(u64),
    /// The donor had to be created and could not be.
    Donor(Refusal),
    /// The site's schema has no Donation type.
    NoDonations,
}

/// Records an offline gift made through the API by `by`: the donor is `cons_id`, else the
/// constituent with the donor email, else a new constituent; the gift is a Donation record
/// (the same store the SOAP downloads read), logged as an insert by `by`.
pub(crate) fn record_offline(
    state: &mut State,
    gift: &OfflineGift,
    by: &str,
) -> Result<RecordedGift, GiftRefusal> {
    if gift.form_id != OFFLINE_FORM_ID {
        return Err(GiftRefusal::UnknownForm(gift.form_id));
    }
    if gift.level_id != OFFLINE_LEVEL_ID {
        return Err(GiftRefusal::UnknownLevel(gift.level_id));
    }
    if !state.stores.contains_key(DONATION) {
        return Err(GiftRefusal::NoDonations);
    }
    let cons_id = match gift.cons_id {
        Some(cons_id) if state.constituents.contains_key(&cons_id) => cons_id,
        Some(cons_id) => return Err(GiftRefusal::UnknownDonor(cons_id)),
        None => match state.by_email(&gift.email).first() {
            Some(cons_id) => *cons_id,
            None => {
                let mut donor = Fields::default();
                for (path, value) in [
                    ("ConsName.FirstName", &gift.first_name),
                    ("ConsName.LastName", &gift.last_name),
                    ("PrimaryEmail", &gift.email),
                ] {
                    donor.values.insert(path.into(), value.clone());
                }
                state
                    .create_constituent(donor, by)
                    .map_err(GiftRefusal::Donor)?
            }
        },
    };
    let transaction_id = next_transaction_id(state);
    let amount_cents = OFFLINE_LEVEL_CENTS + gift.additional_cents;
    let amount = format_cents(amount_cents);
    let confirmation_code = format!("{}-{transaction_id}", gift.form_id);
    let now = format_date_time(state.now());
    let tender = match gift.payment_method.as_str() {
        "check" => "CHECK",
        "credit" => "CREDIT_CARD",
        "ach" => "ACH",
        _ => "CASH",
    };
    let mut fields = Fields::default();
    for (path, value) in [
        ("TransactionId", transaction_id.to_string()),
        ("TaxDeductibleValue", amount.clone()),
        ("FairMarketValue", "0.00".to_string()),
        ("AdditionalAmount", format_cents(gift.additional_cents)),
        ("CampaignId", "1001".to_string()),
        ("DonationLevelId", gift.level_id.to_string()),
        ("FormId", gift.form_id.to_string()),
        ("Payment.Amount", amount),
        ("Payment.PaymentDate", now.clone()),
        ("Payment.CreationDate", now),
        ("Payment.CreatedBy", state.account_id(by).to_string()),
        ("Payment.CreationMethod", "OFFLINE".to_string()),
        ("Payment.ConfirmationCode", confirmation_code.clone()),
        ("Payment.TenderType", tender.to_string()),
    ] {
        fields.values.insert(path.to_string(), value);
    }
    if gift.organization {
        fields
            .values
            .insert("Payment.DonorType".into(), "ORGANIZATION".into());
    }
    if let Some(number) = &gift.check_number {
        fields
            .values
            .insert("Payment.ProcessorRefNumber".into(), number.clone());
    }
    store_gift(state, transaction_id, cons_id, fields, by);
    Ok(RecordedGift {
        transaction_id,
        confirmation_code,
        cons_id,
        amount_cents,
    })
}

/// The TransactionId of the next gift recorded: one past the Donation store's last.
fn next_transaction_id(state: &State) -> u64 {
    state
        .stores
        .get(DONATION)
        .and_then(|store| store.active.keys().next_back())
        .map_or(FIRST_TRANSACTION_ID, |last| last + 1)
}

/// Stores gift `fields` as Donation `transaction_id`, its Donor copied from constituent
/// `cons_id`, logged as an insert by `by`.
fn store_gift(state: &mut State, transaction_id: u64, cons_id: u64, mut fields: Fields, by: &str) {
    if let Some(donor) = state.constituents.get(&cons_id) {
        copy_constituent(&mut fields, "Donor", donor);
    }
    state.store_record(DONATION, transaction_id, fields, ChangeKind::Insert, by);
}

/// A refund made.
pub(crate) struct Refund {
    pub transaction_id: u64,
    pub cons_id: Option<u64>,
    pub refunded_cents: u64,
    /// The refund's own transaction id.
    pub refund_id: u64,
}

/// Why a refund was not made.
pub(crate) enum RefundRefusal {
    /// No offline gift with that confirmation code was added by this account.
    UnknownGift,
    /// More than what is left of the gift.
    TooMuch { left_cents: u64 },
}

/// Which gifts a refund may name.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Refundable<'a> {
    /// Only offline gifts this API user added (refundOfflineDonation: "an API account refunds
    /// only the offline gifts it added itself").
    OfflineBy(&'a str),
    /// Any gift (refundTransaction, for transactions processed online).
    Any,
}

/// Refunds `amount_cents` of the gift with `confirmation_code` (never more than is left of
/// it); `None` or 0 refunds all that is left. The gift stays as it was in the Donation store:
/// a refund is a transaction of its own.
pub(crate) fn refund(
    state: &mut State,
    confirmation_code: &str,
    amount_cents: Option<u64>,
    refundable: Refundable<'_>,
) -> Result<Refund, RefundRefusal> {
    let account = match refundable {
        Refundable::OfflineBy(by) => Some(state.account_id(by).to_string()),
        Refundable::Any => None,
    };
    let (transaction_id, gift) = state
        .stores
        .get(DONATION)
        .and_then(|store| {
            store.active.iter().find(|(_, gift)| {
                gift.get("Payment.ConfirmationCode") == Some(confirmation_code)
                    && account.as_deref().is_none_or(|account| {
                        gift.get("Payment.CreationMethod") == Some("OFFLINE")
                            && gift.get("Payment.CreatedBy") == Some(account)
                    })
            })
        })
        .ok_or(RefundRefusal::UnknownGift)?;
    let gift_cents = gift
        .get("Payment.Amount")
        .and_then(parse_cents)
        .unwrap_or(0);
    let cons_id = gift.get("Donor.ConsId").and_then(|id| id.parse().ok());
    let transaction_id = *transaction_id;
    let refunded = state.refunded_cents.entry(transaction_id).or_default();
    let left_cents = gift_cents.saturating_sub(*refunded);
    let refund = match amount_cents {
        None | Some(0) => left_cents,
        Some(cents) => cents,
    };
    if refund == 0 || refund > left_cents {
        return Err(RefundRefusal::TooMuch { left_cents });
    }
    *refunded += refund;
    state.refunds_made += 1;
    Ok(Refund {
        transaction_id,
        cons_id,
        refunded_cents: refund,
        refund_id: FIRST_REFUND_ID + state.refunds_made - 1,
    })
}

/// The first refund's transaction id.
const FIRST_REFUND_ID: u64 = 6_501_001;

/// Records a payment of a recurring gift made elsewhere (recordRecurringTransaction) as a
/// Donation of constituent `cons_id` paid on `paid` (an `xs:dateTime`), logged as an insert
/// by `by`; its TransactionId, or `None` when the site has no Donation store.
pub(crate) fn record_recurring_payment(
    state: &mut State,
    cons_id: u64,
    amount_cents: u64,
    paid: String,
    by: &str,
) -> Option<u64> {
    if !state.stores.contains_key(DONATION) {
        return None;
    }
    let transaction_id = next_transaction_id(state);
    let amount = format_cents(amount_cents);
    let mut fields = Fields::default();
    for (path, value) in [
        ("TransactionId", transaction_id.to_string()),
        ("TaxDeductibleValue", amount.clone()),
        ("FairMarketValue", "0.00".to_string()),
        ("Payment.Amount", amount),
        ("Payment.PaymentDate", paid.clone()),
        ("Payment.CreationDate", paid),
        ("Payment.CreatedBy", state.account_id(by).to_string()),
        ("Payment.CreationMethod", "RECURRING".to_string()),
        (
            "Payment.ConfirmationCode",
            format!("RECUR-{transaction_id}"),
        ),
        ("Payment.TenderType", "CREDIT_CARD".to_string()),
    ] {
        fields.values.insert(path.to_string(), value);
    }
    store_gift(state, transaction_id, cons_id, fields, by);
    Some(transaction_id)
}
