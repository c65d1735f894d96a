//! `/rooms`: the start of the rooms area, with pending invitations.

use leptos::prelude::*;
use leptos_meta::Title;

use super::{frame::RoomsFrame, invitations::Inbox};

/// The rooms home page.
#[component]
pub fn RoomsHome() -> impl IntoView {
    view! {
        <Title text="Rooms"/>
        <RoomsFrame>
            <section class="page-narrow">
                <div class="card welcome">
                    <h1>"Your rooms"</h1>
                    <p class="muted">
                        "Pick a room on the left, "
                        <a href="/rooms/browse">"browse public rooms"</a>
                        " or "
                        <a href="/rooms/new">"create your own"</a>
                        "."
                    </p>
                </div>
            </section>
            <Inbox/>
        </RoomsFrame>
    }
}
