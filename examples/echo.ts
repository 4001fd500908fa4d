/**
 * A TCP echo server and its clients with asyncio's streams, as a Python program would write them
 * (`asyncio.start_server`, `asyncio.open_connection`, `readline`, `drain`, `async with server`),
 * then what goes wrong on a network: a peer that never answers (a timeout on the read) and a port
 * nobody listens on (CPython's `ConnectionRefusedError` and message).
 *
 * Run: `npx -y deno@2.9.6 run -A examples/echo.ts`
 */
import * as asyncio from "../mod.ts";
import { repr } from "../stdlib/builtins.ts"; // Python's repr(): @pystd/asyncio/builtins

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The server side of one connection: echoes lines back, upper-cased, until the client leaves. */
function* handle_echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) {
  const peer = writer.get_extra_info("peername");
  try {
    while (true) {
      const line = yield* reader.readline();
      if (line.length === 0) break; // the client closed its end
      writer.write(encoder.encode(decoder.decode(line).toUpperCase()));
      yield* writer.drain(); // waits while the client reads slower than we write
    }
    console.log(`  server: ${repr(peer)} left`);
  } finally {
    writer.close();
    yield* writer.wait_closed();
  }
}

/** One client: sends its lines, reads each answer. */
function* client(port: number, name: string, lines: string[]) {
  const [reader, writer] = yield* asyncio.open_connection("127.0.0.1", port);
  try {
    for (const text of lines) {
      writer.write(encoder.encode(`${text}\n`));
      yield* writer.drain();
      const answer = decoder.decode(yield* reader.readline()).trimEnd();
      console.log(`  ${name}: sent ${repr(text)}, got ${repr(answer)}`);
    }
  } finally {
    writer.close();
    yield* writer.wait_closed();
  }
}

/** A server that accepts and then says nothing: a client's read has to give up by itself. */
function* silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) {
  yield* reader.read(); // until the client leaves
  writer.close();
}

function* main() {
  const server = yield* asyncio.start_server(handle_echo, "127.0.0.1", 0);
  const port = (server.sockets[0].getsockname() as [string, number])[1];
  console.log("echo server listening; three clients at once:");
  yield* asyncio.async_with(server, function* () {
    yield* asyncio.gather(
      client(port, "a", ["hello", "world"]),
      client(port, "b", ["asyncio", "in", "typescript"]),
      client(port, "c", ["bye"]),
    );
  });
  // Leaving `async with server` closed the listener; wait_closed() waits for its connections.
  yield* server.wait_closed();
  console.log(`server closed: is_serving() = ${server.is_serving()}`);

  console.log("\na peer that never answers:");
  const quiet = yield* asyncio.start_server(silent, "127.0.0.1", 0);
  const quiet_port = (quiet.sockets[0].getsockname() as [string, number])[1];
  const [reader, writer] = yield* asyncio.open_connection("127.0.0.1", quiet_port);
  try {
    yield* asyncio.async_with(asyncio.timeout(0.2), function* () {
      yield* reader.readline();
    });
  } catch (e) {
    if (!(e instanceof asyncio.TimeoutError)) throw e;
    console.log("  no answer within 0.2 s: TimeoutError");
  } finally {
    writer.close();
    yield* writer.wait_closed();
    quiet.close();
    yield* quiet.wait_closed();
  }

  console.log("\na port nobody listens on:");
  try {
    yield* asyncio.open_connection("127.0.0.1", port);
  } catch (e) {
    console.log(`  ${(e as Error).constructor.name}: ${(e as Error).message}`);
  }
}

await asyncio.run(main());
