//! Times and days in the reader's own time zone. The conversation renders only in the
//! browser, so there is no server rendering to disagree with; the UTC fallback serves tests.

use chrono::{DateTime, Utc};

/// A calendar day: a sortable key and how to say it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Day {
    /// `yyyymmdd` in the reader's zone.
    pub key: u32,
    /// "Today", "Yesterday" or the full date.
    pub label: String,
}

/// The local day of `at`.
pub fn day_of(at: DateTime<Utc>) -> Day {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsValue;
        let date = js_sys::Date::new(&JsValue::from_f64(at.timestamp_millis() as f64));
        let key = key_of(&date);
        let now = js_sys::Date::new_0();
        let yesterday = js_sys::Date::new(&JsValue::from_f64(now.get_time() - 86_400_000.0));
        let label = if key == key_of(&now) {
            "Today".to_owned()
        } else if key == key_of(&yesterday) {
            "Yesterday".to_owned()
        } else {
            let options = js_sys::Object::new();
            for (name, value) in [
                ("weekday", "long"),
                ("year", "numeric"),
                ("month", "long"),
                ("day", "numeric"),
            ] {
                let _ = js_sys::Reflect::set(&options, &name.into(), &value.into());
            }
            String::from(date.to_locale_date_string("default", &options))
        };
        Day { key, label }
    }
    #[cfg(not(feature = "hydrate"))]
    {
        use chrono::Datelike;
        let date = at.date_naive();
        let key = date.year().max(0) as u32 * 10_000 + date.month() * 100 + date.day();
        Day {
            key,
            label: date.format("%A, %-d %B %Y").to_string(),
        }
    }
}

/// `HH:MM` of `at` in the reader's zone.
pub fn time_of(at: DateTime<Utc>) -> String {
    #[cfg(feature = "hydrate")]
    {
        let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(
            at.timestamp_millis() as f64
        ));
        format!("{:02}:{:02}", date.get_hours(), date.get_minutes())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        at.format("%H:%M").to_string()
    }
}

/// The full date and time of `at` in the reader's zone and locale, for a timestamp's tooltip.
pub fn full_time_of(at: DateTime<Utc>) -> String {
    #[cfg(feature = "hydrate")]
    {
        let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(
            at.timestamp_millis() as f64
        ));
        let options = js_sys::Object::new();
        for (name, value) in [("dateStyle", "full"), ("timeStyle", "medium")] {
            let _ = js_sys::Reflect::set(&options, &name.into(), &value.into());
        }
        String::from(date.to_locale_string("default", &options))
    }
    #[cfg(not(feature = "hydrate"))]
    {
        at.format("%A, %-d %B %Y at %H:%M:%S UTC").to_string()
    }
}

#[cfg(feature = "hydrate")]
fn key_of(date: &js_sys::Date) -> u32 {
    date.get_full_year() * 10_000 + (date.get_month() + 1) * 100 + date.get_date()
}
