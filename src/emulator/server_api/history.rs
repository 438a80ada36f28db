//! `getUserTransactions`: a constituent's gifts, read from the Donation store both APIs share
//! (seeded gifts and offline gifts alike), oldest first.

use super::{list_page, lookup, money, param, within_dates, ApiError, Document, Node};
use crate::emulator::donations::DONATION;
use crate::emulator::money::parse_cents;
use crate::emulator::records::Fields;
use crate::emulator::state::State;

/// The transaction type of every gift the emulator keeps.
const DONATION_TYPE: &str = "DONATION";

pub(super) fn get_user_transactions(
    state: &State,
    params: &[(String, String)],
) -> Result<Document, ApiError> {
    let cons_id = lookup(state, params)?.to_string();
    let (skip, size) = list_page(params)?;
    let within = within_dates(params);
    let wanted_type = param(params, "transaction_type").is_none_or(|t| t == DONATION_TYPE);
    let transactions = state
        .stores
        .get(DONATION)
        .into_iter()
        .flat_map(|store| store.active.values())
        .filter(|gift| wanted_type && gift.get("Donor.ConsId") == Some(cons_id.as_str()))
        .filter(|gift| within(gift.get("Payment.PaymentDate")))
        .skip(skip)
        .take(size)
        .map(|gift| ("transaction".to_string(), transaction(gift)))
        .collect();
    Ok(("getConsTransactionsResponse", transactions))
}

/// A gift as getUserTransactions shows one.
fn transaction(gift: &Fields) -> Node {
    let text = |path: &str| gift.get(path).map(|value| Node::Text(value.to_string()));
    let mut fields = vec![(
        "transaction_type".to_string(),
        Node::Text(DONATION_TYPE.into()),
    )];
    let mut push = |name: &str, node: Option<Node>| {
        if let Some(node) = node {
            fields.push((name.to_string(), node));
        }
    };
    push("timestamp", text("Payment.PaymentDate"));
    push("confirmation_code", text("Payment.ConfirmationCode"));
    push(
        "amount",
        gift.get("Payment.Amount").and_then(parse_cents).map(money),
    );
    let name: Vec<(String, Node)> = [
        ("first", "Donor.ConsName.FirstName"),
        ("last", "Donor.ConsName.LastName"),
    ]
    .into_iter()
    .filter_map(|(name, path)| Some((name.to_string(), text(path)?)))
    .collect();
    push(
        "billing_name",
        (!name.is_empty()).then_some(Node::Object(name)),
    );
    push("credit_card_type", text("Payment.CreditCardType"));
    if gift.get("Payment.TenderType") == Some("CHECK") {
        push("check_number", text("Payment.ProcessorRefNumber"));
    }
    Node::Object(fields)
}
