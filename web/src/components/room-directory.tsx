import { createResource, createSignal, For, Show } from "solid-js";
import { LIMITS } from "@parley/protocol/client";
import { confirmLeave } from "../lib/confirm-leave.ts";
import { roomHref } from "../lib/hash-route.ts";
import { useChat } from "../state/app-context.tsx";
import type { RoomListing } from "../transport/http-client.ts";
import { LoadError } from "./load-error.tsx";

/**
 * Every room: search by name, create one, join, open or leave (after a confirmation). Only a
 * member's room name is a link: a room not joined has nothing to open yet, Join is its action.
 */
export function RoomDirectory(props: { onOpen: (href: string) => void }) {
  const chat = useChat();
  const [query, setQuery] = createSignal("");
  const [rooms, { refetch }] = createResource(query, (q) => chat.rooms.search(q));
  const [error, setError] = createSignal<string>();
  let timer: ReturnType<typeof setTimeout> | undefined;

  const act = async (work: () => Promise<unknown>) => {
    setError(undefined);
    try {
      await work();
      void refetch();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  async function create(e: SubmitEvent) {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    // eslint-disable-next-line solid/reactivity -- runs inside the submit handler
    await act(async () => {
      const visibility = data.get("visibility") === "private" ? "private" : "public";
      const room = await chat.create(String(data.get("name") ?? ""), String(data.get("topic") ?? ""), visibility);
      form.reset();
      props.onOpen(roomHref(room.id));
    });
  }
  const member = (room: RoomListing) => chat.rooms.isMember(room.id);
  const join = async (roomId: string) => {
    await chat.join(roomId);
    props.onOpen(roomHref(roomId));
  };
  const leave = (room: RoomListing) => {
    if (confirmLeave(`#${room.name}`)) void act(() => chat.leave(room.id));
  };
  const search = (value: string) => {
    clearTimeout(timer);
    timer = setTimeout(() => setQuery(value), 200);
  };

  return (
    <section class="directory" aria-labelledby="directory-title">
      <h1 id="directory-title">Browse rooms</h1>
      <div class="directory-tools">
        <form role="search" class="search" onSubmit={(e) => e.preventDefault()}>
          <label for="room-search" class="visually-hidden">
            Search rooms by name
          </label>
          <input
            id="room-search"
            type="search"
            placeholder="Search rooms by name"
            maxlength={LIMITS.roomNameMax}
            onInput={(e) => search(e.currentTarget.value)}
          />
        </form>
        <form class="create-room" onSubmit={create} aria-label="Create a room">
          <label for="room-name" class="visually-hidden">
            New room name
          </label>
          <input id="room-name" name="name" placeholder="New room name" required maxlength={LIMITS.roomNameMax} />
          <label for="room-topic" class="visually-hidden">
            Topic (optional)
          </label>
          <input id="room-topic" name="topic" placeholder="Topic (optional)" maxlength={LIMITS.topicMax} />
          {/* Private: only members see it (never listed here for anyone else), and people join by invitation. */}
          <fieldset class="visibility-choice">
            <legend class="visually-hidden">Who can find it</legend>
            <label title="Listed here; anyone can join">
              <input type="radio" name="visibility" value="public" checked /> Public
            </label>
            <label title="Only members see it; people join by invitation">
              <input type="radio" name="visibility" value="private" /> Private
            </label>
          </fieldset>
          <button type="submit" class="primary">
            Create room
          </button>
        </form>
      </div>
      <p class="form-error" role="alert">
        {error() ?? ""}
      </p>
      <Show when={!rooms.error} fallback={<LoadError what="rooms" error={rooms.error} onRetry={() => void refetch()} />}>
        <Show when={rooms()?.length !== 0} fallback={<p class="muted">{query() ? `No rooms match “${query()}”.` : "No rooms yet. Create the first one."}</p>}>
          <ul class="room-cards" aria-busy={rooms.loading}>
            <For each={rooms()}>
              {(room) => (
                <li class="room-card">
                  <div class="room-card-text">
                    <h2>
                      <Show when={member(room)} fallback={`# ${room.name}`}>
                        <a href={roomHref(room.id)}>
                          {room.visibility === "private" ? "🔒" : "#"} {room.name}
                        </a>
                      </Show>
                      <Show when={room.visibility === "private"}>
                        <span class="visually-hidden"> (private)</span>
                      </Show>
                    </h2>
                    <p class="topic">{room.topic || "No topic"}</p>
                    <p class="room-stats">
                      {room.memberCount} {room.memberCount === 1 ? "member" : "members"} ·{" "}
                      <span classList={{ "online-text": room.onlineCount > 0 }}>{room.onlineCount} online</span>
                    </p>
                  </div>
                  <div class="room-card-actions">
                    <Show
                      when={member(room)}
                      fallback={
                        <button type="button" class="primary" aria-label={`Join ${room.name}`} onClick={() => act(() => join(room.id))}>
                          Join
                        </button>
                      }
                    >
                      <button type="button" onClick={() => props.onOpen(roomHref(room.id))} aria-label={`Open ${room.name}`}>
                        Open
                      </button>
                      <button type="button" class="quiet" onClick={() => leave(room)} aria-label={`Leave ${room.name}`}>
                        Leave
                      </button>
                    </Show>
                  </div>
                </li>
              )}
            </For>
          </ul>
        </Show>
      </Show>
    </section>
  );
}
