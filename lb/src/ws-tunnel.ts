import type { Socket } from "node:net";
import type { Duplex } from "node:stream";

/** Close code sent to clients whose worker died: "service restart", reconnect (RFC 6455 §7.4.1). */
export const CLOSE_SERVICE_RESTART = 1012;

const EMPTY: Buffer = Buffer.alloc(0);

/**
 * Bytes between a client and a worker after the upgrade request was routed. The worker→client
 * direction is followed frame by frame, so that when the worker vanishes the client can still be
 * sent a well-formed close frame (1012) instead of a torn connection.
 */
export class WsTunnel {
  private headers: Buffer = EMPTY;
  private upgraded = false;
  /** Bytes of the current frame still to come; 0 at a frame boundary. */
  private remaining = 0;
  private frameHead: Buffer = EMPTY;
  private workerClosed = false;
  private done = false;
  private readonly closeListeners: Array<() => void> = [];

  constructor(
    readonly client: Duplex,
    readonly upstream: Socket,
  ) {
    upstream.on("data", (chunk: Buffer) => {
      this.follow(chunk);
      if (!client.write(chunk)) upstream.pause();
    });
    client.on("drain", () => upstream.resume());
    client.pipe(upstream);
    upstream.on("close", () => this.upstreamGone());
    upstream.on("error", () => {});
    client.on("error", () => upstream.destroy());
    client.on("close", () => {
      upstream.destroy();
      this.finish();
    });
  }

  onClose(listener: () => void): void {
    this.closeListeners.push(listener);
  }

  /** Tells the client to reconnect elsewhere (1012) and ends both sides. */
  restart(reason = "worker unavailable"): void {
    if (this.upgraded && !this.workerClosed && this.remaining === 0 && this.frameHead.length === 0 && this.client.writable) {
      this.client.end(closeFrame(CLOSE_SERVICE_RESTART, reason));
    } else {
      this.client.destroy();
    }
    this.upstream.destroy();
  }

  private upstreamGone(): void {
    if (this.done) return;
    if (this.workerClosed || !this.upgraded) this.client.end();
    else this.restart();
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    for (const listener of this.closeListeners) listener();
  }

  /** Tracks frame boundaries in what the worker sends. */
  private follow(chunk: Buffer): void {
    let data = chunk;
    if (!this.upgraded) {
      this.headers = Buffer.concat([this.headers, data]);
      const end = this.headers.indexOf("\r\n\r\n");
      if (end < 0) return;
      this.upgraded = this.headers.subarray(0, 12).toString("latin1").startsWith("HTTP/1.1 101");
      data = this.headers.subarray(end + 4);
      this.headers = EMPTY;
      if (!this.upgraded) return;
    }
    while (data.length > 0) {
      if (this.remaining > 0) {
        const take = Math.min(this.remaining, data.length);
        this.remaining -= take;
        data = data.subarray(take);
        continue;
      }
      // A frame head usually sits whole in one chunk: parse it in place, join pieces only when split.
      const buf = this.frameHead.length > 0 ? Buffer.concat([this.frameHead, data]) : data;
      const parsed = parseFrameHead(buf);
      if (!parsed) {
        this.frameHead = buf;
        return; // header incomplete: wait for more
      }
      if (parsed.opcode === 0x8) this.workerClosed = true;
      this.frameHead = EMPTY;
      this.remaining = parsed.payloadLength;
      data = buf.subarray(parsed.headLength);
    }
  }
}

/** A frame header's size and payload length, or null when more bytes are needed. */
function parseFrameHead(buf: Buffer): { opcode: number; headLength: number; payloadLength: number } | null {
  if (buf.length < 2) return null;
  const opcode = buf[0]! & 0x0f;
  const masked = (buf[1]! & 0x80) !== 0;
  let length = buf[1]! & 0x7f;
  let offset = 2;
  if (length === 126) {
    if (buf.length < 4) return null;
    length = buf.readUInt16BE(2);
    offset = 4;
  } else if (length === 127) {
    if (buf.length < 10) return null;
    length = Number(buf.readBigUInt64BE(2));
    offset = 10;
  }
  if (masked) offset += 4;
  if (buf.length < offset) return null;
  return { opcode, headLength: offset, payloadLength: length };
}

/** An unmasked server close frame. */
export function closeFrame(code: number, reason: string): Buffer {
  const text = Buffer.from(reason.slice(0, 100));
  return Buffer.concat([Buffer.from([0x88, 2 + text.length, code >> 8, code & 0xff]), text]);
}
