/**
 * Runs a Python program on CPython 3.14 (3.14.2, Pyodide's WebAssembly build from npm), to see
 * what CPython does where this port should do the same: `deno task py314 prog.py`.
 *
 * Pyodide has no sockets, subprocesses or threads, and its own event loop runs on the browser's
 * (or Node's/Deno's) timers, so this runs `asyncio.run()`, `asyncio.Runner` and
 * `asyncio.new_event_loop()` on a `BaseEventLoop` with no I/O and a virtual clock (a sleep takes no
 * time; the order of callbacks, timers and tasks is CPython's): the part of asyncio that needs no
 * I/O (tasks, futures, timeouts, the locks, queues, TaskGroup, streams fed by hand, call graphs).
 * Development only: the published package does not use it.
 *
 * @module
 */
import process from "node:process";
import { readFileSync } from "node:fs";

// The virtual-time loop, and asyncio.run/Runner/new_event_loop moved onto it (Pyodide marks its
// own loop as running, which asyncio.run() would refuse).
const PRELUDE = `
import asyncio, asyncio.events as _events

class VirtualTimeLoop(asyncio.BaseEventLoop):
    """An event loop without I/O whose clock jumps to the next timer instead of waiting."""
    def __init__(self):
        super().__init__()
        self._selector = self
        self._virtual_time = 0.0
    def time(self):
        return self._virtual_time
    def select(self, timeout):
        if timeout:
            self._virtual_time += timeout
        return []
    def _process_events(self, event_list):
        pass
    def _write_to_self(self):
        pass

def _leave_pyodide_loop():
    loop = _events._get_running_loop()
    if loop is not None and type(loop).__name__ == "WebLoop":
        _events._set_running_loop(None)

_leave_pyodide_loop()
_events._get_event_loop_policy().new_event_loop = VirtualTimeLoop

def _wrap(method):
    def wrapper(*args, **kwargs):
        _leave_pyodide_loop()
        return method(*args, **kwargs)
    return wrapper

asyncio.Runner.run = _wrap(asyncio.Runner.run)
asyncio.Runner.close = _wrap(asyncio.Runner.close)

def _run(main, *, debug=None, loop_factory=None):
    _leave_pyodide_loop()
    if _events._get_running_loop() is not None:
        raise RuntimeError("asyncio.run() cannot be called from a running event loop")
    with asyncio.Runner(debug=debug, loop_factory=loop_factory or VirtualTimeLoop) as runner:
        return runner.run(main)

asyncio.run = _run
asyncio.runners.run = _run
del _run, _wrap
`;

const file = process.argv[2];
if (!file) {
  console.error("usage: deno task py314 PROGRAM.py");
  process.exit(2);
}
// (a specifier in a variable: `deno check` of scripts/ does not fetch Pyodide)
const pyodide_module = "npm:pyodide@314.0.7";
const { loadPyodide } = await import(pyodide_module);
const py = await loadPyodide({
  stdout: (s: string) => process.stdout.write(s + "\n"),
  stderr: (s: string) => process.stderr.write(s + "\n"),
});
py.runPython(PRELUDE, { filename: "<cpython314 prelude>" });
try {
  py.runPython(readFileSync(file, "utf8"), { filename: file });
} catch (e) {
  // A Python traceback, as CPython prints it.
  console.error(String((e as Error).message ?? e).trimEnd());
  process.exit(1);
}
