// A child process for the pipe tests of test_unix_events.ts: it runs the port's pipe transports
// on its own standard streams. `node pipe_child.js MODE` (the npm build) or
// `deno run -A pipe_child.ts MODE`; the tests import this module only to have it compiled, and it
// does nothing unless its first argument after the script is one of the modes below.
//   echo:    stdin lines, upper-cased, to stdout; then `lines: N`.
//   refuse:  connect_read_pipe on stdin (a regular file here): prints the error to stderr.
//   epipe:   writes to stdout until the transport is lost: prints what it was lost with.
import process from "node:process";
import * as asyncio from "../mod.ts";
import * as sys from "../stdlib/sys.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** A writer protocol that resolves `lost` with what the connection was lost with. */
class Out extends asyncio.FlowControlMixin {
  constructor(private readonly lost: asyncio.Future<Error | null>) {
    super();
  }
  override connection_lost(exc: Error | null): void {
    super.connection_lost(exc);
    if (!this.lost.done()) this.lost.set_result(exc);
  }
}

function* echo() {
  const loop = asyncio.get_running_loop();
  const reader = new asyncio.StreamReader();
  yield* loop.connect_read_pipe(() => new asyncio.StreamReaderProtocol(reader), sys.stdin);
  const lost = loop.create_future<Error | null>();
  const [transport, protocol] = yield* loop.connect_write_pipe(() => new Out(lost), sys.stdout);
  const writer = new asyncio.StreamWriter(transport as asyncio.Transport, protocol as never, reader, loop);
  let n = 0;
  while (true) {
    const line = yield* reader.readline();
    if (!line.length) break;
    n++;
    writer.write(enc.encode(dec.decode(line).toUpperCase()));
    yield* writer.drain();
  }
  writer.write(enc.encode(`lines: ${n}\n`));
  writer.close();
  yield* lost;
}

function* refuse() {
  const loop = asyncio.get_running_loop();
  try {
    yield* loop.connect_read_pipe(() => new asyncio.Protocol(), sys.stdin);
    process.stderr.write("connected\n");
  } catch (e) {
    process.stderr.write(`${(e as Error).name}: ${(e as Error).message}\n`);
  }
}

function* epipe() {
  const loop = asyncio.get_running_loop();
  const lost = loop.create_future<Error | null>();
  const [transport, protocol] = yield* loop.connect_write_pipe(() => new Out(lost), sys.stdout);
  const writer = new asyncio.StreamWriter(transport as asyncio.Transport, protocol as never, null, loop);
  const chunk = new Uint8Array(64 * 1024).fill(0x78);
  while (!lost.done()) {
    writer.write(chunk);
    try {
      yield* writer.drain();
    } catch (e) {
      process.stderr.write(`drain: ${(e as Error).name}\n`);
      break;
    }
  }
  const exc = yield* lost;
  process.stderr.write(`lost: ${exc === null ? "None" : exc.name}\n`);
}

const modes: Record<string, () => asyncio.Coroutine<void>> = { echo, refuse, epipe };
const mode = process.argv.find((a) => a in modes);
if (mode !== undefined && process.argv.includes("--pipe-child")) await asyncio.run(modes[mode]());
