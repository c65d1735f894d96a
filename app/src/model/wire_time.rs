//! How the browser reads the timestamps and dates the server sends. chrono's own deserializers
//! go through its general parser, which accepts many formats and is ~15 KB of WASM on every
//! page; the server only ever writes RFC 3339 (`2026-12-02T14:05:09.123456Z`) and `YYYY-MM-DD`,
//! which these read by hand. Model fields use them in the browser build only
//! (`cfg_attr(feature = "hydrate", …)`): the server and the REST API keep chrono's lenient
//! parser for what clients send.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use serde::{de::Error, Deserialize, Deserializer};

use super::time::parse_iso_date;

/// An RFC 3339 date-time (`T` or space between date and time, optional fraction, `Z` or a
/// `±HH:MM` offset) as UTC, or None.
pub fn parse_rfc3339(value: &str) -> Option<DateTime<Utc>> {
    let date = parse_iso_date(value.get(..10)?)?;
    let rest = value.get(10..)?;
    let rest = rest.strip_prefix(['T', 't', ' '])?;
    let (hour, rest) = two_digits(rest)?;
    let (minute, rest) = two_digits(rest.strip_prefix(':')?)?;
    let (second, mut rest) = two_digits(rest.strip_prefix(':')?)?;
    let mut nanos = 0;
    if let Some(fraction) = rest.strip_prefix('.') {
        let len = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if len == 0 {
            return None;
        }
        // Digits past nanoseconds are dropped, as chrono does.
        let kept = &fraction.as_bytes()[..len.min(9)];
        nanos = kept.iter().fold(0, |n, d| n * 10 + u32::from(d - b'0'))
            * 10u32.pow(9 - kept.len() as u32);
        rest = &fraction[len..];
    }
    let offset_seconds = match rest {
        "Z" | "z" => 0,
        _ => {
            let (sign, rest) = match rest.as_bytes().first()? {
                b'+' => (1, &rest[1..]),
                b'-' => (-1, &rest[1..]),
                _ => return None,
            };
            let (hours, rest) = two_digits(rest)?;
            let (minutes, rest) = two_digits(rest.strip_prefix(':')?)?;
            if !rest.is_empty() || hours > 23 || minutes > 59 {
                return None;
            }
            sign * i64::from(hours * 3600 + minutes * 60)
        }
    };
    let local = date.and_hms_nano_opt(hour, minute, second, nanos)?;
    let utc = local.checked_sub_signed(TimeDelta::seconds(offset_seconds))?;
    Some(utc.and_utc())
}

/// The two ASCII digits `text` starts with, as a number, and what follows them.
fn two_digits(text: &str) -> Option<(u32, &str)> {
    match text.as_bytes() {
        [a @ b'0'..=b'9', b @ b'0'..=b'9', ..] => {
            Some((u32::from(a - b'0') * 10 + u32::from(b - b'0'), &text[2..]))
        }
        _ => None,
    }
}

/// `#[serde(deserialize_with)]` for a `DateTime<Utc>`.
pub fn utc<'de, D: Deserializer<'de>>(deserializer: D) -> Result<DateTime<Utc>, D::Error> {
    let text = String::deserialize(deserializer)?;
    parse_rfc3339(&text).ok_or_else(|| D::Error::custom("expected an RFC 3339 date and time"))
}

/// `#[serde(default, deserialize_with)]` for an `Option<DateTime<Utc>>`.
pub fn utc_opt<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<DateTime<Utc>>, D::Error> {
    Option::<String>::deserialize(deserializer)?
        .map(|text| {
            parse_rfc3339(&text)
                .ok_or_else(|| D::Error::custom("expected an RFC 3339 date and time"))
        })
        .transpose()
}

/// `#[serde(default, deserialize_with)]` for an `Option<NaiveDate>` written `YYYY-MM-DD`.
pub fn date_opt<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<NaiveDate>, D::Error> {
    Option::<String>::deserialize(deserializer)?
        .map(|text| {
            parse_iso_date(&text).ok_or_else(|| D::Error::custom("expected a YYYY-MM-DD date"))
        })
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn chrono_reads(text: &str) -> Option<DateTime<Utc>> {
        text.parse::<DateTime<Utc>>().ok()
    }

    #[test]
    fn reads_what_chrono_writes() {
        let at = Utc.with_ymd_and_hms(2026, 12, 2, 14, 5, 9).single();
        for nanos in [0, 123_000_000, 123_456_000, 123_456_789, 1] {
            let at = at.map(|at| at + TimeDelta::nanoseconds(nanos));
            let json = serde_json::to_string(&at).unwrap_or_default();
            let text: String = serde_json::from_str(&json).unwrap_or_default();
            assert_eq!(parse_rfc3339(&text), at, "{text}");
        }
    }

    #[test]
    fn agrees_with_chrono_on_offsets_and_fractions() {
        for text in [
            "2026-12-02T14:05:09Z",
            "2026-12-02t14:05:09z",
            "2026-12-02 14:05:09Z",
            "2026-12-02T14:05:09.5Z",
            "2026-12-02T14:05:09.1234567891Z",
            "2026-12-02T00:30:00+01:00",
            "2026-12-31T23:30:00-05:30",
            "2024-02-29T12:00:00Z",
        ] {
            assert!(parse_rfc3339(text).is_some(), "{text}");
            assert_eq!(parse_rfc3339(text), chrono_reads(text), "{text}");
        }
    }

    #[test]
    fn refuses_what_is_not_a_complete_time() {
        for text in [
            "",
            "2026-12-02",
            "2026-12-02T14:05Z",
            "2026-12-02T14:05:09",
            "2026-12-02T14:05:09.Z",
            "2026-12-02T24:00:00Z",
            "2026-02-30T10:00:00Z",
            "2026-12-02T14:05:09+0100",
            "2026-12-02T14:05:09+01:00x",
            "2026-12-02T14:05:09+24:00",
            "2026-12-02X14:05:09Z",
            "2026-12-02T1a:05:09Z",
        ] {
            assert_eq!(parse_rfc3339(text), None, "{text}");
        }
    }

    #[derive(Deserialize)]
    struct Stamps {
        #[serde(deserialize_with = "utc")]
        at: DateTime<Utc>,
        #[serde(default, deserialize_with = "utc_opt")]
        until: Option<DateTime<Utc>>,
        #[serde(default, deserialize_with = "date_opt")]
        born: Option<NaiveDate>,
    }

    #[test]
    fn serde_adapters_read_values_nulls_and_missing_fields() {
        let full: Stamps = serde_json::from_str(
            r#"{"at":"2026-12-02T14:05:09Z","until":"2026-12-03T00:00:00Z","born":"1990-02-28"}"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(Some(full.at), chrono_reads("2026-12-02T14:05:09Z"));
        assert_eq!(full.until, chrono_reads("2026-12-03T00:00:00Z"));
        assert_eq!(full.born, NaiveDate::from_ymd_opt(1990, 2, 28));

        let sparse: Stamps = serde_json::from_str(r#"{"at":"2026-12-02T14:05:09Z","until":null}"#)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((sparse.until, sparse.born), (None, None));

        let bad = serde_json::from_str::<Stamps>(r#"{"at":"yesterday"}"#);
        assert!(bad.is_err_and(|e| e.to_string().contains("RFC 3339")));
    }
}
