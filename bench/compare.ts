/**
 * `deno task bench:compare`: runs the workloads on CPython's asyncio (the newest python3.x that
 * pyenv has, else `python3`), on Deno, and on Node (through the npm build: the machine's Node, and
 * Node's current LTS where `scripts/build_npm.ts` installed it), in one run on this machine, and
 * prints ops/s and ratios to CPython. The async_tree rows also compare with the same tree written
 * with the runtime's own async/await (`native_async_tree_*`).
 *
 * The `npm_*` rows run issue 4's workloads written with the npm packages that do the same job
 * (`bench/npm_peers.mjs`: async-mutex, p-limit), installed for the run into `.tools/bench-peers/`,
 * and compare them to the port on the same runtime (a ratio above 1 means the package is faster).
 *
 * The programs run in `--rounds N` rounds (default 3), each runtime once per round, in turns; a
 * runtime's figure for a workload is the best of all its rounds. In each round, every runtime runs
 * each workload `--warmup N` times untimed (default 1: V8 compiles the hot paths and sizes its
 * heap on the first run, CPython's figures hardly move), then `--repeat N` timed runs (default 1).
 * Under the table, the spread between each column's best and worst rounds. Other options:
 * `--only a,b`, `--no-node`, `--no-npm-peers`, `--no-uvloop`.
 *
 * Where an interpreter here has uvloop (the newest pyenv Python, else the system's `python3`, for
 * which Debian packages `python3-uvloop`), the Python workloads also run on it (`bench.py
 * --uvloop`): its ratio to CPython is the bar issue 6 sets for the networking rows.
 *
 * @module
 */

import { node_runtimes } from "../scripts/runtimes.ts";

const root = new URL("..", import.meta.url).pathname;
const args = Deno.args;
const opt = (name: string, fallback: string) => args.includes(name) ? args[args.indexOf(name) + 1] : fallback;
const rounds = Math.max(1, Number(opt("--rounds", "3")) || 1);
const timing = ["--repeat", opt("--repeat", "1"), "--warmup", opt("--warmup", "1")];
const only = args.includes("--only") ? ["--only", opt("--only", "")] : [];

interface Result {
  name: string;
  seconds: number;
  ops_per_sec: number;
}

async function run(cmd: string, cmd_args: string[]): Promise<Map<string, Result>> {
  const out = await new Deno.Command(cmd, { args: cmd_args, cwd: root, stdout: "piped", stderr: "inherit" })
    .output();
  if (!out.success) throw new Error(`${cmd} ${cmd_args.join(" ")} failed`);
  const results = new Map<string, Result>();
  for (const line of new TextDecoder().decode(out.stdout).split("\n")) {
    if (!line.startsWith("{")) continue;
    const r = JSON.parse(line) as Result;
    results.set(r.name, r);
  }
  return results;
}

function newest_python(): string {
  const home = Deno.env.get("HOME") ?? "/root";
  let best: [number, number, string] | null = null;
  try {
    for (const e of Deno.readDirSync(`${home}/.pyenv/versions`)) {
      const m = /^3\.(\d+)\.(\d+)$/.exec(e.name);
      if (!m) continue;
      const v: [number, number, string] = [
        Number(m[1]),
        Number(m[2]),
        `${home}/.pyenv/versions/${e.name}/bin/python3`,
      ];
      if (best === null || v[0] > best[0] || (v[0] === best[0] && v[1] > best[1])) best = v;
    }
  } catch {
    // no pyenv
  }
  return best ? best[2] : "python3";
}

const python = newest_python();
const py_version = new TextDecoder().decode(
  (await new Deno.Command(python, { args: ["--version"], stdout: "piped" }).output()).stdout,
).trim();

// uvloop, where an interpreter here has it: the newest pyenv Python, else the system's `python3`
// (Debian's python3-uvloop installs there). Its figures are the networking targets of issue 6.
async function uvloop_python(): Promise<[string, string] | null> {
  for (const cmd of [python, "/usr/bin/python3", "python3"]) {
    try {
      const out = await new Deno.Command(cmd, {
        args: [
          "-c",
          "import sys, uvloop; print(f'uvloop {uvloop.__version__} (Python {sys.version.split()[0]})')",
        ],
        stdout: "piped",
        stderr: "null",
      }).output();
      if (out.success) return [cmd, new TextDecoder().decode(out.stdout).trim()];
    } catch {
      // no such interpreter
    }
  }
  return null;
}
/**
 * One column's program: it is run once per round, and keeps, per workload, the best figure of
 * all rounds (`results`) and the worst (`worst`, for the spread printed under the table).
 */
