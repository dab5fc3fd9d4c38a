import { afterEach, describe, expect, it } from "vitest";
import { cleanup, fireEvent, render, screen } from "@solidjs/testing-library";
import { createSignal } from "solid-js";
import type { Message } from "@parley/protocol";
import { AttachmentsProvider } from "../state/app-context.tsx";
import { createFileCache } from "../state/file-cache.ts";
import { createUploadsStore } from "../state/upload-queue.ts";
import type { Attachment } from "../transport/file-transfer.ts";
import { attachmentsOf, previewBox } from "./attachment-list.tsx";
import { MessageRow } from "./message-row.tsx";

const photo: Attachment = { id: "up1", name: "harbour.jpg", size: 2_400_000, contentType: "image/jpeg", width: 1600, height: 900 };
const notes: Attachment = { id: "up2", name: "notes.pdf", size: 48_000, contentType: "application/pdf" };

/** A message row with `attachments`, over a file cache whose downloads wait for the test. */
function setup(attachments: Attachment[]) {
  const downloads = new Map<string, (blob: Blob) => void>();
  const files = createFileCache({
    download: (id) => new Promise((resolve) => downloads.set(id, resolve)),
    urls: { createObjectURL: () => "blob:file", revokeObjectURL: () => {} },
  });
  const uploads = createUploadsStore({ upload: () => new Promise(() => {}) });
  const [deleted, setDeleted] = createSignal(false);
  render(() => (
    <AttachmentsProvider value={{ files, uploads }}>
      <MessageRow
        user={{ id: "u1", username: "alice" }}
        body=""
        createdAt="2026-12-01T10:00:00Z"
        groupStart
        dayStart={false}
        now={() => new Date()}
        deleted={deleted()}
        attachments={attachments}
      />
    </AttachmentsProvider>
  ));
  return { downloads, setDeleted };
}
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("attachments in a message", () => {
  afterEach(cleanup);

  it("an image's box is reserved from its size before its bytes come, capped at 360×240 keeping the ratio", async () => {
    expect(previewBox({ width: 1600, height: 900 })).toEqual({ width: 360, height: 203 });
    expect(previewBox({ width: 300, height: 1200 })).toEqual({ width: 60, height: 240 });
    expect(previewBox({ width: 40, height: 30 })).toEqual({ width: 40, height: 30 });
    expect(previewBox({})).toEqual({ width: 240, height: 160 });

    const { downloads } = setup([photo]);
    const box = screen.getByRole("button", { name: "Open harbour.jpg" });
    expect(box.style.width).toBe("360px");
    expect(box.style.aspectRatio).toBe("360 / 203");
    expect(box.querySelector("img")).toBeNull();
    downloads.get("up1")!(new Blob(["jpeg"]));
    await settle();
    const img = box.querySelector("img")!;
    expect([img.getAttribute("src"), img.alt, img.width, img.height]).toEqual(["blob:file", "harbour.jpg", 360, 203]);
    expect(box.style.width).toBe("360px");
  });

  it("a click opens the image full size in a dialog; Esc closes it and the focus goes back", async () => {
    const { downloads } = setup([photo]);
    downloads.get("up1")!(new Blob(["jpeg"]));
    await settle();
    const box = screen.getByRole("button", { name: "Open harbour.jpg" });
    fireEvent.click(box);
    const dialog = screen.getByRole("dialog", { name: "harbour.jpg" });
    expect(dialog.querySelector("img")!.getAttribute("src")).toBe("blob:file");
    expect(document.activeElement).toBe(screen.getByRole("button", { name: "Close image" }));
    fireEvent.keyDown(dialog, { key: "Escape" });
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(document.activeElement).toBe(box);
  });

  it("another file is a chip with its name, size and a download, after the images", () => {
    setup([notes, photo]);
    expect([...document.querySelector(".attachments")!.children].map((e) => e.className)).toEqual(["attachment-image", "attachment-file"]);
    const chip = document.querySelector(".attachment-file")!;
    expect(chip.textContent).toContain("notes.pdf");
    expect(chip.textContent).toContain("47 KB");
    expect(screen.getByRole("button", { name: "Download notes.pdf" })).toBeTruthy();
  });

  it("a deleted message shows none of its files", () => {
    const { setDeleted } = setup([photo, notes]);
    expect(document.querySelectorAll(".attachments > *")).toHaveLength(2);
    setDeleted(true);
    expect(document.querySelector(".attachments")).toBeNull();
    const message = { deleted: true, attachments: [photo] } as Message;
    expect(attachmentsOf(message)).toEqual([]);
  });
});
