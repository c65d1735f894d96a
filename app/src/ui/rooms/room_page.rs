//! `/rooms/:id`: a room's header, its members with moderation actions, and invitations.

use std::collections::HashMap;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_query_map};
use uuid::Uuid;

use super::{chat::Chat, frame::RoomsFrame, load_room, room_id_param, RoomsChanged};
use crate::{
    api::rooms::{
        room_participants, CreateInviteLink, InviteToRoom, JoinRoom, LeaveRoom, MemberAction,
        Moderate,
    },
    live::RoomState,
    model::{
        event::MemberChange,
        realtime::PresenceStatus,
        room::{Participant, Role, Room, RoomKind},
    },
    ui::{
        avatar::Avatar,
        form::{action_error, hydrated, Field, FormAlert},
        icons::RoomMark,
        notifications::RoomNotifications,
        on_demand::on_demand,
        session::CurrentUser,
    },
};

/// The room page.
#[component]
pub fn RoomPage() -> impl IntoView {
    view! {
        <RoomsFrame>
            <RoomView/>
        </RoomsFrame>
    }
}

#[component]
fn RoomView() -> impl IntoView {
    let id = room_id_param();
    let version = RwSignal::new(0u32);
    let room = Resource::new(move || (id.get(), version.get()), |(id, _)| load_room(id));
    view! {
        <Transition fallback=|| view! { <p class="muted">"Loading room…"</p> }>
            {move || {
                room.get()
                    .map(|result| match result {
                        Ok(room) => view! { <RoomDetails room version/> }.into_any(),
                        Err(e) => {
                            view! {
                                <Title text="Room not found"/>
                                <section class="page-narrow">
                                    <h1>"Room not found"</h1>
                                    <p class="muted">{e.message}</p>
                                    <a class="button button-primary" href="/rooms/browse">"Browse rooms"</a>
                                </section>
                            }
                                .into_any()
                        }
                    })
            }}
        </Transition>
    }
}

