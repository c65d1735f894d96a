//! Form building blocks: a labelled input that validates as the user types with the shared
//! rules and shows the server's error for its field, and a form-level alert.

use leptos::prelude::*;

use crate::model::error::ErrorDetail;

/// A rule from `model::validation`, applied to the current value.
pub type Validator = fn(&str) -> Result<(), String>;

/// False in the server-rendered page and until this part of the page has hydrated, then true.
///
/// Submit buttons stay disabled until then: a form submitted before its handler is attached
/// would be sent by the browser itself, as a GET that puts the fields (a password, too) into
/// the URL and reloads the page without them.
pub fn hydrated() -> Signal<bool> {
    let ready = RwSignal::new(false);
    Effect::new(move |_| ready.set(true));
    ready.into()
}

/// Puts into `value` what was typed into a server-rendered field before the page's code took
/// over (no handler saw those keystrokes), once `typed` can read the hydrated field.
pub fn adopt_typed(value: RwSignal<String>, typed: impl Fn() -> Option<String> + 'static) {
    Effect::new(move |_| {
        if let Some(typed) = typed() {
            if !typed.is_empty() && typed != value.get_untracked() {
                value.set(typed);
            }
        }
    });
}

/// A labelled input bound to `value`. Its own rule shows once the field was touched (or the
/// form submitted); a server error for `name` shows until the value changes.
#[component]
pub fn Field(
    /// Field name, matching the server's `field` in errors.
    name: &'static str,
    /// Visible label.
    label: &'static str,
    /// The value.
    value: RwSignal<String>,
    /// Last server error of the form.
    #[prop(into)]
    server_error: Signal<Option<ErrorDetail>>,
    /// Set when the user tried to submit, to reveal every rule.
    #[prop(into)]
    submitted: Signal<bool>,
    /// Client-side rule.
    #[prop(optional)]
    validate: Option<Validator>,
    /// Input type.
    #[prop(default = "text")]
    kind: &'static str,
    /// Browser autofill hint.
    #[prop(default = "off")]
    autocomplete: &'static str,
    /// Help text below the input.
    #[prop(optional)]
    hint: Option<&'static str>,
    /// Multi-line input.
    #[prop(optional)]
    multiline: bool,
) -> impl IntoView {
    let touched = RwSignal::new(false);
    // The value the server rejected; its error hides once the user edits the field.
    let rejected_value = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        if let Some(e) = server_error.get() {
            if e.field.as_deref() == Some(name) {
                rejected_value.set(Some(value.get_untracked()));
            }
        }
    });
    let error = Memo::new(move |_| {
        let current = value.get();
        if let Some(err) = server_error.get().and_then(|e| e.for_field(name)) {
            if rejected_value.get().as_deref() == Some(current.as_str()) {
                return Some(err);
            }
        }
        if !(touched.get() || submitted.get()) {
            return None;
        }
        validate.and_then(|rule| rule(&current).err())
    });
    let id = format!("field-{name}");
    let error_id = format!("{id}-error");
    let line = NodeRef::<leptos::html::Input>::new();
    let area = NodeRef::<leptos::html::Textarea>::new();
    adopt_typed(value, move || {
        line.get()
            .map(|el| el.value())
            .or_else(|| area.get().map(|el| el.value()))
    });
    let input = if multiline {
        view! {
            <textarea
                id=id.clone()
                node_ref=area
                name=name
                rows="4"
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
                on:blur=move |_| touched.set(true)
                aria-invalid=move || error.get().is_some().to_string()
                aria-describedby=error_id.clone()
            ></textarea>
        }
        .into_any()
    } else {
        view! {
            <input
                id=id.clone()
                node_ref=line
                name=name
                type=kind
                autocomplete=autocomplete
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
                on:blur=move |_| touched.set(true)
                aria-invalid=move || error.get().is_some().to_string()
                aria-describedby=error_id.clone()
            />
        }
        .into_any()
    };
    view! {
        <div class="field">
            <label for=id>{label}</label>
            {input}
            {hint.map(|h| view! { <span class="field-hint">{h}</span> })}
            <span class="field-error" id=format!("field-{name}-error") role="alert">
                {move || error.get()}
            </span>
        </div>
    }
}

/// The server error of a form when it is not about one field (wrong password, rate limit).
#[component]
pub fn FormAlert(#[prop(into)] error: Signal<Option<ErrorDetail>>) -> impl IntoView {
    view! {
        {move || {
            error
                .get()
                .filter(|e| e.field.is_none())
                .map(|e| {
                    view! {
                        <div class="alert alert-error" role="alert" data-testid="form-error">
                            {e.message}
                        </div>
                    }
                })
        }}
    }
}

/// The error of a finished server action, if it failed.
pub fn action_error<S>(action: ServerAction<S>) -> Signal<Option<ErrorDetail>>
where
    S: leptos::server_fn::ServerFn<Error = ErrorDetail> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    let value = action.value();
    Signal::derive(move || value.get().and_then(|r| r.err()))
}
