//! The Server API side of the emulator: `POST /{site}/site/{servlet}`. The constituent
//! methods (`SRConsAPI`) are here; offline gifts (`SRDonationAPI`), recurring gifts
//! (`SRRecurringAPI`) and data syncs (`SRDataSyncAPI`) in their own modules.

mod access;
mod advocacy;
mod catalog;
mod data_sync;
mod donation;
mod group;
mod history;
mod interactions;
mod recurring;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;

use super::form::{self, Form, FormProblem};
use super::money::format_cents;
use super::records::{merge_list, Fields, ListMode};
use super::state::{Refusal, State};
use super::values::check_value;
use super::xml::escape;
use crate::schema::Schema;

const CRM: &str = "http://convio.com/crm/v1.0";

/// Server API field names (dot notation) and where the emulator stores them.
pub const FIELD_MAP: &[(&str, &str)] = &[
    ("member_id", "MemberId"),
    ("user_name", "UserName"),
    ("name.title", "ConsName.Title"),
    ("name.first", "ConsName.FirstName"),
    ("name.middle", "ConsName.MiddleName"),
    ("name.last", "ConsName.LastName"),
    ("name.suffix", "ConsName.Suffix"),
    ("name.prof_suffix", "ConsName.ProfSuffix"),
    ("email.primary_address", "PrimaryEmail"),
    ("email.accepts_email", "AcceptsEmail"),
    ("email.preferred_format", "EmailFormat"),
    ("primary_address.street1", "HomeAddress.Street1"),
    ("primary_address.street2", "HomeAddress.Street2"),
    ("primary_address.street3", "HomeAddress.Street3"),
    ("primary_address.city", "HomeAddress.City"),
    ("primary_address.state", "HomeAddress.State"),
    ("primary_address.zip", "HomeAddress.Zip"),
    ("primary_address.county", "HomeAddress.County"),
    ("primary_address.country", "HomeAddress.Country"),
    ("home_phone", "HomePhone"),
    ("work_phone", "WorkPhone"),
    ("mobile_phone", "MobilePhone"),
    ("accepts_postal_mail", "AcceptsPostalMail"),
    ("birth_date", "BirthDate"),
    ("gender", "Gender"),
    ("employment.employer", "Employment.Employer"),
    ("employment.occupation", "Employment.Occupation"),
    ("employment.position", "Employment.Position"),
];

/// Parameters that are not constituent fields.
const CONTROL: &[&str] = &[
    "api_key",
    "v",
    "method",
    "response_format",
    "login_name",
    "login_password",
    "cons_id",
    "member_id",
    "primary_email",
    "source",
    "sub_source",
    "no_welcome",
    "center_id",
    "suppress_response_codes",
    "fields",
    "access",
    "include_choices",
    "interaction_subject",
    "interaction_body",
    "interaction_cat_id",
    "interaction_count",
    "suppress_cleaning",
    "field",
    "add_center_ids",
    "remove_center_ids",
    "add_center_opt_in_ids",
    "remove_center_opt_in_ids",
    "add_group_ids",
    "remove_group_ids",
    "add_interest_ids",
    "remove_interest_ids",
    // Write-only: kept apart from the record (login checks it), never answered.
    "user_password",
];

/// A response document: root element name and content.
type Document = (&'static str, Vec<(String, Node)>);

struct ApiError {
    code: u32,
    message: String,
}

/// An amount as the method pages write one: `decimal` (`10.00`) and `formatted` (`$10.00`).
fn money(cents: u64) -> Node {
    let decimal = format_cents(cents);
    let formatted = format!("${decimal}");
    Node::Object(vec![
        ("decimal".into(), Node::Text(decimal)),
        ("formatted".into(), Node::Text(formatted)),
    ])
}

/// A parameter's value, trimmed; an empty one counts as missing.
fn param<'p>(params: &'p [(String, String)], name: &str) -> Option<&'p str> {
    params
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

