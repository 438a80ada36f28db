//! The `refundRequest` document of `refundTransaction` (SRDonationAPI): refunds of gifts and
//! TeamRaiser gifts processed online, each named by its confirmation code.

use crate::error::Error;

/// The namespace of the document (the reference's example).
const CRM_NAMESPACE: &str = "http://convio.com/crm/v1.0";

/// One refund: the gift's confirmation code, all of it or part (in cents).
///
/// ```
/// use convio::server_api::TransactionRefund;
///
/// let part = TransactionRefund::of("709-1201-1-5470-5579").amount_cents(2_500).send_autoresponder(false);
/// let whole = TransactionRefund::of("709-1201-1-4215-5508");
/// # let _ = (part, whole);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TransactionRefund {
    confirmation_code: String,
    transaction_id: Option<u64>,
    processor_transaction_id: Option<String>,
    process_transaction: Option<bool>,
    send_autoresponder: Option<bool>,
    amount_cents: Option<u64>,
}

impl TransactionRefund {
    /// A full refund of the gift with `confirmation_code` (`user_confirmation_code`).
    pub fn of(confirmation_code: impl Into<String>) -> Self {
        TransactionRefund {
            confirmation_code: confirmation_code.into(),
            ..Default::default()
        }
    }

    /// A partial refund of `cents` (`refund_type` partial, `refund_amount`).
    pub fn amount_cents(mut self, cents: u64) -> Self {
        self.amount_cents = Some(cents);
        self
    }

    /// `transaction_id` of the gift.
    pub fn transaction_id(mut self, id: u64) -> Self {
        self.transaction_id = Some(id);
        self
    }

    /// `processor_transaction_id` of the gift at the payment processor.
    pub fn processor_transaction_id(mut self, id: impl Into<String>) -> Self {
        self.processor_transaction_id = Some(id.into());
        self
    }

    /// `process_transaction`: whether Luminate sends the refund through its gateway (else it
    /// only records one made elsewhere).
    pub fn process_transaction(mut self, process: bool) -> Self {
        self.process_transaction = Some(process);
        self
    }

    /// `send_autoresponder`.
    pub fn send_autoresponder(mut self, send: bool) -> Self {
        self.send_autoresponder = Some(send);
        self
    }

    /// The entry's elements, in the order of the reference's example.
    fn write(&self, out: &mut String, element: &str) {
        let mut fields = Vec::new();
        if let Some(id) = self.transaction_id {
            fields.push(("transaction_id", id.to_string()));
        }
        if let Some(id) = &self.processor_transaction_id {
            fields.push(("processor_transaction_id", id.clone()));
        }
        fields.push(("user_confirmation_code", self.confirmation_code.clone()));
        if let Some(process) = self.process_transaction {
            fields.push(("process_transaction", process.to_string()));
        }
        let kind = if self.amount_cents.is_some() {
            "partial"
        } else {
            "full"
        };
        fields.push(("refund_type", kind.to_string()));
        if let Some(send) = self.send_autoresponder {
            fields.push(("send_autoresponder", send.to_string()));
        }
        if let Some(cents) = self.amount_cents {
            fields.push(("refund_amount", cents.to_string()));
        }
        out.push_str(&format!("<{element}>"));
        for (name, value) in &fields {
            out.push_str(&format!(
                "<{name}>{}</{name}>",
                quick_xml::escape::escape(value.as_str())
            ));
        }
        out.push_str(&format!("</{element}>"));
    }
}

/// The refunds of one `refundTransaction` call: donations and TeamRaiser gifts.
///
/// ```
/// use convio::server_api::{RefundRequest, TransactionRefund};
///
/// let request = RefundRequest::new()
///     .donation(TransactionRefund::of("709-1201-1-5470-5579").amount_cents(2_500));
/// let xml = request.to_xml().unwrap();
/// assert!(xml.starts_with(r#"<refundRequest xmlns="http://convio.com/crm/v1.0"><donRefundInfoList>"#));
/// assert!(xml.contains("<refund_type>partial</refund_type>"));
/// assert!(RefundRequest::new().to_xml().is_err());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RefundRequest {
    donations: Vec<TransactionRefund>,
    teamraiser_gifts: Vec<TransactionRefund>,
}

impl RefundRequest {
    /// No refund yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a refund of a donation (`donRefundInfo`).
    pub fn donation(mut self, refund: TransactionRefund) -> Self {
        self.donations.push(refund);
        self
    }

    /// Adds a refund of a TeamRaiser gift (`trRefundInfo`).
    pub fn teamraiser_gift(mut self, refund: TransactionRefund) -> Self {
        self.teamraiser_gifts.push(refund);
        self
    }

    /// The document sent as `refund_transaction_request`; one without any refund, or with an
    /// empty confirmation code, is refused.
    pub fn to_xml(&self) -> Result<String, Error> {
        if self.donations.is_empty() && self.teamraiser_gifts.is_empty() {
            return Err(Error::Configuration(
                "a refundRequest needs at least one refund".into(),
            ));
        }
        let all = self.donations.iter().chain(&self.teamraiser_gifts);
        if all.clone().any(|r| r.confirmation_code.trim().is_empty()) {
            return Err(Error::Configuration(
                "user_confirmation_code: every refund names its gift's confirmation code".into(),
            ));
        }
        let mut xml = format!(r#"<refundRequest xmlns="{CRM_NAMESPACE}">"#);
        for (list, element, refunds) in [
            ("donRefundInfoList", "donRefundInfo", &self.donations),
            ("trRefundInfoList", "trRefundInfo", &self.teamraiser_gifts),
        ] {
            if refunds.is_empty() {
                continue;
            }
            xml.push_str(&format!("<{list}>"));
            for refund in refunds {
                refund.write(&mut xml, element);
            }
            xml.push_str(&format!("</{list}>"));
        }
        xml.push_str("</refundRequest>");
        Ok(xml)
    }
}
