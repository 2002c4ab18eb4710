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
                [--dry-run] [--lock-file PATH] PATH...
      Compile, then bring this network namespace's kernel to that state (run as root): only what
      differs is written, only policyc's own chains, hooks and sets (cali-*, cali4*/cali6*, the
      tables ip/ip6 policyc) are touched, and every change is validated first and all or
      nothing. --backend-mode picks iptables-legacy or iptables-nft (detected by default).
      --dry-run prints the exact input each tool would get and a summary. Applies serialize
      on a lock file (default /run/policyc.lock).

  policyc help | --help | -h
      This text.

Exit codes: 0 success, 1 invalid input, 2 usage error, 3 apply failed (node left as it was).
`;
