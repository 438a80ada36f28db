//! Parameters of the constituent methods (create, update, createOrUpdate).

use crate::error::Error;

/// Smallest group id the API accepts in `add_group_ids` / `remove_group_ids`: lower ids are
/// the site's built-in groups, which the API refuses to change.
pub const MIN_GROUP_ID: u64 = 1000;

/// The parameters the client sends with every call; no method's own parameters may use
/// these names.
pub(crate) const CALL_PARAMETERS: &[&str] = &[
    "api_key",
    "v",
    "method",
    "response_format",
    "login_name",
    "login_password",
];

/// Names the constituent methods reserve for their own parameters (besides
/// [`CALL_PARAMETERS`]); they cannot be used as field names.
const RESERVED: &[&str] = &[
    "cons_id",
    "member_id",
    "primary_email",
    "source",
    "sub_source",
    "no_welcome",
    "center_id",
    "suppress_response_codes",
];

/// Parameters of `create`, `update` and `createOrUpdate`.
///
/// Record matching (done by the server; see [`Client::create_or_update`](crate::server_api::Client::create_or_update)):
/// `cons_id` first, then `member_id`, then `primary_email`.
///
/// ```
/// use convio::server_api::ConsParams;
///
/// let params = ConsParams::new()
///     .primary_email("ada@example.org")
///     .field("name.first", "Ada")
///     .field("primary_address.city", "London")
///     .add_group_ids([1010, 1013])
///     .source("spring-gala")
///     .no_welcome(true);
/// assert!(params.form_pairs().is_ok());
/// assert!(ConsParams::new().add_group_ids([42]).form_pairs().is_err());
///
/// // A password field (`user_password`) is sent, never shown by `Debug`.
/// let signing_up = ConsParams::new().field("user_password", "s3cret");
/// assert!(!format!("{signing_up:?}").contains("s3cret"));
/// ```
#[derive(Clone, Default, PartialEq)]
pub struct ConsParams {
    cons_id: Option<u64>,
    member_id: Option<String>,
    primary_email: Option<String>,
    id_lists: Vec<(IdList, Vec<u64>)>,
    source: Option<String>,
    sub_source: Option<String>,
    no_welcome: Option<bool>,
    interaction: Vec<(&'static str, String)>,
    fields: Vec<(String, String)>,
}

impl std::fmt::Debug for ConsParams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let fields: Vec<(&str, &str)> = self
            .fields
            .iter()
            .map(|(name, value)| {
                let shown = if name.contains("password") {
                    "<redacted>"
                } else {
                    value.as_str()
                };
                (name.as_str(), shown)
            })
            .collect();
        f.debug_struct("ConsParams")
            .field("cons_id", &self.cons_id)
            .field("member_id", &self.member_id)
            .field("primary_email", &self.primary_email)
            .field("id_lists", &self.id_lists)
            .field("source", &self.source)
            .field("sub_source", &self.sub_source)
            .field("no_welcome", &self.no_welcome)
            .field("interaction", &self.interaction)
            .field("fields", &fields)
            .finish()
    }
}

/// The comma-separated id list parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum IdList {
    /// `add_center_ids`
    AddCenters,
    /// `remove_center_ids`
    RemoveCenters,
    /// `add_center_opt_in_ids`
    AddCenterOptIns,
    /// `remove_center_opt_in_ids`
    RemoveCenterOptIns,
    /// `add_group_ids` (ids of 1000 and above)
    AddGroups,
    /// `remove_group_ids` (ids of 1000 and above)
    RemoveGroups,
    /// `add_interest_ids`
    AddInterests,
    /// `remove_interest_ids`
    RemoveInterests,
}

impl IdList {
    /// The form parameter name.
    pub fn parameter(self) -> &'static str {
        match self {
            IdList::AddCenters => "add_center_ids",
            IdList::RemoveCenters => "remove_center_ids",
            IdList::AddCenterOptIns => "add_center_opt_in_ids",
            IdList::RemoveCenterOptIns => "remove_center_opt_in_ids",
            IdList::AddGroups => "add_group_ids",
            IdList::RemoveGroups => "remove_group_ids",
            IdList::AddInterests => "add_interest_ids",
            IdList::RemoveInterests => "remove_interest_ids",
        }
    }

    fn is_group(self) -> bool {
        matches!(self, IdList::AddGroups | IdList::RemoveGroups)
    }
}

