//! A newline-delimited JSON log of changes (`--out FILE`), one object per record:
//! `{"change":"insert","type":"Constituent","partition":1001,"fields":{"ConsId":"1001",...}}`.
//!
//! The state is kept beside it in `FILE.state`, written atomically (temporary file, fsync,
//! rename) after the pages it counts have been appended and synced. Pages are appended in
//! groups (up to 4 MiB or one second's worth, and always before a state is saved), since
//! each durable write costs three fsyncs; a crash loses at most the group being gathered,
//! whose pages the next run fetches again. On the next run the state is
//! checked against the output (length, line count and a hash of the tail) and against
//! itself (a checksum); a state that does not match is refused, never used. Output written
//! after the last state (a page being appended when the process died) is cut off and the
//! page fetched again.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::layout::TypeLayout;
use super::store::{LocalChange, Page, Store, StoreError, SyncState, UploadOutcome, WindowKey};
use crate::soap::{visit_record_paths, IncrementalKind};
use crate::{AnyRecord, Field};

/// How much of the output's end the state hashes.
const TAIL: u64 = 4096;

/// Output gathered before it is appended: at most this many bytes...
const GROUP_BYTES: usize = 4 << 20;
/// ...or gathered for at most this long.
const GROUP_TIME: std::time::Duration = std::time::Duration::from_secs(1);

/// The NDJSON store.
#[derive(Debug)]
pub struct NdjsonStore {
    out: PathBuf,
    state_path: PathBuf,
    saved: Saved,
    /// Lines of applied pages not yet appended, with their count, the state after the last
    /// of them, and when the first was gathered.
    group: Vec<u8>,
    group_lines: u64,
    group_state: Option<(WindowKey, SyncState)>,
    group_started: Option<std::time::Instant>,
    /// One record's pairs, reused.
    pairs: PairBuffer,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Saved {
    /// Complete output: bytes and lines.
    bytes: u64,
    lines: u64,
    /// FNV-1a of the last bytes of the complete output.
    tail: String,
    contexts: Vec<(WindowKey, SyncState)>,
}

#[derive(Serialize, Deserialize)]
struct StateFile {
    version: u32,
    #[serde(flatten)]
    saved: Saved,
    /// FNV-1a of the rest, serialized.
    checksum: String,
}

impl NdjsonStore {
    /// A store writing to `out` (and `out.state`). Nothing is touched until
    /// [`prepare`](Store::prepare).
    pub fn new(out: impl Into<PathBuf>) -> Self {
        let out = out.into();
        let state_path = PathBuf::from(format!("{}.state", out.display()));
        NdjsonStore {
            out,
            state_path,
            saved: Saved::default(),
            group: Vec::new(),
            group_lines: 0,
            group_state: None,
            group_started: None,
            pairs: PairBuffer::default(),
        }
    }

    fn location(&self) -> String {
        self.out.display().to_string()
    }

    fn io(&self, path: &Path, error: impl std::fmt::Display) -> StoreError {
        StoreError::Io {
            location: path.display().to_string(),
            message: error.to_string(),
        }
    }

    fn mismatch(&self, message: impl Into<String>) -> StoreError {
        StoreError::Mismatch {
            location: self.state_path.display().to_string(),
            message: message.into(),
        }
    }

    /// Reads and checks the state file, if any.
    fn read_state(&self) -> Result<Option<Saved>, StoreError> {
        let text = match fs::read_to_string(&self.state_path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(error) => return Err(self.io(&self.state_path, error)),
        };
        let file: StateFile = serde_json::from_str(&text)
            .map_err(|e| self.mismatch(format!("not a state file ({e})")))?;
        if file.version != 1 {
            return Err(self.mismatch(format!("unknown version {}", file.version)));
        }
        if checksum(&file.saved)? != file.checksum {
            return Err(self.mismatch("its checksum does not match its content (edited by hand?)"));
        }
        Ok(Some(file.saved))
    }

