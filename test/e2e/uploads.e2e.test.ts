import { deflateSync, crc32 } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, BrowserContext, Page } from "playwright-core";
import type { Room } from "@parley/protocol";
import { ApiClient } from "../support/client.ts";
import { uniqueName } from "../support/services.ts";
import { startWorkerProcess, type WorkerProcess } from "../support/worker-process.ts";
import { axeViolations } from "./axe.ts";
import { buildWebUi, chromiumMissing, keepSignedIn, launchChromium, screenshot, signUp } from "./browser.ts";

/**
 * A real PNG of `width`×`height`: diagonal bands of colour, so a preview shows something; with
 * `grain`, a little noise that does not compress, so the file is big enough for its upload to show progress.
 */
function png(width: number, height: number, grain = 0): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const rows = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const band = Math.floor((x + y) / 40) % 3;
      const colour = band === 0 ? [67, 56, 202] : band === 1 ? [129, 140, 248] : [230, 232, 255];
      rows.set(
        colour.map((c) => Math.max(0, Math.min(255, c + Math.round((Math.random() - 0.5) * grain)))),
        y * (width * 3 + 1) + 1 + x * 3,
      );
    }
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(rows)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

/**
 * Files between two people in real browsers: alice picks an image and a text file (and pastes
 * another image), sees them upload as chips and sends them; bob sees the image inline at its
 * reserved size, opens it full size, downloads the text file; deleting the message takes them away.
 */
