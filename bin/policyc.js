#!/usr/bin/env node
// Entry point for `npx policyc`: runs the compiled CLI (built by `npm run build`, which `npm ci` runs through `prepare`).
import { runProcess } from "../dist/cli/runProcess.js";

await runProcess();
