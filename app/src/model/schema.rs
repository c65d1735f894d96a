//! [ssr] OpenAPI schemas of request fields, built from the validation constants so the document
//! states exactly what the server enforces. Fields refer to these with
//! `#[cfg_attr(feature = "ssr", schema(schema_with = ...))]`.
//!
//! Many fields are trimmed before validation: their patterns allow surrounding whitespace (the
//! characters `str::trim` removes) and state the rules for the trimmed text, so a value matches
//! the pattern exactly when the server accepts it. Patterns use only syntax that ECMA-262 and
//! Python agree on (`\uXXXX` escapes, classes, bounded repeats), without look-around.

use utoipa::openapi::{
    schema::{AllOfBuilder, AnyOfBuilder, ObjectBuilder, SchemaType, Type},
    KnownFormat, RefOr, Schema, SchemaFormat,
};

use super::{
    message::{CLIENT_ID_MAX, EMOJI_MAX, MESSAGE_MAX},
    room::{INVITE_LINK_TTL, INVITE_LINK_USES, ROOM_DESCRIPTION_MAX, ROOM_NAME_MAX, SLOW_MODE_MAX},
    validation::{
        self, DISPLAY_NAME_MAX, EMAIL_LOCAL_MAX, EMAIL_MAX, PARTICIPANTS_RANGE, PASSWORD_LEN,
        URL_MAX, USERNAME_LEN,
    },
};

/// Characters `str::trim` removes (Unicode White_Space), as the body of a regex class.
const WS: &str =
    r"\u0009-\u000D\u0020\u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000";
/// Control characters (Unicode Cc), as the body of a regex class.
const CC: &str = r"\u0000-\u001F\u007F-\u009F";
/// Control characters but tab and newline, which free text may contain.
const CC_BUT_TAB_LF: &str = r"\u0000-\u0008\u000B-\u001F\u007F-\u009F";

fn string_type(nullable: bool) -> SchemaType {
    if nullable {
        SchemaType::from_iter([Type::String, Type::Null])
    } else {
        SchemaType::Type(Type::String)
    }
}

fn string(nullable: bool) -> ObjectBuilder {
    ObjectBuilder::new().schema_type(string_type(nullable))
}

/// `inner` (a regex for the trimmed value) with optional surrounding whitespace, anchored.
fn trimmed(inner: &str) -> String {
    format!("^[{WS}]*{inner}[{WS}]*$")
}

/// Regex for `min..=max` characters of class `body` (a negated class body: characters it
/// excludes), whose first and last characters are not whitespace; `min` is 0 or 1.
fn visible_text(min: usize, max: usize, excluded: &str) -> String {
    let edge = format!("[^{excluded}{WS}]");
    let inner = match max {
        0 => String::new(),
        1 => edge.clone(),
        _ => format!("{edge}(?:[^{excluded}]{{0,{}}}{edge})?", max - 2),
    };
    if min == 0 {
        format!("(?:{inner})?")
    } else {
        inner
    }
}

fn done(builder: ObjectBuilder) -> RefOr<Schema> {
    RefOr::T(Schema::Object(builder.build()))
}

fn with_pattern(nullable: bool, pattern: String, description: &str) -> RefOr<Schema> {
    done(
        string(nullable)
            .pattern(Some(pattern))
            .description(Some(description)),
    )
}

fn username_pattern() -> String {
    trimmed(&format!(
        "[A-Za-z0-9_.-]{{{},{}}}",
        USERNAME_LEN.0, USERNAME_LEN.1
    ))
}

/// A username: 3–32 letters, digits, `_`, `.` or `-` (surrounding whitespace is ignored).
pub fn username() -> RefOr<Schema> {
    with_pattern(
        false,
        username_pattern(),
        "Username: 3 to 32 letters, digits, '_', '.' or '-' (unique, case-insensitive).",
    )
}

/// [`username`] or null (unchanged).
pub fn username_opt() -> RefOr<Schema> {
    with_pattern(
        true,
        username_pattern(),
        "New username: 3 to 32 letters, digits, '_', '.' or '-'.",
    )
}

fn email_pattern() -> String {
    let atom = format!("[^.@{CC}{WS}-]");
    let label = format!("(?:{atom}|{atom}[^.@{CC}{WS}]*{atom})");
    trimmed(&format!(
        "[^@{CC}{WS}]{{1,{EMAIL_LOCAL_MAX}}}@{label}(?:\\.{label})+"
    ))
}

