"""
Random asyncio programs written twice, in Python and in TypeScript on this port, for
scripts/fuzz_cpython.ts to run on CPython 3.14 (Pyodide) and on the port and compare line by line.

    python3 scripts/fuzz/gen.py tasks|streams|callbacks|sync|staggered|timeouts|runner FROM TO OUTDIR ROOT

writes OUTDIR/p<seed>.py and .ts for each seed in FROM..TO, plus OUTDIR/batch.py and batch.ts that
run them all in order, each after a "=== <seed>" line. ROOT is the repository's absolute path (the
TypeScript twins import the port from it).

"tasks": a few coroutine functions f0..fN calling, spawning, cancelling and awaiting each other
through sleep, create_task (eager or not), gather, wait, wait_for, shield, as_completed (both
forms), timeout (and reschedule), TaskGroup, a Lock, a Semaphore, an Event, a Condition, a Barrier,
an unbounded and a bounded Queue (join, task_done, shutdown), self-cancellation with uncancel(), and
a ContextVar, a fifth of them under eager_task_factory; every step logs the loop's (virtual) time, the task, the
variable's value and what happened. "streams": a StreamReader fed in chunks by one task (then EOF, an
exception, or nothing) while another reads with read/readline/readuntil (one or several
separators)/readexactly/async for, under small limits, logging results, errors and the buffer size.
"callbacks": call_soon/call_later/call_at (many timers due at the same moment), cancelled handles,
futures' done callbacks added and removed, results, exceptions and cancellations. "sync": workers
contending for the locks, an Event, a Barrier and a queue under timeouts while another task cancels
them (see SyncPrograms). "staggered": staggered_race() over coroutines that return, raise, hang or
swallow their cancellation. "timeouts": nested timeout()/timeout_at()/wait_for() with reschedule()
and swallowed cancellations (see TimeoutPrograms). "runner": one asyncio.Runner running several
coroutines in turn (see runner_program).
"""
import os
import random
import sys

# --- tasks

SLEEPS = [0, 0, 0, 0.1, 0.2, 0.3]


