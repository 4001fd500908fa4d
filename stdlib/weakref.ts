/**
 * The part of Python's `weakref` asyncio uses: `WeakSet` (a server's connections) and
 * `WeakValueDictionary` (a selector loop's transports by file descriptor), over `WeakRef` and
 * `FinalizationRegistry`. Only what the port calls is here. An entry goes once its object is
 * collected; until the registry's callback has run, a collected member may still count in a
 * WeakSet's `size` (iteration skips it; `prune()` drops it), much as Python's containers count
 * pending removals while they are being iterated.
 *
 * @module
 */

/** Python's `weakref.WeakSet`: a set that does not keep its members alive. */
export class WeakSet<T extends object> implements Iterable<T> {
  private _refs = new Set<WeakRef<T>>();
  private _index = new WeakMap<T, WeakRef<T>>();
  private _registry = new FinalizationRegistry<WeakRef<T>>((ref) => this._refs.delete(ref));

  /** Adds `x`. */
  add(x: T): void {
    if (this._index.has(x)) return;
    const ref = new WeakRef(x);
    this._index.set(x, ref);
    this._refs.add(ref);
    this._registry.register(x, ref, ref);
  }

  /** Removes `x` if it is there. */
  discard(x: T): void {
    const ref = this._index.get(x);
    if (ref === undefined) return;
    this._index.delete(x);
    this._refs.delete(ref);
    this._registry.unregister(ref);
  }

  /** Python's `len(s)` (see the module's note on collected members). */
  get size(): number {
    return this._refs.size;
  }

  /** Drops the members already collected whose registry callback has not run yet. */
  prune(): void {
    for (const ref of this._refs) {
      if (ref.deref() === undefined) {
        this._refs.delete(ref);
        this._registry.unregister(ref);
      }
    }
  }

  /** The live members (a snapshot: the set may change while it is iterated). */
  *[Symbol.iterator](): Iterator<T> {
    for (const ref of [...this._refs]) {
      const x = ref.deref();
      if (x !== undefined) yield x;
    }
  }
}

/** Python's `weakref.WeakValueDictionary`: a map that does not keep its values alive. */
export class WeakValueDictionary<K, V extends object> {
  private _data = new Map<K, WeakRef<V>>();
  private _registry = new FinalizationRegistry<{ key: K; ref: WeakRef<V> }>(({ key, ref }) => {
    if (this._data.get(key) === ref) this._data.delete(key);
  });

  /** The value of `key`, or undefined (also once it was collected). */
  get(key: K): V | undefined {
    return this._data.get(key)?.deref();
  }

  /** Sets `key` to `value`. */
  set(key: K, value: V): void {
    const old = this._data.get(key);
    if (old !== undefined) this._registry.unregister(old);
    const ref = new WeakRef(value);
    this._data.set(key, ref);
    this._registry.register(value, { key, ref }, ref);
  }

  /** Removes `key`. */
  delete(key: K): void {
    const old = this._data.get(key);
    if (old === undefined) return;
    this._data.delete(key);
    this._registry.unregister(old);
  }
}
