//! Unicode case mapping for what the UI shows and matches. In the browser it is the platform's
//! own `toLowerCase`/`toUpperCase`: Rust's mapping carries 24 KB of tables, which would be part
//! of every page's first load. The server renders with Rust's; both follow the Unicode data.

/// `text` in lower case, for case-insensitive matching.
pub fn lower(text: &str) -> String {
    #[cfg(feature = "hydrate")]
    {
        js_sys::JsString::from(text).to_lower_case().into()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        text.to_lowercase()
    }
}

/// `text` in upper case.
pub fn upper(text: &str) -> String {
    #[cfg(feature = "hydrate")]
    {
        js_sys::JsString::from(text).to_upper_case().into()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        text.to_uppercase()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_beyond_ascii() {
        assert_eq!(lower("Équipe ÖL"), "équipe öl");
        assert_eq!(upper("élodie straße"), "ÉLODIE STRASSE");
    }
}
