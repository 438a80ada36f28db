//! Recurring (sustaining) gifts, for `SRRecurringAPI`: a monthly gift for every fifth sample
//! constituent, with the payments it has made, changed by cancelling, skipping and updating.

use std::collections::BTreeMap;

use super::clock::{civil_from_days, days_from_civil};
use super::money::format_cents;

/// Days between the payments of a monthly gift, as the emulator counts them.
const MONTH_DAYS: i64 = 30;

/// One recurring gift.
#[derive(Debug, Clone)]
pub struct RecurringGift {
    pub cons_id: u64,
    pub title: String,
    pub amount_cents: u64,
    /// The next payment, in days since 1970-01-01.
    pub next_payment: i64,
    pub canceled: bool,
    /// Payments made: (day, cents).
    pub payments: Vec<(i64, u64)>,
}

impl RecurringGift {
    /// The day of the last payment made.
    pub fn previous_payment(&self) -> Option<i64> {
        self.payments.last().map(|(day, _)| *day)
    }
}

/// Gift `id`'s seed transaction (the transaction that started it) is this plus `id`: the
/// emulator's own numbering, which recordRecurringTransaction names gifts by.
pub const SEED_TRANSACTION_BASE: u64 = 6_000_000;

/// Gift `id`'s reference at the payment processor (`processor_ref_id`), as the emulator
/// numbers them.
pub fn processor_ref(id: u64) -> String {
    format!("EMU-RECUR-{id}")
}

/// The site's recurring gifts, by id.
#[derive(Debug, Default)]
pub struct RecurringGifts {
    pub gifts: BTreeMap<u64, RecurringGift>,
}

impl RecurringGifts {
    /// The id of the gift that seed transaction `transaction_id` started.
    pub fn by_seed_transaction(&self, transaction_id: u64) -> Option<u64> {
        let id = transaction_id.checked_sub(SEED_TRANSACTION_BASE)?;
        self.gifts.contains_key(&id).then_some(id)
    }

    /// The id of the gift the processor knows as `reference`.
    pub fn by_processor_ref(&self, reference: &str) -> Option<u64> {
        self.gifts
            .keys()
            .copied()
            .find(|id| processor_ref(*id) == reference.trim())
    }

    /// The gift `id` of constituent `cons_id`.
    pub fn of(&mut self, cons_id: u64, id: u64) -> Option<&mut RecurringGift> {
        self.gifts
            .get_mut(&id)
            .filter(|gift| gift.cons_id == cons_id)
    }
}

/// A day as the method pages write dates: `2018-10-03Z` (an `xs:date` with its zone).
pub fn format_day(day: i64) -> String {
    let (year, month, day) = civil_from_days(day);
    format!("{year:04}-{month:02}-{day:02}Z")
}

/// The year of a day.
pub fn year_of(day: i64) -> i64 {
    civil_from_days(day).0
}

/// `YYYY-MM-DD`, alone or starting a date-time (`2010-05-30T09:30:10-06:00`): the two
/// spellings of recordRecurringTransaction's examples; in days since 1970-01-01.
pub fn parse_iso_day(text: &str) -> Option<i64> {
    let text = text.trim();
    let date = text.get(..10)?;
    let rest = &text[10..];
    if !(rest.is_empty() || rest.starts_with('T')) {
        return None;
    }
    let mut parts = date.split('-');
    day_of(parts.next()?, parts.next()?, parts.next()?)
}

/// `MM-DD-YYYY`, as updateRecurringGift takes `next_payment_date`, in days since 1970-01-01.
pub fn parse_month_day_year(text: &str) -> Option<i64> {
    let mut parts = text.trim().split('-');
    let (month, day, year) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    day_of(year, month, day)
}

/// A day given as its four-digit year, two-digit month and two-digit day, in days since
/// 1970-01-01; 02-31 and the like are refused, not rolled over into the next month.
fn day_of(year: &str, month: &str, day: &str) -> Option<i64> {
    if year.len() != 4 || month.len() != 2 || day.len() != 2 {
        return None;
    }
    let (year, month, day): (i64, u32, u32) =
        (year.parse().ok()?, month.parse().ok()?, day.parse().ok()?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let days = days_from_civil(year, month, day);
    (civil_from_days(days) == (year, month, day)).then_some(days)
}

/// Gives every fifth of `constituents` (the first, the sixth...) a monthly gift that has
/// made three payments, the last 25 days before `today` (days since 1970-01-01).
pub fn seed(gifts: &mut RecurringGifts, constituents: &[u64], today: i64) {
    for (n, cons_id) in constituents.iter().copied().step_by(5).enumerate() {
        let id = n as u64 + 1;
        let amount_cents = 1_000 + 500 * (n as u64 % 4);
        let last = today - 25;
        let payments = (0..3)
            .rev()
            .map(|k| (last - k * MONTH_DAYS, amount_cents))
            .collect();
        gifts.gifts.insert(
            id,
            RecurringGift {
                cons_id,
                title: "Monthly Giving - Sustainer Form".into(),
                amount_cents,
                next_payment: last + MONTH_DAYS,
                canceled: false,
                payments,
            },
        );
    }
}

/// Moves a gift's next payment on by one period (skipNextPayment).
pub fn skip(gift: &mut RecurringGift) {
    gift.next_payment += MONTH_DAYS;
}

/// The amount as the pages write it: (`decimal`, `formatted`).
pub fn amount_texts(cents: u64) -> (String, String) {
    let decimal = format_cents(cents);
    let formatted = format!("${decimal}");
    (decimal, formatted)
}