class TaskPrograms:
    def __init__(self, seed, nfuncs):
        self.r = random.Random(seed)
        self.n = nfuncs
        self.counter = 0

    def pick_callee(self, i):
        if i + 1 >= self.n:
            return None
        return self.r.randrange(i + 1, self.n)

    def label(self, fi):
        self.counter += 1
        return f"f{fi}.{self.counter}"

    # statements: list of (py_lines, ts_lines) with indentation handled by caller
    def stmts(self, fi, depth, count):
        out = []
        for _ in range(count):
            out.extend(self.stmt(fi, depth))
        return out

    def stmt(self, fi, depth):
        r = self.r
        kinds = ["log", "sleep", "sleep", "spawn", "spawn", "await_task", "cancel", "call",
                 "timeout", "wait_for", "gather", "taskgroup", "shield", "lock", "event_set",
                 "event_wait", "queue_put", "queue_get", "cancel_self_maybe",
                 "wait", "as_completed", "as_completed_async", "sem", "cond_notify", "cond_wait", "cancelling",
                 "ctx_set", "ctx_set", "sleep_result", "bq_put", "bq_get", "bq_task_done", "bq_join",
                 "bq_shutdown", "barrier", "reschedule"]
        if depth >= 9:
            kinds = ["log", "sleep", "spawn", "event_set", "queue_put", "ctx_set", "cancelling"]
        elif depth >= 2:
            kinds = ["log", "sleep", "spawn", "await_task", "cancel", "call", "event_set", "queue_put"]
        k = r.choice(kinds)
        callee = self.pick_callee(fi)
        L = self.label(fi)
        P, T = [], []
        if k == "log" or (callee is None and k in ("spawn", "call", "wait_for", "gather", "shield", "taskgroup", "wait", "as_completed", "as_completed_async")):
            P.append(f"log({L!r})")
            T.append(f"log({ts_str(L)});")
        elif k == "sleep":
            d = r.choice(SLEEPS)
            P.append(f"await asyncio.sleep({d})")
            T.append(f"yield* asyncio.sleep({d});")
            P.append(f"log({L!r}, 'slept')")
            T.append(f"log({ts_str(L)}, 'slept');")
        elif k == "spawn":
            eager = r.random() < 0.2
            P.append(f"ts.append(asyncio.create_task(f{callee}(), name={L!r}{', eager_start=True' if eager else ''}))")
            T.append(f"ts.push(asyncio.create_task(f{callee}(), {{ name: {ts_str(L)}{', eager_start: true' if eager else ''} }}));")
        elif k == "await_task":
            rr = r.random() < 0.5
            P += ["if ts:", "    try:", f"        log({L!r}, 'awaited', await ts[-1])",
                  "    except BaseException as e:", f"        log({L!r}, 'task raised', describe(e))",
                  "        if isinstance(e, asyncio.CancelledError) and " + py_bool(rr) + ":", "            raise"]
            T += ["if (ts.length) {", "  try {", f"    log({ts_str(L)}, 'awaited', yield* ts[ts.length - 1]);",
                  "  } catch (e) {", f"    log({ts_str(L)}, 'task raised', describe(e));",
                  "    if (e instanceof asyncio.CancelledError && " + ts_bool(rr) + ") throw e;", "  }", "}"]
        elif k == "cancel":
            msg = r.choice([None, L])
            P += ["if ts:", f"    log({L!r}, 'cancel', ts[0].cancel({'' if msg is None else repr(msg)}))"]
            T += ["if (ts.length) {", f"  log({ts_str(L)}, 'cancel', ts[0].cancel({'' if msg is None else ts_str(msg)}));", "}"]
        elif k == "call":
            P += ["try:", f"    log({L!r}, 'returned', await f{callee}())", "except Exception as e:", f"    log({L!r}, 'call raised', describe(e))"]
            T += ["try {", f"  log({ts_str(L)}, 'returned', yield* f{callee}());", "} catch (e) {",
                  "  if (!(e instanceof Exception)) throw e;", f"  log({ts_str(L)}, 'call raised', describe(e));", "}"]
        elif k == "timeout":
            d = r.choice([0, 0.1, 0.2, 0.3, 0.5, None])
            cmv = "cm_" + L.replace(".", "_")
            body = self.stmts(fi, depth + 1, r.randint(1, 3))
            P += ["try:", f"    async with asyncio.timeout({d}) as {cmv}:"] + ind(body_py(body), 8) + [
                f"        log({L!r}, 'timeout done in', {cmv}.expired())", f"    log({L!r}, 'timeout left')",
                "except TimeoutError as e:", f"    log({L!r}, 'timed out', describe(e))"]
            T += ["try {", f"  yield* asyncio.async_with(asyncio.timeout({ts_num(d)}), function* ({cmv}) {{"] + ind(body_ts(body), 4) + [
                f"    log({ts_str(L)}, 'timeout done in', {cmv}.expired());", "  });", f"  log({ts_str(L)}, 'timeout left');",
                "} catch (e) {", "  if (!(e instanceof TimeoutError)) throw e;", f"  log({ts_str(L)}, 'timed out', describe(e));", "}"]
        elif k == "wait_for":
            d = r.choice([0, 0.1, 0.2, 0.3, 0.5, None])
            P += ["try:", f"    log({L!r}, 'wait_for', await asyncio.wait_for(f{callee}(), {d}))", "except (TimeoutError, ValueError, ExceptionGroup) as e:", f"    log({L!r}, 'wait_for raised', describe(e))"]
            T += ["try {", f"  log({ts_str(L)}, 'wait_for', yield* asyncio.wait_for(f{callee}(), {ts_num(d)}));", "} catch (e) {",
                  "  if (!(e instanceof TimeoutError || e instanceof ValueError || e instanceof ExceptionGroup)) throw e;", f"  log({ts_str(L)}, 'wait_for raised', describe(e));", "}"]
        elif k == "gather":
            other = self.pick_callee(fi) or callee
            re = r.random() < 0.5
            P += ["try:", f"    log({L!r}, 'gather', await asyncio.gather(f{callee}(), f{other}(){', return_exceptions=True' if re else ''}))",
                  "except (ValueError, ExceptionGroup, TimeoutError) as e:", f"    log({L!r}, 'gather raised', describe(e))"]
            T += ["try {", f"  log({ts_str(L)}, 'gather', yield* asyncio.gather(f{callee}(), f{other}(){', { return_exceptions: true }' if re else ''}));", "} catch (e) {",
                  "  if (!(e instanceof ValueError || e instanceof ExceptionGroup || e instanceof TimeoutError)) throw e;", f"  log({ts_str(L)}, 'gather raised', describe(e));", "}"]
        elif k == "taskgroup":
            other = self.pick_callee(fi) or callee
            body = self.stmts(fi, depth + 1, r.randint(0, 2))
            P += ["try:", "    async with asyncio.TaskGroup() as tg:", f"        tg.create_task(f{callee}(), name={L + 'a'!r})",
                  f"        tg.create_task(f{other}(), name={L + 'b'!r})"] + ind(body_py(body), 8) + [
                f"    log({L!r}, 'group done')", "except BaseExceptionGroup as e:", f"    log({L!r}, 'group raised', describe(e))"]
            T += ["try {", "  yield* asyncio.async_with(new asyncio.TaskGroup(), function* (tg) {",
                  f"    tg.create_task(f{callee}(), {{ name: {ts_str(L + 'a')} }});",
                  f"    tg.create_task(f{other}(), {{ name: {ts_str(L + 'b')} }});"] + ind(body_ts(body), 4) + [
                "  });", f"  log({ts_str(L)}, 'group done');", "} catch (e) {",
                "  if (!(e instanceof BaseExceptionGroup)) throw e;", f"  log({ts_str(L)}, 'group raised', describe(e));", "}"]
        elif k == "shield":
            P += ["try:", f"    log({L!r}, 'shielded', await asyncio.shield(f{callee}()))", "except asyncio.CancelledError as e:",
                  f"    log({L!r}, 'shield cancelled', describe(e))", "    raise", "except Exception as e:", f"    log({L!r}, 'shield raised', describe(e))"]
            T += ["try {", f"  log({ts_str(L)}, 'shielded', yield* asyncio.shield(f{callee}()));", "} catch (e) {",
                  f"  if (e instanceof asyncio.CancelledError) {{ log({ts_str(L)}, 'shield cancelled', describe(e)); throw e; }}",
                  "  if (!(e instanceof Exception)) throw e;", f"  log({ts_str(L)}, 'shield raised', describe(e));", "}"]
        elif k == "lock":
            body = self.stmts(fi, 9, r.randint(1, 2))
            P += ["async with LOCK:", f"    log({L!r}, 'locked')"] + ind(body_py(body), 4)
            T += ["yield* asyncio.async_with(LOCK, function* () {", f"  log({ts_str(L)}, 'locked');"] + ind(body_ts(body), 2) + ["});"]
        elif k == "event_set":
            P.append(f"EV.set(); log({L!r}, 'set')")
            T.append(f"EV.set(); log({ts_str(L)}, 'set');")
        elif k == "event_wait":
            d = r.choice([0.1, 0.3])
            P += ["try:", f"    log({L!r}, 'event', await asyncio.wait_for(EV.wait(), {d}))", "except TimeoutError:", f"    log({L!r}, 'event timeout')"]
            T += ["try {", f"  log({ts_str(L)}, 'event', yield* asyncio.wait_for(EV.wait(), {d}));", "} catch (e) {",
                  "  if (!(e instanceof TimeoutError)) throw e;", f"  log({ts_str(L)}, 'event timeout');", "}"]
        elif k == "queue_put":
            P.append(f"Q.put_nowait({L!r}); log({L!r}, 'put', Q.qsize())")
            T.append(f"Q.put_nowait({ts_str(L)}); log({ts_str(L)}, 'put', Q.qsize());")
        elif k == "queue_get":
            d = r.choice([0.1, 0.3])
            P += ["try:", f"    log({L!r}, 'got', await asyncio.wait_for(Q.get(), {d}))", "except TimeoutError:", f"    log({L!r}, 'get timeout')"]
            T += ["try {", f"  log({ts_str(L)}, 'got', yield* asyncio.wait_for(Q.get(), {d}));", "} catch (e) {",
                  "  if (!(e instanceof TimeoutError)) throw e;", f"  log({ts_str(L)}, 'get timeout');", "}"]
        elif k == "cancel_self_maybe":
            P += [f"log({L!r}, 'cancelling self', asyncio.current_task().cancel())", "try:", "    await asyncio.sleep(0)",
                  "except asyncio.CancelledError:", f"    log({L!r}, 'self-cancel caught', asyncio.current_task().uncancel())"]
            T += [f"log({ts_str(L)}, 'cancelling self', asyncio.current_task()!.cancel());", "try {", "  yield* asyncio.sleep(0);",
                  "} catch (e) {", "  if (!(e instanceof asyncio.CancelledError)) throw e;",
                  f"  log({ts_str(L)}, 'self-cancel caught', asyncio.current_task()!.uncancel());", "}"]
        elif k == "wait":
            other = self.pick_callee(fi) or callee
            d = r.choice([None, 0, 0.1, 0.3])
            rw = r.choice(["FIRST_COMPLETED", "FIRST_EXCEPTION", "ALL_COMPLETED"])
            P += [f"ta = asyncio.create_task(f{callee}(), name={L + 'a'!r}); tb = asyncio.create_task(f{other}(), name={L + 'b'!r})",
                  f"done, pending = await asyncio.wait([ta, tb], timeout={d}, return_when=asyncio.{rw})",
                  f"log({L!r}, 'wait', sorted(t.get_name() for t in done), sorted(t.get_name() for t in pending))"]
            T += ["{", f"  const ta = asyncio.create_task(f{callee}(), {{ name: {ts_str(L + 'a')} }}), tb = asyncio.create_task(f{other}(), {{ name: {ts_str(L + 'b')} }});",
                  f"  const [done, pending] = yield* asyncio.wait([ta, tb], {{ timeout: {ts_num(d)}, return_when: asyncio.{rw} }});",
                  f"  log({ts_str(L)}, 'wait', [...done].map((t) => t.get_name()).sort(), [...pending].map((t) => t.get_name()).sort());", "}"]
        elif k == "as_completed":
            other = self.pick_callee(fi) or callee
            d = r.choice([None, 0.1, 0.3])
            P += [f"for f in asyncio.as_completed([asyncio.create_task(f{callee}(), name={L + 'a'!r}), asyncio.create_task(f{other}(), name={L + 'b'!r})], timeout={d}):",
                  "    try:", f"        log({L!r}, 'ac', await f)", "    except TimeoutError:", f"        log({L!r}, 'ac timeout')", "        break",
                  "    except Exception as e:", f"        log({L!r}, 'ac raised', describe(e))"]
            T += [f"for (const f of asyncio.as_completed([asyncio.create_task(f{callee}(), {{ name: {ts_str(L + 'a')} }}), asyncio.create_task(f{other}(), {{ name: {ts_str(L + 'b')} }})], {{ timeout: {ts_num(d)} }})) {{",
                  "  try {", f"    log({ts_str(L)}, 'ac', yield* f);", "  } catch (e) {",
                  f"    if (e instanceof TimeoutError) {{ log({ts_str(L)}, 'ac timeout'); break; }}",
                  "    if (!(e instanceof Exception)) throw e;", f"    log({ts_str(L)}, 'ac raised', describe(e));", "  }", "}"]
        elif k == "as_completed_async":
            other = self.pick_callee(fi) or callee
            d = r.choice([None, 0.1, 0.3])
            P += ["try:", f"    async for t in asyncio.as_completed([asyncio.create_task(f{callee}(), name={L + 'a'!r}), asyncio.create_task(f{other}(), name={L + 'b'!r})], timeout={d}):",
                  f"        log({L!r}, 'aca', t.get_name(), t.cancelled() or t.exception() or t.result())", "except TimeoutError:", f"    log({L!r}, 'aca timeout')"]
            T += ["try {", f"  yield* asyncio.async_for(asyncio.as_completed([asyncio.create_task(f{callee}(), {{ name: {ts_str(L + 'a')} }}), asyncio.create_task(f{other}(), {{ name: {ts_str(L + 'b')} }})], {{ timeout: {ts_num(d)} }}), function* (t) {{",
                  f"    log({ts_str(L)}, 'aca', t.get_name(), t.cancelled() || t.exception() || t.result());", "  });", "} catch (e) {",
                  "  if (!(e instanceof TimeoutError)) throw e;", f"  log({ts_str(L)}, 'aca timeout');", "}"]
        elif k == "sem":
            body = self.stmts(fi, 9, r.randint(1, 2))
            P += ["async with SEM:", f"    log({L!r}, 'sem', SEM._value)"] + ind(body_py(body), 4)
            T += ["yield* asyncio.async_with(SEM, function* () {", f"  log({ts_str(L)}, 'sem', SEM._value);"] + ind(body_ts(body), 2) + ["});"]
        elif k == "cond_notify":
            n = r.choice([1, 2, None])
            P += ["async with COND:", f"    COND.{'notify_all()' if n is None else f'notify({n})'}; log({L!r}, 'notified')"]
            T += ["yield* asyncio.async_with(COND, function* () {", f"  COND.{'notify_all()' if n is None else f'notify({n})'}; log({ts_str(L)}, 'notified');", "});"]
        elif k == "cond_wait":
            d = r.choice([0.1, 0.3])
            P += ["try:", "    async with COND:", f"        log({L!r}, 'cond', await asyncio.wait_for(COND.wait(), {d}), COND.locked())",
                  "except TimeoutError:", f"    log({L!r}, 'cond timeout', COND.locked())"]
            T += ["try {", "  yield* asyncio.async_with(COND, function* () {", f"    log({ts_str(L)}, 'cond', yield* asyncio.wait_for(COND.wait(), {d}), COND.locked());", "  });",
                  "} catch (e) {", "  if (!(e instanceof TimeoutError)) throw e;", f"  log({ts_str(L)}, 'cond timeout', COND.locked());", "}"]
        elif k == "cancelling":
            P.append(f"log({L!r}, 'cancelling', asyncio.current_task().cancelling())")
            T.append(f"log({ts_str(L)}, 'cancelling', asyncio.current_task()!.cancelling());")
        elif k == "ctx_set":
            P.append(f"CV.set({L!r})")
            T.append(f"CV.set({ts_str(L)});")
        elif k == "bq_put":
            d = r.choice([0, 0.1, 0.3])
            P += ["try:", f"    await asyncio.wait_for(BQ.put({L!r}), {d}); log({L!r}, 'bq put', BQ.qsize())",
                  "except (TimeoutError, asyncio.QueueShutDown) as e:", f"    log({L!r}, 'bq put failed', describe(e), BQ.qsize())"]
            T += ["try {", f"  yield* asyncio.wait_for(BQ.put({ts_str(L)}), {d}); log({ts_str(L)}, 'bq put', BQ.qsize());", "} catch (e) {",
                  "  if (!(e instanceof TimeoutError || e instanceof asyncio.QueueShutDown)) throw e;",
                  f"  log({ts_str(L)}, 'bq put failed', describe(e), BQ.qsize());", "}"]
        elif k == "bq_get":
            d = r.choice([0, 0.1, 0.3])
            P += ["try:", f"    log({L!r}, 'bq got', await asyncio.wait_for(BQ.get(), {d}), BQ.qsize())",
                  "except (TimeoutError, asyncio.QueueShutDown) as e:", f"    log({L!r}, 'bq get failed', describe(e), BQ.qsize())"]
            T += ["try {", f"  log({ts_str(L)}, 'bq got', yield* asyncio.wait_for(BQ.get(), {d}), BQ.qsize());", "} catch (e) {",
                  "  if (!(e instanceof TimeoutError || e instanceof asyncio.QueueShutDown)) throw e;",
                  f"  log({ts_str(L)}, 'bq get failed', describe(e), BQ.qsize());", "}"]
        elif k == "bq_task_done":
            P += ["try:", f"    BQ.task_done(); log({L!r}, 'bq task_done')", "except ValueError as e:", f"    log({L!r}, 'bq task_done failed', describe(e))"]
            T += ["try {", f"  BQ.task_done(); log({ts_str(L)}, 'bq task_done');", "} catch (e) {", "  if (!(e instanceof ValueError)) throw e;",
                  f"  log({ts_str(L)}, 'bq task_done failed', describe(e));", "}"]
        elif k == "bq_join":
            d = r.choice([0, 0.1, 0.3])
            P += ["try:", f"    await asyncio.wait_for(BQ.join(), {d}); log({L!r}, 'bq joined')", "except TimeoutError:", f"    log({L!r}, 'bq join timeout')"]
            T += ["try {", f"  yield* asyncio.wait_for(BQ.join(), {d}); log({ts_str(L)}, 'bq joined');", "} catch (e) {",
                  "  if (!(e instanceof TimeoutError)) throw e;", f"  log({ts_str(L)}, 'bq join timeout');", "}"]
        elif k == "bq_shutdown":
            if r.random() < 0.3:
                imm = r.random() < 0.5
                P.append(f"BQ.shutdown({py_bool(imm)}); log({L!r}, 'bq shutdown', BQ.qsize())")
                T.append(f"BQ.shutdown({ts_bool(imm)}); log({ts_str(L)}, 'bq shutdown', BQ.qsize());")
            else:
                P.append(f"log({L!r}, 'bq', BQ.qsize(), BQ.empty(), BQ.full())")
                T.append(f"log({ts_str(L)}, 'bq', BQ.qsize(), BQ.empty(), BQ.full());")
        elif k == "barrier":
            d = r.choice([0.1, 0.3])
            P += ["try:", f"    log({L!r}, 'barrier', await asyncio.wait_for(BAR.wait(), {d}), BAR.n_waiting, BAR.broken)",
                  "except (TimeoutError, asyncio.BrokenBarrierError) as e:", f"    log({L!r}, 'barrier failed', describe(e), BAR.n_waiting, BAR.broken)"]
            T += ["try {", f"  log({ts_str(L)}, 'barrier', yield* asyncio.wait_for(BAR.wait(), {d}), BAR.n_waiting, BAR.broken);", "} catch (e) {",
                  "  if (!(e instanceof TimeoutError || e instanceof asyncio.BrokenBarrierError)) throw e;",
                  f"  log({ts_str(L)}, 'barrier failed', describe(e), BAR.n_waiting, BAR.broken);", "}"]
        elif k == "reschedule":
            d = r.choice([0, 0.1, 0.2, None])
            body = self.stmts(fi, depth + 1, r.randint(1, 2))
            cmv = "cm_" + L.replace(".", "_")
            when_py = "None" if d is None else f"asyncio.get_running_loop().time() + {d}"
            when_ts = "null" if d is None else f"asyncio.get_running_loop().time() + {d}"
            P += ["try:", f"    async with asyncio.timeout(0.1) as {cmv}:", f"        {cmv}.reschedule({when_py})"] + ind(body_py(body), 8) + [
                f"        log({L!r}, 'rescheduled timeout done', {cmv}.expired())", f"    log({L!r}, 'rescheduled timeout left')",
                "except TimeoutError as e:", f"    log({L!r}, 'rescheduled timed out', describe(e))"]
            T += ["try {", f"  yield* asyncio.async_with(asyncio.timeout(0.1), function* ({cmv}) {{", f"    {cmv}.reschedule({when_ts});"] + ind(body_ts(body), 4) + [
                f"    log({ts_str(L)}, 'rescheduled timeout done', {cmv}.expired());", "  });", f"  log({ts_str(L)}, 'rescheduled timeout left');",
                "} catch (e) {", "  if (!(e instanceof TimeoutError)) throw e;", f"  log({ts_str(L)}, 'rescheduled timed out', describe(e));", "}"]
        elif k == "sleep_result":
            d = r.choice(SLEEPS)
            P.append(f"log({L!r}, 'sleep result', await asyncio.sleep({d}, {L!r}))")
            T.append(f"log({ts_str(L)}, 'sleep result', yield* asyncio.sleep({d}, {ts_str(L)}));")
        return [(P, T)]

    def program(self):
        py, ts = [], []
        for fi in range(self.n):
            body = self.stmts(fi, 0, self.r.randint(1, 5 if fi else 8))
            raise_it = fi > 0 and self.r.random() < 0.25
            py.append(f"async def f{fi}():")
            py.append("    ts = []")
            py += ind(body_py(body), 4)
            if raise_it:
                py.append(f"    raise ValueError('f{fi}')")
            py.append(f"    return 'f{fi}'")
            py.append("")
            ts.append(f"function* f{fi}(): Generator<unknown, string, unknown> {{")
            ts.append("  const ts: asyncio.Task<string>[] = [];")
            ts += ind(body_ts(body), 2)
            if raise_it:
                ts.append(f"  if (ts.length >= 0) throw new ValueError('f{fi}');")
            ts.append(f"  return 'f{fi}';")
            ts.append("}")
            ts.append("")
        eager = self.r.random() < 0.2
        return ("\n".join(PY_HEAD + [f"EAGER = {py_bool(eager)}"] + py + PY_TAIL) + "\n",
                "\n".join(TS_HEAD + [f"const EAGER = {ts_bool(eager)};"] + ts + TS_TAIL) + "\n")


