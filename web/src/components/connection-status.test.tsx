import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen } from "@solidjs/testing-library";
import { ConnectionStatus } from "./connection-status.tsx";

/** What a screen reader takes from the live region: its text without what is hidden from it. */
function announced(region: HTMLElement) {
  const copy = region.cloneNode(true) as HTMLElement;
  copy.querySelectorAll("[aria-hidden='true']").forEach((e) => e.remove());
  return copy.textContent;
}

describe("ConnectionStatus", () => {
  afterEach(() => {
    cleanup();
    vi.useRealTimers();
  });

  it("shows the countdown while reconnecting but announces only the state, not every second", async () => {
    vi.useFakeTimers();
    const retryAt = Date.now() + 3000;
    const onRetry = vi.fn();
    render(() => <ConnectionStatus state="reconnecting" retryIn={() => retryAt - Date.now()} onRetry={onRetry} />);
    const region = screen.getByRole("status");
    expect(region.textContent).toContain("Reconnecting… in 3 s");
    await vi.advanceTimersByTimeAsync(1000);
    expect(region.textContent).toContain("Reconnecting… in 2 s");
    expect(announced(region)).toBe("Reconnecting…Retry now");
    fireEvent.click(screen.getByRole("button", { name: "Retry now" }));
    expect(onRetry).toHaveBeenCalledOnce();
  });
});
