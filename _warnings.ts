/**
 * A small stand-in for Python's `warnings.warn`: prints `CATEGORY: message` on stderr once per
 * message (Python's default filter), or hands it to a hook that tests can install.
 *
 * @module
 */

import { getenv, write_stderr } from "./stdlib/_host.ts";

/** A warning as it is reported. */
export interface WarningRecord {
  /** The warning's category (`"DeprecationWarning"`, `"ResourceWarning"`, `"RuntimeWarning"`...). */
  category: string;
  /** The text. */
  message: string;
}

const _seen = new Set<string>();

/** When set, receives every warning (and nothing is printed). */
export const warnings_hook: { hook: ((w: WarningRecord) => void) | null } = { hook: null };

/**
 * Python's development mode (`python -X dev`, or `PYTHONDEVMODE` set to a non-empty value): the
 * environment variable is read once. It turns on asyncio's debug mode and shows ResourceWarnings.
 */
export function _dev_mode(): boolean {
  return _dev ??= Boolean(getenv("PYTHONDEVMODE"));
}
let _dev: boolean | undefined;

/**
 * Python's `warnings.warn(message, category)`. Python's default filters hide ResourceWarning
 * (unclosed loops, transports, stream writers) outside development mode; so does this.
 */
export function _warn(message: string, category = "UserWarning"): void {
  if (warnings_hook.hook) {
    warnings_hook.hook({ category, message });
    return;
  }
  if (category === "ResourceWarning" && !_dev_mode()) return;
  const key = category + ":" + message;
  if (_seen.has(key)) return;
  _seen.add(key);
  write_stderr(`${category}: ${message}\n`);
}
