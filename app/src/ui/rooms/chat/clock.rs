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
            DAY_FORMAT.with(|f| format_with(f, &date))
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
        FULL_FORMAT.with(|f| format_with(f, &date))
    }
    #[cfg(not(feature = "hydrate"))]
    {
        at.format("%A, %-d %B %Y at %H:%M:%S UTC").to_string()
    }
}

#[cfg(feature = "hydrate")]
thread_local! {
    // Built once: `toLocale…String` builds a formatter on every call, which made the tooltips
    // and day labels a visible part of rendering a page of messages.
    static DAY_FORMAT: js_sys::Function =
        formatter(&[("weekday", "long"), ("year", "numeric"), ("month", "long"), ("day", "numeric")]);
    static FULL_FORMAT: js_sys::Function = formatter(&[("dateStyle", "full"), ("timeStyle", "medium")]);
}

/// The bound `format` of an `Intl.DateTimeFormat` for the reader's locale with `options`.
#[cfg(feature = "hydrate")]
fn formatter(options: &[(&str, &str)]) -> js_sys::Function {
    let object = js_sys::Object::new();
    for (name, value) in options {
        let _ = js_sys::Reflect::set(&object, &(*name).into(), &(*value).into());
    }
    js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &object).format()
}

/// `date` as `format` says.
#[cfg(feature = "hydrate")]
fn format_with(format: &js_sys::Function, date: &js_sys::Date) -> String {
    format
        .call1(&wasm_bindgen::JsValue::UNDEFINED, date)
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_default()
}

#[cfg(feature = "hydrate")]
fn key_of(date: &js_sys::Date) -> u32 {
    date.get_full_year() * 10_000 + (date.get_month() + 1) * 100 + date.get_date()
}
