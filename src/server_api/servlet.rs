//! The servlets of the Server API: one URL per functional area, `{site}/site/SR…API`.

use std::fmt;

/// A Server API servlet: where a method is posted.
///
/// ```
/// use convio::server_api::Servlet;
///
/// assert_eq!(Servlet::Donation.path(), "SRDonationAPI");
/// assert_eq!(Servlet::for_method("launchDataSync"), Some(Servlet::DataSync));
/// assert_eq!(Servlet::for_method("noSuchMethod"), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Servlet {
    /// `SRConsAPI`: constituents.
    Cons,
    /// `SRGroupAPI`: groups.
    Group,
    /// `SRDonationAPI`: offline gifts and refunds.
    Donation,
    /// `SRRecurringAPI`: recurring (sustaining) gifts.
    Recurring,
    /// `SRDataSyncAPI`: launching and polling a data sync.
    DataSync,
    /// `SRAdvocacyAPI`: advocacy.
    Advocacy,
}

/// The documented server-form methods of each servlet (from the method reference pages).
const METHODS: &[(Servlet, &[&str])] = &[
    (
        Servlet::Cons,
        &[
            "authenticateUser",
            "changePassword",
            "create",
            "createOrUpdate",
            "getGroupMembers",
            "getInteraction",
            "getSingleSignOnToken",
            "getUser",
            "getUserCenters",
            "getUserGroups",
            "getUserInteractions",
            "getUserInterests",
            "getUserTransactions",
            "isUserInterested",
            "listCenters",
            "listInteractions",
            "listInterests",
            "listUserFieldChoices",
            "listUserFields",
            "logInteraction",
            "login",
            "update",
            "updateInteraction",
        ],
    ),
    (Servlet::Group, &["getGroupInfo", "listGroups"]),
    (
        Servlet::Donation,
        &[
            "addOfflineDonation",
            "offlineOrganizationGift",
            "offlineOrganizationGiftCheckout",
            "recordRecurringTransaction",
            "refundOfflineDonation",
            "refundTransaction",
        ],
    ),
    (
        Servlet::Recurring,
        &[
            "cancelRecurringGift",
            "getRecurringGifts",
            "getRecurringHistory",
            "skipNextPayment",
            "updateRecurringGift",
        ],
    ),
    (Servlet::DataSync, &["getDataSyncStatus", "launchDataSync"]),
    (
        Servlet::Advocacy,
        &["getAdvocacyAlerts", "getAdvocacyInteractions", "takeAction"],
    ),
];

impl Servlet {
    /// Every servlet.
    pub const ALL: [Servlet; 6] = [
        Servlet::Cons,
        Servlet::Group,
        Servlet::Donation,
        Servlet::Recurring,
        Servlet::DataSync,
        Servlet::Advocacy,
    ];

    /// The last segment of the servlet's URL.
    pub fn path(self) -> &'static str {
        match self {
            Servlet::Cons => "SRConsAPI",
            Servlet::Group => "SRGroupAPI",
            Servlet::Donation => "SRDonationAPI",
            Servlet::Recurring => "SRRecurringAPI",
            Servlet::DataSync => "SRDataSyncAPI",
            Servlet::Advocacy => "SRAdvocacyAPI",
        }
    }

    /// The servlet named by a URL's last segment (`SRDonationAPI`).
    pub fn from_path(path: &str) -> Option<Servlet> {
        Servlet::ALL
            .into_iter()
            .find(|servlet| servlet.path() == path)
    }

    /// The servlet a documented method is posted to (`None` for a method the reference
    /// does not list with a server form; pass the servlet explicitly then).
    pub fn for_method(method: &str) -> Option<Servlet> {
        METHODS
            .iter()
            .find(|(_, methods)| methods.contains(&method))
            .map(|(servlet, _)| *servlet)
    }

    /// The documented server-form methods of this servlet.
    pub fn methods(self) -> &'static [&'static str] {
        METHODS
            .iter()
            .find(|(servlet, _)| *servlet == self)
            .map_or(&[], |(_, methods)| methods)
    }

    pub(crate) fn index(self) -> usize {
        Servlet::ALL
            .iter()
            .position(|servlet| *servlet == self)
            .unwrap_or(0)
    }
}

impl fmt::Display for Servlet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.path())
    }
}
