//! Printing records: table, JSON lines, CSV; rows are (dotted field path, value) pairs. And
//! text from the server made safe for a terminal.

use std::borrow::Cow;
use std::fmt::Write as _;

use clap::ValueEnum;
use convio::Field;

/// Whether a character must not reach a terminal as it is: C0 controls, DEL and C1
/// controls (which start escape sequences: ESC, CSI U+009B, OSC U+009D, ...), and the bidi
/// embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) that reorder what is
/// shown. `keep` names controls that may stay (a newline in CSV).
fn unsafe_for_terminal(c: char, keep: &[char]) -> bool {
    if keep.contains(&c) {
        return false;
    }
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `text` with every character that could act on a terminal written as `\u{..}` (ESC is
/// `\u{1b}`, a newline `\u{a}`): for server text printed on a line of its own making (fault
/// and error messages, result messages, table cells, excerpts).
pub(crate) fn terminal_safe(text: &str) -> Cow<'_, str> {
    escape_unless(text, &[])
}

/// A whole document (XML or JSON as a server sent it) with the same escapes, but line
/// breaks and tabs kept, so that it still reads as the document.
pub(crate) fn document_terminal_safe(text: &str) -> Cow<'_, str> {
    escape_unless(text, &['\n', '\r', '\t'])
}

fn escape_unless<'a>(text: &'a str, keep: &[char]) -> Cow<'a, str> {
    escape_unsafe(text, keep, |out, c| {
        let _ = write!(out, "\\u{{{:x}}}", c as u32);
    })
}

/// A JSON text with the characters JSON leaves raw but a terminal would act on (DEL, C1
/// controls, bidi controls) written as `\uXXXX` escapes: the same JSON value. (serde_json
/// escapes the C0 controls itself; these characters can only occur inside strings, and all
/// lie below U+10000, so four digits suffice.)
pub(crate) fn json_terminal_safe(json: &str) -> Cow<'_, str> {
    escape_unsafe(json, &[], |out, c| {
        let _ = write!(out, "\\u{:04x}", c as u32);
    })
}

/// `text` with every character [`unsafe_for_terminal`] (but those in `keep`) written by
/// `escape`; borrowed when there is none.
fn escape_unsafe<'a>(text: &'a str, keep: &[char], escape: fn(&mut String, char)) -> Cow<'a, str> {
    if !text.chars().any(|c| unsafe_for_terminal(c, keep)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if unsafe_for_terminal(c, keep) {
            escape(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum Format {
    Table,
    Json,
    Csv,
}

pub(crate) fn print_rows(rows: &[Vec<(String, Field<String>)>], format: Format) {
    let mut columns: Vec<String> = Vec::new();
    for row in rows {
        for (path, _) in row {
            if !columns.contains(path) {
                columns.push(path.clone());
            }
        }
    }
    // Values as the server sent them; `safe` makes a cell printable (table: every control
    // escaped; CSV: a newline kept inside the quoted value).
    let cell = |row: &[(String, Field<String>)], column: &str, keep: &[char]| -> Option<String> {
        let values: Vec<Cow<'_, str>> = row
            .iter()
            .filter(|(p, _)| p == column)
            .filter_map(|(_, v)| v.as_option().map(|v| escape_unless(v, keep)))
            .collect();
        (!values.is_empty()).then(|| values.join(";"))
    };
    let table_cell = |row: &[(String, Field<String>)], column: &str| cell(row, column, &[]);
    let csv_cell = |row: &[(String, Field<String>)], column: &str| cell(row, column, &['\n']);
    // Field paths come from the server too (a site's custom fields).
    let shown: Vec<String> = columns
        .iter()
        .map(|c| terminal_safe(c).into_owned())
        .collect();
    match format {
        Format::Json => {
            for row in rows {
                println!(
                    "{}",
                    json_terminal_safe(&convio::sync::fields_json(row).to_string())
                );
            }
        }
        Format::Csv => {
            println!(
                "{}",
                shown
                    .iter()
                    .map(|c| csv_escape(c))
                    .collect::<Vec<_>>()
                    .join(",")
            );
            for row in rows {
                let line: Vec<String> = columns
                    .iter()
                    .map(|c| csv_escape(&csv_cell(row, c).unwrap_or_default()))
                    .collect();
                println!("{}", line.join(","));
            }
        }
        Format::Table => {
            let cells: Vec<Vec<String>> = rows
                .iter()
                .map(|row| {
                    columns
                        .iter()
                        .map(|c| table_cell(row, c).unwrap_or_else(|| "-".into()))
                        .collect()
                })
                .collect();
            let widths: Vec<usize> = shown
                .iter()
                .enumerate()
                .map(|(i, name)| {
                    cells
                        .iter()
                        .map(|row| row[i].chars().count())
                        .max()
                        .unwrap_or(0)
                        .max(name.chars().count())
                })
                .collect();
            let line = |cells: &[String]| {
                cells
                    .iter()
                    .zip(&widths)
                    .map(|(c, w)| format!("{c:<w$}"))
                    .collect::<Vec<_>>()
                    .join("  ")
                    .trim_end()
                    .to_string()
            };
            println!("{}", line(&shown));
            let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
            println!("{}", line(&rule));
            for row in &cells {
                println!("{}", line(row));
            }
            println!("({} records)", rows.len());
        }
    }
}

pub(crate) fn csv_escape(value: &str) -> String {
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finding_8_terminal_controls_are_escaped() {
        assert_eq!(terminal_safe("plain Ünïcode"), "plain Ünïcode");
        assert_eq!(
            terminal_safe("\u{1b}[31mred\u{7}\n\u{9b}2J\u{7f}"),
            r"\u{1b}[31mred\u{7}\u{a}\u{9b}2J\u{7f}"
        );
        assert_eq!(
            terminal_safe("a\u{202a}b\u{202e}c\u{2066}d\u{2069}e"),
            r"a\u{202a}b\u{202e}c\u{2066}d\u{2069}e"
        );
        // CSV keeps a newline (inside its quoted value), nothing else.
        assert_eq!(escape_unless("a\nb\r\u{1b}", &['\n']), "a\nb\\u{d}\\u{1b}");
        // JSON: the same value, escaped the JSON way.
        let json = serde_json::json!({ "v": "x\u{9b}\u{202e}\u{7f}\u{1b}" }).to_string();
        let safe = json_terminal_safe(&json);
        assert!(
            !safe.contains(['\u{9b}', '\u{202e}', '\u{7f}', '\u{1b}']),
            "{safe}"
        );
        let back: serde_json::Value = serde_json::from_str(&safe).unwrap();
        assert_eq!(back["v"], "x\u{9b}\u{202e}\u{7f}\u{1b}");
    }
}
