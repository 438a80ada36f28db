//! The Server API client: `POST {secure-domain}/{organization}/site/{servlet}`.

use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::{Method, Request, Uri};
use tracing::Instrument;
use xsd_parser_types::quick_xml::WithDeserializer;

use super::answers::answer_roots;
use super::decode::{decode_response, Response, ResponseFormat};
use super::generated::crm;
use super::offline_donation::{check_amount, OfflineDonation};
use super::params::{
    AlertQuery, ConsParams, ConstituentLogin, GroupQuery, Interaction, InteractionQuery, Lookup,
    PasswordChange, TransactionQuery, CALL_PARAMETERS,
};
use super::recurring_transaction::RecurringTransactionRequest;
use super::refund::RefundRequest;
use super::servlet::Servlet;
use crate::codec::diagnose::{excerpt, is_well_formed};
use crate::credentials::{Credentials, Secret};
use crate::error::{DecodeError, Error, ErrorCode};
use crate::transport::{check_endpoint, Transport};

/// Builder for [`Client`].
///
/// ```
/// use convio::server_api::{ResponseFormat, Client};
///
/// let client = Client::builder()
///     .base_url("https://secure2.convio.net/organization")
///     .api_key("open-api-key")
///     .credentials("apiadmin", "secret")
///     .response_format(ResponseFormat::Json)
///     .build()
///     .unwrap();
/// assert!(!format!("{client:?}").contains("secret"));
/// ```
#[derive(Default)]
pub struct ClientBuilder {
    base_url: Option<String>,
    api_key: Option<Secret>,
    credentials: Option<Credentials>,
    format: ResponseFormat,
    transport: Option<Arc<dyn Transport>>,
    allow_insecure_http: bool,
}

impl ClientBuilder {
    /// The site's secure base, `https://{secure-domain}/{organization}` (no `/site/...`).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The site's Open API key (`api_key`).
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(Secret::new(key));
        self
    }

    /// API administrator credentials (`login_name`, `login_password`).
    pub fn credentials(
        mut self,
        login_name: impl Into<String>,
        login_password: impl Into<String>,
    ) -> Self {
        self.credentials = Some(Credentials::new(login_name, login_password));
        self
    }

    /// XML (default) or JSON responses; both decode into the same types.
    pub fn response_format(mut self, format: ResponseFormat) -> Self {
        self.format = format;
        self
    }

    /// Sends through `transport` instead of the default [`HyperTransport`](crate::transport::HyperTransport).
    pub fn transport(mut self, transport: impl Transport + 'static) -> Self {
        self.transport = Some(Arc::new(transport));
        self
    }

    /// Shares a transport (and its connection pool) with another client.
    pub fn shared_transport(mut self, transport: Arc<dyn Transport>) -> Self {
        self.transport = Some(transport);
        self
    }

    /// Permits plain `http://` to a host that is not loopback (default: refused).
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// Checks the configuration and builds the client.
    pub fn build(self) -> Result<Client, Error> {
        let base = self
            .base_url
            .ok_or_else(|| Error::Configuration("no base URL".into()))?;
        let site = base.trim_end_matches('/');
        let mut endpoints = Vec::with_capacity(Servlet::ALL.len());
        for servlet in Servlet::ALL {
            let url = format!("{site}/site/{}", servlet.path());
            endpoints.push(
                check_endpoint(&url, self.allow_insecure_http)
                    .map_err(|source| Error::from_transport("configure", source))?,
            );
        }
        let api_key = self
            .api_key
            .ok_or_else(|| Error::Configuration("no API key".into()))?;
        let transport =
            crate::transport::given_or_default(self.transport, self.allow_insecure_http)
                .map_err(|source| Error::from_transport("configure", source))?;
        Ok(Client {
            endpoints: Arc::from(endpoints),
            api_key,
            credentials: self.credentials,
            format: self.format,
            transport,
        })
    }
}

/// Client for the Server API: the constituent methods (`SRConsAPI`), offline gifts
/// (`SRDonationAPI`), recurring gifts (`SRRecurringAPI`) and data syncs (`SRDataSyncAPI`)
/// typed, and any documented method through [`call_method`](Client::call_method).
#[derive(Clone)]
pub struct Client {
    /// One URL per servlet, in the order of [`Servlet::ALL`].
    endpoints: Arc<[Uri]>,
    api_key: Secret,
    credentials: Option<Credentials>,
    format: ResponseFormat,
    transport: Arc<dyn Transport>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("endpoint", &self.endpoint(Servlet::Cons).to_string())
            .field("api_key", &self.api_key)
            .field("credentials", &self.credentials)
            .field("format", &self.format)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A builder; see [`ClientBuilder`].
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// `createOrUpdate`: updates the matching constituent or creates one.
    ///
    /// Matching, as the server documents it:
    /// - `cons_id` given: that record is updated; if it does not exist nothing happens
    ///   (no record is created).
    /// - else `member_id`: one match is updated, several are an error, none creates a record.
    /// - else `primary_email`: one match is updated; several are an error when the site
    ///   enforces unique email addresses, otherwise a new record is created; none creates one.
    pub async fn create_or_update(
        &self,
        params: &ConsParams,
    ) -> Result<crm::CreateOrUpdateConsResponseType, Error> {
        self.call(Servlet::Cons, "createOrUpdate", params.form_pairs()?)
            .await
    }