/// A required number: error 9 when it is missing, 22 when it is not a number.
fn number_param<T: std::str::FromStr>(
    params: &[(String, String)],
    name: &str,
) -> Result<T, ApiError> {
    let value = param(params, name)
        .ok_or_else(|| api_error(9, format!("Missing parameter was: {name}")))?;
    value
        .parse()
        .map_err(|_| api_error(22, format!("{name}: `{value}` is not a number")))
}

/// The server's page size of the list methods when the request names none (the
/// documented 25).
const DEFAULT_PAGE_SIZE: usize = 25;

/// The page a list method asks for, as (records to skip, records to show):
/// `list_page_size` records, after `list_record_offset` records or, without it,
/// `list_page_offset` pages.
fn list_page(params: &[(String, String)]) -> Result<(usize, usize), ApiError> {
    let number = |name: &str| match param(params, name) {
        Some(_) => number_param::<usize>(params, name).map(Some),
        None => Ok(None),
    };
    let size = number("list_page_size")?.unwrap_or(DEFAULT_PAGE_SIZE);
    if size == 0 {
        return Err(api_error(22, "list_page_size: must be at least 1"));
    }
    let skip = match number("list_record_offset")? {
        Some(records) => records,
        None => number("list_page_offset")?
            .unwrap_or(0)
            .saturating_mul(size),
    };
    Ok((skip, size))
}

/// The `begin_date` and `end_date` of a request, as a test of a date-time: whether its day
/// is within them. Dates compare by their first ten characters (`2026-11-30`), whatever
/// follows, so a date and a date-time of the same day match.
fn within_dates(params: &[(String, String)]) -> impl Fn(Option<&str>) -> bool {
    let day = |value: &str| value.get(..10).map(str::to_string);
    let begin = param(params, "begin_date").and_then(day);
    let end = param(params, "end_date").and_then(day);
    move |when| {
        let when = when.and_then(day);
        begin.as_ref().is_none_or(|b| when.as_ref() >= Some(b))
            && end.as_ref().is_none_or(|e| when.as_ref() <= Some(e))
    }
}

/// A fresh random token (32 hexadecimal digits) for a session or sign-on answer.
fn random_token() -> Result<String, ApiError> {
    crate::emulator::session::random_bytes::<16>()
        .map(|bytes| bytes.iter().map(|b| format!("{b:02x}")).collect::<String>())
        .map_err(|e| api_error(1, format!("Unable to process request: {e}")))
}

fn api_error(code: u32, message: impl Into<String>) -> ApiError {
    ApiError {
        code,
        message: message.into(),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Xml,
    Json,
}

/// A rendered document: root element name and its content as (name, value) pairs, where a
/// value is text, nil, a nested list of pairs, or a repeated element.
#[derive(Debug, Clone)]
enum Node {
    Text(String),
    Nil,
    Object(Vec<(String, Node)>),
}

/// The servlets the emulator answers at `/{site}/site/{servlet}`; those without emulated
/// methods answer every method as unknown.
pub const SERVLETS: &[&str] = &[
    "SRConsAPI",
    "SRGroupAPI",
    "SRDonationAPI",
    "SRRecurringAPI",
    "SRDataSyncAPI",
    "SRAdvocacyAPI",
];

/// Handles one request to `servlet`: (HTTP status, content type, body).
pub fn handle(
    state: &Mutex<State>,
    servlet: &str,
    method: &hyper::Method,
    body: &[u8],
) -> (u16, &'static str, String) {
    if method != hyper::Method::POST {
        return (405, "text/plain", "Bad Method".into());
    }
    let form = form::parse(body);
    let param = |name: &str| {
        form.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let format = if param("response_format") == Some("json") {
        Format::Json
    } else {
        Format::Xml
    };
    let suppress = param("suppress_response_codes") == Some("true");
    match call(state, servlet, &form) {
        Ok((root, content)) => (200, content_type(format), render(format, root, &content)),
        Err(error) => {
            let content = vec![
                ("code".to_string(), Node::Text(error.code.to_string())),
                ("message".to_string(), Node::Text(error.message)),
            ];
            let status = if suppress { 200 } else { 403 };
            (
                status,
                content_type(format),
                render(format, "errorResponse", &content),
            )
        }
    }
}

fn lock(state: &Mutex<State>) -> std::sync::MutexGuard<'_, State> {
    state
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn content_type(format: Format) -> &'static str {
    match format {
        Format::Xml => "text/xml; charset=UTF-8",
        // As the real service does (a known defect): JSON served as text/plain.
        Format::Json => "text/plain; charset=UTF-8",
    }
}

/// Checks the API key, the version and the API user's credentials (in that order, as the
/// service does); the user's name, to attribute changes to.
fn authenticate(state: &State, params: &[(String, String)]) -> Result<String, ApiError> {
    let param = |name: &str| {
        params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.trim())
    };
    if param("api_key") != Some(state.settings.api_key.as_str()) {
        return Err(api_error(2, "Incorrect API key."));
    }
    if param("v") != Some("1.0") {
        return Err(api_error(9, "Missing parameter was: v"));
    }
    let (Some(login), Some(password)) = (
        param("login_name"),
        params
            .iter()
            .find(|(n, _)| n == "login_password")
            .map(|(_, v)| v.as_str()),
    ) else {
        return Err(api_error(
            3,
            "Authentication failed: login_name and login_password are required.",
        ));
    };
    if !state.is_api_user(login, password) {
        return Err(api_error(3, "Authentication failed."));
    }
    Ok(login.to_string())
}

