import { For, Show } from "solid-js";
import type { User } from "@parley/protocol";
import { hueOf } from "../lib/format.ts";
import { useChat } from "../state/app-context.tsx";

/**
 * Who is online in the room now. While this client is not connected the list is whatever it was
 * when the socket went away: it greys out and says so, rather than showing stale people as online.
 */
export function PresencePanel(props: { online: User[]; count: number; meId: string }) {
  const chat = useChat();
  const stale = () => chat.status() !== "connected";
  return (
    <aside class="presence" classList={{ stale: stale() }} aria-labelledby="presence-title">
      <h2 id="presence-title">
        Online <span class="count">{props.count}</span>
      </h2>
      <Show when={stale()}>
        <p class="presence-stale">Not connected: this list may be out of date.</p>
      </Show>
      <ul aria-live="polite">
        <For each={props.online}>
          {(user) => (
            <li>
              <span class="avatar small" aria-hidden="true" style={{ "--hue": hueOf(user.username) }}>
                {user.username.slice(0, 1).toUpperCase()}
              </span>
              <span class="presence-name">{user.username}</span>
              {user.id === props.meId ? <span class="muted"> (you)</span> : null}
              <span class="online-dot" aria-hidden="true" />
            </li>
          )}
        </For>
      </ul>
      {props.count > props.online.length ? <p class="muted">and {props.count - props.online.length} more</p> : null}
    </aside>
  );
}
