//! `SRDonationAPI`: offline gifts, recorded into the Donation store the SOAP downloads read.

use super::{api_error, money, param, ApiError, Document, Node};
use crate::emulator::donations::{
    record_offline, refund, GiftRefusal, OfflineGift, RefundRefusal, Refundable,
};
use crate::emulator::money::{format_cents, parse_cents};
use crate::emulator::state::{Refusal, State};

/// Answers `method`, or `None` when this servlet has no such method.
pub(super) fn call(
    state: &mut State,
    user: &str,
    method: &str,
    params: &[(String, String)],
) -> Option<Result<Document, ApiError>> {
    match method {
        "addOfflineDonation" => Some(add_gift(state, user, params, Giver::Individual)),
        "offlineOrganizationGift" | "offlineOrganizationGiftCheckout" => {
            Some(add_gift(state, user, params, Giver::Organization))
        }
        "recordRecurringTransaction" => Some(super::recurring::record_recurring_transaction(
            state, user, params,
        )),
        "refundOfflineDonation" => Some(refund_offline_donation(state, user, params)),
        "refundTransaction" => Some(refund_transaction(state, params)),
        _ => None,
    }
}

/// The reasons a gift was not recorded, as `donationResponse > errors`.
fn gift_errors(page_error: String, field_error: Option<String>) -> Document {
    let mut errors = vec![
        ("code".to_string(), Node::Text("22".into())),
        ("reason".to_string(), Node::Text("FIELD_VALIDATION".into())),
        ("pageError".to_string(), Node::Text(page_error)),
    ];
    if let Some(field_error) = field_error {
        errors.push(("fieldError".to_string(), Node::Text(field_error)));
    }
    (
        "donationResponse",
        vec![("errors".to_string(), Node::Object(errors))],
    )
}

/// Whose gift: an individual's (addOfflineDonation, `offline_payment_method` cash, check or
/// credit) or an organization's (offlineOrganizationGift, `org_gift_payment_method` cash,
/// check, credit or ach).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Giver {
    Individual,
    Organization,
}

impl Giver {
    /// The payment parameters the gift needs (the method pages list both of an
    /// organization's as required) and their values; the last one decides the tender.
    fn payment_parameters(self) -> &'static [(&'static str, &'static [&'static str])] {
        const OFFLINE: (&str, &[&str]) = ("offline_payment_method", &["cash", "check", "credit"]);
        match self {
            Giver::Individual => &[OFFLINE],
            Giver::Organization => &[
                OFFLINE,
                (
                    "org_gift_payment_method",
                    &["cash", "check", "credit", "ach"],
                ),
            ],
        }
    }
}