    /// `create`: adds a constituent (a primary email is required); error 11 when a matching
    /// record exists.
    pub async fn create(&self, params: &ConsParams) -> Result<crm::CreateConsResponseType, Error> {
        self.call(Servlet::Cons, "create", params.form_pairs()?)
            .await
    }

    /// `update`: changes an existing constituent (cons_id, else member_id, else
    /// primary_email; several matches are error 15, none is error 16).
    pub async fn update(&self, params: &ConsParams) -> Result<crm::UpdateConsResponseType, Error> {
        self.call(Servlet::Cons, "update", params.form_pairs()?)
            .await
    }

    /// `getUser`: one constituent; `fields` limits the answer (dot notation). A field left out
    /// of the answer is disabled or hidden ([`Field::Absent`](crate::Field::Absent)); an empty
    /// one is nil.
    pub async fn get_user(
        &self,
        lookup: &Lookup,
        fields: &[&str],
    ) -> Result<crm::GetConsResponseType, Error> {
        let mut pairs = vec![lookup.pair()];
        if !fields.is_empty() {
            pairs.push(("fields".into(), fields.join(",")));
        }
        self.call(Servlet::Cons, "getUser", pairs).await
    }

    /// `getUserGroups`: the groups a constituent belongs to.
    pub async fn get_user_groups(
        &self,
        lookup: &Lookup,
    ) -> Result<crm::GetConsGroupsResponseType, Error> {
        self.call(Servlet::Cons, "getUserGroups", vec![lookup.pair()])
            .await
    }

    /// `getUserInterests`: the interests a constituent has.
    pub async fn get_user_interests(
        &self,
        lookup: &Lookup,
    ) -> Result<crm::GetConsInterestsResponseType, Error> {
        self.call(Servlet::Cons, "getUserInterests", vec![lookup.pair()])
            .await
    }

    /// `getUserCenters`: the centers a constituent belongs to (none on a site that is not
    /// Multi-Center, or when the lookup matches nobody or several).
    pub async fn get_user_centers(&self, lookup: &Lookup) -> Result<crm::ConsCentersType, Error> {
        self.call(Servlet::Cons, "getUserCenters", vec![lookup.pair()])
            .await
    }

    /// `listCenters`: a page of the site's centers (the server's default page size is 25;
    /// `page_offset` counts pages from 0).
    pub async fn list_centers(
        &self,
        page_size: Option<u32>,
        page_offset: Option<u32>,
    ) -> Result<crm::ConsCentersType, Error> {
        let mut pairs = Vec::new();
        if let Some(size) = page_size {
            pairs.push(("list_page_size".into(), size.to_string()));
        }
        if let Some(offset) = page_offset {
            pairs.push(("list_page_offset".into(), offset.to_string()));
        }
        self.call(Servlet::Cons, "listCenters", pairs).await
    }

    /// `listInterests`: the site's interest categories; `include_hidden` adds the ones
    /// constituents are not shown.
    pub async fn list_interests(
        &self,
        include_hidden: bool,
    ) -> Result<crm::GetConsInterestsResponseType, Error> {
        let mut pairs = Vec::new();
        if include_hidden {
            pairs.push(("include_hidden".into(), "true".into()));
        }
        self.call(Servlet::Cons, "listInterests", pairs).await
    }

    /// `isUserInterested`: whether a constituent has the interest `interest_id`.
    pub async fn is_user_interested(
        &self,
        lookup: &Lookup,
        interest_id: u64,
    ) -> Result<bool, Error> {
        let answer: crm::IsUserInterestedResponseType = self
            .call(
                Servlet::Cons,
                "isUserInterested",
                vec![
                    ("interest_id".into(), interest_id.to_string()),
                    lookup.pair(),
                ],
            )
            .await?;
        Ok(answer.interested)
    }

    /// `getSingleSignOnToken` (server only): logs constituent `lookup` in for a visitor
    /// another site has authenticated. The answer's `token` goes to singleSignOn (and with
    /// later API calls of the visit); its `nonce` goes to loginTest as `NONCE_TOKEN`. The
    /// constituent is named by ConsId or MemberId (the method takes no email).
    pub async fn single_sign_on_token(
        &self,
        lookup: &Lookup,
    ) -> Result<crm::GetSingleSignOnTokenResponseType, Error> {
        if matches!(lookup, Lookup::PrimaryEmail(_)) {
            return Err(Error::Configuration(
                "getSingleSignOnToken names the constituent by cons_id or member_id, not by \
                 primary_email"
                    .into(),
            ));
        }
        self.call(Servlet::Cons, "getSingleSignOnToken", vec![lookup.pair()])
            .await
    }

