//! `/signup`: create an account; the same rules as the server are checked as you type.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::{
    api::auth::SignUp,
    model::validation,
    ui::{
        form::{action_error, hydrated, Field, FormAlert},
        session::{encode_query_value, safe_next, CurrentUser},
    },
};

/// The sign-up form.
#[component]
pub fn SignUpPage() -> impl IntoView {
    let current = CurrentUser::get();
    let query = use_query_map();
    let next = Memo::new(move |_| safe_next(query.read().get("next")));
    let email = RwSignal::new(String::new());
    let username = RwSignal::new(String::new());
    let display_name = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let submitted = RwSignal::new(false);
    let action = ServerAction::<SignUp>::new();
    let ready = hydrated();
    let error = action_error(action);

    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(user)) = action.value().get() {
            current.set(Some(user));
            navigate(&next.get_untracked(), Default::default());
        }
    });

    let valid = move || {
        validation::email(email.get().trim()).is_ok()
            && validation::username(username.get().trim()).is_ok()
            && optional_display_name(&display_name.get()).is_ok()
            && validation::password(&password.get()).is_ok()
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        submitted.set(true);
        if !valid() {
            return;
        }
        action.dispatch(SignUp {
            email: email.get_untracked(),
            username: username.get_untracked(),
            display_name: display_name.get_untracked(),
            password: password.get_untracked(),
        });
    };

    view! {
        <Title text="Create your account"/>
        <section class="container auth-page">
            <div class="card auth-card">
                <h1>"Create your account"</h1>
                <p class="muted">"Join your team's rooms in less than a minute."</p>
                <form on:submit=on_submit novalidate>
                    <FormAlert error/>
                    <Field
                        name="email"
                        label="Email"
                        kind="email"
                        value=email
                        server_error=error
                        submitted
                        validate=|v| validation::email(v.trim())
                        autocomplete="email"
                    />
                    <Field
                        name="username"
                        label="Username"
                        value=username
                        server_error=error
                        submitted
                        validate=|v| validation::username(v.trim())
                        autocomplete="username"
                        hint="3–32 letters, digits, '_', '.' or '-'."
                    />
                    <Field
                        name="display_name"
                        label="Display name (optional)"
                        value=display_name
                        server_error=error
                        submitted
                        validate=optional_display_name
                        autocomplete="name"
                    />
                    <Field
                        name="password"
                        label="Password"
                        kind="password"
                        value=password
                        server_error=error
                        submitted
                        validate=validation::password
                        autocomplete="new-password"
                        hint="At least 8 characters, and not a common password."
                    />
                    <button
                        type="submit"
                        class="button button-primary button-block"
                        disabled=move || !ready.get() || action.pending().get()
                    >
                        {move || {
                            if action.pending().get() { "Creating account…" } else { "Create account" }
                        }}
                    </button>
                </form>
                <p class="auth-switch">
                    "Already have an account? "
                    <a href=move || format!("/signin?next={}", encode_query_value(&next.get()))>
                        "Sign in"
                    </a>
                </p>
            </div>
        </section>
    }
}

fn optional_display_name(value: &str) -> Result<(), String> {
    if value.trim().is_empty() {
        Ok(())
    } else {
        validation::display_name(value)
    }
}
