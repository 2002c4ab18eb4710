export * from "./codes.js";
export * from "./diagnostic.js";
export * from "./format.js";
export * from "./span.js";
export * from "./assertNever.js";
