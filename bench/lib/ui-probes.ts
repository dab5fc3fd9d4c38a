/**
 * What `npm run bench:ui` installs in the page before any of the app's code runs (an init script):
 * timers around WebSocket message handlers and keystrokes, a watch for the first message shown,
 * and the in-page steps of the scroll-back and room-switch measurements, all on `window.__bench`.
 *
 * Plain JavaScript in a string: functions that Node serialises into the page would carry the
 * TypeScript loader's helpers (`__name`) with them. It relies only on the selectors both the old
 * and the virtualised timeline keep: the `[role=log].timeline` scroller, `.message[data-seq]`
 * rows, the sidebar's `nav[aria-label=Rooms]` links and the composer's "Message #room" label.
 *
 * "Painted" is the task after the next animation frame: the frame's style, layout and paint run
 * between the two. Main-thread time of a frame or a key is measured in tasks, never including the
 * idle wait for the next vsync.
 */
export const PROBES = String.raw`(() => {
  const now = () => performance.now();
  /** Resolves with the time at the start of the next task (after the current one and its microtasks). */
  const nextTask = () =>
    new Promise((resolve) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => (channel.port1.close(), resolve(now()));
      channel.port2.postMessage(0);
    });
  const nextFrame = () => new Promise((resolve) => requestAnimationFrame(() => resolve(now())));
  const painted = async () => (await nextFrame(), nextTask());
  const LOG = "[role=log].timeline";
  const bench = { frames: [], keys: [], firstMessageMs: undefined };
  window.__bench = bench;

  // Incoming frames: the handler's own time, the microtasks after it, and the rendering of the next frame.
  const timed = (handler) =>
    function (event) {
      const t0 = now();
      try {
        return handler.call(this, event);
      } finally {
        const data = typeof event.data === "string" ? event.data : "";
        const entry = { kind: data.startsWith('{"type":"message"') ? "message" : "other", seq: Number(/"seq":(\d+)/.exec(data)?.[1]), handlerMs: now() - t0 };
        bench.frames.push(entry);
        let frameStart = Infinity;
        const rendered = new Promise((resolve) =>
          requestAnimationFrame(() => {
            frameStart = now();
            nextTask().then((end) => resolve({ start: frameStart, end }));
          }),
        );
        Promise.all([nextTask(), rendered]).then(([taskEnd, frame]) => {
          // The task ended before the frame began, or the frame came first and its start marks the end.
          entry.busyMs = Math.min(taskEnd, frame.start) - t0 + (frame.end - frame.start);
          entry.paintedMs = frame.end - t0;
        });
      }
    };
  const wrappers = new WeakMap();
  const wrapped = (fn) => {
    if (typeof fn !== "function") return fn;
    if (!wrappers.has(fn)) wrappers.set(fn, timed(fn));
    return wrappers.get(fn);
  };
  const onmessage = Object.getOwnPropertyDescriptor(WebSocket.prototype, "onmessage");
  Object.defineProperty(WebSocket.prototype, "onmessage", {
    configurable: true,
    get() {
      return this.__benchOnmessage ?? null;
    },
    set(fn) {
      this.__benchOnmessage = fn;
      onmessage.set.call(this, wrapped(fn));
    },
  });
  const add = WebSocket.prototype.addEventListener;
  const remove = WebSocket.prototype.removeEventListener;
  WebSocket.prototype.addEventListener = function (type, fn, options) {
    return add.call(this, type, type === "message" ? wrapped(fn) : fn, options);
  };
  WebSocket.prototype.removeEventListener = function (type, fn, options) {
    return remove.call(this, type, type === "message" && wrappers.has(fn) ? wrappers.get(fn) : fn, options);
  };

  // Keystrokes: the main-thread time of the key's keydown and input events, each from its first
  // listener (capture on window) to its last (bubble on window), with the microtasks after each,
  // plus the next frame's rendering (from its animation-frame callbacks to the task after: style,
  // layout, paint). The idle wait for that frame is not counted: measured from keydown to the next
  // task instead, a bare textarea shows a p95 of a whole frame.
  let keySpent = 0;
  let spanStart;
  for (const type of ["keydown", "input"]) {
    addEventListener(type, () => (spanStart = now()), true);
    addEventListener(type, () => {
      if (spanStart === undefined) return;
      const start = spanStart;
      spanStart = undefined;
      queueMicrotask(() => {
        keySpent += now() - start;
        if (type !== "input") return;
        const handlers = keySpent;
        keySpent = 0;
        nextFrame().then((frame) => nextTask().then((end) => bench.keys.push(handlers + end - frame)));
      });
    });
  }
  addEventListener("keydown", () => (keySpent = 0), true);

  // Cold load: the first message row painted, in ms since navigation started.
  const first = new MutationObserver(() => {
    if (!document.querySelector(LOG + " .message[data-seq]")) return;
    first.disconnect();
    painted().then((at) => (bench.firstMessageMs = at));
  });
  first.observe(document, { childList: true, subtree: true });

  const rows = () => [...document.querySelectorAll(LOG + " .message[data-seq]")];
  const row = (seq) => document.querySelector(LOG + ' .message[data-seq="' + seq + '"]');
  bench.minSeq = () => Math.min(...rows().map((r) => Number(r.dataset.seq)));
  /** Resolves once test() holds (checked on every DOM change); rejects after timeoutMs. */
  bench.waitFor = (test, timeoutMs, what) =>
    new Promise((resolve, reject) => {
      if (test()) return resolve();
      const observer = new MutationObserver(() => test() && (stop(), resolve()));
      const timer = setTimeout(() => (stop(), reject(new Error("timed out waiting for " + what))), timeoutMs);
      const stop = () => (observer.disconnect(), clearTimeout(timer));
      observer.observe(document, { childList: true, subtree: true, attributes: true, attributeFilter: ["data-seq", "aria-label"] });
    });
  bench.nextFrame = nextFrame;
  bench.elementsInTimeline = () => document.querySelector(LOG).querySelectorAll("*").length;
  bench.scrollTimeline = (to) => {
    const log = document.querySelector(LOG);
    log.scrollTop = to === "top" ? 0 : log.scrollHeight;
    return log.scrollTop;
  };
  /** The first row whose top is inside the scroller's box, where it is, and the lowest seq rendered. */
  bench.pickAnchor = () => {
    const box = document.querySelector(LOG).getBoundingClientRect();
    const anchor = rows().find((r) => {
      const top = r.getBoundingClientRect().top;
      return top >= box.top && top < box.bottom;
    });
    return anchor && { seq: Number(anchor.dataset.seq), top: anchor.getBoundingClientRect().top, minSeq: bench.minSeq() };
  };
  /**
   * After a lower seq is rendered: how far the anchor moved, the worst of the next few frames (a
   * correction one frame late is a jump the user saw). lost: the anchor left the DOM.
   */
  bench.anchorShift = async (anchor, timeoutMs) => {
    await bench.waitFor(() => bench.minSeq() < anchor.minSeq, timeoutMs, "an older page");
    let worst = 0;
    for (let i = 0; i < 4; i++) {
      await nextFrame();
      const el = row(anchor.seq);
      if (!el) return { lost: true, worst, minSeq: bench.minSeq() };
      worst = Math.max(worst, Math.abs(el.getBoundingClientRect().top - anchor.top));
    }
    return { lost: false, worst, minSeq: bench.minSeq() };
  };
  /** Clicks the room's sidebar link; ms until its message seq is in its timeline and painted. */
  bench.switchTo = async (name, seq, timeoutMs) => {
    const link = [...document.querySelectorAll("nav[aria-label=Rooms] a")].find((a) => a.textContent.includes(name));
    if (!link) throw new Error("no sidebar link for " + name);
    const start = now();
    link.click();
    const composer = '[aria-label="Message #' + name + '"]';
    await bench.waitFor(() => !!document.querySelector(composer) && !!row(seq), timeoutMs, "room " + name);
    return (await painted()) - start;
  };
})();`;
