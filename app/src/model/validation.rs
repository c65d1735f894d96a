//! Validation rules for user input, shared by the server (authoritative) and the browser (as
//! the user types), so both always agree. Each rule returns the message to show next to the field.

use chrono::NaiveDate;

/// Shortest and longest accepted password, in characters.
pub const PASSWORD_LEN: (usize, usize) = (8, 128);
/// Shortest and longest accepted username, in characters.
pub const USERNAME_LEN: (usize, usize) = (3, 32);
/// Longest display name, in characters.
pub const DISPLAY_NAME_MAX: usize = 64;
/// Longest email address (RFC 5321 path limit).
pub const EMAIL_MAX: usize = 254;
/// Longest local part of an email address (before the `@`), in characters.
pub const EMAIL_LOCAL_MAX: usize = 64;
/// Longest phone number, in characters.
pub const PHONE_MAX: usize = 32;
/// Longest URL (avatars), in characters.
pub const URL_MAX: usize = 2048;
/// Smallest and largest seat limit of a room.
pub const PARTICIPANTS_RANGE: (i32, i32) = (2, 100_000);
/// Longest profile fields, in characters.
pub const ADDRESS_MAX: usize = 200;
/// Longest city, country and company.
pub const PLACE_MAX: usize = 100;
/// Longest postal code.
pub const POSTAL_CODE_MAX: usize = 20;
/// Longest gender.
pub const GENDER_MAX: usize = 50;
/// Longest education.
pub const EDUCATION_MAX: usize = 200;
/// Longest bio.
pub const BIO_MAX: usize = 1000;
/// Longest ban reason.
pub const BAN_REASON_MAX: usize = 500;

/// A rule violation: which field, and a sentence for the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The request field name, as in the JSON body and the form.
    pub field: &'static str,
    /// What is wrong, phrased for an end user.
    pub message: String,
}

impl FieldError {
    /// A violation of `field`'s rule.
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self {
            field,
            message: message.into(),
        }
    }
}

/// Result of a single-field rule.
pub type Rule = Result<(), String>;

/// Runs `rule` and names the field on failure.
pub fn check(field: &'static str, rule: Rule) -> Result<(), FieldError> {
    rule.map_err(|message| FieldError::new(field, message))
}

/// 3–32 characters of letters, digits, `_`, `.` or `-`.
pub fn username(value: &str) -> Rule {
    let len = value.chars().count();
    if len < USERNAME_LEN.0 || len > USERNAME_LEN.1 {
        return Err(format!(
            "Username must be {} to {} characters long.",
            USERNAME_LEN.0, USERNAME_LEN.1
        ));
    }
    if !value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
    {
        return Err("Username may contain only letters, digits, '_', '.' and '-'.".to_owned());
    }
    Ok(())
}

/// A plausible address: `local@domain.tld`, no spaces, at most 254 characters.
pub fn email(value: &str) -> Rule {
    let invalid = || Err("Enter an email address like name@example.com.".to_owned());
    if value.is_empty() {
        return Err("Email is required.".to_owned());
    }
    if value.chars().count() > EMAIL_MAX {
        return Err(format!("Email must be at most {EMAIL_MAX} characters."));
    }
    if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return invalid();
    }
    let Some((local, domain)) = value.rsplit_once('@') else {
        return invalid();
    };
    let labels_ok = domain.split('.').count() >= 2
        && domain
            .split('.')
            .all(|l| !l.is_empty() && !l.starts_with('-') && !l.ends_with('-'));
    if local.is_empty()
        || local.chars().count() > EMAIL_LOCAL_MAX
        || local.contains('@')
        || !labels_ok
    {
        return invalid();
    }
    Ok(())
}

/// 8–128 characters and, on the server, not one of the most common passwords.
pub fn password(value: &str) -> Rule {
    let len = value.chars().count();
    if len < PASSWORD_LEN.0 {
        return Err(format!(
            "Password must be at least {} characters.",
            PASSWORD_LEN.0
        ));
    }
    if len > PASSWORD_LEN.1 {
        return Err(format!(
            "Password must be at most {} characters.",
            PASSWORD_LEN.1
        ));
    }
    // The list is 31 KB: in the browser it would weigh on every page's first load, so only the
    // server checks it, and the form shows its verdict as this field's error.
    #[cfg(feature = "ssr")]
    if is_common_password(value) {
        return Err("This password is too common; choose one that is harder to guess.".to_owned());
    }
    Ok(())
}

/// 1–64 visible characters.
pub fn display_name(value: &str) -> Rule {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err("Display name is required.".to_owned());
    }
    if trimmed.chars().count() > DISPLAY_NAME_MAX {
        return Err(format!(
            "Display name must be at most {DISPLAY_NAME_MAX} characters."
        ));
    }
    if trimmed.chars().any(char::is_control) {
        return Err("Display name may not contain control characters.".to_owned());
    }
    Ok(())
}

