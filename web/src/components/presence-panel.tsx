import { For } from "solid-js";
import type { User } from "@parley/protocol";
import { hueOf } from "../lib/format.ts";

/** Who is online in the room now. */
export function PresencePanel(props: { online: User[]; count: number; meId: string }) {
  return (
    <aside class="presence" aria-labelledby="presence-title">
      <h2 id="presence-title">
        Online <span class="count">{props.count}</span>
      </h2>
      <ul aria-live="polite">
        <For each={props.online}>
          {(user) => (
            <li>
              <span class="avatar small" aria-hidden="true" style={{ "--hue": hueOf(user.username) }}>
                {user.username.slice(0, 1).toUpperCase()}
              </span>
              <span class="presence-name">{user.username}</span>
              {user.id === props.meId ? <span class="muted"> (you)</span> : null}
              <span class="online-dot" aria-label="online" />
            </li>
          )}
        </For>
      </ul>
      {props.count > props.online.length ? <p class="muted">and {props.count - props.online.length} more</p> : null}
    </aside>
  );
}
