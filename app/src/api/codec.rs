//! The wire codec of every server function: JSON, decoded from text. serde_json compiles a
//! separate deserializer for each kind of input it reads (`&str` or `&[u8]`); Leptos hydrates
//! resources from text while server_fn's own `Json` decodes responses from bytes, so the
//! browser bundle carried every model's deserializer twice. Decoding from text here shares one.

use leptos::server_fn::{codec::Post, Bytes, ContentType, Decodes, Encodes, Format, FormatType};
use serde::{de::DeserializeOwned, Serialize};

/// JSON in a `POST` body, in both directions.
pub type Json = Post<JsonText>;

/// JSON that is decoded as UTF-8 text.
pub struct JsonText;

impl ContentType for JsonText {
    const CONTENT_TYPE: &'static str = "application/json";
}

impl FormatType for JsonText {
    const FORMAT_TYPE: Format = Format::Text;
}

impl<T: Serialize> Encodes<T> for JsonText {
    type Error = serde_json::Error;

    fn encode(value: &T) -> Result<Bytes, Self::Error> {
        serde_json::to_vec(value).map(Bytes::from)
    }
}

impl<T: DeserializeOwned> Decodes<T> for JsonText {
    type Error = serde_json::Error;

    fn decode(bytes: Bytes) -> Result<T, Self::Error> {
        let text = std::str::from_utf8(&bytes).map_err(serde::de::Error::custom)?;
        serde_json::from_str(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::error::ErrorDetail;

    #[test]
    fn round_trips_and_reports_bad_bytes() {
        let detail = ErrorDetail::new("not_found", "No such room.");
        let bytes =
            <JsonText as Encodes<ErrorDetail>>::encode(&detail).unwrap_or_else(|e| panic!("{e}"));
        let back: Result<ErrorDetail, _> = <JsonText as Decodes<ErrorDetail>>::decode(bytes);
        assert_eq!(back.ok(), Some(detail));
        let invalid = Bytes::from_static(b"\"\xff\"");
        assert!(<JsonText as Decodes<String>>::decode(invalid).is_err());
    }
}