    /// `getUserTransactions`: a page of a constituent's transactions (gifts, recurring
    /// payments, tickets, refunds...) in the period and of the type `query` names.
    pub async fn get_user_transactions(
        &self,
        lookup: &Lookup,
        query: &TransactionQuery,
    ) -> Result<crm::GetConsTransactionsResponseType, Error> {
        let mut pairs = vec![lookup.pair()];
        pairs.extend(query.pairs());
        self.call(Servlet::Cons, "getUserTransactions", pairs).await
    }

    /// `logInteraction`: records an interaction on constituent `lookup`. No source shows
    /// this method's answer: it is read as `logInteractionResponse` > `interactionId` (our
    /// inference) where it is one, and kept as sent in any case; an `errorResponse` is an
    /// [`Error::ServerApi`]. Not idempotent: a failed exchange is [`Error::OutcomeUnknown`].
    pub async fn log_interaction(
        &self,
        lookup: &Lookup,
        interaction: &Interaction,
    ) -> Result<Acknowledged<crm::InteractionWriteResponseType>, Error> {
        let mut pairs = vec![lookup.pair()];
        pairs.extend(interaction.pairs()?);
        self.acknowledged(Servlet::Cons, "logInteraction", pairs)
            .await
    }

    /// `updateInteraction`: changes interaction `interaction_id` (of type 0 "Other" or a
    /// custom type) to `interaction`. Its answer is read and kept as
    /// [`log_interaction`](Self::log_interaction)'s is (`updateInteractionResponse`).
    pub async fn update_interaction(
        &self,
        interaction_id: u64,
        interaction: &Interaction,
    ) -> Result<Acknowledged<crm::InteractionWriteResponseType>, Error> {
        let mut pairs = vec![("interaction_id".to_string(), interaction_id.to_string())];
        pairs.extend(interaction.pairs()?);
        self.acknowledged(Servlet::Cons, "updateInteraction", pairs)
            .await
    }

    /// `getUserInteractions`: the interactions of constituent `lookup`, optionally of one
    /// custom type and subject (the server's default page: 25).
    pub async fn get_user_interactions(
        &self,
        lookup: &Lookup,
        type_id: Option<u64>,
        subject: Option<&str>,
    ) -> Result<crm::GetUserInteractionsResponseType, Error> {
        let mut pairs = vec![lookup.pair()];
        if let Some(id) = type_id {
            pairs.push(("interaction_type_id".into(), id.to_string()));
        }
        if let Some(subject) = subject {
            pairs.push(("interaction_subject".into(), subject.to_string()));
        }
        self.call(Servlet::Cons, "getUserInteractions", pairs).await
    }

    /// `getInteraction`: one interaction, by id.
    pub async fn get_interaction(
        &self,
        interaction_id: u64,
    ) -> Result<crm::GetInteractionResponseType, Error> {
        self.call(
            Servlet::Cons,
            "getInteraction",
            vec![("interaction_id".into(), interaction_id.to_string())],
        )
        .await
    }

    /// `listInteractions`: a page of the interactions of custom type `type_id` (a public
    /// custom type of the site), across constituents.
    pub async fn list_interactions(
        &self,
        type_id: u64,
        query: &InteractionQuery,
    ) -> Result<crm::GetUserInteractionsResponseType, Error> {
        let mut pairs = vec![("interaction_type_id".to_string(), type_id.to_string())];
        pairs.extend(query.pairs());
        self.call(Servlet::Cons, "listInteractions", pairs).await
    }

    /// `getGroupMembers`: the members of group `group_id`, each with the columns `fields`
    /// names (none: the server's default set, cons_id to home_zip), at most `max_number`
    /// (1 to 1000; the server's default is 1000). Both roots the reference has shown are
    /// read: `getGroupMembersResponse`, and the legacy `getConsGroupsResponse`.
    pub async fn group_members(
        &self,
        group_id: u64,
        fields: &[&str],
        max_number: Option<u32>,
    ) -> Result<crm::GetGroupMembersResponseType, Error> {
        let mut pairs = vec![("group_id".to_string(), group_id.to_string())];
        if !fields.is_empty() {
            pairs.push(("fields".into(), fields.join(",")));
        }
        if let Some(max) = max_number {
            if !(1..=1000).contains(&max) {
                return Err(Error::Configuration(format!(
                    "max_number: 1 to 1000 members, not {max}"
                )));
            }
            pairs.push(("max_number".into(), max.to_string()));
        }
        self.call(Servlet::Cons, "getGroupMembers", pairs).await
    }

