//! Notifications in the browser: the live unread count behind the bell, the panel that
//! lists them, desktop alerts while the tab is hidden, and the preference forms.

mod alerts;
mod bell;
mod preferences;
mod text;

pub use bell::Bell;
pub use preferences::{NotificationSettings, RoomNotifications};

use leptos::prelude::*;

use crate::{api::notifications::unread_notification_count, live::Live};

/// The user's notifications as the page knows them.
#[derive(Clone, Copy)]
pub struct NotificationFeed {
    /// The stored unread count.
    pub unread: RwSignal<i64>,
    /// Bumped when notifications arrive or change, so an open panel reloads.
    pub changed: RwSignal<u32>,
}

impl NotificationFeed {
    /// Creates the feed, keeps it current from the tab's socket and provides it.
    pub fn provide(live: Live, signed_in: Signal<bool>) -> Self {
        let feed = NotificationFeed {
            unread: RwSignal::new(0),
            changed: RwSignal::new(0),
        };
        provide_context(feed);
        #[cfg(feature = "hydrate")]
        live.on_user_frame(move |frame| {
            use crate::model::realtime::ServerFrame;
            match frame {
                ServerFrame::Notification {
                    notification,
                    unread_count,
                    alert,
                } => {
                    feed.unread.set(unread_count);
                    feed.changed.update(|v| *v += 1);
                    if alert {
                        alerts::show(&notification);
                    }
                }
                ServerFrame::NotificationCount { unread_count } => {
                    feed.unread.set(unread_count);
                    feed.changed.update(|v| *v += 1);
                }
                _ => {}
            }
        });
        // The stored count on arrival and after every reconnect (frames may have been
        // missed while the socket was down).
        Effect::new(move |_| {
            let live_now = live.connection.get() == crate::live::Connection::Live;
            if signed_in.get() && live_now {
                feed.refresh();
            }
        });
        feed
    }

    /// The context value.
    pub fn get() -> Self {
        expect_context::<NotificationFeed>()
    }

    /// Reads the stored count again.
    pub fn refresh(&self) {
        let unread = self.unread;
        leptos::task::spawn_local(async move {
            if let Ok(n) = unread_notification_count().await {
                unread.set(n);
            }
        });
    }
}
