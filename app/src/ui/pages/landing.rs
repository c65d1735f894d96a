//! The start page: what Parley is, with a preview of a conversation.

use leptos::prelude::*;
use leptos_meta::Title;

/// Hero, feature list and a static preview of the room view.
#[component]
pub fn LandingPage() -> impl IntoView {
    view! {
        <Title text=""/>
        <section class="hero">
            <div class="container hero-inner">
                <div class="hero-copy">
                    <p class="eyebrow">"Team and community chat"</p>
                    <h1>"Conversations that keep up with your team."</h1>
                    <p class="lead">
                        "Parley delivers every message in order, exactly once, across devices and "
                        "server restarts. Public rooms, private rooms and direct messages, in a "
                        "fast app you can install."
                    </p>
                    <div class="hero-actions">
                        <a class="button button-primary" href="#features">"See what it does"</a>
                        <a class="button button-ghost" href="/api/v1/openapi.json">"Read the API"</a>
                    </div>
                </div>
                <ChatPreview/>
            </div>
        </section>
        <section id="features" class="features container" aria-labelledby="features-title">
            <h2 id="features-title">"Built for reliability"</h2>
            <ul class="feature-grid">
                <Feature
                    title="Live and in order"
                    text="Every room has one sequence of messages. Every device shows the same one, live over WebSockets."
                />
                <Feature
                    title="Never lost, never twice"
                    text="Sends are idempotent and reconnecting clients catch up from the server, so a flaky network costs nothing."
                />
                <Feature
                    title="Private by default"
                    text="Invite-only rooms are invisible to outsiders, and a removed member loses access the same second."
                />
                <Feature
                    title="Scales out"
                    text="Run several instances behind a load balancer; events fan out through Redis so they act as one."
                />
            </ul>
        </section>
    }
}

#[component]
fn Feature(title: &'static str, text: &'static str) -> impl IntoView {
    view! {
        <li class="feature">
            <h3>{title}</h3>
            <p>{text}</p>
        </li>
    }
}

/// A picture of the room view made of markup, so it stays crisp and themeable.
#[component]
fn ChatPreview() -> impl IntoView {
    view! {
        <figure class="chat-preview" aria-label="Preview of a Parley room">
            <div class="chat-preview-header">
                <span class="room-hash">"#"</span>
                <strong>"launch-week"</strong>
                <span class="presence-pill"><span class="dot online"></span>"12 online"</span>
            </div>
            <ol class="chat-preview-messages">
                <PreviewMessage who="Maya" initials="MA" tone="a" text="Release build is green on all three instances."/>
                <PreviewMessage who="Jonas" initials="JO" tone="b" text="Nice. Failover test dropped zero messages again."/>
                <PreviewMessage who="Priya" initials="PR" tone="c" text="Shipping the changelog in five minutes."/>
            </ol>
            <div class="chat-preview-typing">"Maya is typing…"</div>
        </figure>
    }
}

#[component]
fn PreviewMessage(
    who: &'static str,
    initials: &'static str,
    tone: &'static str,
    text: &'static str,
) -> impl IntoView {
    view! {
        <li class="preview-message">
            <span class=format!("preview-avatar tone-{tone}") aria-hidden="true">{initials}</span>
            <div>
                <span class="author">{who}</span>
                <p>{text}</p>
            </div>
        </li>
    }
}
