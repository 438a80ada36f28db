//! `SRDonationAPI`: offline gifts, recorded into the Donation store the SOAP downloads read.

use super::{api_error, money, param, ApiError, Document, Node};
use crate::emulator::donations::{
    format_cents, parse_cents, record_offline, refund_offline, GiftRefusal, OfflineGift,
    RefundRefusal,
};
use crate::emulator::state::{Refusal, State};

/// Answers `method`, or `None` when this servlet has no such method.
pub(super) fn call(
    state: &mut State,
    user: &str,
    method: &str,
    params: &[(String, String)],
) -> Option<Result<Document, ApiError>> {
    match method {
        "addOfflineDonation" => Some(add_offline_donation(state, user, params)),
        "refundOfflineDonation" => Some(refund_offline_donation(state, user, params)),
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

fn add_offline_donation(
    state: &mut State,
    user: &str,
    params: &[(String, String)],
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
    let payment_method = required("offline_payment_method")?;
    if !matches!(payment_method, "cash" | "check" | "credit") {
        return Ok(gift_errors(
            "The payment method is not one this form accepts.".into(),
            Some(format!(
                "offline_payment_method: `{payment_method}` is not cash, check or credit"
            )),
        ));
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
    let refund = match refund_offline(state, code, amount, user) {
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
