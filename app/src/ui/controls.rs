//! Form controls styled alike in both themes: a select, a checkbox and a toggle switch. Each
//! is the native element underneath, so keyboards, screen readers and forms work as usual.

use leptos::prelude::*;

/// A drop-down choice among `options` (value, label).
#[component]
pub fn Select(
    /// Element id, for the label.
    id: &'static str,
    /// The label; `hide_label` keeps it for screen readers only.
    label: &'static str,
    /// Shows the label to screen readers only.
    #[prop(optional)]
    hide_label: bool,
    /// The choices: (value, label).
    options: Vec<(&'static str, &'static str)>,
    /// The current value.
    #[prop(into)]
    value: Signal<String>,
    /// Called with the chosen value.
    on_change: Callback<String>,
) -> impl IntoView {
    view! {
        <span class="control-select">
            <label for=id class:visually-hidden=hide_label class="control-label">{label}</label>
            <select id=id class="select" on:change=move |ev| on_change.run(event_target_value(&ev))>
                {options
                    .into_iter()
                    .map(|(v, text)| view! {
                        <option value=v selected=move || value.with(|current| current == v)>{text}</option>
                    })
                    .collect_view()}
            </select>
        </span>
    }
}

/// A checkbox with its label to the right, for one of several independent choices.
#[component]
pub fn Checkbox(
    /// Element id.
    #[prop(into)]
    id: String,
    /// Whether it is ticked.
    #[prop(into)]
    checked: Signal<bool>,
    /// Called with the new state.
    on_change: Callback<bool>,
    /// The label.
    children: Children,
) -> impl IntoView {
    let label_for = id.clone();
    view! {
        <label class="check" for=label_for>
            <input type="checkbox" class="check-input" id=id prop:checked=move || checked.get()
                on:change=move |ev| on_change.run(event_target_checked(&ev))/>
            <span>{children()}</span>
        </label>
    }
}

/// An on/off switch for a setting that takes effect at once (mute, do not disturb).
#[component]
pub fn Toggle(
    /// Element id.
    #[prop(into)]
    id: String,
    /// Whether it is on.
    #[prop(into)]
    checked: Signal<bool>,
    /// Called with the new state.
    on_change: Callback<bool>,
    /// The label.
    children: Children,
) -> impl IntoView {
    let label_for = id.clone();
    view! {
        <label class="toggle" for=label_for>
            <input type="checkbox" role="switch" class="toggle-input" id=id
                prop:checked=move || checked.get()
                on:change=move |ev| on_change.run(event_target_checked(&ev))/>
            <span class="toggle-track" aria-hidden="true"><span class="toggle-thumb"></span></span>
            <span>{children()}</span>
        </label>
    }
}
