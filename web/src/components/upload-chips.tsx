import { Index, Show } from "solid-js";
import { sizeOf } from "../lib/format.ts";
import type { UploadItem, UploadQueue } from "../state/upload-queue.ts";

/** The paperclip beside the message box: a file picker (several at once). */
export function AttachButton(props: { label: string; onFiles: (files: File[]) => void }) {
  let input!: HTMLInputElement;
  return (
    <>
      <button type="button" class="quiet attach-button" aria-label={props.label} title={props.label} onClick={() => input.click()}>
        <span aria-hidden="true">📎</span>
      </button>
      <input
        ref={input}
        type="file"
        multiple
        class="visually-hidden"
        tabindex="-1"
        aria-hidden="true"
        onChange={(e) => {
          props.onFiles([...(e.currentTarget.files ?? [])]);
          // The same file chosen again (after removing it) is a change too.
          e.currentTarget.value = "";
        }}
      />
    </>
  );
}

function Chip(props: { item: UploadItem; queue: UploadQueue }) {
  const name = () => props.item.file.name || "pasted file";
  return (
    <li class="upload-chip" classList={{ failed: props.item.status === "failed" }} data-status={props.item.status}>
      <Show
        when={props.item.thumbnail}
        fallback={
          <span class="upload-icon" aria-hidden="true">
            📄
          </span>
        }
      >
        {(url) => <img class="upload-thumb" src={url()} alt="" />}
      </Show>
      <span class="upload-text">
        <span class="upload-name" title={name()}>
          {name()}
        </span>
        <span class="upload-size">{sizeOf(props.item.file.size)}</span>
        <Show when={props.item.status === "uploading"}>
          <progress class="upload-progress" max="1" value={props.item.progress} aria-label={`Uploading ${name()}`} />
        </Show>
        <Show when={props.item.error}>
          <span class="error upload-error" role="alert">
            {props.item.error}
          </span>
        </Show>
      </span>
      <Show when={props.item.status === "failed" && props.item.retryable}>
        <button type="button" class="link-button" aria-label={`Retry ${name()}`} onClick={() => props.queue.retry(props.item.key)}>
          Retry
        </button>
      </Show>
      <button type="button" class="quiet upload-remove" aria-label={`Remove ${name()}`} title="Remove" onClick={() => props.queue.remove(props.item.key)}>
        <span aria-hidden="true">✕</span>
      </button>
    </li>
  );
}

/** The files of the message being written, above its box: each with its progress, or why it was refused. */
export function UploadChips(props: { queue: UploadQueue }) {
  return (
    <Show when={props.queue.items().length > 0}>
      <ul class="upload-chips" aria-label="Files to send">
        {/* By position: an item is a new object at each progress step, and its chip (and focus) should stay. */}
        <Index each={props.queue.items()}>{(item) => <Chip item={item()} queue={props.queue} />}</Index>
      </ul>
    </Show>
  );
}