fn email_schema(nullable: bool) -> RefOr<Schema> {
    done(
        string(nullable)
            .max_length(Some(EMAIL_MAX))
            .pattern(Some(email_pattern()))
            .description(Some(
                "Email address like name@example.com, at most 254 characters (unique, \
                 case-insensitive).",
            )),
    )
}

/// An email address.
pub fn email() -> RefOr<Schema> {
    email_schema(false)
}

/// [`email`] or null (unchanged).
pub fn email_opt() -> RefOr<Schema> {
    email_schema(true)
}

/// A new password: 8–128 characters, not one of the most common passwords.
pub fn password() -> RefOr<Schema> {
    done(
        string(false)
            .min_length(Some(PASSWORD_LEN.0))
            .max_length(Some(PASSWORD_LEN.1))
            .description(Some(
                "Password, 8 to 128 characters; not one of the most common passwords and not \
                 the username or email.",
            )),
    )
}

/// A non-empty string (a password to check, say).
pub fn non_empty() -> RefOr<Schema> {
    done(string(false).min_length(Some(1)))
}

/// A string with at least one character that is not whitespace.
pub fn not_blank() -> RefOr<Schema> {
    done(string(false).pattern(Some(format!("[^{WS}]"))))
}

/// A display name at registration: 1–64 visible characters, or blank/null for the username.
pub fn display_name_or_default() -> RefOr<Schema> {
    with_pattern(
        true,
        trimmed(&visible_text(0, DISPLAY_NAME_MAX, CC)),
        "Name shown to others, up to 64 characters without control characters; blank or \
         absent means the username.",
    )
}

/// A new display name (1–64 visible characters) or null (unchanged).
pub fn display_name_opt() -> RefOr<Schema> {
    with_pattern(
        true,
        trimmed(&visible_text(1, DISPLAY_NAME_MAX, CC)),
        "New display name, 1 to 64 characters without control characters.",
    )
}

fn room_name_schema(nullable: bool) -> RefOr<Schema> {
    with_pattern(
        nullable,
        trimmed(&visible_text(1, ROOM_NAME_MAX, CC)),
        "Room name, 1 to 80 characters without control characters.",
    )
}

/// A room name.
pub fn room_name() -> RefOr<Schema> {
    room_name_schema(false)
}

/// [`room_name`] or null (unchanged).
pub fn room_name_opt() -> RefOr<Schema> {
    room_name_schema(true)
}

fn description_schema(nullable: bool) -> RefOr<Schema> {
    done(
        string(nullable)
            .max_length(Some(ROOM_DESCRIPTION_MAX))
            .pattern(Some(format!("^[^{CC_BUT_TAB_LF}]*$")))
            .description(Some(
                "Description, at most 1000 characters; no control characters but tab and newline.",
            )),
    )
}

/// A room description.
pub fn room_description() -> RefOr<Schema> {
    description_schema(false)
}

/// [`room_description`] or null (unchanged).
pub fn room_description_opt() -> RefOr<Schema> {
    description_schema(true)
}

/// Free text of at most `max` characters (trimmed; no control characters but tab and newline);
/// blank clears; null keeps.
pub fn free_text_opt(max: usize) -> RefOr<Schema> {
    with_pattern(
        true,
        trimmed(&visible_text(0, max, CC_BUT_TAB_LF)),
        &format!(
            "At most {max} characters without control characters (but tab and newline); \
             blank clears."
        ),
    )
}

fn url_pattern() -> String {
    // After the scheme: no space, no control characters but tab and newline, not starting
    // with `/`, ending with a character `trim` keeps; the whole URL at most URL_MAX characters.
    let rest = |scheme_len: usize| {
        let max = URL_MAX - scheme_len;
        let first = format!("[^/ {CC_BUT_TAB_LF}{WS}]");
        let middle = format!("[^ {CC_BUT_TAB_LF}]");
        let last = format!("[^ {CC_BUT_TAB_LF}{WS}]");
        format!(
            "(?:{first}|[^/ {CC_BUT_TAB_LF}]{middle}{{0,{}}}{last})",
            max - 2
        )
    };
    trimmed(&format!(
        "(?:https://{}|http://{})?",
        rest("https://".len()),
        rest("http://".len())
    ))
}

/// An `http(s)://` URL of at most 2048 characters; blank clears; null keeps.
pub fn url_opt() -> RefOr<Schema> {
    with_pattern(
        true,
        url_pattern(),
        "An http:// or https:// URL of at most 2048 characters, without spaces; blank clears.",
    )
}

