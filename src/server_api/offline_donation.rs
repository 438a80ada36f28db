//! Parameters of `addOfflineDonation` (SRDonationAPI): a gift already processed elsewhere,
//! recorded against a Donations 2 form and one of its levels.

use std::fmt;

use super::params::CALL_PARAMETERS;
use crate::error::Error;

/// A parameter's enumerated values: the enum, each variant's text, `as_str` and `Display`.
macro_rules! parameter_values {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        #[non_exhaustive]
        pub enum $name {
            $(#[doc = concat!("`", $text, "`")] $variant,)+
        }

        impl $name {
            /// The parameter value.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

parameter_values! {
    /// How an offline gift was paid (`offline_payment_method`); give a check's number with
    /// [`OfflineDonation::check_number`].
    OfflinePaymentMethod {
        Cash => "cash",
        Check => "check",
        Credit => "credit",
    }
}

parameter_values! {
    /// How an organization's gift is paid (`org_gift_payment_method`): credit and ACH gifts
    /// are processed by Luminate, cash and check gifts only recorded.
    OrganizationPaymentMethod {
        Cash => "cash",
        Check => "check",
        Credit => "credit",
        Ach => "ach",
    }
}

/// Who gave and how it was paid: an individual's offline gift, or an organization's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Payment {
    Offline(OfflinePaymentMethod),
    /// Both parameters: the method page lists each as required.
    Organization(OfflinePaymentMethod, OrganizationPaymentMethod),
}

impl Payment {
    fn pairs(self) -> Vec<(String, String)> {
        let offline = |method: OfflinePaymentMethod| {
            (
                "offline_payment_method".to_string(),
                method.as_str().to_string(),
            )
        };
        match self {
            Payment::Offline(method) => vec![offline(method)],
            Payment::Organization(method, organization) => vec![
                offline(method),
                (
                    "org_gift_payment_method".into(),
                    organization.as_str().into(),
                ),
            ],
        }
    }
}

/// Names set by [`OfflineDonation`]'s own arguments (besides the client's
/// [`CALL_PARAMETERS`]); [`OfflineDonation::param`] refuses them.
const RESERVED: &[&str] = &[
    "form_id",
    "level_id",
    "offline_payment_method",
    "org_gift_payment_method",
    "billing.name.first",
    "billing.name.last",
    "donor.email",
];

/// An offline gift for [`Client::add_offline_donation`](crate::server_api::Client::add_offline_donation).
///
/// The required parameters are arguments of [`new`](Self::new); the documented optional ones
/// have setters, and any other (`billing.address.city`, `donor.phone`...) goes through
/// [`param`](Self::param). Designations are numbered in the order they are added
/// (`designated.1.id`, `designated.1.amount`, ...).
///
/// ```
/// use convio::server_api::{OfflineDonation, OfflinePaymentMethod};
///
/// let gift = OfflineDonation::new(1001, 1001, OfflinePaymentMethod::Check, "Ada", "Lovelace", "ada@example.org")
///     .check_number("1042")
///     .designate(2001, "30.00")
///     .param("billing.address.city", "London");
/// let pairs = gift.form_pairs().unwrap();
/// assert!(pairs.contains(&("designated.1.id".to_string(), "2001".to_string())));
/// assert!(OfflineDonation::new(1001, 1001, OfflinePaymentMethod::Cash, "A", "B", "a@example.org")
///     .param("form_id", "7")
///     .form_pairs()
///     .is_err());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct OfflineDonation {
    form_id: u64,
    level_id: u64,
    payment: Payment,
    first_name: String,
    last_name: String,
    email: String,
    cons_id: Option<u64>,
    additional_amount: Option<String>,
    check_number: Option<String>,
    designated: Vec<(u64, String)>,
    params: Vec<(String, String)>,
}

impl OfflineDonation {
    /// A gift on Donations 2 form `form_id` at level `level_id`, by the billing name and
    /// donor email given.
    pub fn new(
        form_id: u64,
        level_id: u64,
        payment_method: OfflinePaymentMethod,
        first_name: impl Into<String>,
        last_name: impl Into<String>,
        email: impl Into<String>,
    ) -> Self {
        OfflineDonation {
            form_id,
            level_id,
            payment: Payment::Offline(payment_method),
            first_name: first_name.into(),
            last_name: last_name.into(),
            email: email.into(),
            cons_id: None,
            additional_amount: None,
            check_number: None,
            designated: Vec::new(),
            params: Vec::new(),
        }
    }

    /// An organization's gift (for
    /// [`Client::offline_organization_gift`](crate::server_api::Client::offline_organization_gift)):
    /// as [`new`](Self::new), plus how the organization paid (`org_gift_payment_method`;
    /// the method page lists it and `offline_payment_method` both as required). The billing
    /// name is the contact's.
    ///
    /// ```
    /// use convio::server_api::{OfflineDonation, OfflinePaymentMethod, OrganizationPaymentMethod};
    ///
    /// let gift = OfflineDonation::organization(
    ///     1001, 1001, OfflinePaymentMethod::Credit, OrganizationPaymentMethod::Ach,
    ///     "Grace", "Hopper", "giving@example.org",
    /// );
    /// assert!(gift.form_pairs().unwrap().contains(&("org_gift_payment_method".into(), "ach".into())));
    /// ```
    pub fn organization(
        form_id: u64,
        level_id: u64,
        payment_method: OfflinePaymentMethod,
        organization_payment_method: OrganizationPaymentMethod,
        first_name: impl Into<String>,
        last_name: impl Into<String>,
        email: impl Into<String>,
    ) -> Self {
        let mut gift = Self::new(
            form_id,
            level_id,
            payment_method,
            first_name,
            last_name,
            email,
        );
        gift.payment = Payment::Organization(payment_method, organization_payment_method);
        gift
    }

    /// Whether this is an organization's gift.
    pub fn is_organization_gift(&self) -> bool {
        matches!(self.payment, Payment::Organization(..))
    }

    /// `donor.cons_id`: the constituent the gift is from (else the server matches or
    /// creates one by `donor.email`).
    pub fn cons_id(mut self, cons_id: u64) -> Self {
        self.cons_id = Some(cons_id);
        self
    }

    /// `additional_amount`: added to the level's amount (a decimal, `"12.50"`).
    pub fn additional_amount(mut self, amount: impl Into<String>) -> Self {
        self.additional_amount = Some(amount.into());
        self
    }

    /// `check_number`.
    pub fn check_number(mut self, number: impl Into<String>) -> Self {
        self.check_number = Some(number.into());
        self
    }

    /// A designation: `designated.X.id` and `designated.X.amount`, X counting from 1.
    pub fn designate(mut self, designee_id: u64, amount: impl Into<String>) -> Self {
        self.designated.push((designee_id, amount.into()));
        self
    }

    /// Any other documented parameter, by its name.
    pub fn param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.params.push((name.into(), value.into()));
        self
    }

    /// The form parameters, in a fixed order; a name the client sets itself given through
    /// [`param`](Self::param), or an amount that is not a decimal, is an error.
    pub fn form_pairs(&self) -> Result<Vec<(String, String)>, Error> {
        let mut pairs = vec![
            ("form_id".to_string(), self.form_id.to_string()),
            ("level_id".to_string(), self.level_id.to_string()),
        ];
        pairs.extend(self.payment.pairs());
        pairs.extend([
            ("billing.name.first".to_string(), self.first_name.clone()),
            ("billing.name.last".to_string(), self.last_name.clone()),
            ("donor.email".to_string(), self.email.clone()),
        ]);
        if let Some(cons_id) = self.cons_id {
            pairs.push(("donor.cons_id".into(), cons_id.to_string()));
        }
        if let Some(amount) = &self.additional_amount {
            check_amount("additional_amount", amount)?;
            pairs.push(("additional_amount".into(), amount.clone()));
        }
        if let Some(number) = &self.check_number {
            pairs.push(("check_number".into(), number.clone()));
        }
        for (index, (id, amount)) in self.designated.iter().enumerate() {
            let x = index + 1;
            check_amount(&format!("designated.{x}.amount"), amount)?;
            pairs.push((format!("designated.{x}.id"), id.to_string()));
            pairs.push((format!("designated.{x}.amount"), amount.clone()));
        }
        for (name, value) in &self.params {
            if CALL_PARAMETERS.contains(&name.as_str())
                || RESERVED.contains(&name.as_str())
                || name.starts_with("designated.")
            {
                return Err(Error::Configuration(format!(
                    "`{name}` is set by the client (use OfflineDonation's own arguments)"
                )));
            }
            pairs.push((name.clone(), value.clone()));
        }
        Ok(pairs)
    }
}

/// Checks that `value` of parameter `name` is an amount as the donation methods take one:
/// digits, optionally a point and cents (`50`, `12.50`, `.50`).
pub(crate) fn check_amount(name: &str, value: &str) -> Result<(), Error> {
    let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    let valid = match value.split_once('.') {
        None => digits(value),
        Some((whole, cents)) => whole.bytes().all(|b| b.is_ascii_digit()) && digits(cents),
    };
    if valid {
        Ok(())
    } else {
        Err(Error::Configuration(format!(
            "{name}: `{value}` is not an amount (digits, optionally a point and cents)"
        )))
    }
}
