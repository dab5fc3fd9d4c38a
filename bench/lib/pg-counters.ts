/**
 * PostgreSQL work done for one bench database between two readings: commits and rows from
 * pg_stat_database, CPU of that database's backends from /proc, and WAL. The WAL is shared by every
 * database of the server (other tests write into it at the same time), so besides the raw LSN
 * distance the WAL records are read back with pg_walinspect and only those touching this
 * database's relations, plus the commit records of the transactions that wrote them, are counted.
 */
import { existsSync } from "node:fs";
import postgres from "postgres";
import { ADMIN_DATABASE_URL } from "../../test/support/services.ts";
import { cpuSeconds } from "../baselines/server-process.ts";

export interface PgCounters {
  commits: number;
  inserted: number;
  updated: number;
  lsn: string;
  /** CPU seconds so far of each backend connected to the database, by pid. */
  backendCpu: Map<number, number>;
}

export interface PgDelta {
  commits: number;
  inserted: number;
  updated: number;
  backendCpuSeconds: number;
  /** WAL bytes written by every database in the window, and by this one (NaN without pg_walinspect or when the window was too large to read back). */
  walBytesAll: number;
  walBytesOurs: number;
}

/** Beyond this much WAL in one window reading the records back would take longer than the run. */
const MAX_INSPECTED_WAL = 512 * 2 ** 20;
/**
 * A backend that goes idle within a second of its last statistics flush flushes again only 10 s
 * later (PostgreSQL 15's PGSTAT_IDLE_INTERVAL): a reading waits this long after activity.
 */
export const PG_STATS_DELAY_MS = 11_000;

/** Reads counters of the database at `databaseUrl` (whose name must be unique to the bench). */
export async function openPgCounters(databaseUrl: string) {
  const name = new URL(databaseUrl).pathname.slice(1);
  const admin = postgres(ADMIN_DATABASE_URL, { max: 1, onnotice: () => {} });
  const own = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  // pg_walinspect needs a superuser (or pg_read_server_files); without it only the raw LSN distance is known.
  const inspect = await own`create extension if not exists pg_walinspect`.then(
    () => true,
    () => false,
  );
  const [{ oid }] = await admin<[{ oid: number }]>`select oid::int from pg_database where datname = ${name}`;
  const ownPid = (await own<[{ pid: number }]>`select pg_backend_pid() as pid`)[0].pid;

  const read = async (): Promise<PgCounters> => {
    const [stats] = await admin<[{ commits: string; inserted: string; updated: string; lsn: string }]>`
      select xact_commit as commits, tup_inserted as inserted, tup_updated as updated, pg_current_wal_flush_lsn()::text as lsn
      from pg_stat_database where datname = ${name}`;
    const pids = await admin<Array<{ pid: number }>>`select pid from pg_stat_activity where datname = ${name} and pid <> ${ownPid}`;
    const backendCpu = new Map(pids.filter(({ pid }) => existsSync(`/proc/${pid}`)).map(({ pid }) => [pid, cpuSeconds(pid)]));
    return { commits: Number(stats.commits), inserted: Number(stats.inserted), updated: Number(stats.updated), lsn: stats.lsn, backendCpu };
  };

  const delta = async (before: PgCounters, after: PgCounters): Promise<PgDelta> => {
    const [{ all }] = await own<[{ all: string }]>`select pg_wal_lsn_diff(${after.lsn}::pg_lsn, ${before.lsn}::pg_lsn)::bigint as all`;
    let ours = NaN;
    if (inspect && Number(all) <= MAX_INSPECTED_WAL) {
      const rel = `rel \\d+/${oid}/`;
      const [row] = await own<[{ bytes: string }]>`
        with r as (select xid::text as xid, resource_manager, record_length, block_ref from pg_get_wal_records_info(${before.lsn}::pg_lsn, ${after.lsn}::pg_lsn)),
        mine as (select distinct xid from r where block_ref ~ ${rel} and xid <> '0')
        select coalesce(sum(record_length), 0)::bigint as bytes from r
        where block_ref ~ ${rel} or (resource_manager = 'Transaction' and xid in (select xid from mine))`;
      ours = Number(row.bytes);
    }
    // A backend that ended in between is missed; one that started in between counts from its start.
    let cpu = 0;
    for (const [pid, seconds] of after.backendCpu) cpu += seconds - (before.backendCpu.get(pid) ?? 0);
    return {
      commits: after.commits - before.commits,
      inserted: after.inserted - before.inserted,
      updated: after.updated - before.updated,
      backendCpuSeconds: cpu,
      walBytesAll: Number(all),
      walBytesOurs: ours,
    };
  };

  return {
    read,
    delta,
    /** Reads once `inserted` rows more than `before` show in the statistics, or after PG_STATS_DELAY_MS. */
    async readAfter(before: PgCounters, inserted: number): Promise<PgCounters> {
      const deadline = performance.now() + PG_STATS_DELAY_MS;
      for (;;) {
        const now = await read();
        if (now.inserted - before.inserted >= inserted || performance.now() > deadline) return now;
        await new Promise((r) => setTimeout(r, 250));
      }
    },
    /** Messages stored in one room. */
    async messages(roomId: string): Promise<number> {
      const [{ n }] = await own<[{ n: number }]>`select count(*)::int as n from messages where room_id = ${roomId}`;
      return n;
    },
    async close() {
      await Promise.all([admin.end(), own.end()]);
    },
  };
}

export type PgCounterReader = Awaited<ReturnType<typeof openPgCounters>>;
