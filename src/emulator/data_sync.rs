//! Data sync tasks (`SRDataSyncAPI`): a launched operation gets a task whose status moves on
//! as it is polled, as an exchange job on the real site moves on in the background.

use std::collections::BTreeMap;

/// The one data sync operation the seeded site has.
pub const OPERATION_ID: u64 = 1;

/// The statuses a task passes through, one poll each; the last one stays.
const STATUSES: &[&str] = &["queued", "running", "success"];

/// The launched tasks.
#[derive(Debug, Default)]
pub struct DataSyncTasks {
    /// Polls so far, by task id.
    polls: BTreeMap<u64, usize>,
}

impl DataSyncTasks {
    /// Launches `operation_id`; the new task's id, or `None` for an operation the site lacks.
    pub fn launch(&mut self, operation_id: u64) -> Option<u64> {
        if operation_id != OPERATION_ID {
            return None;
        }
        let id = self.polls.keys().next_back().map_or(1, |last| last + 1);
        self.polls.insert(id, 0);
        Some(id)
    }

    /// The status of `task_id` at this poll (`None` for a task never launched).
    pub fn poll(&mut self, task_id: u64) -> Option<&'static str> {
        let polls = self.polls.get_mut(&task_id)?;
        let status = STATUSES[(*polls).min(STATUSES.len() - 1)];
        *polls += 1;
        Some(status)
    }
}
