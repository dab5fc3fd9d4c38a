import { createContext, onCleanup, onMount, useContext, type ParentProps } from "solid-js";
import { MentionsProvider } from "../components/mention-text.tsx";
import { FileTransfer } from "../transport/file-transfer.ts";
import { HttpClient, type HttpClientOptions } from "../transport/http-client.ts";
import type { WebSocketConstructor } from "../transport/socket-client.ts";
import { createAuthStore, type AuthStore } from "./auth-store.ts";
import { createChatSession, type ChatSession } from "./chat-session.ts";
import { createDraftsStore, type DraftsStore } from "./drafts-store.ts";
import { createFileCache, type FileCache } from "./file-cache.ts";
import { createUploadsStore, type UploadsStore } from "./upload-queue.ts";

interface AppServices {
  http: HttpClient;
  /** Uploads and downloads of files, with the same token and renewal as `http`. */
  transfer: FileTransfer;
  auth: AuthStore;
}
/** A chat's files: the composers' upload queues and the attached files shown in messages. */
export interface Attachments {
  uploads: UploadsStore;
  files: FileCache;
}

/* eslint-disable solid/reactivity -- providers read their props once, at mount: they wire services, they hold no reactive state */
const AppContext = createContext<AppServices>();
const ChatContext = createContext<ChatSession>();
const DraftsContext = createContext<DraftsStore>();
const AttachmentsContext = createContext<Attachments>();

/** Signed out or in: the HTTP client and the session. */
export function AppProvider(props: ParentProps<{ storage?: Storage; fetch?: typeof fetch }>) {
  const storage = props.storage ?? localStorage;
  const holder: { auth?: AuthStore } = {};
  const options: HttpClientOptions = {
    token: () => holder.auth?.token(),
    fetch: props.fetch,
    onUnauthorized: () => holder.auth?.forget(),
    renew: async () => (await holder.auth?.renew()) ?? false,
  };
  const http = new HttpClient(options);
  const transfer = new FileTransfer(options);
  const auth = (holder.auth = createAuthStore(() => http, storage));
  return <AppContext.Provider value={{ http, transfer, auth }}>{props.children}</AppContext.Provider>;
}

/** A signed-in user's chat: one socket and the stores it feeds; closed when the user signs out. */
export function ChatProvider(props: ParentProps<{ WebSocket?: WebSocketConstructor; wsUrl?: string }>) {
  const { http, transfer, auth } = useApp();
  const wsUrl = props.wsUrl ?? `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`;
  const session = createChatSession({
    http,
    auth,
    WebSocket: props.WebSocket ?? (WebSocket as unknown as WebSocketConstructor),
    wsUrl,
    storage: localStorage,
    Notification: typeof Notification === "undefined" ? undefined : Notification,
  });
  onMount(() => void session.start().catch(() => {}));
  onCleanup(() => session.stop());
  const drafts = createDraftsStore(localStorage, auth.user()!.id);
  const files = createFileCache({ download: (id) => transfer.download(id) });
  const uploads = createUploadsStore({ upload: (file, name, how) => transfer.upload(file, name, how), seed: files.seed });
  // Signing out cancels uploads still going and revokes every object URL.
  onCleanup(() => (uploads.clear(), files.clear()));
  return (
    <ChatContext.Provider value={session}>
      <DraftsContext.Provider value={drafts}>
        <AttachmentsContext.Provider value={{ uploads, files }}>
          <MentionsProvider username={() => auth.user()?.username}>{props.children}</MentionsProvider>
        </AttachmentsContext.Provider>
      </DraftsContext.Provider>
    </ChatContext.Provider>
  );
}

export function useApp(): AppServices {
  const services = useContext(AppContext);
  if (!services) throw new Error("useApp outside <AppProvider>");
  return services;
}

export function useChat(): ChatSession {
  const session = useContext(ChatContext);
  if (!session) throw new Error("useChat outside <ChatProvider>");
  return session;
}

/** The signed-in user's unsent drafts; undefined outside <ChatProvider> (a composer then keeps none). */
export const useDrafts = (): DraftsStore | undefined => useContext(DraftsContext);

/** The chat's upload queues and file cache; undefined outside <ChatProvider> (no attaching, no previews). */
export const useAttachments = (): Attachments | undefined => useContext(AttachmentsContext);
/** Provides a chat's files to the components under it (ChatProvider does; tests give their own). */
export const AttachmentsProvider = AttachmentsContext.Provider;