fn add_gift(
    state: &mut State,
    user: &str,
    params: &[(String, String)],
    giver: Giver,
) -> Result<Document, ApiError> {
    let param = |name: &str| param(params, name);
    let required = |name: &str| {
        param(name).ok_or_else(|| api_error(9, format!("Missing parameter was: {name}")))
    };
    let number = |name: &str, value: &str| {
        value
            .parse::<u64>()
            .map_err(|_| api_error(22, format!("{name}: `{value}` is not a number")))
    };
    let first_name = required("billing.name.first")?;
    let last_name = required("billing.name.last")?;
    let email = required("donor.email")?;
    let form_id = number("form_id", required("form_id")?)?;
    let level_id = number("level_id", required("level_id")?)?;
    let mut payment_method = "";
    for (payment_parameter, accepted) in giver.payment_parameters() {
        payment_method = required(payment_parameter)?;
        if !accepted.contains(&payment_method) {
            return Ok(gift_errors(
                "The payment method is not one this form accepts.".into(),
                Some(format!(
                    "{payment_parameter}: `{payment_method}` is not one of {}",
                    accepted.join(", ")
                )),
            ));
        }
    }
    let cons_id = param("donor.cons_id")
        .map(|value| number("donor.cons_id", value))
        .transpose()?;
    let additional_cents = match param("additional_amount") {
        None => 0,
        Some(amount) => match parse_cents(amount) {
            Some(cents) => cents,
            None => {
                return Ok(gift_errors(
                    "The amount is not valid.".into(),
                    Some(format!("additional_amount: `{amount}` is not an amount")),
                ))
            }
        },
    };
    let gift = OfflineGift {
        form_id,
        level_id,
        payment_method: payment_method.to_string(),
        first_name: first_name.to_string(),
        last_name: last_name.to_string(),
        email: email.to_string(),
        cons_id,
        additional_cents,
        check_number: param("check_number").map(str::to_string),
        organization: giver == Giver::Organization,
    };
    let recorded = match record_offline(state, &gift, user) {
        Ok(recorded) => recorded,
        Err(GiftRefusal::UnknownForm(id)) => {
            return Ok(gift_errors(
                format!("There is no offline Donations 2 form with id {id}."),
                None,
            ))
        }
        Err(GiftRefusal::UnknownLevel(id)) => {
            return Ok(gift_errors(
                format!("The form has no donation level with id {id}."),
                None,
            ))
        }
        Err(GiftRefusal::UnknownDonor(id)) => {
            return Err(api_error(16, format!("No constituent with cons_id {id}.")))
        }
        Err(GiftRefusal::Donor(Refusal::EmailTaken(email))) => {
            return Err(api_error(
                13,
                format!("The email address {email} is taken."),
            ))
        }
        Err(GiftRefusal::Donor(refusal)) => {
            return Err(api_error(
                10,
                format!("The donor could not be added: {refusal:?}"),
            ))
        }
        Err(GiftRefusal::NoDonations) => {
            return Err(api_error(1, "This site does not record donations."))
        }
    };
    Ok((
        "donationResponse",
        vec![(
            "donation".to_string(),
            Node::Object(vec![
                (
                    "transaction_id".into(),
                    Node::Text(recorded.transaction_id.to_string()),
                ),
                (
                    "confirmation_code".into(),
                    Node::Text(recorded.confirmation_code),
                ),
                ("cons_id".into(), Node::Text(recorded.cons_id.to_string())),
                ("amount".into(), money(recorded.amount_cents)),
            ]),
        )],
    ))
}

/// `refundOfflineDonation`: all or part of an offline gift this account added, named by the
/// confirmation code addOfflineDonation answered; the answer is a `donationResponse` naming
/// the gift and the amount refunded (see NOTES.md: no example of this answer is visible).
fn refund_offline_donation(
    state: &mut State,
    user: &str,
    params: &[(String, String)],
) -> Result<Document, ApiError> {
    let code = param(params, "refund_user_confirm_code")
        .ok_or_else(|| api_error(9, "Missing parameter was: refund_user_confirm_code"))?;
    let amount = match param(params, "refund_amount") {
        None => None,
        Some(amount) => match parse_cents(amount) {
            Some(cents) => Some(cents),
            None => {
                return Ok(gift_errors(
                    "The refund amount is not valid.".into(),
                    Some(format!("refund_amount: `{amount}` is not an amount")),
                ))
            }
        },
    };
    let refund = match refund(state, code, amount, Refundable::OfflineBy(user)) {
        Ok(refund) => refund,
        Err(RefundRefusal::UnknownGift) => {
            return Ok(gift_errors(
                format!("This account added no offline gift with confirmation code {code}."),
                Some("refund_user_confirm_code".into()),
            ))
        }
        Err(RefundRefusal::TooMuch { left_cents }) => {
            return Ok(gift_errors(
                format!(
                    "A refund may not be more than what is left of the gift ({}).",
                    format_cents(left_cents)
                ),
                Some("refund_amount".into()),
            ))
        }
    };
    let mut donation = vec![
        (
            "transaction_id".to_string(),
            Node::Text(refund.transaction_id.to_string()),
        ),
        (
            "confirmation_code".to_string(),
            Node::Text(code.to_string()),
        ),
    ];
    if let Some(cons_id) = refund.cons_id {
        donation.push(("cons_id".to_string(), Node::Text(cons_id.to_string())));
    }
    donation.push(("amount".to_string(), money(refund.refunded_cents)));
    Ok((
        "donationResponse",
        vec![("donation".to_string(), Node::Object(donation))],
    ))
}

