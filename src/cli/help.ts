/**
 * The help texts: one entry per command (synopsis and description), from which `policyc --help`,
 * `policyc help COMMAND` and `policyc COMMAND --help` are printed. README's synopses are checked
 * against these (test/cli/help.test.ts).
 */

export const commandNames = ["lint", "compile", "apply", "explain", "matrix", "diff", "verify", "datastore", "agent", "codes"] as const;
export type CommandName = (typeof commandNames)[number];

/** Whether `name` is one of policyc's commands. */
export function isCommand(name: string): name is CommandName {
  return (commandNames as readonly string[]).includes(name);
}

export interface CommandHelp {
  /** The usage line, starting with `policyc`. */
  readonly synopsis: string;
  readonly description: string;
}

/** Flags every command that reads PATHs takes, spelled out under "Input flags". */
export const INPUT_FLAGS = "[INPUT FLAGS]";

const inputFlagsHelp = `INPUT FLAGS (every command that reads PATHs): [-n NAMESPACE] [--exclude GLOB]...
    [--skip-kinds KIND,...] [--config FILE] [--quiet]
  PATH is a file or a directory (read recursively for *.yaml, *.yml, *.json); - is standard input.
  -n, --namespace NS   the namespace of namespaced resources that name none (default: default)
  --exclude GLOB       leave out matching files (repeatable; * within a path segment, ** across)
  --skip-kinds K,...   leave out documents of these kinds (as written: Deployment, NetworkPolicy)
  --config FILE        read FILE instead of the .policyc.yaml found upward from this directory
  --quiet              print only errors (and, with --strict, warnings), no summary
  Files in a directory that are not Kubernetes resources (Chart.yaml, values.yaml, package.json,
  unrendered templates) are skipped with a note; named on the command line, they are read.`;

