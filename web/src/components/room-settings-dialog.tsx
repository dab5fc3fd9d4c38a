import { createSignal } from "solid-js";
import { LIMITS } from "@parley/protocol/client";
import { useChat } from "../state/app-context.tsx";
import type { RoomChange, RoomListing } from "../transport/http-client.ts";
import { Modal } from "./modal.tsx";

/**
 * A room's name, topic and visibility, for its owners and moderators: Save sends what changed
 * (`PATCH`), and a refusal (a name taken, 409) shows under the form with the server's words.
 */
export function RoomSettingsDialog(props: { room: RoomListing; onClose: () => void }) {
  const chat = useChat();
  const [error, setError] = createSignal<string>();
  const [busy, setBusy] = createSignal(false);
  async function save(e: SubmitEvent) {
    e.preventDefault();
    const data = new FormData(e.currentTarget as HTMLFormElement);
    const wanted = {
      name: String(data.get("name") ?? "").trim(),
      topic: String(data.get("topic") ?? "").trim(),
      visibility: data.get("visibility") === "private" ? "private" : "public",
    } as const;
    const change: RoomChange = {};
    if (wanted.name !== props.room.name) change.name = wanted.name;
    if (wanted.topic !== props.room.topic) change.topic = wanted.topic;
    if (wanted.visibility !== (props.room.visibility ?? "public")) change.visibility = wanted.visibility;
    if (!Object.keys(change).length) return props.onClose();
    setBusy(true);
    setError(undefined);
    try {
      await chat.access.updateRoom(props.room.id, change);
      props.onClose();
    } catch (failure) {
      setError((failure as Error).message);
    } finally {
      setBusy(false);
    }
  }
  return (
    <Modal title={`Settings of #${props.room.name}`} onClose={() => props.onClose()}>
      <form class="modal-form room-settings" onSubmit={save}>
        <label for="settings-name">Name</label>
        <input id="settings-name" name="name" required maxlength={LIMITS.roomNameMax} value={props.room.name} autofocus aria-describedby="settings-error" />
        <label for="settings-topic">Topic</label>
        <input id="settings-topic" name="topic" maxlength={LIMITS.topicMax} value={props.room.topic} />
        <fieldset class="visibility-choice">
          <legend>Who can find it</legend>
          <label>
            <input type="radio" name="visibility" value="public" checked={props.room.visibility !== "private"} /> Public: listed in Browse rooms, anyone can
            join
          </label>
          <label>
            <input type="radio" name="visibility" value="private" checked={props.room.visibility === "private"} /> Private: only members see it, people join by
            invitation
          </label>
        </fieldset>
        <p id="settings-error" class="form-error" role="alert">
          {error() ?? ""}
        </p>
        <div class="modal-actions">
          <button type="button" class="quiet" onClick={() => props.onClose()}>
            Cancel
          </button>
          <button type="submit" class="primary" disabled={busy()}>
            Save
          </button>
        </div>
      </form>
    </Modal>
  );
}