interface Runner {
  label: string;
  cmd: string;
  args: string[];
  /** A round where it fails is skipped with a note (the npm peers), instead of ending the run. */
  optional: boolean;
  results: Map<string, Result>;
  worst: Map<string, Result>;
}
const runner = (label: string, cmd: string, cmd_args: string[], optional = false): Runner => ({
  label,
  cmd,
  args: cmd_args,
  optional,
  results: new Map(),
  worst: new Map(),
});

const py = runner(`CPython (${py_version})`, python, ["bench/bench.py", ...timing, ...only]);
let uv: Runner | null = null;
let uv_version = "uvloop";
const uv_python = args.includes("--no-uvloop") ? null : await uvloop_python();
if (uv_python !== null) {
  uv_version = uv_python[1];
  uv = runner(uv_version, uv_python[0], ["bench/bench.py", "--uvloop", ...timing, ...only]);
} else {
  console.error("uvloop skipped: no interpreter here has it");
}
const deno = runner("Deno", Deno.execPath(), ["run", "-A", "bench/run.ts", ...timing, ...only]);
// Node: the machine's, and Node's current LTS when scripts/build_npm.ts installed it into
// .tools/build/ (it does when the machine's Node is another major version; Node 20's collector is
// much slower on the workloads that keep a million objects alive, so both are worth a column).
interface NodeRun {
  label: string;
  port: Runner;
  peers: Runner | null;
}
const nodes: NodeRun[] = [];
if (!args.includes("--no-node")) {
  console.error("building the npm package ...");
  await run(Deno.execPath(), ["run", "-A", "scripts/build_npm.ts", "--no-test"]);
  for (const { label, cmd } of await node_runtimes()) {
    nodes.push({
      label,
      port: runner(label, cmd, ["npm/esm/bench/run.js", ...timing, ...only]),
      peers: null,
    });
  }
}

// The npm packages that do the jobs of issue 4's primitives (bench/npm_peers.mjs), installed into
// .tools/bench-peers/ and run on every runtime; skipped (with a note) when npm cannot install them.
const peers_dir = `${root}.tools/bench-peers/`;
let peers_deno: Runner | null = null;
if (!args.includes("--no-npm-peers")) {
  try {
    console.error("installing the npm peers (async-mutex, p-limit) ...");
    await Deno.mkdir(peers_dir, { recursive: true });
    await Deno.writeTextFile(
      `${peers_dir}package.json`,
      JSON.stringify({
        name: "bench-peers",
        private: true,
        type: "module",
        dependencies: { "async-mutex": "0.5.0", "p-limit": "6.2.0" },
      }),
    );
    await Deno.copyFile(`${root}bench/npm_peers.mjs`, `${peers_dir}npm_peers.mjs`);
    const npm = await new Deno.Command("npm", {
      args: ["install", "--no-audit", "--no-fund", "--silent"],
      cwd: peers_dir,
      stdout: "inherit",
      stderr: "inherit",
    }).output();
    if (!npm.success) throw new Error("npm install failed");
    const peer_args = [`${peers_dir}npm_peers.mjs`, ...timing, ...only];
    peers_deno = runner("npm peers on Deno", Deno.execPath(), [
      "run",
      "-A",
      "--node-modules-dir=manual",
      ...peer_args,
    ], true);
    for (const n of nodes) n.peers = runner(`npm peers on ${n.label}`, n.port.cmd, peer_args, true);
  } catch (e) {
    console.error(`npm peers skipped: ${(e as Error).message}`);
  }
}