impl ConsParams {
    /// No parameters yet.
    pub fn new() -> Self {
        ConsParams::default()
    }

    /// Luminate's constituent id (the strongest key).
    pub fn cons_id(mut self, cons_id: u64) -> Self {
        self.cons_id = Some(cons_id);
        self
    }

    /// The caller's own id of the constituent.
    pub fn member_id(mut self, member_id: impl Into<String>) -> Self {
        self.member_id = Some(member_id.into());
        self
    }

    /// The primary email (needed to create a record).
    pub fn primary_email(mut self, email: impl Into<String>) -> Self {
        self.primary_email = Some(email.into());
        self
    }

    /// Adds ids to one of the id lists.
    pub fn ids(mut self, list: IdList, ids: impl IntoIterator<Item = u64>) -> Self {
        let ids: Vec<u64> = ids.into_iter().collect();
        match self.id_lists.iter_mut().find(|(l, _)| *l == list) {
            Some((_, existing)) => existing.extend(ids),
            None => self.id_lists.push((list, ids)),
        }
        self
    }

    /// `add_center_ids`.
    pub fn add_center_ids(self, ids: impl IntoIterator<Item = u64>) -> Self {
        self.ids(IdList::AddCenters, ids)
    }

    /// `remove_center_ids`.
    pub fn remove_center_ids(self, ids: impl IntoIterator<Item = u64>) -> Self {
        self.ids(IdList::RemoveCenters, ids)
    }

    /// `add_group_ids` (admin only; ids below 1000 are refused).
    pub fn add_group_ids(self, ids: impl IntoIterator<Item = u64>) -> Self {
        self.ids(IdList::AddGroups, ids)
    }

    /// `remove_group_ids` (admin only; ids below 1000 are refused).
    pub fn remove_group_ids(self, ids: impl IntoIterator<Item = u64>) -> Self {
        self.ids(IdList::RemoveGroups, ids)
    }

    /// `add_interest_ids`.
    pub fn add_interest_ids(self, ids: impl IntoIterator<Item = u64>) -> Self {
        self.ids(IdList::AddInterests, ids)
    }

    /// `remove_interest_ids`.
    pub fn remove_interest_ids(self, ids: impl IntoIterator<Item = u64>) -> Self {
        self.ids(IdList::RemoveInterests, ids)
    }

    /// `source`: stamped on records this call creates.
    pub fn source(mut self, source: impl Into<String>) -> Self {
        self.source = Some(source.into());
        self
    }

    /// `sub_source`: detail for `source`.
    pub fn sub_source(mut self, sub_source: impl Into<String>) -> Self {
        self.sub_source = Some(sub_source.into());
        self
    }

    /// `no_welcome`: `true` suppresses the welcome autoresponder of a new record.
    pub fn no_welcome(mut self, no_welcome: bool) -> Self {
        self.no_welcome = Some(no_welcome);
        self
    }

    /// The interaction logged with the change (`interaction_subject`, `interaction_body`).
    pub fn interaction(mut self, subject: impl Into<String>, body: impl Into<String>) -> Self {
        self.interaction = vec![
            ("interaction_subject", subject.into()),
            ("interaction_body", body.into()),
        ];
        self
    }

    /// A constituent field by its documented name in dot notation (`name.first`,
    /// `email.accepts_email`, `primary_address.city`; `listUserFields` lists a site's names).
    /// A later value for the same name replaces the earlier one.
    pub fn field(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        let name = name.into();
        let value = value.into();
        match self.fields.iter_mut().find(|(n, _)| *n == name) {
            Some((_, existing)) => *existing = value,
            None => self.fields.push((name, value)),
        }
        self
    }