def ind(lines, n):
    return [" " * n + l for l in lines]


def body_py(body):
    out = []
    for p, _ in body:
        out += p
    return out or ["pass"]


def body_ts(body):
    out = []
    for _, t in body:
        out += t
    return out


def ts_str(s):
    return "'" + s + "'"


def ts_num(d):
    return "null" if d is None else str(d)


def py_bool(b):
    return "True" if b else "False"


def ts_bool(b):
    return "true" if b else "false"


PY_HEAD = """import asyncio

def describe(e):
    if isinstance(e, BaseExceptionGroup):
        return f"{type(e).__name__}({e.message!r}, [{', '.join(describe(x) for x in e.exceptions)}])"
    return repr(e)

def fmt(v):
    if isinstance(v, list):
        return "[" + ", ".join(fmt(x) for x in v) + "]"
    if isinstance(v, BaseException):
        return describe(v)
    return repr(v)

def log(*parts):
    loop = asyncio.get_running_loop()
    t = asyncio.current_task()
    print(f"{loop.time():.1f}", t.get_name() if t else None, CV.get(), *[p if isinstance(p, str) else fmt(p) for p in parts])

def handler(loop, ctx):
    # (reported when the collector finds them: when that is differs by design)
    if "never retrieved" in ctx["message"] or "was destroyed" in ctx["message"]:
        return
    print("HANDLER", ctx["message"], describe(ctx.get("exception")))

LOCK = EV = Q = SEM = COND = BQ = BAR = None
import contextvars
CV = contextvars.ContextVar("cv", default="-")
""".split("\n")

PY_TAIL = """async def main():
    global LOCK, EV, Q, SEM, COND, BQ, BAR
    LOCK = asyncio.Lock(); EV = asyncio.Event(); Q = asyncio.Queue(); SEM = asyncio.Semaphore(2); COND = asyncio.Condition()
    BQ = asyncio.Queue(2); BAR = asyncio.Barrier(2)
    if EAGER:
        asyncio.get_running_loop().set_task_factory(asyncio.eager_task_factory)
    asyncio.get_running_loop().set_exception_handler(handler)
    try:
        async with asyncio.timeout(30):
            log("main", await f0())
    except BaseException as e:
        log("main raised", describe(e))
    log("left", sorted(t.get_name() for t in asyncio.all_tasks() if t is not asyncio.current_task()))

try:
    asyncio.run(main())
except BaseException as e:
    print("run raised", describe(e))
""".split("\n")

TS_HEAD = """import * as asyncio from "@ROOT@/mod.ts";
import { run_virtual } from "@ROOT@/test_utils.ts";
import { BaseExceptionGroup, Exception, ExceptionGroup, TimeoutError, ValueError } from "@ROOT@/stdlib/builtins.ts";
import { repr } from "@ROOT@/stdlib/_repr.ts";
import { ContextVar } from "@ROOT@/stdlib/contextvars.ts";

function describe(e: unknown): string {
  if (e instanceof BaseExceptionGroup) {
    return `${e.constructor.name}(${repr(e.message)}, [${e.exceptions.map(describe).join(", ")}])`;
  }
  return repr(e);
}
function fmt(v: unknown): string {
  if (Array.isArray(v)) return "[" + v.map(fmt).join(", ") + "]";
  if (v instanceof Error) return describe(v);
  return repr(v);
}
function log(...parts: unknown[]): void {
  const loop = asyncio.get_running_loop();
  const t = asyncio.current_task();
  console.log([loop.time().toFixed(1), t ? t.get_name() : "None", CV.get(), ...parts.map((p) => typeof p === "string" ? p : fmt(p))].join(" "));
}
let LOCK!: asyncio.Lock, EV!: asyncio.Event, Q!: asyncio.Queue<string>, SEM!: asyncio.Semaphore, COND!: asyncio.Condition;
let BQ!: asyncio.Queue<string>, BAR!: asyncio.Barrier;
const CV = new ContextVar<string>("cv", { default: "-" });
""".split("\n")

TS_TAIL = """function* main() {
  LOCK = new asyncio.Lock(); EV = new asyncio.Event(); Q = new asyncio.Queue<string>(); SEM = new asyncio.Semaphore(2); COND = new asyncio.Condition();
  BQ = new asyncio.Queue<string>({ maxsize: 2 }); BAR = new asyncio.Barrier(2);
  if (EAGER) asyncio.get_running_loop().set_task_factory(asyncio.eager_task_factory);
  asyncio.get_running_loop().set_exception_handler((_loop, ctx) => {
    if (String(ctx.message).includes("never retrieved") || String(ctx.message).includes("was destroyed")) return;
    console.log("HANDLER", ctx.message, describe(ctx.exception ?? null));
  });
  try {
    yield* asyncio.async_with(asyncio.timeout(30), function* () {
      log("main", yield* f0());
    });
  } catch (e) {
    log("main raised", describe(e));
  }
  log("left", [...asyncio.all_tasks()].filter((t) => t !== asyncio.current_task()).map((t) => t.get_name()).sort());
}
try {
  await run_virtual(main());
} catch (e) {
  console.log("run raised", describe(e));
}
""".split("\n")


# --- streams

def pybytes(b):
    return repr(b)

def tsbytes(b):
    # (a Python str literal of these bytes, as latin-1, is a valid JavaScript one: the alphabet has
    # no quotes or backslashes)
    return "B(" + repr(b.decode("latin-1")) + ")"

