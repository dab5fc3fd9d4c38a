import type { ErrorBody, Upload } from "@parley/protocol";
import { ApiError, apiErrorOf, networkError, renewedAfter, type HttpClientOptions } from "./http-client.ts";

/** A stored file as `POST /api/uploads` answers it, and as a message's `attachments` list it. */
export type Attachment = Upload;

/** The ids a message's `attachments` field sends. */
export const idsOf = (attachments: readonly Attachment[] = []) => attachments.map((a) => a.id);

/** The part of the browser's XMLHttpRequest an upload uses; tests pass a fake. */
export interface XhrLike {
  status: number;
  responseText: string;
  readonly upload: { onprogress: ((event: { loaded: number; total: number; lengthComputable: boolean }) => void) | null };
  onload: (() => void) | null;
  onerror: (() => void) | null;
  onabort: (() => void) | null;
  open(method: string, url: string): void;
  setRequestHeader(name: string, value: string): void;
  getResponseHeader(name: string): string | null;
  send(body: Blob): void;
  abort(): void;
}

export interface FileTransferOptions extends HttpClientOptions {
  XMLHttpRequest?: new () => XhrLike;
}

export interface UploadOptions {
  /** How much of the body has gone, 0 to 1. */
  onProgress?: (fraction: number) => void;
  signal?: AbortSignal;
}

/**
 * Files to and from `/api/uploads`, with the session's Bearer token and its renewal after a 401,
 * as the HttpClient does. Uploads go by XMLHttpRequest: fetch reports no upload progress.
 */
export class FileTransfer {
  private readonly fetch: typeof fetch;
  constructor(private readonly options: FileTransferOptions) {
    this.fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  /** Sends the file's bytes as the body (its name in `?name=`); answers the stored upload. */
  async upload(file: Blob, name: string, how: UploadOptions = {}, retry = true): Promise<Attachment> {
    const token = this.options.token();
    const answer = await this.post(file, name, token, how);
    const data = parse<{ upload: Attachment } & Partial<ErrorBody>>(answer.text);
    if (answer.status === 201 && data?.upload) return data.upload;
    if (await renewedAfter(this.options, answer.status, token, retry)) return this.upload(file, name, how, false);
    throw apiErrorOf(answer.status, data, answer.retryAfter);
  }

  /** A stored file's bytes (the uploader's own, or one attached in a room the user is in). */
  async download(id: string, retry = true): Promise<Blob> {
    const token = this.options.token();
    let res: Response;
    try {
      res = await this.fetch(`${this.options.baseUrl ?? ""}/api/uploads/${encodeURIComponent(id)}`, {
        headers: token ? { authorization: `Bearer ${token}` } : {},
      });
    } catch {
      throw networkError();
    }
    if (res.ok) return res.blob();
    if (await renewedAfter(this.options, res.status, token, retry)) return this.download(id, false);
    throw apiErrorOf(res.status, parse(await res.text().catch(() => "")), res.headers.get("retry-after"));
  }

  private post(file: Blob, name: string, token: string | undefined, how: UploadOptions) {
    const Xhr = this.options.XMLHttpRequest ?? (globalThis.XMLHttpRequest as unknown as new () => XhrLike);
    return new Promise<{ status: number; text: string; retryAfter: string | null }>((resolve, reject) => {
      if (how.signal?.aborted) return reject(aborted());
      const xhr = new Xhr();
      xhr.open("POST", `${this.options.baseUrl ?? ""}/api/uploads?name=${encodeURIComponent(name)}`);
      if (token) xhr.setRequestHeader("authorization", `Bearer ${token}`);
      xhr.setRequestHeader("content-type", file.type || "application/octet-stream");
      xhr.upload.onprogress = (e) => e.lengthComputable && e.total > 0 && how.onProgress?.(e.loaded / e.total);
      xhr.onload = () => resolve({ status: xhr.status, text: xhr.responseText, retryAfter: xhr.getResponseHeader("retry-after") });
      xhr.onerror = () => reject(networkError());
      xhr.onabort = () => reject(aborted());
      how.signal?.addEventListener("abort", () => xhr.abort(), { once: true });
      xhr.send(file);
    });
  }
}

/** What an upload the user removed rejects with; nobody shows it. */
export const aborted = () => new ApiError(0, "aborted", "The upload was cancelled.");

function parse<T>(text: string): T | undefined {
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}
