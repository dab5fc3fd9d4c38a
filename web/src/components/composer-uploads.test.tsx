import { afterEach, describe, expect, it } from "vitest";
import { cleanup, fireEvent, render, screen } from "@solidjs/testing-library";
import { createSuggestionsStore } from "../state/suggestions-store.ts";
import { createUploadsStore } from "../state/upload-queue.ts";
import type { Attachment, UploadOptions } from "../transport/file-transfer.ts";
import { ApiError } from "../transport/http-client.ts";
import { Composer } from "./composer.tsx";

/** The composer with an uploads store whose uploads wait for the test to answer them. */
function setup() {
  const uploads: { name: string; how: UploadOptions; resolve: (a: Attachment) => void; reject: (e: Error) => void }[] = [];
  const sent: { body: string; attachments: Attachment[] }[] = [];
  const store = createUploadsStore({
    upload: (_file, name, how) => new Promise((resolve, reject) => uploads.push({ name, how, resolve, reject })),
    urls: { createObjectURL: () => "blob:thumb", revokeObjectURL: () => {} },
  });
  const storage = { getItem: () => null, setItem: () => {} };
  const suggestions = createSuggestionsStore({ request: () => {}, storage });
  render(() => (
    <Composer
      roomId="r1"
      roomName="#general"
      suggestions={suggestions}
      uploads={store}
      onSend={(body, attachments) => sent.push({ body, attachments })}
      onTyping={() => {}}
    />
  ));
  const box = screen.getByRole("textbox", { name: "Message #general" }) as HTMLTextAreaElement;
  const input = document.querySelector<HTMLInputElement>("input[type=file]")!;
  const pick = (...files: File[]) => {
    Object.defineProperty(input, "files", { value: files, configurable: true });
    fireEvent.change(input);
  };
  const sendButton = () => screen.getByRole("button", { name: "Send" }) as HTMLButtonElement;
  return { box, pick, uploads, sent, sendButton, store };
}
const png = (name = "cat.png") => new File([new Uint8Array(8)], name, { type: "image/png" });
const stored = (id: string, name = "cat.png"): Attachment => ({ id, name, size: 8, contentType: "image/png", width: 4, height: 2 });
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("Composer attachments", () => {
  afterEach(cleanup);

  it("the paperclip opens the file picker; a picked file uploads with a chip and progress, and Send waits for it", async () => {
    const { pick, uploads, sent, sendButton, box } = setup();
    const input = document.querySelector<HTMLInputElement>("input[type=file]")!;
    let clicked = 0;
    input.addEventListener("click", () => clicked++);
    fireEvent.click(screen.getByRole("button", { name: "Attach files to #general" }));
    expect(clicked).toBe(1);

    pick(png());
    expect(uploads.map((u) => u.name)).toEqual(["cat.png"]);
    const chip = screen.getByRole("list", { name: "Files to send" });
    expect(chip.textContent).toContain("cat.png");
    expect(chip.textContent).toContain("8 B");
    expect(chip.querySelector("img")!.getAttribute("src")).toBe("blob:thumb");
    uploads[0]!.how.onProgress!(0.4);
    expect((screen.getByRole("progressbar", { name: "Uploading cat.png" }) as HTMLProgressElement).value).toBe(0.4);
    expect(sendButton().disabled).toBe(true);
    fireEvent.keyDown(box, { key: "Enter" });
    expect(sent).toEqual([]);
    expect(document.querySelector(".composer-hint")!.textContent).toBe("Wait for the files to finish uploading.");

    uploads[0]!.resolve(stored("up1"));
    await settle();
    expect(screen.queryByRole("progressbar")).toBeNull();
    // An empty body goes with files.
    expect(sendButton().disabled).toBe(false);
    fireEvent.click(sendButton());
    expect(sent).toEqual([{ body: "", attachments: [stored("up1")] }]);
    expect(screen.queryByRole("list", { name: "Files to send" })).toBeNull();
  });

  it("pasted files upload too (the clipboard's text is not pasted with them)", () => {
    const { box, uploads } = setup();
    const event = new Event("paste", { bubbles: true, cancelable: true }) as ClipboardEvent;
    Object.defineProperty(event, "clipboardData", { value: { files: [png("pasted.png")] } });
    box.dispatchEvent(event);
    expect(event.defaultPrevented).toBe(true);
    expect(uploads.map((u) => u.name)).toEqual(["pasted.png"]);
    const text = new Event("paste", { bubbles: true, cancelable: true }) as ClipboardEvent;
    Object.defineProperty(text, "clipboardData", { value: { files: [] } });
    box.dispatchEvent(text);
    expect(text.defaultPrevented).toBe(false);
  });

  it("shows the server's refusal on the chip, offers Retry when it may help, and blocks Send until the file is removed", async () => {
    const { pick, uploads, sent, sendButton, box } = setup();
    pick(png("a.png"), png("b.png"));
    uploads[0]!.reject(new ApiError(429, "rate_limited", "too many", 5));
    uploads[1]!.reject(new ApiError(400, "invalid_request", "this file type is not allowed"));
    await settle();
    const alerts = screen.getAllByRole("alert").map((a) => a.textContent);
    expect(alerts).toEqual(["Uploading too fast. Wait 5 seconds, then retry.", "this file type is not allowed"]);
    expect(screen.queryByRole("button", { name: "Retry b.png" })).toBeNull();

    fireEvent.click(screen.getByRole("button", { name: "Retry a.png" }));
    expect(uploads.map((u) => u.name)).toEqual(["a.png", "b.png", "a.png"]);
    uploads[2]!.resolve(stored("up1", "a.png"));
    await settle();
    box.value = "two files";
    fireEvent.input(box);
    expect(sendButton().disabled).toBe(true);
    fireEvent.keyDown(box, { key: "Enter" });
    expect(document.querySelector(".composer-hint")!.textContent).toBe("Remove or retry the files that could not be uploaded.");

    fireEvent.click(screen.getByRole("button", { name: "Remove b.png" }));
    fireEvent.keyDown(box, { key: "Enter" });
    expect(sent).toEqual([{ body: "two files", attachments: [stored("up1", "a.png")] }]);
  });

  it("says so at once when more files are added than a message can carry, however they came (a drop too)", () => {
    const { pick, uploads, store } = setup();
    pick(...Array.from({ length: 9 }, (_, n) => png(`f${n}.png`)));
    expect(document.querySelector(".composer-hint")!.textContent).toBe("Enter to send, Shift+Enter for a new line");
    // As the room's drop target adds them: straight to the queue.
    store.queue("r1").add([png("f9.png"), png("f10.png")]);
    expect(uploads).toHaveLength(10);
    expect(document.querySelector(".composer-hint")!.textContent).toBe("A message can carry at most 10 files.");
  });

  it("without an uploads store (outside a chat) there is no paperclip, and an empty body does not send", () => {
    const storage = { getItem: () => null, setItem: () => {} };
    const sent: string[] = [];
    render(() => (
      <Composer
        roomId="r1"
        roomName="#x"
        suggestions={createSuggestionsStore({ request: () => {}, storage })}
        onSend={(b) => sent.push(b)}
        onTyping={() => {}}
      />
    ));
    expect(screen.queryByRole("button", { name: /Attach files/ })).toBeNull();
    fireEvent.keyDown(screen.getByRole("textbox"), { key: "Enter" });
    expect(sent).toEqual([]);
  });
});