fn call(state: &Mutex<State>, servlet: &str, form: &Form) -> Result<Document, ApiError> {
    let params = form.params.as_slice();
    let param = |name: &str| {
        params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.trim())
    };
    let (user, schema) = {
        let state = lock(state);
        let user = authenticate(&state, params)?;
        (user, std::sync::Arc::clone(&state.settings.schema))
    };
    // A parameter the service would not store as sent is refused, naming it.
    match &form.problem {
        None => {}
        Some(problem @ FormProblem::TooManyParameters) => {
            return Err(api_error(1, problem.to_string()))
        }
        Some(problem) => return Err(api_error(35, problem.to_string())),
    }
    let method = param("method").ok_or_else(|| api_error(6, "No method was specified."))?;
    let unknown = || {
        api_error(
            6,
            format!("Unknown method: {method} (method names are case-sensitive)."),
        )
    };
    match servlet {
        "SRConsAPI" => {}
        "SRDonationAPI" => {
            return donation::call(&mut lock(state), &user, method, params).ok_or_else(unknown)?
        }
        "SRDataSyncAPI" => {
            return data_sync::call(&mut lock(state), method, params).ok_or_else(unknown)?
        }
        "SRGroupAPI" => return group::call(&lock(state), method, params).ok_or_else(unknown)?,
        "SRRecurringAPI" => {
            return recurring::call(&mut lock(state), method, params).ok_or_else(unknown)?
        }
        "SRAdvocacyAPI" => {
            return advocacy::call(&mut lock(state), &user, method, params).ok_or_else(unknown)?
        }
        _ => return Err(unknown()),
    }
    if let Some(answer) = interactions::write(&mut lock(state), &user, method, params) {
        return answer;
    }
    if let Some(answer) = access::call(&mut lock(state), method, params) {
        return answer;
    }
    if matches!(method, "createOrUpdate" | "create" | "update") {
        // Every value checked and every id list read before the site is locked.
        let changes = Changes::read(&schema, params)?;
        let mut state = lock(state);
        let answer = match method {
            "createOrUpdate" => create_or_update(&mut state, &user, params, &changes),
            "create" => create(&mut state, &user, params, &changes),
            _ => update(&mut state, &user, params, &changes),
        }?;
        let password = params
            .iter()
            .find(|(name, value)| name == "user_password" && !value.is_empty());
        if let (Some((_, password)), Some(cons_id)) = (password, answered_cons_id(&answer)) {
            state.passwords.insert(cons_id, password.clone());
        }
        return Ok(answer);
    }
    let state = lock(state);
    let state = &*state;
    if let Some(answer) = catalog::call(state, method, params) {
        return answer;
    }
    if method == "getUserTransactions" {
        return history::get_user_transactions(state, params);
    }
    if method == "getGroupMembers" {
        return group::group_members(state, params);
    }
    if let Some(answer) = interactions::read(state, method, params) {
        return answer;
    }
    match method {
        "getUser" => {
            let cons_id = lookup(state, params)?;
            let fields = param("fields").map(|f| {
                f.split(',')
                    .map(|s| s.trim().to_string())
                    .collect::<Vec<_>>()
            });
            Ok((
                "getConsResponse",
                user_document(state, cons_id, fields.as_deref())?,
            ))
        }
        "getUserGroups" => {
            let cons_id = lookup(state, params)?;
            Ok((
                "getConsGroupsResponse",
                id_elements(state, cons_id, "GroupId", "group", |id| {
                    vec![("label".into(), Node::Text(format!("Group {id}")))]
                }),
            ))
        }
        "listUserFieldChoices" => {
            let field =
                param("field").ok_or_else(|| api_error(9, "Missing parameter was: field"))?;
            Ok((
                "listConsFieldChoicesResponse",
                field_choices(state, field)?
                    .into_iter()
                    .map(|choice| ("choice".to_string(), Node::Text(choice)))
                    .collect(),
            ))
        }
        "listUserFields" => Ok((
            "listConsFieldsResponse",
            FIELD_MAP
                .iter()
                .map(|(name, _)| {
                    (
                        "field".to_string(),
                        Node::Object(vec![
                            ("name".into(), Node::Text((*name).into())),
                            ("label".into(), Node::Text(name.replace(['.', '_'], " "))),
                            (
                                "valueType".into(),
                                Node::Text(
                                    if name.contains("accepts") {
                                        "BOOLEAN"
                                    } else {
                                        "TEXT"
                                    }
                                    .into(),
                                ),
                            ),
                        ]),
                    )
                })
                .collect(),
        )),
        _ => Err(unknown()),
    }
}

