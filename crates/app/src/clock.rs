//! The one place the app reads the time. Production runs on the system clock; tests fix it, so that "today",
//! "tomorrow" and intervals are facts of the test rather than of the day it runs.

use std::fmt;
use std::sync::Arc;

use taut_core::records::format_utc;
use time::{Date, OffsetDateTime};

/// A source of the current instant (UTC), shared by every clone of the [`crate::App`].
#[derive(Clone)]
pub struct Clock(Arc<dyn Fn() -> OffsetDateTime + Send + Sync>);

impl Clock {
    /// The wall clock.
    pub fn system() -> Clock {
        Clock(Arc::new(OffsetDateTime::now_utc))
    }

    /// A clock that always reads `at` (tests).
    pub fn fixed(at: OffsetDateTime) -> Clock {
        Clock(Arc::new(move || at))
    }

    /// Any source of instants, e.g. a clock a test advances.
    pub fn from_fn(read: impl Fn() -> OffsetDateTime + Send + Sync + 'static) -> Clock {
        Clock(Arc::new(read))
    }

    /// The current instant in UTC.
    pub fn now(&self) -> OffsetDateTime {
        (self.0)().to_offset(time::UtcOffset::UTC)
    }

    /// The current instant as stored (RFC 3339, UTC).
    pub fn text(&self) -> String {
        format_utc(self.now())
    }

    /// Today's date in UTC.
    pub fn today(&self) -> Date {
        self.now().date()
    }
}

impl Default for Clock {
    fn default() -> Clock {
        Clock::system()
    }
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Clock({})", self.text())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_clock_reads_the_same_instant_in_utc() {
        let at = time::macros::datetime!(2026-03-02 10:00 +01:00);
        let clock = Clock::fixed(at);
        assert_eq!(clock.now(), at);
        assert_eq!(clock.text(), "2026-03-02T09:00:00.000000Z");
        assert_eq!(clock.today(), time::macros::date!(2026 - 03 - 02));
    }
}