def stream_program(seed):
    r = random.Random(seed)
    limit = r.choice([1, 2, 4, 8, 16, 64, 65536])
    alphabet = r.choice([b"ab\n", b"abc\n", b"a\nb", b"xyz"])
    chunks = [bytes(r.choice(alphabet) for _ in range(r.randint(0, 12))) for _ in range(r.randint(0, 8))]
    ending = r.choice(["eof"] * 8 + ["exc", "none"])
    pauses = [r.randint(0, 2) for _ in chunks]
    ops = []
    for _ in range(r.randint(1, 12)):
        k = r.choice(["read", "read", "readline", "readline", "readuntil", "readuntil", "readexactly", "readexactly", "at_eof", "aiter"])
        if k == "read":
            ops.append(("read", r.choice([-1, 0, 1, 2, 3, 10, 100])))
        elif k == "readline":
            ops.append(("readline",))
        elif k == "readuntil":
            seps = r.choice([[b"\n"], [b"ab"], [b"a", b"bc"], [b"b", b"\n"], [b""], [], [b"abc", b"c"], [b"zz"]])
            ops.append(("readuntil", seps, r.random() < 0.5 and len(seps) == 1))
        elif k == "readexactly":
            ops.append(("readexactly", r.choice([-1, 0, 1, 2, 5, 20])))
        elif k == "at_eof":
            ops.append(("at_eof",))
        else:
            ops.append(("aiter",))
    py = ["import asyncio", "",
          "def show(e):",
          "    extra = ''",
          "    if isinstance(e, asyncio.IncompleteReadError): extra = f' partial={e.partial!r} expected={e.expected!r}'",
          "    if isinstance(e, asyncio.LimitOverrunError): extra = f' consumed={e.consumed!r}'",
          "    return f'{type(e).__name__}: {e}{extra}'", "",
          "async def feeder(reader):"]
    ts = ['import * as asyncio from "@ROOT@/mod.ts";', 'import { run_virtual } from "@ROOT@/test_utils.ts";', 'import { repr } from "@ROOT@/stdlib/_repr.ts";', 'import { ValueError } from "@ROOT@/stdlib/builtins.ts";',
          'const B = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));',
          "function show(e: unknown): string {",
          "  let extra = '';",
          "  if (e instanceof asyncio.IncompleteReadError) extra = ` partial=${repr(e.partial)} expected=${repr(e.expected)}`;",
          "  if (e instanceof asyncio.LimitOverrunError) extra = ` consumed=${repr(e.consumed)}`;",
          "  return `${(e as Error).constructor.name}: ${String((e as Error).message)}${extra}`;", "}",
          "function* feeder(reader: asyncio.StreamReader) {"]
    for c, p in zip(chunks, pauses):
        py.append(f"    reader.feed_data({pybytes(c)})")
        ts.append(f"  reader.feed_data({tsbytes(c)});")
        for _ in range(p):
            py.append("    await asyncio.sleep(0)")
            ts.append("  yield* asyncio.sleep(0);")
    if ending == "eof":
        py.append("    reader.feed_eof()"); ts.append("  reader.feed_eof();")
    elif ending == "exc":
        py.append("    reader.set_exception(ValueError('fed'))"); ts.append("  reader.set_exception(new ValueError('fed'));")
    else:
        py.append("    pass")
    ts.append("}")
    py += ["", "async def main():", f"    reader = asyncio.StreamReader(limit={limit})",
           "    task = asyncio.create_task(feeder(reader))"]
    ts += ["function* main() {", f"  const reader = new asyncio.StreamReader({{ limit: {limit} }});",
           "  const task = asyncio.create_task(feeder(reader));"]
    for i, op in enumerate(ops):
        if op[0] == "read":
            pe, te = f"await asyncio.wait_for(reader.read({op[1]}), 1)", f"yield* asyncio.wait_for(reader.read({op[1]}), 1)"
        elif op[0] == "readline":
            pe, te = "await asyncio.wait_for(reader.readline(), 1)", "yield* asyncio.wait_for(reader.readline(), 1)"
        elif op[0] == "readuntil":
            seps, single = op[1], op[2]
            if single:
                pe, te = f"await asyncio.wait_for(reader.readuntil({pybytes(seps[0])}), 1)", f"yield* asyncio.wait_for(reader.readuntil({tsbytes(seps[0])}), 1)"
            else:
                pe = "await asyncio.wait_for(reader.readuntil((" + "".join(pybytes(s) + ", " for s in seps) + ")), 1)"
                te = "yield* asyncio.wait_for(reader.readuntil([" + ", ".join(tsbytes(s) for s in seps) + "]), 1)"
        elif op[0] == "readexactly":
            pe, te = f"await asyncio.wait_for(reader.readexactly({op[1]}), 1)", f"yield* asyncio.wait_for(reader.readexactly({op[1]}), 1)"
        elif op[0] == "at_eof":
            pe, te = "reader.at_eof()", "reader.at_eof()"
        if op[0] == "aiter":
            py += ["    try:", "      async with asyncio.timeout(1):", "        async for line in reader:", f"            print({i}, 'line', repr(line))",
                   f"        print({i}, 'iter end')", "    except Exception as e:", f"        print({i}, show(e))"]
            ts += ["  try {", "    yield* asyncio.async_with(asyncio.timeout(1), () => asyncio.async_for(reader, function* (line) {", f"      console.log({i}, 'line', repr(line));", "    }));",
                   f"    console.log({i}, 'iter end');", "  } catch (e) {", f"    console.log({i}, show(e));", "  }"]
        else:
            py += ["    try:", f"        print({i}, {op[0]!r}, repr({pe}), len(reader._buffer))", "    except Exception as e:",
                   f"        print({i}, show(e), len(reader._buffer))"]
            ts += ["  try {", f"    console.log({i}, {op[0]!r}, repr({te}), reader._buffer.length);", "  } catch (e) {",
                   f"    console.log({i}, show(e), reader._buffer.length);", "  }"]
    py += ["    task.cancel()", "    print('end', reader.at_eof())", "", "asyncio.run(main())"]
    ts += ["  task.cancel();", "  console.log('end', repr(reader.at_eof()));", "}", "await run_virtual(main());"]
    return "\n".join(py) + "\n", "\n".join(ts) + "\n"


# --- callbacks


def callback_program(seed):
    """Callbacks and futures on the loop: call_soon/call_later/call_at (many at the same time, which
    the timer heap must order as CPython's heapq does), cancelled handles, done callbacks added and
    removed, results, exceptions and cancellations of futures, and the errors of misuse."""
    r = random.Random(seed)
    n = r.randint(3, 10)
    nf = r.randint(0, 3)
    delays = [0, 0, 0.1, 0.1, 0.2, 0.5]
    specs = []
    for i in range(n):
        acts = []
        for _ in range(r.randint(0, 4)):
            k = r.choice(["soon", "later", "at", "cancel", "set_result", "set_exception", "cancel_fut", "add_cb", "remove_cb", "handle_info"])
            if k in ("soon", "later", "at") and i + 1 < n:
                acts.append((k, r.randrange(i + 1, n), r.choice(delays), r.randint(0, 999)))
            elif k in ("cancel", "handle_info"):
                acts.append((k, r.randint(0, 12)))
            elif k in ("set_result", "set_exception", "cancel_fut") and nf:
                acts.append((k, r.randrange(nf), r.randint(0, 99)))
            elif k in ("add_cb", "remove_cb") and nf and i + 1 < n:
                acts.append((k, r.randrange(nf), r.randrange(i + 1, n)))
        specs.append(acts)
    initial = [(r.choice(["soon", "later", "at"]), r.randrange(n), r.choice(delays), r.randint(0, 999)) for _ in range(r.randint(1, 6))]
    # then a few on the futures (the result is a spec's number) or cancelling a handle
    count = r.randint(0, 3)
    for _ in range(count if nf else 0):
        k, f, spec = r.choice(["add_cb", "set_result", "cancel"]), r.randrange(nf), r.randrange(n)
        initial.append(("cancel", spec) if k == "cancel" else (k, f, spec))

    def act_py(a, ind):
        k = a[0]
        if k in ("soon", "later", "at"):
            call = {"soon": f"loop.call_soon(cb{a[1]}, {a[3]})", "later": f"loop.call_later({a[2]}, cb{a[1]}, {a[3]})",
                    "at": f"loop.call_at(loop.time() + {a[2]}, cb{a[1]}, {a[3]})"}[k]
            return [ind + f"H.append({call})"]
        if k == "cancel":
            return [ind + f"if len(H) > {a[1]}: H[{a[1]}].cancel(); out('cancel', {a[1]}, H[{a[1]}].cancelled())"]
        if k == "handle_info":
            return [ind + f"if len(H) > {a[1]}: out('handle', {a[1]}, type(H[{a[1]}]).__name__, H[{a[1]}].cancelled(), "
                          f"f'{{H[{a[1]}].when():.1f}}' if isinstance(H[{a[1]}], asyncio.TimerHandle) else None)"]
        if k == "set_result":
            return [ind + "try:", ind + f"    F[{a[1]}].set_result({a[2]}); out('set_result', {a[1]})",
                    ind + "except asyncio.InvalidStateError as e:", ind + f"    out('set_result failed', {a[1]}, repr(e))"]
        if k == "set_exception":
            return [ind + "try:", ind + f"    F[{a[1]}].set_exception(ValueError({a[2]})); out('set_exception', {a[1]})",
                    ind + "except asyncio.InvalidStateError as e:", ind + f"    out('set_exception failed', {a[1]}, repr(e))"]
        if k == "cancel_fut":
            return [ind + f"out('cancel_fut', {a[1]}, F[{a[1]}].cancel('m{a[2]}'))"]
        if k == "add_cb":
            return [ind + f"F[{a[1]}].add_done_callback(D[{a[2]}]); out('add_cb', {a[1]}, {a[2]})"]
        if k == "remove_cb":
            return [ind + f"out('remove_cb', {a[1]}, {a[2]}, F[{a[1]}].remove_done_callback(D[{a[2]}]))"]
        raise AssertionError(k)

    def act_ts(a, ind):
        k = a[0]
        if k in ("soon", "later", "at"):
            call = {"soon": f"loop.call_soon(cb{a[1]}, {a[3]})", "later": f"loop.call_later({a[2]}, cb{a[1]}, {a[3]})",
                    "at": f"loop.call_at(loop.time() + {a[2]}, cb{a[1]}, {a[3]})"}[k]
            return [ind + f"H.push({call});"]
        if k == "cancel":
            return [ind + f"if (H.length > {a[1]}) {{ H[{a[1]}].cancel(); out('cancel', {a[1]}, H[{a[1]}].cancelled()); }}"]
        if k == "handle_info":
            return [ind + f"if (H.length > {a[1]}) out('handle', {a[1]}, H[{a[1]}].constructor.name, H[{a[1]}].cancelled(), "
                          f"H[{a[1]}] instanceof asyncio.TimerHandle ? (H[{a[1]}] as asyncio.TimerHandle).when().toFixed(1) : null);"]
        if k == "set_result":
            return [ind + "try {", ind + f"  F[{a[1]}].set_result({a[2]}); out('set_result', {a[1]});",
                    ind + "} catch (e) {", ind + "  if (!(e instanceof asyncio.InvalidStateError)) throw e;", ind + f"  out('set_result failed', {a[1]}, repr(e));", ind + "}"]
        if k == "set_exception":
            return [ind + "try {", ind + f"  F[{a[1]}].set_exception(new ValueError({a[2]})); out('set_exception', {a[1]});",
                    ind + "} catch (e) {", ind + "  if (!(e instanceof asyncio.InvalidStateError)) throw e;", ind + f"  out('set_exception failed', {a[1]}, repr(e));", ind + "}"]
        if k == "cancel_fut":
            return [ind + f"out('cancel_fut', {a[1]}, F[{a[1]}].cancel('m{a[2]}'));"]
        if k == "add_cb":
            return [ind + f"F[{a[1]}].add_done_callback(D[{a[2]}]); out('add_cb', {a[1]}, {a[2]});"]
        if k == "remove_cb":
            return [ind + f"out('remove_cb', {a[1]}, {a[2]}, F[{a[1]}].remove_done_callback(D[{a[2]}]));"]
        raise AssertionError(k)

    py = ["import asyncio", "", "async def main():", "    loop = asyncio.get_running_loop()", "    H = []",
          f"    F = [loop.create_future() for _ in range({nf})]",
          "    def out(*parts):", "        print(f'{loop.time():.1f}', *parts)",
          "    def state(f):", "        if f.cancelled(): return 'cancelled'",
          "        return repr(f.exception()) if f.exception() is not None else repr(f.result())"]
    ts = ['import * as asyncio from "@ROOT@/mod.ts";', 'import { run_virtual } from "@ROOT@/test_utils.ts";',
          'import { repr } from "@ROOT@/stdlib/_repr.ts";', 'import { ValueError } from "@ROOT@/stdlib/builtins.ts";',
          "function* main() {", "  const loop = asyncio.get_running_loop();", "  const H: asyncio.Handle[] = [];",
          f"  const F = Array.from({{ length: {nf} }}, () => loop.create_future<number>());",
          "  const out = (...parts: unknown[]) => console.log([loop.time().toFixed(1), ...parts.map((p) => typeof p === 'string' ? p : repr(p))].join(' '));",
          "  const state = (f: asyncio.Future<number>) => f.cancelled() ? 'cancelled' : f.exception() !== null ? repr(f.exception()) : repr(f.result());"]
    for i, acts in enumerate(reversed(specs)):
        i = n - 1 - i
        py.append(f"    def cb{i}(arg):")
        py.append(f"        out('cb{i}', repr(arg) if not isinstance(arg, asyncio.Future) else 'future ' + state(arg))")
        ts.append(f"  function cb{i}(arg: unknown): void {{")
        ts.append(f"    out('cb{i}', arg instanceof asyncio.Future ? 'future ' + state(arg as asyncio.Future<number>) : repr(arg));")
        for a in acts:
            py += act_py(a, "        ")
            ts += act_ts(a, "    ")
        ts.append("  }")
    py.append(f"    D = [{', '.join(f'cb{i}' for i in range(n))}]")
    ts.append(f"  const D = [{', '.join(f'cb{i}' for i in range(n))}];")
    for a in initial:
        py += act_py(a, "    ")
        ts += act_ts(a, "  ")
    py += ["    await asyncio.sleep(5)", "    out('end', [state(f) if f.done() else 'pending' for f in F])", "", "asyncio.run(main())"]
    ts += ["  yield* asyncio.sleep(5);", "  out('end', F.map((f) => f.done() ? state(f) : 'pending'));", "}", "await run_virtual(main());"]
    return "\n".join(py) + "\n", "\n".join(ts) + "\n"


