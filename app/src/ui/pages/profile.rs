//! `/profile`: the signed-in user's profile, viewed and edited in place.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    api::users::{my_profile, SaveProfile},
    model::{
        time::iso_date,
        user::{Profile, ProfileUpdate},
        validation,
    },
    ui::{
        avatar::Avatar,
        form::{action_error, hydrated, Field, FormAlert},
        now::utc_now,
        session::{CurrentUser, RequireAuth},
    },
};

/// The profile page (private).
#[component]
pub fn ProfilePage() -> impl IntoView {
    view! {
        <Title text="Your profile"/>
        <RequireAuth>
            <ProfileContent/>
        </RequireAuth>
    }
}

#[component]
fn ProfileContent() -> impl IntoView {
    let current = CurrentUser::get();
    let profile = Resource::new(|| (), |_| my_profile());
    view! {
        <section class="container page">
            <header class="page-header">
                {move || {
                    current
                        .user()
                        .map(|u| {
                            view! {
                                <div class="profile-summary">
                                    <Avatar username=u.username.clone() name=u.display_name.clone() size=64/>
                                    <div>
                                        <h1 data-testid="profile-name">{u.display_name.clone()}</h1>
                                        <p class="muted">"@" {u.username.clone()}</p>
                                    </div>
                                </div>
                            }
                        })
                }}
            </header>
            <Suspense fallback=|| view! { <p class="muted">"Loading profile…"</p> }>
                {move || {
                    profile
                        .get()
                        .map(|result| match result {
                            Ok(p) => view! { <ProfileForm initial=p/> }.into_any(),
                            Err(e) => {
                                view! { <div class="alert alert-error" role="alert">{e.message}</div> }
                                    .into_any()
                            }
                        })
                }}
            </Suspense>
        </section>
    }
}

#[component]
fn ProfileForm(initial: Profile) -> impl IntoView {
    let text = |v: &Option<String>| RwSignal::new(v.clone().unwrap_or_default());
    let bio = text(&initial.bio);
    let company = text(&initial.company);
    let education = text(&initial.education);
    let phone = text(&initial.phone);
    let address = text(&initial.address);
    let city = text(&initial.city);
    let postal_code = text(&initial.postal_code);
    let country = text(&initial.country);
    let gender = text(&initial.gender);
    let avatar_url = text(&initial.avatar_url);
    let birth_date = RwSignal::new(initial.birth_date.map(iso_date).unwrap_or_default());
    let submitted = RwSignal::new(false);
    let action = ServerAction::<SaveProfile>::new();
    let ready = hydrated();
    let error = action_error(action);
    let saved = move || matches!(action.value().get(), Some(Ok(_)));

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        submitted.set(true);
        let change = ProfileUpdate {
            phone: Some(phone.get_untracked()),
            address: Some(address.get_untracked()),
            city: Some(city.get_untracked()),
            country: Some(country.get_untracked()),
            postal_code: Some(postal_code.get_untracked()),
            birth_date: Some(birth_date.get_untracked()),
            gender: Some(gender.get_untracked()),
            company: Some(company.get_untracked()),
            education: Some(education.get_untracked()),
            bio: Some(bio.get_untracked()),
            avatar_url: Some(avatar_url.get_untracked()),
        };
        action.dispatch(SaveProfile { change });
    };

    view! {
        <form class="card form-grid" on:submit=on_submit novalidate>
            <h2>"About you"</h2>
            <FormAlert error/>
            <Field name="bio" label="Bio" value=bio server_error=error submitted multiline=true
                validate=|v| validation::text_max(v, 1000)/>
            <div class="field-row">
                <Field name="company" label="Company" value=company server_error=error submitted
                    validate=|v| validation::text_max(v, 100) autocomplete="organization"/>
                <Field name="education" label="Education" value=education server_error=error submitted
                    validate=|v| validation::text_max(v, 200)/>
            </div>
            <div class="field-row">
                <Field name="phone" label="Phone" kind="tel" value=phone server_error=error submitted
                    validate=|v| if v.trim().is_empty() { Ok(()) } else { validation::phone(v.trim()) }
                    autocomplete="tel"/>
                <Field name="birth_date" label="Date of birth" kind="date" value=birth_date
                    server_error=error submitted autocomplete="bday"
                    validate=|v| if v.trim().is_empty() { Ok(()) } else {
                        validation::birth_date(v.trim(), utc_now().date_naive()).map(|_| ())
                    }/>
            </div>
            <Field name="address" label="Address" value=address server_error=error submitted
                validate=|v| validation::text_max(v, 200) autocomplete="street-address"/>
            <div class="field-row">
                <Field name="city" label="City" value=city server_error=error submitted
                    validate=|v| validation::text_max(v, 100) autocomplete="address-level2"/>
                <Field name="postal_code" label="Postal code" value=postal_code server_error=error
                    submitted validate=|v| validation::text_max(v, 20) autocomplete="postal-code"/>
                <Field name="country" label="Country" value=country server_error=error submitted
                    validate=|v| validation::text_max(v, 100) autocomplete="country-name"/>
            </div>
            <div class="field-row">
                <Field name="gender" label="Gender" value=gender server_error=error submitted
                    validate=|v| validation::text_max(v, 50)/>
                <Field name="avatar_url" label="Avatar URL" kind="url" value=avatar_url
                    server_error=error submitted
                    validate=|v| if v.trim().is_empty() { Ok(()) } else { validation::http_url(v.trim()) }/>
            </div>
            <div class="form-actions">
                <button type="submit" class="button button-primary"
                    disabled=move || !ready.get() || action.pending().get()>
                    {move || if action.pending().get() { "Saving…" } else { "Save profile" }}
                </button>
                <Show when=saved>
                    <span class="form-success" role="status" data-testid="profile-saved">
                        "Profile saved."
                    </span>
                </Show>
            </div>
        </form>
    }
}