    /// `login`: checks a constituent's own credentials; the answer carries the
    /// constituent's id and an auth token (nil when the credentials are wrong on sites that
    /// answer rather than fail).
    pub async fn login(&self, login: &ConstituentLogin) -> Result<crm::LoginResponseType, Error> {
        self.call(Servlet::Cons, "login", login.pairs()).await
    }

    /// `authenticateUser`: checks a constituent by the values of the fields the site flags
    /// "Use for Authentication" (`fields`, by their Server API names); answered as
    /// [`login`](Self::login) is. A site with no such field answers error 33
    /// ([`ErrorCode::NoAuthenticationFields`]).
    pub async fn authenticate_user(
        &self,
        fields: &[(&str, &str)],
    ) -> Result<crm::LoginResponseType, Error> {
        let mut pairs = Vec::new();
        for (name, value) in fields {
            if CALL_PARAMETERS.contains(name) {
                return Err(Error::Configuration(format!(
                    "`{name}` is set by the client, not an authentication field"
                )));
            }
            pairs.push(((*name).to_string(), (*value).to_string()));
        }
        self.call(Servlet::Cons, "authenticateUser", pairs).await
    }

    /// `changePassword`: sets constituent `lookup`'s password. A wrong old password is
    /// error 20, a missing one where the site needs it error 21. Not idempotent (the old
    /// password no longer matches after the first): a failed exchange is
    /// [`Error::OutcomeUnknown`].
    pub async fn change_password(
        &self,
        lookup: &Lookup,
        change: &PasswordChange,
    ) -> Result<crm::UpdateConsResponseType, Error> {
        let mut pairs = vec![lookup.pair()];
        pairs.extend(change.pairs()?);
        self.call(Servlet::Cons, "changePassword", pairs).await
    }

    /// `listUserFields`: the constituent fields this caller may see (`access=view`) or
    /// change (`access=update`), optionally with their choices.
    pub async fn list_user_fields(
        &self,
        access: Option<&str>,
        include_choices: bool,
    ) -> Result<crm::ListConsFieldsResponseType, Error> {
        let mut pairs = Vec::new();
        if let Some(access) = access {
            pairs.push(("access".into(), access.to_string()));
        }
        if include_choices {
            pairs.push(("include_choices".into(), "true".into()));
        }
        self.call(Servlet::Cons, "listUserFields", pairs).await
    }

    /// `listUserFieldChoices`: the allowed values of one field.
    pub async fn list_user_field_choices(
        &self,
        field: &str,
    ) -> Result<crm::ListConsFieldChoicesResponseType, Error> {
        self.call(
            Servlet::Cons,
            "listUserFieldChoices",
            vec![("field".into(), field.to_string())],
        )
        .await
    }

    /// `addOfflineDonation` (SRDonationAPI): records a gift already processed elsewhere. The
    /// answer names the transaction and its confirmation code (the
    /// `refund_user_confirm_code` of a later refund), or lists why it was not recorded.
    ///
    /// A failed exchange may have recorded the gift: that is
    /// [`Error::OutcomeUnknown`], and sending it again may record it twice.
    pub async fn add_offline_donation(
        &self,
        gift: &OfflineDonation,
    ) -> Result<crm::DonationResponseType, Error> {
        self.call(Servlet::Donation, "addOfflineDonation", gift.form_pairs()?)
            .await
    }

    /// `refundOfflineDonation` (SRDonationAPI): refunds an offline gift this account added,
    /// named by the confirmation code [`add_offline_donation`](Self::add_offline_donation)
    /// answered; `amount` (dollars, `"12.50"`) refunds part of it, `None` all that is left.
    /// The answer names the gift and the amount refunded, or lists why nothing was refunded.
    ///
    /// A failed exchange may have refunded the gift: that is [`Error::OutcomeUnknown`].
    pub async fn refund_offline_donation(
        &self,
        confirmation_code: &str,
        amount: Option<&str>,
    ) -> Result<crm::DonationResponseType, Error> {
        let mut pairs = vec![(
            "refund_user_confirm_code".to_string(),
            confirmation_code.to_string(),
        )];
        if let Some(amount) = amount {
            check_amount("refund_amount", amount)?;
            pairs.push(("refund_amount".into(), amount.to_string()));
        }
        self.call(Servlet::Donation, "refundOfflineDonation", pairs)
            .await
    }

    /// `getAdvocacyAlerts` (SRAdvocacyAPI): a page of the site's advocacy alerts.
    pub async fn advocacy_alerts(
        &self,
        query: &AlertQuery,
    ) -> Result<crm::GetAdvocacyAlertsResponseType, Error> {
        self.call(Servlet::Advocacy, "getAdvocacyAlerts", query.pairs())
            .await
    }

