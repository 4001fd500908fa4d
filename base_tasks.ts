/**
 * Port of `asyncio/base_tasks.py`: the Task repr.
 *
 * @module
 */

import { _future_repr_info } from "./base_futures.ts";
import { _format_coroutine } from "./coroutines.ts";
import { repr } from "./stdlib/_repr.ts";
import type { Task } from "./tasks.ts";

/** Python's `_task_repr_info`. */
export function _task_repr_info(task: Task<unknown>): string[] {
  const info = _future_repr_info(task);
  if (task.cancelling() && !task.done()) info[0] = "cancelling";
  info.splice(1, 0, `name=${repr(task.get_name())}`);
  if (task._fut_waiter !== null) info.splice(2, 0, `wait_for=${repr(task._fut_waiter)}`);
  if (task._coro) {
    const state = task.done() ? "done" : "running";
    info.splice(2, 0, `coro=<${_format_coroutine(task._coro, state)}>`);
  }
  return info;
}

/** Python's `_task_repr`: `<Task pending name='Task-1' coro=<main() running>>`. */
export function _task_repr(task: Task<unknown>): string {
  return `<${task.constructor.name} ${_task_repr_info(task).join(" ")}>`;
}
