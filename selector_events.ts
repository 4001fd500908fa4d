/**
 * Port of `asyncio/selector_events.py`: `BaseSelectorEventLoop`, the event loop over a selector.
 *
 * The selector here is `stdlib/selectors.ts`'s `DefaultSelector`, emulated over the host's
 * completion-based I/O (see DESIGN.md). This file has the loop's selector plumbing
 * (`add_reader`/`add_writer`, `_process_events`, the wake-up); sockets, transports and servers
 * build on it.
 *
 * @module
 */

import { _track_unclosed, _untrack_unclosed, BaseEventLoop } from "./base_events.ts";
import { Handle } from "./events.ts";
import {
  DefaultSelector,
  EVENT_READ,
  EVENT_WRITE,
  type Selectable,
  type SelectorKey,
} from "./stdlib/selectors.ts";
import { RuntimeError } from "./stdlib/builtins.ts";

import type { AnyFn } from "./events.ts";
export type { AnyFn };

/** The `[reader, writer]` handles stored as a selector key's data. */
type KeyData = [Handle | null, Handle | null];

/** Python's `BaseSelectorEventLoop`. */
export class BaseSelectorEventLoop extends BaseEventLoop {
  /** @internal */
  override _selector: DefaultSelector;

  /** Creates the loop over `selector` (default: a new `DefaultSelector`). */
  constructor(selector: DefaultSelector | null = null) {
    super();
    this._selector = selector ?? new DefaultSelector();
    _track_unclosed(this);
  }

  /** Closes the loop and its selector (clearing any host timer it holds). */
  override close(): void {
    if (this.is_running()) throw new RuntimeError("Cannot close a running event loop");
    if (this.is_closed()) return;
    super.close();
    this._selector.close();
    _untrack_unclosed(this);
  }

  /** @internal Wakes the loop if it waits on the host (CPython writes to its self-pipe). */
  override _write_to_self(): void {
    this._selector.wakeup();
  }

  /** @internal Dispatches `[key, events]` pairs to the reader/writer callbacks. */
  override _process_events(event_list: unknown[]): void {
    for (const [key, mask] of event_list as [SelectorKey<KeyData>, number][]) {
      const [reader, writer] = key.data;
      if (mask & EVENT_READ && reader !== null) {
        if (reader._cancelled) this._remove_reader(key.fileobj);
        else this._add_callback(reader);
      }
      if (mask & EVENT_WRITE && writer !== null) {
        if (writer._cancelled) this._remove_writer(key.fileobj);
        else this._add_callback(writer);
      }
    }
  }

  /** @internal */
  _add_reader(fd: Selectable, callback: AnyFn, ...args: unknown[]): Handle {
    this._check_closed();
    const handle = new Handle(callback, args, this, null);
    const key = this._selector.get_map().get(fd.fileno()) as SelectorKey<KeyData> | undefined;
    if (key === undefined) {
      this._selector.register<KeyData>(fd, EVENT_READ, [handle, null]);
    } else {
      const [reader, writer] = key.data;
      this._selector.modify<KeyData>(fd, key.events | EVENT_READ, [handle, writer]);
      if (reader !== null) reader.cancel();
    }
    return handle;
  }

  /** @internal */
  _remove_reader(fd: Selectable): boolean {
    if (this.is_closed()) return false;
    const key = this._selector.get_map().get(fd.fileno()) as SelectorKey<KeyData> | undefined;
    if (key === undefined) return false;
    const [reader, writer] = key.data;
    const mask = key.events & ~EVENT_READ;
    if (!mask) this._selector.unregister(fd);
    else this._selector.modify<KeyData>(fd, mask, [null, writer]);
    if (reader !== null) {
      reader.cancel();
      return true;
    }
    return false;
  }

  /** @internal */
  _add_writer(fd: Selectable, callback: AnyFn, ...args: unknown[]): Handle {
    this._check_closed();
    const handle = new Handle(callback, args, this, null);
    const key = this._selector.get_map().get(fd.fileno()) as SelectorKey<KeyData> | undefined;
    if (key === undefined) {
      this._selector.register<KeyData>(fd, EVENT_WRITE, [null, handle]);
    } else {
      const [reader, writer] = key.data;
      this._selector.modify<KeyData>(fd, key.events | EVENT_WRITE, [reader, handle]);
      if (writer !== null) writer.cancel();
    }
    return handle;
  }

  /** @internal */
  _remove_writer(fd: Selectable): boolean {
    if (this.is_closed()) return false;
    const key = this._selector.get_map().get(fd.fileno()) as SelectorKey<KeyData> | undefined;
    if (key === undefined) return false;
    const [reader, writer] = key.data;
    const mask = key.events & ~EVENT_WRITE;
    if (!mask) this._selector.unregister(fd);
    else this._selector.modify<KeyData>(fd, mask, [reader, null]);
    if (writer !== null) {
      writer.cancel();
      return true;
    }
    return false;
  }

  /** Calls `callback(...args)` whenever `fd` (one of the port's socket objects) is readable. */
  add_reader(fd: Selectable, callback: AnyFn, ...args: unknown[]): void {
    this._add_reader(fd, callback, ...args);
  }

  /** Stops watching `fd` for reading; `true` if it was watched. */
  remove_reader(fd: Selectable): boolean {
    return this._remove_reader(fd);
  }

  /** Calls `callback(...args)` whenever `fd` is writable. */
  add_writer(fd: Selectable, callback: AnyFn, ...args: unknown[]): void {
    this._add_writer(fd, callback, ...args);
  }

  /** Stops watching `fd` for writing; `true` if it was watched. */
  remove_writer(fd: Selectable): boolean {
    return this._remove_writer(fd);
  }
}
