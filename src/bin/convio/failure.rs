//! Failures and their exit status.

use std::io::{self};

use convio::Error;

/// A failure with its exit status.
pub(crate) struct Failure {
    pub(crate) status: u8,
    pub(crate) message: String,
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Failure {
            status: exit_status(&error),
            message: error.to_string(),
        }
    }
}

pub(crate) fn exit_status(error: &Error) -> u8 {
    match error {
        Error::InvalidArgument(_) | Error::Configuration(_) | Error::Encode(_) => 2,
        Error::Transport { .. } | Error::OutcomeUnknown { .. } | Error::HttpStatus { .. } => 3,
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
