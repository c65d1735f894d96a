//! Who is signed in, as one resource shared by the header and every page, plus the guard for
//! private pages and the safe handling of `?next=` return paths.

use leptos::prelude::*;
use leptos_router::{components::Redirect, hooks::use_location};

use crate::{
    api::auth::current_user,
    model::{error::ErrorDetail, user::User},
};

/// The signed-in user, loaded during SSR from the cookies and refetched after sign-in/out.
#[derive(Clone, Copy)]
pub struct CurrentUser(pub Resource<Result<Option<User>, ErrorDetail>>);

impl CurrentUser {
    /// Creates the resource and provides it to the component tree.
    pub fn provide() -> Self {
        let this = CurrentUser(Resource::new(|| (), |_| current_user()));
        provide_context(this);
        this
    }

    /// The context value.
    pub fn get() -> Self {
        expect_context::<CurrentUser>()
    }

    /// The user, once loaded; `None` while loading or when signed out.
    pub fn user(&self) -> Option<User> {
        self.0.get().and_then(|r| r.ok()).flatten()
    }

    /// The user without subscribing to changes, for code that reads it once.
    pub fn user_untracked(&self) -> Option<User> {
        self.0.get_untracked().and_then(|r| r.ok()).flatten()
    }

    /// Loads the user again (after the cookies changed).
    pub fn refresh(&self) {
        self.0.refetch();
    }

    /// Records who is signed in now, without a round trip, so a guard on the next page sees
    /// it at once.
    pub fn set(&self, user: Option<User>) {
        self.0.set(Some(Ok(user)));
    }
}

/// `next` if it is a path on this site, else `/`; never an absolute or protocol-relative URL.
pub fn safe_next(next: Option<String>) -> String {
    match next {
        Some(path) if path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') => {
            path
        }
        _ => "/".to_owned(),
    }
}

/// Percent-encodes a path for use as a query value.
pub fn encode_query_value(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Shows `children` to signed-in users and sends everyone else to sign in, then back here.
#[component]
pub fn RequireAuth(children: ChildrenFn) -> impl IntoView {
    let current = CurrentUser::get();
    let location = use_location();
    let children = StoredValue::new(children);
    view! {
        <Transition fallback=|| view! { <p class="container muted page-loading">"Loading…"</p> }>
            {move || {
                current
                    .0
                    .get()
                    .map(|result| match result {
                        Ok(Some(_)) => children.read_value()().into_any(),
                        _ => {
                            let here = format!(
                                "{}{}",
                                location.pathname.get_untracked(),
                                location.search.get_untracked(),
                            );
                            let path = format!("/signin?next={}", encode_query_value(&here));
                            view! { <Redirect path/> }.into_any()
                        }
                    })
            }}
        </Transition>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_paths_stay_on_site() {
        assert_eq!(safe_next(Some("/profile".into())), "/profile");
        assert_eq!(safe_next(Some("//evil.example".into())), "/");
        assert_eq!(safe_next(Some("https://evil.example".into())), "/");
        assert_eq!(safe_next(Some("/\\evil.example".into())), "/");
        assert_eq!(safe_next(None), "/");
        assert_eq!(encode_query_value("/a b?c=1"), "/a%20b%3Fc%3D1");
    }
}
