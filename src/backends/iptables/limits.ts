/**
 * Kernel and tool limits the iptables + ipset backend must respect, one named constant each, with
 * the header or man page that fixes it. Rendering never silently exceeds one of these: names are
 * shortened by hashing, comments and log prefixes are cut, and port lists over the limit are split
 * before rendering (multiport.ts), so a longer one reaching the renderer is an internal error.
 */

/**
 * Longest iptables chain name: 28 characters. The kernel stores chain labels in
 * `char name[XT_EXTENSION_MAXNAMELEN]` (29 bytes incl. NUL, linux/netfilter/x_tables.h), and
 * iptables refuses longer names ("chain name too long"). Felix: `iptables.MaxChainNameLength`.
 */
export const MAX_CHAIN_NAME_LENGTH = 28;

/**
 * Longest ipset name: 31 characters. `IPSET_MAXNAMELEN` is 32 bytes incl. the NUL
 * (linux/netfilter/ipset/ip_set.h). Felix: `MaxIPSetNameLength`.
 */
export const MAX_IPSET_NAME_LENGTH = 31;

/**
 * Port slots in one `-m multiport` match: 15. `XT_MULTI_PORTS` is 15
 * (linux/netfilter/xt_multiport.h); a single port costs one slot, a range `a:b` two
 * (iptables-extensions(8), multiport: "Up to 15 ports can be specified. A port range counts as
 * two ports").
 */
export const MAX_MULTIPORT_SLOTS = 15;

/**
 * Longest rule comment: 255 characters. xt_comment stores it in
 * `char comment[XT_MAX_COMMENT_LEN]` with `XT_MAX_COMMENT_LEN` 256 incl. the NUL
 * (linux/netfilter/xt_comment.h). iptables 1.8.9 (nft and legacy) silently keeps only the first
 * 255 characters of a longer comment (checked in test/kernel/iptablesRestore.test.ts). Felix cuts
 * to 256 (`maxIptablesCommentLength`), one character more than the kernel keeps; we cut to what
 * the kernel holds, so the rule we render is the rule iptables-save shows.
 */
export const MAX_COMMENT_LENGTH = 255;

/**
 * Longest LOG prefix: 29 characters. `struct xt_log_info` has `char prefix[30]` incl. the NUL
 * (linux/netfilter/xt_LOG.h); iptables-extensions(8), LOG: "up to 29 letters long". iptables
 * 1.8.9 silently cuts a longer prefix (checked in test/kernel/iptablesRestore.test.ts).
 */
export const MAX_LOG_PREFIX_LENGTH = 29;

/** Kernel log level of LOG rules: 5 (notice), as Felix's `--log-level 5`. */
export const LOG_LEVEL = 5;

/**
 * `maxelem` of every set: 1048576, Felix's default `MaxIpsetSize`. ipset's own default (65536,
 * ipset(8)) is too small for large clusters.
 */
export const MAX_IPSET_SIZE = 1048576;

/**
 * Longest interface name: 15 characters. `IFNAMSIZ` is 16 bytes incl. the NUL (linux/if.h);
 * iptables(8) matches `-i`/`-o` against it.
 */
export const MAX_IFACE_NAME_LENGTH = 15;