export const commandHelp: Readonly<Record<CommandName, CommandHelp>> = {
  lint: {
    synopsis: `policyc lint [--format text|json|sarif|junit|tap] [--strict] [--deep] ${INPUT_FLAGS} PATH...`,
    description: `Load and validate the resources in PATH and print every finding (on stdout) as
file:line:col: severity[code]: message, with the source line and a caret, then a summary line.
Beyond validation it reports what the policies mean: impossible selectors, Allow rules after a
deny-all, shadowed rules, and (over the endpoints of the input) policies and selectors that
match nothing (above 50,000 endpoints only with --deep); --deep adds rules and policies whose
removal changes no verdict (slower; skipped, with a note, on inputs too large for it).
--format json, sarif (2.1.0), junit or tap for CI. Exit 0 when there are no errors, 1 when there
are (or, with --strict, warnings), 2 on a usage error.`,
  },
  compile: {
    synopsis: `policyc compile [--node NAME] [--backend iptables|nftables] [--backend-mode legacy|nft] [--out DIR] [--dry-run] [--emit ir] [--format text|json] [--allow-empty] [--host-interface NAME=IP[,IP]]... ${INPUT_FLAGS} PATH...`,
    description: `Compile the node's complete filter ruleset. Without --node every endpoint is local.
With --out DIR write ipset.restore, iptables.rules and ip6tables.rules into DIR; otherwise print
them; --backend nftables writes (or prints) one ruleset.nft for \`nft -f\` instead. --dry-run prints
exactly what \`policyc apply --dry-run\` prints on a node where nothing is written yet: each tool's
command and input, in order, and a summary (the tools of --backend-mode, default nft, as an apply
detects on a node without legacy tables). --emit ir prints the optimized intermediate
representation instead. No resources at all is an error (it would program an empty ruleset)
unless --allow-empty. --host-interface (repeatable) lists the node's interfaces and addresses, so
that host endpoints with only expectedIPs guard the interfaces holding them (NAME= for none).`,
  },
  apply: {
    synopsis: `policyc apply --node NAME [--backend iptables|nftables] [--backend-mode legacy|nft] [--dry-run] [--lock-file PATH] [--state-dir DIR] [--state-max-age SECONDS] [--allow-empty] ${INPUT_FLAGS} PATH...`,
    description: `Compile for node NAME, then bring this network namespace's kernel to that state (run as
root): only what differs is written, only policyc's own chains, hooks and sets (cali-*,
cali4*/cali6*, the tables ip/ip6 policyc) are touched, and every change is validated first and
all or nothing. --backend-mode picks iptables-legacy or iptables-nft (detected by default).
--dry-run prints the exact input each tool would get and a summary. Applies serialize on a lock
file (default /run/policyc.lock). A ledger of what was written is kept in DIR (default
/run/policyc); for SECONDS after the kernel was last read whole (default 90) the next apply
checks it with cheap probes (nf_tables generation, ipset headers) instead of dumping every table
and set. --state-max-age 0 always reads whole. No resources at all is an error (it would remove
everything policyc programmed) unless --allow-empty. Host endpoints of NAME with only expectedIPs
guard the interfaces that hold them here (read with \`ip -j addr show\`).`,
  },
  explain: {
    synopsis: `policyc explain (--from END --to END --port PORT | --flows FILE) [--node NAME] [--family 4|6] [--rules] [--backend iptables|nftables] [--format text|json|csv] [--expect allow|deny] [--host-interface NAME=IP[,IP]]... ${INPUT_FLAGS} PATH...`,
    description: `Whether a new connection is allowed, and why: the verdict, then the egress policy path at the
source and the ingress path at the destination (tier, policy, rule, file:line). A denied direction
names the policies that isolate the endpoint in it and what denied (a tier's end, a Deny rule or
the final drop). END is an endpoint as namespace/name, a workload as Kind/namespace/name
(Deployment/shop/web; or namespace/name when only that workload has the name), a host endpoint as
hostendpoint:NAME (at its expectedIPs), or an IP address. PORT is 80/TCP, 53/UDP, 80 (TCP), a named port of the
destination endpoint (http, http/TCP, dns/UDP; TCP when no protocol is given), ICMP[/TYPE[/CODE]]
or ICMPv6[/TYPE[/CODE]] (bare ICMP: echo request); the source port is 40000. --family defaults to
the addresses' family, else 4. Without --node every endpoint is local. --rules also lists the
compiled rules the packet traverses on the node, as the backend writes them; --backend also
picks whose behaviour the verdict follows where Felix's two dataplanes differ (untracked packets,
such as IPv6 neighbour discovery, skip host egress policy on nftables). --expect allow|deny
exits 1 when the verdict is the other one (for CI). --host-interface as for compile.
--flows FILE answers many flows in one run: a text file with one FROM TO PORT [allow|deny] a line
(# comments), a JSON array of {"from", "to", "port", "expect"} or a CSV file with a header naming
from, to, port and optionally expect; it exits 1 when any flow's expectation (its own, else
--expect) fails.`,
  },
  matrix: {
    synopsis: `policyc matrix [--port PORT]... [--node NAME] [--family 4|6] [--in-namespace NS]... [--selector SEL]... [--from-namespace NS]... [--from-selector SEL]... [--to-namespace NS]... [--to-selector SEL]... [--format text|json|csv|markdown|html|dot] ${INPUT_FLAGS} PATH...`,
    description: `Which workload endpoint may connect to which, per port, for every pair of endpoints with an
address of the family (default 4), and every workload (Deployment, StatefulSet, ...: endpoints
without an address). Without --port: every distinct port and protocol the endpoints
declare (container ports), or 80/TCP if none. Rows (sources) and columns (destinations) are
grouped by namespace. --in-namespace NS and --selector SEL (Calico selector syntax, on the
endpoint's labels) keep only matching endpoints at both ends; --from-… filters the rows only,
--to-… the columns only. A namespace flag takes names separated by commas and repeats (any of
them); selectors repeat (all of them). (-n stays the input flag: the default namespace.)
--format html writes one self-contained page with a heat map (a layer per port, folding
namespaces, the explain path on hover); --format dot a Graphviz digraph (namespaces as clusters,
an edge per allowed pair labelled with its ports).`,
  },
  diff: {
    synopsis: `policyc diff [--git A..B] [--port PORT]... [--family 4|6] [--format text|json|markdown|sarif] [--fail-on open|close|any] ${INPUT_FLAGS} OLD NEW | PATH...`,
    description: `The connections between workload endpoints that a change opens and closes: OLD and NEW are two
paths (directories, files or -), or with --git A..B the trees of two git revisions (under the
PATHs, default .). Every endpoint is local. Flows are grouped by source class, destination class
and what they carry: destination ports of TCP, UDP and SCTP (from source port 40000), ICMP types
and codes (ICMPv6 with --family 6), and every other IP protocol; --port limits them to the ports
and ICMP types given. Each group comes with the rule that decided it before and after
(file:line). --format markdown is ready for
a pull-request comment. --fail-on exits 1 when a flow opens (open), closes (close) or either
(any).`,
  },
  verify: {
    synopsis: `policyc verify [--invariants FILE]... [--family 4|6] [--format text|json|sarif] ${INPUT_FLAGS} PATH...`,
    description: `Prove the invariants (policyc.dev/v1alpha1 IsolationInvariant, NeverReachInvariant,
OnlyReachInvariant, DefaultDenyInvariant; from the --invariants files and from PATH) over every
pair of workload endpoints of the family (default 4) and every packet: each destination port of
TCP, UDP and SCTP (source port 40000), each ICMP type and code (ICMPv6 with --family 6), each
other IP protocol; every endpoint local. An invariant's ports name TCP, UDP and SCTP ports only.
Each invariant holds, or is violated with its smallest counterexample (first source and
destination by name, then TCP, UDP, SCTP, ICMP and the other protocols in that order, lowest
port, type or number), the decision path explain prints, and the rule that opens the hole
(file:line).
--format sarif puts each violation at that rule. Exit 0 when every invariant holds, 1 when one is
violated (or the input has errors), 2 on a usage error.`,
  },
  datastore: {
    synopsis: `policyc datastore apply|delete|get [-f PATH]... --etcd-endpoints URL[,URL] [--etcd-ca FILE] [--etcd-cert FILE] [--etcd-key FILE] [--etcd-prefix PREFIX] [-o yaml|json] ${INPUT_FLAGS}`,
    description: `Write, delete or read resources in Calico's etcdv3 datastore, as calicoctl does with the etcd
datastore: keys /calico/resources/v3/projectcalico.org/<plural>/[<namespace>/]<name>, the resource
as JSON. Kubernetes objects are stored as Calico's etcd mode stores them: a Namespace as the
profile kns.<ns>, a ServiceAccount as ksa.<ns>.<sa>, a pod as its WorkloadEndpoint, a
NetworkPolicy as the Calico NetworkPolicy knp.default.<name>. get without -f prints every stored
resource. The etcd flags default to calicoctl's variables ETCD_ENDPOINTS, ETCD_CA_CERT_FILE,
ETCD_CERT_FILE and ETCD_KEY_FILE; --etcd-cert and --etcd-key give a client certificate for TLS.`,
  },
  agent: {
    synopsis:
      "policyc agent --node NAME --etcd-endpoints URL[,URL] [--etcd-ca FILE] [--etcd-cert FILE] [--etcd-key FILE] [--etcd-prefix PREFIX] [--backend iptables|nftables] [--backend-mode legacy|nft] [--coalesce-ms N] [--resync-seconds N] [--health-listen HOST:PORT] [--log-format text|json] [--log-level LEVEL] [--lock-file PATH] [--once]",
    description: `Run as the node agent: list every Calico resource in etcd at one revision, program the kernel
with that complete snapshot, then watch from the next revision and apply each change at once (at
most one apply per --coalesce-ms, default 20: a burst is applied together). Failed applies are
retried with backoff; every --resync-seconds (default 90) the kernel is read whole and drift
repaired. When etcd goes away the last good state stays in place and the agent reconnects; a watch
behind compaction re-lists. Bad resources are reported with their key and left out.
--health-listen serves /healthz, /readyz and /metrics (Prometheus). SIGTERM stops it and leaves
the rules. It holds the apply lock (--lock-file, default /run/policyc.lock) from its first apply
until it stops. --once syncs and exits (0 in sync, 1 when etcd cannot be listed, 3 when the apply
failed).`,
  },
  codes: {
    synopsis: "policyc codes [--format text|json|markdown]",
    description: `Every diagnostic code policyc can report, with its severity, what it means and an example
input that triggers it. Severities can be changed per code in .policyc.yaml.`,
  },
};

