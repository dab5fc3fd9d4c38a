import { and, eq, isNull, lt, lte, or } from "drizzle-orm";
import { idempotencyKeys } from "./schema/index.ts";
import type { Database } from "./store.ts";

/** A request claiming an idempotency key: who, which key, and what the request was. */
export interface IdempotencyClaim {
  scope: string;
  key: string;
  method: string;
  path: string;
  bodyHash: string;
  createdAt: Date;
  expiresAt: Date;
}

/** A key already held: by a request still running (`response` null) or with its stored answer. */
export interface IdempotencyRecord {
  method: string;
  path: string;
  bodyHash: string;
  response: { status: number; body: string } | null;
  createdAt: Date;
}

/** The idempotency-key part of the Store. */
export interface IdempotencyStore {
  /**
   * Claims a key for a request; null when claimed (run the request, then complete or release it),
   * else the record that holds it. An expired record, or a running one started before
   * `staleBefore` (its worker died), is taken over.
   */
  claimIdempotencyKey(claim: IdempotencyClaim, staleBefore: Date): Promise<IdempotencyRecord | null>;
  /** Stores the answer of a claimed key. */
  completeIdempotencyKey(scope: string, key: string, response: { status: number; body: string }): Promise<void>;
  /** Gives a claimed key up without an answer (the request failed): a retry runs again. */
  releaseIdempotencyKey(scope: string, key: string): Promise<void>;
  /** Deletes records that expired by `now`; how many. */
  deleteExpiredIdempotencyKeys(now: Date): Promise<number>;
}

const recordColumns = {
  method: idempotencyKeys.method,
  path: idempotencyKeys.path,
  bodyHash: idempotencyKeys.bodyHash,
  status: idempotencyKeys.status,
  response: idempotencyKeys.response,
  createdAt: idempotencyKeys.createdAt,
};

const whereKey = (scope: string, key: string) => and(eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.key, key));

/** The IdempotencyStore on a drizzle PostgreSQL database. */
export function idempotencyStore(db: Database): IdempotencyStore {
  return {
    async claimIdempotencyKey(claim, staleBefore) {
      // One statement: insert, or take over an expired or abandoned row; a live row is left alone.
      const taken = await db
        .insert(idempotencyKeys)
        .values({ ...claim, status: null, response: null })
        .onConflictDoUpdate({
          target: [idempotencyKeys.scope, idempotencyKeys.key],
          set: {
            method: claim.method,
            path: claim.path,
            bodyHash: claim.bodyHash,
            status: null,
            response: null,
            createdAt: claim.createdAt,
            expiresAt: claim.expiresAt,
          },
          setWhere: or(lte(idempotencyKeys.expiresAt, claim.createdAt), and(isNull(idempotencyKeys.status), lt(idempotencyKeys.createdAt, staleBefore))),
        })
        .returning({ key: idempotencyKeys.key });
      if (taken.length > 0) return null;
      const [row] = await db.select(recordColumns).from(idempotencyKeys).where(whereKey(claim.scope, claim.key));
      // Deleted between the two statements (released or swept): treat it as still held, the client retries.
      if (!row) return { method: claim.method, path: claim.path, bodyHash: claim.bodyHash, response: null, createdAt: claim.createdAt };
      const { status, response, ...rest } = row;
      return { ...rest, response: status === null || response === null ? null : { status, body: response } };
    },

    async completeIdempotencyKey(scope, key, response) {
      await db.update(idempotencyKeys).set({ status: response.status, response: response.body }).where(whereKey(scope, key));
    },

    async releaseIdempotencyKey(scope, key) {
      await db.delete(idempotencyKeys).where(and(whereKey(scope, key), isNull(idempotencyKeys.status)));
    },

    async deleteExpiredIdempotencyKeys(now) {
      const gone = await db.delete(idempotencyKeys).where(lte(idempotencyKeys.expiresAt, now)).returning({ key: idempotencyKeys.key });
      return gone.length;
    },
  };
}
