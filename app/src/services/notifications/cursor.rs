//! Opaque page cursors: the position `(created_at, id)` of the last notification of a page.

use chrono::{DateTime, Utc};
use uuid::Uuid;

/// The cursor that continues after `(at, id)`.
pub fn encode(at: DateTime<Utc>, id: Uuid) -> String {
    format!("{}_{}", at.timestamp_micros(), id.simple())
}

/// Latest time a cursor may name (the end of year 9999), in microseconds since 1970. Bounding
/// it keeps a forged cursor within what PostgreSQL's timestamps can hold.
const MAX_MICROS: i64 = 253_402_300_799_999_999;

/// The position a cursor stands for; `None` when it was not made by [`encode`].
pub fn decode(cursor: &str) -> Option<(DateTime<Utc>, Uuid)> {
    let (micros, id) = cursor.split_once('_')?;
    let micros: i64 = micros
        .parse()
        .ok()
        .filter(|m| (0..=MAX_MICROS).contains(m))?;
    let at = DateTime::from_timestamp_micros(micros)?;
    Some((at, Uuid::try_parse(id).ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let at = DateTime::from_timestamp_micros(1_764_000_000_123_456).expect("valid time");
        let id = Uuid::new_v4();
        assert_eq!(decode(&encode(at, id)), Some((at, id)));
        let id = id.simple();
        for bad in [
            "".to_owned(),
            "x".to_owned(),
            "12_".to_owned(),
            "_abc".to_owned(),
            "12_notauuid".to_owned(),
            "99999999999999999999_0".to_owned(),
            format!("-8000000000000000000_{id}"),
            format!("300000000000000000_{id}"),
        ] {
            assert_eq!(decode(bad.as_str()), None, "{bad}");
        }
    }
}
