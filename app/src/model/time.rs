//! Dates and times as the UI writes and reads them, spelled out by hand: chrono's format-string
//! formatter and parser would otherwise ship in the browser bundle for these three shapes
//! (docs/benchmarks.md, "First-load budget").

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};

/// `2026-12-02 14:05 UTC`.
pub fn utc_minute(at: DateTime<Utc>) -> String {
    format!(
        "{} {:02}:{:02} UTC",
        iso_date(at.date_naive()),
        at.hour(),
        at.minute()
    )
}

/// `2026-12-02`.
pub fn iso_date(date: NaiveDate) -> String {
    format!("{:04}-{:02}-{:02}", date.year(), date.month(), date.day())
}

/// A calendar date written `YYYY-MM-DD` (what a date input sends), or None.
pub fn parse_iso_date(value: &str) -> Option<NaiveDate> {
    let mut parts = value.split('-');
    let (year, month, day) = (parts.next()?, parts.next()?, parts.next()?);
    let digits = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_digit());
    if parts.next().is_some() || !digits(year, 4) || !digits(month, 2) || !digits(day, 2) {
        return None;
    }
    NaiveDate::from_ymd_opt(year.parse().ok()?, month.parse().ok()?, day.parse().ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn writes_minutes_and_dates_zero_padded() {
        let at = Utc.with_ymd_and_hms(2026, 3, 4, 5, 6, 59).single();
        assert_eq!(at.map(utc_minute).as_deref(), Some("2026-03-04 05:06 UTC"));
        let date = NaiveDate::from_ymd_opt(987, 12, 31);
        assert_eq!(date.map(iso_date).as_deref(), Some("0987-12-31"));
    }

    #[test]
    fn reads_only_complete_real_dates() {
        assert_eq!(
            parse_iso_date("1990-02-28"),
            NaiveDate::from_ymd_opt(1990, 2, 28)
        );
        for bad in [
            "1990-02-30",
            "1990-2-28",
            "90-02-28",
            "1990-02-28-1",
            "1990/02/28",
            "",
            "+990-02-28",
            "1990-02-2x",
        ] {
            assert_eq!(parse_iso_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn round_trips() {
        let date = NaiveDate::from_ymd_opt(2024, 2, 29);
        assert_eq!(date.map(iso_date).as_deref().and_then(parse_iso_date), date);
    }
}
