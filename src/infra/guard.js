#!/usr/bin/env node
/**
 * Process guard: `node guard.js <parentPid> <command> [args...]`.
 * Runs the command in its own process group and kills that whole group when
 * - the guard gets SIGINT/SIGTERM/SIGHUP (e.g. Ctrl-C on the test run), or
 * - the parent process is gone (it was SIGKILLed, crashed, or exited without cleaning up).
 * So a dev server or emulator started for tests or `npm start` never outlives its owner.
 * Plain JavaScript on purpose: it must start in milliseconds, without a TypeScript loader.
 */
'use strict';
const { spawn } = require('node:child_process');

const [parentArg, command, ...args] = process.argv.slice(2);
const parentPid = Number(parentArg);
if (!Number.isInteger(parentPid) || !command) {
  process.stderr.write('usage: guard.js <parentPid> <command> [args...]\n');
  process.exit(2);
}

const child = spawn(command, args, { stdio: 'inherit', detached: true });
let stopping = false;

function killGroup(signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group is already gone.
  }
}

function stop() {
  if (stopping) return;
  stopping = true;
  killGroup('SIGTERM');
  // Anything that ignores SIGTERM (the emulator's JVM can take its time) is killed outright.
  setTimeout(() => {
    killGroup('SIGKILL');
    process.exit(0);
  }, 5000).unref();
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, stop);

const watch = setInterval(() => {
  try {
    process.kill(parentPid, 0);
  } catch {
    stop();
  }
}, 500);

child.on('error', (err) => {
  process.stderr.write(`guard: cannot start ${command}: ${err.message}\n`);
  process.exit(127);
});
child.on('exit', (code, signal) => {
  clearInterval(watch);
  // Make sure helpers the command forked (the emulator's launcher starts a JVM) go with it.
  killGroup('SIGKILL');
  process.exit(code ?? (signal ? 1 : 0));
});
