import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { lbConfigSchema, parseLbConfig } from "../../lb/src/config.ts";
import { configSchema, parseConfig } from "../../worker/src/config.ts";

/** docker-compose.yml checked against the configuration the worker and balancer actually read. */

const ROOT = new URL("../../", import.meta.url);

interface Service {
  image?: string;
  build?: unknown;
  command?: string[] | string;
  environment?: Record<string, string | number | null> | string[];
  ports?: Array<string | { published: number | string; target: number | string }>;
  healthcheck?: { test: string[] | string };
  depends_on?: Record<string, { condition: string }>;
  networks?: Record<string, { ipv4_address?: string } | null>;
}

const compose = parse(readFileSync(new URL("docker-compose.yml", ROOT), "utf8"), { merge: true }) as {
  services: Record<string, Service>;
  networks?: { default?: { ipam?: { config?: Array<{ subnet?: string }> } } };
};
const services = compose.services;
const workerNames = Object.keys(services).filter((name) => /^worker-\d+$/.test(name));

/** A service's environment as set in the file; a variable with no value (taken from the shell) is null. */
function envOf(service: Service): Record<string, string | null> {
  const entries = Array.isArray(service.environment)
    ? service.environment.map((line) => (line.includes("=") ? [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)] : [line, null]))
    : Object.entries(service.environment ?? {}).map(([k, v]) => [k, v === null ? null : String(v)]);
  return Object.fromEntries(entries) as Record<string, string | null>;
}

/** The environment a process would see, with a stand-in for the required `${JWT_SECRET:?…}`. */
function resolved(env: Record<string, string | null>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== null) out[k] = v.replace(/\$\{JWT_SECRET:\?[^}]*\}/, "s".repeat(48));
  return out;
}

const healthcheckOf = (service: Service) => [service.healthcheck?.test ?? []].flat().join(" ");
const ipv4 = (a: string) => a.split(".").reduce((n, octet) => n * 256 + Number(octet), 0);
const inSubnet = (address: string, cidr: string) => {
  const [base, bits] = cidr.split("/");
  const size = 2 ** (32 - Number(bits));
  return Math.floor(ipv4(address) / size) === Math.floor(ipv4(base!) / size);
};

