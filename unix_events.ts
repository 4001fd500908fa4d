/**
 * Port of `asyncio/unix_events.py`: the Unix selector event loop (`SelectorEventLoop`, also
 * exported as `EventLoop`, the default loop class) with signal handlers.
 *
 * Signals are delivered by the host (`Deno.addSignalListener`, `process.on`): a handler runs as
 * a callback of the loop, as in CPython. Only the signals the host can listen to are accepted.
 *
 * @module
 */

import { BaseSelectorEventLoop } from "./selector_events.ts";
import {
  _BaseDefaultEventLoopPolicy,
  _set_default_loop_factory,
  type AbstractEventLoop,
  Handle,
} from "./events.ts";
import { _iscoroutinefunction, iscoroutine } from "./coroutines.ts";
import { RuntimeError, TypeError, ValueError } from "./stdlib/builtins.ts";
import { _signal_name, NSIG } from "./stdlib/signal.ts";
import { add_signal_listener, remove_signal_listener } from "./stdlib/_host.ts";
import { repr } from "./stdlib/_repr.ts";
import type { DefaultSelector } from "./stdlib/selectors.ts";

import type { AnyFn } from "./selector_events.ts";

/** Python's `_UnixSelectorEventLoop`: the selector loop plus Unix signal handling. */
export class _UnixSelectorEventLoop extends BaseSelectorEventLoop {
  /** @internal The signal handlers by signal number. */
  _signal_handlers: Map<number, Handle> = new Map();
  private _signal_listeners = new Map<number, [string, () => void]>();

  /** Creates the loop over `selector` (default: a new `DefaultSelector`). */
  constructor(selector: DefaultSelector | null = null) {
    super(selector);
  }

  /** Closes the loop and removes its signal handlers. */
  override close(): void {
    super.close();
    for (const sig of [...this._signal_handlers.keys()]) this.remove_signal_handler(sig);
  }

  /**
   * Calls `callback(...args)` on the loop whenever signal `sig` arrives. `ValueError` for an
   * invalid signal, `RuntimeError` for one that cannot be caught (or that the host cannot
   * deliver).
   */
  override add_signal_handler(sig: number, callback: AnyFn, ...args: unknown[]): void {
    if (iscoroutine(callback) || _iscoroutinefunction(callback)) {
      throw new TypeError("coroutines cannot be used with add_signal_handler()");
    }
    this._check_signal(sig);
    this._check_closed();
    const name = _signal_name(sig);
    if (name === undefined) throw new RuntimeError(`sig ${sig} cannot be caught`);
    const handle = new Handle(callback, args, this, null);
    this._signal_handlers.set(sig, handle);
    if (!this._signal_listeners.has(sig)) {
      const listener = () => this._handle_signal(sig);
      try {
        add_signal_listener(name, listener);
      } catch (e) {
        this._signal_handlers.delete(sig);
        throw new RuntimeError(`sig ${sig} cannot be caught: ${(e as Error).message}`);
      }
      this._signal_listeners.set(sig, [name, listener]);
    }
  }

  /** @internal The host's signal listener. */
  _handle_signal(sig: number): void {
    const handle = this._signal_handlers.get(sig);
    if (handle === undefined) return;
    if (handle._cancelled) this.remove_signal_handler(sig);
    else if (!this.is_closed()) this._add_callback_signalsafe(handle);
  }

  /** Removes the handler of `sig`; `true` if there was one. */
  override remove_signal_handler(sig: number): boolean {
    this._check_signal(sig);
    if (!this._signal_handlers.delete(sig)) return false;
    const l = this._signal_listeners.get(sig);
    if (l !== undefined) {
      this._signal_listeners.delete(sig);
      remove_signal_listener(l[0], l[1]);
    }
    return true;
  }

  /** @internal */
  _check_signal(sig: unknown): void {
    if (typeof sig !== "number" || !Number.isInteger(sig)) {
      throw new TypeError(`sig must be an int, not ${repr(sig)}`);
    }
    if (sig < 1 || sig >= NSIG) throw new ValueError(`invalid signal number ${sig}`);
  }
}

/** The selector event loop class (Python's `asyncio.SelectorEventLoop` on Unix). */
export const SelectorEventLoop: typeof _UnixSelectorEventLoop = _UnixSelectorEventLoop;
/** The selector event loop type. */
export type SelectorEventLoop = _UnixSelectorEventLoop;
/** The default event loop class (Python 3.13's `asyncio.EventLoop`). */
export const EventLoop: typeof _UnixSelectorEventLoop = _UnixSelectorEventLoop;
/** The default event loop type. */
export type EventLoop = _UnixSelectorEventLoop;

/** Python's `_UnixDefaultEventLoopPolicy` (deprecated with the whole policy system). */
export class _UnixDefaultEventLoopPolicy extends _BaseDefaultEventLoopPolicy {
  /** Creates the policy; its loops are `SelectorEventLoop`s. */
  constructor() {
    super();
    this._loop_factory = () => new _UnixSelectorEventLoop();
  }
}

/** Python's `DefaultEventLoopPolicy` (deprecated). */
export const _DefaultEventLoopPolicy: typeof _UnixDefaultEventLoopPolicy = _UnixDefaultEventLoopPolicy;

_set_default_loop_factory((): AbstractEventLoop => new _UnixSelectorEventLoop());
