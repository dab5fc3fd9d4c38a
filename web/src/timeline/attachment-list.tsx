import { createSignal, For, onCleanup, Show } from "solid-js";
import type { Message } from "@parley/protocol";
import { sizeOf } from "../lib/format.ts";
import { useAttachments } from "../state/app-context.tsx";
import type { FileCache } from "../state/file-cache.ts";
import type { Attachment } from "../transport/file-transfer.ts";
import { ImageViewer } from "./image-viewer.tsx";

/** An inline image is drawn at most this big, keeping its aspect ratio. */
export const PREVIEW_MAX = { width: 360, height: 240 } as const;
/** The box of an image whose size the server did not say. */
const UNKNOWN_BOX = { width: 240, height: 160 } as const;

/** The files a message carries (none for a tombstone). */
export const attachmentsOf = (message: Message): readonly Attachment[] => (message.deleted ? [] : (message.attachments ?? []));

/** Whether the UI shows the file inline: the server's sniffed image types (SVG is never one). */
export const isImage = (a: Attachment) => /^image\/(png|jpeg|gif|webp)$/.test(a.contentType);

/**
 * The box an image preview takes, known before its bytes arrive (so a row's height never changes
 * when it loads: the timeline is virtualised): its own size scaled down to fit PREVIEW_MAX.
 */
export function previewBox(a: Pick<Attachment, "width" | "height">, max: { width: number; height: number } = PREVIEW_MAX) {
  if (!a.width || !a.height) return { ...UNKNOWN_BOX };
  const scale = Math.min(1, max.width / a.width, max.height / a.height);
  return { width: Math.max(1, Math.round(a.width * scale)), height: Math.max(1, Math.round(a.height * scale)) };
}

const iconOf = (type: string) =>
  type === "application/pdf" ? "📕" : type === "application/zip" ? "🗜️" : type.startsWith("video/") ? "🎞️" : type.startsWith("audio/") ? "🎵" : "📄";

function InlineImage(props: { attachment: Attachment; files: FileCache }) {
  // eslint-disable-next-line solid/reactivity -- one file per component: a row with other files makes new ones
  const held = props.files.use(props.attachment.id);
  onCleanup(held.release);
  const [open, setOpen] = createSignal(false);
  const box = () => previewBox(props.attachment);
  let button!: HTMLButtonElement;
  return (
    <>
      <button
        ref={button}
        type="button"
        class="attachment-image"
        style={{ width: `${box().width}px`, "aspect-ratio": `${box().width} / ${box().height}` }}
        aria-label={`Open ${props.attachment.name}`}
        title={`${props.attachment.name} · ${sizeOf(props.attachment.size)}`}
        onClick={() => setOpen(true)}
      >
        <Show when={held.url()} fallback={<span class="attachment-status">{held.error() ? `${props.attachment.name}: ${held.error()}` : ""}</span>}>
          {(url) => <img src={url()} alt={props.attachment.name} width={box().width} height={box().height} />}
        </Show>
      </button>
      <Show when={open() && held.url()}>
        {(url) => <ImageViewer url={url()} name={props.attachment.name} onClose={() => (setOpen(false), button.focus())} />}
      </Show>
    </>
  );
}

function FileChip(props: { attachment: Attachment; files: FileCache }) {
  const [problem, setProblem] = createSignal<string>();
  const [saving, setSaving] = createSignal(false);
  async function save() {
    setSaving(true);
    setProblem(undefined);
    try {
      const url = URL.createObjectURL(await props.files.blob(props.attachment.id));
      const link = Object.assign(document.createElement("a"), { href: url, download: props.attachment.name });
      link.click();
      // The download has started from the URL by the next task; the page does not need it after.
      setTimeout(() => URL.revokeObjectURL(url), 0);
    } catch (error) {
      setProblem((error as Error).message);
    } finally {
      setSaving(false);
    }
  }
  return (
    <div class="attachment-file">
      <span class="file-icon" aria-hidden="true">
        {iconOf(props.attachment.contentType)}
      </span>
      <span class="file-name">{props.attachment.name}</span>
      <span class="file-size">{sizeOf(props.attachment.size)}</span>
      <button type="button" class="link-button" aria-label={`Download ${props.attachment.name}`} disabled={saving()} onClick={() => void save()}>
        {saving() ? "Downloading…" : "Download"}
      </button>
      <Show when={problem()}>
        <span class="error" role="alert">
          {problem()}
        </span>
      </Show>
    </div>
  );
}

/** A message's files under its body: images inline first (click for the full one), then the others as chips with a download. */
export function AttachmentList(props: { attachments: readonly Attachment[] }) {
  const attachments = useAttachments();
  const ordered = () => [...props.attachments.filter(isImage), ...props.attachments.filter((a) => !isImage(a))];
  return (
    <Show when={attachments && props.attachments.length > 0}>
      <div class="attachments">
        <For each={ordered()}>
          {(a) => (
            <Show when={isImage(a)} fallback={<FileChip attachment={a} files={attachments!.files} />}>
              <InlineImage attachment={a} files={attachments!.files} />
            </Show>
          )}
        </For>
      </div>
    </Show>
  );
}
