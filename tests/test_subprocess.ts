// Port of Lib/test/test_asyncio/test_subprocess.py (read from CPython 3.13.0's tree; 3.14 semantics
// from the 3.14 source). The children are the same Python programs, run with `python3` (the
// `PYTHON` environment variable names another); the tests are skipped where there is none.
//
// Not ported, and why:
// - test_start_new_session: `start_new_session` (a new session for the child) is not an option the
//   hosts both have; Popen raises TypeError for it.
// - test_stdin_broken_pipe, test_stdin_not_inheritable: they pass a pipe of os.pipe() to the child
//   (`pass_fds`), and a child gets no descriptor but its three standard streams here.
// - test_close_dont_kill_finished: it waits for the child with the blocking `Popen.wait()`.
// - test_popen_error, test_popen_error_with_stdin_pipe: they patch `subprocess.Popen` to raise;
//   test_popen_error_missing_program below checks the same (the transport is closed, nothing is
//   left open, no warning) with a program that does not exist.
// - test_create_subprocess_exec_with_path: `os.PathLike` does not exist in JavaScript.
// - test_subprocess_send_signal_race, the watcher and Windows tests: CPython's child watchers and
//   Windows loops; the host reports a child's exit here.
import { afterEach, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import * as asyncio from "../mod.ts";
import { BaseSubprocessTransport } from "../base_subprocess.ts";
import { DEVNULL, PIPE, STDOUT } from "../subprocess.ts";
import { FileNotFoundError, ProcessLookupError, TypeError, ValueError } from "../stdlib/builtins.ts";
import { SIGHUP, SIGKILL, SIGTERM } from "../stdlib/signal.ts";
import { repr } from "../stdlib/_repr.ts";
import type { Popen } from "../stdlib/subprocess.ts";
import {
  capture_warnings,
  HAVE_PYTHON,
  MockCallback,
  PYTHON,
  run_briefly,
  TestCase,
  type TestLoop,
} from "./utils.ts";

const skip = HAVE_PYTHON ? false : `no ${PYTHON} to run the child programs`;

// A program that blocks, and one that copies its input to its output.
const PROGRAM_BLOCKED: [string, ...string[]] = [PYTHON, "-c", "import time; time.sleep(3600)"];
const PROGRAM_CAT: [string, ...string[]] = [
  PYTHON,
  "-c",
  ["import sys", "data = sys.stdin.buffer.read()", "sys.stdout.buffer.write(data)"].join(";"),
];

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array | null): string => new TextDecoder().decode(b ?? new Uint8Array(0));

/** CPython's TestSubprocessTransport: `_start` makes a stand-in for Popen, with no pipes. */
class TestSubprocessTransport extends BaseSubprocessTransport {
  override _start(): void {
    this._proc = {
      stdin: null,
      stdout: null,
      stderr: null,
      pid: -1,
      returncode: null,
      poll: () => null,
      kill: MockCallback(),
      send_signal: MockCallback(),
    } as unknown as Popen;
  }
}

describe("SubprocessTransportTests", () => {
  let tc: TestCase;
  let loop: TestLoop;
  beforeEach(() => {
    tc = new TestCase();
    tc.setUp();
    loop = tc.new_test_loop();
  });
  afterEach(() => tc.tearDown());

  function create_transport(waiter: asyncio.Future<null> | null = null) {
    const protocol = {
      connection_made: MockCallback(),
      connection_lost: MockCallback(),
      pipe_data_received: MockCallback(),
      pipe_connection_lost: MockCallback(),
      process_exited: MockCallback(),
      pause_writing: MockCallback(),
      resume_writing: MockCallback(),
    };
    const transport = new TestSubprocessTransport(
      loop,
      protocol as unknown as asyncio.SubprocessProtocol,
      { args: ["test"], shell: false, stdin: null, stdout: null, stderr: null, bufsize: 0, kwargs: {} },
      waiter,
    );
    return [transport, protocol] as const;
  }

  test("test_proc_exited", async () => {
    const waiter = loop.create_future<null>();
    const [transport, protocol] = create_transport(waiter);
    transport._process_exited(6);
    await loop.run_until_complete(waiter);
    assert.equal(transport.get_returncode(), 6);
    assert.ok(protocol.connection_made.called);
    assert.ok(protocol.process_exited.called);
    assert.ok(protocol.connection_lost.called);
    assert.deepEqual(protocol.connection_lost.calls[0], [null]);
    assert.equal(transport.is_closing(), false);
    assert.equal(transport._loop, null);
    assert.equal(transport._proc, null);
    assert.equal(transport._protocol, null);
    // Once the child has exited, these raise ProcessLookupError.
    assert.throws(() => transport.send_signal(SIGTERM), ProcessLookupError);
    assert.throws(() => transport.terminate(), ProcessLookupError);
    assert.throws(() => transport.kill(), ProcessLookupError);
    transport.close();
  });

  test("test_subprocess_repr", async () => {
    const waiter = loop.create_future<null>();
    const [transport] = create_transport(waiter);
    transport._process_exited(6);
    await loop.run_until_complete(waiter);
    assert.equal(repr(transport), "<TestSubprocessTransport pid=-1 returncode=6>");
    transport._returncode = null;
    assert.equal(repr(transport), "<TestSubprocessTransport pid=-1 running>");
    transport._pid = null;
    transport._returncode = null;
    assert.equal(repr(transport), "<TestSubprocessTransport not started>");
    transport.close();
  });
});