/// The `cons_id` a constituent write answered.
fn answered_cons_id((_, content): &Document) -> Option<u64> {
    content.iter().find_map(|(name, node)| match node {
        Node::Text(id) if name == "cons_id" => id.parse().ok(),
        _ => None,
    })
}

/// The allowed values of a constituent field (listUserFieldChoices): a fixed list for the
/// fields that have one, the valid years for a date, nothing for free text; an unknown field
/// is an error.
fn field_choices(state: &State, field: &str) -> Result<Vec<String>, ApiError> {
    if !FIELD_MAP.iter().any(|(name, _)| *name == field) {
        return Err(api_error(
            22,
            format!("{field} is not a constituent field this caller may see."),
        ));
    }
    let list = |choices: &[&str]| choices.iter().map(|c| (*c).to_string()).collect();
    Ok(match field {
        "name.title" => list(&["Mr.", "Mrs.", "Ms.", "Miss", "Dr.", "Rev."]),
        "name.suffix" => list(&["Jr.", "Sr.", "II", "III", "IV"]),
        "gender" => list(&["MALE", "FEMALE", "UNSPECIFIED"]),
        "email.preferred_format" => list(&["HTML", "TEXT"]),
        "birth_date" => {
            let this_year = super::clock::civil_from_days(state.today()).0;
            (1900..=this_year)
                .rev()
                .map(|year| year.to_string())
                .collect()
        }
        _ => Vec::new(),
    })
}

/// One `element` per id of a constituent's `list`, each its `id` and what `describe` adds.
fn id_elements(
    state: &State,
    cons_id: u64,
    list: &str,
    element: &str,
    describe: impl Fn(&str) -> Vec<(String, Node)>,
) -> Vec<(String, Node)> {
    id_list(state, cons_id, list)
        .into_iter()
        .map(|id| {
            let mut fields = vec![("id".to_string(), Node::Text(id.clone()))];
            fields.extend(describe(&id));
            (element.to_string(), Node::Object(fields))
        })
        .collect()
}

