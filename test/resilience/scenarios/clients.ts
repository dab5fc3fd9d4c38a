import { uniqueName } from "../../support/services.ts";
import { chaosClient, newUser, sleep, waitFor } from "../harness.ts";
import { chaosRun, type ScenarioResult, type Sizes } from "./common.ts";

const RESENDS = 5;

/**
 * Lost acks: some messages have their ack "lost" 5 times (the client resends the same clientId each
 * time), some lose their connection right after the send, and one clientId is POSTed 6 times.
 * Each must be exactly one row, and every ack and answer must name that one message.
 */
export function lostAck(sizes: Sizes): Promise<ScenarioResult> {
  return chaosRun("lost-ack", sizes, async (ctx) => {
    const clients = ctx.load.clients;
    const dropped = clients.slice(0, 10).map((c) => ({ c, id: c.send(c.rooms[0]!, { dropAcks: RESENDS }) }));
    await sleep(500);
    const cut = clients.slice(10, 16).map((c) => ({ c, id: c.send(c.rooms[0]!, { cutAfterSend: true }) }));
    const poster = clients[0]!;
    const answers: Array<{ status: number; id?: string }> = [];
    for (let i = 0; i <= RESENDS; i++) {
      const res = await fetch(`${ctx.cluster.lb.url}/api/rooms/${poster.rooms[0]}/messages`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${poster.token}` },
        body: JSON.stringify({ body: "posted six times", clientId: "http-lost-ack" }),
      });
      answers.push({ status: res.status, id: ((await res.json()) as { message?: { id: string } }).message?.id });
    }
    await sleep(sizes.faultMs);
    return (stored) => {
      const rows = (userId: string, clientId: string) => stored.filter((m) => m.userId === userId && m.clientId === clientId);
      let resends = 0;
      for (const { c, id } of dropped) {
        const sends = c.log.sends.filter((s) => s.clientId === id).length;
        const acks = c.log.acks.filter((a) => a.clientId === id);
        resends += sends - 1;
        if (rows(c.log.userId, id).length !== 1) ctx.fail(`${id}: ${rows(c.log.userId, id).length} rows after ${sends} sends`);
        if (sends < RESENDS + 1) ctx.fail(`${id}: sent ${sends} times, expected ${RESENDS + 1}`);
        if (new Set(acks.map((a) => a.id)).size !== 1 || acks.length < RESENDS + 1)
          ctx.fail(`${id}: ${acks.length} acks naming ${new Set(acks.map((a) => a.id)).size} messages`);
      }
      for (const { c, id } of cut)
        if (rows(c.log.userId, id).length !== 1) ctx.fail(`${id} (connection cut after send): ${rows(c.log.userId, id).length} rows`);
      const httpRows = rows(poster.log.userId, "http-lost-ack");
      const statuses = answers.map((a) => a.status);
      if (httpRows.length !== 1 || statuses[0] !== 201 || statuses.slice(1).some((s) => s !== 200) || answers.some((a) => a.id !== httpRows[0]?.id)) {
        ctx.fail(`HTTP resend: statuses ${statuses.join(",")}, ${httpRows.length} rows, ids ${new Set(answers.map((a) => a.id)).size}`);
      }
      Object.assign(ctx.notes, { droppedAckMessages: dropped.length, resends, cutAfterSend: cut.length, httpStatuses: statuses.join(",") });
    };
  });
}

/**
 * Slow consumer: one client stops reading while its room gets a flood of 4 KB messages. Its worker
 * must close it (send buffer past 1 MiB) while a reader in the same room and the rest of the load are
 * unaffected; once it reads again it resumes with afterSeq and misses nothing.
 */
export function slowConsumer(sizes: Sizes): Promise<ScenarioResult> {
  return chaosRun(
    "slow-consumer",
    sizes,
    async (ctx) => {
      const { cluster } = ctx;
      const [slowUser, watchUser, blastUser] = await Promise.all([newUser(cluster, "slow"), newUser(cluster, "watch"), newUser(cluster, "blast")]);
      const firehose = (await blastUser.api.createRoom(uniqueName("firehose"))).id;
      await Promise.all([slowUser.api.join(firehose), watchUser.api.join(firehose)]);
      const [slow, watcher, blaster] = await Promise.all([
        chaosClient(cluster, slowUser, [firehose]),
        chaosClient(cluster, watchUser, [firehose]),
        chaosClient(cluster, blastUser, [firehose], 30_000),
      ]);
      ctx.extraClients.push(slow, watcher, blaster);
      const disconnects = () => cluster.output().split("slow consumer disconnected").length - 1;
      const body = "x".repeat(3900);
      slow.pauseReading(true);
      const at = Date.now();
      let sent = 0;
      while (disconnects() === 0 && Date.now() - at < 90_000) {
        if (blaster.unacked < 200) for (let i = 0; i < 50; i++, sent++) blaster.send(firehose, { body });
        await sleep(50);
      }
      const disconnectedMs = Date.now() - at;
      const watcherBehind = (await cluster.lastSeqs()).get(firehose)! - (watcher.seen(firehose) ?? 0);
      slow.pauseReading(false);
      const closed = await waitFor(() => slow.log.closes.length > 0, 15_000);
      Object.assign(ctx.notes, {
        blasted: sent,
        blastedMB: Math.round((sent * body.length) / 1e5) / 10,
        disconnectedAfterMs: disconnectedMs,
        slowCloseCode: slow.log.closes[0]?.code ?? "none",
        watcherBehindAtDisconnect: watcherBehind,
        slowReceivedBeforeClose: slow.log.receives.filter((r) => r.t <= (slow.log.closes[0]?.t ?? Infinity)).length,
      });
      if (disconnects() === 0) ctx.fail(`the worker never disconnected the slow consumer (${sent} messages blasted)`);
      if (!closed) ctx.fail("the slow consumer's socket did not close once it read again");
    },
    // The blaster sends far faster than a person: no frame limit here (the abuse scenario has one).
    { workerEnv: { FRAME_RATE: "1000000/60s" } },
  );
}
