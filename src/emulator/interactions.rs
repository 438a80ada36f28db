//! Interactions logged on constituents (`logInteraction`, read back with getUserInteractions
//! and getInteraction).

use std::collections::BTreeMap;

/// The first interaction's id.
pub const FIRST_INTERACTION_ID: u64 = 9_001_001;

/// One interaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interaction {
    /// The constituent it is about.
    pub cons_id: u64,
    /// Its type: 0 ("Other") or a custom type of the site.
    pub type_id: u64,
    /// `interaction_subject`.
    pub subject: String,
    /// `interaction_body`.
    pub body: Option<String>,
    /// `interaction_cat_id`.
    pub category_id: Option<u64>,
    /// `interaction_count`.
    pub count: Option<u64>,
    /// The API user who logged it.
    pub by: String,
    /// When it was logged (`xs:dateTime`).
    pub logged: String,
}

/// The site's interactions by id; ids are never reused.
#[derive(Debug, Clone, Default)]
pub struct Interactions {
    by_id: BTreeMap<u64, Interaction>,
}

impl Interactions {
    /// Stores `interaction` under a new id, which it returns.
    pub fn log(&mut self, interaction: Interaction) -> u64 {
        let id = self
            .by_id
            .keys()
            .next_back()
            .map_or(FIRST_INTERACTION_ID, |last| last + 1);
        self.by_id.insert(id, interaction);
        id
    }

    /// The interaction `id`.
    pub fn get(&self, id: u64) -> Option<&Interaction> {
        self.by_id.get(&id)
    }

    /// The interaction `id`, to change.
    pub fn get_mut(&mut self, id: u64) -> Option<&mut Interaction> {
        self.by_id.get_mut(&id)
    }

    /// Every interaction, oldest first, with its id.
    pub fn all(&self) -> impl Iterator<Item = (u64, &Interaction)> {
        self.by_id
            .iter()
            .map(|(id, interaction)| (*id, interaction))
    }

    /// The interactions of constituent `cons_id`, oldest first, with their ids.
    pub fn of(&self, cons_id: u64) -> impl Iterator<Item = (u64, &Interaction)> {
        self.by_id
            .iter()
            .filter(move |(_, interaction)| interaction.cons_id == cons_id)
            .map(|(id, interaction)| (*id, interaction))
    }
}
