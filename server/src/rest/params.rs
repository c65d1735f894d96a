//! Schemas of the query parameters, from the same limits the services enforce.

use app::{
    model::{
        message::{HISTORY_DEFAULT, HISTORY_MAX, SEARCH_QUERY_MAX},
        notification::{NotificationKind, PAGE_DEFAULT, PAGE_MAX},
        room::DIRECTORY_SEARCH_MAX,
        schema,
    },
    services::{
        rooms::{DIRECTORY_DEFAULT, DIRECTORY_MAX},
        users::{SEARCH_DEFAULT, SEARCH_MAX},
    },
};
use utoipa::openapi::{RefOr, Schema};

/// `schema` with `description` (`schema_with` parameters carry no doc comment of their own).
fn described(schema: RefOr<Schema>, description: &str) -> RefOr<Schema> {
    match schema {
        RefOr::T(Schema::Object(mut object)) => {
            object.description = Some(description.to_owned());
            RefOr::T(Schema::Object(object))
        }
        other => other,
    }
}

/// A `limit` of 1 to `max` that defaults to `default`, described from the same constants the
/// service checks.
fn page_size(what: &str, max: i64, default: i64) -> RefOr<Schema> {
    described(
        schema::int_param(1, max),
        &format!("{what}, 1 to {max} (default {default})."),
    )
}

/// `limit` of a history page.
pub fn history_limit() -> RefOr<Schema> {
    page_size("Page size", HISTORY_MAX, HISTORY_DEFAULT)
}

/// `limit` of a directory page.
pub fn directory_limit() -> RefOr<Schema> {
    page_size("Page size", DIRECTORY_MAX, DIRECTORY_DEFAULT)
}

/// `limit` of a user search.
pub fn user_search_limit() -> RefOr<Schema> {
    page_size("Most results", SEARCH_MAX, SEARCH_DEFAULT)
}

/// `limit` of a notification page.
pub fn notification_limit() -> RefOr<Schema> {
    page_size("Page size", PAGE_MAX, PAGE_DEFAULT)
}

/// A sequence number or offset: 0 or more.
pub fn non_negative() -> RefOr<Schema> {
    described(schema::int_param(0, i64::MAX), "0 or more.")
}

/// `sort` of the directory.
pub fn directory_sort() -> RefOr<Schema> {
    described(
        schema::one_of(&["members", "newest"]),
        "`members` (default) or `newest`.",
    )
}

/// `search` of the directory.
pub fn directory_search() -> RefOr<Schema> {
    described(
        schema::free_text_param(DIRECTORY_SEARCH_MAX),
        &format!("Text to find in names and descriptions (case-insensitive), at most {DIRECTORY_SEARCH_MAX} characters; blank matches everything."),
    )
}

/// `q` of the message search.
pub fn message_query() -> RefOr<Schema> {
    described(
        schema::required_text_param(SEARCH_QUERY_MAX),
        &format!("Words to find, 1 to {SEARCH_QUERY_MAX} characters."),
    )
}

/// `search` of the user search: a username prefix, `@` allowed in front.
pub fn user_prefix() -> RefOr<Schema> {
    described(
        schema::not_blank_after('@'),
        "Start of a username (case-insensitive); a leading `@` is ignored.",
    )
}

/// `kind` of the notification list: a kind, or empty for all.
pub fn notification_kind() -> RefOr<Schema> {
    let mut kinds: Vec<&str> = NotificationKind::ALL.iter().map(|k| k.as_str()).collect();
    kinds.push("");
    described(schema::one_of(&kinds), "Only this kind; empty for all.")
}

/// `cursor` of the notification list: a `next_cursor`, or empty for the first page.
pub fn notification_cursor() -> RefOr<Schema> {
    described(
        schema::matching("^(?:[0-9]{1,17}_[0-9a-f]{32})?$"),
        "`next_cursor` of the previous page; empty for the first page.",
    )
}
