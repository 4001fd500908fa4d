/**
 * Differential fuzzing against CPython 3.14: `deno task fuzz:cpython tasks|streams|callbacks|sync|staggered|timeouts|runner FROM TO`.
 *
 * `scripts/fuzz/gen.py` writes one random asyncio program per seed, in Python and in TypeScript on
 * this port (see its doc for what they do). This runs the Python ones on CPython 3.14.2 (Pyodide,
 * through `scripts/cpython314.ts`: a loop whose clock jumps to the next timer) and the TypeScript
 * ones on the port's virtual-time loop (`test_utils.run_virtual`), then compares what each
 * program printed, line by line. It exits with 1 and shows the first differing lines of each
 * program that differs.
 *
 * Two kinds of difference are not the port's: where CPython iterates a `set` of tasks, its order
 * follows the tasks' addresses, so it is not a property of the program. That is the order of
 * `as_completed()` over tasks already done (`{ensure_future(aw) for aw in set(aws)}`), of a
 * TaskGroup cancelling its children (`self._tasks` is a set), of `staggered_race()` cancelling the
 * coroutines still running (`running_tasks`) and of `asyncio.run()` cancelling the tasks left at
 * its end (`all_tasks()`); the port takes them in the order they were made. The comparison sorts
 * runs of `as_completed` lines of one task and step, runs of a staggered coroutine's "cancelled" and
 * "end" lines at one time, the lines printed after the program's "left [" line (the shutdown),
 * and those between a "--- unordered ---" line and a "--- ordered ---" one (the runner kind's close);
 * a TaskGroup's abort order shows as two lines swapped and is left to the reader.
 *
 * Needs `python3` (or `$PYTHON`) for the generator; Pyodide is fetched from npm. Development only.
 * The programs and outputs are kept in a temporary directory when some differ, or always with
 * `FUZZ_KEEP=1`.
 *
 * @module
 */
import process from "node:process";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

// (scripts/fuzz/gen.py's KINDS)
const KINDS = ["tasks", "streams", "callbacks", "sync", "staggered", "timeouts", "runner"];
const [kind, from_arg, to_arg] = process.argv.slice(2);
if (!KINDS.includes(kind) || !from_arg || !to_arg) {
  console.error(`usage: deno task fuzz:cpython ${KINDS.join("|")} FROM TO`);
  process.exit(2);
}
const root = dirname(dirname(fileURLToPath(import.meta.url)));
const dir = mkdtempSync(join(tmpdir(), `fuzz-${kind}-`));
const python = process.env.PYTHON ?? "python3";

function run(cmd: string, args: string[], out: string): void {
  const r = spawnSync(cmd, args, { cwd: root, maxBuffer: 1 << 30, encoding: "utf8" });
  if (r.error) throw r.error;
  writeFileSync(join(dir, out), r.stdout);
  if (r.status !== 0) {
    console.error(`${cmd} ${args.join(" ")} exited with ${r.status}:\n${r.stderr.slice(-2000)}`);
  }
}

run(python, [join(root, "scripts/fuzz/gen.py"), kind, from_arg, to_arg, dir, root], "gen.out");
const deno = process.execPath;
run(deno, ["run", "-A", "--no-lock", join(root, "scripts/cpython314.ts"), join(dir, "batch.py")], "py.out");
run(deno, ["run", "-A", join(dir, "batch.ts")], "ts.out");

/** Each program's lines, by seed. */
function parse(file: string): Map<string, string[]> {
  const programs = new Map<string, string[]>();
  let current: string[] | null = null;
  for (const line of readFileSync(join(dir, file), "utf8").split("\n")) {
    if (line.startsWith("=== ")) programs.set(line.slice(4), current = []);
    else if (current !== null && line !== "") current.push(line);
  }
  return programs;
}

/**
 * How many "<time> cN cancelled ..." / "<time> cN end" pairs of one time start at line `i`, when
 * there are two or more (the staggered kind: `staggered_race()` cancels a set of tasks).
 */
function cancelled_pairs(lines: string[], i: number): number {
  let n = 0;
  let time = "";
  while (i + 2 * n + 1 < lines.length) {
    const m = /^(\S+) (c\d+) cancelled /.exec(lines[i + 2 * n]);
    if (m === null || (n > 0 && m[1] !== time) || lines[i + 2 * n + 1] !== `${m[1]} ${m[2]} end`) break;
    time = m[1];
    n++;
  }
  return n >= 2 ? n : 0;
}

/** The lines with CPython's set orders taken out (see the module doc). */
function normalize(lines: string[]): string[] {
  const out: string[] = [];
  // (a run of as_completed lines of one task at one time, sorted when it ends)
  let group: string[] = [];
  let group_key = "";
  const flush = () => {
    out.push(...group.sort());
    group = [];
    group_key = "";
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const pairs = cancelled_pairs(lines, i);
    if (pairs > 0) {
      flush();
      const units = [];
      for (let j = 0; j < pairs; j++) units.push(lines.slice(i + 2 * j, i + 2 * j + 2));
      out.push(...units.sort((a, b) => a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0).flat());
      i += 2 * pairs - 1;
      continue;
    }
    const fields = line.split(" ");
    if (fields[4] === "ac" || fields[4] === "aca") {
      const key = fields.slice(0, 4).join(" ");
      if (key !== group_key) flush();
      group_key = key;
      group.push(line);
      continue;
    }
    flush();
    if (line === "--- unordered ---") {
      const end = lines.indexOf("--- ordered ---", i);
      const stop = end === -1 ? lines.length : end;
      out.push(line, ...lines.slice(i + 1, stop).sort());
      i = stop - 1;
      continue;
    }
    out.push(line);
    if (/^\S+ \S+ \S+ left \[/.test(line)) {
      out.push(...lines.slice(i + 1).sort());
      break;
    }
  }
  flush();
  return out;
}

const py = parse("py.out");
const ts = parse("ts.out");
const differing: string[] = [];
for (const [seed, lines] of py) {
  const a = normalize(lines);
  const b = normalize(ts.get(seed) ?? []);
  if (a.length === b.length && a.every((line, i) => line === b[i])) continue;
  differing.push(seed);
  if (differing.length > 10) continue;
  const first = a.findIndex((line, i) => line !== b[i]);
  const at = first === -1 ? a.length : first;
  console.log(`--- program ${seed} (${join(dir, `p${seed}.py`)}), from line ${at + 1}:`);
  for (const line of a.slice(at, at + 4)) console.log(`  CPython: ${line}`);
  for (const line of b.slice(at, at + 4)) console.log(`  port:    ${line}`);
}
const missing = [...py.keys()].filter((seed) => !ts.has(seed));
console.log(
  `${kind}: ${py.size} programs run on CPython 3.14, ${
    py.size - differing.length
  } print the same on the port` +
    (differing.length ? `, ${differing.length} differ (${differing.slice(0, 20).join(" ")})` : "") +
    (missing.length ? `; the port did not run ${missing.length}` : ""),
);
if (py.size === 0 || differing.length || missing.length) {
  console.log(`(programs and outputs kept in ${dir})`);
  process.exit(1);
}
if (!process.env.FUZZ_KEEP) rmSync(dir, { recursive: true });
else console.log(`(kept in ${dir})`);
