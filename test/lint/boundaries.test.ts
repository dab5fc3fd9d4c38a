import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

const ROOT = new URL("../../", import.meta.url).pathname;
const eslint = new ESLint({ cwd: ROOT });

/** The rule ids ESLint reports for `code` as if it were the file at `path` (relative to the repository). */
async function rulesHit(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${ROOT}${path}` });
  return result!.messages.map((m) => m.ruleId ?? m.message);
}

describe("lint boundaries", () => {
  it.each([
    ["worker/src/rooms/x.ts", 'import Redis from "ioredis";\nexport const r = Redis;\n'],
    ["worker/src/messages/x.ts", 'import { readFileSync } from "node:fs";\nexport const f = readFileSync;\n'],
    ["db/src/x.ts", 'import postgres from "postgres";\nexport const p = postgres;\n'],
    ["protocol/src/x.ts", 'import { serve } from "@hono/node-server";\nexport const s = serve;\n'],
    ["worker/src/realtime/x.ts", 'export const load = () => import("cloudflare:workers");\n'],
    ["worker/src/metrics.ts", 'import { Registry } from "prom-client";\nexport const r = Registry;\n'],
  ])("core file %s may not import a runtime or driver", async (path, code) => {
    expect((await rulesHit(path, code)).filter((rule) => rule.startsWith("no-restricted-"))).toHaveLength(1);
  });

  it.each([
    ["worker/src/node/x.ts", 'import Redis from "ioredis";\nexport const r = Redis;\n'],
    ["worker/src/node/prometheus-metrics.ts", 'import { Registry } from "prom-client";\nexport const r = Registry;\n'],
    ["db/src/node.ts", 'import postgres from "postgres";\nexport const p = postgres;\n'],
    ["worker/src/rooms/x.test.ts", 'import { readFileSync } from "node:fs";\nexport const f = readFileSync;\n'],
  ])("adapter or test %s may", async (path, code) => {
    expect((await rulesHit(path, code)).filter((rule) => rule.startsWith("no-restricted-"))).toEqual([]);
  });

  it("web code outside the transport does not touch the network", async () => {
    expect(await rulesHit("web/src/components/x.tsx", 'export const f = () => fetch("/api/me");\n')).toContain("no-restricted-globals");
    expect(await rulesHit("web/src/transport/x.ts", 'export const f = () => fetch("/api/me");\n')).not.toContain("no-restricted-globals");
  });

  it("web code takes no values from the zod-carrying protocol root (types may stay)", async () => {
    const restricted = async (path: string, code: string) => (await rulesHit(path, code)).filter((rule) => rule.endsWith("no-restricted-imports"));
    for (const [path, code] of [
      ["web/src/state/x.ts", 'import { credentialsSchema } from "@parley/protocol";\nexport const s = credentialsSchema;\n'],
      ["web/src/transport/x.ts", 'import { LIMITS, type User } from "@parley/protocol";\nexport const l: User | number = LIMITS.usernameMax;\n'],
      ["web/src/components/x.tsx", 'import { z } from "zod";\nexport const s = z.string();\n'],
    ])
      expect(await restricted(path!, code!), path).toHaveLength(1);
    for (const [path, code] of [
      ["web/src/state/x.ts", 'import { checkCredentials } from "@parley/protocol/client";\nexport const c = checkCredentials;\n'],
      ["web/src/state/x.ts", 'import type { User } from "@parley/protocol";\nexport type U = User;\n'],
      ["web/src/state/x.test.ts", 'import { credentialsSchema } from "@parley/protocol";\nexport const s = credentialsSchema;\n'],
    ])
      expect(await restricted(path!, code!), path).toEqual([]);
  });
});