fn id_list(state: &State, cons_id: u64, list: &str) -> Vec<String> {
    state
        .constituents
        .get(&cons_id)
        .and_then(|f| f.lists.get(list))
        .cloned()
        .unwrap_or_default()
}

/// Finds the one record a getUser-style call names.
fn lookup(state: &State, params: &[(String, String)]) -> Result<u64, ApiError> {
    let param = |name: &str| {
        params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    };
    if let Some(cons_id) = param("cons_id") {
        let id: u64 = cons_id
            .parse()
            .map_err(|_| api_error(16, format!("No constituent with cons_id {cons_id}.")))?;
        return state
            .constituents
            .contains_key(&id)
            .then_some(id)
            .ok_or_else(|| api_error(16, format!("No constituent with cons_id {id}.")));
    }
    let ids = if let Some(member_id) = param("member_id") {
        state.by_member_id(member_id)
    } else if let Some(email) = param("primary_email") {
        state.by_email(email)
    } else {
        return Err(api_error(
            9,
            "Missing parameter was: cons_id, member_id or primary_email",
        ));
    };
    match ids.as_slice() {
        [id] => Ok(*id),
        [] => Err(api_error(16, "No matching constituent.")),
        _ => Err(api_error(8, "More than one constituent matches.")),
    }
}

/// Where a Server API field is stored: (the complex type holding the leaf, the leaf's name,
/// its kind), for the type checks.
fn leaf_type<'s>(schema: &'s Schema, path: &str) -> Option<(&'s str, &'s str, &'s str)> {
    let (parent_path, leaf) = match path.rsplit_once('.') {
        Some((parent, leaf)) => (Some(parent), leaf),
        None => (None, path),
    };
    let parent = match parent_path {
        Some(parent) => schema.type_at("Constituent", parent)?.0,
        None => "Constituent",
    };
    let field = schema.fields(parent)?.iter().find(|f| f.name == leaf)?;
    Some((parent, field.name.as_str(), field.type_name.as_str()))
}

