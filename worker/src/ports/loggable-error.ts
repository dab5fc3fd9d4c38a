/**
 * What of an error may be written to a log. A failed query's error carries its SQL parameters (drizzle
 * puts them in its message, PostgreSQL's `detail` quotes the offending values): message bodies and
 * password hashes would land in the logs. Such errors are logged by statement and SQLSTATE only.
 */
export interface LoggableError {
  type: string;
  message: string;
  /** SQLSTATE or a Node error code. */
  code?: string;
  /** The query's first words and table, never its parameters. */
  statement?: string;
  constraint?: string;
  stack?: string;
}

interface QueryFailure extends Error {
  query: string;
  params: unknown;
}

const isQueryFailure = (error: Error): error is QueryFailure => typeof (error as Partial<QueryFailure>).query === "string" && "params" in error;

/** `insert into "messages" (…) values ($1, …)` → `insert into messages`: enough to find the call, nothing of its data. */
export function statementName(sql: string): string {
  const words = sql.replace(/["`]/g, "").trim().split(/\s+/);
  const verb = words[0]?.toLowerCase() ?? "";
  const table = words.findIndex((w, i) => i > 0 && /^(from|into|update|join)$/i.test(words[i - 1] ?? "") && /^[\w.]+$/.test(w));
  if (table < 0) return verb;
  const before = words[table - 1]!.toLowerCase();
  return before === verb ? `${verb} ${words[table]}` : `${verb} ${before} ${words[table]}`;
}

/** A log-safe copy of `value` when it is an error (pino's `err` serializer, the workerd console logger); other values unchanged. */
export function loggableError(value: unknown, withStack = true): unknown {
  if (!(value instanceof Error)) return value;
  if (isQueryFailure(value)) {
    // drizzle wraps the driver's error; the driver's own (postgres.js, PGlite) may come unwrapped.
    const cause = (value.cause ?? value) as { code?: unknown; constraint_name?: unknown; constraint?: unknown; message?: unknown; name?: unknown };
    return {
      type: typeof cause.name === "string" ? cause.name : "QueryError",
      // PostgreSQL's message names what failed without values ("duplicate key value violates unique constraint …"),
      // except for data exceptions (SQLSTATE class 22: `invalid input syntax for type integer: "<the value>"`).
      message: typeof cause.message === "string" && !String(cause.code).startsWith("22") ? cause.message : "query failed",
      code: typeof cause.code === "string" ? cause.code : undefined,
      statement: statementName(value.query),
      constraint: [cause.constraint_name, cause.constraint].find((c): c is string => typeof c === "string"),
    } satisfies LoggableError;
  }
  const code = (value as { code?: unknown }).code;
  return {
    type: value.name,
    message: value.message,
    code: typeof code === "string" ? code : undefined,
    stack: withStack ? value.stack : undefined,
  } satisfies LoggableError;
}