    fn write_state(&self) -> Result<(), StoreError> {
        let file = StateFile {
            version: 1,
            checksum: checksum(&self.saved)?,
            saved: self.saved.clone(),
        };
        let text = serde_json::to_string_pretty(&file).map_err(|e| self.io(&self.state_path, e))?;
        let temporary = PathBuf::from(format!("{}.tmp", self.state_path.display()));
        let written = (|| {
            let mut handle = File::create(&temporary)?;
            handle.write_all(text.as_bytes())?;
            handle.sync_all()?;
            fs::rename(&temporary, &self.state_path)?;
            if let Some(directory) = self.state_path.parent() {
                let directory = if directory.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    directory
                };
                File::open(directory)?.sync_all()?;
            }
            Ok::<_, std::io::Error>(())
        })();
        written.map_err(|e| self.io(&self.state_path, e))
    }

    /// Checks the output against the state and cuts off anything after the last complete
    /// page.
    fn check_output(&self, saved: &Saved) -> Result<(), StoreError> {
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&self.out)
            .map_err(|e| self.io(&self.out, e))?;
        let length = file.metadata().map_err(|e| self.io(&self.out, e))?.len();
        if saved.bytes > length {
            return Err(self.mismatch(format!(
                "it records {} bytes of output, the file has {length}",
                saved.bytes
            )));
        }
        let (lines, tail) = scan(&mut file, saved.bytes).map_err(|e| self.io(&self.out, e))?;
        if lines != saved.lines || tail != saved.tail {
            return Err(self.mismatch(format!(
                "the first {} bytes of {} are not the output it recorded ({} lines found, {} recorded)",
                saved.bytes,
                self.out.display(),
                lines,
                saved.lines
            )));
        }
        if length > saved.bytes {
            tracing::info!(
                bytes = length - saved.bytes,
                "cutting off output written after the last checkpoint"
            );
            file.set_len(saved.bytes)
                .and_then(|()| file.sync_all())
                .map_err(|e| self.io(&self.out, e))?;
        }
        Ok(())
    }

    /// Appends the gathered pages, syncs them, and saves the state after the last of them.
    fn append_group(&mut self) -> Result<(), StoreError> {
        let Some((key, state)) = self.group_state.take() else {
            return Ok(());
        };
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .open(&self.out)
            .map_err(|e| self.io(&self.out, e))?;
        file.write_all(&self.group)
            .and_then(|()| file.sync_data())
            .map_err(|e| self.io(&self.out, e))?;
        let bytes = self.saved.bytes + self.group.len() as u64;
        let (_, tail) = scan_tail(&mut file, bytes).map_err(|e| self.io(&self.out, e))?;
        self.saved.bytes = bytes;
        self.saved.lines += self.group_lines;
        self.saved.tail = tail;
        self.group.clear();
        self.group_lines = 0;
        self.group_started = None;
        *self.context(&key) = state;
        self.write_state()
    }

    fn context(&mut self, key: &WindowKey) -> &mut SyncState {
        if let Some(at) = self.saved.contexts.iter().position(|(k, _)| k == key) {
            return &mut self.saved.contexts[at].1;
        }
        self.saved
            .contexts
            .push((key.clone(), SyncState::default()));
        let last = self.saved.contexts.len() - 1;
        &mut self.saved.contexts[last].1
    }
}

/// Lines and tail hash of the first `bytes` of the file.
fn scan(file: &mut File, bytes: u64) -> std::io::Result<(u64, String)> {
    file.seek(SeekFrom::Start(0))?;
    let mut remaining = bytes;
    let mut lines = 0u64;
    let mut buffer = vec![0u8; 64 * 1024];
    while remaining > 0 {
        let want = usize::try_from(remaining.min(buffer.len() as u64)).unwrap_or(buffer.len());
        let read = file.read(&mut buffer[..want])?;
        if read == 0 {
            break;
        }
        lines += memchr::memchr_iter(b'\n', &buffer[..read]).count() as u64;
        remaining -= read as u64;
    }
    let start = bytes.saturating_sub(TAIL);
    file.seek(SeekFrom::Start(start))?;
    let mut tail = vec![0u8; usize::try_from(bytes - start).unwrap_or(0)];
    file.read_exact(&mut tail)?;
    Ok((lines, format!("{:016x}", fnv1a(&tail))))
}

