import { z } from "zod";

/** A comma-separated list; empty or unset is []. */
export const csvList = z
  .string()
  .optional()
  .transform((s) =>
    (s ?? "")
      .split(",")
      .map((x) => x.trim())
      .filter(Boolean),
  );

/** A rate like `120/60s`: at most `max` in any `windowSeconds`. Unset gives the default. */
export const rateField = (max: number, windowSeconds: number) =>
  z
    .string()
    // A 0 s window refills without end (no limit at all), and a bucket cannot honour a max of 0.
    .regex(/^[1-9]\d*\/[1-9]\d*s$/, "must look like 120/60s, both numbers positive")
    .optional()
    .transform((s) => {
      if (!s) return { max, windowSeconds };
      const [m, w] = s.slice(0, -1).split("/");
      return { max: Number(m), windowSeconds: Number(w) };
    });

/** Parses an environment with a schema, or throws one error naming every bad variable. */
export function parseEnv<S extends z.ZodType>(schema: S, env: Record<string, string | undefined>): z.output<S> {
  const result = schema.safeParse(env);
  if (!result.success) {
    throw new Error(`invalid configuration: ${result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  }
  return result.data;
}