    /// `takeAction` (SRAdvocacyAPI): constituent `lookup` takes action on alert `alert_id`
    /// of `alert_type` (`action`, `call` or `lte`). `message` holds the documented optional
    /// parameters (`subject`, `body`, `first_name`, `preview`, ...); names the call sets
    /// itself are refused. Not idempotent: a failed exchange is [`Error::OutcomeUnknown`].
    pub async fn take_action(
        &self,
        alert_id: u64,
        alert_type: &str,
        lookup: &Lookup,
        message: &[(&str, &str)],
    ) -> Result<crm::TakeActionResponseType, Error> {
        let mut pairs = vec![
            ("alert_id".to_string(), alert_id.to_string()),
            ("alert_type".to_string(), alert_type.to_string()),
            lookup.pair(),
        ];
        for (name, value) in message {
            if CALL_PARAMETERS.contains(name)
                || [
                    "alert_id",
                    "alert_type",
                    "cons_id",
                    "member_id",
                    "primary_email",
                ]
                .contains(name)
            {
                return Err(Error::Configuration(format!(
                    "`{name}` is set by take_action's own arguments"
                )));
            }
            pairs.push(((*name).to_string(), (*value).to_string()));
        }
        self.call(Servlet::Advocacy, "takeAction", pairs).await
    }

    /// `refundTransaction` (SRDonationAPI): records (and, with `process_transaction`, makes)
    /// refunds of gifts processed online. The request is sent as `refund_transaction_request`,
    /// the name its syntax and public client code use (the page's prose says
    /// `refund_request`). No source shows the whole answer (client code reads its
    /// `refund_transaction_id`): it is read as `refundTransactionResponse` > `refund` (our
    /// inference) where it is one, and kept as sent in any case; an `errorResponse` is an
    /// error. Not idempotent: a failed exchange is [`Error::OutcomeUnknown`].
    pub async fn refund_transactions(
        &self,
        request: &RefundRequest,
    ) -> Result<Acknowledged<crm::RefundTransactionResponseType>, Error> {
        let pairs = vec![("refund_transaction_request".to_string(), request.to_xml()?)];
        self.acknowledged(Servlet::Donation, "refundTransaction", pairs)
            .await
    }

    /// `offlineOrganizationGift` (SRDonationAPI): an organization's gift, processed
    /// (credit, ACH) or recorded (cash, check). `gift` is made with
    /// [`OfflineDonation::organization`]. Not idempotent: a failed exchange is
    /// [`Error::OutcomeUnknown`].
    pub async fn offline_organization_gift(
        &self,
        gift: &OfflineDonation,
    ) -> Result<crm::DonationResponseType, Error> {
        self.organization_gift("offlineOrganizationGift", gift)
            .await
    }

    /// `offlineOrganizationGiftCheckout` (SRDonationAPI): as
    /// [`offline_organization_gift`](Self::offline_organization_gift), through the
    /// checkout flow (which also takes `gift_aid` and `joint_donor.name.*`).
    pub async fn offline_organization_gift_checkout(
        &self,
        gift: &OfflineDonation,
    ) -> Result<crm::DonationResponseType, Error> {
        self.organization_gift("offlineOrganizationGiftCheckout", gift)
            .await
    }

    async fn organization_gift(
        &self,
        method: &'static str,
        gift: &OfflineDonation,
    ) -> Result<crm::DonationResponseType, Error> {
        if !gift.is_organization_gift() {
            return Err(Error::Configuration(format!(
                "{method} takes an organization gift (OfflineDonation::organization)"
            )));
        }
        self.call(Servlet::Donation, method, gift.form_pairs()?)
            .await
    }

    /// `recordRecurringTransaction` (SRDonationAPI): records payments of recurring gifts
    /// made elsewhere (1 to 200 per call), sent as `record_recurring_transaction`. A
    /// request the server cannot read is refused whole (an error); otherwise each payment
    /// has its own result, in the order sent. Not idempotent: a failed exchange is
    /// [`Error::OutcomeUnknown`].
    pub async fn record_recurring_transactions(
        &self,
        request: &RecurringTransactionRequest,
    ) -> Result<crm::RecordRecurringTransactionResponseType, Error> {
        let pairs = vec![(
            "record_recurring_transaction".to_string(),
            request.to_xml()?,
        )];
        self.call(Servlet::Donation, "recordRecurringTransaction", pairs)
            .await
    }

    /// `getAdvocacyInteractions` (SRAdvocacyAPI): the alerts constituent `lookup` acted on,
    /// filtered and paged as [`advocacy_alerts`](Self::advocacy_alerts) is.
    pub async fn advocacy_interactions(
        &self,
        lookup: &Lookup,
        query: &AlertQuery,
    ) -> Result<crm::GetAdvocacyInteractionsResponseType, Error> {
        let mut pairs = vec![lookup.pair()];
        pairs.extend(query.pairs());
        self.call(Servlet::Advocacy, "getAdvocacyInteractions", pairs)
            .await
    }