describe("SubprocessMixin", { skip }, () => {
  let tc: TestCase;
  let loop: asyncio.AbstractEventLoop;
  const run = <T>(coro: asyncio.Coroutine<T>): Promise<T> => loop.run_until_complete(coro);
  beforeEach(() => {
    tc = new TestCase();
    tc.setUp();
    loop = new asyncio.SelectorEventLoop();
    tc.set_event_loop(loop);
    asyncio.set_event_loop(loop);
  });
  afterEach(async () => {
    if (!loop.is_closed()) await run_briefly(loop);
    await tc.tearDown();
  });

  test("test_stdin_stdout", async () => {
    function* go(data: Uint8Array) {
      const proc = yield* asyncio.create_subprocess_exec(...PROGRAM_CAT, { stdin: PIPE, stdout: PIPE });
      // Feeds the input.
      proc.stdin!.write(data);
      yield* proc.stdin!.drain();
      proc.stdin!.close();
      // The output and the exit code.
      const out = yield* proc.stdout!.read();
      const exitcode = yield* proc.wait();
      return [exitcode, out] as const;
    }
    const [exitcode, stdout] = await run(asyncio.wait_for(go(enc("some data")), 60));
    assert.equal(exitcode, 0);
    assert.deepEqual(stdout, enc("some data"));
  });

  test("test_communicate", async () => {
    function* go(data: Uint8Array) {
      const proc = yield* asyncio.create_subprocess_exec(...PROGRAM_CAT, { stdin: PIPE, stdout: PIPE });
      const [stdout] = yield* proc.communicate(data);
      return [proc.returncode, stdout] as const;
    }
    const [exitcode, stdout] = await run(asyncio.wait_for(go(enc("some data")), 300));
    assert.equal(exitcode, 0);
    assert.deepEqual(stdout, enc("some data"));
  });

  test("test_communicate_none_input", async () => {
    function* go() {
      const proc = yield* asyncio.create_subprocess_exec(...PROGRAM_CAT, { stdin: PIPE, stdout: PIPE });
      const [stdout] = yield* proc.communicate();
      return [proc.returncode, stdout] as const;
    }
    const [exitcode, stdout] = await run(asyncio.wait_for(go(), 300));
    assert.equal(exitcode, 0);
    assert.deepEqual(stdout, new Uint8Array(0));
  });

  test("test_shell", async () => {
    const proc = await run(asyncio.create_subprocess_shell("exit 7"));
    assert.equal(await run(proc.wait()), 7);
  });

  test("test_kill", async () => {
    const proc = await run(asyncio.create_subprocess_exec(...PROGRAM_BLOCKED));
    proc.kill();
    assert.equal(await run(proc.wait()), -SIGKILL);
  });

  test("test_kill_issue43884", async () => {
    const proc = await run(asyncio.create_subprocess_shell("sleep 1; sleep 1", { stdout: PIPE }));
    await run(asyncio.sleep(1));
    proc.kill();
    assert.equal(await run(proc.wait()), -SIGKILL);
  });

  test("test_terminate", async () => {
    const proc = await run(asyncio.create_subprocess_exec(...PROGRAM_BLOCKED));
    proc.terminate();
    assert.equal(await run(proc.wait()), -SIGTERM);
  });

  test("test_send_signal", async () => {
    const code = 'import time; print("sleeping", flush=True); time.sleep(3600)';
    const proc = await run(asyncio.create_subprocess_exec(PYTHON, "-c", code, { stdout: PIPE }));
    function* send_signal() {
      // Waits until the program sleeps.
      const line = yield* proc.stdout!.readline();
      assert.deepEqual(line, enc("sleeping\n"));
      proc.send_signal(SIGHUP);
      return yield* proc.wait();
    }
    assert.equal(await run(send_signal()), -SIGHUP);
  });

  test("test_communicate_ignore_broken_pipe", async () => {
    // Larger than a pipe's buffer; the program ends before stdin can be fed.
    const large_data = new Uint8Array(4 * 1024 * 1024).fill(0x78);
    const proc = await run(asyncio.create_subprocess_exec(PYTHON, "-c", "pass", { stdin: PIPE }));
    // communicate() ignores BrokenPipeError while it feeds stdin.
    loop.set_exception_handler(() => {});
    await run(proc.communicate(large_data));
    await run(proc.wait());
  });

  test("test_pause_reading", async () => {
    const limit = 10;
    const size = limit * 2 + 1;
    const code = ["import sys", `sys.stdout.write("x" * ${size})`, "sys.stdout.flush()"].join("\n");
    const connect_read_pipe = loop.connect_read_pipe.bind(loop);
    const pause = MockCallback();
    const resume = MockCallback();
    (loop as { connect_read_pipe: unknown }).connect_read_pipe = function* (
      ...args: Parameters<typeof connect_read_pipe>
    ) {
      const [transport, protocol] = yield* connect_read_pipe(...args);
      transport.pause_reading = pause as unknown as () => void;
      transport.resume_reading = resume as unknown as () => void;
      return [transport, protocol];
    };
    function* go() {
      const proc = yield* asyncio.create_subprocess_exec(PYTHON, "-c", code, {
        stdin: PIPE,
        stdout: PIPE,
        limit,
      });
      const [stdout] = yield* proc.communicate();
      return stdout;
    }
    // (CPython's issue #22685: the reader pauses its transport when the child writes too much)
    const stdout = await run(go());
    assert.deepEqual(stdout, new Uint8Array(size).fill(0x78));
    assert.ok(pause.called);
    assert.ok(resume.called);
  });

  const LEN_OF_STDIN = "import sys; data = sys.stdin.read(); print(len(data))";

  test("test_empty_input", async () => {
    function* go() {
      const proc = yield* asyncio.create_subprocess_exec(PYTHON, "-c", LEN_OF_STDIN, {
        stdin: PIPE,
        stdout: PIPE,
        stderr: PIPE,
        close_fds: false,
      });
      const [stdout] = yield* proc.communicate(new Uint8Array(0));
      return [stdout, yield* proc.wait()] as const;
    }
    const [output, exitcode] = await run(go());
    assert.equal(dec(output).trimEnd(), "0");
    assert.equal(exitcode, 0);
  });

  test("test_devnull_input", async () => {
    function* go() {
      const proc = yield* asyncio.create_subprocess_exec(PYTHON, "-c", LEN_OF_STDIN, {
        stdin: DEVNULL,
        stdout: PIPE,
        stderr: PIPE,
        close_fds: false,
      });
      const [stdout] = yield* proc.communicate();
      return [stdout, yield* proc.wait()] as const;
    }
    const [output, exitcode] = await run(go());
    assert.equal(dec(output).trimEnd(), "0");
    assert.equal(exitcode, 0);
  });

  test("test_devnull_output", async () => {
    function* go() {
      const proc = yield* asyncio.create_subprocess_exec(PYTHON, "-c", LEN_OF_STDIN, {
        stdin: PIPE,
        stdout: DEVNULL,
        stderr: PIPE,
        close_fds: false,
      });
      const [stdout] = yield* proc.communicate(enc("abc"));
      return [stdout, yield* proc.wait()] as const;
    }
    const [output, exitcode] = await run(go());
    assert.equal(output, null);
    assert.equal(exitcode, 0);
  });

  test("test_devnull_error", async () => {
    function* go() {
      const proc = yield* asyncio.create_subprocess_exec(PYTHON, "-c", LEN_OF_STDIN, {
        stdin: PIPE,
        stdout: PIPE,
        stderr: DEVNULL,
        close_fds: false,
      });
      const [, stderr] = yield* proc.communicate(enc("abc"));
      return [stderr, yield* proc.wait()] as const;
    }
    const [output, exitcode] = await run(go());
    assert.equal(output, null);
    assert.equal(exitcode, 0);
  });

  // Node gives a child Unix sockets for its pipes (libuv's), and /dev/stdin cannot be opened on
  // a socket; Deno gives pipes.
  const node_sockets = typeof (globalThis as { Deno?: unknown }).Deno === "undefined"
    ? "Node's child pipes are sockets: /dev/stdin cannot be opened on one"
    : false;

  test("test_devstdin_input", { skip: node_sockets }, async () => {
    const code = 'file = open("/dev/stdin"); data = file.read(); print(len(data))';
    function* go(message: Uint8Array) {
      const proc = yield* asyncio.create_subprocess_exec(PYTHON, "-c", code, {
        stdin: PIPE,
        stdout: PIPE,
        stderr: PIPE,
        close_fds: false,
      });
      const [stdout] = yield* proc.communicate(message);
      return [stdout, yield* proc.wait()] as const;
    }
    const [output, exitcode] = await run(go(enc("abc")));
    assert.equal(dec(output).trimEnd(), "3");
    assert.equal(exitcode, 0);
  });

  test("test_cancel_process_wait", async () => {
    // (CPython's issue #23140: cancelling Process.wait())
    function* cancel_wait() {
      const proc = yield* asyncio.create_subprocess_exec(...PROGRAM_BLOCKED);
      // A task waiting for the exit, cancelled.
      const task = loop.create_task(proc.wait());
      loop.call_soon(() => task.cancel());
      try {
        yield* task;
      } catch (e) {
        if (!(e instanceof asyncio.CancelledError)) throw e;
      }
      task.cancel();
      // The child is killed and waited for.
      proc.kill();
      yield* proc.wait();
    }
    await run(cancel_wait());
  });

  test("test_cancel_make_subprocess_transport_exec", async () => {
    function* cancel_make_transport() {
      const task = loop.create_task(asyncio.create_subprocess_exec(...PROGRAM_BLOCKED));
      loop.call_soon(() => task.cancel());
      try {
        yield* task;
      } catch (e) {
        if (!(e instanceof asyncio.CancelledError)) throw e;
      }
    }
    await run(cancel_make_transport());
  });

  test("test_cancel_post_init", async () => {
    function* cancel_make_transport() {
      const task = loop.create_task(
        loop.subprocess_exec(() => new asyncio.SubprocessProtocol(), ...PROGRAM_BLOCKED),
      );
      loop.call_soon(() => task.cancel());
      try {
        yield* task;
      } catch (e) {
        if (!(e instanceof asyncio.CancelledError)) throw e;
      }
    }
    await run(cancel_make_transport());
    // (the child was killed: let its exit be reported before the loop closes)
    await run(asyncio.sleep(0.2));
  });

  test("test_close_kill_running", async () => {
    function* kill_running() {
      const [transport] = yield* loop.subprocess_exec(
        () => new asyncio.SubprocessProtocol(),
        ...PROGRAM_BLOCKED,
      );
      let kill_called = false;
      const proc = transport.get_extra_info("subprocess") as Popen;
      const orig_kill = proc.kill.bind(proc);
      proc.kill = () => {
        kill_called = true;
        orig_kill();
      };
      const returncode = transport.get_returncode();
      transport.close();
      yield* asyncio.wait_for((transport as BaseSubprocessTransport)._wait(), 5);
      return [returncode, kill_called] as const;
    }
    const [returncode, killed] = await run(kill_running());
    assert.equal(returncode, null);
    // close() kills a child that still runs.
    assert.ok(killed);
    await run_briefly(loop);
  });

  // Not in CPython as such (see the header): a program that cannot start raises FileNotFoundError
  // from create_subprocess_exec, with no warning, and leaves nothing open (with a stdin pipe too).
  test("test_popen_error_missing_program", async () => {
    for (const stdin of [null, PIPE]) {
      const w = capture_warnings();
      try {
        await assert.rejects(
          run(asyncio.create_subprocess_exec("/nonexistent/program", "-c", "pass", { stdin })),
          (e: unknown) =>
            e instanceof FileNotFoundError &&
            e.message === "[Errno 2] No such file or directory: '/nonexistent/program'",
        );
      } finally {
        w.restore();
      }
      assert.deepEqual(w.warnings, []);
    }
  });

  // Not in CPython's file: the arguments Popen takes (str or bytes, what CPython's os.fsencode
  // takes), its TypeError for others, and the TypeError for a missing program, where JavaScript
  // would pass `undefined` on.
  test("test_exec_argument_types", async () => {
    const exec = asyncio.create_subprocess_exec as (...a: unknown[]) => asyncio.Coroutine<asyncio.Process>;
    const subprocess_exec = (loop: asyncio.AbstractEventLoop) =>
      loop.subprocess_exec as (...a: unknown[]) => asyncio.Coroutine<unknown>;
    for (
      const [args, type] of [[["echo", 5], "int"], [["echo", null], "NoneType"], [
        [null],
        "NoneType",
      ]] as const
    ) {
      await assert.rejects(
        run(exec(...args, { stdout: PIPE })),
        (e: unknown) =>
          e instanceof TypeError && e.message === `expected str, bytes or os.PathLike object, not ${type}`,
      );
    }
    const proc_out = function* (args: unknown[]) {
      const proc = yield* exec(...args, { stdout: PIPE });
      const [out] = yield* proc.communicate();
      return new TextDecoder().decode(out!);
    };
    assert.equal(await run(proc_out(["echo", enc("hi")])), "hi\n");
    assert.equal(await run(proc_out([enc("echo"), "x"])), "x\n");
    await assert.rejects(
      run(exec()),
      (e: unknown) =>
        e instanceof TypeError &&
        e.message === "create_subprocess_exec() missing 1 required positional argument: 'program'",
    );
    await assert.rejects(
      run((function* () {
        yield* subprocess_exec(asyncio.get_running_loop())(() => new asyncio.SubprocessProtocol());
      })()),
      (e: unknown) =>
        e instanceof TypeError &&
        e.message === "BaseEventLoop.subprocess_exec() missing 1 required positional argument: 'program'",
    );
  });

  test("test_read_stdout_after_process_exit", async () => {
    const code = [
      "import sys",
      "for _ in range(64):",
      '    sys.stdout.write("x" * 4096)',
      "sys.stdout.flush()",
      "sys.exit(1)",
    ].join("\n");
    function* execute() {
      const process = yield* asyncio.create_subprocess_exec(PYTHON, "-c", code, { stdout: PIPE });
      let total = 0;
      while (true) {
        const data = yield* process.stdout!.read(65536);
        if (!data.length) break;
        total += data.length;
        yield* asyncio.sleep(0.3);
      }
      return [total, yield* process.wait()] as const;
    }
    assert.deepEqual(await run(execute()), [64 * 4096, 1]);
  });

  test("test_create_subprocess_exec_text_mode_fails", async () => {
    for (const options of [{ text: true }, { encoding: "utf-8" }, { errors: "strict" }]) {
      await assert.rejects(run(asyncio.create_subprocess_exec(PYTHON, options)), ValueError);
    }
  });

  test("test_create_subprocess_shell_text_mode_fails", async () => {
    for (const options of [{ text: true }, { encoding: "utf-8" }, { errors: "strict" }]) {
      await assert.rejects(run(asyncio.create_subprocess_shell(PYTHON, options)), ValueError);
    }
  });

  function* check_stdout_output(coro: asyncio.Coroutine<asyncio.Process>, output: string) {
    const proc = yield* coro;
    const [stdout] = yield* proc.communicate();
    assert.equal(dec(stdout), output);
    assert.equal(proc.returncode, 0);
    const task = asyncio.create_task(proc.wait());
    yield* asyncio.sleep(0);
    assert.equal(task.result(), proc.returncode);
  }

  test("test_create_subprocess_env_shell", async () => {
    function* main() {
      const cmd = `${PYTHON} -c "import os, sys; sys.stdout.write(os.getenv('FOO'))"`;
      const env = { ...process.env, FOO: "bar" } as Record<string, string>;
      return yield* asyncio.create_subprocess_shell(cmd, { env, stdout: PIPE });
    }
    await run(check_stdout_output(main(), "bar"));
  });

  test("test_create_subprocess_env_exec", async () => {
    function* main() {
      const cmd: [string, ...string[]] = [PYTHON, "-c", "import os, sys; sys.stdout.write(os.getenv('FOO'))"];
      const env = { ...process.env, FOO: "baz" } as Record<string, string>;
      return yield* asyncio.create_subprocess_exec(...cmd, { env, stdout: PIPE });
    }
    await run(check_stdout_output(main(), "baz"));
  });

  test("test_subprocess_concurrent_wait", async () => {
    function* main() {
      const proc = yield* asyncio.create_subprocess_exec(...PROGRAM_CAT, { stdin: PIPE, stdout: PIPE });
      const [stdout] = yield* proc.communicate(enc("some data"));
      assert.deepEqual(stdout, enc("some data"));
      assert.equal(proc.returncode, 0);
      const waits = [];
      for (let i = 0; i < 10; i++) waits.push(proc.wait());
      assert.deepEqual(yield* asyncio.gather(...waits), new Array(10).fill(proc.returncode));
    }
    await run(main());
  });

  test("test_subprocess_protocol_events", async () => {
    // (CPython's gh-108973: every protocol method is called; in no fixed order across the pipes)
    const events: unknown[][] = [];
    const fds = [1, 2];
    const expected = [
      ["pipe_data_received", 1, "stdout"],
      ["pipe_data_received", 2, "stderr"],
      ["pipe_connection_lost", 1],
      ["pipe_connection_lost", 2],
      ["process_exited"],
    ];
    class MyProtocol extends asyncio.SubprocessProtocol {
      constructor(private readonly exit_future: asyncio.Future<boolean>) {
        super();
      }
      override pipe_data_received(fd: number, data: Uint8Array) {
        events.push(["pipe_data_received", fd, dec(data)]);
        this.exit_maybe();
      }
      override pipe_connection_lost(fd: number, _exc: Error | null) {
        events.push(["pipe_connection_lost", fd]);
        this.exit_maybe();
      }
      override process_exited() {
        events.push(["process_exited"]);
        this.exit_maybe();
      }
      exit_maybe() {
        // Done once every expected event came.
        if (events.length >= expected.length) this.exit_future.set_result(true);
      }
    }
    function* main() {
      const l = asyncio.get_running_loop();
      const exit_future = l.create_future<boolean>();
      const code = 'import sys; sys.stdout.write("stdout"); sys.stderr.write("stderr")';
      const [transport] = yield* l.subprocess_exec(() => new MyProtocol(exit_future), PYTHON, "-c", code, {
        stdin: null,
      });
      yield* exit_future;
      transport.close();
    }
    await run(main());
    // Every event came...
    const key = (e: unknown[]) => JSON.stringify(e);
    assert.deepEqual(new Set(events.map(key)), new Set(expected.map(key)));
    // ... and per descriptor, data before the pipe closed.
    for (const fd of fds) {
      const names = events.filter((e) => e[0] !== "process_exited" && e[1] === fd).map((e) => e[0]);
      assert.deepEqual(names, ["pipe_data_received", "pipe_connection_lost"], JSON.stringify([fd, events]));
    }
  });

  test("test_subprocess_communicate_stdout", async () => {
    // (CPython's issue #100133)
    function* get_command_stdout(cmd: string, ...args: string[]) {
      const proc = yield* asyncio.create_subprocess_exec(cmd, ...args, { stdout: PIPE });
      const [stdout] = yield* proc.communicate();
      return dec(stdout).trim();
    }
    function* main() {
      const outputs = Array.from({ length: 10 }, (_, i) => `foo${i}`);
      const res = yield* asyncio.gather(
        ...outputs.map((out) => get_command_stdout(PYTHON, "-c", `print(${JSON.stringify(out)})`)),
      );
      assert.deepEqual(res, outputs);
    }
    await run(main());
  });

  // Not in CPython: stderr=STDOUT, which this port emulates by reading both of the child's streams
  // into one pipe (see stdlib/subprocess.ts).
  test("test_stderr_to_stdout", async () => {
    const code = 'import sys; sys.stdout.write("out\\n"); sys.stdout.flush(); sys.stderr.write("err\\n")';
    function* go() {
      const proc = yield* asyncio.create_subprocess_exec(PYTHON, "-c", code, {
        stdout: PIPE,
        stderr: STDOUT,
      });
      const [stdout, stderr] = yield* proc.communicate();
      return [dec(stdout), stderr, proc.returncode] as const;
    }
    const [stdout, stderr, rc] = await run(go());
    assert.deepEqual(stdout.split("\n").sort(), ["", "err", "out"]);
    assert.equal(stderr, null);
    assert.equal(rc, 0);
  });
});
