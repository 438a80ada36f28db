//! `SRRecurringAPI`: a constituent's recurring gifts, listed, cancelled, skipped, updated,
//! and their payment history.

use super::{api_error, money, number_param as number, param, ApiError, Document, Node};
use crate::emulator::clock::format_date_time;
use crate::emulator::donations::record_recurring_payment;
use crate::emulator::recurring::{
    amount_texts, format_day, parse_iso_day, parse_month_day_year, skip, year_of, RecurringGift,
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

/// One `recurPledgeRecord` of a recordRecurringTransaction request, read.
struct PledgePayment {
    /// How the record named its gift: (element, value), answered back as given.
    named_by: (&'static str, String),
    gift_id: u64,
    cents: u64,
    day: i64,
    next_payment: Option<i64>,
    success: bool,
    process_lapsed: bool,
}

/// `recordRecurringTransaction` (SRDonationAPI): payments of recurring gifts made elsewhere,
/// in a `recordRecurringTransactionRequest` document (`record_recurring_transaction`). As
/// the method page says, a document the emulator cannot read or a gift it cannot find
/// refuses the whole batch; otherwise each record has its own result. A successful payment
/// is added to the gift's history and is a Donation (the SOAP transaction downloads carry
/// it); a failed one is recorded as such and changes nothing; a canceled gift takes a
/// payment only with `process_lapsed`.
pub(super) fn record_recurring_transaction(
    state: &mut State,
    user: &str,
    params: &[(String, String)],
) -> Result<Document, ApiError> {
    const CRM: &str = "http://convio.com/crm/v1.0";
    const NAME: &str = "record_recurring_transaction";
    let document = param(params, NAME)
        .ok_or_else(|| api_error(9, format!("Missing parameter was: {NAME}")))?;
    let request = crate::emulator::xml::parse(document.as_bytes()).map_err(|e| {
        api_error(
            22,
            format!("{NAME}: {} (at byte {})", e.message, e.position),
        )
    })?;
    if !request.is(CRM, "recordRecurringTransactionRequest") {
        return Err(api_error(
            22,
            format!("{NAME}: the document is not a recordRecurringTransactionRequest"),
        ));
    }
    let records: Vec<_> = request.children_named(CRM, "recurPledgeRecord").collect();
    if records.is_empty() || records.len() > 200 {
        return Err(api_error(
            22,
            format!(
                "{NAME}: 1 to 200 recurPledgeRecord elements, not {}",
                records.len()
            ),
        ));
    }
    let mut payments = Vec::new();
    for (n, record) in records.iter().enumerate() {
        let text = |name: &str| {
            record
                .child(CRM, name)
                .map(|e| e.text.trim().to_string())
                .filter(|t| !t.is_empty())
        };
        let at = |name: &str| format!("recurPledgeRecord {} {name}", n + 1);
        let (named_by, gift_id) = if let Some(seed) = text("seed_transaction_id") {
            let id = seed
                .parse::<u64>()
                .ok()
                .and_then(|seed| state.recurring.by_seed_transaction(seed));
            (
                ("seed_transaction_id", seed.clone()),
                id.ok_or_else(|| {
                    api_error(
                        16,
                        format!(
                            "{}: no recurring gift started with transaction {seed}",
                            at("seed_transaction_id")
                        ),
                    )
                })?,
            )
        } else if let Some(reference) = text("processor_ref_id") {
            let id = state.recurring.by_processor_ref(&reference);
            (
                ("processor_ref_id", reference.clone()),
                id.ok_or_else(|| {
                    api_error(
                        16,
                        format!(
                            "{}: no recurring gift with processor reference {reference}",
                            at("processor_ref_id")
                        ),
                    )
                })?,
            )
        } else {
            return Err(api_error(
                9,
                format!(
                    "Missing parameter was: {} or processor_ref_id",
                    at("seed_transaction_id")
                ),
            ));
        };
        let cents = text("recur_amount").ok_or_else(|| {
            api_error(9, format!("Missing parameter was: {}", at("recur_amount")))
        })?;
        let cents = cents.parse::<u64>().map_err(|_| {
            api_error(
                22,
                format!("{}: `{cents}` is not a number of cents", at("recur_amount")),
            )
        })?;
        let day = |name: &str| -> Result<Option<i64>, ApiError> {
            match text(name) {
                None => Ok(None),
                Some(value) => parse_iso_day(&value)
                    .map(Some)
                    .ok_or_else(|| api_error(22, format!("{}: `{value}` is not a date", at(name)))),
            }
        };
        let paid = day("recur_date")?
            .ok_or_else(|| api_error(9, format!("Missing parameter was: {}", at("recur_date"))))?;
        let flag = |name: &str, default: bool| match text(name).as_deref() {
            None => Ok(default),
            Some("true") => Ok(true),
            Some("false") => Ok(false),
            Some(other) => Err(api_error(
                22,
                format!("{}: `{other}` is not true or false", at(name)),
            )),
        };
        payments.push(PledgePayment {
            named_by,
            gift_id,
            cents,
            day: paid,
            next_payment: day("recur_next_payment_date")?,
            success: flag("recur_success", true)?,
            process_lapsed: flag("process_lapsed", false)?,
        });
    }
    let mut results = Vec::new();
    for payment in payments {
        let mut result = vec![(
            payment.named_by.0.to_string(),
            Node::Text(payment.named_by.1.clone()),
        )];
        let Some(gift) = state.recurring.gifts.get_mut(&payment.gift_id) else {
            continue;
        };
        if gift.canceled && !payment.process_lapsed {
            result.push(("success".into(), Node::Text("false".into())));
            result.push((
                "message".into(),
                Node::Text(
                    "The recurring gift is canceled (send process_lapsed to record it).".into(),
                ),
            ));
            results.push(("recurPledgeResult".to_string(), Node::Object(result)));
            continue;
        }
        if let Some(next) = payment.next_payment {
            gift.next_payment = next;
        }
        let cons_id = gift.cons_id;
        if payment.success {
            gift.payments.push((payment.day, payment.cents));
            gift.payments.sort_by_key(|(day, _)| *day);
            let paid = format_date_time(std::time::Duration::from_secs(
                u64::try_from(payment.day).unwrap_or(0) * 86_400,
            ));
            result.push(("success".into(), Node::Text("true".into())));
            if let Some(id) = record_recurring_payment(state, cons_id, payment.cents, paid, user) {
                result.push(("transaction_id".into(), Node::Text(id.to_string())));
            }
            result.push(("message".into(), Node::Text("Payment recorded.".into())));
        } else {
            result.push(("success".into(), Node::Text("true".into())));
            result.push((
                "message".into(),
                Node::Text("Failed payment recorded.".into()),
            ));
        }
        results.push(("recurPledgeResult".to_string(), Node::Object(result)));
    }
    Ok(("recordRecurringTransactionResponse", results))
}