/// A phone number: digits with `+`, spaces, `-`, `(`, `)` or `.`; blank clears; null keeps.
pub fn phone_opt() -> RefOr<Schema> {
    // The characters and the length (no leading or trailing space) ...
    let edge = r"[0-9+().\-]";
    let any = r"[0-9+ ().\-]";
    let shape = string(false).pattern(Some(trimmed(&format!(
        "(?:{edge}(?:{any}{{0,{}}}{edge})?)?",
        validation::PHONE_MAX - 2
    ))));
    // ... and at least three digits, unless blank.
    let digits = string(false).pattern(Some(format!("[0-9][^0-9]*[0-9][^0-9]*[0-9]|^[{WS}]*$")));
    let null = ObjectBuilder::new().schema_type(SchemaType::Type(Type::Null));
    RefOr::T(Schema::AnyOf(
        AnyOfBuilder::new()
            .item(AllOfBuilder::new().item(shape).item(digits))
            .item(null)
            .description(Some(
                "Phone number like +1 555 0100: at most 32 digits, spaces and + - ( ) . with at \
                 least three digits; blank clears.",
            ))
            .build(),
    ))
}

fn nullable_int(min: i64, max: i64, format: KnownFormat, description: &str) -> RefOr<Schema> {
    done(
        ObjectBuilder::new()
            .schema_type(SchemaType::from_iter([Type::Integer, Type::Null]))
            .format(Some(SchemaFormat::KnownFormat(format)))
            .minimum(Some(min))
            .maximum(Some(max))
            .description(Some(description)),
    )
}

/// An invite link's lifetime in seconds, or null for none.
pub fn link_ttl_opt() -> RefOr<Schema> {
    nullable_int(
        INVITE_LINK_TTL.0,
        INVITE_LINK_TTL.1,
        KnownFormat::Int64,
        "Lifetime in seconds, 60 (a minute) to 2592000 (30 days); null for no expiry.",
    )
}

/// An invite link's use limit, or null for none.
pub fn link_uses_opt() -> RefOr<Schema> {
    nullable_int(
        i64::from(INVITE_LINK_USES.0),
        i64::from(INVITE_LINK_USES.1),
        KnownFormat::Int32,
        "How many people may use it, 1 to 10000; null for unlimited.",
    )
}

/// A seat limit for a new room: 2–100000, or null for none.
pub fn max_participants_opt() -> RefOr<Schema> {
    done(
        ObjectBuilder::new()
            .schema_type(SchemaType::from_iter([Type::Integer, Type::Null]))
            .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                utoipa::openapi::KnownFormat::Int32,
            )))
            .minimum(Some(PARTICIPANTS_RANGE.0))
            .maximum(Some(PARTICIPANTS_RANGE.1))
            .description(Some("Seat limit, 2 to 100000; null for none.")),
    )
}

/// A new seat limit: 0 (none) or 2–100000; null keeps.
pub fn max_participants_change() -> RefOr<Schema> {
    let range = ObjectBuilder::new()
        .schema_type(SchemaType::Type(Type::Integer))
        .minimum(Some(PARTICIPANTS_RANGE.0))
        .maximum(Some(PARTICIPANTS_RANGE.1));
    let none = ObjectBuilder::new()
        .schema_type(SchemaType::Type(Type::Integer))
        .enum_values(Some([0]));
    let null = ObjectBuilder::new().schema_type(SchemaType::Type(Type::Null));
    RefOr::T(Schema::AnyOf(
        AnyOfBuilder::new()
            .item(range)
            .item(none)
            .item(null)
            .description(Some(
                "New seat limit, 2 to 100000 and at least the current number of participants; \
                 0 removes the limit; null keeps it.",
            ))
            .build(),
    ))
}

/// A message body: 1–4000 characters after trimming, no NUL.
pub fn message_body() -> RefOr<Schema> {
    with_pattern(
        false,
        trimmed(&visible_text(1, MESSAGE_MAX, r"\u0000")),
        "Text, 1 to 4000 characters after trimming; no NUL characters.",
    )
}

/// A client id: 1–64 characters after trimming, no NUL; or null.
pub fn client_id_opt() -> RefOr<Schema> {
    with_pattern(
        true,
        trimmed(&visible_text(1, CLIENT_ID_MAX, r"\u0000")),
        "Client-chosen idempotency key, 1 to 64 characters after trimming: a retried send with \
         the same key returns the stored message instead of creating another.",
    )
}

/// One emoji: 1–32 characters that are not ASCII letters, digits, whitespace or controls.
pub fn emoji() -> RefOr<Schema> {
    with_pattern(
        false,
        trimmed(&format!("[^A-Za-z0-9{CC}{WS}]{{1,{EMOJI_MAX}}}")),
        "One emoji (1 to 32 characters, no letters, digits or spaces).",
    )
}

