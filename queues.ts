/**
 * Port of `asyncio/queues.py`: `Queue` (FIFO), `PriorityQueue`, `LifoQueue`, with `join()`/
 * `task_done()` and 3.13's `shutdown()`.
 *
 * @module
 */

import { deque } from "./stdlib/collections.ts";
import { heappop, heappush } from "./stdlib/heapq.ts";
import { Exception, type_name, unorderable, ValueError } from "./stdlib/builtins.ts";
import { _LoopBoundMixin } from "./mixins.ts";
import { Event } from "./locks.ts";
import type { Future } from "./futures.ts";
import { _trackable_method, type Coroutine } from "./coroutines.ts";
import { _set_module, hex_id, repr } from "./stdlib/_repr.ts";

/** `get_nowait()` on an empty queue. */
export class QueueEmpty extends Exception {}
/** `put_nowait()` on a full queue. */
export class QueueFull extends Exception {}
/** `put()`/`get()` on a queue that was shut down. */
export class QueueShutDown extends Exception {}

/** The options of the queues' constructors. */
export interface QueueOptions {
  /** The most items the queue holds (`<= 0`: no limit). */
  maxsize?: number;
}

/** The item storage a queue class uses (a deque, a heap, a stack). */
interface Store<T> {
  readonly length: number;
  toArray(): T[];
}

/**
 * Python's `asyncio.Queue`: FIFO; `put()` waits while the queue is full, `get()` while it is
 * empty. `new Queue(100)` and `new Queue({ maxsize: 100 })` are the same.
 *
 * @example
 * ```ts
 * import * as asyncio from "./mod.ts";
 * function* main() {
 *   const q = new asyncio.Queue<number>({ maxsize: 2 });
 *   const got: number[] = [];
 *   const consumer = asyncio.create_task((function* () {
 *     while (true) {
 *       got.push(yield* q.get());
 *       q.task_done();
 *     }
 *   })());
 *   for (let i = 0; i < 5; i++) yield* q.put(i);
 *   yield* q.join();
 *   consumer.cancel();
 *   return got.join(",");
 * }
 * console.assert(await asyncio.run(main()) === "0,1,2,3,4");
 * ```
 */
export class Queue<T = unknown> extends _LoopBoundMixin {
  /** @internal */
  _maxsize: number;
  /** @internal */
  _getters: deque<Future<null>> = new deque();
  /** @internal */
  _putters: deque<Future<null>> = new deque();
  /** @internal */
  _unfinished_tasks = 0;
  /** @internal */
  _finished: Event = new Event();
  /** @internal */
  _is_shutdown = false;
  /** @internal The items. */
  _queue!: Store<T>;

  /** Creates a queue holding at most `maxsize` items (0: no limit). */
  constructor(maxsize: number | QueueOptions = 0) {
    super();
    // (`{ maxsize: null }` is Python's maxsize=None, not the default.)
    const m = typeof maxsize === "object" && maxsize !== null
      ? (maxsize.maxsize === undefined ? 0 : maxsize.maxsize)
      : maxsize;
    this._maxsize = m;
    this._finished.set();
    this._init(m);
  }

  /** @internal Makes the storage. */
  _init(_maxsize: number): void {
    this._queue = new deque<T>();
  }

  /** @internal Takes the next item. */
  _get(): T {
    return (this._queue as deque<T>).popleft();
  }

  /** @internal Stores an item. */
  _put(item: T): void {
    (this._queue as deque<T>).append(item);
  }

  /** Wakes the first waiter not done yet. */
  private _wakeup_next(waiters: deque<Future<null>>): void {
    while (waiters.length) {
      const waiter = waiters.popleft();
      if (!waiter.done()) {
        waiter.set_result(null);
        break;
      }
    }
  }

  /** Python's repr. */
  __repr__(): string {
    return `<${this.constructor.name} at ${hex_id(this)} ${this._format()}>`;
  }

  /** Python's `str()`. */
  override toString(): string {
    return `<${this.constructor.name} ${this._format()}>`;
  }

  /** @internal */
  _format(): string {
    let result = `maxsize=${repr(this._maxsize)}`;
    if (this._queue && this._queue.length) result += ` _queue=${repr(this._queue.toArray())}`;
    if (this._getters.length) result += ` _getters[${this._getters.length}]`;
    if (this._putters.length) result += ` _putters[${this._putters.length}]`;
    if (this._unfinished_tasks) result += ` tasks=${this._unfinished_tasks}`;
    if (this._is_shutdown) result += " shutdown";
    return result;
  }

  /** The number of items in the queue. */
  qsize(): number {
    return this._queue.length;
  }

  /** The most items the queue holds (0: no limit). */
  get maxsize(): number {
    return this._maxsize;
  }

  /** Whether the queue is empty. */
  empty(): boolean {
    return this._queue.length === 0;
  }

