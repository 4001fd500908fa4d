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

import { errno, KeyError, OSError, RuntimeError, ValueError } from "./builtins.ts";
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
  /** A number identifying the object (Python's file descriptor); -1 once closed. */
  fileno(): number;
  /** The events (`EVENT_READ | EVENT_WRITE`) for which the object is ready now. */
  _readiness(): number;
  /** Called on registration, so the object can call `selector._notify()` when it becomes ready. */
  _attach_selector?(selector: DefaultSelector | null, events: number): void;
}

/** What a selector watches: a {@linkcode Selectable}, or the number of one that is open. */
export type FileObj = Selectable | number;

/**
 * The open {@linkcode Selectable} objects by number: the emulated process's file descriptor
 * table (`stdlib/socket.ts` enters its sockets here), so that, as in Python, a selector or
 * `loop.add_reader()` accepts either the object or its number.
 */
export const _fd_table: Map<number, Selectable> = new Map();

let _next_fd = 3;

/** A fresh file descriptor number (0-2 are the standard streams). */
export function _alloc_fd(): number {
  return _next_fd++;
}

/** Python's `SelectorKey` named tuple. */
export interface SelectorKey<D = unknown> {
  /** The registered object, as given (an object or a number). */
  fileobj: FileObj;
  /** Its number. */
  fd: number;
  /** The events watched. */
  events: number;
  /** The data attached at registration. */
  data: D;
  /** @internal The object that reports readiness. */
  _obj: Selectable;
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
  // The numbers of the registered objects that may be ready (see _poll).
  private _candidates = new Set<number>();
  /** Host operations in flight whose completion will wake the loop: the registered objects. */
  _host_pending = 0;
  /** How many times a registered object reported a change (the loop's measure of I/O activity). */
  _notified = 0;

  /** The number of `fileobj` (Python's `_fileobj_lookup`): also finds a closed registered object. */
  private _fileobj_lookup(fileobj: FileObj): number {
    if (typeof fileobj === "number") {
      if (!Number.isInteger(fileobj) || fileobj < 0) {
        throw new ValueError(`Invalid file descriptor: ${fileobj}`);
      }
      return fileobj;
    }
    const fd = fileobj.fileno();
    if (fd >= 0) return fd;
    for (const key of this._map.values()) {
      if (key.fileobj === fileobj || key._obj === fileobj) return key.fd;
    }
    throw new ValueError(`Invalid file descriptor: ${fd}`);
  }

  /** Watches `fileobj` for `events`, with `data` returned in its key. */
  register<D>(fileobj: FileObj, events: number, data?: D): SelectorKey<D> {
    this._check_closed();
    if (!events || (events & ~(EVENT_READ | EVENT_WRITE))) {
      throw new ValueError(`Invalid events: ${repr(events)}`);
    }
    const fd = this._fileobj_lookup(fileobj);
    if (this._map.has(fd)) {
      throw new KeyError(`${repr(fileobj)} (FD ${fd}) is already registered`);
    }
    const obj = typeof fileobj === "number" ? _fd_table.get(fd) : fileobj;
    if (obj === undefined) throw new OSError(errno.EBADF, "Bad file descriptor");
    const key: SelectorKey<D> = { fileobj, fd, events, data: data as D, _obj: obj };
    this._map.set(fd, key as SelectorKey);
    this._host_pending = this._map.size;
    this._candidates.add(fd);
    obj._attach_selector?.(this, events);
    return key;
  }

  /** Stops watching `fileobj`; returns its key. */
  unregister(fileobj: FileObj): SelectorKey {
    const fd = this._fileobj_lookup(fileobj);
    const key = this._map.get(fd);
    if (key === undefined) throw new KeyError(`${repr(fileobj)} is not registered`);
    this._map.delete(fd);
    this._host_pending = this._map.size;
    this._candidates.delete(fd);
    key._obj._attach_selector?.(null, 0);
    return key;
  }

  /** Changes the events or data watched for `fileobj`. */
  modify<D>(fileobj: FileObj, events: number, data?: D): SelectorKey<D> {
    const fd = this._fileobj_lookup(fileobj);
    const key = this._map.get(fd);
    if (key === undefined) throw new KeyError(`${repr(fileobj)} is not registered`);
    if (!events || (events & ~(EVENT_READ | EVENT_WRITE))) {
      throw new ValueError(`Invalid events: ${repr(events)}`);
    }
    const nkey: SelectorKey<D> = { fileobj: key.fileobj, fd, events, data: data as D, _obj: key._obj };
    this._map.set(fd, nkey as SelectorKey);
    this._candidates.add(fd);
    key._obj._attach_selector?.(this, events);
    return nkey;
  }

  /** The key of a registered object; `KeyError` if it is not registered. */
  get_key(fileobj: FileObj): SelectorKey {
    const key = this._map.get(this._fileobj_lookup(fileobj));
    if (key === undefined) throw new KeyError(`${repr(fileobj)} is not registered`);
    return key;
  }

  /** The registered keys by number. */
  get_map(): ReadonlyMap<number, SelectorKey> {
    return this._map;
  }

  /**
   * The ready `[key, events]` pairs now, without waiting. Readiness is level-triggered, but only
   * the objects that reported a change since they were last found idle are asked (so a poll costs
   * what is ready, not what is registered).
   */
  private _poll(): [SelectorKey, number][] {
    const cand = this._candidates;
    if (cand.size === 0) return NO_EVENTS;
    const ready: [SelectorKey, number][] = [];
    for (const fd of cand) {
      const key = this._map.get(fd);
      const ev = key === undefined ? 0 : key._obj._readiness() & key.events;
      if (ev) ready.push([key!, ev]);
      else cand.delete(fd);
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

  /** Called by a registered object whose readiness changed (may have become ready). */
  _notify(fd: number): void {
    this._notified++;
    this._candidates.add(fd);
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
    this._candidates.clear();
    this._host_pending = 0;
  }

  /** `RuntimeError` once closed. */
  private _check_closed(): void {
    if (this._closed) throw new RuntimeError("Selector is closed");
  }
}
