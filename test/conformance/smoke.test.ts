import { afterAll, beforeAll, expect, it } from "vitest";
import { ApiClient } from "../support/client.ts";
import { uniqueName } from "../support/services.ts";
import { startWorkerProcess, type WorkerProcess } from "../support/worker-process.ts";

let worker: WorkerProcess;
beforeAll(async () => {
  worker = await startWorkerProcess();
});
afterAll(() => worker?.stop());

it("registers, creates a room and exchanges a message over /ws", async () => {
  const api = new ApiClient(worker.url);
  await api.register(uniqueName());
  const room = await api.createRoom(uniqueName("room"));
  const socket = await api.socket();
  await socket.subscribe(room.id);
  const ack = await socket.sendMessage(room.id, "hi", "c-1");
  expect(ack.message.seq).toBe(1);
  expect((await socket.waitForMessages(room.id, 1))[0]!.body).toBe("hi");
  await socket.close();
});
