//! `SRRecurringAPI`: a constituent's recurring gifts, listed, cancelled, skipped, updated,
//! and their payment history.

use super::{api_error, money, number_param as number, param, ApiError, Document, Node};
use crate::emulator::recurring::{
    amount_texts, format_day, parse_month_day_year, skip, year_of, RecurringGift,
};
use crate::emulator::state::State;

/// Answers `method`, or `None` when this servlet has no such method.
pub(super) fn call(
    state: &mut State,
    method: &str,
    params: &[(String, String)],
) -> Option<Result<Document, ApiError>> {
    let answer = match method {
        "getRecurringGifts" => recurring_gifts(state, params),
        "cancelRecurringGift" => with_gift(state, params, |gift| {
            gift.canceled = true;
            Ok(("cancelRecurringGiftResponse", vec![flag("canceled", true)]))
        }),
        "skipNextPayment" => with_gift(state, params, |gift| {
            if gift.canceled {
                return Err(api_error(22, "The recurring gift is canceled."));
            }
            skip(gift);
            Ok(("skipNextPaymentResponse", vec![flag("success", true)]))
        }),
        "updateRecurringGift" => update(state, params),
        "getRecurringHistory" => history(state, params),
        _ => return None,
    };
    Some(answer)
}

fn flag(name: &str, value: bool) -> (String, Node) {
    (name.to_string(), Node::Text(value.to_string()))
}

/// Runs `change` on the gift `recurring_gift_id` of `cons_id`.
fn with_gift(
    state: &mut State,
    params: &[(String, String)],
    change: impl FnOnce(&mut RecurringGift) -> Result<Document, ApiError>,
) -> Result<Document, ApiError> {
    let cons_id: u64 = number(params, "cons_id")?;
    let gift_id: u64 = number(params, "recurring_gift_id")?;
    let gift = state.recurring.of(cons_id, gift_id).ok_or_else(|| {
        api_error(
            16,
            format!("Constituent {cons_id} has no recurring gift {gift_id}."),
        )
    })?;
    change(gift)
}

fn recurring_gifts(state: &State, params: &[(String, String)]) -> Result<Document, ApiError> {
    let cons_id: u64 = number(params, "cons_id")?;
    if !state.constituents.contains_key(&cons_id) {
        return Err(api_error(
            16,
            format!("No constituent with cons_id {cons_id}."),
        ));
    }
    let gifts = state
        .recurring
        .gifts
        .iter()
        .filter(|(_, gift)| gift.cons_id == cons_id && !gift.canceled)
        .map(|(id, gift)| {
            let mut fields = vec![
                ("tenderType".to_string(), Node::Text("CREDIT_CARD".into())),
                ("title".to_string(), Node::Text(gift.title.clone())),
                ("id".to_string(), Node::Text(id.to_string())),
                (
                    "creditInfo".to_string(),
                    Node::Object(vec![
                        (
                            "maskedCreditCardNumber".into(),
                            Node::Text("************1234".into()),
                        ),
                        ("expirationMonth".into(), Node::Text("10".into())),
                        ("expirationYear".into(), Node::Text("2030".into())),
                    ]),
                ),
                (
                    "nextPaymentDate".to_string(),
                    Node::Text(format_day(gift.next_payment)),
                ),
            ];
            if let Some(previous) = gift.previous_payment() {
                fields.push((
                    "previousPaymentDate".to_string(),
                    Node::Text(format_day(previous)),
                ));
            }
            fields.extend([
                ("amount".to_string(), money(gift.amount_cents)),
                ("frequency".to_string(), Node::Text("monthly".into())),
                ("tenderInstance".to_string(), Node::Text("VISA".into())),
            ]);
            ("recurringGift".to_string(), Node::Object(fields))
        })
        .collect();
    Ok(("getRecurringGiftsResponse", gifts))
}

fn update(state: &mut State, params: &[(String, String)]) -> Result<Document, ApiError> {
    let next_text = param(params, "next_payment_date")
        .ok_or_else(|| api_error(9, "Missing parameter was: next_payment_date"))?;
    let next = parse_month_day_year(next_text).ok_or_else(|| {
        api_error(
            22,
            format!("next_payment_date: `{next_text}` is not a date (MM-DD-YYYY)"),
        )
    })?;
    // In cents: the method types it `xsd:nonNegativeInteger` (1000 is $10.00).
    let amount_cents = match param(params, "amount") {
        None => None,
        Some(text) => Some(
            text.parse::<u64>()
                .ok()
                .filter(|cents| *cents > 0)
                .ok_or_else(|| {
                    api_error(22, format!("amount: `{text}` is not an amount in cents"))
                })?,
        ),
    };
    if next <= state.today() {
        return Err(api_error(22, "next_payment_date must be in the future."));
    }
    with_gift(state, params, |gift| {
        if gift.canceled {
            return Err(api_error(22, "The recurring gift is canceled."));
        }
        let amount_updated = amount_cents.is_some_and(|cents| cents != gift.amount_cents);
        if let Some(cents) = amount_cents {
            gift.amount_cents = cents;
        }
        let date_updated = next != gift.next_payment;
        gift.next_payment = next;
        Ok((
            "updateRecurringGiftResponse",
            vec![
                flag("success", true),
                flag("amountUpdated", amount_updated),
                // In cents, as the method page's sample writes it (decimal 1000, $10.00).
                (
                    "amount".to_string(),
                    Node::Object(vec![
                        ("decimal".into(), Node::Text(gift.amount_cents.to_string())),
                        (
                            "formatted".into(),
                            Node::Text(amount_texts(gift.amount_cents).1),
                        ),
                    ]),
                ),
                flag("nextPaymentDateUpdated", date_updated),
                (
                    "nextPaymentDate".to_string(),
                    Node::Text(format_day(gift.next_payment)),
                ),
            ],
        ))
    })
}

fn history(state: &mut State, params: &[(String, String)]) -> Result<Document, ApiError> {
    let year: i64 = number(params, "sustainer_history_year")?;
    with_gift(state, params, |gift| {
        let payments = gift
            .payments
            .iter()
            .filter(|(day, _)| year_of(*day) == year)
            .map(|(day, cents)| {
                (
                    "recurringHistory".to_string(),
                    Node::Object(vec![
                        // In cents, as the method page's sample writes it.
                        (
                            "amount".into(),
                            Node::Object(vec![
                                ("decimal".into(), Node::Text(cents.to_string())),
                                ("formatted".into(), Node::Text(amount_texts(*cents).0)),
                            ]),
                        ),
                        ("date".into(), Node::Text(format_day(*day))),
                        ("tenderType".into(), Node::Text("CREDIT_CARD".into())),
                        (
                            "maskedCreditCardNumber".into(),
                            Node::Text("************1234".into()),
                        ),
                        ("status".into(), Node::Text("COMPLETED".into())),
                    ]),
                )
            })
            .collect();
        Ok(("getRecurringHistoryResponse", payments))
    })
}
