/** The text of `policyc --help`. */
export const helpText = `policyc: compile Kubernetes and Calico network policy into iptables, ipset and nftables rules

Usage:
  policyc lint [--format text|json] [--strict] PATH...
      Load and validate the YAML/JSON resources in PATH (files or directories, read recursively)
      and print every problem as file:line:col. Exit 0 when there are no errors, 1 when there are,
      2 on a usage error. --strict makes warnings fail too.

  policyc compile [--node NAME] [--backend iptables|nftables] [--out DIR] [--dry-run]
                  [--emit ir] [--format text|json] PATH...
      Compile the node's complete filter ruleset. Without --node every endpoint is local.
      With --out DIR write ipset.restore, iptables.rules and ip6tables.rules into DIR; otherwise
      print them; --backend nftables writes (or prints) one ruleset.nft for \`nft -f\` instead.
      --dry-run prints exactly what an apply on an empty node would feed to each tool.
      --emit ir prints the optimized intermediate representation instead.

  policyc apply --node NAME [--backend iptables|nftables] [--backend-mode legacy|nft]
                [--dry-run] [--lock-file PATH] [--state-dir DIR] [--state-max-age SECONDS] PATH...
      Compile, then bring this network namespace's kernel to that state (run as root): only what
      differs is written, only policyc's own chains, hooks and sets (cali-*, cali4*/cali6*, the
      tables ip/ip6 policyc) are touched, and every change is validated first and all or
      nothing. --backend-mode picks iptables-legacy or iptables-nft (detected by default).
      --dry-run prints the exact input each tool would get and a summary. Applies serialize
      on a lock file (default /run/policyc.lock). A ledger of what was written is kept in DIR
      (default /run/policyc); for SECONDS after the kernel was last read whole (default 90) the
      next apply checks it with cheap probes (nf_tables generation, ipset headers) instead of
      dumping every table and set. --state-max-age 0 always reads whole.

  policyc explain --from END --to END --port PORT [--node NAME] [--family 4|6] [--rules]
                  [--backend iptables|nftables] [--format text|json] PATH...
      Whether a new connection is allowed, and why: the verdict, then the egress policy path at
      the source and the ingress path at the destination (tier, policy, rule, file and path).
      END is an endpoint as namespace/name or an IP address. PORT is 80/TCP, 53/UDP, 80 (TCP),
      ICMP[/TYPE[/CODE]] or ICMPv6[/TYPE[/CODE]] (bare ICMP: echo request); the source port is
      40000. --family defaults to the addresses' family, else 4. Without --node every endpoint
      is local. --rules also lists the compiled rules the packet traverses on the node, as the
      backend writes them.

  policyc matrix [--port PORT]... [--node NAME] [--family 4|6]
                 [--format text|json|csv|markdown] PATH...
      Which workload endpoint may connect to which, per port, for every pair of endpoints with
      an address of the family (default 4). Without --port: every distinct port and protocol
      the endpoints declare (container ports), or 80/TCP if none.

  policyc help | --help | -h
      This text.

Exit codes: 0 success, 1 invalid input, 2 usage error, 3 apply failed (node left as it was).
`;
