/**
 * Event loops for tests: {@linkcode VirtualTimeEventLoop}, whose clock jumps to the next timer
 * when nothing is ready (so `sleep(3600)` takes no wall time), and {@linkcode TestLoop}, a port
 * of CPython's `test.test_asyncio.utils.TestLoop` (time moves only as its generator says).
 *
 * @example A test that sleeps for an hour, instantly
 * ```ts
 * import * as asyncio from "./mod.ts";
 * import { run_virtual } from "./test_utils.ts";
 * function* main() {
 *   const loop = asyncio.get_running_loop();
 *   const t0 = loop.time();
 *   yield* asyncio.sleep(3600);
 *   return loop.time() - t0;
 * }
 * console.assert((await run_virtual(main())) >= 3600);
 * ```
 *
 * @module
 */

import { BaseEventLoop } from "./base_events.ts";
import { _UnixSelectorEventLoop } from "./unix_events.ts";
import { Handle, type TimerHandle } from "./events.ts";
import { run } from "./runners.ts";
import type { Awaitable } from "./coroutines.ts";
import { AssertionError } from "./stdlib/builtins.ts";
import { hop } from "./stdlib/_host.ts";
import type { Context } from "./stdlib/contextvars.ts";

// deno-lint-ignore no-explicit-any
type AnyFn = (...args: any[]) => unknown;

/**
 * A selector event loop on a virtual clock. When nothing is ready the clock jumps to the next
 * timer instead of waiting; while host I/O is in flight (a Promise awaited through
 * `wrap_promise`, a socket), the loop first yields to the host once, so I/O still completes.
 * With no timer and nothing ready, it waits for the host like any loop.
 */
export class VirtualTimeEventLoop extends _UnixSelectorEventLoop {
  private _vtime = 0;

  /** The virtual clock, in seconds (starts at 0). */
  override time(): number {
    return this._vtime;
  }

  /** Moves the clock forward by `seconds`. */
  advance_time(seconds: number): void {
    if (seconds > 0) this._vtime += seconds;
  }

  /** @internal */
  override _select(timeout: number | null): unknown[] | Promise<unknown[]> {
    if (timeout === null || timeout <= 0) return super._select(timeout);
    if (this._host_pending === 0) {
      this._vtime += timeout;
      return this._selector.select(0);
    }
    return hop().then(() => {
      this._vtime += timeout;
      return this._selector.select(0);
    });
  }
}

/** `asyncio.run(main)` on a {@linkcode VirtualTimeEventLoop}. */
export function run_virtual<T>(
  main: Awaitable<T> | PromiseLike<T>,
  options?: { debug?: boolean },
): Promise<T> {
  return run(main, { debug: options?.debug ?? null, loop_factory: () => new VirtualTimeEventLoop() });
}

/** The generator driving a {@linkcode TestLoop}: receives timer deadlines, yields time advances. */
export type TimeGenerator = () => Generator<number | undefined, unknown, number>;

/** The selector of {@linkcode TestLoop}: never waits. */
class TestSelector {
  select(_timeout: number | null): unknown[] {
    return [];
  }
  wakeup(): void {}
  close(): void {}
}

/**
 * Port of CPython's test `TestLoop`: time is `0` at start and moves only when the generator
 * given says so. Each time a timer is scheduled, its deadline is sent to the generator at the
 * end of the loop iteration, and the value it yields is added to the clock. On `close()` the
 * generator must be finished.
 */
export class TestLoop extends BaseEventLoop {
  private _gen: Generator<number | undefined, unknown, number>;
  private _check_on_close: boolean;
  /** @internal */
  _time = 0;
  private _timers: number[] = [];
  /** The reader handles registered (by file object). */
  readers: Map<unknown, Handle> = new Map();
  /** The writer handles registered (by file object). */
  writers: Map<unknown, Handle> = new Map();
  /** How many times `remove_reader` was called per file object. */
  remove_reader_count: Map<unknown, number> = new Map();
  /** How many times `remove_writer` was called per file object. */
  remove_writer_count: Map<unknown, number> = new Map();

  /** Creates the loop driven by `gen` (or by nothing: time never moves). */
  constructor(gen: TimeGenerator | null = null) {
    super();
    if (gen === null) {
      gen = function* () {
        yield;
      } as TimeGenerator;
      this._check_on_close = false;
    } else {
      this._check_on_close = true;
    }
    this._gen = gen();
    this._gen.next();
    this._selector = new TestSelector();
    this._has_run_once_end = true;
  }

  /** The loop's virtual time. */
  override time(): number {
    return this._time;
  }

  /** Moves time forward. */
  advance_time(advance: number): void {
    if (advance) this._time += advance;
  }