describe("docker-compose.yml", () => {
  it("runs PostgreSQL 16, Redis 7, Ollama, three workers and the balancer", () => {
    expect(services.postgres?.image).toMatch(/^postgres:16(\.|-|$)/);
    expect(services.redis?.image).toMatch(/^redis:7(\.|-|$)/);
    expect(services.ollama?.image).toMatch(/^ollama\/ollama(:|$)/);
    expect(services.ollama?.ports).toContain("11434:11434");
    expect(workerNames).toEqual(["worker-1", "worker-2", "worker-3"]);
    expect(services.lb).toBeDefined();
    for (const name of [...workerNames, "lb"]) expect(services[name]!.build, name).toBe(".");
    expect([services.lb!.command].flat().join(" ")).toContain("lb/src/entry/node.ts");
    expect(existsSync(new URL("lb/src/entry/node.ts", ROOT))).toBe(true);
  });

  it("sets on workers only variables the worker's config reads", () => {
    const known = new Set(Object.keys(configSchema.in.shape));
    for (const name of workerNames) {
      const env = envOf(services[name]!);
      for (const key of Object.keys(env)) expect(known.has(key), `${name}: ${key}`).toBe(true);
      expect(() => parseConfig(resolved(env)), name).not.toThrow();
      expect(env).toMatchObject({ NODE_ENV: "production", HOST: "0.0.0.0", WORKER_ID: name, OLLAMA_HOST: "http://ollama:11434" });
      expect(env.DATABASE_URL).toMatch(/^postgres:\/\/.+@postgres:5432\//);
      expect(env.REDIS_URL).toBe("redis://redis:6379");
    }
  });

  it("sets on the balancer only variables its config reads, with valid values", () => {
    const env = envOf(services.lb!);
    const known = new Set(Object.keys(lbConfigSchema.in.shape));
    for (const key of Object.keys(env)) expect(known.has(key), `lb: ${key}`).toBe(true);
    expect(() => parseLbConfig(resolved(env))).not.toThrow();
    expect(env.REDIS_URL).toBe("redis://redis:6379");
  });

  it("lists exactly the workers in LB_WORKERS, at the port each one serves", () => {
    const workers = parseLbConfig(resolved(envOf(services.lb!))).workers;
    const expected = workerNames.map((name) => `http://${name}:${parseConfig(resolved(envOf(services[name]!))).port}`);
    expect([...workers].sort()).toEqual(expected.sort());
  });

  it("publishes the balancer on 8080 and health-checks /readyz and /healthz on the ports served", () => {
    const lbPort = parseLbConfig(resolved(envOf(services.lb!))).port;
    expect(services.lb!.ports).toContain(`8080:${lbPort}`);
    expect(healthcheckOf(services.lb!)).toContain(`http://127.0.0.1:${lbPort}/healthz`);
    for (const name of workerNames) {
      const port = parseConfig(resolved(envOf(services[name]!))).port;
      expect(healthcheckOf(services[name]!), name).toContain(`http://127.0.0.1:${port}/readyz`);
      expect(services.lb!.depends_on?.[name]?.condition, name).toBe("service_healthy");
    }
  });

  it("requires one JWT_SECRET, the same for every worker and the balancer", () => {
    const secrets = [...workerNames, "lb"].map((name) => envOf(services[name]!).JWT_SECRET);
    expect(secrets[0]).toMatch(/^\$\{JWT_SECRET:\?.+\}$/);
    expect(new Set(secrets).size).toBe(1);
  });

  it("trusts X-Forwarded-For only from the balancer's fixed address", () => {
    const address = services.lb!.networks?.default?.ipv4_address;
    expect(address).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    const subnet = compose.networks?.default?.ipam?.config?.[0]?.subnet;
    expect(inSubnet(address!, subnet ?? "")).toBe(true);
    for (const name of workerNames) expect(envOf(services[name]!).TRUSTED_PROXIES, name).toBe(address);
  });
});

/** The Dockerfile's instructions, continuation lines joined, split into stages at each FROM. */
function dockerStages(): Array<{ from: string; lines: Array<[string, string]> }> {
  const text = readFileSync(new URL("Dockerfile", ROOT), "utf8").replace(/\\\n/g, " ");
  const stages: Array<{ from: string; lines: Array<[string, string]> }> = [];
  for (const line of text.split("\n").map((l) => l.trim())) {
    if (!line || line.startsWith("#")) continue;
    const [, instruction = "", rest = ""] = line.match(/^(\w+)\s+(.*)$/) ?? [];
    if (instruction.toUpperCase() === "FROM") stages.push({ from: rest, lines: [] });
    else stages.at(-1)?.lines.push([instruction.toUpperCase(), rest]);
  }
  return stages;
}

describe("Dockerfile", () => {
  const stages = dockerStages();
  const final = stages.at(-1)!;
  const all = (name: string) => final.lines.filter(([i]) => i === name).map(([, rest]) => rest);

  it("builds the web UI in a build stage and copies only web/dist from it", () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const build = stages.find((s) => / AS build$/i.test(s.from))!;
    expect(build.lines.some(([i, rest]) => i === "RUN" && /npm ci\b(?!.*--omit)/.test(rest))).toBe(true);
    expect(build.lines.some(([i, rest]) => i === "RUN" && rest.includes("npm run build"))).toBe(true);
    expect(all("COPY")).toContain("--from=build /app/web/dist web/dist");
  });

  it("ends on node:24-bookworm-slim with production dependencies only and no second Node", () => {
    expect(final.from).toBe("node:24-bookworm-slim");
    const install = all("RUN").find((rest) => rest.includes("npm ci"))!;
    expect(install).toContain("--omit=dev");
    // The `node` package would put a second Node 24 (about 120 MB) beside the image's own.
    expect(install).toMatch(/rm -rf [^&]*node_modules\/node(\s|$)/);
    expect(install).toMatch(/rm -rf [^&]*node_modules\/\.bin\/node(\s|$)/);
    expect(all("ENV").join(" ")).toContain("NODE_ENV=production");
  });

  it("runs one node process as the unprivileged node user, health-checked on /healthz", () => {
    const users = final.lines.filter(([i]) => i === "USER");
    expect(users.at(-1)?.[1]).toBe("node");
    const cmd = JSON.parse(all("CMD").at(-1)!) as string[];
    expect(cmd.slice(0, 3)).toEqual(["node", "--import", "tsx"]);
    expect(existsSync(new URL(cmd[3]!, ROOT))).toBe(true);
    const healthcheck = all("HEALTHCHECK").at(-1)!;
    expect(healthcheck).toMatch(/CMD \["node", "-e", ".*fetch\(.*\/healthz/);
    expect(healthcheck).toContain("process.env.PORT");
  });

  it("keeps secrets, local state and build output out of the build context", () => {
    const ignored = readFileSync(new URL(".dockerignore", ROOT), "utf8")
      .split("\n")
      .map((l) => l.trim());
    for (const entry of [".env", ".dev.vars", "data", "node_modules", "test-results", ".wrangler", "bench/results", ".git", "coverage", "web/dist"]) {
      expect(ignored, entry).toContain(entry);
    }
  });
});
