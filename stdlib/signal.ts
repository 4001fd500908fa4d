/**
 * The part of Python's `signal` module asyncio uses: signal numbers and names, and handlers
 * installed through the host.
 *
 * @module
 */

import { SIGNALS } from "./_host.ts";

/** `SIGINT` (Ctrl-C). */
export const SIGINT: number = SIGNALS.SIGINT;
/** `SIGTERM`. */
export const SIGTERM: number = SIGNALS.SIGTERM;
/** `SIGHUP`. */
export const SIGHUP: number = SIGNALS.SIGHUP;
/** `SIGUSR1`. */
export const SIGUSR1: number = SIGNALS.SIGUSR1;
/** `SIGUSR2`. */
export const SIGUSR2: number = SIGNALS.SIGUSR2;
/** `SIGCHLD`. */
export const SIGCHLD: number = SIGNALS.SIGCHLD;
/** `SIGKILL` (cannot be caught). */
export const SIGKILL = 9;
/** `SIGSTOP` (cannot be caught). */
export const SIGSTOP = 19;
/** One past the highest signal number. */
export const NSIG = 65;

const _names = new Map<number, string>(Object.entries(SIGNALS).map(([k, v]) => [v, k]));

/** The name of a signal number the host can listen to (`"SIGINT"`), or `undefined`. */
export function _signal_name(sig: number): string | undefined {
  return _names.get(sig);
}
