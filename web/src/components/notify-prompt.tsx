import { Show } from "solid-js";
import { useChat } from "../state/app-context.tsx";

/** The one-time offer of desktop notifications, shown once there is a reason (see DesktopNotifier); never on load. */
export function NotifyPrompt() {
  const chat = useChat();
  return (
    <Show when={chat.desktop.prompting()}>
      <aside class="notify-prompt" aria-label="Desktop notifications">
        <p>Get a desktop notification when someone mentions you while Parley is in the background.</p>
        <button type="button" onClick={() => void chat.desktop.enable()}>
          Turn on desktop notifications
        </button>
        <button type="button" class="quiet" onClick={() => chat.desktop.dismiss()}>
          Not now
        </button>
      </aside>
    </Show>
  );
}
