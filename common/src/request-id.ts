/** What a client may send as `X-Request-Id`: 1–128 printable ASCII characters, no spaces. */
export const REQUEST_ID = /^[\x21-\x7e]{1,128}$/;

/** The client's `X-Request-Id` when it is acceptable, else a new UUID: one rule for workers and balancer. */
export function requestIdOf(sent: string | string[] | undefined): string {
  return typeof sent === "string" && REQUEST_ID.test(sent) ? sent : crypto.randomUUID();
}
