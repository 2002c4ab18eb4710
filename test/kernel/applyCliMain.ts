// Runs the policyc CLI from source (for the apply CLI kernel test, which runs it inside a netns).
import { main } from "../../src/cli/main.js";

process.exitCode = await main(process.argv.slice(2));