# --- the kinds below print through P(): strings as they are, anything else as repr() (the port's
# repr() in TypeScript, which writes what Python's would)

PY_P = ["def P(*parts):", "    print(*[p if isinstance(p, str) else repr(p) for p in parts])", ""]
TS_P = ["function P(...parts: unknown[]): void {",
        "  console.log(parts.map((p) => typeof p === 'string' ? p : repr(p)).join(' '));", "}"]


# --- sync


class SyncPrograms:
    """Workers contending for one Lock, one Semaphore (or BoundedSemaphore), a Condition (on its own
    lock or on the Lock), an Event, a Barrier and a Queue (FIFO, LIFO or priority, bounded or not),
    most waits under wait_for or timeout, while a controller cancels workers (with and without a
    message) at set times; a worker swallows some cancellations and goes on. Misuse is in the mix
    (releasing a lock nobody holds, a BoundedSemaphore released too often, notify() without the lock,
    task_done() too often, put/get_nowait on a full/empty queue, operations after shutdown()). At
    the end: each worker's outcome and each primitive's state and repr (address left out)."""

    DELAYS = [0, 0, 0.05, 0.1, 0.15, 0.2]
    TIMEOUTS = [0, 0.05, 0.1, 0.25, 0.5, None]

    def __init__(self, seed):
        r = self.r = random.Random(seed)
        self.nw = r.randint(2, 5)
        self.sem_kind = r.choice(["Semaphore", "BoundedSemaphore"])
        self.sem_value = r.choice([0, 1, 1, 2, 3])
        self.cond_on_lock = r.random() < 0.3
        self.parties = r.choice([1, 2, 2, 3])
        self.q_kind = r.choice(["Queue", "LifoQueue", "PriorityQueue"])
        self.q_max = r.choice([0, 1, 2, 3])
        self.n = 0

    def label(self):
        self.n += 1
        return f"o{self.n}"

    def d(self):
        return self.r.choice(self.DELAYS)

    def t(self):
        return self.r.choice(self.TIMEOUTS)

    @staticmethod
    def pyt(t):
        return "None" if t is None else repr(t)

    @staticmethod
    def tst(t):
        return "null" if t is None else repr(t)

    def op(self, depth):
        """One operation: (python lines, typescript lines), each block indented one step more."""
        r = self.r
        L = repr(self.label())
        kinds = ["lock_with", "lock_wf", "lock_release", "sem_with", "sem_wf", "sem_release", "cond_wait",
                 "cond_wait_for", "cond_notify", "cond_notify", "cond_notify_bare", "ev_wait", "ev_set", "ev_clear",
                 "bar_wait", "bar_wait", "bar_abort", "bar_reset", "q_put", "q_put", "q_get", "q_get", "q_put_nowait",
                 "q_get_nowait", "q_task_done", "q_join", "q_shutdown", "sleep", "timeout"]
        if depth > 0:
            kinds.remove("timeout")
        k = r.choice(kinds)
        d, t = self.d(), self.t()
        pt, tt = self.pyt(t), self.tst(t)
        v = r.randint(0, 9)
        if k == "lock_with":
            return ([f"async with LOCK:", f"    log({L}, 'locked')", f"    await asyncio.sleep({d})", f"log({L}, 'unlocked')"],
                    [f"yield* asyncio.async_with(LOCK, function* () {{", f"  log({L}, 'locked');", f"  yield* asyncio.sleep({d});",
                     "});", f"log({L}, 'unlocked');"])
        if k in ("lock_wf", "sem_wf"):
            x = "LOCK" if k == "lock_wf" else "SEM"
            return ([f"await asyncio.wait_for({x}.acquire(), {pt})", f"log({L}, 'acquired')", "try:",
                     f"    await asyncio.sleep({d})", "finally:", f"    {x}.release()", f"    log({L}, 'released')"],
                    [f"yield* asyncio.wait_for({x}.acquire(), {tt});", f"log({L}, 'acquired');", "try {",
                     f"  yield* asyncio.sleep({d});", "} finally {", f"  {x}.release();", f"  log({L}, 'released');", "}"])
        if k in ("lock_release", "sem_release"):
            x = "LOCK" if k == "lock_release" else "SEM"
            return ([f"{x}.release()", f"log({L}, 'released')"], [f"{x}.release();", f"log({L}, 'released');"])
        if k == "sem_with":
            return ([f"async with SEM:", f"    log({L}, 'in sem')", f"    await asyncio.sleep({d})", f"log({L}, 'out of sem')"],
                    [f"yield* asyncio.async_with(SEM, function* () {{", f"  log({L}, 'in sem');", f"  yield* asyncio.sleep({d});",
                     "});", f"log({L}, 'out of sem');"])
        if k == "cond_wait":
            return ([f"async with COND:", f"    log({L}, 'waiting')", f"    log({L}, 'woke', await asyncio.wait_for(COND.wait(), {pt}))"],
                    [f"yield* asyncio.async_with(COND, function* () {{", f"  log({L}, 'waiting');",
                     f"  log({L}, 'woke', yield* asyncio.wait_for(COND.wait(), {tt}));", "});"])
        if k == "cond_wait_for":
            n = r.randint(0, 4)
            return ([f"async with COND:", f"    log({L}, 'waiting for', {n})",
                     f"    log({L}, 'woke', await asyncio.wait_for(COND.wait_for(lambda: S['x'] >= {n}), {pt}))"],
                    [f"yield* asyncio.async_with(COND, function* () {{", f"  log({L}, 'waiting for', {n});",
                     f"  log({L}, 'woke', yield* asyncio.wait_for(COND.wait_for(() => S.x >= {n}), {tt}));", "});"])
        if k == "cond_notify":
            n = r.choice([0, 1, 1, 2, None])
            pyc, tsc = ("COND.notify_all()", "COND.notify_all();") if n is None else (f"COND.notify({n})", f"COND.notify({n});")
            return ([f"async with COND:", "    S['x'] += 1", f"    {pyc}", f"    log({L}, 'notified', S['x'])"],
                    [f"yield* asyncio.async_with(COND, function* () {{", "  S.x += 1;", f"  {tsc}", f"  log({L}, 'notified', S.x);", "});"])
        if k == "cond_notify_bare":
            return ([f"COND.notify()", f"log({L}, 'notified')"], [f"COND.notify();", f"log({L}, 'notified');"])
        if k == "ev_wait":
            return ([f"log({L}, 'event', await asyncio.wait_for(EV.wait(), {pt}))"],
                    [f"log({L}, 'event', yield* asyncio.wait_for(EV.wait(), {tt}));"])
        if k in ("ev_set", "ev_clear"):
            m = k[3:]
            return ([f"EV.{m}()", f"log({L}, '{m}')"], [f"EV.{m}();", f"log({L}, '{m}');"])
        if k == "bar_wait":
            return ([f"log({L}, 'passed', await asyncio.wait_for(BAR.wait(), {pt}))"],
                    [f"log({L}, 'passed', yield* asyncio.wait_for(BAR.wait(), {tt}));"])
        if k in ("bar_abort", "bar_reset"):
            m = k[4:]
            return ([f"await BAR.{m}()", f"log({L}, '{m}', BAR.broken, BAR.n_waiting)"],
                    [f"yield* BAR.{m}();", f"log({L}, '{m}', BAR.broken, BAR.n_waiting);"])
        if k == "q_put":
            return ([f"await asyncio.wait_for(Q.put({v}), {pt})", f"log({L}, 'put', {v}, Q.qsize())"],
                    [f"yield* asyncio.wait_for(Q.put({v}), {tt});", f"log({L}, 'put', {v}, Q.qsize());"])
        if k == "q_get":
            return ([f"log({L}, 'got', await asyncio.wait_for(Q.get(), {pt}), Q.qsize())"],
                    [f"log({L}, 'got', yield* asyncio.wait_for(Q.get(), {tt}), Q.qsize());"])
        if k == "q_put_nowait":
            return ([f"Q.put_nowait({v})", f"log({L}, 'put', {v}, Q.qsize())"], [f"Q.put_nowait({v});", f"log({L}, 'put', {v}, Q.qsize());"])
        if k == "q_get_nowait":
            return ([f"log({L}, 'got', Q.get_nowait(), Q.qsize())"], [f"log({L}, 'got', Q.get_nowait(), Q.qsize());"])
        if k == "q_task_done":
            return ([f"Q.task_done()", f"log({L}, 'task_done')"], [f"Q.task_done();", f"log({L}, 'task_done');"])
        if k == "q_join":
            return ([f"await asyncio.wait_for(Q.join(), {pt})", f"log({L}, 'joined')"],
                    [f"yield* asyncio.wait_for(Q.join(), {tt});", f"log({L}, 'joined');"])
        if k == "q_shutdown":
            imm = r.random() < 0.5
            return ([f"Q.shutdown({imm})", f"log({L}, 'shut down', Q.qsize())"], [f"Q.shutdown({'true' if imm else 'false'});", f"log({L}, 'shut down', Q.qsize());"])
        if k == "sleep":
            return ([f"await asyncio.sleep({d})", f"log({L}, 'slept')"], [f"yield* asyncio.sleep({d});", f"log({L}, 'slept');"])
        # a timeout around one or two operations
        py, ts = [f"async with asyncio.timeout({pt}):"], [f"yield* asyncio.async_with(asyncio.timeout({tt}), function* () {{"]
        for _ in range(r.randint(1, 2)):
            p2, t2 = self.op(depth + 1)
            py += ["    " + x for x in p2]
            ts += ["  " + x for x in t2]
        py.append(f"log({L}, 'in time')")
        ts += ["});", f"log({L}, 'in time');"]
        return py, ts

    def program(self):
        r = self.r
        py = ["import asyncio, re", "",
              *PY_P,
              "def log(*parts):",
              "    t = asyncio.current_task()",
              "    P(f'{asyncio.get_running_loop().time():.2f}', t.get_name() if t else None, *parts)", "",
              "def R(x):", "    return re.sub(r' at 0x[0-9a-f]+', '', repr(x))", "",
              "S = {'x': 0}", "T = []"]
        ts = ['import * as asyncio from "@ROOT@/mod.ts";', 'import { run_virtual } from "@ROOT@/test_utils.ts";',
              'import { repr } from "@ROOT@/stdlib/_repr.ts";',
              *TS_P,
              "function log(...parts: unknown[]): void {", "  const t = asyncio.current_task();",
              "  P(asyncio.get_running_loop().time().toFixed(2), t ? t.get_name() : null, ...parts);", "}",
              "const R = (x: unknown) => repr(x).replace(/ at 0x[0-9a-f]+/, '');",
              "const S = { x: 0 };", "const T: asyncio.Task<unknown>[] = [];",
              "let LOCK!: asyncio.Lock, SEM!: asyncio.Semaphore, COND!: asyncio.Condition, EV!: asyncio.Event;",
              "let BAR!: asyncio.Barrier, Q!: asyncio.Queue<number>;"]
        for w in range(self.nw):
            py += ["", f"async def w{w}():"]
            ts += ["", f"function* w{w}() {{"]
            for _ in range(r.randint(1, 7)):
                p, t = self.op(0)
                L = repr(f"o{self.n}")
                swallow = r.random() < 0.4
                py += ["    try:"] + ["        " + x for x in p]
                py += ["    except asyncio.CancelledError as e:", f"        log('cancelled', e)"]
                py += [] if swallow else ["        raise"]
                py += ["    except Exception as e:", f"        log('error', e)"]
                ts += ["  try {"] + ["    " + x for x in t]
                ts += ["  } catch (e) {", "    if (e instanceof asyncio.CancelledError) {", f"      log('cancelled', e);"]
                ts += [] if swallow else ["      throw e;"]
                ts += ["    } else {", "      log('error', e);", "    }", "  }"]
            py.append(f"    return {w}")
            ts += [f"  return {w};", "}"]
        plan = [(r.choice([0, 0.05, 0.1, 0.15, 0.3]), r.randrange(self.nw), r.choice([None, None, f"m{i}"]))
                for i in range(r.randint(0, 4))]
        py += ["", "async def ctl():"]
        ts += ["", "function* ctl() {"]
        for d, w, m in plan:
            py += [f"    await asyncio.sleep({d})", f"    log('cancel', 'w{w}', T[{w}].cancel({'' if m is None else repr(m)}))"]
            ts += [f"  yield* asyncio.sleep({d});", f"  log('cancel', 'w{w}', T[{w}].cancel({'' if m is None else repr(m)}));"]
        py.append("    return 'ctl'")
        ts += ["  return 'ctl';", "}"]
        cond_arg = "LOCK" if self.cond_on_lock else ""
        qmax = self.q_max
        py += ["", "def outcome(t):",
               "    if t.cancelled(): return 'cancelled'",
               "    return repr(t.exception()) if t.exception() is not None else repr(t.result())", "",
               "async def main():",
               "    global LOCK, SEM, COND, EV, BAR, Q",
               f"    LOCK = asyncio.Lock(); SEM = asyncio.{self.sem_kind}({self.sem_value}); COND = asyncio.Condition({cond_arg})",
               f"    EV = asyncio.Event(); BAR = asyncio.Barrier({self.parties}); Q = asyncio.{self.q_kind}({qmax})",
               f"    T.extend(asyncio.create_task(w(), name=f'w{{i}}') for i, w in enumerate([{', '.join(f'w{i}' for i in range(self.nw))}]))",
               "    c = asyncio.create_task(ctl(), name='ctl')",
               "    done, pending = await asyncio.wait(T, timeout=20)",
               "    rounds = 0",
               "    while pending:",
               "        rounds += 1",
               "        log('still running', sorted(t.get_name() for t in pending))",
               "        for t in sorted(pending, key=lambda t: t.get_name()): t.cancel()",
               "        done, pending = await asyncio.wait(pending, timeout=1)",
               "    await c",
               "    P('end', [outcome(t) for t in T], rounds)",
               "    P('lock', LOCK.locked(), R(LOCK))", "    P('sem', SEM.locked(), R(SEM))", "    P('cond', R(COND))",
               "    P('event', EV.is_set(), R(EV))", "    P('barrier', BAR.n_waiting, BAR.broken, R(BAR))",
               "    P('queue', Q.qsize(), Q.empty(), Q.full(), R(Q))", "",
               "asyncio.run(main())"]
        ts += ["", "function outcome(t: asyncio.Task<unknown>): string {",
               "  if (t.cancelled()) return 'cancelled';",
               "  return t.exception() !== null ? repr(t.exception()) : repr(t.result());", "}", "",
               "function* main() {",
               f"  LOCK = new asyncio.Lock(); SEM = new asyncio.{self.sem_kind}({self.sem_value}); COND = new asyncio.Condition({cond_arg});",
               f"  EV = new asyncio.Event(); BAR = new asyncio.Barrier({self.parties}); Q = new asyncio.{self.q_kind}<number>({qmax});",
               f"  [{', '.join(f'w{i}' for i in range(self.nw))}].forEach((w, i) => T.push(asyncio.create_task(w(), {{ name: `w${{i}}` }})));",
               "  const c = asyncio.create_task(ctl(), { name: 'ctl' });",
               "  let [, pending] = yield* asyncio.wait(T, { timeout: 20 });",
               "  let rounds = 0;",
               "  while (pending.size) {",
               "    rounds += 1;",
               "    log('still running', [...pending].map((t) => t.get_name()).sort());",
               "    for (const t of [...pending].sort((a, b) => a.get_name() < b.get_name() ? -1 : 1)) t.cancel();",
               "    [, pending] = yield* asyncio.wait(pending, { timeout: 1 });",
               "  }",
               "  yield* c;",
               "  P('end', T.map(outcome), rounds);",
               "  P('lock', LOCK.locked(), R(LOCK));", "  P('sem', SEM.locked(), R(SEM));", "  P('cond', R(COND));",
               "  P('event', EV.is_set(), R(EV));", "  P('barrier', BAR.n_waiting, BAR.broken, R(BAR));",
               "  P('queue', Q.qsize(), Q.empty(), Q.full(), R(Q));", "}", "",
               "await run_virtual(main());"]
        return "\n".join(py) + "\n", "\n".join(ts) + "\n"


