/**
 * A small part of Python's `sys`: `stdin`, `stdout` and `stderr` as file objects with numbers 0,
 * 1 and 2 in the emulated descriptor table, for the pipe transports:
 * `loop.connect_read_pipe(factory, sys.stdin)` reads the process's standard input,
 * `loop.connect_write_pipe(factory, sys.stdout)` writes its standard output (as in Python,
 * closing the transport closes the stream).
 *
 * Like the port's sockets (see `stdlib/selectors.ts`), each keeps one host read in flight into a
 * bounded receive buffer (stdin) or a bounded amount of writes in flight (stdout, stderr), and
 * tells the selector when it becomes ready; `os.read`/`os.write` on its number never block. The
 * host is not touched until a stream is first read, written or watched.
 *
 * @example
 * ```ts ignore
 * import * as asyncio from "@pystd/asyncio";
 * import * as sys from "@pystd/asyncio/sys";
 * await asyncio.run(function* () {
 *   const loop = asyncio.get_running_loop();
 *   const reader = new asyncio.StreamReader();
 *   yield* loop.connect_read_pipe(() => new asyncio.StreamReaderProtocol(reader), sys.stdin);
 *   const line = yield* reader.readline();
 *   console.log("first line:", new TextDecoder().decode(line));
 * }());
 * ```
 *
 * @module
 */

import { fd_kind, stdio as host_stdio } from "./_host.ts";
import { PipeStream } from "./_pipe.ts";

export { PipeStream };

/** A standard stream (see {@linkcode PipeStream}). */
export type StdStream = PipeStream;

function std_stream(fd: 0 | 1 | 2): PipeStream {
  return new PipeStream(
    fd,
    ["<stdin>", "<stdout>", "<stderr>"][fd],
    fd === 0 ? "r" : "w",
    () => host_stdio(fd),
    () => fd_kind(fd),
  );
}

/** Python's `sys.stdin`: the process's standard input (descriptor 0). */
export const stdin: StdStream = std_stream(0);
/** Python's `sys.stdout`: the process's standard output (descriptor 1). */
export const stdout: StdStream = std_stream(1);
/** Python's `sys.stderr`: the process's standard error (descriptor 2). */
export const stderr: StdStream = std_stream(2);
