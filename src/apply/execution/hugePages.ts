/**
 * iptables-legacy's tools on a big table spend most of their time faulting memory in, 4 KiB at a
 * time. Every run holds the whole table in malloc'd memory (libiptc's copy of the kernel's blob:
 * 56 MB for the IPv4 filter table of shape L, and its parse of it), so `iptables-legacy-save`
 * takes about 29,000 page faults and a restore about 44,000. Where transparent huge pages are
 * enabled only on request (`madvise` in /sys/kernel/mm/transparent_hugepage/enabled, the
 * default of most distributions), glibc 2.35 and later ask for them when the tunable
 * `glibc.malloc.hugetlb=1` is set (glibc manual, "Memory Allocation Tunables"). Measured on
 * shape L (CPU, user + system, per run): `iptables-legacy-save` 0.8 s without, 0.2 to 0.5 s with
 * (1,700 page faults); a one-chain restore 1.0 to 1.3 s without, 0.3 to 0.6 s with. Nothing
 * else changes: the same program, the same input, the same kernel calls. Older glibc ignores an
 * unknown tunable; with THP `never` it does nothing; with `always` it is the default anyway. The
 * cost: with THP defrag `madvise` a fault in such a region may compact memory to find a huge
 * page, which on a badly fragmented node can take longer than the small pages would have.
 */
import { withEnv } from "./envExec.js";
import type { Exec } from "./exec.js";

/** The glibc tunable that makes malloc ask for transparent huge pages. */
export const MALLOC_HUGE_PAGES = "glibc.malloc.hugetlb=1";

/** The tools run with it: iptables-legacy's dump and restore, which hold whole tables. */
const LEGACY_TABLE_TOOLS = /^ip6?tables-legacy-(save|restore)$/;

/**
 * `exec`, running iptables-legacy's save and restore tools with malloc's huge pages
 * (`GLIBC_TUNABLES`, added to `inherited`, the value this process would pass on). An inherited
 * value that sets `glibc.malloc.hugetlb` itself is the operator's choice, and runs as it is.
 */
export function withHugePages(exec: Exec, inherited: string | undefined = process.env.GLIBC_TUNABLES): Exec {
  if (inherited !== undefined && /(^|:)glibc\.malloc\.hugetlb=/.test(inherited)) return exec;
  const value = inherited === undefined || inherited === "" ? MALLOC_HUGE_PAGES : `${inherited}:${MALLOC_HUGE_PAGES}`;
  return withEnv(exec, (program) => (LEGACY_TABLE_TOOLS.test(program) ? [`GLIBC_TUNABLES=${value}`] : []));
}