    /// `listGroups` (SRGroupAPI): a page of the site's groups.
    pub async fn list_groups(
        &self,
        query: &GroupQuery,
    ) -> Result<crm::ListGroupsResponseType, Error> {
        self.call(Servlet::Group, "listGroups", query.pairs()).await
    }

    /// `launchDataSync` (SRDataSyncAPI): starts the data sync operation `operation_id`; the
    /// answer's task id is what [`data_sync_status`](Self::data_sync_status) polls.
    pub async fn launch_data_sync(
        &self,
        operation_id: u64,
    ) -> Result<crm::LaunchDataSyncResponseType, Error> {
        self.call(
            Servlet::DataSync,
            "launchDataSync",
            vec![("operation_id".into(), operation_id.to_string())],
        )
        .await
    }

    /// `getDataSyncStatus` (SRDataSyncAPI): `queued`, `running`, `success`, `failure` or
    /// `stale` (with a message saying why).
    pub async fn data_sync_status(
        &self,
        task_id: u64,
    ) -> Result<crm::GetDataSyncStatusResponseType, Error> {
        self.call(
            Servlet::DataSync,
            "getDataSyncStatus",
            vec![("task_id".into(), task_id.to_string())],
        )
        .await
    }

    /// `getGroupInfo` (SRGroupAPI): one group, by id.
    pub async fn group_info(&self, group_id: u64) -> Result<crm::GetGroupInfoResponseType, Error> {
        self.call(
            Servlet::Group,
            "getGroupInfo",
            vec![("group_id".into(), group_id.to_string())],
        )
        .await
    }

    /// `getRecurringGifts` (SRRecurringAPI): the recurring gifts of constituent `cons_id`.
    pub async fn recurring_gifts(
        &self,
        cons_id: u64,
    ) -> Result<crm::GetRecurringGiftsResponseType, Error> {
        self.call(
            Servlet::Recurring,
            "getRecurringGifts",
            vec![("cons_id".into(), cons_id.to_string())],
        )
        .await
    }

    /// `cancelRecurringGift` (SRRecurringAPI): stops the future payments of gift
    /// `recurring_gift_id` of constituent `cons_id` (payments made are not refunded).
    pub async fn cancel_recurring_gift(
        &self,
        cons_id: u64,
        recurring_gift_id: u64,
    ) -> Result<crm::CancelRecurringGiftResponseType, Error> {
        self.call(
            Servlet::Recurring,
            "cancelRecurringGift",
            recurring_pairs(cons_id, recurring_gift_id),
        )
        .await
    }

    /// `skipNextPayment` (SRRecurringAPI): skips the next scheduled payment of a recurring
    /// gift. Not idempotent: a failed exchange is [`Error::OutcomeUnknown`], and sending it
    /// again may skip two payments.
    pub async fn skip_next_payment(
        &self,
        cons_id: u64,
        recurring_gift_id: u64,
    ) -> Result<crm::SkipNextPaymentResponseType, Error> {
        self.call(
            Servlet::Recurring,
            "skipNextPayment",
            recurring_pairs(cons_id, recurring_gift_id),
        )
        .await
    }

    /// `updateRecurringGift` (SRRecurringAPI): moves the next payment of a recurring gift to
    /// `next_payment_date` (`MM-DD-YYYY`, as the method takes it, checked before sending)
    /// and, when given, changes its amount. The method takes the amount in cents (an
    /// `xsd:nonNegativeInteger`), and its sample answers the amount in cents too
    /// (`decimal` 1000, `formatted` $10.00).
    ///
    /// ```no_run
    /// # async fn run(client: convio::server_api::Client) -> Result<(), convio::Error> {
    /// let answer = client.update_recurring_gift(1001001, 1, "01-15-2027", Some(2_500)).await?;
    /// assert_eq!(answer.amount_updated.as_option(), Some(&true));
    /// # Ok(()) }
    /// ```
    pub async fn update_recurring_gift(
        &self,
        cons_id: u64,
        recurring_gift_id: u64,
        next_payment_date: &str,
        amount_cents: Option<u64>,
    ) -> Result<crm::UpdateRecurringGiftResponseType, Error> {
        let date = next_payment_date.as_bytes();
        let spelled = date.len() == 10
            && date.iter().enumerate().all(|(at, b)| {
                if at == 2 || at == 5 {
                    *b == b'-'
                } else {
                    b.is_ascii_digit()
                }
            });
        if !spelled {
            return Err(Error::InvalidArgument(format!(
                "next_payment_date `{next_payment_date}` is not MM-DD-YYYY"
            )));
        }
        let mut pairs = recurring_pairs(cons_id, recurring_gift_id);
        if let Some(cents) = amount_cents {
            pairs.push(("amount".into(), cents.to_string()));
        }
        pairs.push(("next_payment_date".into(), next_payment_date.to_string()));
        self.call(Servlet::Recurring, "updateRecurringGift", pairs)
            .await
    }

