/**
 * A gate in front of the kernel tools an agent writes with (`ipset restore`,
 * `ip(6)tables-*-restore`), so that a test can stop an agent at a chosen write without racing it.
 *
 * The agent finds its tools on PATH (apply/state/iptablesState.ts names them bare). The gate is a
 * directory of small shell wrappers named after the tools, put first on the agents' PATH. A
 * wrapper runs the real tool (found on the PATH the test runs with) unless the test has closed
 * the gate for that kind of writer: then it records its command line in `held` and waits, before
 * the real tool starts, until the gate opens again (at most HOLD_LIMIT_S). While it waits the
 * agent has started its writer and is blocked on it, as it is while a slow tool runs, and a
 * SIGKILL lands in the middle of that apply whatever the machine's load.
 *
 * Why not watch the agent's children in /proc: a short `ipset restore` can start and end between
 * two looks under load, and the test then waits for a write it has missed.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The writers the gate can hold: the sets' batch, or a table's batch (not its `--test` run). */
export type GatedWriter = "ipset" | "iptables";

/** The tool names wrapped (both families, both iptables variants). */
const TOOLS = ["ipset", "iptables-nft-restore", "ip6tables-nft-restore", "iptables-legacy-restore", "ip6tables-legacy-restore"] as const;

/** How long a held writer waits at most, so that a failed test leaves no agent stuck. */
const HOLD_LIMIT_S = 20;

export interface ToolGate {
  /** Environment for the agents: the wrappers first on PATH. */
  readonly env: Readonly<Record<string, string>>;
  /** Holds the next writers of this kind (every agent using the gate) until `open`. */
  close(writer: GatedWriter): void;
  /** Lets held and later writers run. */
  open(): void;
  /** Command lines of the writers held since the gate was made, oldest first. */
  held(): string[];
  remove(): void;
}

/** Shell: hold when the gate is closed for this writer, then exec the real tool. */
function wrapperScript(): string {
  return `#!/bin/sh
# policyc test gate (test/e2e/toolGate.ts): holds a writer while the gate is closed for it.
dir=$(dirname "$0")
name=$(basename "$0")
kind=
case "$name" in
  ipset) [ "$1" = restore ] && kind=ipset ;;
  *tables-*-restore) case " $* " in *" --test "*) ;; *) kind=iptables ;; esac ;;
esac
if [ -n "$kind" ] && [ "$(cat "$dir/closed" 2>/dev/null)" = "$kind" ]; then
  echo "$name $*" >> "$dir/held"
  i=0
  while [ "$(cat "$dir/closed" 2>/dev/null)" = "$kind" ] && [ $i -lt ${HOLD_LIMIT_S * 20} ]; do
    sleep 0.05
    i=$((i + 1))
  done
fi
PATH="$POLICYC_GATE_REAL_PATH" exec "$name" "$@"
`;
}

export function toolGate(): ToolGate {
  const dir = mkdtempSync(join(tmpdir(), "policyc-gate-"));
  const script = join(dir, "gate.sh");
  writeFileSync(script, wrapperScript());
  chmodSync(script, 0o755);
  for (const tool of TOOLS) symlinkSync(script, join(dir, tool));
  const realPath = process.env["PATH"] ?? "/usr/sbin:/usr/bin:/sbin:/bin";
  const closed = join(dir, "closed");
  const held = join(dir, "held");
  return {
    env: { PATH: `${dir}:${realPath}`, POLICYC_GATE_REAL_PATH: realPath },
    close: (writer) => writeFileSync(closed, writer),
    open: () => rmSync(closed, { force: true }),
    held: () => (existsSync(held) ? readFileSync(held, "utf8").split("\n").filter((l) => l !== "") : []),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
