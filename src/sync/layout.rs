//! How records are laid out in a database: the table and column names are a contract that
//! queries, reports and other tools rely on.
//!
//! - one table per record type, its name in snake_case (`constituent`, `donation`,
//!   `team_raiser_registration`);
//! - one column per leaf field path, each level in snake_case and `__` between levels
//!   (`cons_name__first_name`, `home_address__city`, `primary_email`);
//! - the primary key is the record's id (`cons_id` for Constituent);
//! - each multi-valued field in a child table named after both (`constituent_group_id`, with
//!   columns `cons_id` and `group_id`);
//! - fields the schema does not declare (a site's custom fields, content it sends that we did
//!   not expect) get a column when first seen.

use crate::schema::Schema;
use crate::Text;

/// `ConsName` → `cons_name`; `TeamRaiserRegistration` → `team_raiser_registration`;
/// `Custom_PartyAffiliation` → `custom_party_affiliation`; `HTMLBody` → `html_body`. Only ASCII
/// letters, digits and single underscores come out.
///
/// ```
/// use convio::sync::layout::snake_case;
/// assert_eq!(snake_case("PrimaryEmail"), "primary_email");
/// assert_eq!(snake_case("EngagementFactor3"), "engagement_factor3");
/// assert_eq!(snake_case("Custom_PartyAffiliation"), "custom_party_affiliation");
/// assert_eq!(snake_case("HTMLBody"), "html_body");
/// ```
pub fn snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() {
            let previous = i.checked_sub(1).map(|p| chars[p]);
            let next = chars.get(i + 1);
            let boundary = match previous {
                Some(p) if p.is_ascii_lowercase() || p.is_ascii_digit() => true,
                Some(p) if p.is_ascii_uppercase() => next.is_some_and(|n| n.is_ascii_lowercase()),
                _ => false,
            };
            if boundary && !out.ends_with('_') {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    }
    while out.ends_with('_') {
        out.pop();
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert_str(0, "f_");
    }
    out
}

/// The table of a record type.
///
/// ```
/// assert_eq!(convio::sync::layout::table_name("TeamRaiserRegistration"), "team_raiser_registration");
/// ```
pub fn table_name(record_type: &str) -> String {
    snake_case(record_type)
}

/// The column of a dotted field path.
///
/// ```
/// assert_eq!(convio::sync::layout::column_name("ConsName.FirstName"), "cons_name__first_name");
/// ```
pub fn column_name(path: &str) -> String {
    path.split('.')
        .map(snake_case)
        .collect::<Vec<_>>()
        .join("__")
}

/// The child table of a multi-valued field.
///
/// ```
/// assert_eq!(convio::sync::layout::child_table("Constituent", "GroupId"), "constituent_group_id");
/// ```
pub fn child_table(record_type: &str, path: &str) -> String {
    format!("{}_{}", table_name(record_type), column_name(path))
}

/// A record type as the synchronization stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeLayout {
    /// The record type (`Constituent`).
    pub record_type: String,
    /// Its table.
    pub table: String,
    /// The id field (`ConsId`) and its column (`cons_id`).
    pub id_field: String,
    /// The id column.
    pub id_column: String,
    /// Single-valued leaf fields: (dotted path, column), in schema order, the id first.
    pub columns: Vec<(String, String)>,
    /// Multi-valued leaf fields: (dotted path, child table, value column).
    pub lists: Vec<(String, String, String)>,
}

