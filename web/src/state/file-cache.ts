import { createSignal, type Accessor } from "solid-js";

/** Unused files stay this long: the timeline drops rows scrolled away and makes them again on the way back. */
export const FILE_GRACE_MS = 30_000;

export interface FileCacheDeps {
  /** A stored file's bytes (with the session's token: an `<img src>` could not send it). */
  download: (id: string) => Promise<Blob>;
  urls?: Pick<typeof URL, "createObjectURL" | "revokeObjectURL">;
  graceMs?: number;
}

/** One file as a view holds it: its object URL once loaded, or why it could not be. */
export interface HeldFile {
  url: Accessor<string | undefined>;
  error: Accessor<string | undefined>;
  /** The view is done with it; the URL is revoked once nobody holds it for a while. */
  release(): void;
}

interface Entry {
  users: number;
  blob?: Promise<Blob>;
  url: Accessor<string | undefined>;
  setUrl: (url: string | undefined) => void;
  error: Accessor<string | undefined>;
  setError: (error: string | undefined) => void;
  timer?: ReturnType<typeof setTimeout>;
}

/**
 * Attached files fetched once per id and shown through object URLs, counted by the views holding
 * them: the last one letting go starts a grace period, after which the URL is revoked and the bytes forgotten.
 */
export function createFileCache({ download, urls = URL, graceMs = FILE_GRACE_MS }: FileCacheDeps) {
  const entries = new Map<string, Entry>();

  function entry(id: string) {
    let e = entries.get(id);
    if (!e) {
      const [url, setUrl] = createSignal<string>();
      const [error, setError] = createSignal<string>();
      entries.set(id, (e = { users: 0, url, setUrl, error, setError }));
    }
    return e;
  }
  function load(id: string, e: Entry) {
    if (e.blob) return e.blob;
    e.setError(undefined);
    const blob = (e.blob = download(id));
    blob.then(
      (b) => entries.get(id) === e && !e.url() && e.setUrl(urls.createObjectURL(b)),
      (error: Error) => entries.get(id) === e && (e.setError(error.message), (e.blob = undefined)),
    );
    return blob;
  }
  function forget(id: string, e: Entry) {
    entries.delete(id);
    const url = e.url();
    if (url) urls.revokeObjectURL(url);
  }

  return {
    /** Holds a file for a view: loads it if nobody has it yet. */
    use(id: string): HeldFile {
      const e = entry(id);
      clearTimeout(e.timer);
      e.users++;
      void load(id, e).catch(() => {});
      let released = false;
      return {
        url: e.url,
        error: e.error,
        release() {
          if (released) return;
          released = true;
          if (--e.users === 0) e.timer = setTimeout(() => forget(id, e), graceMs);
        },
      };
    },
    /** A file's bytes, from the cache when held (a download button), else fetched. */
    blob(id: string): Promise<Blob> {
      const held = entries.get(id);
      return held ? load(id, held) : download(id);
    },
    /** Our own file, just uploaded: shown from the bytes we have, without fetching them back. */
    seed(id: string, blob: Blob) {
      const e = entry(id);
      if (e.blob) return;
      e.blob = Promise.resolve(blob);
      e.setUrl(urls.createObjectURL(blob));
      if (e.users === 0) e.timer = setTimeout(() => forget(id, e), graceMs);
    },
    /** Revokes everything (the chat closes). */
    clear() {
      entries.forEach((e, id) => (clearTimeout(e.timer), forget(id, e)));
    },
  };
}
export type FileCache = ReturnType<typeof createFileCache>;