  /** Closes the loop; the generator must be finished. */
  override close(): void {
    super.close();
    if (this._check_on_close) {
      const r = this._gen.next(0);
      if (!r.done) throw new AssertionError("Time generator is not finished");
    }
  }

  /** @internal */
  override _run_once_end(): void {
    for (const when of this._timers) {
      const r = this._gen.next(when);
      this.advance_time(r.done ? 0 : (r.value ?? 0));
    }
    this._timers = [];
  }

  /** @internal */
  override _call_at(
    when: number,
    callback: AnyFn,
    args: unknown[],
    context: Context | null,
    method: string,
  ): TimerHandle {
    this._timers.push(when);
    return super._call_at(when, callback, args, context, method);
  }

  /** Registers a reader callback (recorded, never called by I/O). */
  override add_reader(fd: unknown, callback: AnyFn, ...args: unknown[]): Handle {
    const h = new Handle(callback, args, this, null);
    this.readers.set(fd, h);
    return h;
  }

  /** Removes a reader callback. */
  override remove_reader(fd: unknown): boolean {
    this.remove_reader_count.set(fd, (this.remove_reader_count.get(fd) ?? 0) + 1);
    return this.readers.delete(fd);
  }

  /** Registers a writer callback (recorded, never called by I/O). */
  override add_writer(fd: unknown, callback: AnyFn, ...args: unknown[]): Handle {
    const h = new Handle(callback, args, this, null);
    this.writers.set(fd, h);
    return h;
  }

  /** Removes a writer callback. */
  override remove_writer(fd: unknown): boolean {
    this.remove_writer_count.set(fd, (this.remove_writer_count.get(fd) ?? 0) + 1);
    return this.writers.delete(fd);
  }

  /** @internal The transports register through these (CPython's TestLoop aliases them). */
  _add_reader(fd: unknown, callback: AnyFn, ...args: unknown[]): Handle {
    return this.add_reader(fd, callback, ...args);
  }

  /** @internal */
  _remove_reader(fd: unknown): boolean {
    return this.remove_reader(fd);
  }

  /** @internal */
  _add_writer(fd: unknown, callback: AnyFn, ...args: unknown[]): Handle {
    return this.add_writer(fd, callback, ...args);
  }

  /** @internal */
  _remove_writer(fd: unknown): boolean {
    return this.remove_writer(fd);
  }

  /** Asserts that `callback(...args)` is the reader of `fd`. */
  assert_reader(fd: unknown, callback: AnyFn, ...args: unknown[]): void {
    const handle = this.readers.get(fd);
    if (handle === undefined) throw new AssertionError(`fd ${fd} is not registered`);
    if (handle._callback !== callback) {
      throw new AssertionError(`unexpected callback: ${handle._callback} != ${callback}`);
    }
    const hargs = handle._args ?? [];
    if (hargs.length !== args.length || hargs.some((a, i) => a !== args[i])) {
      throw new AssertionError(`unexpected callback args: ${handle._args} != ${args}`);
    }
  }

  /** Asserts that `fd` has no reader. */
  assert_no_reader(fd: unknown): void {
    if (this.readers.has(fd)) throw new AssertionError(`fd ${fd} is registered`);
  }

  /** Asserts that `callback(...args)` is the writer of `fd`. */
  assert_writer(fd: unknown, callback: AnyFn, ...args: unknown[]): void {
    const handle = this.writers.get(fd);
    if (handle === undefined) throw new AssertionError(`fd ${fd} is not registered`);
    if (handle._callback !== callback) {
      throw new AssertionError(`unexpected callback: ${handle._callback} != ${callback}`);
    }
    const hargs = handle._args ?? [];
    if (hargs.length !== args.length || hargs.some((a, i) => a !== args[i])) {
      throw new AssertionError(`unexpected callback args: ${handle._args} != ${args}`);
    }
  }

  /** Asserts that `fd` has no writer. */
  assert_no_writer(fd: unknown): void {
    if (this.writers.has(fd)) throw new AssertionError(`fd ${fd} is registered`);
  }

  /**
   * @internal The test selector never waits; but while host I/O is in flight (a Promise awaited
   * through `wrap_promise`) the loop yields to the host, so the I/O can complete.
   */
  override _select(timeout: number | null): unknown[] | Promise<unknown[]> {
    if (timeout !== 0 && this._host_pending > 0) return hop().then(() => []);
    return [];
  }

  /** @internal There are no I/O events. */
  override _process_events(_event_list: unknown[]): void {}

  /** @internal Nothing to wake: the test selector never waits. */
  override _write_to_self(): void {}
}