    /// The form pairs these parameters send, in a fixed order, after checking them.
    pub fn form_pairs(&self) -> Result<Vec<(String, String)>, Error> {
        let mut pairs: Vec<(String, String)> = Vec::new();
        let mut push = |name: &str, value: String| pairs.push((name.to_string(), value));
        if let Some(cons_id) = self.cons_id {
            push("cons_id", cons_id.to_string());
        }
        if let Some(member_id) = &self.member_id {
            push("member_id", non_empty("member_id", member_id)?);
        }
        if let Some(email) = &self.primary_email {
            push("primary_email", non_empty("primary_email", email)?);
        }
        for (list, ids) in &self.id_lists {
            if ids.is_empty() {
                continue;
            }
            if list.is_group() {
                if let Some(id) = ids.iter().find(|id| **id < MIN_GROUP_ID) {
                    return Err(Error::InvalidArgument(format!(
                        "{}: group id {id} is below {MIN_GROUP_ID}; built-in groups cannot be changed through the API",
                        list.parameter()
                    )));
                }
            }
            let joined = ids.iter().map(u64::to_string).collect::<Vec<_>>().join(",");
            push(list.parameter(), joined);
        }
        if let Some(source) = &self.source {
            push("source", source.clone());
        }
        if let Some(sub_source) = &self.sub_source {
            push("sub_source", sub_source.clone());
        }
        if let Some(no_welcome) = self.no_welcome {
            push("no_welcome", no_welcome.to_string());
        }
        for (name, value) in &self.interaction {
            push(name, value.clone());
        }
        for (name, value) in &self.fields {
            check_field_name(name)?;
            push(name, value.clone());
        }
        Ok(pairs)
    }
}

fn non_empty(name: &str, value: &str) -> Result<String, Error> {
    if value.trim().is_empty() {
        return Err(Error::InvalidArgument(format!("{name} is empty")));
    }
    Ok(value.to_string())
}

/// Field names are dot-separated segments of letters, digits and `_` (a `[]` suffix is
/// allowed for repeated custom fields).
fn check_field_name(name: &str) -> Result<(), Error> {
    let valid_segment = |segment: &str| {
        let segment = segment.strip_suffix("[]").unwrap_or(segment);
        !segment.is_empty()
            && segment
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_')
    };
    if !name.split('.').all(valid_segment) {
        return Err(Error::InvalidArgument(format!(
            "`{name}` is not a constituent field name"
        )));
    }
    if CALL_PARAMETERS.contains(&name) || RESERVED.contains(&name) {
        return Err(Error::InvalidArgument(format!(
            "`{name}` is a parameter of its own, not a field"
        )));
    }
    Ok(())
}

/// How `getUser`, `getUserGroups` and `getUserInterests` find the constituent.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Lookup {
    /// By Luminate's constituent id.
    ConsId(u64),
    /// By the caller's member id.
    MemberId(String),
    /// By primary email.
    PrimaryEmail(String),
}

impl Lookup {
    pub(crate) fn pair(&self) -> (String, String) {
        match self {
            Lookup::ConsId(id) => ("cons_id".into(), id.to_string()),
            Lookup::MemberId(id) => ("member_id".into(), id.clone()),
            Lookup::PrimaryEmail(email) => ("primary_email".into(), email.clone()),
        }
    }
}

/// The parameters that have a value, as form pairs, in the order given.
fn present(params: &[(&str, Option<String>)]) -> Vec<(String, String)> {
    params
        .iter()
        .filter_map(|(name, value)| Some(((*name).to_string(), value.clone()?)))
        .collect()
}

/// Which of the site's advocacy alerts [`Client::advocacy_alerts`] asks for, and which page.
///
/// ```
/// let query = convio::server_api::AlertQuery {
///     alert_type: Some("action,call".into()),
///     page_size: Some(10),
///     ..Default::default()
/// };
/// assert_eq!(query.pairs()[0], ("alert_type".to_string(), "action,call".to_string()));
/// ```
///
/// [`Client::advocacy_alerts`]: crate::server_api::Client::advocacy_alerts
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AlertQuery {
    /// `alert_type`: comma-separated `action`, `lte`, `vote`, `call` (default: all).
    pub alert_type: Option<String>,
    /// `alert_status`: comma-separated `active`, `inactive`, `archived`, `datedriven`.
    pub alert_status: Option<String>,
    /// `list_page_size` (the server's default is 25).
    pub page_size: Option<u32>,
    /// `list_page_offset`: pages to skip, from 0.
    pub page_offset: Option<u32>,
}

