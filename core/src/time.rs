//! Times as people read them: UTC dates of milliseconds since the Unix epoch.

/// A UTC date and time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UtcTime {
    /// The year.
    pub year: i64,
    /// The month, 1 to 12.
    pub month: i64,
    /// The day of the month, from 1.
    pub day: i64,
    /// The hour, 0 to 23.
    pub hour: i64,
    /// The minute.
    pub minute: i64,
    /// The second.
    pub second: i64,
    /// The millisecond.
    pub millisecond: i64,
}

impl UtcTime {
    /// The time `ms` milliseconds after 1970-01-01T00:00:00Z (before it when negative).
    pub fn from_ms(ms: i64) -> UtcTime {
        let days = ms.div_euclid(86_400_000);
        let rem = ms.rem_euclid(86_400_000);
        // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        UtcTime {
            year: yoe + era * 400 + i64::from(month <= 2),
            month,
            day,
            hour: rem / 3_600_000,
            minute: rem / 60_000 % 60,
            second: rem / 1000 % 60,
            millisecond: rem % 1000,
        }
    }

    /// ISO 8601, as JavaScript's `toISOString` writes it: `2024-01-01T00:00:00.000Z`.
    pub fn iso(&self) -> String {
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
            self.year, self.month, self.day, self.hour, self.minute, self.second, self.millisecond
        )
    }
}

#[cfg(test)]
mod tests {
    use super::UtcTime;

    #[test]
    fn dates_are_utc_and_iso_8601() {
        assert_eq!(UtcTime::from_ms(0).iso(), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            UtcTime::from_ms(1_704_067_200_123).iso(),
            "2024-01-01T00:00:00.123Z"
        );
        assert_eq!(
            UtcTime::from_ms(1_709_210_096_789).iso(),
            "2024-02-29T12:34:56.789Z"
        );
        assert_eq!(UtcTime::from_ms(-1).iso(), "1969-12-31T23:59:59.999Z");
    }
}
