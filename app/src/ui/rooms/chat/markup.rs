//! Message text as elements: user text only ever becomes text nodes, never HTML.

use leptos::prelude::*;

use crate::model::markup::{parse, Span};

/// The markdown-lite body as inline elements.
pub fn render(body: &str) -> impl IntoView {
    parse(body)
        .into_iter()
        .map(|span| match span {
            Span::Text(t) => view! { <span class="md-text">{t}</span> }.into_any(),
            Span::Bold(t) => view! { <strong>{t}</strong> }.into_any(),
            Span::Italic(t) => view! { <em>{t}</em> }.into_any(),
            Span::Code(t) => view! { <code>{t}</code> }.into_any(),
            Span::Link { text, url } => {
                view! { <a href=url target="_blank" rel="noopener noreferrer nofollow">{text}</a> }
                    .into_any()
            }
            Span::Mention(name) => {
                view! { <a class="mention" href=format!("/u/{name}")>"@" {name.clone()}</a> }
                    .into_any()
            }
        })
        .collect_view()
}

/// The first line of a body, cut to `max` characters, for reply quotes and previews.
pub fn excerpt(body: &str, max: usize) -> String {
    let line = body.lines().next().unwrap_or_default().trim();
    if line.chars().count() > max {
        let cut: String = line.chars().take(max.saturating_sub(1)).collect();
        format!("{}…", cut.trim_end())
    } else {
        line.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::excerpt;

    #[test]
    fn excerpts_keep_the_first_line_and_cut_long_text() {
        assert_eq!(excerpt("hello\nworld", 20), "hello");
        assert_eq!(excerpt("abcdefghij", 5), "abcd…");
        assert_eq!(excerpt("", 5), "");
        assert_eq!(excerpt("ééééé", 5), "ééééé");
    }
}