fn checksum(saved: &Saved) -> Result<String, StoreError> {
    let text = serde_json::to_vec(saved).map_err(|e| StoreError::Io {
        location: "state".into(),
        message: e.to_string(),
    })?;
    Ok(format!("{:016x}", fnv1a(&text)))
}

/// 64-bit FNV-1a: enough to notice a changed file, not a defence against forgery.
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &byte in bytes {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

fn label(kind: IncrementalKind) -> &'static str {
    match kind {
        IncrementalKind::Inserts => "insert",
        IncrementalKind::Updates => "update",
        IncrementalKind::Deletes => "delete",
    }
}

/// A record as a JSON object: paths to strings, nil to null, repeated fields to arrays.
pub fn fields_json(pairs: &[(String, Field<String>)]) -> serde_json::Value {
    json_object(
        pairs
            .iter()
            .map(|(path, value)| (path.as_str(), value.as_ref().map(String::as_str))),
    )
}

fn json_object<'a>(pairs: impl Iterator<Item = (&'a str, Field<&'a str>)>) -> serde_json::Value {
    let mut object = serde_json::Map::new();
    for (path, value) in pairs {
        let value = match value {
            Field::Value(text) => serde_json::Value::String(text.to_string()),
            Field::Nil | Field::Absent => serde_json::Value::Null,
        };
        match object.get_mut(path) {
            Some(serde_json::Value::Array(items)) => items.push(value),
            Some(existing) => {
                let first = existing.take();
                *existing = serde_json::Value::Array(vec![first, value]);
            }
            None => {
                object.insert(path.to_string(), value);
            }
        }
    }
    serde_json::Value::Object(object)
}

/// One record's (path, value) pairs in one text buffer, reused from record to record, so
/// that writing a page allocates nothing per field.
#[derive(Debug, Default)]
struct PairBuffer {
    text: String,
    /// Per pair: where its path starts, where it ends (and the value starts), and where
    /// the value ends (`None`: nil).
    spans: Vec<(usize, usize, Option<usize>)>,
}

impl PairBuffer {
    fn fill(&mut self, record: &AnyRecord) {
        self.text.clear();
        self.spans.clear();
        visit_record_paths(record, |path, value| self.push(path, value));
    }

    fn push(&mut self, path: &str, value: Field<&str>) {
        let start = self.text.len();
        self.text.push_str(path);
        let path_end = self.text.len();
        let value_end = match value {
            Field::Value(text) => {
                self.text.push_str(text);
                Some(self.text.len())
            }
            Field::Nil | Field::Absent => None,
        };
        self.spans.push((start, path_end, value_end));
    }

    fn len(&self) -> usize {
        self.spans.len()
    }

    fn path(&self, at: usize) -> &str {
        let (start, end, _) = self.spans[at];
        &self.text[start..end]
    }

    fn value(&self, at: usize) -> Field<&str> {
        match self.spans[at] {
            (_, start, Some(end)) => Field::Value(&self.text[start..end]),
            (_, _, None) => Field::Nil,
        }
    }

    fn iter(&self) -> impl Iterator<Item = (&str, Field<&str>)> + '_ {
        (0..self.len()).map(|at| (self.path(at), self.value(at)))
    }

    /// Whether a path comes again apart from its first run (which would make a key twice
    /// if written in order). Paths of a typed record are mostly unique: each run's path
    /// goes into a small bit set by hash, and only a hash seen before is checked exactly.
    fn has_scattered_paths(&self) -> bool {
        let mut seen = [0u64; 16];
        let mut previous: Option<&str> = None;
        for at in 0..self.len() {
            let path = self.path(at);
            if previous == Some(path) {
                continue;
            }
            previous = Some(path);
            let hash = fnv1a(path.as_bytes()) as usize;
            let (word, bit) = ((hash >> 6) % seen.len(), 1u64 << (hash & 63));
            if seen[word] & bit != 0 && (0..at).any(|before| self.path(before) == path) {
                return true;
            }
            seen[word] |= bit;
        }
        false
    }
}

