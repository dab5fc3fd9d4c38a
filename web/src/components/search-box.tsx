import { createSignal, For, Match, onCleanup, Show, Switch } from "solid-js";
import type { SearchResult, SnippetPart } from "@parley/protocol";
import { dayLabel, timeOf } from "../lib/format.ts";
import { createSearchStore, type SearchPages } from "../state/search-store.ts";

/** A snippet as text with its matched words in `<mark>`: parts are text nodes, never markup. */
export function SnippetText(props: { parts: readonly SnippetPart[] }) {
  return <For each={props.parts}>{(part) => (part.match ? <mark>{part.text}</mark> : part.text)}</For>;
}

/** Whether a key press anywhere means "go to the search box": `/` outside a text field, or Ctrl/Cmd+Shift+F. */
export function isSearchKey(e: KeyboardEvent): boolean {
  if ((e.ctrlKey || e.metaKey) && e.shiftKey && !e.altKey && e.key.toLowerCase() === "f") return true;
  const target = e.target as HTMLElement | null;
  const typing = !!target && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
  return e.key === "/" && !e.ctrlKey && !e.metaKey && !e.altKey && !typing;
}

/**
 * The top bar's message search: Enter searches (the syntax of docs/protocol.md, "Search"), the
 * results drop down under the box, newest first, with the matched words marked; choosing one
 * opens it in its room. `/` or Ctrl/Cmd+Shift+F from anywhere puts the focus in the box, Esc
 * closes the results, ↑/↓ move between the box and the results.
 */
export function SearchBox(props: { pages: SearchPages; onOpen: (result: SearchResult) => void }) {
  // eslint-disable-next-line solid/reactivity -- the fetcher is fixed for the box's life
  const search = createSearchStore(props.pages);
  const [open, setOpen] = createSignal(false);
  let box!: HTMLDivElement;
  let input!: HTMLInputElement;

  const onGlobalKey = (e: KeyboardEvent) => {
    if (!isSearchKey(e)) return;
    e.preventDefault();
    input.focus();
    input.select();
    reopen();
  };
  const onOutside = (e: PointerEvent) => {
    if (!box.contains(e.target as Node)) setOpen(false);
  };
  document.addEventListener("keydown", onGlobalKey);
  document.addEventListener("pointerdown", onOutside);
  onCleanup(() => {
    document.removeEventListener("keydown", onGlobalKey);
    document.removeEventListener("pointerdown", onOutside);
  });

  /** Shows the last search's results again (a click in the box, ↓ in it). */
  const reopen = () => search.status() !== "idle" && setOpen(true);
  const results = () => [...box.querySelectorAll<HTMLButtonElement>(".search-result")];
  function onKeyDown(e: KeyboardEvent) {
    if (e.key === "Escape" && open()) {
      setOpen(false);
      input.focus();
    } else if (e.key === "ArrowDown" && !open()) reopen();
    else if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      const list = results();
      const at = list.indexOf(document.activeElement as HTMLButtonElement);
      const next = e.key === "ArrowDown" ? at + 1 : at - 1;
      if (next < 0) input.focus();
      else list[Math.min(next, list.length - 1)]?.focus();
    } else return;
    e.preventDefault();
  }
  function submit(e: SubmitEvent) {
    e.preventDefault();
    if (input.value.trim() === "") return (search.clear(), setOpen(false));
    setOpen(true);
    void search.run(input.value);
  }
  function choose(result: SearchResult) {
    setOpen(false);
    props.onOpen(result);
  }

  return (
    <div ref={box} class="search-box" onKeyDown={onKeyDown}>
      <form role="search" onSubmit={submit}>
        <span class="search-icon" aria-hidden="true">
          ⌕
        </span>
        <input
          ref={input}
          type="search"
          class="search-input"
          aria-label="Search messages"
          aria-controls={open() ? "search-results" : undefined}
          placeholder="Search messages"
          autocomplete="off"
          onClick={reopen}
        />
        <kbd class="search-hint" aria-hidden="true">
          /
        </kbd>
      </form>
      <Show when={open()}>
        <div id="search-results" class="search-results" role="region" aria-label="Search results">
          <Switch>
            <Match when={search.status() === "error" && search.results().length === 0}>
              <p class="search-note error" role="alert">
                {search.problem()}
              </p>
            </Match>
            <Match when={search.status() === "loading" && search.results().length === 0}>
              <p class="search-note muted" role="status">
                Searching…
              </p>
            </Match>
            <Match when={search.status() === "done" && search.results().length === 0}>
              <p class="search-note muted" role="status">
                No messages match. Try fewer words, or <code>from:</code>, <code>in:</code>, <code>before:</code>, <code>after:</code>.
              </p>
            </Match>
          </Switch>
          <ul class="search-list">
            <For each={search.results()}>
              {(result) => (
                <li>
                  <button type="button" class="search-result" onClick={() => choose(result)}>
                    <span class="search-result-meta">
                      <span class="search-result-room"># {result.room.name}</span>
                      <span class="search-result-author">{result.message.user.username}</span>
                      <time datetime={result.message.createdAt}>
                        {dayLabel(result.message.createdAt)} {timeOf(result.message.createdAt)}
                      </time>
                      <Show when={result.message.parentId}>
                        <span class="search-result-thread">in a thread</span>
                      </Show>
                    </span>
                    <span class="search-result-snippet">
                      <SnippetText parts={result.snippet} />
                    </span>
                  </button>
                </li>
              )}
            </For>
          </ul>
          <Show when={search.hasMore()}>
            <div class="search-more">
              <Show when={search.status() === "error"}>
                <span class="error">{search.problem()} </span>
              </Show>
              <button type="button" class="link-button" disabled={search.status() === "loading"} onClick={() => void search.more()}>
                {search.status() === "loading" ? "Loading…" : "More results"}
              </button>
            </div>
          </Show>
        </div>
      </Show>
    </div>
  );
}
