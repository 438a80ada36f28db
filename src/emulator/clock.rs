//! The emulator's clock: real time, or a manual one tests move forward.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Time source of the emulator (sessions, synchronization windows, change log).
///
/// ```
/// use std::time::Duration;
/// use convio::emulator::Clock;
///
/// let clock = Clock::manual(1_700_000_000);
/// let before = clock.now();
/// clock.advance(Duration::from_secs(31 * 60));
/// assert_eq!(clock.now() - before, Duration::from_secs(31 * 60));
/// ```
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub enum Clock {
    /// The system clock.
    #[default]
    System,
    /// A clock that only moves when told to (seconds since the Unix epoch).
    Manual(Arc<Mutex<Duration>>),
}

impl Clock {
    /// A manual clock starting at `unix_seconds`.
    pub fn manual(unix_seconds: u64) -> Self {
        Clock::Manual(Arc::new(Mutex::new(Duration::from_secs(unix_seconds))))
    }

    /// Now, as time since the Unix epoch.
    pub fn now(&self) -> Duration {
        match self {
            Clock::System => SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default(),
            Clock::Manual(now) => *now.lock().unwrap_or_else(|poisoned| poisoned.into_inner()),
        }
    }

    /// Moves a manual clock forward (no effect on the system clock).
    pub fn advance(&self, by: Duration) {
        if let Clock::Manual(now) = self {
            *now.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) += by;
        }
    }
}

/// Formats a time as `xs:dateTime` in UTC, e.g. `2026-11-22T18:13:46Z`.
///
/// ```
/// assert_eq!(convio::emulator::format_date_time(std::time::Duration::from_secs(0)), "1970-01-01T00:00:00Z");
/// ```
pub fn format_date_time(since_epoch: Duration) -> String {
    let seconds = since_epoch.as_secs();
    let (days, rest) = (seconds / 86_400, seconds % 86_400);
    let (year, month, day) = civil_from_days(days as i64);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// Parses an `xs:dateTime` (`YYYY-MM-DDTHH:MM:SS`, optional fraction, `Z` or `±HH:MM`), and
/// the two forms the reference's samples send that are not `xs:dateTime`: a one-digit month
/// or day (`2009-5-1T00:00:00+0000`) and an offset without a colon (`+0000`).
///
/// ```
/// use convio::emulator::{format_date_time, parse_date_time};
/// let t = parse_date_time("2026-11-22T18:13:46+01:00").unwrap();
/// assert_eq!(format_date_time(t), "2026-11-22T17:13:46Z");
/// let t = parse_date_time("2009-5-1T00:00:00+0000").unwrap();
/// assert_eq!(format_date_time(t), "2009-05-01T00:00:00Z");
/// let t = parse_date_time("2015-12-31T00:00:00-0130").unwrap();
/// assert_eq!(format_date_time(t), "2015-12-31T01:30:00Z");
/// assert!(parse_date_time("2009-5-1").is_none());
/// assert!(parse_date_time("2009-005-01T00:00:00Z").is_none());
/// assert!(parse_date_time("2009-05-01T00:00:00+000").is_none());
/// assert!(parse_date_time("2009-05-01T00:00:00+€0").is_none());
/// ```
pub fn parse_date_time(text: &str) -> Option<Duration> {
    let text = text.trim();
    let (date, time) = text.split_once('T')?;
    let mut date_parts = date.split('-');
    let year: i64 = year(date_parts.next()?)?;
    let month: u32 = one_or_two_digits(date_parts.next()?)?;
    let day: u32 = one_or_two_digits(date_parts.next()?)?;
    if date_parts.next().is_some() || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let (clock, offset_seconds) = if let Some(clock) = time.strip_suffix('Z') {
        (clock, 0i64)
    } else {
        let split = time.rfind(['+', '-'])?;
        let (clock, offset) = time.split_at(split);
        let sign = if offset.starts_with('-') { -1 } else { 1 };
        let hours_minutes = &offset[1..];
        let (hours, minutes) = match hours_minutes.split_once(':') {
            Some(parts) => parts,
            // `+0000`: the reference's samples leave the colon out.
            None if hours_minutes.len() == 4 && hours_minutes.is_ascii() => {
                hours_minutes.split_at(2)
            }
            None => return None,
        };
        (
            clock,
            sign * (i64::from(two_digits(hours)?) * 3600 + i64::from(two_digits(minutes)?) * 60),
        )
    };
    let clock = clock.split('.').next()?;
    let mut clock_parts = clock.split(':');
    let hour = two_digits(clock_parts.next()?)?;
    let minute = two_digits(clock_parts.next()?)?;
    let second = two_digits(clock_parts.next()?)?;
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    let total = days * 86_400 + i64::from(hour * 3600 + minute * 60 + second) - offset_seconds;
    u64::try_from(total).ok().map(Duration::from_secs)
}

fn digits(text: &str, lengths: std::ops::RangeInclusive<usize>) -> Option<u32> {
    (lengths.contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
}

fn two_digits(text: &str) -> Option<u32> {
    digits(text, 2..=2)
}

/// A month or day: `05` or, as the reference's samples write it, `5`.
fn one_or_two_digits(text: &str) -> Option<u32> {
    digits(text, 1..=2)
}

/// Four digits or more (xs:dateTime has no sign-less shorter year).
fn year(text: &str) -> Option<i64> {
    digits(text, 4..=9).map(i64::from)
}

// Days since 1970-01-01 to a civil date and back (proleptic Gregorian calendar).
pub(crate) fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

pub(crate) fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year.rem_euclid(400);
    let month = i64::from(month);
    let mp = if month > 2 { month - 3 } else { month + 9 };
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}