/// A JSON string: straight through when nothing in it needs escaping (most values).
fn json_string(out: &mut Vec<u8>, text: &str) -> serde_json::Result<()> {
    if text
        .bytes()
        .all(|byte| byte >= 0x20 && byte != b'"' && byte != b'\\')
    {
        out.push(b'"');
        out.extend_from_slice(text.as_bytes());
        out.push(b'"');
        Ok(())
    } else {
        serde_json::to_writer(out, text)
    }
}

/// One line: `{"change":...,"type":...,"partition":...,"fields":{...}}` and a newline,
/// written straight out (as [`fields_json`] would build it).
fn write_line(
    out: &mut Vec<u8>,
    change: &str,
    record_type: &str,
    partition: u64,
    pairs: &PairBuffer,
) -> serde_json::Result<()> {
    out.extend_from_slice(b"{\"change\":");
    serde_json::to_writer(&mut *out, change)?;
    out.extend_from_slice(b",\"type\":");
    serde_json::to_writer(&mut *out, record_type)?;
    out.extend_from_slice(b",\"partition\":");
    out.extend_from_slice(partition.to_string().as_bytes());
    out.extend_from_slice(b",\"fields\":");
    // A path repeated apart from its first run would make a key twice: the map does it right.
    if pairs.has_scattered_paths() {
        serde_json::to_writer(&mut *out, &json_object(pairs.iter()))?;
    } else {
        out.push(b'{');
        let mut at = 0;
        while at < pairs.len() {
            let path = pairs.path(at);
            let run = (at..pairs.len())
                .take_while(|&i| pairs.path(i) == path)
                .count();
            if at > 0 {
                out.push(b',');
            }
            json_string(out, path)?;
            out.push(b':');
            let value = |out: &mut Vec<u8>, field: Field<&str>| match field {
                Field::Value(text) => json_string(out, text),
                Field::Nil | Field::Absent => {
                    out.extend_from_slice(b"null");
                    Ok(())
                }
            };
            if run == 1 {
                value(out, pairs.value(at))?;
            } else {
                out.push(b'[');
                for i in at..at + run {
                    if i > at {
                        out.push(b',');
                    }
                    value(out, pairs.value(i))?;
                }
                out.push(b']');
            }
            at += run;
        }
        out.push(b'}');
    }
    out.extend_from_slice(b"}\n");
    Ok(())
}

