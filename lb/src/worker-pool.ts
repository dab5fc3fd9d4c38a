import type { Logger } from "@parley/common";
import { HashRing } from "./hash-ring.ts";

export interface HealthSettings {
  intervalMs: number;
  timeoutMs: number;
  /** Consecutive good checks that bring a worker back. */
  rise: number;
  /** Consecutive failed checks that take a worker out. */
  fall: number;
}

/** What the balancer knows about one worker. */
export interface WorkerState {
  url: string;
  healthy: boolean;
  /**
   * Answered its last check at all. A worker whose /readyz says a dependency is down (Redis,
   * PostgreSQL) is out of rotation but alive: its sockets stay open, and it is used when no worker
   * is healthy, since every worker shares the same dependencies and would answer the same.
   */
  alive: boolean;
  /** Checks in a row that got no answer at all. */
  missStreak: number;
  /** Reported draining by its /readyz: no new users, existing ones stay until it closes them. */
  draining: boolean;
  okStreak: number;
  failStreak: number;
  httpInFlight: number;
  webSockets: number;
  routed: number;
  lastError?: string;
  lastChange: string;
}

/**
 * The workers behind the balancer: membership on a consistent-hash ring, active health checks of
 * /readyz (rise/fall), passive failure detection, and the live counts used for bounded loads.
 * New workers start unhealthy and join rotation after `rise` good checks.
 */
export class WorkerPool {
  readonly ring: HashRing;
  private readonly states = new Map<string, WorkerState>();
  private timer?: NodeJS.Timeout;
  private readonly downListeners: Array<(url: string) => void> = [];

  constructor(
    private readonly health: HealthSettings,
    private readonly logger: Logger,
    vnodes?: number,
  ) {
    this.ring = new HashRing(vnodes);
  }

  add(url: string, healthy = false): void {
    const key = normalize(url);
    if (this.states.has(key)) return;
    // One good check brings a new worker in: rise applies to workers coming back from a failure.
    this.states.set(key, {
      url: key,
      healthy,
      alive: healthy,
      missStreak: 0,
      draining: false,
      okStreak: this.health.rise - 1,
      failStreak: 0,
      httpInFlight: 0,
      webSockets: 0,
      routed: 0,
      lastChange: new Date().toISOString(),
    });
    this.ring.add(key);
  }

  remove(url: string): boolean {
    const key = normalize(url);
    if (!this.states.delete(key)) return false;
    this.ring.remove(key);
    this.recount();
    for (const listener of this.downListeners) listener(key);
    return true;
  }

  get(url: string): WorkerState | undefined {
    return this.states.get(normalize(url));
  }

  all(): WorkerState[] {
    return [...this.states.values()];
  }

  /** Workers that may take new users: the healthy ones, or when there are none, the live ones. */
  routable = (url: string): boolean => {
    const state = this.states.get(url);
    if (state === undefined || state.draining) return false;
    return state.healthy || (state.alive && this.healthyCount === 0);
  };

  private healthyCount = 0;

  private recount(): void {
    let n = 0;
    for (const s of this.states.values()) if (s.healthy && !s.draining) n++;
    this.healthyCount = n;
  }

  /** Called with a worker's URL when it leaves rotation: its tunnels are closed so clients reconnect. */
  onDown(listener: (url: string) => void): void {
    this.downListeners.push(listener);
  }

  /**
   * Passive detection: a new connection that cannot be opened (refused, timed out) takes the worker out
   * at once. A reset on a kept-alive connection does not: that is a stale socket, and the health checks
   * find a worker that died.
   */
  markFailed(url: string, error: string): void {
    const state = this.states.get(url);
    if (!state) return;
    state.lastError = error;
    state.okStreak = 0;
    state.failStreak = Math.max(state.failStreak, this.health.fall);
    this.setAlive(state, false);
    this.setHealthy(state, false, error);
  }

  start(): void {
    void this.checkAll();
    this.timer = setInterval(() => void this.checkAll(), this.health.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** One round of active checks. */
  async checkAll(): Promise<void> {
    await Promise.all(this.all().map((state) => this.check(state)));
  }

  private async check(state: WorkerState): Promise<void> {
    let ok = false;
    let answered = false;
    let draining = false;
    let error: string | undefined;
    try {
      const res = await fetch(`${state.url}/readyz`, { signal: AbortSignal.timeout(this.health.timeoutMs) });
      ok = res.ok;
      answered = res.status < 500 || res.status === 503;
      if (!ok) {
        const body = (await res.json().catch(() => ({}))) as { draining?: boolean; error?: { message?: string } };
        draining = body.draining === true;
        error = `readyz ${res.status}${body.error?.message ? `: ${body.error.message}` : ""}`;
      } else await res.body?.cancel();
    } catch (e) {
      error = (e as Error).cause ? String(((e as Error).cause as Error).message ?? (e as Error).cause) : (e as Error).message;
    }
    if (!this.states.has(state.url)) return;
    if (state.draining !== draining) {
      state.draining = draining;
      this.recount();
    }
    // Alive follows the same fall rule as healthy, so one slow answer does not cut sockets.
    state.missStreak = answered ? 0 : state.missStreak + 1;
    if (answered) this.setAlive(state, true);
    else if (state.missStreak >= this.health.fall) this.setAlive(state, false);
    if (ok) {
      state.okStreak++;
      state.failStreak = 0;
      if (!state.healthy && state.okStreak >= this.health.rise) this.setHealthy(state, true);
    } else {
      state.lastError = error;
      state.failStreak++;
      state.okStreak = 0;
      // A draining worker leaves rotation at once; others after `fall` failures in a row.
      if (state.healthy && (draining || state.failStreak >= this.health.fall)) this.setHealthy(state, false, error);
    }
  }

  private setHealthy(state: WorkerState, healthy: boolean, reason?: string) {
    if (state.healthy === healthy) return;
    state.healthy = healthy;
    state.lastChange = new Date().toISOString();
    this.recount();
    this.logger.warn({ worker: state.url, healthy, alive: state.alive, reason }, healthy ? "worker back in rotation" : "worker out of rotation");
    // A draining worker closes its own sockets (1001 with reconnect advice), and a live one keeps
    // serving them; only a dead one's are closed here, so clients reconnect elsewhere.
    if (!healthy && !state.draining && !state.alive) this.closeTunnels(state);
  }

  private setAlive(state: WorkerState, alive: boolean) {
    if (state.alive === alive) return;
    state.alive = alive;
    // Out of rotation while alive (a dependency down), then dead: its sockets must go now.
    if (!alive && !state.healthy && !state.draining) this.closeTunnels(state);
  }

  private closeTunnels(state: WorkerState) {
    for (const listener of this.downListeners) listener(state.url);
  }
}

/** Workers are named by their base URL without a trailing slash. */
export const normalize = (url: string) => url.replace(/\/+$/, "");