    /// `getRecurringHistory` (SRRecurringAPI): the payments of a recurring gift in calendar
    /// year `year`.
    pub async fn recurring_history(
        &self,
        cons_id: u64,
        recurring_gift_id: u64,
        year: i32,
    ) -> Result<crm::GetRecurringHistoryResponseType, Error> {
        let mut pairs = recurring_pairs(cons_id, recurring_gift_id);
        pairs.push(("sustainer_history_year".into(), year.to_string()));
        self.call(Servlet::Recurring, "getRecurringHistory", pairs)
            .await
    }

    /// Any method, passed through: the parameters are sent as given (after the client's own
    /// `v`, `api_key`, `method`, `response_format` and credentials) and the answer is
    /// returned undecoded, whatever its status. For methods this client does not type yet;
    /// [`Servlet::for_method`] names the servlet of every documented one.
    ///
    /// ```no_run
    /// # async fn run(client: convio::server_api::Client) -> Result<(), convio::Error> {
    /// use convio::server_api::Servlet;
    ///
    /// let answer = client
    ///     .call_method(Servlet::Group, "getGroupInfo", &[("group_id".into(), "1010".into())])
    ///     .await?;
    /// println!("{} {}", answer.status, String::from_utf8_lossy(&answer.body));
    /// # Ok(()) }
    /// ```
    pub async fn call_method(
        &self,
        servlet: Servlet,
        method: &str,
        pairs: &[(String, String)],
    ) -> Result<RawAnswer, Error> {
        let request = self.request(servlet, method, pairs);
        let span = tracing::info_span!("server_api_call", method, attempt = 1);
        let response = self
            .transport
            .send(request)
            .instrument(span)
            .await
            .map_err(|source| {
                if source.is_configuration() {
                    Error::from_transport("server API call", source)
                } else if source.request_may_have_reached_server() {
                    Error::OutcomeUnknown {
                        operation: "server API call",
                        source,
                    }
                } else {
                    Error::Transport {
                        operation: "server API call",
                        source,
                    }
                }
            })?;
        Ok(RawAnswer {
            status: response.status().as_u16(),
            body: response.into_body().to_vec(),
        })
    }

    fn endpoint(&self, servlet: Servlet) -> &Uri {
        &self.endpoints[servlet.index()]
    }

    fn request(
        &self,
        servlet: Servlet,
        method: &str,
        pairs: &[(String, String)],
    ) -> Request<Bytes> {
        let mut request = Request::new(Bytes::from(self.form_body(method, pairs)));
        *request.method_mut() = Method::POST;
        *request.uri_mut() = self.endpoint(servlet).clone();
        request.headers_mut().insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded; charset=UTF-8"),
        );
        request
    }

    /// The exact form body a call sends (secrets included: never log it).
    pub fn form_body(&self, method: &str, pairs: &[(String, String)]) -> String {
        let mut form = form_urlencoded::Serializer::new(String::new());
        form.append_pair("v", "1.0");
        form.append_pair("api_key", self.api_key.expose());
        form.append_pair("method", method);
        form.append_pair("response_format", self.format.as_str());
        if let Some(credentials) = &self.credentials {
            form.append_pair("login_name", &credentials.user_name);
            form.append_pair("login_password", credentials.password.expose());
        }
        for (name, value) in pairs {
            form.append_pair(name, value);
        }
        form.finish()
    }

    /// Calls a method whose answer no source shows: the answer as sent, read as `roots` (our
    /// inferred shape) where it is one, unless it is an `errorResponse` (an
    /// [`Error::ServerApi`]) or the status is not 200. An answer of another shape is no
    /// error: the change was made.
    async fn acknowledged<T: WithDeserializer>(
        &self,
        servlet: Servlet,
        method: &'static str,
        pairs: Vec<(String, String)>,
    ) -> Result<Acknowledged<T>, Error> {
        let answer = self.call_method(servlet, method, &pairs).await?;
        if let Ok(Response::Error(error)) =
            decode_response::<crm::ErrorResponseType>(&answer.body, self.format, &["errorResponse"])
        {
            return Err(server_api_error(method, answer.status, error));
        }
        if answer.status != 200 {
            return Err(Error::HttpStatus {
                operation: method,
                status: answer.status,
                excerpt: excerpt(&answer.body),
            });
        }
        let roots = answer_roots(method).unwrap_or_default();
        let typed = match decode_response::<T>(&answer.body, self.format, roots) {
            Ok(Response::Ok(value)) => Some(value),
            Ok(Response::Error(_)) | Err(_) => {
                tracing::warn!(
                    method,
                    "the answer is not of the expected shape; kept as sent"
                );
                None
            }
        };
        Ok(Acknowledged { typed, answer })
    }

    async fn call<T: WithDeserializer>(
        &self,
        servlet: Servlet,
        method: &'static str,
        pairs: Vec<(String, String)>,
    ) -> Result<T, Error> {
        // The answer's root names come from the one table of them (`answers.rs`).
        let roots = answer_roots(method).unwrap_or_default();
        let request = self.request(servlet, method, &pairs);
        tracing::debug!(method, "calling the Server API");
        // One span per call, as for SOAP calls (one attempt: nothing here is retried).
        let span = tracing::info_span!("server_api_call", method, attempt = 1);
        // A failed exchange may have applied the change (create and update are not idempotent).
        let sent = self.transport.send(request).instrument(span).await;
        let response = sent.map_err(|source| {
            if source.is_configuration() {
                Error::from_transport(method, source)
            } else if source.request_may_have_reached_server() && !is_read(method) {
                Error::OutcomeUnknown {
                    operation: method,
                    source,
                }
            } else {
                Error::Transport {
                    operation: method,
                    source,
                }
            }
        })?;
        let status = response.status().as_u16();
        match decode_response::<T>(response.body(), self.format, roots) {
            Ok(Response::Ok(value)) if status == 200 => Ok(value),
            Ok(Response::Error(error)) => Err(server_api_error(method, status, error)),
            Ok(Response::Ok(_))
            | Err(DecodeError::Xml { .. } | DecodeError::UnexpectedBody { .. })
                if status != 200 =>
            {
                Err(Error::HttpStatus {
                    operation: method,
                    status,
                    excerpt: excerpt(response.body()),
                })
            }
            Ok(Response::Ok(value)) => Ok(value),
            Err(error) => match not_a_response(response.body(), self.format, &error) {
                // Not a document of the asked format, or not a Server API response at all:
                // the exchange failed.
                Some(reason) => Err(Error::InvalidResponse {
                    operation: method,
                    status,
                    expected: match self.format {
                        ResponseFormat::Xml => "a Server API response (XML)",
                        ResponseFormat::Json => "a Server API response (JSON)",
                    },
                    reason,
                    excerpt: excerpt(response.body()),
                }),
                None => Err(error.into()),
            },
        }
    }
}

