import { createContext, onCleanup, onMount, useContext, type ParentProps } from "solid-js";
import { MentionsProvider } from "../components/mention-text.tsx";
import { HttpClient } from "../transport/http-client.ts";
import type { WebSocketConstructor } from "../transport/socket-client.ts";
import { createAuthStore, type AuthStore } from "./auth-store.ts";
import { createChatSession, type ChatSession } from "./chat-session.ts";
import { createDraftsStore, type DraftsStore } from "./drafts-store.ts";

interface AppServices {
  http: HttpClient;
  auth: AuthStore;
}

/* eslint-disable solid/reactivity -- providers read their props once, at mount: they wire services, they hold no reactive state */
const AppContext = createContext<AppServices>();
const ChatContext = createContext<ChatSession>();
const DraftsContext = createContext<DraftsStore>();

/** Signed out or in: the HTTP client and the session. */
export function AppProvider(props: ParentProps<{ storage?: Storage; fetch?: typeof fetch }>) {
  const storage = props.storage ?? localStorage;
  const holder: { auth?: AuthStore } = {};
  const http = new HttpClient({
    token: () => holder.auth?.token(),
    fetch: props.fetch,
    onUnauthorized: () => holder.auth?.forget(),
    renew: async () => (await holder.auth?.renew()) ?? false,
  });
  const auth = (holder.auth = createAuthStore(() => http, storage));
  return <AppContext.Provider value={{ http, auth }}>{props.children}</AppContext.Provider>;
}

/** A signed-in user's chat: one socket and the stores it feeds; closed when the user signs out. */
export function ChatProvider(props: ParentProps<{ WebSocket?: WebSocketConstructor; wsUrl?: string }>) {
  const { http, auth } = useApp();
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
  return (
    <ChatContext.Provider value={session}>
      <DraftsContext.Provider value={drafts}>
        <MentionsProvider username={() => auth.user()?.username}>{props.children}</MentionsProvider>
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
