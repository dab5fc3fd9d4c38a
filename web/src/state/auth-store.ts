import { createSignal, onCleanup, untrack } from "solid-js";
import { checkCredentials } from "@parley/protocol/client";
import { ApiError, type HttpClient, type Session } from "../transport/http-client.ts";
import type { LastClose } from "../transport/socket-client.ts";

const STORAGE_KEY = "parley.session";
/** Refresh this long before the access token expires (or a third of its life, for short ones). */
const REFRESH_AHEAD_MS = 2 * 60_000;
/** A failed refresh (network, 5xx) is tried again this much later. */
const RETRY_MS = 30_000;

export type AuthMode = "login" | "register";
type SessionStorage = Pick<Storage, "getItem" | "setItem" | "removeItem">;
/** The Web Locks API's part this store uses: tabs sharing one session must not rotate it twice. */
type Locks = { request<T>(name: string, callback: () => Promise<T>): Promise<T> };
/** Where other tabs' writes to the saved session are heard (`storage` events): the window. */
type StorageEvents = Pick<Window, "addEventListener" | "removeEventListener">;
/** The close code of a socket whose session was signed out on the server (docs/protocol.md, "Close codes"). */
const SIGNED_OUT_CLOSE = 1008;

/** Turns a failed sign-in into a sentence a person can act on. */
export function describeAuthError(error: unknown, mode: AuthMode): string {
  if (!(error instanceof ApiError)) return "Something went wrong. Please try again.";
  if (error.code === "conflict") return "That username is taken. Pick another one.";
  if (error.code === "unauthorized") return "Wrong username or password.";
  if (error.code === "rate_limited") return `Too many attempts. Try again in ${error.retryAfter ?? 60} seconds.`;
  if (error.code === "invalid_request") return mode === "register" ? capitalise(error.message) : "Wrong username or password.";
  return error.message;
}

/** The sentence for a sign-in form with an empty field, found before any request is made. */
export function missingCredential(username: string, password: string): string | undefined {
  if (!username) return "Enter your username.";
  if (!password) return "Enter your password.";
  return undefined;
}
const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

const alive = (iso: string | undefined, marginMs = 0) => !iso || Date.parse(iso) > Date.now() + marginMs;

/** A saved session still worth using: its access token, or failing that its refresh token, has time left. */
function read(storage: SessionStorage): Session | undefined {
  try {
    const saved = JSON.parse(storage.getItem(STORAGE_KEY) ?? "null") as Session | null;
    if (saved?.token && (saved.refreshToken ? alive(saved.refreshExpiresAt, 10_000) : alive(saved.expiresAt, 10_000))) return saved;
  } catch {
    // A corrupt entry is the same as none.
  }
  return undefined;
}

/**
 * The signed-in user and their tokens, kept in storage across reloads. The short access token is
 * renewed with the single-use refresh token before it expires (and after a 401), one tab at a
 * time: a tab that finds the stored session already rotated by another adopts it instead.
 */
