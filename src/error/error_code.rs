//! The `code` of a Server API `errorResponse`.

use std::fmt;

/// Documented error codes of the Server API (general and Constituent API tables, 1–36), with
/// `Other` for any code not listed.
///
/// ```
/// use convio::server_api::ErrorCode;
/// assert_eq!(ErrorCode::from(13), ErrorCode::DuplicateEmail);
/// assert_eq!(ErrorCode::from(999), ErrorCode::Other(999));
/// assert_eq!(ErrorCode::DuplicateEmail.code(), 13);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    /// 1: the request could not be processed.
    UnableToProcess,
    /// 2: the API key is missing or wrong.
    InvalidApiKey,
    /// 3: authentication or authorization failed.
    AuthenticationFailed,
    /// 4: the caller's IP address is not allowed.
    IpNotAllowed,
    /// 5: the method needs an authentication token.
    AuthTokenRequired,
    /// 6: the method is missing or unknown (names are case-sensitive).
    UnknownMethod,
    /// 7: single sign-on failed.
    SingleSignOnFailed,
    /// 8: a request for one constituent matched several.
    MultipleMatches,
    /// 9: required parameters are missing.
    MissingParameters,
    /// 10: required constituent fields are missing.
    RequiredFieldsMissing,
    /// 11: a matching record exists already.
    MatchExisting,
    /// 12: the user name is taken.
    DuplicateUserName,
    /// 13: the email address is taken and the site forbids duplicates.
    DuplicateEmail,
    /// 14: the method is not allowed for this caller.
    MethodNotAllowed,
    /// 15: several records match, update impossible.
    UpdateMatchAmbiguous,
    /// 16: no record matches.
    RecordNotFound,
    /// 17: no method specified (deprecated form of 6).
    NoMethod,
    /// 18: user-field access matched no records.
    NoUserFieldAccess,
    /// 19: the group membership could not be returned.
    GroupMembershipError,
    /// 20: the password is wrong or not allowed.
    InvalidPassword,
    /// 21: changing a password needs the old one.
    OldPasswordRequired,
    /// 22: a value failed validation.
    ValidationError,
    /// 23: a value is too long or too short.
    InputSizeError,
    /// 24: the address-correction service failed.
    AddressCorrectionError,
    /// 25: the date range is not valid.
    InvalidDateRange,
    /// 26: the interaction type cannot be added through the API.
    InteractionTypeNotAddable,
    /// 27: the interaction is not valid.
    InvalidInteraction,
    /// 28: the interaction could not be logged.
    InteractionLoggingFailed,
    /// 29: the category id is not valid.
    InvalidCategory,
    /// 30: the interaction body is too large.
    InteractionBodyTooLarge,
    /// 31: too many interactions in one call.
    TooManyInteractions,
    /// 32: the constituent id is not valid for interactions.
    InvalidInteractionConstituent,
    /// 33: the site has no fields configured for authentication.
    NoAuthenticationFields,
    /// 34: the UK address lookup failed.
    AddressLookupError,
    /// 35: the input contains characters that are not allowed.
    InvalidCharacters,
    /// 36: user names that are email addresses are not checked.
    EmailUserNameNotChecked,
    /// 50: invalid list criteria.
    InvalidListCriteria,
    /// A code this crate does not list.
    Other(u32),
}

const KNOWN: &[(u32, ErrorCode)] = &[
    (1, ErrorCode::UnableToProcess),
    (2, ErrorCode::InvalidApiKey),
    (3, ErrorCode::AuthenticationFailed),
    (4, ErrorCode::IpNotAllowed),
    (5, ErrorCode::AuthTokenRequired),
    (6, ErrorCode::UnknownMethod),
    (7, ErrorCode::SingleSignOnFailed),
    (8, ErrorCode::MultipleMatches),
    (9, ErrorCode::MissingParameters),
    (10, ErrorCode::RequiredFieldsMissing),
    (11, ErrorCode::MatchExisting),
    (12, ErrorCode::DuplicateUserName),
    (13, ErrorCode::DuplicateEmail),
    (14, ErrorCode::MethodNotAllowed),
    (15, ErrorCode::UpdateMatchAmbiguous),
    (16, ErrorCode::RecordNotFound),
    (17, ErrorCode::NoMethod),
    (18, ErrorCode::NoUserFieldAccess),
    (19, ErrorCode::GroupMembershipError),
    (20, ErrorCode::InvalidPassword),
    (21, ErrorCode::OldPasswordRequired),
    (22, ErrorCode::ValidationError),
    (23, ErrorCode::InputSizeError),
    (24, ErrorCode::AddressCorrectionError),
    (25, ErrorCode::InvalidDateRange),
    (26, ErrorCode::InteractionTypeNotAddable),
    (27, ErrorCode::InvalidInteraction),
    (28, ErrorCode::InteractionLoggingFailed),
    (29, ErrorCode::InvalidCategory),
    (30, ErrorCode::InteractionBodyTooLarge),
    (31, ErrorCode::TooManyInteractions),
    (32, ErrorCode::InvalidInteractionConstituent),
    (33, ErrorCode::NoAuthenticationFields),
    (34, ErrorCode::AddressLookupError),
    (35, ErrorCode::InvalidCharacters),
    (36, ErrorCode::EmailUserNameNotChecked),
    (50, ErrorCode::InvalidListCriteria),
];

impl ErrorCode {
    /// The numeric code.
    pub fn code(self) -> u32 {
        match self {
            ErrorCode::Other(code) => code,
            known => KNOWN
                .iter()
                .find(|(_, c)| *c == known)
                .map_or(0, |(n, _)| *n),
        }
    }
}

impl From<u32> for ErrorCode {
    fn from(code: u32) -> Self {
        KNOWN
            .iter()
            .find(|(n, _)| *n == code)
            .map_or(ErrorCode::Other(code), |(_, c)| *c)
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({self:?})", self.code())
    }
}
