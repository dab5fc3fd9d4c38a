import type { Clock, Logger } from "@parley/common";
import type { OllamaState } from "./ollama-engine.ts";

/** What is known of the language model: a probe's answer, or how its last request went. */
export type LlmState = "unknown" | OllamaState | "failing" | "slow";

/** A probe that does not answer in this time counts as down. */
const PROBE_TIMEOUT_MS = 1000;

/**
 * The language model's state, probed in the background: a request that finds the state older than
 * the interval starts a probe and goes on with what is known. A failed request sets the state at
 * once, so requests stop going to a model that is down until a probe finds it up again.
 */
export class LlmHealth {
  state: LlmState = "unknown";
  private checkedAt = -Infinity;
  private probing?: Promise<LlmState>;

  constructor(
    private readonly probe: (signal: AbortSignal) => Promise<OllamaState>,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly intervalMs = 10_000,
  ) {}

  /** Starts a probe when the state is older than the interval; never waits for it. */
  refresh(): void {
    if (this.clock.now() - this.checkedAt >= this.intervalMs) void this.check();
  }

  /** Probes now, or joins the probe under way. */
  check(): Promise<LlmState> {
    this.probing ??= this.probe(AbortSignal.timeout(PROBE_TIMEOUT_MS))
      .catch((): LlmState => "down")
      .then((state) => {
        this.set(state);
        return state;
      })
      .finally(() => (this.probing = undefined));
    return this.probing;
  }

  /** Records what a probe or a request found. */
  set(state: LlmState): void {
    if (state !== this.state) {
      if (state === "up") this.logger.info({ llm: state }, "language model available");
      else this.logger.warn({ llm: state }, "language model unavailable; suggestions fall back");
    }
    this.state = state;
    this.checkedAt = this.clock.now();
  }
}

/** The state a failed request reveals. */
export function failureState(error: unknown): LlmState {
  if ((error as { status_code?: unknown })?.status_code === 404) return "missing_model";
  // fetch throws TypeError when it cannot connect or the connection drops.
  if (error instanceof TypeError) return "down";
  return "failing";
}
