import { sql, type SQL } from "drizzle-orm";
import type { SearchQuery, SearchResult } from "@parley/protocol";
import { rowsOf } from "./message-inserts.ts";
import { MESSAGE_FIELDS, messageOf } from "./room-events-store.ts";
import { MATCH_START, MATCH_STOP, matchRanges, snippetOf } from "./search-snippet.ts";
import { memberships, messages, rooms, users } from "./schema/index.ts";
import type { Database } from "./store.ts";

/** What to search: the parsed query, and optionally one room (by id, checked by the caller). */
export interface SearchRequest {
  query: SearchQuery;
  roomId?: string;
}

/** Where a page ends: the last result's exact time (microseconds, as text), room and seq. */
interface SearchCursor {
  at: string;
  roomId: string;
  seq: number;
}

export interface SearchStore {
  /**
   * The messages `userId` may read that match, newest first: every word and phrase in the current
   * body (a deleted message never matches), with a highlighted snippet. `cursor` is the `next` of
   * the page before; a cursor that is not one answers null.
   */
  search(userId: string, request: SearchRequest, page: { cursor?: string; limit: number }): Promise<{ results: SearchResult[]; next: string | null } | null>;
}

/**
 * The rooms whose messages a user may read: the one place that says so, for search. Today the
 * rooms they are a member of.
 */
export const readableRooms = (userId: string): SQL => sql`select ${memberships.roomId} from ${memberships} where ${memberships.userId} = ${userId}::uuid`;

/** Text as the index reads a body (migration 0008): `<`, `>` and `&` as spaces, so no word hides in a "tag". */
const searchedText = (text: SQL) => sql`translate(${text}, '<>&', '   ')`;

/**
 * The query as a tsquery: each word through plainto_tsquery and each phrase through
 * phraseto_tsquery, all joined with AND. The text is bound as parameters, so nothing a user types
 * is read as tsquery syntax.
 */
function tsquery({ words, phrases }: SearchQuery): SQL {
  const parts = [
    ...words.map((w) => sql`plainto_tsquery('simple', ${searchedText(sql`${w}::text`)})`),
    ...phrases.map((p) => sql`phraseto_tsquery('simple', ${searchedText(sql`${p}::text`)})`),
  ];
  return sql.join(parts, sql` && `);
}

/** Base64url of the JSON (ASCII only: a time, a uuid and a number). */
const encodeCursor = (c: SearchCursor) => btoa(JSON.stringify(c)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const AT = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;

function decodeCursor(text: string): SearchCursor | null {
  try {
    const c = JSON.parse(atob(text.replace(/-/g, "+").replace(/_/g, "/"))) as Partial<SearchCursor>;
    const valid = typeof c.at === "string" && AT.test(c.at) && typeof c.roomId === "string" && UUID.test(c.roomId) && Number.isSafeInteger(c.seq);
    return valid ? { at: c.at!, roomId: c.roomId!, seq: c.seq! } : null;
  } catch {
    return null;
  }
}

/** The whole body with every match marked (matchRanges reads it); the snippet is cut from the body itself. */
const HEADLINE = `HighlightAll=true, StartSel=${MATCH_START}, StopSel=${MATCH_STOP}`;

/** Searching messages (see SearchStore). */
export function searchMethods(db: Database): SearchStore {
  return {
    async search(userId, { query, roomId }, { cursor, limit }) {
      const after = cursor === undefined ? undefined : decodeCursor(cursor);
      if (after === null) return null;
      const q = tsquery(query);
      const filters: SQL[] = [
        sql`m.room_id in (${readableRooms(userId)})`,
        sql`m.deleted_at is null`,
        sql`to_tsvector('simple', ${searchedText(sql`m.body`)}) @@ (${q})`,
      ];
      if (roomId) filters.push(sql`m.room_id = ${roomId}::uuid`);
      if (query.in) filters.push(sql`m.room_id in (select ${rooms.id} from ${rooms} where ${rooms.nameKey} = ${query.in.toLowerCase()})`);
      if (query.from) filters.push(sql`u.username_key = ${query.from.toLowerCase()}`);
      // Dates are UTC days: before the day begins, after it ends.
      if (query.before) filters.push(sql`m.created_at < ${query.before}::date::timestamp at time zone 'UTC'`);
      if (query.after) filters.push(sql`m.created_at >= (${query.after}::date + 1)::timestamp at time zone 'UTC'`);
      if (after) filters.push(sql`(m.created_at, m.room_id, m.seq) < (${after.at}::timestamptz, ${after.roomId}::uuid, ${after.seq})`);
      // The headline is made in the outer query, for the page's rows only: it reads the whole body.
      // 'simple' is a literal, as in the index expression, or the planner would not match the two.
      const rows = rowsOf<Record<string, unknown>>(
        await db.execute(sql`
          select page.*, r.name as room_name, ts_headline('simple', ${searchedText(sql`page.body`)}, (${q}), ${HEADLINE}) as headline
          from (
            select ${MESSAGE_FIELDS}, to_char(m.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as cursor_at
            from ${messages} m join ${users} u on u.id = m.user_id
            where ${sql.join(filters, sql` and `)}
            order by m.created_at desc, m.room_id desc, m.seq desc
            limit ${limit + 1}
          ) page
          join ${rooms} r on r.id = page.room_id
          order by page.created_at desc, page.room_id desc, page.seq desc`),
      );
      const results = rows.slice(0, limit).map((r) => ({
        message: messageOf(r),
        room: { id: r.room_id as string, name: r.room_name as string },
        snippet: snippetOf(r.body as string, matchRanges(r.headline as string)),
      }));
      const last = rows.length > limit ? rows[limit - 1] : undefined;
      return { results, next: last ? encodeCursor({ at: last.cursor_at as string, roomId: last.room_id as string, seq: Number(last.seq) }) : null };
    },
  };
}
