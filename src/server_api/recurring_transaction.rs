//! The `recordRecurringTransactionRequest` document of `recordRecurringTransaction`
//! (SRDonationAPI): payments of recurring gifts processed outside Luminate, each naming its
//! gift by the transaction that started it or by the processor's reference.

use crate::error::Error;

/// The namespace of the document (the method page's description).
const CRM_NAMESPACE: &str = "http://convio.com/crm/v1.0";

/// The most payments one call takes (the method page).
pub const MAX_RECURRING_PAYMENTS: usize = 200;

/// How a payment names its recurring gift.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Pledge {
    /// `seed_transaction_id`: the transaction that started the gift.
    SeedTransaction(u64),
    /// `processor_ref_id`: the payment processor's reference of the gift.
    ProcessorRef(String),
}

/// One payment of a recurring gift (`recurPledgeRecord`): its amount in cents, its date, and
/// whether it succeeded.
///
/// ```
/// use convio::server_api::RecurringPayment;
///
/// let paid = RecurringPayment::of_seed_transaction(5_001_001, 2_500, "2026-11-01")
///     .next_payment_date("2026-12-01");
/// let failed = RecurringPayment::of_processor_ref("PN-88", 2_500, "2026-11-01").failed();
/// # let _ = (paid, failed);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecurringPayment {
    pledge: Pledge,
    amount_cents: u64,
    date: String,
    next_payment_date: Option<String>,
    success: bool,
    send_autoresponder: Option<bool>,
    process_lapsed: Option<bool>,
}

impl RecurringPayment {
    fn new(pledge: Pledge, amount_cents: u64, date: impl Into<String>) -> Self {
        RecurringPayment {
            pledge,
            amount_cents,
            date: date.into(),
            next_payment_date: None,
            success: true,
            send_autoresponder: None,
            process_lapsed: None,
        }
    }

    /// A payment of the gift started by transaction `seed_transaction_id` (`recur_amount`
    /// in cents, `recur_date` as `YYYY-MM-DD` or a date-time with its offset).
    pub fn of_seed_transaction(
        seed_transaction_id: u64,
        amount_cents: u64,
        date: impl Into<String>,
    ) -> Self {
        Self::new(
            Pledge::SeedTransaction(seed_transaction_id),
            amount_cents,
            date,
        )
    }

    /// A payment of the gift the processor knows as `processor_ref_id`.
    pub fn of_processor_ref(
        processor_ref_id: impl Into<String>,
        amount_cents: u64,
        date: impl Into<String>,
    ) -> Self {
        Self::new(
            Pledge::ProcessorRef(processor_ref_id.into()),
            amount_cents,
            date,
        )
    }

    /// `recur_next_payment_date`: when the gift is due next (`YYYY-MM-DD`).
    pub fn next_payment_date(mut self, date: impl Into<String>) -> Self {
        self.next_payment_date = Some(date.into());
        self
    }

    /// `recur_success` false: the payment was attempted and declined.
    pub fn failed(mut self) -> Self {
        self.success = false;
        self
    }

    /// `send_autoresponder`.
    pub fn send_autoresponder(mut self, send: bool) -> Self {
        self.send_autoresponder = Some(send);
        self
    }

    /// `process_lapsed`: whether a payment of a lapsed gift is recorded too.
    pub fn process_lapsed(mut self, process: bool) -> Self {
        self.process_lapsed = Some(process);
        self
    }

    fn check(&self) -> Result<(), Error> {
        if let Pledge::ProcessorRef(reference) = &self.pledge {
            if reference.trim().is_empty() {
                return Err(Error::Configuration(
                    "processor_ref_id: empty (name the gift by it or by seed_transaction_id)"
                        .into(),
                ));
            }
        }
        let dates = [
            ("recur_date", Some(&self.date)),
            ("recur_next_payment_date", self.next_payment_date.as_ref()),
        ];
        for (name, date) in dates {
            if let Some(date) = date {
                if !is_iso_date(date) {
                    return Err(Error::Configuration(format!(
                        "{name}: `{date}` is not a date (YYYY-MM-DD)"
                    )));
                }
            }
        }
        Ok(())
    }