#[component]
fn RoomDetails(room: Room, version: RwSignal<u32>) -> impl IntoView {
    let id = room.id;
    let role = room.my_role;
    let direct = room.kind == RoomKind::Direct;
    let changed = RoomsChanged::get();
    let navigate = use_navigate();
    let join = ServerAction::<JoinRoom>::new();
    let leave = ServerAction::<LeaveRoom>::new();
    Effect::new(move |_| {
        if let Some(Ok(_)) = join.value().get() {
            changed.bump();
            version.update(|v| *v += 1);
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = leave.value().get() {
            changed.bump();
            navigate("/rooms", Default::default());
        }
    });
    let leave_error = action_error(leave);
    let mounted = RwSignal::new(false);
    Effect::new(move |_| mounted.set(true));
    // Shared by the conversation (whose socket receives presence and membership changes)
    // and the member list.
    let state = RoomState::new();
    // A change to my own role changes what I may do here: load the room again.
    Effect::new(move |_| {
        if let Some(MemberChange::RoleChanged { .. }) = state.my_membership.get() {
            version.update(|v| *v += 1);
        }
    });
    let query = use_query_map();
    let at = query.with_untracked(|q| q.get("at").and_then(|s| s.parse::<i64>().ok()));
    view! {
        <Title text=room.name.clone()/>
        <section class="room">
            <header class="room-header">
                <div>
                    <h1 data-testid="room-name"><RoomMark direct private=room.is_private/>" " {room.name.clone()}</h1>
                    <p class="muted">{room.description.clone()}</p>
                    <p class="small muted">
                        {format!("{} member{}", room.participant_count, if room.participant_count == 1 { "" } else { "s" })}
                        {role.map(|r| format!(" · you are {}", r.as_str()))}
                    </p>
                </div>
                <div class="room-actions">
                    {(role >= Some(Role::Admin) && !direct)
                        .then(|| view! {
                            <a class="button button-ghost button-small" href=format!("/rooms/{id}/settings")>"Settings"</a>
                        })}
                    {(role.is_some() && !direct)
                        .then(|| view! {
                            <button type="button" class="button button-ghost button-small"
                                on:click=move |_| { leave.dispatch(LeaveRoom { id }); }>
                                "Leave"
                            </button>
                        })}
                    {role.is_none()
                        .then(|| view! {
                            <button type="button" class="button button-primary button-small"
                                on:click=move |_| { join.dispatch(JoinRoom { id }); }>
                                "Join room"
                            </button>
                        })}
                </div>
            </header>
            <FormAlert error=leave_error/>
            // Conversation and members load in the browser: they are live state, and resources
            // nested in the room's own resource do not hydrate reliably. Their code is a chunk
            // of its own, fetched after hydration rather than before it.
            {move || {
                let body = RoomBody { id, role, state, at, is_private: room.is_private, direct };
                mounted.get().then(|| on_demand(move || room_body(body)))
            }}
        </section>
    }
}

/// What the conversation and the side panels need to know about the room.
#[derive(Clone, Copy)]
struct RoomBody {
    id: Uuid,
    role: Option<Role>,
    state: RoomState,
    at: Option<i64>,
    is_private: bool,
    direct: bool,
}

/// The conversation and the side panels, loaded once the page is up.
#[wasm_split_helpers::wasm_split(parley_room_body, fallible)]
fn room_body(body: RoomBody) -> Result<AnyView, wasm_split_helpers::SplitLoaderError> {
    let RoomBody {
        id,
        role,
        state,
        at,
        is_private,
        direct,
    } = body;
    let is_admin = role >= Some(Role::Admin);
    Ok(view! {
        <div class="room-body">
            <section class="room-timeline card" aria-label="Messages">
                <Chat room=id my_role=role state at/>
            </section>
            <aside class="room-side">
                {(is_private && role.is_some() && !direct).then(|| view! { <InvitePanel room=id admin=is_admin/> })}
                {role.is_some().then(|| view! { <RoomNotifications room=id/> })}
                <MembersPanel room=id my_role=role direct state/>
            </aside>
        </div>
    }
    .into_any())
}

#[component]
fn InvitePanel(room: Uuid, admin: bool) -> impl IntoView {
    let who = RwSignal::new(String::new());
    let invite = ServerAction::<InviteToRoom>::new();
    let ready = hydrated();
    let error = action_error(invite);
    let link = ServerAction::<CreateInviteLink>::new();
    Effect::new(move |_| {
        if let Some(Ok(_)) = invite.value().get() {
            who.set(String::new());
        }
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if who.get_untracked().trim().is_empty() {
            return;
        }
        invite.dispatch(InviteToRoom {
            room,
            user: who.get_untracked(),
        });
    };
    view! {
        <section class="card panel">
            <h2>"Invite people"</h2>
            <form on:submit=on_submit novalidate>
                <FormAlert error/>
                <Field name="user" label="Username or email" value=who server_error=error
                    submitted=Signal::derive(|| false)/>
                <button type="submit" class="button button-primary button-small"
                    disabled=move || !ready.get() || invite.pending().get()>"Invite"</button>
                {move || {
                    invite.value().get().and_then(|r| r.ok()).map(|inv| view! {
                        <p class="form-success" role="status">
                            {format!("Invited {}.", inv.invitee.display_name)}
                        </p>
                    })
                }}
            </form>
            {admin.then(|| view! {
                <div class="invite-link">
                    <button type="button" class="button button-ghost button-small"
                        on:click=move |_| { link.dispatch(CreateInviteLink { room }); }>
                        "Create invite link"
                    </button>
                    {move || link.value().get().map(|r| match r {
                        Ok(l) => {
                            let path = format!("/join/{}", l.code.unwrap_or_default());
                            view! {
                                <p class="small">"Share this link (valid for 7 days): "
                                    <a href=path.clone() data-testid="invite-link">{path.clone()}</a>
                                </p>
                            }.into_any()
                        }
                        Err(e) => view! { <p class="field-error" role="alert">{e.message}</p> }.into_any(),
                    })}
                </div>
            })}
        </section>
    }
}

#[component]
fn MembersPanel(
    room: Uuid,
    my_role: Option<Role>,
    direct: bool,
    state: RoomState,
) -> impl IntoView {
    let moderate = ServerAction::<Moderate>::new();
    let presence = state.presence;
    let members = Resource::new(
        move || (moderate.version().get(), state.members.get()),
        move |_| room_participants(room),
    );
    let me = CurrentUser::get();
    let error = action_error(moderate);
    // The conversation names who is typing from this list.
    Effect::new(move |_| {
        if let Some(Ok(list)) = members.get() {
            state.names.set(
                list.iter()
                    .map(|p| (p.user.id, p.user.display_name.clone()))
                    .collect(),
            );
        }
    });
    view! {
        <section class="card panel">
            <h2>"Members"</h2>
            <FormAlert error/>
            <Transition fallback=|| view! { <p class="muted small">"Loading members…"</p> }>
                {move || {
                    let my_id = me.user().map(|u| u.id);
                    members.get().map(|result| match result {
                        Ok(list) => view! {
                            <ul class="member-list" data-testid="members">
                                {list.into_iter().map(|p| {
                                    let is_me = Some(p.user.id) == my_id;
                                    view! { <MemberRow p my_role is_me direct moderate room presence/> }
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(e) => view! { <p class="alert alert-error" role="alert">{e.message}</p> }.into_any(),
                    })
                }}
            </Transition>
        </section>
    }
}

#[component]
fn MemberRow(
    p: Participant,
    my_role: Option<Role>,
    is_me: bool,
    direct: bool,
    moderate: ServerAction<Moderate>,
    room: Uuid,
    presence: RwSignal<HashMap<Uuid, PresenceStatus>>,
) -> impl IntoView {
    let user = p.user.id;
    let status = move || {
        presence
            .with(|all| all.get(&user).copied())
            .unwrap_or(PresenceStatus::Offline)
    };
    let can_moderate = !direct
        && !is_me
        && my_role.is_some_and(|mine| mine > p.role)
        && my_role >= Some(Role::Admin);
    let is_owner = my_role == Some(Role::Owner) && !direct && !is_me;
    let act = move |action: MemberAction| {
        moderate.dispatch(Moderate { room, user, action });
    };
    view! {
        <li class="member" data-status=move || status().as_str()>
            <span class="avatar-status">
                <Avatar username=p.user.username.clone() name=p.user.display_name.clone()
                    url=p.user.avatar_url.clone() size=28/>
                <span class="presence-dot" data-status=move || status().as_str()
                    role="img" aria-label=move || status().label() title=move || status().label()></span>
            </span>
            <a href=format!("/u/{}", p.user.username) class="member-name">{p.user.display_name.clone()}</a>
            {(!direct && p.role != Role::Member).then(|| view! { <span class="badge">{p.role.as_str()}</span> })}
            <span class="member-actions">
                {is_owner.then(|| {
                    let (label, role) = if p.role == Role::Admin { ("Make member", Role::Member) } else { ("Make admin", Role::Admin) };
                    view! {
                        <button type="button" class="link-button" on:click=move |_| act(MemberAction::SetRole(role))>{label}</button>
                        <button type="button" class="link-button" on:click=move |_| act(MemberAction::SetRole(Role::Owner))>"Make owner"</button>
                    }
                })}
                {can_moderate.then(|| view! {
                    <button type="button" class="link-button" on:click=move |_| act(MemberAction::Remove)>"Remove"</button>
                    <button type="button" class="link-button danger" on:click=move |_| act(MemberAction::Ban)>"Ban"</button>
                })}
            </span>
        </li>
    }
}
