//! Printing records: table, JSON lines, CSV; rows are (dotted field path, value) pairs.

use clap::ValueEnum;
use convio::Field;

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
    let cell = |row: &[(String, Field<String>)], column: &str| -> Option<String> {
        let values: Vec<&str> = row
            .iter()
            .filter(|(p, _)| p == column)
            .filter_map(|(_, v)| v.as_option().map(String::as_str))
            .collect();
        (!values.is_empty()).then(|| values.join(";"))
    };
    match format {
        Format::Json => {
            for row in rows {
                println!("{}", convio::sync::fields_json(row));
            }
        }
        Format::Csv => {
            println!(
                "{}",
                columns
                    .iter()
                    .map(|c| csv_escape(c))
                    .collect::<Vec<_>>()
                    .join(",")
            );
            for row in rows {
                let line: Vec<String> = columns
                    .iter()
                    .map(|c| csv_escape(&cell(row, c).unwrap_or_default()))
                    .collect();
                println!("{}", line.join(","));
            }
        }
        Format::Table => {
            let widths: Vec<usize> = columns
                .iter()
                .map(|c| {
                    rows.iter()
                        .map(|r| cell(r, c).map_or(1, |v| v.chars().count()))
                        .max()
                        .unwrap_or(0)
                        .max(c.len())
                })
                .collect();
            let line = |cells: Vec<String>| {
                cells
                    .iter()
                    .zip(&widths)
                    .map(|(c, w)| format!("{c:<w$}"))
                    .collect::<Vec<_>>()
                    .join("  ")
                    .trim_end()
                    .to_string()
            };
            println!("{}", line(columns.clone()));
            println!("{}", line(widths.iter().map(|w| "-".repeat(*w)).collect()));
            for row in rows {
                println!(
                    "{}",
                    line(
                        columns
                            .iter()
                            .map(|c| cell(row, c).unwrap_or_else(|| "-".into()))
                            .collect()
                    )
                );
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
