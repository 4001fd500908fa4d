/**
 * Port of `asyncio/mixins.py`: binds a primitive (Lock, Queue...) to the event loop that first
 * uses it.
 *
 * @module
 */

import type { AbstractEventLoop } from "./events.ts";
import { _get_running_loop } from "./events.ts";
import { RuntimeError } from "./stdlib/builtins.ts";
import { repr } from "./stdlib/_repr.ts";

/** Python's `_LoopBoundMixin`: remembers the running loop on first use, refuses any other. */
export class _LoopBoundMixin {
  /** @internal */
  _loop: AbstractEventLoop | null = null;

  /** @internal The running loop; `RuntimeError` if the object is already bound to another one. */
  _get_loop(): AbstractEventLoop {
    const loop = _get_running_loop();
    if (this._loop === null) {
      this._loop = loop;
    }
    if (loop !== this._loop) {
      throw new RuntimeError(`${repr(this)} is bound to a different event loop`);
    }
    return loop as AbstractEventLoop;
  }
}
