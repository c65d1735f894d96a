//! `/signin`: email or username and password; returns to `?next=` afterwards.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::{
    api::auth::SignIn,
    ui::{
        form::{action_error, hydrated, Field, FormAlert},
        session::{encode_query_value, safe_next, CurrentUser},
    },
};

/// The sign-in form.
#[component]
pub fn SignInPage() -> impl IntoView {
    let current = CurrentUser::get();
    let query = use_query_map();
    let next = Memo::new(move |_| safe_next(query.read().get("next")));
    let login = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let submitted = RwSignal::new(false);
    let action = ServerAction::<SignIn>::new();
    let ready = hydrated();
    let error = action_error(action);

    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(user)) = action.value().get() {
            current.set(Some(user));
            navigate(&next.get_untracked(), Default::default());
        }
    });

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        submitted.set(true);
        if login.get_untracked().trim().is_empty() || password.get_untracked().is_empty() {
            return;
        }
        action.dispatch(SignIn {
            login: login.get_untracked(),
            password: password.get_untracked(),
        });
    };
    let required = |v: &str| {
        if v.trim().is_empty() {
            Err("This field is required.".to_owned())
        } else {
            Ok(())
        }
    };

    view! {
        <Title text="Sign in"/>
        <section class="container auth-page">
            <div class="card auth-card">
                <h1>"Welcome back"</h1>
                <p class="muted">"Sign in to continue to your rooms."</p>
                <form on:submit=on_submit novalidate>
                    <FormAlert error/>
                    <Field
                        name="login"
                        label="Email or username"
                        value=login
                        server_error=error
                        submitted
                        validate=required
                        autocomplete="username"
                    />
                    <Field
                        name="password"
                        label="Password"
                        kind="password"
                        value=password
                        server_error=error
                        submitted
                        validate=required
                        autocomplete="current-password"
                    />
                    <button
                        type="submit"
                        class="button button-primary button-block"
                        disabled=move || !ready.get() || action.pending().get()
                    >
                        {move || if action.pending().get() { "Signing in…" } else { "Sign in" }}
                    </button>
                </form>
                <p class="auth-switch">
                    "New to Parley? "
                    <a href=move || format!("/signup?next={}", encode_query_value(&next.get()))>
                        "Create an account"
                    </a>
                </p>
            </div>
        </section>
    }
}
