//! The Query language subset the emulator understands:
//! `select <field>[, <field>...] | * from <RecordType> [where <field> = <value> [and ...]]`.
//! Values are numbers or single-quoted strings (`''` escapes a quote). Keywords are
//! case-insensitive; field names use dot notation.

/// A parsed query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// Selected paths (`*` allowed).
    pub fields: Vec<String>,
    /// Record type.
    pub record_type: String,
    /// Equality conditions, all of which must hold.
    pub conditions: Vec<(String, String)>,
}

/// Parses a query string.
pub fn parse_query(text: &str) -> Result<Query, String> {
    let mut tokens = tokenize(text)?.into_iter().peekable();
    let keyword = |token: Option<Token>, word: &str| match token {
        Some(Token::Word(w)) if w.eq_ignore_ascii_case(word) => Ok(()),
        other => Err(format!("expected `{word}`, found {}", describe(&other))),
    };
    keyword(tokens.next(), "select")?;
    let mut fields = Vec::new();
    loop {
        match tokens.next() {
            Some(Token::Word(word)) if !word.eq_ignore_ascii_case("from") => fields.push(word),
            Some(Token::Star) => fields.push("*".into()),
            other => return Err(format!("expected a field name, found {}", describe(&other))),
        }
        match tokens.peek() {
            Some(Token::Comma) => {
                tokens.next();
            }
            _ => break,
        }
    }
    keyword(tokens.next(), "from")?;
    let record_type = match tokens.next() {
        Some(Token::Word(word)) => word,
        other => {
            return Err(format!(
                "expected a record type, found {}",
                describe(&other)
            ))
        }
    };
    let mut conditions = Vec::new();
    if tokens.peek().is_some() {
        keyword(tokens.next(), "where")?;
        loop {
            let field = match tokens.next() {
                Some(Token::Word(word)) => word,
                other => return Err(format!("expected a field name, found {}", describe(&other))),
            };
            match tokens.next() {
                Some(Token::Equals) => {}
                other => {
                    return Err(format!(
                        "expected `=`, found {} (only `=` and `and` are supported)",
                        describe(&other)
                    ))
                }
            }
            let value = match tokens.next() {
                Some(Token::Word(word))
                    if word
                        .bytes()
                        .all(|b| b.is_ascii_digit() || b == b'-' || b == b'.') =>
                {
                    word
                }
                Some(Token::Quoted(text)) => text,
                other => {
                    return Err(format!(
                        "expected a number or a 'string', found {}",
                        describe(&other)
                    ))
                }
            };
            conditions.push((field, value));
            match tokens.next() {
                None => break,
                Some(Token::Word(word)) if word.eq_ignore_ascii_case("and") => {}
                other => {
                    return Err(format!(
                        "expected `and` or the end, found {}",
                        describe(&other)
                    ))
                }
            }
        }
    }
    Ok(Query {
        fields,
        record_type,
        conditions,
    })
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Word(String),
    Quoted(String),
    Comma,
    Equals,
    Star,
}

fn describe(token: &Option<Token>) -> String {
    match token {
        None => "the end of the query".into(),
        Some(Token::Word(w)) => format!("`{w}`"),
        Some(Token::Quoted(q)) => format!("'{q}'"),
        Some(Token::Comma) => "`,`".into(),
        Some(Token::Equals) => "`=`".into(),
        Some(Token::Star) => "`*`".into(),
    }
}

fn tokenize(text: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            ',' => {
                chars.next();
                tokens.push(Token::Comma);
            }
            '=' => {
                chars.next();
                tokens.push(Token::Equals);
            }
            '*' => {
                chars.next();
                tokens.push(Token::Star);
            }
            '\'' => {
                chars.next();
                let mut value = String::new();
                loop {
                    match chars.next() {
                        Some('\'') if chars.peek() == Some(&'\'') => {
                            chars.next();
                            value.push('\'');
                        }
                        Some('\'') => break,
                        Some(c) => value.push(c),
                        None => return Err("unterminated string".into()),
                    }
                }
                tokens.push(Token::Quoted(value));
            }
            c if c.is_alphanumeric() || c == '_' || c == '.' || c == '-' || c == '@' => {
                let mut word = String::new();
                while let Some(&c) = chars.peek() {
                    if c.is_alphanumeric()
                        || c == '_'
                        || c == '.'
                        || c == '-'
                        || c == '@'
                        || c == '*'
                    {
                        word.push(c);
                        chars.next();
                    } else {
                        break;
                    }
                }
                tokens.push(Token::Word(word));
            }
            other => return Err(format!("unexpected character `{other}`")),
        }
    }
    Ok(tokens)
}

#[cfg(test)]
mod examples {
    #[test]
    fn parse_query_examples() {
        use super::parse_query;
        let q = parse_query("select ConsId, ConsName.FirstName from Constituent where PrimaryEmail = 'a@b.org' and ConsId = 7").unwrap();
        assert_eq!(q.fields, ["ConsId", "ConsName.FirstName"]);
        assert_eq!(q.record_type, "Constituent");
        assert_eq!(
            q.conditions,
            [
                ("PrimaryEmail".to_string(), "a@b.org".to_string()),
                ("ConsId".to_string(), "7".to_string())
            ]
        );
    }
}