const exitCodesHelp = "Exit codes: 0 success, 1 invalid input, 2 usage error, 3 apply failed (node left as it was).";

const configHelp = `Configuration: .policyc.yaml (found upward from the current directory, or --config FILE):
  exclude: [GLOB, ...]          files to leave out
  skipKinds: [KIND, ...]        kinds to leave out
  severity: {CODE: error|warning|note|off, ...}   change or silence a diagnostic code`;

/** `policyc COMMAND --help`. */
export function helpFor(name: CommandName): string {
  const h = commandHelp[name];
  const reads = name !== "codes" && name !== "agent";
  return `Usage:\n  ${h.synopsis}\n\n${h.description}\n${reads ? `\n${inputFlagsHelp}\n` : ""}\n${exitCodesHelp}\n`;
}

/** `policyc --help`: every command's synopsis and description. */
export function overviewHelp(): string {
  const sections = commandNames.map((n) => `  ${commandHelp[n].synopsis}\n${indent(commandHelp[n].description, "      ")}`);
  return `policyc: compile Kubernetes and Calico network policy into iptables, ipset and nftables rules

Usage:
${sections.join("\n\n")}

  policyc help [COMMAND] | policyc COMMAND --help | policyc --help | policyc --version

${inputFlagsHelp}

${configHelp}

${exitCodesHelp}
`;
}

function indent(text: string, prefix: string): string {
  return text
    .split("\n")
    .map((l) => prefix + l)
    .join("\n");
}