impl AlertQuery {
    /// The form parameters it stands for.
    pub fn pairs(&self) -> Vec<(String, String)> {
        present(&[
            ("alert_type", self.alert_type.clone()),
            ("alert_status", self.alert_status.clone()),
            ("list_page_size", self.page_size.map(|n| n.to_string())),
            ("list_page_offset", self.page_offset.map(|n| n.to_string())),
        ])
    }
}

/// Which of a constituent's transactions [`Client::get_user_transactions`] asks for, and
/// which page.
///
/// ```
/// let query = convio::server_api::TransactionQuery {
///     begin_date: Some("2026-01-01".into()),
///     transaction_type: Some("DONATION".into()),
///     ..Default::default()
/// };
/// assert_eq!(query.pairs()[1], ("transaction_type".to_string(), "DONATION".to_string()));
/// ```
///
/// [`Client::get_user_transactions`]: crate::server_api::Client::get_user_transactions
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TransactionQuery {
    /// `begin_date`: the first day (ISO 8601, `2026-01-01` or a date-time).
    pub begin_date: Option<String>,
    /// `transaction_type`: `DONATION`, `RECURRING_GIFT`, `TICKET`, `REFUND`, ...
    pub transaction_type: Option<String>,
    /// `end_date`: the last day.
    pub end_date: Option<String>,
    /// `list_page_size` (the server's default is 25).
    pub page_size: Option<u32>,
    /// `list_page_offset`: pages to skip, from 0.
    pub page_offset: Option<u32>,
}

impl TransactionQuery {
    /// The form parameters it stands for.
    pub fn pairs(&self) -> Vec<(String, String)> {
        present(&[
            ("begin_date", self.begin_date.clone()),
            ("transaction_type", self.transaction_type.clone()),
            ("end_date", self.end_date.clone()),
            ("list_page_size", self.page_size.map(|n| n.to_string())),
            ("list_page_offset", self.page_offset.map(|n| n.to_string())),
        ])
    }
}

/// An interaction to log with [`Client::log_interaction`] or to change with
/// [`Client::update_interaction`]: the subject (at most 80 characters), and optionally a body
/// (at most 1,500), a custom interaction type (else 0, "Other"), a security category and a
/// count.
///
/// ```
/// let note = convio::server_api::Interaction::new("Called about the gala")
///     .body("Will bring two guests.")
///     .type_id(1030);
/// assert!(note.pairs().unwrap().contains(&("interaction_type_id".to_string(), "1030".to_string())));
/// assert!(convio::server_api::Interaction::new("x".repeat(81)).pairs().is_err());
/// ```
///
/// [`Client::log_interaction`]: crate::server_api::Client::log_interaction
/// [`Client::update_interaction`]: crate::server_api::Client::update_interaction
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Interaction {
    subject: String,
    body: Option<String>,
    type_id: Option<u64>,
    category_id: Option<u64>,
    count: Option<u64>,
}

/// The documented limits of an interaction's subject and body, in characters.
const SUBJECT_LIMIT: usize = 80;
const BODY_LIMIT: usize = 1_500;

impl Interaction {
    /// An interaction with `subject` (`interaction_subject`).
    pub fn new(subject: impl Into<String>) -> Self {
        Interaction {
            subject: subject.into(),
            ..Default::default()
        }
    }

    /// `interaction_body`.
    pub fn body(mut self, body: impl Into<String>) -> Self {
        self.body = Some(body.into());
        self
    }

    /// `interaction_type_id`: a custom interaction type of the site.
    pub fn type_id(mut self, id: u64) -> Self {
        self.type_id = Some(id);
        self
    }

    /// `interaction_cat_id`: the security category.
    pub fn category_id(mut self, id: u64) -> Self {
        self.category_id = Some(id);
        self
    }

    /// `interaction_count`.
    pub fn count(mut self, count: u64) -> Self {
        self.count = Some(count);
        self
    }