/// Whether `method` only reads (so a failed exchange changed nothing): the `get`, `list`
/// and `is` methods.
fn is_read(method: &str) -> bool {
    ["get", "list", "is"]
        .iter()
        .any(|prefix| method.starts_with(prefix))
}

/// The error an `errorResponse` stands for.
fn server_api_error(method: &'static str, status: u16, error: crm::ErrorResponseType) -> Error {
    Error::ServerApi {
        method,
        status,
        code: ErrorCode::from(u32::try_from(error.code).unwrap_or(0)),
        message: error
            .message
            .into_option()
            .map(String::from)
            .unwrap_or_default(),
    }
}

/// The parameters naming one recurring gift of one constituent.
fn recurring_pairs(cons_id: u64, recurring_gift_id: u64) -> Vec<(String, String)> {
    vec![
        ("recurring_gift_id".into(), recurring_gift_id.to_string()),
        ("cons_id".into(), cons_id.to_string()),
    ]
}

/// Why a body that could not be decoded is not a Server API response at all (rather than a
/// response whose content does not fit the schema): another root element, not well-formed
/// XML, not a JSON object.
fn not_a_response(body: &[u8], format: ResponseFormat, error: &DecodeError) -> Option<String> {
    if let DecodeError::UnexpectedBody { found, .. } = error {
        return Some(format!("its root element is `{found}`"));
    }
    if matches!(error, DecodeError::Doctype) {
        return None;
    }
    match format {
        ResponseFormat::Xml => {
            (!is_well_formed(body)).then(|| format!("not well-formed XML ({error})"))
        }
        ResponseFormat::Json => serde_json::from_slice::<serde_json::Value>(body)
            .map_or(true, |value| !value.is_object())
            .then(|| format!("not a JSON object ({error})")),
    }
}

/// The answer to a write whose answer no public source shows (logInteraction,
/// updateInteraction, refundTransaction): its reading in the shape this crate infers, `None`
/// when the site answered in another shape (the write was made all the same), and the
/// answer as sent.
///
/// ```
/// use convio::server_api::Acknowledged;
/// use convio::server_api::generated::crm::InteractionWriteResponseType;
///
/// fn interaction_id(logged: &Acknowledged<InteractionWriteResponseType>) -> Option<u64> {
///     logged.typed.as_ref()?.interaction_id.as_option().copied()
/// }
/// # let _ = interaction_id;
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Acknowledged<T> {
    /// The answer read as this crate's inferred type, if it is one.
    pub typed: Option<T>,
    /// The answer as sent.
    pub answer: RawAnswer,
}

/// The answer to a method passed through [`Client::call_method`]: HTTP status and body, as
/// the server sent them.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RawAnswer {
    /// The HTTP status (403 for an `errorResponse` unless `suppress_response_codes=true`).
    pub status: u16,
    /// The body (XML or JSON, as asked).
    pub body: Vec<u8>,
}