# --- staggered


def staggered_program(seed):
    """staggered_race() over 1-5 coroutine functions that return, raise, hang or swallow their
    cancellation, with or without a delay, the race itself sometimes cancelled from outside."""
    r = random.Random(seed)
    n = r.randint(1, 5)
    delay = r.choice([None, 0, 0.1, 0.1, 0.25])
    outer = r.choice([None, None, None, 0, 0.05, 0.15, 0.3])
    py = ["import asyncio", "from asyncio.staggered import staggered_race", "",
          *PY_P,
          "def log(*parts):", "    P(f'{asyncio.get_running_loop().time():.2f}', *parts)"]
    ts = ['import * as asyncio from "@ROOT@/mod.ts";', 'import { run_virtual } from "@ROOT@/test_utils.ts";',
          'import { repr } from "@ROOT@/stdlib/_repr.ts";', 'import { ValueError } from "@ROOT@/stdlib/builtins.ts";',
          *TS_P,
          "function log(...parts: unknown[]): void {", "  P(asyncio.get_running_loop().time().toFixed(2), ...parts);", "}"]
    for i in range(n):
        d = r.choice([0, 0.05, 0.1, 0.2, 0.3])
        end = r.choice(["return", "return", "raise", "raise", "hang", "swallow"])
        py += ["", f"async def c{i}():", f"    log('c{i} start')", "    try:", f"        await asyncio.sleep({d})"]
        ts += ["", f"function* c{i}() {{", f"  log('c{i} start');", "  try {", f"    yield* asyncio.sleep({d});"]
        if end in ("return", "swallow"):
            py.append(f"        return 'r{i}'")
            ts.append(f"    return 'r{i}';")
        elif end == "raise":
            py.append(f"        raise ValueError({i})")
            ts.append(f"    throw new ValueError({i});")
        else:
            py.append("        await asyncio.sleep(100)")
            ts.append("    yield* asyncio.sleep(100);")
        py += ["    except asyncio.CancelledError as e:", f"        log('c{i} cancelled', e)"]
        ts += ["  } catch (e) {", "    if (!(e instanceof asyncio.CancelledError)) throw e;", f"    log('c{i} cancelled', e);"]
        if end == "swallow":
            py.append(f"        return 's{i}'")
            ts.append(f"    return 's{i}';")
        else:
            py.append("        raise")
            ts.append("    throw e;")
        py += ["    finally:", f"        log('c{i} end')"]
        ts += ["  } finally {", f"    log('c{i} end');", "  }"]
        if end == "hang":
            ts.append("  return null;")
        ts.append("}")
    fns = ", ".join(f"c{i}" for i in range(n))
    pd = "None" if delay is None else repr(delay)
    td = "null" if delay is None else repr(delay)
    py += ["", "async def main():", f"    task = asyncio.create_task(staggered_race([{fns}], {pd}))"]
    ts += ["", "function* main() {", f"  const task = asyncio.create_task(asyncio.staggered_race<string | null>([{fns}], {td}));"]
    if outer is not None:
        py += [f"    await asyncio.sleep({outer})", "    log('cancel race', task.cancel())"]
        ts += [f"  yield* asyncio.sleep({outer});", "  log('cancel race', task.cancel());"]
    py += ["    try:", "        winner, index, excs = await task",
           "        log('result', winner, index, [None if e is None else repr(e) for e in excs])",
           "    except BaseException as e:", "        log('race raised', repr(e))",
           "    await asyncio.sleep(150)",
           "    log('left', len(asyncio.all_tasks()) - 1)", "", "asyncio.run(main())"]
    ts += ["  try {", "    const [winner, index, excs] = yield* task;",
           "    log('result', winner, index, excs.map((e) => e === null ? null : repr(e)));",
           "  } catch (e) {", "    log('race raised', repr(e));", "  }",
           "  yield* asyncio.sleep(150);",
           "  log('left', asyncio.all_tasks().size - 1);", "}", "await run_virtual(main());"]
    return "\n".join(py) + "\n", "\n".join(ts) + "\n"