impl TypeLayout {
    /// The layout of a record type of `schema`: every leaf field down to the depth the schema
    /// lists. `None` when the schema does not know the type or it has no id field.
    ///
    /// ```
    /// let schema = convio::schema::Schema::generated();
    /// let layout = convio::sync::layout::TypeLayout::of(&schema, "Constituent").unwrap();
    /// assert_eq!(layout.id_column, "cons_id");
    /// assert!(layout.columns.iter().any(|(_, c)| c == "cons_name__first_name"));
    /// assert!(layout.lists.iter().any(|(p, t, c)| p == "GroupId" && t == "constituent_group_id" && c == "group_id"));
    /// ```
    pub fn of(schema: &Schema, record_type: &str) -> Option<TypeLayout> {
        let id_field = schema.id_field(record_type)?;
        let mut columns = Vec::new();
        let mut lists = Vec::new();
        for path in schema.record_fields(record_type)? {
            let (kind, repeated) = schema.type_at(record_type, path)?;
            if schema.fields(kind).is_some() {
                continue;
            }
            let column = column_name(path);
            // A repeated leaf, or a leaf inside a repeated group: a child table.
            let in_list = repeated || repeated_ancestor(schema, record_type, path);
            if in_list {
                let value = column_name(path.rsplit('.').next().unwrap_or(path));
                lists.push((path.clone(), child_table(record_type, path), value));
            } else {
                columns.push((path.clone(), column));
            }
        }
        let id_column = column_name(id_field);
        // The id first: it is the key.
        if let Some(at) = columns.iter().position(|(p, _)| *p == id_field) {
            let id = columns.remove(at);
            columns.insert(0, id);
        }
        Some(TypeLayout {
            record_type: record_type.to_string(),
            table: table_name(record_type),
            id_field: id_field.to_string(),
            id_column,
            columns,
            lists,
        })
    }

    /// The fields to ask GetIncremental* for: every leaf, in schema order.
    pub fn request_fields(&self, schema: &Schema) -> Vec<Text> {
        let mut wanted: Vec<&str> = self.columns.iter().map(|(p, _)| p.as_str()).collect();
        wanted.extend(self.lists.iter().map(|(p, ..)| p.as_str()));
        schema
            .record_fields(&self.record_type)
            .into_iter()
            .flatten()
            .filter(|path| wanted.contains(&path.as_str()))
            .map(|path| Text::from(path.as_str()))
            .collect()
    }

    /// The id of a record as this layout keys it (`None` when it has none, or not a number).
    pub fn record_id(&self, record: &crate::AnyRecord) -> Option<i64> {
        crate::soap::record_field_text(record, &self.id_field)?
            .trim()
            .parse()
            .ok()
    }

    /// The child table of a multi-valued field path, if it is one.
    pub fn list_of(&self, path: &str) -> Option<(&str, &str)> {
        self.lists
            .iter()
            .find(|(p, ..)| p == path)
            .map(|(_, table, column)| (table.as_str(), column.as_str()))
    }
}

fn repeated_ancestor(schema: &Schema, record_type: &str, path: &str) -> bool {
    let segments: Vec<&str> = path.split('.').collect();
    (1..segments.len()).any(|n| {
        schema
            .type_at(record_type, &segments[..n].join("."))
            .is_some_and(|(_, repeated)| repeated)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_contract() {
        assert_eq!(table_name("Constituent"), "constituent");
        assert_eq!(column_name("HomeAddress.City"), "home_address__city");
        assert_eq!(column_name("ConsId"), "cons_id");
        assert_eq!(
            child_table("Constituent", "GroupId"),
            "constituent_group_id"
        );
        assert_eq!(snake_case("A__B"), "a_b");
        assert_eq!(snake_case("9Lives"), "f_9_lives");
        assert_eq!(snake_case("ÄÖ"), "f_");
    }

    #[test]
    fn the_donation_layout_keys_on_the_transaction() {
        let schema = Schema::generated();
        let layout = TypeLayout::of(&schema, "Donation").expect("Donation");
        assert_eq!(layout.table, "donation");
        assert_eq!(layout.id_column, "transaction_id");
        assert_eq!(layout.columns[0].1, "transaction_id");
        assert!(layout
            .lists
            .iter()
            .any(|(p, t, _)| p == "ReceiptNumber" && t == "donation_receipt_number"));
    }
}
