/**
 * Where the build's runtimes are: `scripts/build_npm.ts` installs Bun, and Node's current LTS when
 * the machine's Node is another major version, into `.tools/build/`; `bench/compare.ts` and
 * `scripts/conformance_hosts.ts` run what is there.
 *
 * @module
 */

const root = new URL("..", import.meta.url).pathname;

/** The folder the build installs its tools into. */
export const TOOLS_DIR = `${root}.tools/build/`;
/** Node's current LTS (Node 20, still the floor in `engines`, reached its end of life in April 2026). */
export const NODE_LTS_VERSION = "24.21.0";
/** Where npm's `node` package puts that Node's binary. */
export const NODE_LTS_BIN = `${TOOLS_DIR}node_modules/node/bin/node`;
/** The Bun version the compiled tests run on. */
export const BUN_VERSION = "1.4.5";
/** Where npm's `bun` package puts its binary. */
export const BUN_BIN = `${TOOLS_DIR}node_modules/bun/bin/bun.exe`;

/** `cmd --version` (`v24.21.0`), or null if it does not run. */
export async function node_version(cmd: string): Promise<string | null> {
  try {
    const out = await new Deno.Command(cmd, { args: ["--version"], stdout: "piped", stderr: "null" })
      .output();
    return out.success ? new TextDecoder().decode(out.stdout).trim() : null;
  } catch {
    return null;
  }
}

/** The Nodes to run on: the machine's, and the LTS where the build installed it (one per version). */
export async function node_runtimes(): Promise<{ label: string; cmd: string }[]> {
  const found: { label: string; cmd: string }[] = [];
  const seen = new Set<string>();
  for (const cmd of ["node", NODE_LTS_BIN]) {
    const v = await node_version(cmd);
    if (v === null || seen.has(v)) continue;
    seen.add(v);
    found.push({ label: `Node ${v}`, cmd });
  }
  return found;
}