    fn write(&self, out: &mut String) {
        let mut fields = Vec::new();
        match &self.pledge {
            Pledge::SeedTransaction(id) => fields.push(("seed_transaction_id", id.to_string())),
            Pledge::ProcessorRef(id) => fields.push(("processor_ref_id", id.clone())),
        }
        fields.push(("recur_amount", self.amount_cents.to_string()));
        fields.push(("recur_date", self.date.clone()));
        if let Some(date) = &self.next_payment_date {
            fields.push(("recur_next_payment_date", date.clone()));
        }
        fields.push(("recur_success", self.success.to_string()));
        if let Some(send) = self.send_autoresponder {
            fields.push(("send_autoresponder", send.to_string()));
        }
        if let Some(process) = self.process_lapsed {
            fields.push(("process_lapsed", process.to_string()));
        }
        out.push_str("<recurPledgeRecord>");
        for (name, value) in &fields {
            out.push_str(&format!(
                "<{name}>{}</{name}>",
                quick_xml::escape::escape(value.as_str())
            ));
        }
        out.push_str("</recurPledgeRecord>");
    }
}

/// `YYYY-MM-DD` with a month 01–12 and a day 01–31, alone or starting a date-time: the
/// method's two documented examples write `2010-05-30` and `2010-05-30T09:30:10-06:00`.
fn is_iso_date(text: &str) -> bool {
    let bytes = text.as_bytes();
    if bytes.len() > 10 && bytes[10] == b'T' {
        return is_iso_date(&text[..10]);
    }
    let digits = |range: std::ops::Range<usize>| bytes[range].iter().all(u8::is_ascii_digit);
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return false;
    }
    if !(digits(0..4) && digits(5..7) && digits(8..10)) {
        return false;
    }
    let month = (bytes[5] - b'0') * 10 + (bytes[6] - b'0');
    let day = (bytes[8] - b'0') * 10 + (bytes[9] - b'0');
    (1..=12).contains(&month) && (1..=31).contains(&day)
}

/// The payments of one `recordRecurringTransaction` call (1 to 200).
///
/// ```
/// use convio::server_api::{RecurringPayment, RecurringTransactionRequest};
///
/// let request = RecurringTransactionRequest::new()
///     .payment(RecurringPayment::of_seed_transaction(5_001_001, 2_500, "2026-11-01"));
/// let xml = request.to_xml().unwrap();
/// assert!(xml.starts_with(r#"<recordRecurringTransactionRequest xmlns="http://convio.com/crm/v1.0"><recurPledgeRecord>"#));
/// assert!(RecurringTransactionRequest::new().to_xml().is_err());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecurringTransactionRequest {
    payments: Vec<RecurringPayment>,
}

impl RecurringTransactionRequest {
    /// No payment yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a payment.
    pub fn payment(mut self, payment: RecurringPayment) -> Self {
        self.payments.push(payment);
        self
    }

    /// The payments, in the order added.
    pub fn len(&self) -> usize {
        self.payments.len()
    }

    /// Whether no payment was added.
    pub fn is_empty(&self) -> bool {
        self.payments.is_empty()
    }

    /// The document sent as `record_recurring_transaction`; none or more than 200 payments,
    /// an empty processor reference or a date that is not `YYYY-MM-DD` is refused.
    pub fn to_xml(&self) -> Result<String, Error> {
        if self.payments.is_empty() || self.payments.len() > MAX_RECURRING_PAYMENTS {
            return Err(Error::Configuration(format!(
                "a recordRecurringTransactionRequest takes 1 to {MAX_RECURRING_PAYMENTS} payments, not {}",
                self.payments.len()
            )));
        }
        for payment in &self.payments {
            payment.check()?;
        }
        let mut xml = format!(r#"<recordRecurringTransactionRequest xmlns="{CRM_NAMESPACE}">"#);
        for payment in &self.payments {
            payment.write(&mut xml);
        }
        xml.push_str("</recordRecurringTransactionRequest>");
        Ok(xml)
    }
}
