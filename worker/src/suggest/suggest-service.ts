import { ApiError, type Clock, type Logger, TokenBuckets } from "@parley/common";
import { rateLimited } from "../auth/auth-service.ts";
import type { SuggestRequest, Suggester, SuggesterStatus } from "../ports/suggester.ts";
import { SuggestionAbandoned, untilAborted } from "./abortable-stream.ts";
import { LlmHealth, failureState, type LlmState } from "./llm-health.ts";
import type { OllamaState } from "./ollama-engine.ts";

/** `SUGGEST_ENGINE`: `auto` uses the language model while its probe answers, else the built-in engine. */
export type EngineChoice = "auto" | "ollama" | "builtin" | "off";

/** A language-model engine with a health probe (Ollama). */
export interface LlmEngine extends Suggester {
  probe(signal: AbortSignal): Promise<OllamaState>;
}

export interface SuggestServiceOptions {
  engine: EngineChoice;
  builtin: Suggester;
  llm?: LlmEngine;
  /** Named in the status, e.g. the Ollama model. */
  model?: string;
  clock: Clock;
  logger: Logger;
  /** Language-model requests per user: `max` at once, refilled over the window. */
  rate: { max: number; windowSeconds: number };
  /** Language-model requests in flight on this worker, at most: there is no queue. */
  maxConcurrent: number;
  /** A suggestion still running after this is abandoned. */
  deadlineMs: number;
  probeIntervalMs?: number;
}

type Chunk = { delta: string; source: string };

/**
 * The app's suggester: picks the engine and enforces the deadline, a per-user quota and a cap on
 * concurrent language-model requests. In `auto`, a model that is down, failing, busy, over quota or
 * has not started answering by half the deadline gives way to the built-in engine; in `ollama`
 * those are `rate_limited` or `unavailable` errors. Past the deadline it throws `SuggestionAbandoned`.
 */
export class SuggestService implements Suggester {
  private readonly quota: TokenBuckets;
  private readonly health?: LlmHealth;
  private active = 0;

  constructor(private readonly options: SuggestServiceOptions) {
    const { rate, llm, engine, clock, logger } = options;
    this.quota = new TokenBuckets(rate.max, rate.max / rate.windowSeconds, clock);
    if (llm && (engine === "auto" || engine === "ollama")) this.health = new LlmHealth((s) => llm.probe(s), clock, logger, options.probeIntervalMs);
  }

  async *suggest(request: SuggestRequest): AsyncGenerator<Chunk> {
    const deadline = AbortSignal.timeout(this.options.deadlineMs);
    const signal = AbortSignal.any([request.signal, deadline]);
    let source = this.serving();
    try {
      for await (const chunk of untilAborted(this.route({ ...request, signal }), signal)) {
        source = chunk.source;
        yield chunk;
      }
    } catch (error) {
      if (deadline.aborted && !request.signal.aborted) throw new SuggestionAbandoned(source);
      throw error;
    }
  }

  /** Probes the language model now (at start, so the first requests know whether it is there). */
  async probe(): Promise<LlmState | "off"> {
    return this.health ? this.health.check() : "off";
  }

  status(): SuggesterStatus {
    this.health?.refresh();
    return {
      engine: this.options.engine,
      serving: this.serving(),
      llm: this.health?.state ?? "off",
      ...(this.health && this.options.model ? { model: this.options.model } : {}),
    };
  }

  private serving(): string {
    if (this.options.engine === "off") return "off";
    if (!this.health) return "builtin";
    return this.options.engine === "ollama" || this.health.state === "up" ? "ollama" : "builtin";
  }

  private async *route(request: SuggestRequest): AsyncGenerator<Chunk> {
    const { engine, builtin } = this.options;
    if (engine === "off") return yield { delta: "", source: "off" };
    if (!this.health) return yield* builtin.suggest(request);
    this.health.refresh();
    if (engine === "ollama") {
      if (this.health.state === "down" || this.health.state === "missing_model") throw unavailable();
      this.admit(request.user.id, true);
      return yield* this.fromLlm(request, false);
    }
    if (this.health.state !== "up" || !this.admit(request.user.id, false)) return yield* builtin.suggest(request);
    yield* this.fromLlm(request, true);
  }

  /** Checks the concurrency cap, then takes a quota token: false when over either, or an error when `strict`. */
  private admit(userId: string, strict: boolean): boolean {
    if (this.active >= this.options.maxConcurrent) {
      if (strict) throw new ApiError("unavailable", "too many suggestions in progress; retry shortly", 1);
      return false;
    }
    const decision = this.quota.take(userId);
    if (!decision.ok && strict) throw rateLimited(decision, "suggestions");
    return decision.ok;
  }

  private async *fromLlm(request: SuggestRequest, fallback: boolean): AsyncGenerator<Chunk> {
    const health = this.health!;
    const cutoff = new AbortController();
    const signal = AbortSignal.any([request.signal, cutoff.signal]);
    const onSlow = () => {
      health.set("slow");
      cutoff.abort();
    };
    const slow = fallback ? setTimeout(onSlow, this.options.deadlineMs / 2) : undefined;
    let answered = false;
    this.active++;
    try {
      for await (const chunk of untilAborted(this.options.llm!.suggest({ ...request, signal }), signal)) {
        clearTimeout(slow);
        answered = true;
        yield chunk;
      }
      if (!answered) yield { delta: "", source: "ollama" };
      return;
    } catch (error) {
      if (request.signal.aborted || error instanceof ApiError) throw error;
      if (!cutoff.signal.aborted) health.set(failureState(error));
      this.options.logger.warn({ err: error, fallback }, "language model request failed");
      if (!fallback) throw unavailable();
      if (answered) return;
    } finally {
      clearTimeout(slow);
      cutoff.abort();
      this.active--;
    }
    yield* this.options.builtin.suggest(request);
  }
}

const unavailable = () => new ApiError("unavailable", "the language model is unavailable; retry shortly", 2);