macro_rules! free_text_fields {
    ($($name:ident = $max:expr),* $(,)?) => {$(
        #[doc = concat!("Free text of at most `", stringify!($max), "` characters; blank clears.")]
        pub fn $name() -> RefOr<Schema> {
            free_text_opt($max)
        }
    )*};
}

free_text_fields! {
    address_opt = validation::ADDRESS_MAX,
    place_opt = validation::PLACE_MAX,
    postal_code_opt = validation::POSTAL_CODE_MAX,
    gender_opt = validation::GENDER_MAX,
    education_opt = validation::EDUCATION_MAX,
    bio_opt = validation::BIO_MAX,
    ban_reason_opt = validation::BAN_REASON_MAX,
}

/// A birth date `YYYY-MM-DD` from 1900 up to today; blank clears; null keeps.
///
/// The pattern admits real dates from 1900-01-01 to the end of last year except 29 February;
/// the server also accepts 29 February of leap years and the days of this year up to today
/// (which a pattern could only state by growing every day).
pub fn birth_date_opt() -> RefOr<Schema> {
    use chrono::Datelike;
    let last_year = chrono::Utc::now().year() - 1;
    let years = (1900..=last_year)
        .map(|y| y.to_string())
        .collect::<Vec<_>>()
        .join("|");
    let month_day = "(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])|(?:0[13-9]|1[0-2])-(?:29|30)\
                     |(?:0[13578]|1[02])-31";
    with_pattern(
        true,
        trimmed(&format!("(?:(?:{years})-(?:{month_day}))?")),
        "Date of birth as YYYY-MM-DD, from 1900-01-01 to today; blank clears.",
    )
}

/// An integer query parameter from `min` to `max`.
pub fn int_param(min: i64, max: i64) -> RefOr<Schema> {
    done(
        ObjectBuilder::new()
            .schema_type(SchemaType::Type(Type::Integer))
            .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                utoipa::openapi::KnownFormat::Int64,
            )))
            .minimum(Some(min))
            .maximum(Some(max)),
    )
}

/// A string query parameter whose trimmed value is blank (ignored) or `1..=max` characters
/// without control characters (but tab and newline).
pub fn free_text_param(max: usize) -> RefOr<Schema> {
    done(string(false).pattern(Some(trimmed(&visible_text(0, max, CC_BUT_TAB_LF)))))
}

/// A string query parameter of `1..=max` characters after trimming, without NUL.
pub fn required_text_param(max: usize) -> RefOr<Schema> {
    done(string(false).pattern(Some(trimmed(&visible_text(1, max, r"\u0000")))))
}

/// A string query parameter that, trimmed and without leading `lead` characters, is not empty.
pub fn not_blank_after(lead: char) -> RefOr<Schema> {
    done(string(false).pattern(Some(format!(
        "^[{WS}]*{lead}*(?:[^{lead}{WS}]|[{WS}]+[^{WS}])"
    ))))
}

/// A string query parameter that is one of `values`.
pub fn one_of(values: &[&str]) -> RefOr<Schema> {
    done(string(false).enum_values(Some(values.iter().copied())))
}

/// A string query parameter matching `pattern`.
pub fn matching(pattern: &str) -> RefOr<Schema> {
    done(string(false).pattern(Some(pattern)))
}

/// A settings change: known keys only, each with its type and range; or null.
pub fn settings_patch_opt() -> RefOr<Schema> {
    let seconds = |max: u32| {
        ObjectBuilder::new()
            .schema_type(SchemaType::Type(Type::Integer))
            .minimum(Some(0))
            .maximum(Some(max))
    };
    done(
        ObjectBuilder::new()
            .schema_type(SchemaType::from_iter([Type::Object, Type::Null]))
            .property(
                "who_can_post",
                utoipa::openapi::Ref::from_schema_name("PostPolicy"),
            )
            .property("slow_mode_seconds", seconds(SLOW_MODE_MAX))
            .property(
                "allow_editing",
                ObjectBuilder::new().schema_type(SchemaType::Type(Type::Boolean)),
            )
            .property("edit_window_seconds", seconds(u32::MAX))
            .additional_properties(Some(
                utoipa::openapi::schema::AdditionalProperties::FreeForm(false),
            ))
            .description(Some(
                "Settings to change; keys left out keep their values (on creation: their \
                 defaults).",
            )),
    )
}