    /// The form parameters; a subject or body over its documented length is refused.
    pub fn pairs(&self) -> Result<Vec<(String, String)>, Error> {
        let chars = |text: &str| text.chars().count();
        if self.subject.trim().is_empty() || chars(&self.subject) > SUBJECT_LIMIT {
            return Err(Error::Configuration(format!(
                "interaction_subject: 1 to {SUBJECT_LIMIT} characters, not {}",
                chars(&self.subject)
            )));
        }
        let mut pairs = vec![("interaction_subject".to_string(), self.subject.clone())];
        if let Some(body) = &self.body {
            if chars(body) > BODY_LIMIT {
                return Err(Error::Configuration(format!(
                    "interaction_body: at most {BODY_LIMIT} characters, not {}",
                    chars(body)
                )));
            }
            pairs.push(("interaction_body".into(), body.clone()));
        }
        for (name, value) in [
            ("interaction_type_id", self.type_id),
            ("interaction_cat_id", self.category_id),
            ("interaction_count", self.count),
        ] {
            if let Some(value) = value {
                pairs.push((name.to_string(), value.to_string()));
            }
        }
        Ok(pairs)
    }
}

/// Which of the site's groups [`Client::list_groups`] asks for, and which page.
///
/// ```
/// let query = convio::server_api::GroupQuery {
///     selection_mode: Some("MEMBERSHIP".into()),
///     filter_text: Some("Volunteers".into()),
///     ..Default::default()
/// };
/// assert_eq!(query.pairs()[0], ("selection_mode".to_string(), "MEMBERSHIP".to_string()));
/// ```
///
/// [`Client::list_groups`]: crate::server_api::Client::list_groups
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupQuery {
    /// `selection_mode`: `EMAIL`, `ADMIN_SECURITY`, `MEMBERSHIP`, `HEIRARCHY` (sic),
    /// `NOT_BUILT_IN` (the server's default), `REPORTWRITER_SHAREES`, `STATES`.
    pub selection_mode: Option<String>,
    /// `list_filter_text`: only groups whose name contains it.
    pub filter_text: Option<String>,
    /// `allow_cross_center`.
    pub allow_cross_center: Option<bool>,
    /// `list_page_size` (the server's default is 25).
    pub page_size: Option<u32>,
    /// `list_page_offset`: pages to skip, from 0.
    pub page_offset: Option<u32>,
}

impl GroupQuery {
    /// The form parameters it stands for.
    pub fn pairs(&self) -> Vec<(String, String)> {
        present(&[
            ("selection_mode", self.selection_mode.clone()),
            ("list_filter_text", self.filter_text.clone()),
            (
                "allow_cross_center",
                self.allow_cross_center.map(|b| b.to_string()),
            ),
            ("list_page_size", self.page_size.map(|n| n.to_string())),
            ("list_page_offset", self.page_offset.map(|n| n.to_string())),
        ])
    }
}

/// Which interactions of one type [`Client::list_interactions`] asks for, and which page.
///
/// ```
/// let query = convio::server_api::InteractionQuery {
///     begin_date: Some("2026-01-01".into()),
///     subject: Some("Checked in".into()),
///     ..Default::default()
/// };
/// assert_eq!(query.pairs()[1], ("interaction_subject".to_string(), "Checked in".to_string()));
/// ```
///
/// [`Client::list_interactions`]: crate::server_api::Client::list_interactions
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InteractionQuery {
    /// `begin_date`: the first day (ISO 8601).
    pub begin_date: Option<String>,
    /// `interaction_subject`: only interactions with this subject.
    pub subject: Option<String>,
    /// `end_date`: the last day.
    pub end_date: Option<String>,
    /// `list_page_size` (the server's default is 25).
    pub page_size: Option<u32>,
    /// `list_page_offset`: pages to skip, from 0.
    pub page_offset: Option<u32>,
}

impl InteractionQuery {
    /// The form parameters it stands for.
    pub fn pairs(&self) -> Vec<(String, String)> {
        present(&[
            ("begin_date", self.begin_date.clone()),
            ("interaction_subject", self.subject.clone()),
            ("end_date", self.end_date.clone()),
            ("list_page_size", self.page_size.map(|n| n.to_string())),
            ("list_page_offset", self.page_offset.map(|n| n.to_string())),
        ])
    }
}

