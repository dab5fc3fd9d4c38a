import { createSignal, onCleanup, Show } from "solid-js";
import type { SocketState } from "../transport/socket-client.ts";

const LABELS: Record<SocketState, string> = {
  idle: "Connecting…",
  connecting: "Connecting…",
  connected: "Connected",
  reconnecting: "Reconnecting…",
  offline: "Offline",
  closed: "Disconnected",
};

/**
 * The connection's state as a coloured pill, with a countdown and "Retry now" while reconnecting.
 * The pill is a live region: it announces the state when it changes, but not each second of the
 * countdown, which is for the eyes only.
 */
export function ConnectionStatus(props: { state: SocketState; retryIn: () => number; onRetry: () => void }) {
  const [now, setNow] = createSignal(0);
  const timer = setInterval(() => setNow(now() + 1), 1000);
  onCleanup(() => clearInterval(timer));
  const seconds = () => (now(), Math.ceil(props.retryIn() / 1000));

  return (
    <div class={`status status-${props.state}`} role="status" aria-live="polite">
      <span class="status-dot" aria-hidden="true" />
      <span>
        {LABELS[props.state]}
        <Show when={props.state === "reconnecting" && seconds() > 0}>
          <span aria-hidden="true"> in {seconds()} s</span>
        </Show>
      </span>
      <Show when={props.state === "reconnecting"}>
        <button type="button" class="link-button" onClick={() => props.onRetry()}>
          Retry now
        </button>
      </Show>
    </div>
  );
}
