//! Markdown-lite for message bodies: `**bold**`, `*italic*`/`_italic_`, `` `code` ``, links
//! (bare `http(s)://` URLs and `[text](url)`) and `@mentions`. Parsing yields typed spans that
//! the UI turns into elements, so user text is never interpreted as HTML.

use serde::{Deserialize, Serialize};

/// A run of message text with one style.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Span {
    /// Plain text (may contain newlines).
    Text(String),
    /// Strong emphasis.
    Bold(String),
    /// Emphasis.
    Italic(String),
    /// Inline code, shown verbatim.
    Code(String),
    /// A link to an `http(s)` URL.
    Link {
        /// What is shown.
        text: String,
        /// Where it goes.
        url: String,
    },
    /// `@username`.
    Mention(String),
}

/// Splits a body into styled spans. Anything that does not form a complete construct stays text.
pub fn parse(body: &str) -> Vec<Span> {
    let mut spans: Vec<Span> = Vec::new();
    let mut text = String::new();
    let mut rest = body;
    while let Some(c) = rest.chars().next() {
        if let Some((span, consumed)) = construct(rest, text.chars().last()) {
            if !text.is_empty() {
                spans.push(Span::Text(std::mem::take(&mut text)));
            }
            spans.push(span);
            rest = &rest[consumed..];
        } else {
            text.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    if !text.is_empty() {
        spans.push(Span::Text(text));
    }
    spans
}

/// The construct starting at `s`, and how many bytes it spans.
fn construct(s: &str, previous: Option<char>) -> Option<(Span, usize)> {
    let word_start = previous.is_none_or(|p| !(p.is_alphanumeric() || p == '_'));
    if let Some(inner) = s.strip_prefix('`') {
        let end = inner.find('`')?;
        return (end > 0).then(|| (Span::Code(inner[..end].to_owned()), end + 2));
    }
    if let Some(inner) = s.strip_prefix("**") {
        let end = inner.find("**")?;
        let content = &inner[..end];
        return (!content.trim().is_empty() && !content.contains('\n'))
            .then(|| (Span::Bold(content.to_owned()), end + 4));
    }
    for marker in ['*', '_'] {
        if word_start {
            if let Some(inner) = s.strip_prefix(marker) {
                let end = inner.find(marker)?;
                let content = &inner[..end];
                let ok = !content.is_empty()
                    && !content.starts_with(' ')
                    && !content.ends_with(' ')
                    && !content.contains('\n');
                return ok.then(|| (Span::Italic(content.to_owned()), end + 2));
            }
        }
    }
    if let Some(inner) = s.strip_prefix('[') {
        let close = inner.find("](")?;
        let label = &inner[..close];
        let after = &inner[close + 2..];
        let end = after.find(')')?;
        let url = &after[..end];
        return (is_web_url(url) && !label.is_empty() && !label.contains('\n')).then(|| {
            (
                Span::Link {
                    text: label.to_owned(),
                    url: url.to_owned(),
                },
                1 + close + 2 + end + 1,
            )
        });
    }
    if word_start && (s.starts_with("https://") || s.starts_with("http://")) {
        let end = s
            .find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"'))
            .unwrap_or(s.len());
        // Trailing punctuation belongs to the sentence, not the URL.
        let url = s[..end].trim_end_matches(['.', ',', ')', '!', '?', ';', ':']);
        return is_web_url(url).then(|| {
            (
                Span::Link {
                    text: url.to_owned(),
                    url: url.to_owned(),
                },
                url.len(),
            )
        });
    }
    if word_start {
        if let Some(inner) = s.strip_prefix('@') {
            let name: &str = &inner[..inner
                .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')))
                .unwrap_or(inner.len())];
            let name = name.trim_end_matches(['.', '-']);
            return (3..=32)
                .contains(&name.len())
                .then(|| (Span::Mention(name.to_owned()), name.len() + 1));
        }
    }
    None
}

fn is_web_url(url: &str) -> bool {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    rest.is_some_and(|r| !r.is_empty() && !r.starts_with('/') && !r.contains(char::is_whitespace))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Span {
        Span::Text(s.to_owned())
    }

    #[test]
    fn styles_links_and_mentions() {
        assert_eq!(
            parse("**hi** *there* `x < y` @ada.l see https://example.com/a?b=1."),
            vec![
                Span::Bold("hi".into()),
                text(" "),
                Span::Italic("there".into()),
                text(" "),
                Span::Code("x < y".into()),
                text(" "),
                Span::Mention("ada.l".into()),
                text(" see "),
                Span::Link {
                    text: "https://example.com/a?b=1".into(),
                    url: "https://example.com/a?b=1".into()
                },
                text("."),
            ]
        );
        assert_eq!(
            parse("[docs](https://parley.example/docs)"),
            vec![Span::Link {
                text: "docs".into(),
                url: "https://parley.example/docs".into()
            }]
        );
    }

    #[test]
    fn html_and_unsafe_links_stay_text() {
        assert_eq!(
            parse("<script>alert(1)</script>"),
            vec![text("<script>alert(1)</script>")]
        );
        assert_eq!(
            parse("[x](javascript:alert(1))"),
            vec![text("[x](javascript:alert(1))")]
        );
        assert_eq!(
            parse("mail a@example.com"),
            vec![text("mail a@example.com")]
        );
        assert_eq!(
            parse("snake_case_name and 2*3*4"),
            vec![text("snake_case_name and 2*3*4")]
        );
        assert_eq!(parse("unclosed **bold"), vec![text("unclosed **bold")]);
    }

    #[test]
    fn multibyte_text_is_kept_whole() {
        assert_eq!(
            parse("héllo 👋 *wörld*"),
            vec![text("héllo 👋 "), Span::Italic("wörld".into())]
        );
    }
}
