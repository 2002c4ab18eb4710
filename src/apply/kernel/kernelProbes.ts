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

/**
 * Digests of the iptables-legacy tables we use (filter, raw, mangle, nat) as the kernel holds them,
 * one line per table: `4 filter <sha1>`. x_tables has no generation: instead each table's blob is
 * fetched as libiptc fetches it (IPT_SO_GET_INFO for its size, then IPT_SO_GET_ENTRIES;
 * linux/netfilter_ipv4/ip_tables.h, the same numbers for IPv6 in ip6_tables.h) and hashed with
 * each rule's packet and byte counters (struct ipt_entry at offset 96, ip6t_entry at 152; the
 * next entry at the u16 at 90, 142) zeroed, since traffic moves them. No rule changes without
 * changing its table's digest. It leaves no trace: only tables listed in
 * /proc/net/ip_tables_names (ip6_tables_names) are asked about, since asking for another would
 * make the kernel load and create it (see readIptablesState.ts `detectIptablesMode`). Python's
 * getsockopt cannot pass the table's name in, hence ctypes.
 */
const LEGACY_DIGEST_SCRIPT = `
import ctypes, hashlib, socket, struct
libc = ctypes.CDLL(None, use_errno=True)
out = []
for fam, names, level, af, counters, step in ((4, "/proc/net/ip_tables_names", 0, socket.AF_INET, 96, 90), (6, "/proc/net/ip6_tables_names", 41, socket.AF_INET6, 152, 142)):
    try:
        with open(names) as f:
            present = sorted(n for n in f.read().split() if n in ("filter", "raw", "mangle", "nat"))
    except OSError:
        present = []
    if not present:
        continue
    s = socket.socket(af, socket.SOCK_RAW, socket.IPPROTO_RAW)
    for name in present:
        info = ctypes.create_string_buffer(name.encode(), 84)
        n = ctypes.c_uint(84)
        if libc.getsockopt(s.fileno(), level, 64, info, ctypes.byref(n)) != 0:
            raise SystemExit("IPT_SO_GET_INFO %s: errno %d" % (name, ctypes.get_errno()))
        size = struct.unpack_from("=I", info.raw, 80)[0]
        buf = ctypes.create_string_buffer(40 + size)
        buf[0:32] = info.raw[0:32]
        struct.pack_into("=I", buf, 32, size)
        n = ctypes.c_uint(40 + size)
        if libc.getsockopt(s.fileno(), level, 65, buf, ctypes.byref(n)) != 0:
            raise SystemExit("IPT_SO_GET_ENTRIES %s: errno %d" % (name, ctypes.get_errno()))
        blob = bytearray(buf.raw[40:40 + size])
        zero = bytes(16)
        at = 0
        while at < size:
            blob[at + counters:at + counters + 16] = zero
            next = struct.unpack_from("=H", blob, at + step)[0]
            if next == 0:
                raise SystemExit("%s: entry at %d has no size" % (name, at))
            at += next
        out.append("%d %s %s" % (fam, name, hashlib.sha1(blob).hexdigest()))
print("\\n".join(out))
`;

/**
 * The digests of the iptables-legacy tables (`LEGACY_DIGEST_SCRIPT`), one `4 filter <sha1>` line
 * per table, or undefined when they cannot be read (no python3): the caller then reads the
 * tables whole.
 */
export async function readLegacyDigests(exec: Exec): Promise<string | undefined> {
  let result = await exec.run(["/usr/bin/python3", "-I", "-S", "-c", LEGACY_DIGEST_SCRIPT]);
  if (result.code === NOT_FOUND) result = await exec.run(["python3", "-I", "-S", "-c", LEGACY_DIGEST_SCRIPT]);
  const digests = result.stdout.trim();
  return result.code === 0 && /^([46] \w+ [0-9a-f]{40}(\n|$))*$/.test(digests) ? digests : undefined;
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
