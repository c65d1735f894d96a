//! `/settings`: account details, password, and the list of signed-in devices.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_navigate;

use crate::{
    api::{
        auth::{list_sessions, EndSession, SignOutEverywhere},
        users::{ChangePassword, SaveAccount},
    },
    model::{
        auth::SessionInfo,
        time::utc_minute,
        user::{AccountUpdate, PasswordChange, User},
        validation,
    },
    ui::{
        form::{action_error, hydrated, Field, FormAlert},
        notifications::NotificationSettings,
        on_demand::on_demand,
        session::{CurrentUser, RequireAuth},
    },
};

/// The settings page (private).
#[component]
pub fn SettingsPage() -> impl IntoView {
    let current = CurrentUser::get();
    let mounted = RwSignal::new(false);
    Effect::new(move |_| mounted.set(true));
    view! {
        <Title text="Settings"/>
        <RequireAuth>
            <section class="container page settings">
                <h1>"Settings"</h1>
                {move || current.user().map(|user| view! { <AccountForm user/> })}
                <PasswordForm/>
                {move || mounted.get().then(|| on_demand(notification_settings))}
                <SessionsPanel/>
            </section>
        </RequireAuth>
    }
}

/// The notification preferences, whose code (and the controls') is fetched once the page is
/// up: they sit below the fold and load their data in the browser anyway, and keeping them out
/// of the first load keeps this page within the first-load budget.
#[wasm_split_helpers::wasm_split(parley_notification_settings, fallible)]
fn notification_settings() -> Result<AnyView, wasm_split_helpers::SplitLoaderError> {
    Ok(view! { <NotificationSettings/> }.into_any())
}