/// What a create/update request changes, read and checked before the site is locked: the
/// field values (checked like SOAP values: the field's type, characters XML 1.0 allows)
/// and the id lists to add and remove.
struct Changes {
    values: Vec<(&'static str, String)>,
    add: Vec<(&'static str, Vec<String>)>,
    remove: Vec<(&'static str, Vec<String>)>,
}

impl Changes {
    fn read(schema: &Schema, params: &[(String, String)]) -> Result<Changes, ApiError> {
        let mut values = Vec::new();
        for (name, value) in params {
            if CONTROL.contains(&name.as_str()) {
                continue;
            }
            let target = FIELD_MAP
                .iter()
                .find(|(api, _)| api == name)
                .map(|(_, stored)| *stored)
                .ok_or_else(|| api_error(22, format!("Unknown field: {name}")))?;
            // An empty value leaves a field unchanged, as an empty element does on the SOAP
            // side.
            if value.trim().is_empty() {
                continue;
            }
            let value = match target {
                "AcceptsEmail" | "AcceptsPostalMail" => {
                    match value.trim().to_ascii_lowercase().as_str() {
                        "true" | "t" | "yes" | "1" => "true".to_string(),
                        "false" | "f" | "no" | "0" => "false".to_string(),
                        other => {
                            return Err(api_error(
                                22,
                                format!("{name}: `{other}` is not a boolean"),
                            ))
                        }
                    }
                }
                _ => value.clone(),
            };
            if let Some((parent, leaf, kind)) = leaf_type(schema, target) {
                let checked = if kind == "string" || kind == "String" {
                    value.as_str()
                } else {
                    value.trim()
                };
                check_value(parent, leaf, kind, name, checked)
                    .map_err(|message| api_error(22, message.replacen("field ", "", 1)))?;
            }
            values.push((target, value));
        }
        let mut add = Vec::new();
        let mut remove = Vec::new();
        for (additions, removals, list) in [
            ("add_group_ids", "remove_group_ids", "GroupId"),
            ("add_interest_ids", "remove_interest_ids", "InterestId"),
            ("add_center_ids", "remove_center_ids", "CenterId"),
        ] {
            add.push((list, parse_ids(params, additions)?));
            remove.push((list, parse_ids(params, removals)?));
        }
        Ok(Changes {
            values,
            add,
            remove,
        })
    }

    /// Applies the changes to a record, in time linear in the record's lists and the
    /// request's ids.
    fn apply(&self, fields: &mut Fields) {
        for (target, value) in &self.values {
            fields.values.insert((*target).to_string(), value.clone());
        }
        for (list, ids) in &self.add {
            if !ids.is_empty() {
                merge_list(fields, list, ids, ListMode::Add);
            }
        }
        for (list, ids) in &self.remove {
            if !ids.is_empty() {
                merge_list(fields, list, ids, ListMode::Remove);
            }
        }
        fields.lists.retain(|_, ids| !ids.is_empty());
    }
}

fn parse_ids(params: &[(String, String)], name: &str) -> Result<Vec<String>, ApiError> {
    let Some((_, value)) = params.iter().find(|(n, _)| n == name) else {
        return Ok(Vec::new());
    };
    let mut ids = Vec::new();
    for id in value.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let number: u64 = id
            .parse()
            .map_err(|_| api_error(22, format!("{name}: `{id}` is not a numeric id")))?;
        if name.contains("group") && number < 1000 {
            return Err(api_error(
                14,
                format!("{name}: group {number} cannot be changed through the API"),
            ));
        }
        ids.push(number.to_string());
    }
    Ok(ids)
}

fn keys(params: &[(String, String)]) -> (Option<&str>, Option<&str>, Option<&str>) {
    let param = |name: &str| {
        params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    };
    (param("cons_id"), param("member_id"), param("primary_email"))
}

/// The Server API error of a refusal.
fn refusal_error(refusal: Refusal) -> ApiError {
    let code = match refusal {
        Refusal::EmailRequired => 10,
        Refusal::MemberIdTaken(_) => 11,
        Refusal::UserNameTaken(_) => 12,
        Refusal::EmailTaken(_) => 13,
    };
    api_error(code, refusal.to_string())
}

fn store_update(
    state: &mut State,
    user: &str,
    cons_id: u64,
    changes: &Changes,
    email: Option<&str>,
    member_id: Option<&str>,
) -> Result<(), ApiError> {
    let mut fields = state
        .constituents
        .get(&cons_id)
        .cloned()
        .unwrap_or_default();
    changes.apply(&mut fields);
    if let Some(email) = email {
        fields
            .values
            .insert("PrimaryEmail".into(), email.to_string());
    }
    if let Some(member_id) = member_id {
        fields
            .values
            .insert("MemberId".into(), member_id.to_string());
    }
    state
        .update_constituent(cons_id, fields, user)
        .map_err(refusal_error)
}

fn store_new(
    state: &mut State,
    user: &str,
    params: &[(String, String)],
    changes: &Changes,
) -> Result<u64, ApiError> {
    let (_, member_id, email) = keys(params);
    let email = email
        .map(str::to_string)
        .or_else(|| {
            params
                .iter()
                .find(|(n, _)| n == "email.primary_address")
                .map(|(_, v)| v.trim().to_string())
        })
        .filter(|e| !e.is_empty())
        .ok_or_else(|| api_error(10, "Required fields are missing."))?;
    if let Some((_, c)) = super::chars::forbidden_char(&email) {
        return Err(api_error(
            35,
            format!(
                "email.primary_address: character {} is not allowed",
                super::chars::describe_char(c)
            ),
        ));
    }
    let mut fields = Fields::default();
    changes.apply(&mut fields);
    fields.values.insert("PrimaryEmail".into(), email);
    if let Some(member_id) = member_id {
        fields
            .values
            .insert("MemberId".into(), member_id.to_string());
    }
    state
        .create_constituent(fields, user)
        .map_err(refusal_error)
}

fn id_document(cons_id: u64, message: &str) -> Vec<(String, Node)> {
    vec![
        ("cons_id".into(), Node::Text(cons_id.to_string())),
        ("message".into(), Node::Text(message.into())),
    ]
}

/// The record a cons_id or member_id names, for update and createOrUpdate: a cons_id must
/// exist; a member_id must not be ambiguous; `None` when neither decides.
fn locate_by_keys(
    state: &State,
    cons_id: Option<&str>,
    member_id: Option<&str>,
) -> Result<Option<u64>, ApiError> {
    if let Some(cons_id) = cons_id {
        let not_found = || api_error(16, format!("No constituent with cons_id {cons_id}."));
        let id: u64 = cons_id.parse().map_err(|_| not_found())?;
        // A cons_id that matches nothing creates nothing.
        return state
            .constituents
            .contains_key(&id)
            .then_some(Some(id))
            .ok_or_else(not_found);
    }
    let Some(member_id) = member_id else {
        return Ok(None);
    };
    match state.by_member_id(member_id).as_slice() {
        [id] => Ok(Some(*id)),
        [] => Ok(None),
        _ => Err(api_error(
            15,
            format!("More than one constituent has member_id {member_id}."),
        )),
    }
}

/// createOrUpdate's documented matching rules.
fn create_or_update(
    state: &mut State,
    user: &str,
    params: &[(String, String)],
    changes: &Changes,
) -> Result<Document, ApiError> {
    let (cons_id, member_id, email) = keys(params);
    let root = "createOrUpdateConsResponse";
    if let Some(id) = locate_by_keys(state, cons_id, member_id)? {
        // The locating key stays; a member_id given with a cons_id is updated.
        let new_member_id = if cons_id.is_some() { member_id } else { None };
        store_update(state, user, id, changes, email, new_member_id)?;
        return Ok((root, id_document(id, "User updated.")));
    }
    // A member_id that matches nothing creates a record; only without one does the email decide.
    if let (None, Some(email)) = (member_id, email) {
        match state.by_email(email).as_slice() {
            [id] => {
                let id = *id;
                store_update(state, user, id, changes, None, None)?;
                return Ok((root, id_document(id, "User updated.")));
            }
            [] => {}
            _ if state.settings.unique_email => {
                return Err(api_error(
                    15,
                    format!("More than one constituent has primary_email {email}."),
                ))
            }
            // Without unique email enforcement, an ambiguous email creates a new record.
            _ => {}
        }
    }
    let id = store_new(state, user, params, changes)?;
    Ok((root, id_document(id, "New user added.")))
}

fn create(
    state: &mut State,
    user: &str,
    params: &[(String, String)],
    changes: &Changes,
) -> Result<Document, ApiError> {
    let (_, member_id, email) = keys(params);
    if let Some(member_id) = member_id {
        if !state.by_member_id(member_id).is_empty() {
            return Err(api_error(
                11,
                format!("A constituent with member_id {member_id} exists."),
            ));
        }
    }
    if let Some(email) = email {
        if state.settings.unique_email && !state.by_email(email).is_empty() {
            return Err(api_error(
                13,
                format!("A constituent with primary_email {email} exists."),
            ));
        }
    }
    let id = store_new(state, user, params, changes)?;
    Ok(("createConsResponse", id_document(id, "User added.")))
}

fn update(
    state: &mut State,
    user: &str,
    params: &[(String, String)],
    changes: &Changes,
) -> Result<Document, ApiError> {
    let (cons_id, member_id, email) = keys(params);
    let root = "updateConsResponse";
    if let Some(id) = locate_by_keys(state, cons_id, member_id)? {
        let new_member_id = if cons_id.is_some() { member_id } else { None };
        store_update(state, user, id, changes, email, new_member_id)?;
        return Ok((root, id_document(id, "User updated.")));
    }
    let email = email.ok_or_else(|| api_error(16, "No matching constituent."))?;
    match state.by_email(email).as_slice() {
        [id] => {
            let id = *id;
            store_update(state, user, id, changes, None, None)?;
            Ok((root, id_document(id, "User updated.")))
        }
        [] => Err(api_error(16, "No matching constituent.")),
        _ => Err(api_error(
            15,
            format!("More than one constituent has primary_email {email}."),
        )),
    }
}

/// getConsResponse for a record, limited to `fields` when given: a field of the site that
/// has no value is nil; a field not asked for is left out.
fn user_document(
    state: &State,
    cons_id: u64,
    fields: Option<&[String]>,
) -> Result<Vec<(String, Node)>, ApiError> {
    let stored = state
        .constituents
        .get(&cons_id)
        .ok_or_else(|| api_error(16, "No matching constituent."))?;
    let wanted = |api_name: &str| {
        fields.is_none_or(|f| {
            f.iter()
                .any(|w| w == api_name || api_name.starts_with(&format!("{w}.")))
        })
    };
    let mut document: Vec<(String, Node)> =
        vec![("cons_id".into(), Node::Text(cons_id.to_string()))];
    let mut groups: BTreeMap<&str, Vec<(String, Node)>> = BTreeMap::new();
    let mut order: Vec<&str> = Vec::new();
    for (api_name, stored_name) in FIELD_MAP {
        if !wanted(api_name) {
            continue;
        }
        let value = stored
            .get(stored_name)
            .map_or(Node::Nil, |v| Node::Text(v.to_string()));
        match api_name.split_once('.') {
            Some((group, leaf)) => {
                if !order.contains(&group) {
                    order.push(group);
                }
                groups
                    .entry(group)
                    .or_default()
                    .push((leaf.to_string(), value));
            }
            None => {
                order.push(api_name);
                groups
                    .entry(api_name)
                    .or_default()
                    .push((String::new(), value));
            }
        }
    }
    for group in order {
        let Some(children) = groups.remove(group) else {
            continue;
        };
        match children.as_slice() {
            [(leaf, value)] if leaf.is_empty() => document.push((group.to_string(), value.clone())),
            _ => document.push((group.to_string(), Node::Object(children))),
        }
    }
    Ok(document)
}

fn render(format: Format, root: &str, content: &[(String, Node)]) -> String {
    match format {
        Format::Xml => {
            let mut out = format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><{root} xmlns="{CRM}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">"#
            );
            write_xml(&mut out, content);
            let _ = write!(out, "</{root}>");
            out
        }
        Format::Json => {
            let mut top = serde_json::Map::new();
            top.insert(root.to_string(), json_object(content));
            serde_json::Value::Object(top).to_string()
        }
    }
}

fn write_xml(out: &mut String, content: &[(String, Node)]) {
    for (name, node) in content {
        match node {
            Node::Text(text) => {
                let _ = write!(out, "<{name}>{}</{name}>", escape(text));
            }
            Node::Nil => {
                let _ = write!(out, r#"<{name} xsi:nil="true"/>"#);
            }
            Node::Object(children) => {
                let _ = write!(out, "<{name}>");
                write_xml(out, children);
                let _ = write!(out, "</{name}>");
            }
        }
    }
}

/// JSON as the service writes it: every scalar a string, nil as null, a repeated element as
/// an array only when it occurs more than once.
fn json_object(content: &[(String, Node)]) -> serde_json::Value {
    let mut map = serde_json::Map::new();
    for (name, node) in content {
        let value = match node {
            Node::Text(text) => serde_json::Value::String(text.clone()),
            Node::Nil => serde_json::Value::Null,
            Node::Object(children) => json_object(children),
        };
        match map.get_mut(name) {
            Some(serde_json::Value::Array(items)) => items.push(value),
            Some(existing) => {
                let first = existing.take();
                *existing = serde_json::Value::Array(vec![first, value]);
            }
            None => {
                map.insert(name.clone(), value);
            }
        }
    }
    serde_json::Value::Object(map)
}