describe.skipIf(chromiumMissing)("uploads in Chromium", () => {
  let worker: WorkerProcess;
  let browser: Browser;
  let room: Room;
  const api = { alice: new ApiClient(""), bob: new ApiClient("") };
  const sessions = { alice: "", bob: "" };
  const pages: { alice?: Page; bob?: Page } = {};
  const contexts: BrowserContext[] = [];
  const tag = Math.random().toString(36).slice(2, 6);
  const photo = png(800, 450, 24);
  const pasted = png(120, 240);

  async function openAs(who: "alice" | "bob", viewport = { width: 1280, height: 800 }) {
    const context = await browser.newContext({ baseURL: worker.url, viewport, colorScheme: "light", acceptDownloads: true });
    contexts.push(context);
    await keepSignedIn(context, sessions[who]);
    const page = await context.newPage();
    page.on("dialog", (d) => void d.accept());
    await page.goto(`/#/rooms/${room.id}`);
    await composer(page).waitFor();
    return page;
  }
  const composer = (page: Page) => page.getByRole("textbox", { name: `Message #${room.name}` });
  const chips = (page: Page) => page.getByRole("list", { name: "Files to send" }).locator(".upload-chip");
  const row = (page: Page, text: string) => page.locator(".timeline .message").filter({ hasText: text });

  beforeAll(async () => {
    await buildWebUi();
    worker = await startWorkerProcess({ MESSAGE_RATE: "100000/60s", REGISTER_RATE: "1000/60s" });
    browser = await launchChromium();
    for (const who of ["alice", "bob"] as const) sessions[who] = await signUp(api[who], worker.url, `${who}_${tag}`);
    room = await api.alice.createRoom(uniqueName("photos"), "Pictures from the offsite");
    await api.bob.join(room.id);
    pages.alice = await openAs("alice");
    pages.bob = await openAs("bob");
  }, 120_000);

  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await worker?.stop();
  });

  it("alice attaches an image and a text file, pastes another image, sees them upload, and sends them", async () => {
    const { alice } = pages as Required<typeof pages>;
    // A slow uplink (about 1 s for the photo), so its progress bar is seen moving.
    const network = await alice.context().newCDPSession(alice);
    await network.send("Network.enable");
    await network.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: photo.length });
    await alice.locator(".room-column > .composer input[type=file]").setInputFiles([
      { name: "harbour.png", mimeType: "image/png", buffer: photo },
      { name: "agenda.txt", mimeType: "text/plain", buffer: Buffer.from("09:00 coffee\n10:00 roadmap\n") },
    ]);
    await composer(alice).focus();
    // A screenshot pasted from the clipboard: a paste event carrying a file, as the browser makes one.
    await composer(alice).evaluate(
      (box, bytes) => {
        const data = new DataTransfer();
        data.items.add(new File([new Uint8Array(bytes)], "pasted.png", { type: "image/png" }));
        box.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
      },
      [...pasted],
    );

    await expect.poll(() => chips(alice).locator(".upload-name").allInnerTexts()).toEqual(["harbour.png", "agenda.txt", "pasted.png"]);
    const progress = alice.getByRole("progressbar", { name: "Uploading harbour.png" });
    await expect.poll(() => progress.evaluate((p) => (p as HTMLProgressElement).value)).toBeGreaterThan(0);
    expect(await alice.getByRole("button", { name: "Send" }).isDisabled()).toBe(true);
    await screenshot(alice, "uploads-progress");
    await network.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    await expect.poll(() => chips(alice).evaluateAll((els) => els.map((e) => e.getAttribute("data-status")))).toEqual(["done", "done", "done"]);
    expect(
      await chips(alice)
        .locator("img.upload-thumb")
        .evaluateAll((imgs) => imgs.map((i) => (i as HTMLImageElement).naturalWidth)),
    ).toEqual([800, 120]);
    expect(await alice.getByRole("alert").count()).toBe(0);
    await composer(alice).fill("Photos from the harbour walk, and the agenda");
    await screenshot(alice, "uploads-composer");
    expect(await axeViolations(alice)).toEqual([]);

    await composer(alice).press("Enter");
    await row(alice, "Photos from the harbour walk").locator(".send-status").waitFor({ state: "detached" });
    expect(await chips(alice).count()).toBe(0);
    await expect.poll(() => row(alice, "Photos from the harbour walk").locator(".attachment-image img").count()).toBe(2);
  });

  it("bob sees the images inline at their reserved size, opens one full size, and downloads the text file", async () => {
    const { bob } = pages as Required<typeof pages>;
    const message = row(bob, "Photos from the harbour walk");
    const images = message.locator(".attachment-image img");
    await expect.poll(() => images.evaluateAll((imgs) => imgs.map((i) => (i as HTMLImageElement).naturalWidth))).toEqual([800, 120]);
    // 800×450 fits 360×240 at 360×203; 120×240 fits as it is.
    const boxes = await message.locator(".attachment-image").evaluateAll((els) => els.map((e) => [Math.round(e.clientWidth), Math.round(e.clientHeight)]));
    expect(boxes.map(([w, h]) => [w! <= 360, Math.abs(w! / h! - (w === boxes[0]![0] ? 800 / 450 : 0.5)) < 0.05])).toEqual([
      [true, true],
      [true, true],
    ]);
    const chip = message.locator(".attachment-file");
    await expect.poll(() => chip.innerText()).toContain("agenda.txt");

    await bob.keyboard.press("Escape");
    await message.getByRole("button", { name: "Open harbour.png" }).click();
    const viewer = bob.getByRole("dialog", { name: "harbour.png" });
    await expect.poll(() => viewer.locator("img").evaluate((i) => (i as HTMLImageElement).naturalWidth)).toBe(800);
    await screenshot(bob, "uploads-viewer");
    await bob.keyboard.press("Escape");
    await viewer.waitFor({ state: "detached" });

    const download = bob.waitForEvent("download");
    await message.getByRole("button", { name: "Download agenda.txt" }).click();
    const file = await download;
    expect(file.suggestedFilename()).toBe("agenda.txt");
    await bob.mouse.move(640, 780);
    await screenshot(bob, "uploads-timeline");
    expect(await axeViolations(bob)).toEqual([]);

    // On a phone the boxes shrink to the row's width, keeping their ratio; the page never scrolls sideways.
    const phone = await openAs("bob", { width: 390, height: 760 });
    const first = row(phone, "Photos from the harbour walk").locator(".attachment-image").first();
    await expect.poll(() => first.locator("img").evaluate((i) => (i as HTMLImageElement).naturalWidth)).toBe(800);
    expect(await first.evaluate((e) => e.getBoundingClientRect().right <= innerWidth)).toBe(true);
    expect(await phone.evaluate(() => document.documentElement.scrollWidth <= innerWidth)).toBe(true);
    const [w, h] = await first.evaluate((e) => [e.clientWidth, e.clientHeight]);
    expect(Math.abs(w! / h! - 800 / 450)).toBeLessThan(0.05);
    await screenshot(phone, "uploads-phone");
    await phone.context().close();
  });

  it("bob drops a file on a thread (a drop target shows) and replies with it; alice sees it in the thread", async () => {
    const { alice, bob } = pages as Required<typeof pages>;
    await composer(alice).fill("Which photo for the newsletter?");
    await composer(alice).press("Enter");
    await row(bob, "Which photo for the newsletter?").hover();
    await row(bob, "Which photo for the newsletter?").getByRole("button", { name: "Reply in thread" }).click();
    const panel = bob.getByRole("complementary", { name: "Thread" });
    await panel.getByRole("textbox", { name: "Reply in thread" }).waitFor();

    // Files dragged in from the desktop: the events a browser fires, with a DataTransfer holding a file.
    const data = await bob.evaluateHandle(
      (bytes) => {
        const transfer = new DataTransfer();
        transfer.items.add(new File([new Uint8Array(bytes)], "pick-this.png", { type: "image/png" }));
        return transfer;
      },
      [...pasted],
    );
    await panel.dispatchEvent("dragenter", { dataTransfer: data });
    await panel.locator(".drop-target").waitFor();
    expect(await bob.locator(".room-column > .drop-target").count()).toBe(0);
    await panel.dispatchEvent("drop", { dataTransfer: data });
    await panel.locator(".drop-target").waitFor({ state: "detached" });
    const chip = panel.locator(".upload-chip");
    await expect.poll(() => chip.getAttribute("data-status")).toBe("done");
    await panel.getByRole("textbox", { name: "Reply in thread" }).press("Enter");

    await row(alice, "Which photo for the newsletter?").getByRole("button", { name: "1 reply" }).click();
    const onAlice = alice.getByRole("complementary", { name: "Thread" }).locator(".attachment-image img");
    await expect.poll(() => onAlice.evaluate((i) => (i as HTMLImageElement).naturalWidth)).toBe(120);
    await alice.getByRole("button", { name: "Close thread" }).click();
    await bob.getByRole("button", { name: "Close thread" }).click();
  });

  it("deleting the message takes its files away for both", async () => {
    const { alice, bob } = pages as Required<typeof pages>;
    const seq = Number(await row(alice, "Photos from the harbour walk").getAttribute("data-seq"));
    await row(alice, "Photos from the harbour walk").hover();
    await row(alice, "Photos from the harbour walk").getByRole("button", { name: "Delete message" }).click();
    for (const page of [alice, bob]) {
      const tombstone = page.locator(`.timeline .message[data-seq="${seq}"]`);
      await expect.poll(() => tombstone.locator(".message-body").innerText()).toBe("This message was deleted.");
      expect(await tombstone.locator(".attachments").count()).toBe(0);
    }
  });
});
