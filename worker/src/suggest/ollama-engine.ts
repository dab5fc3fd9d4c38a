import type { Message } from "@parley/protocol";
import { ApiError, type Logger, silentLogger } from "@parley/common";
import { Ollama } from "ollama/browser";
import type { SuggestRequest, Suggester } from "../ports/suggester.ts";
import { completionPrompt, type PromptLimits } from "./completion-prompt.ts";
import { SuggestionCleaner } from "./suggestion-text.ts";

export interface OllamaSettings extends PromptLimits {
  /** `OLLAMA_HOST`, e.g. http://127.0.0.1:11434 */
  host: string;
  model: string;
  /** How long Ollama keeps the model loaded after a request (its `keep_alive`). */
  keepAlive: string;
  /** The longest suggestion, in characters. */
  maxChars: number;
}

/** Where the engine reads a room's recent messages and checks that the user may read them. */
export interface RoomContext {
  isMember(roomId: string, userId: string): Promise<boolean>;
  /** The room's newest messages, oldest first, at most `limit`. */
  recent(roomId: string, limit: number): Promise<Message[]>;
}

/** What the health probe found. */
export type OllamaState = "up" | "down" | "missing_model";

/**
 * Suggestions from Ollama: a raw completion (no chat template) of the room's recent messages and the
 * typed text, streamed, stopped at the end of the line. Aborting the request's signal cancels the
 * HTTP request to Ollama. Uses `ollama/browser`, which needs only `fetch`.
 */
export class OllamaEngine implements Suggester {
  constructor(
    private readonly settings: OllamaSettings,
    private readonly rooms: RoomContext,
    private readonly options: { fetch?: typeof fetch; logger?: Logger } = {},
  ) {}

  async *suggest({ user, roomId, text, signal }: SuggestRequest) {
    const [member, history] = await Promise.all([this.rooms.isMember(roomId, user.id), this.rooms.recent(roomId, this.settings.contextMessages)]);
    // The caller checked too; the prompt must never hold a room the user cannot read.
    if (!member) throw new ApiError("forbidden", "join the room first");
    const prompt = completionPrompt(user.username, text, history, this.settings);
    const cleaner = new SuggestionCleaner(text, this.settings.maxChars, prompt.forbidden);
    const finished = new AbortController();
    try {
      const stream = await this.client(AbortSignal.any([signal, finished.signal])).generate({
        model: this.settings.model,
        prompt: prompt.text,
        raw: true,
        stream: true,
        // Ollama reads a bare number as seconds (-1: for ever) and a string as a Go duration.
        keep_alive: /^-?\d+$/.test(this.settings.keepAlive) ? Number(this.settings.keepAlive) : this.settings.keepAlive,
        options: { num_predict: Math.max(8, Math.ceil(this.settings.maxChars / 3)), temperature: 0.2, top_p: 0.9, stop: ["\n"] },
      });
      for await (const part of stream) {
        const delta = cleaner.push(typeof part.response === "string" ? part.response : "");
        if (delta) yield { delta, source: "ollama" };
        if (cleaner.done) break;
      }
      const rest = cleaner.finish();
      if (rest) yield { delta: rest, source: "ollama" };
      if (cleaner.leaked) (this.options.logger ?? silentLogger).warn({ roomId, userId: user.id }, "suggestion cut: the model recited its prompt");
    } finally {
      // Leaving early (a line end, the limit, an abort) must not leave Ollama generating.
      finished.abort();
    }
  }

  /** Asks `/api/tags` whether Ollama answers and has the model. */
  async probe(signal: AbortSignal): Promise<OllamaState> {
    try {
      const { models } = await this.client(signal).list();
      const wanted = this.settings.model.includes(":") ? this.settings.model : `${this.settings.model}:latest`;
      return models.some((m) => m.name === wanted || m.model === wanted) ? "up" : "missing_model";
    } catch {
      return "down";
    }
  }

  /** A client whose every request ends with `signal`. The library cannot abort a request before its headers arrive. */
  private client(signal: AbortSignal): Ollama {
    const fetcher = this.options.fetch ?? fetch;
    return new Ollama({
      host: this.settings.host,
      async fetch(input, init) {
        const response = await fetcher(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, signal]) : signal });
        if (response.headers.get("content-type")?.includes("json")) return response;
        // The library would print a body that is not JSON (an HTML error page…) to stdout, where our log lines go.
        await response.body?.cancel();
        return Response.json({ error: `not an Ollama answer (HTTP ${response.status})` }, { status: response.ok ? 502 : response.status });
      },
    });
  }
}