export function createAuthStore(
  http: () => HttpClient,
  storage: SessionStorage,
  locks: Locks | undefined = globalThis.navigator?.locks,
  events: StorageEvents | undefined = globalThis.window,
) {
  const restored = read(storage);
  if (!restored) storage.removeItem(STORAGE_KEY);
  const [session, setSession] = createSignal<Session | undefined>(restored);
  let refreshTimer: ReturnType<typeof setTimeout> | undefined;
  let inFlight: Promise<boolean> | undefined;
  const refreshed = new Set<(token: string) => void>();

  function save(next: Session | undefined) {
    clearTimeout(refreshTimer);
    setSession(next);
    if (!next) return storage.removeItem(STORAGE_KEY);
    storage.setItem(STORAGE_KEY, JSON.stringify(next));
    if (!next.expiresAt) return;
    const left = Date.parse(next.expiresAt) - Date.now();
    refreshTimer = setTimeout(() => void renew(), Math.min(Math.max(1000, left - Math.min(REFRESH_AHEAD_MS, left / 3)), 2 ** 31 - 1));
  }

  /** Renews the session; resolves false when there is none any more. Concurrent calls share one refresh. */
  function renew(): Promise<boolean> {
    inFlight ??= (locks ? locks.request("parley.refresh", rotate) : rotate()).finally(() => (inFlight = undefined));
    return inFlight;
  }

  async function rotate(): Promise<boolean> {
    const current = session();
    if (!current) return false;
    const stored = read(storage);
    if (stored && stored.token !== current.token && alive(stored.expiresAt, 10_000)) return adopt(stored);
    try {
      const next = await http().refresh(current.refreshToken);
      return adopt({ ...next, refreshToken: next.refreshToken ?? current.refreshToken, refreshExpiresAt: next.refreshExpiresAt ?? current.refreshExpiresAt });
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        save(undefined);
        return false;
      }
      refreshTimer = setTimeout(() => void renew(), RETRY_MS);
      return false;
    }
  }

  function adopt(next: Session): true {
    save(next);
    for (const listener of refreshed) listener(next.token);
    return true;
  }

  /** Another tab signed out (the entry is gone) or saved a new session (a rotation, a sign-in): follow it. */
  function followOtherTab(event: StorageEvent) {
    if (event.key !== STORAGE_KEY && event.key !== null) return;
    const next = read(storage);
    if (!next) {
      if (session()) save(undefined);
    } else if (next.token !== session()?.token) adopt(next);
  }

  untrack(() => save(session()));
  events?.addEventListener("storage", followOtherTab);
  onCleanup(() => {
    clearTimeout(refreshTimer);
    events?.removeEventListener("storage", followOtherTab);
  });

  return {
    session,
    user: () => session()?.user,
    token: () => session()?.token,
    /** Signs in or registers; resolves with an error sentence, or undefined on success. */
    async signIn(mode: AuthMode, username: string, password: string): Promise<string | undefined> {
      const missing = missingCredential(username, password);
      if (missing) return missing;
      if (mode === "register") {
        const [problem] = checkCredentials({ username, password });
        if (problem) return capitalise(problem);
      }
      try {
        save(await (mode === "register" ? http().register(username, password) : http().login(username, password)));
        return undefined;
      } catch (error) {
        return describeAuthError(error, mode);
      }
    },
    /** Signs out this device: the server ends the session (best effort: it is forgotten here either way). */
    signOut: () => {
      if (session())
        void http()
          .logout()
          .catch(() => {});
      save(undefined);
    },
    /** Signs out every device of the user; resolves with an error sentence, or undefined once done. */
    async signOutEverywhere(): Promise<string | undefined> {
      try {
        await http().logoutAll();
      } catch (error) {
        if (!(error instanceof ApiError && error.status === 401)) return error instanceof ApiError ? error.message : "Something went wrong. Please try again.";
      }
      save(undefined);
      return undefined;
    },
    /** Forgets a session the server no longer accepts, without telling it. */
    forget: () => save(undefined),
    /** Gets a fresh access token now (after a 401); false when the session is over. */
    renew,
    /** Calls back with every new access token, so an open socket can be handed it (`auth` frame). */
    onRefreshed(listener: (token: string) => void) {
      refreshed.add(listener);
      return () => void refreshed.delete(listener);
    },
    /**
     * Runs before every WebSocket connect: refreshes an access token that expires soon and, after an
     * upgrade that was refused or a socket closed as signed out, asks `GET /api/me` once whether the
     * session still stands: a 401 the refresh token cannot cure ends it (the HttpClient's
     * `onUnauthorized`), while a network error changes nothing and the socket keeps reconnecting.
     */
    async ensureFresh(last?: LastClose) {
      const expiresAt = session()?.expiresAt;
      if (expiresAt && Date.parse(expiresAt) - Date.now() < REFRESH_AHEAD_MS) await renew();
      if (last && (!last.opened || last.code === SIGNED_OUT_CLOSE) && session())
        await http()
          .me()
          .catch(() => {});
    },
  };
}
export type AuthStore = ReturnType<typeof createAuthStore>;