  /** Whether the queue holds `maxsize` items. */
  full(): boolean {
    if (typeof this._maxsize !== "number") {
      // CPython accepts any maxsize and fails here, comparing it.
      throw unorderable("<=", type_name(this._maxsize), "int");
    }
    if (this._maxsize <= 0) return false;
    return this.qsize() >= this._maxsize;
  }

  /** Puts an item, waiting for room; `QueueShutDown` if the queue is shut down. */
  *put(item: T): Coroutine<void> {
    while (this.full()) {
      if (this._is_shutdown) throw new QueueShutDown();
      const putter = this._get_loop().create_future<null>();
      this._putters.append(putter);
      try {
        yield* putter;
      } catch (e) {
        putter.cancel();
        if (this._putters.includes(putter)) this._putters.remove(putter);
        if (!this.full() && !putter.cancelled()) this._wakeup_next(this._putters);
        throw e;
      }
    }
    this.put_nowait(item);
  }

  /** Puts an item now; `QueueFull` if there is no room, `QueueShutDown` after shutdown. */
  put_nowait(item: T): void {
    if (this._is_shutdown) throw new QueueShutDown();
    if (this.full()) throw new QueueFull();
    this._put(item);
    this._unfinished_tasks += 1;
    this._finished.clear();
    this._wakeup_next(this._getters);
  }

  /** Takes an item, waiting for one; `QueueShutDown` once shut down and empty. */
  *get(): Coroutine<T> {
    while (this.empty()) {
      if (this._is_shutdown && this.empty()) throw new QueueShutDown();
      const getter = this._get_loop().create_future<null>();
      this._getters.append(getter);
      try {
        yield* getter;
      } catch (e) {
        getter.cancel();
        if (this._getters.includes(getter)) this._getters.remove(getter);
        if (!this.empty() && !getter.cancelled()) this._wakeup_next(this._getters);
        throw e;
      }
    }
    return this.get_nowait();
  }

  /** Takes an item now; `QueueEmpty` if there is none (`QueueShutDown` if shut down). */
  get_nowait(): T {
    if (this.empty()) {
      if (this._is_shutdown) throw new QueueShutDown();
      throw new QueueEmpty();
    }
    const item = this._get();
    this._wakeup_next(this._putters);
    return item;
  }

  /** Marks one item taken with `get()` as processed; `ValueError` if called too often. */
  task_done(): void {
    if (this._unfinished_tasks <= 0) throw new ValueError("task_done() called too many times");
    this._unfinished_tasks -= 1;
    if (this._unfinished_tasks === 0) this._finished.set();
  }

  /** Waits until every item put was processed (`task_done()`). */
  *join(): Coroutine<void> {
    if (this._unfinished_tasks > 0) yield* this._finished.wait();
  }

  /**
   * Shuts the queue down: `put()` raises `QueueShutDown`, and `get()` too once the queue is
   * empty. With `immediate` (positional or `{ immediate: true }`), the items are dropped (and
   * counted as done for `join()`), and waiting getters raise at once.
   */
  shutdown(immediate: boolean | { immediate?: boolean } = false): void {
    const imm = typeof immediate === "object" && immediate !== null
      ? Boolean(immediate.immediate)
      : Boolean(immediate);
    this._is_shutdown = true;
    if (imm) {
      while (!this.empty()) {
        this._get();
        if (this._unfinished_tasks > 0) this._unfinished_tasks -= 1;
      }
      if (this._unfinished_tasks === 0) this._finished.set();
    }
    while (this._getters.length) {
      const getter = this._getters.popleft();
      if (!getter.done()) getter.set_result(null);
    }
    while (this._putters.length) {
      const putter = this._putters.popleft();
      if (!putter.done()) putter.set_result(null);
    }
  }
}
_trackable_method(Queue.prototype, "put", "Queue.put");
_trackable_method(Queue.prototype, "join", "Queue.join");

class ArrayStore<T> extends Array<T> implements Store<T> {
  toArray(): T[] {
    return [...this];
  }
}

/**
 * Python's `asyncio.PriorityQueue`: the smallest item first, compared as Python compares
 * (numbers, strings, arrays as tuples, objects with `__lt__`).
 */
export class PriorityQueue<T = unknown> extends Queue<T> {
  /** @internal */
  override _init(_maxsize: number): void {
    this._queue = new ArrayStore<T>();
  }
  /** @internal */
  override _put(item: T): void {
    heappush(this._queue as ArrayStore<T>, item);
  }
  /** @internal */
  override _get(): T {
    return heappop(this._queue as ArrayStore<T>);
  }
}

/** Python's `asyncio.LifoQueue`: the most recent item first. */
export class LifoQueue<T = unknown> extends Queue<T> {
  /** @internal */
  override _init(_maxsize: number): void {
    this._queue = new ArrayStore<T>();
  }
  /** @internal */
  override _put(item: T): void {
    (this._queue as ArrayStore<T>).push(item);
  }
  /** @internal */
  override _get(): T {
    return (this._queue as ArrayStore<T>).pop() as T;
  }
}

_set_module("asyncio.queues", QueueEmpty, QueueFull, QueueShutDown);
