//! Downloading a site's WSDL (`{endpoint}/wsdl`) and the schema documents it imports.

use std::collections::BTreeSet;

use bytes::Bytes;
use hyper::{Method, Request, Uri};

use crate::error::Error;
use crate::transport::Transport;
use crate::wsdl::WsdlSummary;

/// Imported documents followed at most, so that a server cannot keep the client fetching.
const MAX_DOCUMENTS: usize = 32;

/// The summary of the WSDL at `{endpoint}/wsdl` with the documents it imports by relative
/// location.
pub(crate) async fn fetch_summary(
    endpoint: &Uri,
    transport: &dyn Transport,
) -> Result<WsdlSummary, Error> {
    let base = format!("{}/wsdl", endpoint.to_string().trim_end_matches('/'));
    let (mut summary, locations) =
        WsdlSummary::parse_with_locations(&get(&base, transport).await?)?;
    let mut seen = BTreeSet::new();
    let mut pending: Vec<String> = locations
        .iter()
        .filter_map(|l| relative_to(&base, l))
        .collect();
    while let Some(url) = pending.pop() {
        if !seen.insert(url.clone()) {
            continue;
        }
        if seen.len() > MAX_DOCUMENTS {
            return Err(Error::InvalidArgument(format!(
                "{base} imports more than {MAX_DOCUMENTS} documents"
            )));
        }
        let (imported, more) = WsdlSummary::parse_with_locations(&get(&url, transport).await?)?;
        summary.merge(imported);
        pending.extend(more.iter().filter_map(|l| relative_to(&url, l)));
    }
    if summary.operations.is_empty() {
        return Err(Error::InvalidArgument(format!(
            "{base} did not return a WSDL with operations"
        )));
    }
    Ok(summary)
}

/// A relative location resolved against the URL of the document that names it (absolute
/// locations elsewhere are not followed).
fn relative_to(base: &str, location: &str) -> Option<String> {
    if location.contains("://") || location.starts_with('/') {
        return None;
    }
    let directory = base.rsplit_once('/').map_or(base, |(dir, _)| dir);
    Some(format!("{directory}/{location}"))
}

async fn get(url: &str, transport: &dyn Transport) -> Result<Bytes, Error> {
    let operation = "wsdl fetch";
    let uri: Uri = url
        .parse()
        .map_err(|e| Error::Configuration(format!("{url}: {e}")))?;
    let mut request = Request::new(Bytes::new());
    *request.method_mut() = Method::GET;
    *request.uri_mut() = uri;
    let response = transport
        .send(request)
        .await
        .map_err(|source| Error::Transport { operation, source })?;
    if !response.status().is_success() {
        return Err(Error::HttpStatus {
            operation,
            status: response.status().as_u16(),
            excerpt: String::from_utf8_lossy(&response.body()[..response.body().len().min(300)])
                .into_owned(),
        });
    }
    Ok(response.into_body())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_locations_resolve_against_their_document() {
        assert_eq!(
            relative_to("http://h/1.0/demo/wsdl", "messages.xsd").as_deref(),
            Some("http://h/1.0/demo/messages.xsd")
        );
        assert_eq!(
            relative_to("http://h/1.0/demo/wsdl", "http://x/y.xsd"),
            None
        );
        assert_eq!(relative_to("http://h/1.0/demo/wsdl", "/abs.xsd"), None);
    }
}
