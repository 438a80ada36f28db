//! What each documented method answers: its root element names (the first is the one read;
//! some methods are documented under two) and its generated type. The client reads every
//! typed answer by this table, and `convio server-api` checks any documented method's answer
//! against it.

use super::decode::{decode_response_keeping, Response, ResponseFormat, Unrecognized};
use super::generated::crm;
use crate::error::DecodeError;

/// How an answer read: an `errorResponse`'s code and message, or the method's own answer,
/// with what the schema does not declare set aside.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AnswerReading {
    /// The method's answer; `unrecognized` is the content its type lacks, kept as sent.
    Answer {
        /// The root element it was read under.
        root: &'static str,
        /// Content the schema does not declare.
        unrecognized: Vec<Unrecognized>,
    },
    /// An `errorResponse`.
    Error {
        /// Its `code`.
        code: i32,
        /// Its `message`.
        message: String,
    },
}

fn read<T: xsd_parser_types::quick_xml::WithDeserializer>(
    body: &[u8],
    format: ResponseFormat,
    roots: &'static [&'static str],
) -> Result<AnswerReading, DecodeError> {
    let (response, unrecognized) = decode_response_keeping::<T>(body, format, roots)?;
    Ok(match response {
        Response::Ok(_) => AnswerReading::Answer {
            root: roots.first().copied().unwrap_or_default(),
            unrecognized,
        },
        Response::Error(error) => AnswerReading::Error {
            code: error.code,
            message: error
                .message
                .into_option()
                .map(String::from)
                .unwrap_or_default(),
        },
    })
}

macro_rules! answers {
    ($($method:literal => $type:ident [$($root:literal),+],)*) => {
        /// The root element names a documented method answers with (the first is the one
        /// read); `None` for a method the reference does not list.
        ///
        /// ```
        /// use convio::server_api::answer_roots;
        ///
        /// assert_eq!(answer_roots("getUser"), Some(&["getConsResponse"][..]));
        /// assert_eq!(answer_roots("logout"), None);
        /// ```
        pub fn answer_roots(method: &str) -> Option<&'static [&'static str]> {
            match method {
                $($method => Some(&[$($root),+]),)*
                _ => None,
            }
        }

        /// Reads `body`, the answer to documented method `method`, with the method's
        /// generated type: what the schema lacks is set aside, never fatal; `None` for a
        /// method the reference does not list.
        ///
        /// ```
        /// use convio::server_api::{read_answer, AnswerReading, ResponseFormat};
        ///
        /// let body = br#"{"getGroupInfoResponse":{"groupInfo":{"id":"1010","color":"green"}}}"#;
        /// let Some(Ok(AnswerReading::Answer { root, unrecognized })) =
        ///     read_answer("getGroupInfo", body, ResponseFormat::Json)
        /// else { panic!() };
        /// assert_eq!(root, "getGroupInfoResponse");
        /// assert_eq!(unrecognized[0].path, ["getGroupInfoResponse", "groupInfo", "color"]);
        /// ```
        pub fn read_answer(
            method: &str,
            body: &[u8],
            format: ResponseFormat,
        ) -> Option<Result<AnswerReading, DecodeError>> {
            match method {
                $($method => Some(read::<crm::$type>(body, format, &[$($root),+])),)*
                _ => None,
            }
        }
    };
}

answers! {
    "authenticateUser" => LoginResponseType ["loginResponse"],
    "changePassword" => UpdateConsResponseType ["changePasswordResponse"],
    "create" => CreateConsResponseType ["createConsResponse"],
    "createOrUpdate" => CreateOrUpdateConsResponseType ["createOrUpdateConsResponse"],
    "getGroupMembers" => GetGroupMembersResponseType ["getGroupMembersResponse", "getConsGroupsResponse"],
    "getInteraction" => GetInteractionResponseType ["getInteractionResponse"],
    "getSingleSignOnToken" => GetSingleSignOnTokenResponseType ["getSingleSignOnTokenResponse"],
    "getUser" => GetConsResponseType ["getConsResponse"],
    "getUserCenters" => ConsCentersType ["getConsCentersResponse"],
    "getUserGroups" => GetConsGroupsResponseType ["getConsGroupsResponse", "getConsGroupResponse"],
    "getUserInteractions" => GetUserInteractionsResponseType ["getUserInteractionsResponse"],
    "getUserInterests" => GetConsInterestsResponseType ["getConsInterestsResponse"],
    "getUserTransactions" => GetConsTransactionsResponseType ["getConsTransactionsResponse"],
    "isUserInterested" => IsUserInterestedResponseType ["isUserInterestedResponse"],
    "listCenters" => ConsCentersType ["listCentersResponse"],
    "listInteractions" => GetUserInteractionsResponseType ["listInteractionsResponse"],
    "listInterests" => GetConsInterestsResponseType ["listInterestsResponse"],
    "listUserFieldChoices" => ListConsFieldChoicesResponseType ["listConsFieldChoicesResponse"],
    "listUserFields" => ListConsFieldsResponseType ["listConsFieldsResponse"],
    "logInteraction" => InteractionWriteResponseType ["logInteractionResponse"],
    "login" => LoginResponseType ["loginResponse"],
    "update" => UpdateConsResponseType ["updateConsResponse"],
    "updateInteraction" => InteractionWriteResponseType ["updateInteractionResponse"],
    "getGroupInfo" => GetGroupInfoResponseType ["getGroupInfoResponse"],
    "listGroups" => ListGroupsResponseType ["listGroupsResponse"],
    "addOfflineDonation" => DonationResponseType ["donationResponse"],
    "offlineOrganizationGift" => DonationResponseType ["donationResponse"],
    "offlineOrganizationGiftCheckout" => DonationResponseType ["donationResponse"],
    "recordRecurringTransaction" => RecordRecurringTransactionResponseType ["recordRecurringTransactionResponse"],
    "refundOfflineDonation" => DonationResponseType ["donationResponse"],
    "refundTransaction" => RefundTransactionResponseType ["refundTransactionResponse"],
    "cancelRecurringGift" => CancelRecurringGiftResponseType ["cancelRecurringGiftResponse"],
    "getRecurringGifts" => GetRecurringGiftsResponseType ["getRecurringGiftsResponse"],
    "getRecurringHistory" => GetRecurringHistoryResponseType ["getRecurringHistoryResponse"],
    "skipNextPayment" => SkipNextPaymentResponseType ["skipNextPaymentResponse"],
    "updateRecurringGift" => UpdateRecurringGiftResponseType ["updateRecurringGiftResponse"],
    "getDataSyncStatus" => GetDataSyncStatusResponseType ["getDataSyncStatusResponse"],
    "launchDataSync" => LaunchDataSyncResponseType ["launchDataSyncResponse"],
    "getAdvocacyAlerts" => GetAdvocacyAlertsResponseType ["getAdvocacyAlertsResponse"],
    "getAdvocacyInteractions" => GetAdvocacyInteractionsResponseType ["getAdvocacyInteractionsResponse"],
    "takeAction" => TakeActionResponseType ["takeActionResponse"],
}
