//! The records of one type kept generically: the record types a site's WSDL declares beyond
//! the documented ones (a site's `VolunteerRegistration`), each keyed by its id
//! field. Constituents keep their own store in [`State`](super::state::State), with the
//! indexes and matching rules the documentation gives them.

use std::collections::BTreeMap;

use super::change::ChangeKind;
use super::records::Fields;
use crate::schema::{is_documented_record_type, Schema};

/// Documented record types the emulator keeps records of although clients cannot write
/// them (DescribeRecordType says Create, Update and Delete are not supported): the
/// transactions seeding adds (donations, store orders, action alert responses), which the
/// transaction downloads and Query return. Offline gifts through the Server API are donations
/// too.
pub const DOWNLOAD_ONLY: &[&str] = &["Donation", "ProductOrder", "ActionAlertResponse"];

/// The incremental downloads the documentation gives a record type: all three for
/// Constituent and the transactions of the data-sync transactions page, inserts only for
/// ActionAlertResponse; `None` for a type it says nothing about (a site's own type is
/// downloadable when the emulator keeps its records).
pub fn documented_downloads(record_type: &str) -> Option<&'static [ChangeKind]> {
    const ALL: &[ChangeKind] = &[ChangeKind::Insert, ChangeKind::Update, ChangeKind::Delete];
    match record_type {
        "Constituent"
        | "Donation"
        | "PersonalFundraisingGift"
        | "ProductOrder"
        | "TeamRaiserGift"
        | "TeamRaiserRegistration"
        | "TicketPurchase" => Some(ALL),
        "ActionAlertResponse" => Some(&[ChangeKind::Insert]),
        name if is_documented_record_type(name) => Some(&[]),
        _ => None,
    }
}

/// The record types of `schema` kept in a writable [`RecordStore`], with their id fields, in
/// schema order: the types a site's WSDL (or a newer server) adds. The documented record types
/// behave as the documentation fixes: Constituent keeps its own store, with the indexes and
/// matching rules the documentation gives it; the [`DOWNLOAD_ONLY`] types are seeded; the
/// others are described and queried, never written.
pub fn stored_types(schema: &Schema) -> Vec<(String, String)> {
    schema
        .record_types()
        .filter(|(name, _)| !is_documented_record_type(name))
        .filter_map(|(name, _)| Some((name.to_string(), schema.id_field(name)?.to_string())))
        .collect()
}

/// The records of one type: active ones and removed ones (as they were when removed, for
/// GetIncrementalDeletes), by id. Ids are never reused.
#[derive(Debug, Clone)]
pub struct RecordStore {
    /// The field holding a record's id (`RegistrationId`).
    pub id_field: String,
    /// Whether Create, Update and Delete are refused (a [`DOWNLOAD_ONLY`] type).
    pub download_only: bool,
    next_id: u64,
    /// Active records by id.
    pub active: BTreeMap<u64, Fields>,
    /// Removed records by id.
    pub removed: BTreeMap<u64, Fields>,
}

impl RecordStore {
    /// An empty store keyed by `id_field`.
    pub fn new(id_field: impl Into<String>) -> Self {
        RecordStore {
            id_field: id_field.into(),
            download_only: false,
            next_id: 1,
            active: BTreeMap::new(),
            removed: BTreeMap::new(),
        }
    }

    /// An empty store of a type clients may download but not write.
    pub fn download_only(id_field: impl Into<String>) -> Self {
        RecordStore {
            download_only: true,
            ..RecordStore::new(id_field)
        }
    }

    /// Whether `id` was ever given to a record (active or removed).
    pub fn is_used(&self, id: u64) -> bool {
        self.active.contains_key(&id) || self.removed.contains_key(&id)
    }

    /// A new id, above every id used so far.
    pub fn allocate_id(&mut self) -> u64 {
        while self.is_used(self.next_id) {
            self.next_id += 1;
        }
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// The record with `id`, active or removed.
    pub fn get(&self, id: u64) -> Option<&Fields> {
        self.active.get(&id).or_else(|| self.removed.get(&id))
    }

    /// Stores a record (the caller logs the change): a delete moves the active record to the
    /// removed ones.
    pub fn put(&mut self, id: u64, fields: Fields, kind: ChangeKind) {
        if kind == ChangeKind::Delete {
            if let Some(old) = self.active.remove(&id) {
                self.removed.insert(id, old);
            }
        } else {
            self.removed.remove(&id);
            self.active.insert(id, fields);
        }
        self.next_id = self.next_id.max(id.saturating_add(1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_allocated_above_every_stored_one_and_never_reused() {
        let mut store = RecordStore::new("RegistrationId");
        assert_eq!(store.allocate_id(), 1);
        store.put(7, Fields::default(), ChangeKind::Insert);
        assert_eq!(store.allocate_id(), 8);
        store.put(7, Fields::default(), ChangeKind::Delete);
        assert!(store.is_used(7));
        assert!(store.get(7).is_some());
        assert!(!store.active.contains_key(&7));
        assert_eq!(store.allocate_id(), 9);
    }

    #[test]
    #[cfg(not(convio_site_wsdl))]
    fn the_bundled_schema_has_no_stored_types() {
        assert!(stored_types(&Schema::generated()).is_empty());
    }
}
