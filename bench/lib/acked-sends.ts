import type WebSocket from "ws";

/**
 * A closed loop of sends on each socket: every socket keeps `window` `message` frames in flight to
 * its room for `ms` and sends the next when an ack arrives. `frame` makes another kind of frame
 * instead (an edit, a reaction), answered by one of `answers`. Counts the acks that arrive in time
 * (the messages stored) and each send's time to its ack; waits for the last acks after the phase
 * (30 s at most, then fails: past that something hangs). An `error` frame fails the phase.
 */
export async function ackedSends(
  sockets: Array<{ ws: WebSocket; roomId: string }>,
  options: {
    ms: number;
    tag: string;
    window: number;
    body: string;
    /** The n-th frame of socket i, with its clientId; a `message` of `body` when absent. */
    frame?: (i: number, n: number, clientId: string) => object;
    /** The frame types that answer one (by its clientId); `ack` when absent. */
    answers?: string[];
  },
): Promise<{ stored: number; acks: number[] }> {
  const { ms, tag, window, body } = options;
  const answers = new Set(options.answers ?? ["ack"]);
  let stored = 0;
  const acks: number[] = [];
  const end = performance.now() + ms;
  await Promise.all(
    sockets.map(
      ({ ws, roomId }, i) =>
        new Promise<void>((resolve, reject) => {
          const sentAt = new Map<string, number>();
          let n = 0;
          const send = () => {
            const clientId = `${tag}-${i}-${n}`;
            sentAt.set(clientId, performance.now());
            ws.send(JSON.stringify(options.frame ? options.frame(i, n, clientId) : { type: "message", roomId, body, clientId }));
            n++;
          };
          const onFrame = (data: WebSocket.RawData) => {
            const frame = JSON.parse(data.toString()) as { type: string; clientId?: string; message?: string };
            if (frame.type === "error") return reject(new Error(`send refused: ${frame.message}`));
            if (!answers.has(frame.type) || !sentAt.has(frame.clientId!)) return;
            const now = performance.now();
            acks.push(now - sentAt.get(frame.clientId!)!);
            sentAt.delete(frame.clientId!);
            if (now <= end) stored++;
            if (now < end) send();
            else if (sentAt.size === 0) {
              ws.off("message", onFrame);
              resolve();
            }
          };
          ws.on("message", onFrame);
          setTimeout(() => reject(new Error(`socket ${i}: ${sentAt.size} sends unanswered 30 s after the phase`)), ms + 30_000).unref();
          for (let k = 0; k < window; k++) send();
        }),
    ),
  );
  return { stored, acks };
}