impl Store for NdjsonStore {
    async fn prepare(&mut self, _layouts: &[TypeLayout]) -> Result<(), StoreError> {
        let saved = self.read_state()?;
        let exists = self.out.exists();
        match (&saved, exists) {
            (Some(saved), true) => self.check_output(saved)?,
            (Some(saved), false) if saved.bytes > 0 => {
                return Err(self.mismatch(format!(
                    "it records {} bytes of output, and {} does not exist",
                    saved.bytes,
                    self.out.display()
                )))
            }
            (None, true)
                if fs::metadata(&self.out)
                    .map_err(|e| self.io(&self.out, e))?
                    .len()
                    > 0 =>
            {
                return Err(StoreError::Mismatch {
                    location: self.location(),
                    message: format!(
                        "the file has content but there is no {}: it was not written by a synchronization, or its state was removed; move it away or give another --out",
                        self.state_path.display()
                    ),
                })
            }
            _ => {}
        }
        // Checked before any window is opened: the output can be created and appended to.
        OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.out)
            .map_err(|e| StoreError::Unavailable {
                location: self.location(),
                message: e.to_string(),
            })?;
        self.saved = saved.unwrap_or_default();
        if self.saved.tail.is_empty() {
            self.saved.tail = format!("{:016x}", fnv1a(b""));
        }
        // The state file's directory must be writable too.
        self.write_state().map_err(|e| match e {
            StoreError::Io { location, message } => StoreError::Unavailable { location, message },
            other => other,
        })
    }

    async fn load(&mut self, key: &WindowKey) -> Result<SyncState, StoreError> {
        Ok(self.context(key).clone())
    }

    async fn save(&mut self, key: &WindowKey, state: &SyncState) -> Result<(), StoreError> {
        self.append_group()?;
        *self.context(key) = state.clone();
        self.write_state()
    }

    async fn apply(
        &mut self,
        key: &WindowKey,
        page: Page<'_>,
        state: &SyncState,
    ) -> Result<(), StoreError> {
        for record in page.records {
            self.pairs.fill(record);
            write_line(
                &mut self.group,
                label(page.kind),
                record.type_name(),
                key.partition,
                &self.pairs,
            )
            .map_err(|e| self.io(&self.out, e))?;
        }
        self.group_lines += page.records.len() as u64;
        self.group_state = Some((key.clone(), state.clone()));
        let started = *self
            .group_started
            .get_or_insert_with(std::time::Instant::now);
        if self.group.len() >= GROUP_BYTES || started.elapsed() >= GROUP_TIME {
            self.append_group()?;
        }
        Ok(())
    }

    async fn pending(&mut self, _layouts: &[TypeLayout]) -> Result<Vec<LocalChange>, StoreError> {
        // A log has no local edits to send.
        Ok(Vec::new())
    }

    async fn creating(&mut self, _changes: &[LocalChange]) -> Result<(), StoreError> {
        Ok(())
    }

    async fn uploaded(
        &mut self,
        _layouts: &[TypeLayout],
        _results: &[(LocalChange, UploadOutcome)],
    ) -> Result<(), StoreError> {
        Ok(())
    }

    async fn unresolved_creates(
        &mut self,
        _layouts: &[TypeLayout],
    ) -> Result<Vec<LocalChange>, StoreError> {
        Ok(Vec::new())
    }
}

/// The tail hash of the first `bytes` of the file.
fn scan_tail(file: &mut File, bytes: u64) -> std::io::Result<((), String)> {
    let start = bytes.saturating_sub(TAIL);
    file.seek(SeekFrom::Start(start))?;
    let mut tail = vec![0u8; usize::try_from(bytes - start).unwrap_or(0)];
    file.read_exact(&mut tail)?;
    Ok(((), format!("{:016x}", fnv1a(&tail))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_written_straight_out_match_the_json_map() {
        let fields = vec![
            ("ConsId".to_string(), Field::Value("7".to_string())),
            ("GroupId".to_string(), Field::Value("1".to_string())),
            ("GroupId".to_string(), Field::Value("2".to_string())),
            (
                "Note".to_string(),
                Field::Value("a \"quoted\" line\n".to_string()),
            ),
            ("Suffix".to_string(), Field::Nil),
        ];
        let scattered = vec![
            ("A".to_string(), Field::Value("1".to_string())),
            ("B".to_string(), Field::Value("2".to_string())),
            ("A".to_string(), Field::Value("3".to_string())),
        ];
        // Many distinct paths, then the first again (the bit set must not hide it).
        let mut wide: Vec<(String, Field<String>)> = (0..80)
            .map(|i| (format!("Field{i}"), Field::Value(format!("é{i}\u{1}\\"))))
            .collect();
        wide.push(("Field0".to_string(), Field::Nil));
        let unique: Vec<(String, Field<String>)> = wide[..80].to_vec();
        for pairs in [fields, scattered, wide, unique] {
            let mut buffer = PairBuffer::default();
            for (path, value) in &pairs {
                buffer.push(path, value.as_ref().map(String::as_str));
            }
            let mut out = Vec::new();
            write_line(&mut out, "insert", "Constituent", 1001, &buffer).expect("writes");
            let written: serde_json::Value = serde_json::from_slice(&out).expect("JSON");
            assert_eq!(written["fields"], fields_json(&pairs));
            assert_eq!(written["partition"], 1001);
            assert!(out.ends_with(b"}\n"));
        }
    }

    #[test]
    fn fnv1a_matches_the_reference_values() {
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }
}