# --- timeouts


class TimeoutPrograms:
    """Nested timeout() / timeout_at() blocks and wait_for() calls with random deadlines, around
    sleeps, reschedule() (also of blocks not entered yet or already left), cancellations swallowed
    (with and without uncancel()), exceptions raised, while another task cancels the one running
    them; each block logs how it ended, expired(), the TimeoutError's cause, cancelling()."""

    DELAYS = [0, 0.05, 0.1, 0.1, 0.2, 0.3]
    DEADLINES = [0, 0.05, 0.1, 0.15, 0.2, 0.3, None]

    def __init__(self, seed):
        self.r = random.Random(seed)
        self.n = 0

    def label(self):
        self.n += 1
        return self.n

    @staticmethod
    def pyv(x):
        return "None" if x is None else repr(x)

    @staticmethod
    def tsv(x):
        return "null" if x is None else repr(x)

    def stmts(self, depth, visible, count):
        py, ts = [], []
        for _ in range(count):
            p, t = self.stmt(depth, visible)
            py += p
            ts += t
        return py, ts

    def stmt(self, depth, visible):
        r = self.r
        kinds = ["sleep", "sleep", "state", "resched", "raise", "swallow"]
        if depth < 3:
            kinds += ["timeout", "timeout", "timeout_at", "wait_for"]
        k = r.choice(kinds)
        n = self.label()
        L = repr(f"s{n}")
        d = r.choice(self.DELAYS)
        if k == "sleep":
            return [f"await asyncio.sleep({d})", f"log({L}, 'slept')"], [f"yield* asyncio.sleep({d});", f"log({L}, 'slept');"]
        if k == "state":
            return ([f"log({L}, 'cancelling', asyncio.current_task().cancelling())"],
                    [f"log({L}, 'cancelling', asyncio.current_task()!.cancelling());"])
        if k == "resched":
            if not visible:
                return [f"log({L})"], [f"log({L});"]
            cm = r.choice(visible)
            x = r.choice(self.DEADLINES)
            return [f"resched({L}, {cm}, {self.pyv(x)})"], [f"resched({L}, {cm}, {self.tsv(x)});"]
        if k == "raise":
            return [f"raise ValueError({L})"], [f"throw new ValueError({L});"]
        if k == "swallow":
            unc = r.random() < 0.5
            py = ["try:", f"    await asyncio.sleep({d})", "except asyncio.CancelledError as e:", f"    log({L}, 'swallowed', desc(e))"]
            ts = ["try {", f"  yield* asyncio.sleep({d});", "} catch (e) {", "  if (!(e instanceof asyncio.CancelledError)) throw e;",
                  f"  log({L}, 'swallowed', desc(e));"]
            if unc:
                py.append(f"    log({L}, 'uncancel', asyncio.current_task().uncancel())")
                ts.append(f"  log({L}, 'uncancel', asyncio.current_task()!.uncancel());")
            ts.append("}")
            return py, ts
        reraise = r.random() < 0.6
        x = r.choice(self.DEADLINES)
        inner_count = r.randint(1, 3)
        if k in ("timeout", "timeout_at"):
            cm = f"cm{n}"
            if k == "timeout":
                pmake, tmake = f"asyncio.timeout({self.pyv(x)})", f"asyncio.timeout({self.tsv(x)})"
            else:
                at_p = "None" if x is None else f"asyncio.get_running_loop().time() + {x!r}"
                at_t = "null" if x is None else f"asyncio.get_running_loop().time() + {x!r}"
                pmake, tmake = f"asyncio.timeout_at({at_p})", f"asyncio.timeout_at({at_t})"
            ip, it = self.stmts(depth + 1, visible + [cm], inner_count)
            py = [f"{cm} = {pmake}", "try:", f"    async with {cm}:"] + ["        " + l for l in ip]
            py += [f"    log({L}, 'left', {cm}.expired())", "except BaseException as e:", f"    log({L}, 'raised', desc(e), {cm}.expired())"]
            ts = [f"const {cm} = {tmake};", "try {", f"  yield* asyncio.async_with({cm}, function* () {{"] + ["    " + l for l in it]
            ts += ["  });", f"  log({L}, 'left', {cm}.expired());", "} catch (e) {", f"  log({L}, 'raised', desc(e), {cm}.expired());"]
            if reraise:
                py.append("    raise")
                ts.append("  throw e;")
            ts.append("}")
            visible.append(cm)
            return py, ts
        # wait_for on a coroutine defined here
        g = f"g{n}"
        ip, it = self.stmts(depth + 1, list(visible), inner_count)
        py = [f"async def {g}():"] + ["    " + l for l in ip] + [f"    return {g!r}"]
        py += ["try:", f"    log({L}, 'wait_for', await asyncio.wait_for({g}(), {self.pyv(x)}))", "except BaseException as e:",
               f"    log({L}, 'raised', desc(e))"]
        ts = [f"function* {g}() {{"] + ["  " + l for l in it] + [f"  return {g!r};", "}"]
        ts += ["try {", f"  log({L}, 'wait_for', yield* asyncio.wait_for({g}(), {self.tsv(x)}));", "} catch (e) {",
               f"  log({L}, 'raised', desc(e));"]
        if reraise:
            py.append("    raise")
            ts.append("  throw e;")
        ts.append("}")
        return py, ts

    def program(self):
        r = self.r
        bp, bt = self.stmts(0, [], r.randint(1, 4))
        cancels = [(r.choice([0, 0.05, 0.1, 0.1, 0.2, 0.3]), r.choice([None, None, "c1", "c2"])) for _ in range(r.randint(0, 2))]
        py = ["import asyncio", "",
              *PY_P,
              "def log(*parts):", "    t = asyncio.current_task()", "    name = t.get_name() if t else None",
              "    P(f'{asyncio.get_running_loop().time():.2f}', 'T' if name.startswith('Task-') else name, *parts)", "",
              "def desc(e):", "    s = repr(e)", "    if isinstance(e, TimeoutError):", "        s += f' cause={e.__cause__!r}'", "    return s", "",
              "def resched(L, cm, x):", "    try:",
              "        cm.reschedule(None if x is None else asyncio.get_running_loop().time() + x)",
              "        w = cm.when()", "        log(L, 'rescheduled', None if w is None else f'{w:.2f}')",
              "    except RuntimeError as e:", "        log(L, 'reschedule failed', repr(e))", "",
              "async def body():"] + ["    " + l for l in bp] + ["    return 'body'", "",
              "async def ctl(m):"]
        ts = ['import * as asyncio from "@ROOT@/mod.ts";', 'import { run_virtual } from "@ROOT@/test_utils.ts";',
              'import { repr } from "@ROOT@/stdlib/_repr.ts";', 'import { RuntimeError, TimeoutError, ValueError } from "@ROOT@/stdlib/builtins.ts";',
              *TS_P,
              "function log(...parts: unknown[]): void {", "  const t = asyncio.current_task();", "  const name = t ? t.get_name() : null;",
              "  P(asyncio.get_running_loop().time().toFixed(2), name !== null && name.startsWith('Task-') ? 'T' : name, ...parts);", "}",
              "function desc(e: unknown): string {", "  let s = repr(e);", "  if (e instanceof TimeoutError) s += ` cause=${repr(e.__cause__)}`;", "  return s;", "}",
              "function resched(L: string, cm: asyncio.Timeout, x: number | null): void {", "  try {",
              "    cm.reschedule(x === null ? null : asyncio.get_running_loop().time() + x);",
              "    const w = cm.when();", "    log(L, 'rescheduled', w === null ? null : w.toFixed(2));",
              "  } catch (e) {", "    if (!(e instanceof RuntimeError)) throw e;", "    log(L, 'reschedule failed', repr(e));", "  }", "}",
              "function* body() {"] + ["  " + l for l in bt] + ["  return 'body';", "}", "",
              "function* ctl(m: asyncio.Task<string>) {"]
        for d, msg in cancels:
            m = "" if msg is None else repr(msg)
            py += [f"    await asyncio.sleep({d})", f"    log('cancel', m.cancel({m}))"]
            ts += [f"  yield* asyncio.sleep({d});", f"  log('cancel', m.cancel({m}));"]
        py += ["    pass", "",
               "async def main():", "    m = asyncio.create_task(body(), name='m')", "    c = asyncio.create_task(ctl(m), name='ctl')",
               "    try:", "        P('result', await m)", "    except BaseException as e:", "        P('m raised', desc(e))",
               "    await c", "    P('end', m.cancelling())", "", "asyncio.run(main())"]
        ts += ["}", "",
               "function* main() {", "  const m = asyncio.create_task(body(), { name: 'm' });", "  const c = asyncio.create_task(ctl(m), { name: 'ctl' });",
               "  try {", "    P('result', yield* m);", "  } catch (e) {", "    P('m raised', desc(e));", "  }",
               "  yield* c;", "  P('end', m.cancelling());", "}", "await run_virtual(main());"]
        return "\n".join(py) + "\n", "\n".join(ts) + "\n"


