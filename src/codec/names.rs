//! The namespaces the codec tells apart while reading, and the prefixes it writes them with.
//!
//! Reading resolves every prefix to one of these (or [`Ns::Other`]), so a document may use any
//! prefixes or a default namespace. Writing always uses the same prefixes, declared once on
//! the root element; a namespace outside this list is declared on the element that uses it.

/// A namespace the codec knows by URI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Ns {
    /// `http://schemas.xmlsoap.org/soap/envelope/`
    Envelope,
    /// `urn:soap.convio.com`
    Messages,
    /// `urn:object.soap.convio.com`
    Objects,
    /// `http://www.w3.org/2001/XMLSchema-instance`
    Instance,
    /// Any other namespace, or none.
    Other,
}

/// The SOAP 1.1 envelope namespace.
pub(crate) const ENVELOPE_NS: &str = "http://schemas.xmlsoap.org/soap/envelope/";
/// The namespace of the service's operations.
pub(crate) const MESSAGES_NS: &str = "urn:soap.convio.com";
/// The namespace of the service's records.
pub(crate) const OBJECTS_NS: &str = "urn:object.soap.convio.com";
/// The XML Schema instance namespace (`xsi:type`, `xsi:nil`).
pub(crate) const INSTANCE_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// `(namespace, URI, prefix written)` of every known namespace.
const KNOWN: &[(Ns, &str, &str)] = &[
    (Ns::Envelope, ENVELOPE_NS, "soapenv"),
    (Ns::Messages, MESSAGES_NS, "tns"),
    (Ns::Objects, OBJECTS_NS, "ens"),
    (Ns::Instance, INSTANCE_NS, "xsi"),
];

impl Ns {
    /// The namespace a URI names.
    pub(crate) fn classify(uri: &[u8]) -> Ns {
        KNOWN
            .iter()
            .find(|(_, known, _)| known.as_bytes() == uri)
            .map_or(Ns::Other, |(ns, ..)| *ns)
    }

    /// The prefix the writer uses for a known namespace.
    pub(crate) fn prefix(self) -> Option<&'static str> {
        KNOWN
            .iter()
            .find(|(ns, ..)| *ns == self)
            .map(|(.., prefix)| *prefix)
    }
}

/// The namespace declarations a written document carries on its root element, for every
/// namespace in [`KNOWN`] (so that every known prefix is in scope everywhere). Spelled out
/// because `concat!` takes only literals; the test below holds it to [`KNOWN`].
pub(crate) const ROOT_DECLARATIONS: &str = concat!(
    r#" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance""#,
    r#" xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/""#,
    r#" xmlns:tns="urn:soap.convio.com""#,
    r#" xmlns:ens="urn:object.soap.convio.com""#,
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_namespace_round_trips_and_is_declared_on_the_root() {
        for (ns, uri, _) in KNOWN {
            let ns = *ns;
            assert_eq!(Ns::classify(uri.as_bytes()), ns);
            let declaration = format!(" xmlns:{}=\"{uri}\"", ns.prefix().expect("prefix"));
            assert!(ROOT_DECLARATIONS.contains(&declaration), "{declaration}");
        }
        assert_eq!(Ns::classify(b"urn:example"), Ns::Other);
        assert_eq!(Ns::Other.prefix(), None);
    }
}
