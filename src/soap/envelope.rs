//! Writing and reading whole SOAP envelopes.

use quick_xml::events::{BytesText, Event};
use quick_xml::{Reader, Writer};

use crate::codec::{self, DecodeOptions, Ns};
use crate::error::{DecodeError, EncodeError, Error};
use crate::generated::soapenv::{BodyType, EnvelopeType, HeaderType};
use crate::generated::tns::SessionType;

use super::fault::lenient_fault;
use crate::error::Fault;

impl EnvelopeType {
    /// An envelope for `body`, with the Session header when a session id is given.
    ///
    /// ```
    /// use convio::soap::{Body, Envelope};
    /// use convio::generated::tns;
    ///
    /// let envelope = Envelope::request(Some("token"), Body::GetServerTime(tns::GetServerTimeElementType));
    /// assert!(envelope.header.is_some());
    /// ```
    pub fn request(session_id: Option<&str>, body: BodyType) -> Self {
        EnvelopeType {
            header: session_id.map(|id| HeaderType {
                session: Some(SessionType {
                    session_id: id.into(),
                    unknown: Default::default(),
                }),
                unknown: Default::default(),
            }),
            body,
            unknown: Default::default(),
        }
    }
}

/// Writes envelopes: schema element order, `soapenv`/`tns`/`ens` prefixes declared on the
/// envelope, `xsi:type` on records, escaped text, content kept from reading written back
/// where it was.
///
/// Values are checked while writing: an empty `Field::Value` and a character XML 1.0 cannot
/// carry are errors naming the element. A carriage return is written as `&#13;` so that it
/// survives XML line-end normalisation.
///
/// ```
/// use convio::soap::{Body, Encoder, Envelope};
/// use convio::generated::tns;
///
/// let login = tns::LoginElementType { user_name: "apiuser".into(), password: "secret".into(), unknown: Default::default() };
/// let xml = Encoder::new().encode(&Envelope::request(None, Body::Login(login))).unwrap();
/// let xml = String::from_utf8(xml).unwrap();
/// assert!(xml.contains("<tns:UserName>apiuser</tns:UserName>"));
/// ```
#[derive(Debug, Clone, Default)]
pub struct Encoder {
    indent: Option<usize>,
}

impl Encoder {
    /// Compact output, as sent on the wire.
    pub fn new() -> Self {
        Encoder::default()
    }

    /// Indents nested elements by `spaces` (for logs and snapshots; the server does not care).
    ///
    /// ```
    /// let encoder = convio::soap::Encoder::new().indent(2);
    /// # let _ = encoder;
    /// ```
    pub fn indent(mut self, spaces: usize) -> Self {
        self.indent = Some(spaces);
        self
    }

    /// Writes `envelope` as a UTF-8 document with an XML declaration.
    pub fn encode(&self, envelope: &EnvelopeType) -> Result<Vec<u8>, EncodeError> {
        // Generous: a record with many fields runs to a few KiB; regrowing costs more.
        let capacity = match &envelope.body {
            BodyType::Create(b) => 1024 + b.record.len() * 4096,
            BodyType::Update(b) => 1024 + b.record.len() * 4096,
            BodyType::Delete(b) => 1024 + b.record.len() * 1024,
            _ => 1024,
        };
        let compact =
            codec::write_document(envelope, codec::codec_tag!("soapenv", "Envelope"), capacity)
                .map_err(|e| e.into_encode_error(&[]))?;
        match self.indent {
            None => Ok(compact),
            Some(spaces) => indented(&compact, spaces),
        }
    }
}

