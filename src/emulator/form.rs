//! Server API request bodies (`application/x-www-form-urlencoded`) read strictly: a
//! parameter whose bytes are not UTF-8 once decoded, or that holds a character XML 1.0
//! forbids (a stored one would make later XML responses not well-formed), is a problem
//! naming the parameter, not a value silently repaired; and the number of parameters is
//! bounded.

use super::chars::{describe_char, forbidden_char};

/// Most parameters read from one request (the documented methods take a few dozen).
pub const MAX_PARAMETERS: usize = 256;

/// What is wrong with a form.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FormProblem {
    /// A parameter's name or value is not UTF-8 once percent-decoded.
    InvalidUtf8 {
        /// The parameter (its name with invalid bytes replaced).
        name: String,
    },
    /// A parameter's name or value holds a character XML 1.0 forbids.
    ForbiddenCharacter {
        /// The parameter.
        name: String,
        /// The character.
        character: char,
    },
    /// More than [`MAX_PARAMETERS`] parameters.
    TooManyParameters,
}

impl std::fmt::Display for FormProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FormProblem::InvalidUtf8 { name } => {
                write!(f, "{name}: the value is not valid UTF-8")
            }
            FormProblem::ForbiddenCharacter { name, character } => write!(
                f,
                "{name}: character {} is not allowed",
                describe_char(*character)
            ),
            FormProblem::TooManyParameters => {
                write!(f, "more than {MAX_PARAMETERS} parameters")
            }
        }
    }
}

/// A parsed form: the parameters (invalid text replaced, so that the credentials can still
/// be checked first) and the first problem found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Form {
    /// (name, value) in order.
    pub params: Vec<(String, String)>,
    /// The first problem, if any: the request must be refused.
    pub problem: Option<FormProblem>,
}

/// Parses a form body.
pub fn parse(body: &[u8]) -> Form {
    let mut form = Form::default();
    for pair in body.split(|b| *b == b'&').filter(|p| !p.is_empty()) {
        if form.params.len() == MAX_PARAMETERS {
            form.problem.get_or_insert(FormProblem::TooManyParameters);
            break;
        }
        let (name, value) = match pair.iter().position(|b| *b == b'=') {
            Some(at) => (&pair[..at], &pair[at + 1..]),
            None => (pair, &[][..]),
        };
        let (name, value) = (decode(name), decode(value));
        let name_text = String::from_utf8_lossy(&name).into_owned();
        let value_text = match (std::str::from_utf8(&name), String::from_utf8(value)) {
            (Ok(_), Ok(value)) => value,
            (_, value) => {
                form.problem.get_or_insert(FormProblem::InvalidUtf8 {
                    name: name_text.clone(),
                });
                match value {
                    Ok(value) => value,
                    Err(error) => String::from_utf8_lossy(error.as_bytes()).into_owned(),
                }
            }
        };
        if let Some((_, character)) =
            forbidden_char(&name_text).or_else(|| forbidden_char(&value_text))
        {
            form.problem.get_or_insert(FormProblem::ForbiddenCharacter {
                name: name_text.replace(|c| !super::chars::is_xml_char(c), "?"),
                character,
            });
        }
        form.params.push((name_text, value_text));
    }
    form
}

/// Percent-decoding with `+` as a space; a `%` not followed by two hex digits is kept.
fn decode(text: &[u8]) -> Vec<u8> {
    let hex = |b: u8| match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    };
    let mut out = Vec::with_capacity(text.len());
    let mut at = 0;
    while at < text.len() {
        match text[at] {
            b'+' => out.push(b' '),
            b'%' => match (
                text.get(at + 1).copied().and_then(hex),
                text.get(at + 2).copied().and_then(hex),
            ) {
                (Some(high), Some(low)) => {
                    out.push(high * 16 + low);
                    at += 2;
                }
                _ => out.push(b'%'),
            },
            other => out.push(other),
        }
        at += 1;
    }
    out
}

#[cfg(test)]
mod examples {
    #[test]
    fn parse_examples() {
        use super::{parse, FormProblem};
        let form = parse(b"name.first=Ada+B%C3%A9&x=%41");
        assert_eq!(
            form.params,
            [
                ("name.first".to_string(), "Ada Bé".to_string()),
                ("x".into(), "A".into())
            ]
        );
        assert!(form.problem.is_none());
        assert_eq!(
            parse(b"name.first=%FF").problem,
            Some(FormProblem::InvalidUtf8 {
                name: "name.first".into()
            })
        );
        assert!(matches!(
            parse(b"name.first=%1B%5B31m").problem,
            Some(FormProblem::ForbiddenCharacter { .. })
        ));
    }
}