#[component]
fn AccountForm(user: User) -> impl IntoView {
    let current = CurrentUser::get();
    let original_email = user.email.clone();
    let username = RwSignal::new(user.username);
    let display_name = RwSignal::new(user.display_name);
    let email = RwSignal::new(user.email);
    let current_password = RwSignal::new(String::new());
    let submitted = RwSignal::new(false);
    let action = ServerAction::<SaveAccount>::new();
    let ready = hydrated();
    let error = action_error(action);
    let email_changed = {
        let original = original_email.clone();
        Memo::new(move |_| !email.get().trim().eq_ignore_ascii_case(&original))
    };
    Effect::new(move |_| {
        if let Some(Ok(user)) = action.value().get() {
            current_password.set(String::new());
            current.set(Some(user));
        }
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        submitted.set(true);
        let change = AccountUpdate {
            username: Some(username.get_untracked()),
            display_name: Some(display_name.get_untracked()),
            email: Some(email.get_untracked()),
            current_password: email_changed
                .get_untracked()
                .then(|| current_password.get_untracked()),
        };
        action.dispatch(SaveAccount { change });
    };
    view! {
        <form class="card form-grid" on:submit=on_submit novalidate>
            <h2>"Account"</h2>
            <FormAlert error/>
            <div class="field-row">
                <Field name="display_name" label="Display name" value=display_name
                    server_error=error submitted validate=validation::display_name autocomplete="name"/>
                <Field name="username" label="Username" value=username server_error=error submitted
                    validate=|v| validation::username(v.trim()) autocomplete="username"/>
            </div>
            <Field name="email" label="Email" kind="email" value=email server_error=error submitted
                validate=|v| validation::email(v.trim()) autocomplete="email"/>
            <Show when=move || email_changed.get()>
                <Field name="current_password" label="Current password (to change your email)"
                    kind="password" value=current_password server_error=error submitted
                    autocomplete="current-password"/>
            </Show>
            <div class="form-actions">
                <button type="submit" class="button button-primary" disabled=move || !ready.get() || action.pending().get()>
                    "Save account"
                </button>
                <Show when=move || matches!(action.value().get(), Some(Ok(_)))>
                    <span class="form-success" role="status">"Account saved."</span>
                </Show>
            </div>
        </form>
    }
}

#[component]
fn PasswordForm() -> impl IntoView {
    let current_password = RwSignal::new(String::new());
    let new_password = RwSignal::new(String::new());
    let submitted = RwSignal::new(false);
    let action = ServerAction::<ChangePassword>::new();
    let ready = hydrated();
    let error = action_error(action);
    Effect::new(move |_| {
        if let Some(Ok(())) = action.value().get() {
            current_password.set(String::new());
            new_password.set(String::new());
            submitted.set(false);
        }
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        submitted.set(true);
        if validation::password(&new_password.get_untracked()).is_err() {
            return;
        }
        action.dispatch(ChangePassword {
            change: PasswordChange {
                current_password: current_password.get_untracked(),
                new_password: new_password.get_untracked(),
            },
        });
    };
    view! {
        <form class="card form-grid" on:submit=on_submit novalidate>
            <h2>"Password"</h2>
            <FormAlert error/>
            <div class="field-row">
                <Field name="current_password" label="Current password" kind="password"
                    value=current_password server_error=error submitted autocomplete="current-password"/>
                <Field name="new_password" label="New password" kind="password" value=new_password
                    server_error=error submitted validate=validation::password
                    autocomplete="new-password"/>
            </div>
            <div class="form-actions">
                <button type="submit" class="button button-primary" disabled=move || !ready.get() || action.pending().get()>
                    "Change password"
                </button>
                <Show when=move || matches!(action.value().get(), Some(Ok(())))>
                    <span class="form-success" role="status">
                        "Password changed. Your other devices were signed out."
                    </span>
                </Show>
            </div>
        </form>
    }
}

#[component]
fn SessionsPanel() -> impl IntoView {
    let current = CurrentUser::get();
    let end = ServerAction::<EndSession>::new();
    let everywhere = ServerAction::<SignOutEverywhere>::new();
    let sessions = Resource::new(move || end.version().get(), |_| list_sessions());
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(())) = everywhere.value().get() {
            current.set(None);
            navigate("/signin", Default::default());
        }
    });
    view! {
        <section class="card">
            <h2>"Where you're signed in"</h2>
            <Transition fallback=|| view! { <p class="muted">"Loading sessions…"</p> }>
                {move || {
                    sessions
                        .get()
                        .map(|result| match result {
                            Ok(list) => {
                                view! {
                                    <ul class="session-list" data-testid="sessions">
                                        {list
                                            .into_iter()
                                            .map(|s| view! { <SessionRow session=s end/> })
                                            .collect_view()}
                                    </ul>
                                }
                                    .into_any()
                            }
                            Err(e) => {
                                view! { <div class="alert alert-error" role="alert">{e.message}</div> }
                                    .into_any()
                            }
                        })
                }}
            </Transition>
            <div class="form-actions">
                <button
                    type="button"
                    class="button button-ghost"
                    on:click=move |_| {
                        everywhere.dispatch(SignOutEverywhere {});
                    }
                >
                    "Sign out everywhere"
                </button>
            </div>
        </section>
    }
}

#[component]
fn SessionRow(session: SessionInfo, end: ServerAction<EndSession>) -> impl IntoView {
    let id = session.id;
    let device = session
        .user_agent
        .as_deref()
        .map(describe_agent)
        .unwrap_or("Unknown device");
    view! {
        <li class="session">
            <div>
                <strong>{device}</strong>
                {session.current.then(|| view! { <span class="badge">"This device"</span> })}
                <div class="muted small">
                    {session.ip_address.clone().unwrap_or_default()} " · last active "
                    {utc_minute(session.last_used_at)}
                </div>
            </div>
            {(!session.current)
                .then(|| {
                    view! {
                        <button
                            type="button"
                            class="button button-ghost"
                            on:click=move |_| {
                                end.dispatch(EndSession { id });
                            }
                        >
                            "Sign out"
                        </button>
                    }
                })}
        </li>
    }
}

/// A short name for a browser from its user agent.
fn describe_agent(agent: &str) -> &'static str {
    let agent = agent.to_ascii_lowercase();
    if agent.contains("edg/") {
        "Edge"
    } else if agent.contains("chrome") || agent.contains("chromium") {
        "Chrome"
    } else if agent.contains("firefox") {
        "Firefox"
    } else if agent.contains("safari") {
        "Safari"
    } else if agent.contains("curl") || agent.contains("http") {
        "API client"
    } else {
        "Browser"
    }
}
