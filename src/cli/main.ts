#!/usr/bin/env node
import { runCli } from './run';

// The `break-glass` command. The exit status is set rather than forced, so output to a pipe is never cut short.
void runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  now: Date.now,
}).then((status) => {
  process.exitCode = status;
  // Standard input may still hold a reference when it was read from a terminal.
  process.stdin.destroy();
});
