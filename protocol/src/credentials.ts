/**
 * The rules for a username and a password, without zod: the web UI checks a registration with
 * them before it asks the server, and credentialsSchema (http.ts) is built from the same rules,
 * so the two cannot drift apart.
 */
import { LIMITS, USERNAME_PATTERN } from "./limits.ts";
import { nfc } from "./text-rules.ts";

/** One check on a string and the sentence a client shows when it fails. */
export interface TextRule {
  ok: (text: string) => boolean;
  message: string;
}

const utf8 = new TextEncoder();
/** UTF-8 bytes: what bcrypt counts (and cuts at 72). */
export const byteLength = (text: string) => utf8.encode(text).length;

/** Text PostgreSQL can store byte for byte must be well-formed UTF-16 (no lone surrogate). */
export const STORABLE_RULE: TextRule = { ok: (text) => text.isWellFormed(), message: "must be valid Unicode text" };

const USERNAME_LENGTH = `username must be ${LIMITS.usernameMin}–${LIMITS.usernameMax} characters`;

/** A username's rules, in the order they are reported. */
export const USERNAME_RULES: readonly TextRule[] = [
  { ok: (name) => name.length >= LIMITS.usernameMin, message: USERNAME_LENGTH },
  { ok: (name) => name.length <= LIMITS.usernameMax, message: USERNAME_LENGTH },
  { ok: (name) => USERNAME_PATTERN.test(name), message: "username may contain only letters, digits, '_', '.' and '-'" },
];

/** A password's rules, on its NFC form (after STORABLE_RULE held), in the order they are reported. */
export const PASSWORD_RULES: readonly TextRule[] = [
  { ok: (password) => byteLength(password) >= LIMITS.passwordMinBytes, message: `password must be at least ${LIMITS.passwordMinBytes} bytes` },
  { ok: (password) => byteLength(password) <= LIMITS.passwordMaxBytes, message: `password must be at most ${LIMITS.passwordMaxBytes} bytes (UTF-8)` },
  { ok: (password) => !password.includes("\u0000"), message: "password must not contain NUL" },
];

const broken = (rules: readonly TextRule[], text: string) => rules.filter((rule) => !rule.ok(text)).map((rule) => rule.message);

/**
 * What is wrong with a registration's username and password, in the order and words of
 * credentialsSchema's issues; empty when the server's schema would accept them.
 */
export function checkCredentials({ username, password }: { username: string; password: string }): string[] {
  const passwordProblems = STORABLE_RULE.ok(password) ? broken(PASSWORD_RULES, nfc(password)) : [STORABLE_RULE.message];
  return [...broken(USERNAME_RULES, username), ...passwordProblems];
}
