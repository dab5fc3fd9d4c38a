/**
 * jsdom has no layout: no ResizeObserver and no element sizes. A virtualised list needs both to
 * decide which rows to draw, so component tests give every observed element a fixed size (a
 * scroll container `viewport` px high, each row `row` px). Scrolling, anchoring and real heights
 * are tested in Chromium (test/e2e/timeline.e2e.test.ts), not here.
 */
export function stubLayout({ viewport = 800, row = 40, width = 600 } = {}) {
  class FixedSizeObserver {
    constructor(private readonly callback: ResizeObserverCallback) {}
    observe(target: Element) {
      const height = target.classList.contains("timeline") ? viewport : row;
      queueMicrotask(() => this.callback([{ target, contentRect: { width, height } } as unknown as ResizeObserverEntry], this as unknown as ResizeObserver));
    }
    unobserve() {}
    disconnect() {}
  }
  globalThis.ResizeObserver = FixedSizeObserver as unknown as typeof ResizeObserver;
  Object.defineProperty(HTMLElement.prototype, "clientHeight", { configurable: true, get: () => viewport });
  // A laid-out element has an offset parent; jsdom gives none to anything.
  Object.defineProperty(HTMLElement.prototype, "offsetParent", {
    configurable: true,
    get(this: HTMLElement) {
      return this.parentElement;
    },
  });
  Element.prototype.scrollTo = function (this: Element, options?: ScrollToOptions | number) {
    if (typeof options === "object" && options.top !== undefined) this.scrollTop = options.top;
  } as Element["scrollTo"];
}
