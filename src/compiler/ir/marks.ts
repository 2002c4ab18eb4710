/**
 * Felix's mark bits with the default `IptablesMarkMask` 0xffff0000: allocated from the lowest bit
 * in the order accept, pass, drop, scratch0, scratch1 (felix/markbits/mark_bits.go, allocated by felix/dataplane/linux/int_dataplane.go).
 */
import type { MarkBits } from "./types.js";

export const FELIX_MARKS: MarkBits = {
  accept: 0x10000,
  pass: 0x20000,
  drop: 0x40000,
  scratch0: 0x80000,
  scratch1: 0x100000,
};
