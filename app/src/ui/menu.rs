//! A drop-down menu of links and actions, styled alike in both themes and usable by keyboard
//! (Enter or Space opens it, arrows move between items, Escape closes it and returns focus).

use leptos::{ev, html, prelude::*};

/// A trigger button and the list of items it opens below itself. The menu closes when an item
/// is chosen, on Escape, and on a click anywhere else.
#[component]
pub fn Menu(
    /// The trigger's accessible name.
    #[prop(into)]
    label: Signal<String>,
    /// What the trigger shows.
    trigger: ViewFn,
    /// The items: [`MenuLink`]s and [`MenuAction`]s.
    children: ChildrenFn,
    /// Extra class of the trigger button.
    #[prop(optional)]
    class: &'static str,
    /// `data-testid` of the trigger button.
    #[prop(optional)]
    testid: &'static str,
    /// The popup's element id (the trigger's `aria-controls`), unique in the page.
    id: &'static str,
) -> impl IntoView {
    let open = RwSignal::new(false);
    let root = NodeRef::<html::Div>::new();
    let button = NodeRef::<html::Button>::new();
    let popup = NodeRef::<html::Div>::new();
    let close = move |refocus: bool| {
        open.set(false);
        if refocus {
            if let Some(b) = button.get_untracked() {
                let _ = b.focus();
            }
        }
    };
    // A click outside closes the menu; one on the trigger is the trigger's own business.
    let outside = window_event_listener(ev::click, move |ev| {
        if !open.get_untracked() {
            return;
        }
        let inside = root.get_untracked().is_some_and(|r| {
            ev.target()
                .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Node>(t).ok())
                .is_some_and(|node| r.contains(Some(&node)))
        });
        if !inside {
            open.set(false);
        }
    });
    on_cleanup(move || outside.remove());
    // The first item takes focus when the menu opens, as in every desktop menu.
    Effect::new(move |_| {
        if open.get() {
            move_focus(popup, Step::First);
        }
    });
    let on_keydown = move |ev: ev::KeyboardEvent| match ev.key().as_str() {
        "Escape" if open.get_untracked() => {
            ev.prevent_default();
            ev.stop_propagation();
            close(true);
        }
        "ArrowDown" | "ArrowUp" if open.get_untracked() => {
            ev.prevent_default();
            move_focus(
                popup,
                if ev.key() == "ArrowDown" {
                    Step::Next
                } else {
                    Step::Previous
                },
            );
        }
        "ArrowDown" => {
            ev.prevent_default();
            open.set(true);
        }
        "Tab" if open.get_untracked() => close(false),
        _ => {}
    };
    view! {
        <div class="menu" node_ref=root on:keydown=on_keydown>
            <button type="button" class=format!("menu-trigger {class}") node_ref=button
                aria-haspopup="menu" aria-expanded=move || open.get().to_string()
                aria-controls=id aria-label=label data-testid=testid
                on:click=move |_| open.update(|o| *o = !*o)>
                {trigger.run()}
            </button>
            <Show when=move || open.get()>
                <div class="menu-popup" role="menu" id=id node_ref=popup
                    on:click=move |_| close(false)>
                    {children()}
                </div>
            </Show>
        </div>
    }
}

/// A menu item that goes to `href`.
#[component]
pub fn MenuLink(
    /// Where it goes.
    href: &'static str,
    /// Its text.
    children: Children,
) -> impl IntoView {
    view! { <a class="menu-item" role="menuitem" tabindex="-1" href=href>{children()}</a> }
}

/// A menu item that runs `on_select`.
#[component]
pub fn MenuAction(
    /// What choosing it does.
    on_select: Callback<()>,
    /// Marks a destructive action.
    #[prop(optional)]
    danger: bool,
    /// `data-testid` of the item.
    #[prop(optional)]
    testid: &'static str,
    /// Its text.
    children: Children,
) -> impl IntoView {
    view! {
        <button type="button" class="menu-item" class:danger=danger role="menuitem" tabindex="-1"
            data-testid=testid on:click=move |_| on_select.run(())>
            {children()}
        </button>
    }
}

#[derive(Clone, Copy)]
enum Step {
    First,
    Next,
    Previous,
}

/// Focuses the first, next or previous item of the open menu, wrapping around.
fn move_focus(popup: NodeRef<html::Div>, step: Step) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let Some(popup) = popup.get_untracked() else {
            return;
        };
        let Ok(items) = popup.query_selector_all("[role=menuitem]") else {
            return;
        };
        let items: Vec<web_sys::HtmlElement> = (0..items.length())
            .filter_map(|i| items.item(i))
            .filter_map(|n| n.dyn_into::<web_sys::HtmlElement>().ok())
            .collect();
        if items.is_empty() {
            return;
        }
        let active = document().active_element();
        let current = items.iter().position(|el| {
            active
                .as_ref()
                .is_some_and(|a| a == el.as_ref() as &web_sys::Element)
        });
        let n = items.len();
        let index = match (step, current) {
            (Step::First, _) | (Step::Next, None) => 0,
            (Step::Previous, None) => n - 1,
            (Step::Next, Some(i)) => (i + 1) % n,
            (Step::Previous, Some(i)) => (i + n - 1) % n,
        };
        let _ = items[index].focus();
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (popup, step);
}
