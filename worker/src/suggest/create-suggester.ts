import type { Store } from "@parley/db";
import type { Clock, Logger } from "@parley/common";
import { BuiltinSuggester } from "./builtin-engine.ts";
import { OllamaEngine } from "./ollama-engine.ts";
import { SuggestService, type EngineChoice } from "./suggest-service.ts";

/** The `SUGGEST_*` and `OLLAMA_*` settings. */
export interface SuggestSettings {
  engine: EngineChoice;
  ollamaHost: string;
  ollamaModel: string;
  ollamaKeepAlive: string;
  deadlineMs: number;
  rate: { max: number; windowSeconds: number };
  maxConcurrent: number;
  contextMessages: number;
  contextChars: number;
  maxChars: number;
}

/** The suggester a worker runs: the built-in engine, Ollama behind it when chosen, and their guard. */
export function createSuggester(
  settings: SuggestSettings,
  deps: { store: Store; clock: Clock; logger: Logger; fetch?: typeof fetch; probeIntervalMs?: number },
): SuggestService {
  const { store, clock, logger } = deps;
  const builtin = new BuiltinSuggester({ store, clock, maxChars: settings.maxChars });
  const llm =
    settings.engine === "auto" || settings.engine === "ollama"
      ? new OllamaEngine(
          {
            host: settings.ollamaHost,
            model: settings.ollamaModel,
            keepAlive: settings.ollamaKeepAlive,
            maxChars: settings.maxChars,
            contextMessages: settings.contextMessages,
            contextChars: settings.contextChars,
          },
          // Membership is read fresh; the room's messages come from the built-in engine's windows.
          { isMember: (roomId, userId) => store.isMember(roomId, userId), recent: (roomId, limit) => builtin.recent(roomId, limit) },
          { fetch: deps.fetch, logger },
        )
      : undefined;
  return new SuggestService({
    engine: settings.engine,
    builtin,
    llm,
    model: settings.ollamaModel,
    clock,
    logger,
    rate: settings.rate,
    maxConcurrent: settings.maxConcurrent,
    deadlineMs: settings.deadlineMs,
    probeIntervalMs: deps.probeIntervalMs,
  });
}