# --- runner


def runner_program(seed):
    """One asyncio.Runner running several coroutines in turn on its one loop: results, exceptions,
    a self-cancelled run, a ContextVar set in one run and seen in the next (the runner's context) or
    not (a run given a copy), background tasks that outlive their run (and are cancelled, some
    swallowing it, when the runner closes), a nested run() refused, a run of what is not awaitable,
    runs after close()."""
    r = random.Random(seed)
    nruns = r.randint(1, 4)
    nbg = 0
    py = ["import asyncio, contextvars", "", "CV = contextvars.ContextVar('cv', default='-')", "T = []", "runner = None", "",
          *PY_P,
          "def log(*parts):", "    t = asyncio.current_task()", "    name = t.get_name() if t else None",
          "    P('T' if name and name.startswith('Task-') else name, CV.get(), *parts)", "",
          "async def bg(k, d, swallow):", "    log('bg', k, 'start')", "    try:", "        await asyncio.sleep(d)", "        log('bg', k, 'done')",
          "    except asyncio.CancelledError as e:", "        log('bg', k, 'cancelled', repr(e))", "        if not swallow:", "            raise",
          "        await asyncio.sleep(0)", "        log('bg', k, 'after')", "    finally:", "        log('bg', k, 'finally')"]
    ts = ['import * as asyncio from "@ROOT@/mod.ts";', 'import { VirtualTimeEventLoop } from "@ROOT@/test_utils.ts";',
          'import { repr } from "@ROOT@/stdlib/_repr.ts";', 'import { ValueError } from "@ROOT@/stdlib/builtins.ts";',
          'import { ContextVar, copy_context } from "@ROOT@/stdlib/contextvars.ts";',
          "const CV = new ContextVar<string>('cv', { default: '-' });", "const T: asyncio.Task<unknown>[] = [];",
          "let runner!: asyncio.Runner;",
          *TS_P,
          "function log(...parts: unknown[]): void {", "  const t = asyncio.current_task();", "  const name = t ? t.get_name() : null;",
          "  P(name && name.startsWith('Task-') ? 'T' : name, CV.get(), ...parts);", "}",
          "function* bg(k: number, d: number, swallow: boolean) {", "  log('bg', k, 'start');", "  try {", "    yield* asyncio.sleep(d);",
          "    log('bg', k, 'done');", "  } catch (e) {", "    if (!(e instanceof asyncio.CancelledError)) throw e;",
          "    log('bg', k, 'cancelled', repr(e));", "    if (!swallow) throw e;", "    yield* asyncio.sleep(0);", "    log('bg', k, 'after');",
          "  } finally {", "    log('bg', k, 'finally');", "  }", "}"]
    runs = []
    for i in range(nruns):
        py += ["", f"async def job{i}():"]
        ts += ["", f"function* job{i}() {{"]
        for _ in range(r.randint(1, 5)):
            k = r.choice(["set", "set", "spawn", "spawn", "sleep", "raise", "cancel_self", "nested", "tasks", "log"])
            if k == "set":
                py.append(f"    CV.set('v{i}'); log('set')")
                ts.append(f"  CV.set('v{i}'); log('set');")
            elif k == "spawn":
                d = r.choice([0, 0.1, 0.5, 5])
                sw = r.random() < 0.4
                py.append(f"    T.append(asyncio.create_task(bg({nbg}, {d}, {sw}), name='b{nbg}')); log('spawned', {nbg})")
                ts.append(f"  T.push(asyncio.create_task(bg({nbg}, {d}, {'true' if sw else 'false'}), {{ name: 'b{nbg}' }})); log('spawned', {nbg});")
                nbg += 1
            elif k == "sleep":
                d = r.choice([0, 0.1, 0.2, 1])
                py.append(f"    await asyncio.sleep({d}); log('slept')")
                ts.append(f"  yield* asyncio.sleep({d}); log('slept');")
            elif k == "raise":
                py.append(f"    raise ValueError({i})")
                ts.append(f"  throw new ValueError({i});")
            elif k == "cancel_self":
                py.append("    log('cancel', asyncio.current_task().cancel()); await asyncio.sleep(0); log('not cancelled')")
                ts.append("  log('cancel', asyncio.current_task()!.cancel()); yield* asyncio.sleep(0); log('not cancelled');")
            elif k == "nested":
                py += ["    c = asyncio.sleep(0)", "    try:", "        runner.run(c)", "    except RuntimeError as e:", "        log(repr(e))", "    await c"]
                ts += ["  {", "    const c = asyncio.sleep(0);", "    try {", "      void runner.run(c);", "    } catch (e) {", "      log(repr(e));", "    }",
                       "    yield* c;", "  }"]
            elif k == "tasks":
                py.append("    log('tasks', sorted(t.get_name() for t in asyncio.all_tasks() if t is not asyncio.current_task()))")
                ts.append("  log('tasks', [...asyncio.all_tasks()].filter((t) => t !== asyncio.current_task()).map((t) => t.get_name()).sort());")
            else:
                py.append("    log('here')")
                ts.append("  log('here');")
        py.append(f"    return 'r{i}'")
        ts += [f"  return 'r{i}';", "}"]
        runs.append(r.choice(["plain", "plain", "copy", "bad"]))
    debug = r.choice([None, False, True])
    py += ["", "def main():", "    global runner",
           f"    runner = asyncio.Runner(debug={debug})", "    try:"]
    ts += ["", "async function main() {",
           f"  runner = new asyncio.Runner({{ debug: {'null' if debug is None else 'true' if debug else 'false'}, loop_factory: () => new VirtualTimeEventLoop() }});",
           "  try {"]
    for i, mode in enumerate(runs):
        if mode == "bad":
            py += ["        try:", "            runner.run(1)", "        except TypeError as e:", f"            P('run', {i}, repr(e))"]
            ts += ["    try {", "      void runner.run(1 as never);", "    } catch (e) {", f"      P('run', {i}, repr(e));", "    }"]
        call_p = f"runner.run(job{i}(), context=contextvars.copy_context())" if mode == "copy" else f"runner.run(job{i}())"
        call_t = f"runner.run(job{i}(), {{ context: copy_context() }})" if mode == "copy" else f"runner.run(job{i}())"
        py += ["        try:", f"            P('run', {i}, {call_p}, CV.get())", "        except BaseException as e:", f"            P('run', {i}, 'raised', repr(e))"]
        ts += ["    try {", f"      P('run', {i}, await {call_t}, CV.get());", "    } catch (e) {", f"      P('run', {i}, 'raised', repr(e));", "    }"]
    py += ["        P('pending', sorted(t.get_name() for t in T if not t.done()))", "        P('--- unordered ---')", "    finally:", "        runner.close()",
           "    P('--- ordered ---')", "    P('closed', [t.get_name() + ':' + ('cancelled' if t.cancelled() else repr(t.exception() or t.result())) for t in T])",
           "    runner.close()",
           "    try:", "        runner.run(asyncio.sleep(0))", "    except RuntimeError as e:", "        P('after close', repr(e))",
           "    try:", "        runner.get_loop()", "    except RuntimeError as e:", "        P('get_loop', repr(e))", "",
           "main()"]
    ts += ["    P('pending', T.filter((t) => !t.done()).map((t) => t.get_name()).sort());", "    P('--- unordered ---');", "  } finally {",
           "    await runner.close();", "  }", "  P('--- ordered ---');",
           "  P('closed', T.map((t) => t.get_name() + ':' + (t.cancelled() ? 'cancelled' : repr(t.exception() ?? t.result()))));",
           "  await runner.close();",
           "  const s = asyncio.sleep(0);", "  try {", "    void runner.run(s);", "  } catch (e) {", "    P('after close', repr(e));", "  }",
           "  s.return(null);",
           "  try {", "    runner.get_loop();", "  } catch (e) {", "    P('get_loop', repr(e));", "  }", "}",
           "await main();"]
    return "\n".join(py) + "\n", "\n".join(ts) + "\n"


KINDS = {
    "tasks": lambda seed: TaskPrograms(seed, random.Random(seed).randint(3, 6)).program(),
    "streams": stream_program,
    "callbacks": callback_program,
    "sync": lambda seed: SyncPrograms(seed).program(),
    "staggered": staggered_program,
    "timeouts": lambda seed: TimeoutPrograms(seed).program(),
    "runner": runner_program,
}


def write_batch(kind, first, last, out, root):
    py_runs, ts_runs = [], []
    for seed in range(first, last + 1):
        py, ts = KINDS[kind](seed)
        ts = ts.replace("@ROOT@", root)
        with open(os.path.join(out, f"p{seed}.py"), "w") as f:
            f.write(py)
        with open(os.path.join(out, f"p{seed}.ts"), "w") as f:
            f.write(ts)
        py_runs.append(f"print('=== {seed}')")
        py_runs.append(f"exec(compile({py!r}, 'p{seed}.py', 'exec'), {{'__name__': '__main__'}})")
        ts_runs.append(f"console.log('=== {seed}');")
        ts_runs.append(f"await import('./p{seed}.ts');")
    with open(os.path.join(out, "batch.py"), "w") as f:
        f.write("\n".join(py_runs) + "\n")
    with open(os.path.join(out, "batch.ts"), "w") as f:
        f.write("\n".join(ts_runs) + "\n")


if __name__ == "__main__":
    kind, first, last, out, root = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
    if kind not in KINDS:
        sys.exit("kind must be one of " + ", ".join(KINDS))
    write_batch(kind, first, last, out, root)
