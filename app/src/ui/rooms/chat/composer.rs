//! The composer: Enter sends, Shift+Enter adds a line, Up in an empty composer edits the
//! user's last message; a reply shows what it answers and Escape drops it.

use leptos::prelude::*;

use super::markup::excerpt;
use crate::{model::message::Message, ui::icons::CloseIcon};

/// The message box under the list.
#[component]
pub fn Composer(
    draft: RwSignal<String>,
    replying: RwSignal<Option<Message>>,
    /// Sends the draft.
    on_submit: Callback<()>,
    /// Called on every keystroke that changes the draft.
    on_typing: Callback<()>,
    /// Starts editing the user's last message; false when there is none.
    on_edit_last: Callback<(), bool>,
) -> impl IntoView {
    view! {
        <form class="composer" on:submit=move |ev| { ev.prevent_default(); on_submit.run(()); }>
            {move || replying.get().map(|m| {
                let who = m.sender.as_ref().map_or("Deleted account".to_owned(), |s| s.display_name.clone());
                view! {
                    <div class="composer-reply" data-testid="replying-to">
                        <span class="small">"Replying to " <strong>{who}</strong> ": "
                            <span class="muted">{excerpt(&m.body, 80)}</span>
                        </span>
                        <button type="button" class="link-button" aria-label="Cancel reply"
                            on:click=move |_| replying.set(None)><CloseIcon/></button>
                    </div>
                }
            })}
            <div class="composer-row">
                <label class="visually-hidden" for="composer">"Message"</label>
                <textarea
                    id="composer"
                    rows="2"
                    placeholder="Write a message — Enter sends, Shift+Enter adds a line"
                    prop:value=move || draft.get()
                    on:input=move |ev| {
                        draft.set(event_target_value(&ev));
                        on_typing.run(());
                    }
                    on:keydown=move |ev| {
                        if ev.key() == "Enter" && !ev.shift_key() {
                            ev.prevent_default();
                            on_submit.run(());
                        } else if ev.key() == "ArrowUp" && draft.get_untracked().is_empty() {
                            // Up in an empty composer edits my last message, as in Slack.
                            if on_edit_last.run(()) {
                                ev.prevent_default();
                            }
                        } else if ev.key() == "Escape" && replying.get_untracked().is_some() {
                            replying.set(None);
                        }
                    }
                ></textarea>
                <button type="submit" class="button button-primary">"Send"</button>
            </div>
        </form>
    }
}