/// A constituent's own credentials, for [`Client::login`]: the user name or the email
/// address, and the password. Its `Debug` never shows the password.
///
/// ```
/// use convio::server_api::ConstituentLogin;
///
/// let login = ConstituentLogin::user_name("ada", "s3cret").remember_me(true);
/// assert!(!format!("{login:?}").contains("s3cret"));
/// assert_eq!(login.pairs()[0], ("user_name".to_string(), "ada".to_string()));
/// ```
///
/// [`Client::login`]: crate::server_api::Client::login
#[derive(Clone, PartialEq, Eq)]
pub struct ConstituentLogin {
    by: (&'static str, String),
    password: String,
    remember_me: Option<bool>,
}

impl ConstituentLogin {
    /// Logs in by `user_name`.
    pub fn user_name(user_name: impl Into<String>, password: impl Into<String>) -> Self {
        ConstituentLogin {
            by: ("user_name", user_name.into()),
            password: password.into(),
            remember_me: None,
        }
    }

    /// Logs in by the primary email address (`email`).
    pub fn email(email: impl Into<String>, password: impl Into<String>) -> Self {
        ConstituentLogin {
            by: ("email", email.into()),
            password: password.into(),
            remember_me: None,
        }
    }

    /// `remember_me`.
    pub fn remember_me(mut self, remember: bool) -> Self {
        self.remember_me = Some(remember);
        self
    }

    /// The form parameters (the password among them: never log them).
    pub fn pairs(&self) -> Vec<(String, String)> {
        let mut pairs = vec![
            (self.by.0.to_string(), self.by.1.clone()),
            ("password".to_string(), self.password.clone()),
        ];
        if let Some(remember) = self.remember_me {
            pairs.push(("remember_me".into(), remember.to_string()));
        }
        pairs
    }
}

impl std::fmt::Debug for ConstituentLogin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConstituentLogin")
            .field(self.by.0, &self.by.1)
            .field("password", &"<redacted>")
            .field("remember_me", &self.remember_me)
            .finish()
    }
}

/// A new password for [`Client::change_password`]: sent as `user_password` and again as
/// `retype_password`, with the old one when the caller knows it and an optional reminder
/// hint. Its `Debug` never shows a password.
///
/// ```
/// use convio::server_api::PasswordChange;
///
/// let change = PasswordChange::new("n3w-s3cret").old_password("s3cret");
/// assert!(!format!("{change:?}").contains("s3cret"));
/// assert!(PasswordChange::new("").pairs().is_err());
/// ```
///
/// [`Client::change_password`]: crate::server_api::Client::change_password
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordChange {
    new_password: String,
    old_password: Option<String>,
    reminder_hint: Option<String>,
}

impl PasswordChange {
    /// Sets the password to `new_password`.
    pub fn new(new_password: impl Into<String>) -> Self {
        PasswordChange {
            new_password: new_password.into(),
            old_password: None,
            reminder_hint: None,
        }
    }

    /// `old_password`: the password being replaced.
    pub fn old_password(mut self, password: impl Into<String>) -> Self {
        self.old_password = Some(password.into());
        self
    }

    /// `reminder_hint`.
    pub fn reminder_hint(mut self, hint: impl Into<String>) -> Self {
        self.reminder_hint = Some(hint.into());
        self
    }

    /// The form parameters; an empty new password is refused.
    pub fn pairs(&self) -> Result<Vec<(String, String)>, Error> {
        if self.new_password.is_empty() {
            return Err(Error::Configuration(
                "user_password: the new password is empty".into(),
            ));
        }
        let mut pairs = Vec::new();
        if let Some(old) = &self.old_password {
            pairs.push(("old_password".to_string(), old.clone()));
        }
        pairs.push(("user_password".to_string(), self.new_password.clone()));
        pairs.push(("retype_password".to_string(), self.new_password.clone()));
        if let Some(hint) = &self.reminder_hint {
            pairs.push(("reminder_hint".to_string(), hint.clone()));
        }
        Ok(pairs)
    }
}

impl std::fmt::Debug for PasswordChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordChange")
            .field("new_password", &"<redacted>")
            .field(
                "old_password",
                &self.old_password.as_ref().map(|_| "<redacted>"),
            )
            .field("reminder_hint", &self.reminder_hint)
            .finish()
    }
}
