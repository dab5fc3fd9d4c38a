import { createSignal, onCleanup, untrack } from "solid-js";
import { credentialsSchema } from "@parley/protocol";
import { ApiError, type HttpClient, type Session } from "../transport/http-client.ts";

const STORAGE_KEY = "parley.session";
/** Refresh this long before the token expires. */
const REFRESH_AHEAD_MS = 5 * 60_000;

export type AuthMode = "login" | "register";

/** Turns a failed sign-in into a sentence a person can act on. */
export function describeAuthError(error: unknown, mode: AuthMode): string {
  if (!(error instanceof ApiError)) return "Something went wrong. Please try again.";
  if (error.code === "conflict") return "That username is taken. Pick another one.";
  if (error.code === "unauthorized") return "Wrong username or password.";
  if (error.code === "rate_limited") return `Too many attempts. Try again in ${error.retryAfter ?? 60} seconds.`;
  if (error.code === "invalid_request" && mode === "register") return capitalise(error.message);
  return error.message;
}
const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** The signed-in user and their token: kept in storage across reloads and refreshed before it expires. */
export function createAuthStore(http: () => HttpClient, storage: Pick<Storage, "getItem" | "setItem" | "removeItem">) {
  const [session, setSession] = createSignal<Session | undefined>(restore());
  let refreshTimer: ReturnType<typeof setTimeout> | undefined;

  function restore(): Session | undefined {
    try {
      const saved = JSON.parse(storage.getItem(STORAGE_KEY) ?? "null") as Session | null;
      if (saved?.token && (!saved.expiresAt || Date.parse(saved.expiresAt) > Date.now() + 10_000)) return saved;
    } catch {
      // A corrupt entry is the same as none.
    }
    storage.removeItem(STORAGE_KEY);
    return undefined;
  }

  function save(next: Session | undefined) {
    clearTimeout(refreshTimer);
    setSession(next);
    if (!next) return storage.removeItem(STORAGE_KEY);
    storage.setItem(STORAGE_KEY, JSON.stringify(next));
    if (next.expiresAt) {
      const wait = Math.max(1000, Date.parse(next.expiresAt) - Date.now() - REFRESH_AHEAD_MS);
      refreshTimer = setTimeout(() => void refresh().catch(() => {}), Math.min(wait, 2 ** 31 - 1));
    }
  }

  async function refresh() {
    try {
      save(await http().refresh());
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) save(undefined);
      else refreshTimer = setTimeout(() => void refresh().catch(() => {}), 30_000);
      throw error;
    }
  }

  untrack(() => save(session()));
  onCleanup(() => clearTimeout(refreshTimer));

  return {
    session,
    user: () => session()?.user,
    token: () => session()?.token,
    /** Signs in or registers; resolves with an error sentence, or undefined on success. */
    async signIn(mode: AuthMode, username: string, password: string): Promise<string | undefined> {
      if (mode === "register") {
        const checked = credentialsSchema.safeParse({ username, password });
        if (!checked.success) return capitalise(checked.error.issues[0]?.message ?? "invalid username or password");
      }
      try {
        save(await (mode === "register" ? http().register(username, password) : http().login(username, password)));
        return undefined;
      } catch (error) {
        return describeAuthError(error, mode);
      }
    },
    /** Signs out: the server revokes the token (best effort: the session is forgotten here either way). */
    signOut: () => {
      if (session()) void http().logout().catch(() => {});
      save(undefined);
    },
    /** Forgets a session the server no longer accepts, without telling it. */
    forget: () => save(undefined),
    /** Refreshes a token that expires within the refresh window (before a WebSocket connect). */
    async ensureFresh() {
      const expiresAt = session()?.expiresAt;
      if (expiresAt && Date.parse(expiresAt) - Date.now() < REFRESH_AHEAD_MS) await refresh();
    },
  };
}
export type AuthStore = ReturnType<typeof createAuthStore>;
