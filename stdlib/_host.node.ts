/**
 * The Node (and Bun) host: the same exports as `_host.ts`, written on Node's APIs. The npm build
 * copies this file over `_host.ts`.
 *
 * @module
 */

import process from "node:process";
import { setImmediate } from "node:timers";

/** Counts of host resources the port holds open now. */
export interface OpenResources {
  /** Host timers armed and not yet fired or cleared. */
  timers: number;
  /** Signal listeners installed. */
  signals: number;
}

const counts: OpenResources = { timers: 0, signals: 0 };

/** The host runtime's name. */
export const runtime: "deno" | "node" | "bun" = "Bun" in globalThis ? "bun" : "node";

/** How many host resources are open now (a copy). */
export function open_resources(): OpenResources {
  return { ...counts };
}

/** Seconds on a monotonic clock (Python's `time.monotonic()`). */
export function monotonic(): number {
  return performance.now() / 1000;
}

/** A host timer handle. */
export type HostTimer = ReturnType<typeof setTimeout>;

/** The longest delay a host timer takes (2^31 - 1 ms); longer waits are split by the caller. */
export const MAX_TIMER_MS = 2147483647;

/** Arms a one-shot host timer; `callback` runs once after `ms` milliseconds unless cleared. */
export function set_timer(ms: number, callback: () => void): HostTimer {
  counts.timers++;
  return setTimeout(() => {
    counts.timers--;
    callback();
  }, ms);
}

/** Clears a timer armed by {@linkcode set_timer} that has not fired yet. */
export function clear_timer(t: HostTimer): void {
  counts.timers--;
  clearTimeout(t);
}

/** Resolves after the host had a chance to run its own work (`setImmediate`). */
export function hop(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}

/** Signal numbers, as Python's `signal` module has them on Linux. */
export const SIGNALS: Readonly<Record<string, number>> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGUSR1: 10,
  SIGUSR2: 12,
  SIGPIPE: 13,
  SIGALRM: 14,
  SIGTERM: 15,
  SIGCHLD: 17,
  SIGCONT: 18,
  SIGWINCH: 28,
};

const _listeners = new Map<string, Set<() => void>>();

/**
 * Calls the listeners installed for the signal `name`, as if it had arrived, without sending it
 * (Python's `_thread.interrupt_main()` for SIGINT). Returns whether any listener was called.
 */
export function simulate_signal(name: string): boolean {
  const set = _listeners.get(name);
  if (!set || set.size === 0) return false;
  for (const fn of [...set]) fn();
  return true;
}

/** Installs a listener for the signal `name` (e.g. `"SIGINT"`). */
export function add_signal_listener(name: string, fn: () => void): void {
  process.on(name as NodeJS.Signals, fn);
  counts.signals++;
  let set = _listeners.get(name);
  if (set === undefined) _listeners.set(name, set = new Set());
  set.add(fn);
}

/** Removes a listener installed by {@linkcode add_signal_listener}. */
export function remove_signal_listener(name: string, fn: () => void): void {
  process.off(name as NodeJS.Signals, fn);
  counts.signals--;
  _listeners.get(name)?.delete(fn);
}

/** An environment variable, or `undefined`. */
export function getenv(name: string): string | undefined {
  return process.env[name];
}

/** Writes text to stderr. */
export function write_stderr(text: string): void {
  process.stderr.write(text);
}