/// Optional free text of at most `max` characters.
pub fn text_max(value: &str, max: usize) -> Rule {
    if value.chars().count() > max {
        return Err(format!("Must be at most {max} characters."));
    }
    if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err("May not contain control characters.".to_owned());
    }
    Ok(())
}

/// Digits with the usual separators, at most 32 characters.
pub fn phone(value: &str) -> Rule {
    text_max(value, PHONE_MAX)?;
    let digits = value.chars().filter(char::is_ascii_digit).count();
    if digits < 3
        || !value
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '(' | ')' | '.'))
    {
        return Err("Enter a phone number like +1 555 0100.".to_owned());
    }
    Ok(())
}

/// An `http(s)://` URL of at most 2048 characters.
pub fn http_url(value: &str) -> Rule {
    text_max(value, URL_MAX)?;
    let rest = value
        .strip_prefix("https://")
        .or_else(|| value.strip_prefix("http://"));
    match rest {
        Some(rest) if !rest.is_empty() && !rest.starts_with('/') && !value.contains(' ') => Ok(()),
        _ => Err("Enter a web address starting with https://.".to_owned()),
    }
}

/// A `YYYY-MM-DD` date from 1900-01-01 up to `today`.
pub fn birth_date(value: &str, today: NaiveDate) -> Result<NaiveDate, String> {
    let date = super::time::parse_iso_date(value).ok_or("Enter a date as YYYY-MM-DD.")?;
    let earliest = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(NaiveDate::MIN);
    if date < earliest || date > today {
        return Err("Enter a date between 1900 and today.".to_owned());
    }
    Ok(date)
}

/// A room name: 1–80 visible characters.
pub fn room_name(value: &str) -> Rule {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err("Room name is required.".to_owned());
    }
    if trimmed.chars().count() > super::room::ROOM_NAME_MAX {
        return Err("Room name must be at most 80 characters.".to_owned());
    }
    if trimmed.chars().any(char::is_control) {
        return Err("Room name may not contain control characters.".to_owned());
    }
    Ok(())
}

/// A seat limit: 2 to 100000.
pub fn max_participants(value: i32) -> Rule {
    if (PARTICIPANTS_RANGE.0..=PARTICIPANTS_RANGE.1).contains(&value) {
        Ok(())
    } else {
        Err("The participant limit must be between 2 and 100000.".to_owned())
    }
}

/// Whether `candidate` (compared case-insensitively) is on the shipped common-password list.
#[cfg(feature = "ssr")]
pub fn is_common_password(candidate: &str) -> bool {
    let lower = candidate.to_lowercase();
    common_passwords().binary_search(&lower.as_str()).is_ok()
}

#[cfg(feature = "ssr")]
fn common_passwords() -> &'static [&'static str] {
    static LIST: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    LIST.get_or_init(|| {
        let mut list: Vec<&str> = include_str!("common_passwords.txt")
            .lines()
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect();
        // The file is sorted already; sorting again keeps lookups right if someone edits it.
        list.sort_unstable();
        list
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        assert!(username("ada").is_ok());
        assert!(username("Ada.Lovelace_1-x").is_ok());
        assert!(username("ab").is_err());
        assert!(username(&"a".repeat(33)).is_err());
        assert!(username("ada lovelace").is_err());
        assert!(username("adä").is_err());
    }

    #[test]
    fn emails() {
        assert!(email("ada@example.com").is_ok());
        assert!(email("a.b+tag@mail.example.co.uk").is_ok());
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "a da@example.com",
            "ada@-x.com",
        ] {
            assert!(email(bad).is_err(), "{bad:?} accepted");
        }
        assert!(email(&format!("{}@example.com", "a".repeat(250))).is_err());
    }

    #[test]
    fn passwords() {
        assert!(password("correct horse battery staple").is_ok());
        assert!(password("short").is_err());
        assert!(password(&"x".repeat(129)).is_err());
        assert!(password(&"x".repeat(128)).is_ok());
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn common_passwords_are_refused() {
        for common in ["password", "PASSWORD1", "12345678", "iloveyou", "baseball"] {
            assert!(password(common).is_err(), "{common:?} accepted");
        }
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn common_list_has_at_least_a_thousand_entries() {
        assert!(common_passwords().len() >= 1000);
        assert!(common_passwords().windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn display_names() {
        assert!(display_name("Ada Lovelace").is_ok());
        assert!(display_name("   ").is_err());
        assert!(display_name(&"x".repeat(65)).is_err());
    }

    #[test]
    fn profile_fields() {
        assert!(phone("+1 (555) 010-0100").is_ok());
        assert!(phone("call me").is_err());
        assert!(http_url("https://example.com/a.png").is_ok());
        assert!(http_url("javascript:alert(1)").is_err());
        assert!(http_url("https://").is_err());
        let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap_or_default();
        assert!(birth_date("1990-02-28", today).is_ok());
        assert!(birth_date("1990-02-30", today).is_err());
        assert!(birth_date("2030-01-01", today).is_err());
        assert!(text_max("abc", 2).is_err());
    }
}
