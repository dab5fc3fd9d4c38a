import { createSignal } from "solid-js";
import type { User } from "@parley/protocol";
import { useApp, useChat } from "../state/app-context.tsx";
import { Modal } from "./modal.tsx";
import { UserPicker } from "./user-picker.tsx";

/** The most people a DM has besides the user (the server's 2..8 participants). */
export const DM_OTHERS_MAX = 7;

/** "New message": pick 1..7 people, Start opens the DM of that set (made, or the one that exists). */
export function NewDmDialog(props: { onClose: () => void; onOpen: (roomId: string) => void }) {
  const chat = useChat();
  const { auth } = useApp();
  const [people, setPeople] = createSignal<User[]>([]);
  const [error, setError] = createSignal<string>();
  const [busy, setBusy] = createSignal(false);
  async function start(e: SubmitEvent) {
    e.preventDefault();
    if (!people().length || busy()) return;
    setBusy(true);
    setError(undefined);
    try {
      const room = await chat.startDm(people().map((u) => u.id));
      props.onOpen(room.id);
    } catch (failure) {
      setError((failure as Error).message);
    } finally {
      setBusy(false);
    }
  }
  return (
    <Modal title="New message" onClose={() => props.onClose()}>
      <form class="modal-form" onSubmit={start}>
        <UserPicker
          label="To"
          search={chat.access.findUsers}
          exclude={(u) => u.id === auth.user()?.id}
          selected={people()}
          onChange={setPeople}
          max={DM_OTHERS_MAX}
        />
        <p class="form-error" role="alert">
          {error() ?? ""}
        </p>
        <div class="modal-actions">
          <button type="button" class="quiet" onClick={() => props.onClose()}>
            Cancel
          </button>
          <button type="submit" class="primary" disabled={!people().length || busy()}>
            Start
          </button>
        </div>
      </form>
    </Modal>
  );
}
