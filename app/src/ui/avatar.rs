//! A person's picture: their image when they set one, else their initials on a colour that
//! stays the same for them everywhere.

use leptos::prelude::*;

use super::case;

/// How many background colours initials are drawn on (`.avatar-tone-0` … in the stylesheet).
const TONES: u32 = 8;

/// A round picture of `name` of the given pixel size; decorative (the name is always shown
/// next to it), so hidden from screen readers.
#[component]
pub fn Avatar(
    /// Their username: picks the colour, so it is the same on every device and in every
    /// screenshot of the same people.
    #[prop(into)]
    username: String,
    /// Their display name, for the initials.
    name: String,
    /// Their picture, if any.
    #[prop(default = None)]
    url: Option<String>,
    /// Width and height in CSS pixels.
    #[prop(default = 32)]
    size: u32,
) -> impl IntoView {
    let style = format!("--avatar-size: {size}px");
    match url {
        Some(url) => view! {
            <img class="avatar" src=url alt="" aria-hidden="true" width=size height=size style=style loading="lazy"/>
        }
        .into_any(),
        None => view! {
            <span class=format!("avatar avatar-tone-{}", tone(&username)) aria-hidden="true" style=style>
                {initials(&name)}
            </span>
        }
        .into_any(),
    }
}

/// Up to two letters: the first of the first two words, else the first two of one word.
/// ASCII separators and `case::upper` only: Rust's Unicode tables behind `is_whitespace`,
/// `is_alphanumeric` and `to_uppercase` would add about 24 KB to every page's first load.
pub fn initials(name: &str) -> String {
    let words: Vec<&str> = name
        .split(|c: char| c.is_ascii_whitespace() || matches!(c, '_' | '-' | '.'))
        .filter(|w| !w.is_empty())
        .collect();
    let letters: String = match words.as_slice() {
        [] => "?".to_owned(),
        [one] => one.chars().take(2).collect(),
        [first, second, ..] => first
            .chars()
            .take(1)
            .chain(second.chars().take(1))
            .collect(),
    };
    case::upper(&letters)
}

/// The colour index of a username: stable across sessions and devices.
pub fn tone(username: &str) -> u32 {
    // FNV-1a: cheap, and spreads similar names across the palette.
    let hash = username.bytes().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    hash % TONES
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initials_take_two_words_or_two_letters() {
        assert_eq!(initials("Ada Lovelace"), "AL");
        assert_eq!(initials("ada"), "AD");
        assert_eq!(initials("hann_k3x9"), "HK");
        assert_eq!(initials("  "), "?");
        assert_eq!(initials("élodie durand"), "ÉD");
        assert_eq!(initials("_ben"), "BE");
    }

    #[test]
    fn a_user_keeps_their_colour_and_colours_spread() {
        assert_eq!(tone("ada"), tone("ada"));
        let used: std::collections::HashSet<u32> =
            (0..64).map(|n| tone(&format!("user{n}"))).collect();
        assert!(used.len() >= TONES as usize - 1, "{used:?}");
        assert!(used.iter().all(|t| *t < TONES));
    }
}