// The rounds: every program once per round, the order turned by one each round, so that a slow
// spell of this shared machine falls on each column in turn rather than on one column's whole run
// (the ratios of one sequential run moved by up to 2x for that reason).
const all: Runner[] = [py, ...(uv ? [uv] : []), deno, ...nodes.map((n) => n.port)];
if (peers_deno) all.push(peers_deno, ...nodes.flatMap((n) => n.peers ? [n.peers] : []));
for (let round = 0; round < rounds; round++) {
  for (let k = 0; k < all.length; k++) {
    const r = all[(k + round) % all.length];
    console.error(`round ${round + 1} of ${rounds}: ${r.label} ...`);
    let got: Map<string, Result>;
    try {
      got = await run(r.cmd, r.args);
    } catch (e) {
      if (r.optional) {
        console.error(`skipped: ${(e as Error).message}`);
        continue;
      }
      throw e;
    }
    for (const [name, res] of got) {
      const best = r.results.get(name);
      if (best === undefined || res.ops_per_sec > best.ops_per_sec) r.results.set(name, res);
      const worst = r.worst.get(name);
      if (worst === undefined || res.ops_per_sec < worst.ops_per_sec) r.worst.set(name, res);
    }
  }
}

const fmt = (n: number) =>
  n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : n.toFixed(0);
const ratio = (a: Result | undefined, b: Result | undefined) =>
  a && b ? `${(a.ops_per_sec / b.ops_per_sec).toFixed(2)}×` : "–";
const lines = [
  `| workload | ${py_version} ops/s | ${uv_version} ops/s | uvloop / CPython | Deno ops/s | Deno / CPython |${
    nodes.map((n) => ` ${n.label} ops/s | ${n.label} / CPython |`).join("")
  }`,
  `| --- | ---: | ---: | ---: | ---: | ---: |${" ---: | ---: |".repeat(nodes.length)}`,
];
for (const [name, d] of deno.results) {
  // A native_* row compares with the port's workload on the same runtime.
  const native = name.startsWith("native_");
  const base_name = native ? name.slice("native_".length) : name;
  const p = native ? deno.results.get(base_name) : py.results.get(name);
  const label = native ? `${name} (vs port on same runtime)` : name;
  const u = native ? undefined : uv?.results.get(name);
  const node_cells = nodes.map((n) => {
    const r = n.port.results.get(name);
    const base = native ? n.port.results.get(base_name) : py.results.get(name);
    return `${r ? fmt(r.ops_per_sec) : "–"} | ${ratio(r, base)}`;
  });
  lines.push(
    `| ${label} | ${p ? fmt(p.ops_per_sec) : "–"} | ${u ? fmt(u.ops_per_sec) : "–"} | ${ratio(u, p)} | ${
      fmt(d.ops_per_sec)
    } | ${ratio(d, p)} |${node_cells.map((c) => ` ${c} |`).join("")}`,
  );
}
for (const [name, d] of peers_deno?.results ?? []) {
  // `npm_<package>__<workload>`: the port's workload on the same runtime is the reference.
  const base_name = name.slice(name.indexOf("__") + 2);
  const p = deno.results.get(base_name);
  const node_cells = nodes.map((n) => {
    const r = n.peers?.results.get(name);
    return `${r ? fmt(r.ops_per_sec) : "–"} | ${ratio(r, n.port.results.get(base_name))}`;
  });
  lines.push(
    `| ${name} (vs port on same runtime) | ${p ? fmt(p.ops_per_sec) : "–"} | – | – | ${
      fmt(d.ops_per_sec)
    } | ${ratio(d, p)} |${node_cells.map((c) => ` ${c} |`).join("")}`,
  );
}
console.log(lines.join("\n"));

// How far the rounds disagreed: per column, the median and the largest ratio of a workload's best
// round to its worst (1.00× when there was one round).
if (rounds > 1) {
  console.log(
    `\nThe best of ${rounds} rounds; how much slower each column's worst round was (median, largest):`,
  );
  for (const r of all) {
    const spreads: [number, string][] = [];
    for (const [name, best] of r.results) {
      const worst = r.worst.get(name);
      if (worst) spreads.push([best.ops_per_sec / worst.ops_per_sec, name]);
    }
    if (!spreads.length) continue;
    spreads.sort((a, b) => a[0] - b[0]);
    const median = spreads[Math.floor(spreads.length / 2)][0];
    const [max, max_name] = spreads[spreads.length - 1];
    console.log(`- ${r.label}: ${median.toFixed(2)}×, ${max.toFixed(2)}× (${max_name})`);
  }
}
