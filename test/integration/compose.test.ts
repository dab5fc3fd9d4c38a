import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { lbConfigSchema, parseLbConfig } from "../../lb/src/config.ts";
import { configSchema, parseConfig } from "../../worker/src/config.ts";

/** docker-compose.yml checked against the configuration the worker and balancer actually read. */

const ROOT = new URL("../../", import.meta.url);

/** Worker variables that features still to come will read: the completion feature's Ollama client. */
const LATER_WORKER_VARS = ["OLLAMA_HOST", "OLLAMA_MODEL"];

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

  it("sets on workers only variables the worker's config reads (or a later feature will)", () => {
    const known = new Set([...Object.keys(configSchema.in.shape), ...LATER_WORKER_VARS]);
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
