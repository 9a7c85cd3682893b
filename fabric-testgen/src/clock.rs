//! The frozen clock: every date the generator writes is a constant or counts up from one.
//!
//! Certificates are valid from [`NOT_BEFORE_UNIX`] (2024-01-01T00:00:00Z) for
//! [`VALIDITY_DAYS`] days, as Fabric's cryptogen makes them (10 years). Fabric checks
//! certificate chains as of NotBefore + 1 s (spec 7.3), so these dates never expire a test.

use prost_types::Timestamp;

/// Certificates' NotBefore: 2024-01-01T00:00:00Z, as seconds since the Unix epoch.
pub const NOT_BEFORE_UNIX: i64 = 1_704_067_200;

/// Certificate validity in days (cryptogen uses 3650 × 24 h).
pub const VALIDITY_DAYS: i64 = 3650;

/// Transaction and config timestamps start here: 2024-06-01T00:00:00Z.
pub const FIRST_TX_UNIX: i64 = 1_717_200_000;

/// A clock that only moves when asked: each [`FrozenClock::tick`] returns the current instant
/// and advances it by one second.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrozenClock {
    next_seconds: i64,
}

impl Default for FrozenClock {
    fn default() -> Self {
        Self::starting_at(FIRST_TX_UNIX)
    }
}

impl FrozenClock {
    /// A clock whose first tick is `unix_seconds`.
    #[must_use]
    pub fn starting_at(unix_seconds: i64) -> Self {
        Self {
            next_seconds: unix_seconds,
        }
    }

    /// The current instant (whole seconds, like Fabric's orderer stamps config envelopes);
    /// the clock then moves one second on.
    pub fn tick(&mut self) -> Timestamp {
        let seconds = self.next_seconds;
        self.next_seconds = self.next_seconds.saturating_add(1);
        Timestamp { seconds, nanos: 0 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_count_up_by_one_second() {
        let mut clock = FrozenClock::default();
        let first = clock.tick();
        let second = clock.tick();
        assert_eq!(first.seconds, FIRST_TX_UNIX);
        assert_eq!(second.seconds, first.seconds + 1);
    }
}
