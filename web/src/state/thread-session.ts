import type { Message, ServerFrame } from "@parley/protocol";
import { idsOf, type Attachment } from "../transport/file-transfer.ts";
import type { HttpClient } from "../transport/http-client.ts";
import type { SocketClient } from "../transport/socket-client.ts";
import { describeSendError } from "./send-errors.ts";
import { createThreadStore, type OpenThread } from "./thread-store.ts";

/** Replies per page of a thread. */
const PAGE = 50;

export interface ThreadSessionDeps {
  http: Pick<HttpClient, "thread">;
  socket: Pick<SocketClient, "sendMessage">;
  /** Resolves once the room's subscription has started: a page read after it misses nothing the stream will not bring. */
  subscription: (roomId: string) => Promise<void>;
  me: () => string | undefined;
}

/**
 * The open thread of the chat session: loads and pages it, sends replies (optimistic, then
 * acknowledged, as the room's composer does), and keeps it current from the room's frames.
 */
export function createThreadSession({ http, socket, subscription, me }: ThreadSessionDeps) {
  const store = createThreadStore();

  async function loadNewest(thread: OpenThread) {
    const token = thread.begin();
    try {
      thread.newest(await http.thread(thread.view.roomId, thread.view.parentId, { limit: PAGE }), token);
    } catch (error) {
      if (store.current() === thread) thread.failed((error as Error).message);
    }
  }

  return {
    /** The thread open, if any. */
    current: () => store.current()?.view,
    find: store.find,
    /** Every frame of the socket: replies, events, resumed subscriptions and refused replies. */
    receive(frame: ServerFrame) {
      const thread = store.current();
      if (!thread) return;
      switch (frame.type) {
        case "message":
        case "ack":
          return thread.live([frame.message]);
        case "event":
          return thread.event(frame, me());
        case "subscribed":
          // After a reconnect the replay may be cut short (`limited`), or start later than what is
          // held: read the newest page again rather than trust it. Frames up to `lastSeq` are in it.
          if (frame.roomId !== thread.view.roomId || !thread.started()) return;
          thread.resync(frame.lastSeq);
          return void loadNewest(thread);
        case "error":
          if (frame.clientId && thread.view.pending().some((p) => p.clientId === frame.clientId))
            thread.setStatus(frame.clientId, "failed", describeSendError(frame));
          return;
      }
    },
    /** Opens a message's thread (closing any other); `parent` is the timeline's copy, shown until the first page comes. */
    async open(roomId: string, parentId: string, parent?: Message) {
      const open = store.current();
      if (open?.view.roomId === roomId && open.view.parentId === parentId) return;
      const thread = store.open(roomId, parentId, parent);
      await subscription(roomId);
      if (store.current() === thread) await loadNewest(thread);
    },
    close: store.close,
    /** Reads the thread's newest page again (after a failed read). */
    reload: () => {
      const thread = store.current();
      return thread ? loadNewest(thread) : Promise.resolve();
    },
    async loadOlder() {
      const thread = store.current();
      const first = thread?.view.replies()[0]?.seq;
      if (!thread || thread.view.loadingOlder() || !thread.view.hasMore() || first === undefined) return;
      thread.setLoadingOlder(true);
      try {
        thread.older(await http.thread(thread.view.roomId, thread.view.parentId, { beforeSeq: first, limit: PAGE }));
      } catch (error) {
        thread.setLoadingOlder(false, (error as Error).message);
      }
    },
    /** Sends a reply in the open thread, with the files uploaded for it; with `alsoToRoom` it shows in the room's timeline too. */
    send(body: string, alsoToRoom: boolean, attachments: readonly Attachment[] = []) {
      const thread = store.current();
      if (!thread) return;
      const clientId = crypto.randomUUID();
      thread.addPending(clientId, body, alsoToRoom, attachments);
      socket.sendMessage(thread.view.roomId, body, clientId, { parentId: thread.view.parentId, alsoToRoom }, idsOf(attachments));
    },
    /** Resends a failed reply with its original clientId, so it is stored at most once. */
    retry(clientId: string) {
      const thread = store.current();
      const p = thread?.view.pending().find((x) => x.clientId === clientId);
      if (!thread || !p) return;
      thread.setStatus(clientId, "pending");
      socket.sendMessage(thread.view.roomId, p.body, clientId, { parentId: thread.view.parentId, alsoToRoom: p.alsoToRoom }, idsOf(p.attachments));
    },
    discard: (clientId: string) => store.current()?.discard(clientId),
  };
}
export type ThreadSession = ReturnType<typeof createThreadSession>;