/// The compact document re-written with indentation. Text is passed through as written,
/// its references joined back to it (the reader hands them over separately).
fn indented(compact: &[u8], spaces: usize) -> Result<Vec<u8>, EncodeError> {
    let failed = |message: String| EncodeError::Xml {
        element: String::new(),
        message,
    };
    let mut reader = Reader::from_reader(compact);
    let mut writer = Writer::new_with_indent(Vec::with_capacity(compact.len() * 2), b' ', spaces);
    let mut text: Vec<u8> = Vec::new();
    loop {
        let event = reader.read_event().map_err(|e| failed(e.to_string()))?;
        match event {
            Event::Text(chunk) => text.extend_from_slice(&chunk),
            Event::GeneralRef(reference) => {
                text.push(b'&');
                text.extend_from_slice(&reference);
                text.push(b';');
            }
            event => {
                if !text.is_empty() {
                    let escaped = String::from_utf8(std::mem::take(&mut text))
                        .map_err(|e| failed(e.to_string()))?;
                    writer
                        .write_event(Event::Text(BytesText::from_escaped(escaped)))
                        .map_err(|e| failed(e.to_string()))?;
                }
                if matches!(event, Event::Eof) {
                    break;
                }
                writer
                    .write_event(event)
                    .map_err(|e| failed(e.to_string()))?;
            }
        }
    }
    Ok(writer.into_inner())
}

/// Reads a whole envelope (request or response), keeping content the schema lacks.
///
/// A `DOCTYPE` is refused before parsing, so no entity is ever expanded.
///
/// ```
/// let wire = br#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">
///   <soapenv:Body><GetServerTime xmlns="urn:soap.convio.com"/></soapenv:Body></soapenv:Envelope>"#;
/// let envelope = convio::soap::decode_envelope(wire).unwrap();
/// assert!(matches!(envelope.body, convio::soap::Body::GetServerTime(_)));
/// ```
pub fn decode_envelope(bytes: &[u8]) -> Result<EnvelopeType, DecodeError> {
    decode_envelope_with(bytes, DecodeOptions::default())
}

/// [`decode_envelope`] with options (e.g. strict reading, which refuses content the
/// schema lacks).
///
/// ```
/// use convio::DecodeOptions;
///
/// let wire = br#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">
///   <soapenv:Body><GetServerTime xmlns="urn:soap.convio.com"><Extra/></GetServerTime></soapenv:Body></soapenv:Envelope>"#;
/// assert!(convio::soap::decode_envelope_with(wire, DecodeOptions::default()).is_ok());
/// let error = convio::soap::decode_envelope_with(wire, DecodeOptions::strict()).unwrap_err();
/// assert!(error.to_string().contains("Envelope/Body/GetServerTime/Extra"), "{error}");
/// ```
pub fn decode_envelope_with(
    bytes: &[u8],
    options: DecodeOptions,
) -> Result<EnvelopeType, DecodeError> {
    codec::read_document(bytes, (Ns::Envelope, "Envelope"), options)
}

/// Reads a response envelope: its body, or the fault it carries as [`Error::Fault`].
///
/// ```
/// let wire = br#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>
///   <GetServerTimeResponse xmlns="urn:soap.convio.com"><Result><Time>2008-12-12T17:19:58Z</Time></Result>
///   </GetServerTimeResponse></soap:Body></soap:Envelope>"#;
/// let convio::soap::Body::GetServerTimeResponse(response) = convio::soap::decode_response(wire).unwrap()
/// else { panic!("not a GetServerTimeResponse") };
/// assert_eq!(response.result.time, "2008-12-12T17:19:58Z");
/// ```
pub fn decode_response(bytes: &[u8]) -> Result<BodyType, Error> {
    decode_response_with(bytes, DecodeOptions::default())
}

/// [`decode_response`] with options.
pub fn decode_response_with(bytes: &[u8], options: DecodeOptions) -> Result<BodyType, Error> {
    match decode_envelope_with(bytes, options) {
        Ok(EnvelopeType {
            body: BodyType::Fault(fault),
            ..
        }) => Err(Box::new(Fault::from(fault)).into()),
        Ok(envelope) => Ok(envelope.body),
        Err(DecodeError::Doctype) => Err(DecodeError::Doctype.into()),
        // A fault the reader could not take whole (say, not well-formed after the fault
        // code) still carries the server's explanation.
        Err(error) => match lenient_fault(bytes) {
            Some(fault) => Err(Box::new(fault).into()),
            None => Err(error.into()),
        },
    }
}