/// `refundTransaction`: the refunds a `refundRequest` document lists (passed url-encoded as
/// `refund_transaction_request`, or `refund_request` as the page's prose names it), each by
/// its gift's confirmation code, full or partial (`refund_amount` in cents). Every entry is
/// checked before any is made. The answer is the emulator's own spelling (no source shows
/// one): `refundTransactionResponse` > `refund` > `user_confirmation_code`,
/// `refund_transaction_id` (the element public client code reads), `refund_amount`.
fn refund_transaction(
    state: &mut State,
    params: &[(String, String)],
) -> Result<Document, ApiError> {
    const CRM: &str = "http://convio.com/crm/v1.0";
    let document = param(params, "refund_transaction_request")
        .or_else(|| param(params, "refund_request"))
        .ok_or_else(|| api_error(9, "Missing parameter was: refund_transaction_request"))?;
    let request = crate::emulator::xml::parse(document.as_bytes()).map_err(|e| {
        api_error(
            22,
            format!(
                "refund_transaction_request: {} (at byte {})",
                e.message, e.position
            ),
        )
    })?;
    if !request.is(CRM, "refundRequest") {
        return Err(api_error(
            22,
            "refund_transaction_request: the document is not a refundRequest",
        ));
    }
    let text = |entry: &crate::emulator::xml::Element, name: &str| {
        entry
            .child(CRM, name)
            .map(|e| e.text.trim().to_string())
            .filter(|t| !t.is_empty())
    };
    let mut wanted = Vec::new();
    for list in ["donRefundInfoList", "trRefundInfoList"] {
        let entry_name = if list.starts_with("don") {
            "donRefundInfo"
        } else {
            "trRefundInfo"
        };
        for entry in request
            .children_named(CRM, list)
            .flat_map(|l| l.children_named(CRM, entry_name))
        {
            let code = text(entry, "user_confirmation_code").ok_or_else(|| {
                api_error(
                    9,
                    format!("Missing parameter was: {entry_name}/user_confirmation_code"),
                )
            })?;
            let amount = match (
                text(entry, "refund_type").as_deref(),
                text(entry, "refund_amount"),
            ) {
                (Some("partial"), Some(cents)) => Some(cents.parse::<u64>().map_err(|_| {
                    api_error(
                        22,
                        format!("refund_amount: `{cents}` is not a number of cents"),
                    )
                })?),
                (Some("partial"), None) => {
                    return Err(api_error(9, "Missing parameter was: refund_amount"))
                }
                _ => None,
            };
            wanted.push((code, amount));
        }
    }
    if wanted.is_empty() {
        return Err(api_error(9, "The refundRequest lists no refund."));
    }
    // Checked first on a copy, so that a refusal leaves nothing half done.
    let mut trial = state.refunded_cents.clone();
    let mut refunds = Vec::new();
    for (code, amount) in &wanted {
        match refund(state, code, *amount, Refundable::Any) {
            Ok(made) => refunds.push((code.clone(), made)),
            Err(refusal) => {
                std::mem::swap(&mut state.refunded_cents, &mut trial);
                state.refunds_made -= refunds.len() as u64;
                return Err(match refusal {
                    RefundRefusal::UnknownGift => {
                        api_error(16, format!("No transaction with confirmation code {code}."))
                    }
                    RefundRefusal::TooMuch { left_cents } => api_error(
                        22,
                        format!(
                            "refund_amount: more than is left of {code} ({})",
                            format_cents(left_cents)
                        ),
                    ),
                });
            }
        }
    }
    Ok((
        "refundTransactionResponse",
        refunds
            .into_iter()
            .map(|(code, made)| {
                (
                    "refund".to_string(),
                    Node::Object(vec![
                        ("user_confirmation_code".into(), Node::Text(code)),
                        (
                            "refund_transaction_id".into(),
                            Node::Text(made.refund_id.to_string()),
                        ),
                        ("refund_amount".into(), money(made.refunded_cents)),
                    ]),
                )
            })
            .collect(),
    ))
}
