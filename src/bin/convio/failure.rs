//! Why a command failed, and the exit status that tells a script what kind of failure it was:
//! 2 for the input or the configuration, 3 for the exchange, 1 for a refusal or unreadable content.

use std::io::{self};

use convio::Error;

/// A failure with its exit status.
pub(crate) struct Failure {
    pub(crate) status: u8,
    pub(crate) message: String,
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        let mut message = error.to_string();
        if matches!(error, Error::PageLimit { .. }) {
            message.push_str(" (raise it with --max-pages)");
        }
        Failure {
            status: exit_status(&error),
            message,
        }
    }
}

/// 2: the input or the configuration (no request could be made: an unusable endpoint, plain
/// http to a remote host, a value the server would ignore); 3: the exchange failed (no
/// connection, TLS refused, timeout, an HTTP error, a body that is not an API message, a
/// page stream that would not end); 1: the server refused something or sent content that
/// cannot be read.
pub(crate) fn exit_status(error: &Error) -> u8 {
    match error {
        Error::InvalidArgument(_) | Error::Configuration(_) | Error::Encode(_) => 2,
        Error::Transport { .. }
        | Error::OutcomeUnknown { .. }
        | Error::HttpStatus { .. }
        | Error::InvalidResponse { .. }
        | Error::RepeatedPage { .. }
        | Error::PageLimit { .. } => 3,
        Error::BatchInterrupted { source, .. } => exit_status(source),
        _ => 1,
    }
}

pub(crate) fn usage(message: impl Into<String>) -> Failure {
    Failure {
        status: 2,
        message: message.into(),
    }
}

pub(crate) fn io_failure(error: io::Error) -> Failure {
    Failure {
        status: 1,
        message: error.to_string(),
    }
}
