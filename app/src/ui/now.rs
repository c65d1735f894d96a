//! The current time for code that runs in the browser too: std's clock does not exist on
//! wasm32-unknown-unknown (`Utc::now()` panics there), so the browser asks JavaScript's.

use chrono::{DateTime, Utc};

/// Now, in UTC.
pub fn utc_now() -> DateTime<Utc> {
    #[cfg(feature = "hydrate")]
    {
        DateTime::from_timestamp_millis(js_sys::Date::now() as i64).unwrap_or_default()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        Utc::now()
    }
}
