import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkCredentials } from "./credentials.ts";
import { credentialsSchema } from "./http.ts";

/** What the server's schema says of a registration: its issues' sentences, in order. */
function schemaProblems(credentials: { username: string; password: string }): string[] {
  const parsed = credentialsSchema.safeParse(credentials);
  return parsed.success ? [] : parsed.error.issues.map((issue) => issue.message);
}

/**
 * Pieces that sit on every rule's edge: allowed and refused username characters, multi-byte and
 * astral characters, a decomposed "é" (NFC makes it a byte shorter), NUL and lone surrogates.
 */
const PIECES = ["a", "Z", "7", "_", ".", "-", "ab", "passw0rd", " ", "!", "é", "e\u0301", "€", "😀", "\u0000", "\ud800", "\udc00", "\t"];
const text = (maxPieces: number) => fc.array(fc.constantFrom(...PIECES), { maxLength: maxPieces }).map((pieces) => pieces.join(""));
const anyString = fc.string({ unit: "binary", maxLength: 80 });

describe("checkCredentials", () => {
  it("agrees with credentialsSchema on usernames and passwords at the rules' edges", () => {
    fc.assert(
      fc.property(fc.oneof(text(40), anyString), fc.oneof(text(80), anyString), (username, password) => {
        expect(checkCredentials({ username, password })).toEqual(schemaProblems({ username, password }));
      }),
      { numRuns: 5000 },
    );
  });

  it("accepts a good registration and names each problem of a bad one", () => {
    expect(checkCredentials({ username: "ada.l", password: "correct horse battery" })).toEqual([]);
    // 90 bytes as typed, 60 once composed: bytes are counted on the NFC form.
    expect(checkCredentials({ username: "ab", password: "e\u0301".repeat(30) })).toEqual(["username must be 3–32 characters"]);
    expect(checkCredentials({ username: "ada!", password: "é".repeat(37) })).toEqual([
      "username may contain only letters, digits, '_', '.' and '-'",
      "password must be at most 72 bytes (UTF-8)",
    ]);
    expect(checkCredentials({ username: "ada", password: "\ud800 long enough" })).toEqual(["must be valid Unicode text"]);
  });
});
