//! Reading and writing errors, each with the element path it happened at.
//!
//! Paths are collected on the way out: the innermost reader or writer says what went wrong,
//! and each enclosing element adds its name (with its index among repeated siblings, as in
//! `Record[3]`), so the happy path never pays for keeping a path.

use std::borrow::Cow;

use super::document_error::{DecodeError, EncodeError};

/// Why a document could not be read.
#[derive(Debug)]
pub(crate) struct ReadError(Box<ReadErrorInner>);

#[derive(Debug)]
struct ReadErrorInner {
    message: Cow<'static, str>,
    position: Option<u64>,
    /// Element names, innermost first.
    path: Vec<String>,
}

impl ReadError {
    /// An error at a byte position of the document.
    pub(crate) fn at(message: impl Into<Cow<'static, str>>, position: Option<u64>) -> Self {
        ReadError(Box::new(ReadErrorInner {
            message: message.into(),
            position,
            path: Vec::new(),
        }))
    }

    /// Adds the enclosing element: `name`, or `name[index]` for the `index`-th (from 1) of
    /// repeated siblings.
    pub(crate) fn within(mut self, name: &str, index: Option<usize>) -> Self {
        self.0.path.push(match index {
            Some(index) => format!("{name}[{index}]"),
            None => name.to_string(),
        });
        self
    }

    /// The path, outermost first.
    #[cfg(test)]
    pub(crate) fn path(&self) -> String {
        let mut path = self.0.path.clone();
        path.reverse();
        path.join("/")
    }
}

impl From<ReadError> for DecodeError {
    fn from(error: ReadError) -> Self {
        let ReadErrorInner {
            message,
            position,
            mut path,
        } = *error.0;
        path.reverse();
        DecodeError::Xml {
            message: message.into_owned(),
            position,
            path,
        }
    }
}

/// Why a value could not be written, with the element path collected on the way out.
#[derive(Debug)]
pub(crate) struct WriteError {
    /// Element names, innermost first.
    path: Vec<String>,
    kind: WriteErrorKind,
}

#[derive(Debug)]
enum WriteErrorKind {
    Empty,
    Illegal(u32),
}

impl WriteError {
    /// A value that would be written as an empty element (see [`Field`](crate::Field)).
    pub(crate) fn empty(name: &str) -> Self {
        WriteError {
            path: vec![name.to_string()],
            kind: WriteErrorKind::Empty,
        }
    }

    /// A character XML 1.0 cannot carry.
    pub(crate) fn illegal(code_point: u32) -> Self {
        WriteError {
            path: Vec::new(),
            kind: WriteErrorKind::Illegal(code_point),
        }
    }

    /// Adds the enclosing element's name.
    pub(crate) fn within(mut self, name: &str) -> Self {
        self.path.push(name.to_string());
        self
    }

    /// The encode error, with the path from the outermost of `outer` down.
    pub(crate) fn into_encode_error(self, outer: &[&str]) -> EncodeError {
        let mut path: Vec<&str> = outer.to_vec();
        path.extend(self.path.iter().rev().map(String::as_str));
        let element = path.join("/");
        match self.kind {
            WriteErrorKind::Empty => EncodeError::EmptyValue { element },
            WriteErrorKind::Illegal(code_point) => EncodeError::IllegalCharacter {
                element,
                code_point,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_read_outermost_first_with_indexes_of_repeated_elements() {
        let error = ReadError::at("unknown element", Some(7))
            .within("Nickname", None)
            .within("ConsName", None)
            .within("Record", Some(3));
        assert_eq!(error.path(), "Record[3]/ConsName/Nickname");
        let DecodeError::Xml { path, position, .. } = DecodeError::from(error) else {
            unreachable!()
        };
        assert_eq!(path, ["Record[3]", "ConsName", "Nickname"]);
        assert_eq!(position, Some(7));
    }

    #[test]
    fn write_errors_name_the_element_from_the_envelope_down() {
        let error = WriteError::empty("MiddleName").within("ConsName");
        assert_eq!(
            error.into_encode_error(&["Envelope", "Body", "Update", "Record"]),
            EncodeError::EmptyValue {
                element: "Envelope/Body/Update/Record/ConsName/MiddleName".into()
            }
        );
    }
}
