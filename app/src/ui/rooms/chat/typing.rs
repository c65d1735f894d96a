//! The line under the messages that says who is typing.

use std::collections::HashMap;

#[cfg(feature = "hydrate")]
use leptos::prelude::*;
use uuid::Uuid;

use crate::live::{timeline::Timeline, Typing};

/// More names than this are summed up rather than listed, as in Slack.
const NAMED_AT_MOST: usize = 3;

/// "Ann is typing…", "Ann and Ben are typing…", "Ann, Ben and Cy are typing…", or "Several
/// people are typing…"; `None` when nobody is.
pub fn line(names: &[String]) -> Option<String> {
    match names {
        [] => None,
        [one] => Some(format!("{one} is typing…")),
        [first, second] => Some(format!("{first} and {second} are typing…")),
        _ if names.len() <= NAMED_AT_MOST => {
            let (last, rest) = names.split_last()?;
            Some(format!("{} and {last} are typing…", rest.join(", ")))
        }
        _ => Some("Several people are typing…".to_owned()),
    }
}

/// The names of those typing at `now` (ms since the epoch), other than `me`, in the order
/// they started: from the member list, else from their messages on screen.
pub fn typing_names(
    typing: &Typing,
    now: f64,
    me: Option<Uuid>,
    names: &HashMap<Uuid, String>,
    timeline: &Timeline,
) -> Vec<String> {
    typing
        .iter()
        .filter(|(user, until)| *until > now && Some(*user) != me)
        .map(|(user, _)| {
            names
                .get(user)
                .cloned()
                .or_else(|| {
                    timeline
                        .messages
                        .iter()
                        .rev()
                        .filter_map(|m| m.sender.as_ref())
                        .find(|s| s.id == *user)
                        .map(|s| s.display_name.clone())
                })
                .unwrap_or_else(|| "Someone".to_owned())
        })
        .collect()
}

/// Drops typing notices as they expire, so the line clears when someone stops typing even if
/// nothing else in the room changes.
#[cfg(feature = "hydrate")]
pub fn expire(typing: RwSignal<Typing>) {
    Effect::new(move |_| {
        let next = typing.with(|list| list.iter().map(|(_, until)| *until).reduce(f64::min));
        let Some(next) = next else { return };
        let wait = (next - js_sys::Date::now()).max(0.0) as u64 + 20;
        set_timeout(
            move || {
                let now = js_sys::Date::now();
                let stale = typing
                    .try_with_untracked(|list| list.iter().any(|(_, until)| *until <= now))
                    .unwrap_or(false);
                if stale {
                    typing.try_update(|list| list.retain(|(_, until)| *until > now));
                }
            },
            std::time::Duration::from_millis(wait),
        );
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn names_up_to_three_people_and_sums_up_more() {
        assert_eq!(line(&[]), None);
        assert_eq!(line(&names(&["Ann"])).as_deref(), Some("Ann is typing…"));
        assert_eq!(
            line(&names(&["Ann", "Ben"])).as_deref(),
            Some("Ann and Ben are typing…")
        );
        assert_eq!(
            line(&names(&["Ann", "Ben", "Cy"])).as_deref(),
            Some("Ann, Ben and Cy are typing…")
        );
        assert_eq!(
            line(&names(&["Ann", "Ben", "Cy", "Di"])).as_deref(),
            Some("Several people are typing…")
        );
    }

    #[test]
    fn leaves_out_expired_notices_and_the_viewer_and_names_strangers_someone() {
        let (ann, ben, me, stranger) = (
            Uuid::new_v4(),
            Uuid::new_v4(),
            Uuid::new_v4(),
            Uuid::new_v4(),
        );
        let known = HashMap::from([(ann, "Ann".to_owned()), (ben, "Ben".to_owned())]);
        let typing = vec![
            (ann, 2000.0),
            (ben, 900.0),
            (me, 2000.0),
            (stranger, 2000.0),
        ];
        let timeline = Timeline::from_page(Vec::new(), 0);
        assert_eq!(
            typing_names(&typing, 1000.0, Some(me), &known, &timeline),
            names(&["Ann", "Someone"])
        );
    }
}
