/**
 * Port of `asyncio/base_futures.py`: future states, `isfuture`, and the repr helpers shared by
 * Future and Task.
 *
 * @module
 */

import { _format_callback_source } from "./format_helpers.ts";
import { repr } from "./stdlib/_repr.ts";
import type { Future } from "./futures.ts";

/** The future is not done. */
export const _PENDING = "PENDING";
/** The future was cancelled. */
export const _CANCELLED = "CANCELLED";
/** The future has a result or an exception. */
export const _FINISHED = "FINISHED";
/** A future's state. */
export type FutureState = typeof _PENDING | typeof _CANCELLED | typeof _FINISHED;

/**
 * True if `obj` is a Future: an instance of the port's `Future`, or any object that declares
 * itself duck-type compatible with a non-null `_asyncio_future_blocking` attribute.
 */
export function isfuture(obj: unknown): obj is Future<unknown> {
  if (obj === null || (typeof obj !== "object" && typeof obj !== "function")) return false;
  const b = (obj as { _asyncio_future_blocking?: unknown })._asyncio_future_blocking;
  return b !== undefined && b !== null;
}

/** Python's `_format_callbacks`: `cb=[...]` of a future's repr. */
export function _format_callbacks(cb: readonly (readonly [unknown, unknown])[]): string {
  const size = cb.length;
  const fmt = (c: unknown) => _format_callback_source(c, []);
  let s = "";
  if (size === 1) s = fmt(cb[0][0]);
  else if (size === 2) s = `${fmt(cb[0][0])}, ${fmt(cb[1][0])}`;
  else if (size > 2) s = `${fmt(cb[0][0])}, <${size - 2} more>, ${fmt(cb[size - 1][0])}`;
  return `cb=[${s}]`;
}

function short_repr(v: unknown): string {
  const r = repr(v);
  return r.length > 30 ? r.slice(0, 13) + "..." + r.slice(r.length - 14) : r;
}

/** Python's `_future_repr_info`. */
export function _future_repr_info(future: Future<unknown>): string[] {
  const info: string[] = [future._state.toLowerCase()];
  if (future._state === _FINISHED) {
    if (future._exception !== null) info.push(`exception=${repr(future._exception)}`);
    else info.push(`result=${short_repr(future._result)}`);
  }
  const cbs = future._callback_list();
  if (cbs.length) info.push(_format_callbacks(cbs));
  if (future._source_traceback && future._source_traceback.length) {
    const frame = future._source_traceback[future._source_traceback.length - 1];
    info.push(`created at ${frame[0]}:${frame[1]}`);
  }
  return info;
}

/** Python's `_future_repr`: `<Future pending cb=[...]>`. */
export function _future_repr(future: Future<unknown>): string {
  return `<${future.constructor.name} ${_future_repr_info(future).join(" ")}>`;
}
