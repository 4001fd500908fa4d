/**
 * Python's `selectors`, emulated over completion-based host I/O.
 *
 * The host (Deno, Node) tells us when an operation has *completed*; asyncio's selector event
 * loop wants to know when a file object is *ready*. The port's socket objects keep one host read
 * in flight and a bounded send buffer, so they can say at any moment whether a non-blocking
 * `recv()`/`send()` would succeed: that is their readiness ({@linkcode Selectable}). This
 * selector asks the registered objects for it; `select(0)` is synchronous, and a blocking
 * `select(timeout)` returns a Promise that settles when an object becomes ready, the timeout
 * passes, or {@linkcode DefaultSelector.wakeup} is called (the loop's self-pipe).
 *
 * @module
 */

import { KeyError, RuntimeError, ValueError } from "./builtins.ts";
import { clear_timer, type HostTimer, MAX_TIMER_MS, set_timer } from "./_host.ts";
import { repr } from "./_repr.ts";

// The result of a poll that found nothing (shared; never mutated).
const NO_EVENTS: [SelectorKey, number][] = [];

/** Readable. */
export const EVENT_READ = 1;
/** Writable. */
export const EVENT_WRITE = 2;

/** An object a selector can watch: it reports its own readiness and tells the selector when it changes. */
export interface Selectable {
  /** A number identifying the object (Python's file descriptor). */
  fileno(): number;
  /** The events (`EVENT_READ | EVENT_WRITE`) for which the object is ready now. */
  _readiness(): number;
  /** Called on registration, so the object can call `selector._notify()` when it becomes ready. */
  _attach_selector?(selector: DefaultSelector | null, events: number): void;
}

/** Python's `SelectorKey` named tuple. */
export interface SelectorKey<D = unknown> {
  /** The registered object. */
  fileobj: Selectable;
  /** Its number. */
  fd: number;
  /** The events watched. */
  events: number;
  /** The data attached at registration. */
  data: D;
}

/**
 * The default selector: a registry of {@linkcode Selectable} objects and the loop's wait.
 *
 * It also counts host operations in flight that will end by waking the loop (for example a
 * Promise awaited through `wrap_promise`): the event loop uses that count to choose how often to
 * yield to the host.
 */
export class DefaultSelector {
  private _map = new Map<number, SelectorKey>();
  private _closed = false;
  private _wake: (() => void) | null = null;
  private _woken = false;
  private _timer: HostTimer | null = null;
  /** Host operations in flight whose completion will wake the loop. */
  _host_pending = 0;

  /** Watches `fileobj` for `events`, with `data` returned in its key. */
  register<D>(fileobj: Selectable, events: number, data?: D): SelectorKey<D> {
    this._check_closed();
    if (!events || (events & ~(EVENT_READ | EVENT_WRITE))) {
      throw new ValueError(`Invalid events: ${repr(events)}`);
    }
    const fd = fileobj.fileno();
    if (this._map.has(fd)) {
      throw new KeyError(`${repr(fileobj)} (FD ${fd}) is already registered`);
    }
    const key: SelectorKey<D> = { fileobj, fd, events, data: data as D };
    this._map.set(fd, key as SelectorKey);
    fileobj._attach_selector?.(this, events);
    return key;
  }

  /** Stops watching `fileobj`; returns its key. */
  unregister(fileobj: Selectable): SelectorKey {
    const fd = fileobj.fileno();
    const key = this._map.get(fd);
    if (key === undefined) throw new KeyError(`${repr(fileobj)} is not registered`);
    this._map.delete(fd);
    key.fileobj._attach_selector?.(null, 0);
    return key;
  }

  /** Changes the events or data watched for `fileobj`. */
  modify<D>(fileobj: Selectable, events: number, data?: D): SelectorKey<D> {
    const fd = fileobj.fileno();
    const key = this._map.get(fd);
    if (key === undefined) throw new KeyError(`${repr(fileobj)} is not registered`);
    if (!events || (events & ~(EVENT_READ | EVENT_WRITE))) {
      throw new ValueError(`Invalid events: ${repr(events)}`);
    }
    const nkey: SelectorKey<D> = { fileobj: key.fileobj, fd, events, data: data as D };
    this._map.set(fd, nkey as SelectorKey);
    key.fileobj._attach_selector?.(this, events);
    return nkey;
  }

  /** The key of a registered object; `KeyError` if it is not registered. */
  get_key(fileobj: Selectable): SelectorKey {
    const key = this._map.get(fileobj.fileno());
    if (key === undefined) throw new KeyError(`${repr(fileobj)} is not registered`);
    return key;
  }

  /** The registered keys by number. */
  get_map(): ReadonlyMap<number, SelectorKey> {
    return this._map;
  }

  /** The ready `[key, events]` pairs now, without waiting. */
  private _poll(): [SelectorKey, number][] {
    if (this._map.size === 0) return NO_EVENTS;
    const ready: [SelectorKey, number][] = [];
    for (const key of this._map.values()) {
      const ev = key.fileobj._readiness() & key.events;
      if (ev) ready.push([key, ev]);
    }
    return ready;
  }

  /**
   * Python's `select(timeout)`. With `timeout <= 0` it answers synchronously. Otherwise (a
   * positive number of seconds, or `null` to wait without limit) it returns a Promise that
   * settles once something is ready, the time is up, or {@linkcode wakeup} was called.
   */
  select(timeout: number | null = null): [SelectorKey, number][] | Promise<[SelectorKey, number][]> {
    this._check_closed();
    const now = this._poll();
    if (now.length > 0 || (timeout !== null && timeout <= 0)) {
      this._woken = false;
      return now;
    }
    if (this._woken) {
      this._woken = false;
      return now;
    }
    return new Promise((resolve) => {
      this._wake = () => {
        this._wake = null;
        this._woken = false;
        if (this._timer !== null) {
          clear_timer(this._timer);
          this._timer = null;
        }
        resolve(this._closed ? [] : this._poll());
      };
      if (timeout !== null) {
        const ms = Math.min(Math.max(Math.ceil(timeout * 1000), 0), MAX_TIMER_MS);
        this._timer = set_timer(ms, () => {
          this._timer = null;
          this._wake?.();
        });
      }
    });
  }

  /** Ends a pending blocking `select()` now (or makes the next one return at once). */
  wakeup(): void {
    if (this._wake !== null) this._wake();
    else this._woken = true;
  }

  /** Called by a registered object whose readiness changed. */
  _notify(): void {
    if (this._wake !== null) this._wake();
  }

  /** Whether a blocking `select()` is pending now. */
  get waiting(): boolean {
    return this._wake !== null;
  }

  /** Closes the selector; a pending `select()` settles with no events and its timer is cleared. */
  close(): void {
    if (this._closed) return;
    this._closed = true;
    if (this._wake !== null) this._wake();
    this._map.clear();
  }

  /** `RuntimeError` once closed. */
  private _check_closed(): void {
    if (this._closed) throw new RuntimeError("Selector is closed");
  }
}
