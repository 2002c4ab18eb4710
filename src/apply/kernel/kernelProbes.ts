/**
 * Small, cheap reads of the kernel, for an apply that trusts its ledger (memory/ledger.ts) and wants to
 * confirm it, or to read only the chains and sets it is about to change.
 */
import type { Exec } from "../execution/exec.js";
import { NOT_FOUND } from "../execution/exec.js";
import type { SetHeader } from "../state/ipsetState.js";
import { parseIpsetHeaders } from "../state/ipsetState.js";
import type { ChainRules, IptablesTools, OwnedRule } from "../state/iptablesState.js";
import { ruleHashOf } from "../state/iptablesState.js";
import { stepError } from "../execution/stepError.js";

/** The network namespace the tools run in, e.g. `net:[4026531840]`; undefined if unreadable. */
export async function readNetnsId(exec: Exec): Promise<string | undefined> {
  const result = await exec.run(["readlink", "/proc/self/ns/net"]);
  const id = result.stdout.trim();
  return result.code === 0 && id !== "" ? id : undefined;
}

/**
 * Asks nf_tables for its generation (NFT_MSG_GETGEN, linux/netfilter/nf_tables.h): the counter
 * that every committed transaction in the namespace increments. No nft or iptables command
 * prints it, so a few lines of Python (present on Debian-based nodes; optional, see below; run
 * with -I -S, isolated and without site imports, which makes it start in ~20 ms, not ~130) send
 * the netlink request: nlmsghdr {len 20, type NFNL_SUBSYS_NFTABLES(10) << 8 | NFT_MSG_GETGEN(16),
 * flags NLM_F_REQUEST} + nfgenmsg {AF_UNSPEC, NFNETLINK_V0, 0} on a NETLINK_NETFILTER (12)
 * socket, and print attribute NFTA_GEN_ID (1, big-endian u32) of the reply.
 */
const GENERATION_SCRIPT = `
import socket, struct
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 12)
s.send(struct.pack("=IHHII", 20, (10 << 8) | 16, 1, 1, 0) + struct.pack("=BBH", 0, 0, 0))
m = s.recv(65536)
length, kind = struct.unpack_from("=IH", m)
at = 20
while at + 4 <= min(length, len(m)):
    size, attr = struct.unpack_from("=HH", m, at)
    if size < 4:
        break
    if attr & 0x7fff == 1 and size >= 8:
        print(struct.unpack_from(">I", m, at + 4)[0])
        raise SystemExit(0)
    at += (size + 3) & ~3
raise SystemExit("no NFTA_GEN_ID in reply of type %d" % kind)
`;

/**
 * The nf_tables generation, or undefined when it cannot be read (no python3, no nf_tables): the
 * caller then reads the kernel whole, so a missing python3 costs time, never correctness.
 */
export async function readNftGeneration(exec: Exec): Promise<number | undefined> {
  // The system interpreter first: a `python3` found on PATH may be a version manager's shell
  // shim (pyenv's adds ~70 ms per call).
  let result = await exec.run(["/usr/bin/python3", "-I", "-S", "-c", GENERATION_SCRIPT]);
  if (result.code === NOT_FOUND) result = await exec.run(["python3", "-I", "-S", "-c", GENERATION_SCRIPT]);
  const value = Number(result.stdout.trim());
  return result.code === 0 && Number.isSafeInteger(value) && result.stdout.trim() !== "" ? value : undefined;
}

/** Our sets' headers (`ipset list -t`: metadata and entry counts, no members). */
export async function readSetHeaders(exec: Exec, ipset: string): Promise<SetHeader[]> {
  const argv = [ipset, "list", "-t"];
  const result = await exec.run(argv);
  if (result.code !== 0) throw stepError("reading state", argv, result);
  return parseIpsetHeaders(result.stdout);
}

/**
 * The rules of our chains `names` of `table` (`iptables -t TABLE -S CHAIN`, which prints the
 * chain as iptables-save does; with iptables-nft only that chain is fetched from the kernel).
 */
export async function readChains(exec: Exec, tools: IptablesTools, family: 4 | 6, table: string, names: readonly string[]): Promise<ChainRules[]> {
  const binary = (family === 4 ? tools.restore4 : tools.restore6).replace(/-restore$/, "");
  return Promise.all(
    names.map(async (name) => {
      const argv = [binary, "-w", String(tools.waitSeconds), "-t", table, "-S", name];
      const result = await exec.run(argv);
      if (result.code !== 0) throw stepError("reading state", argv, result);
      const head = `-A ${name} `;
      const rules: OwnedRule[] = result.stdout
        .split("\n")
        .filter((line) => line.startsWith(head))
        .map((line) => {
          const spec = line.slice(head.length);
          return { spec, hash: ruleHashOf(spec) };
        });
      return { name, rules };
    }),
  );
}
