import type { Context } from "hono";
import type { z } from "zod";
import { LIMITS } from "@parley/protocol";
import { invalid, readLimited, tooLarge } from "@parley/common";

/** Explains the first problems zod found, naming the field. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => (i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message))
    .join("; ");
}

/** Parses with a schema, turning failures into a 400 that says what is wrong. */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw invalid(describeIssues(result.error));
  return result.data;
}

/** Reads a JSON body of at most 64 KiB and validates it; every failure is a clear 4xx. */
export async function readJson<S extends z.ZodType>(c: Context, schema: S): Promise<z.output<S>> {
  const type = c.req.header("content-type") ?? "";
  if (!/^application\/json\s*(;|$)/i.test(type)) throw invalid("expected a JSON body with Content-Type: application/json");
  const declared = Number(c.req.header("content-length") ?? "0");
  if (declared > LIMITS.requestBodyBytes) throw tooLarge();
  const text = await readLimited(c.req.raw);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalid("the body is not valid JSON");
  }
  return parseWith(schema, value);
}
