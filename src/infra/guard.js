#!/usr/bin/env node
/**
 * Process guard: `node guard.js <parentPid> <command> [args...]`.
 * Runs the command in its own process group and stops that whole group when
 * - the guard gets SIGTERM or SIGHUP (the owner's orderly `stop()`), or
 * - the parent process is gone (it was interrupted, SIGKILLed, crashed, or exited without cleaning up).
 * SIGINT is ignored: Ctrl-C in a terminal reaches the whole foreground group, guards included, and the owner must
 * decide the order of shutdown (workers drain before the servers they use go away). If the owner dies of the
 * Ctrl-C instead, the parent watch stops the servers within half a second.
 * So a dev server or emulator started for tests or `npm start` never outlives its owner — unless the guard itself is
 * killed outright (SIGKILL of the owner's whole process group): for that case, with SOCIALSYNC_GUARD_RECORD naming a
 * file, the guard keeps a record there (pid, start time, SOCIALSYNC_GUARD_META) while the command runs, which the
 * next start reads to stop the server left behind (src/infra/process.ts, `stopLeftover`).
 * Plain JavaScript on purpose: it must start in milliseconds, without a TypeScript loader.
 */
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');

const [parentArg, command, ...args] = process.argv.slice(2);
const parentPid = Number(parentArg);
if (!Number.isInteger(parentPid) || !command) {
  process.stderr.write('usage: guard.js <parentPid> <command> [args...]\n');
  process.exit(2);
}

const recordFile = process.env.SOCIALSYNC_GUARD_RECORD;
const meta = process.env.SOCIALSYNC_GUARD_META;
const childEnv = { ...process.env };
delete childEnv.SOCIALSYNC_GUARD_RECORD;
delete childEnv.SOCIALSYNC_GUARD_META;

const child = spawn(command, args, { stdio: 'inherit', detached: true, env: childEnv });
let stopping = false;

function startTicks(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

if (recordFile && child.pid) {
  const record = {
    pid: child.pid,
    command,
    startTicks: startTicks(child.pid),
    startedAt: new Date().toISOString(),
    meta: meta ? JSON.parse(meta) : undefined,
  };
  fs.writeFileSync(recordFile, JSON.stringify(record), { mode: 0o600 });
}

function forgetRecord() {
  if (recordFile) fs.rmSync(recordFile, { force: true });
}

function killGroup(signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group is already gone.
  }
}

function groupAlive() {
  try {
    process.kill(-child.pid, 0);
    return true;
  } catch {
    return false;
  }
}

function stop() {
  if (stopping) return;
  stopping = true;
  killGroup('SIGTERM');
  // Anything that ignores SIGTERM (the emulator's JVM can take its time) is killed outright.
  setTimeout(() => {
    killGroup('SIGKILL');
    forgetRecord();
    process.exit(0);
  }, 5000).unref();
}

for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, stop);
process.on('SIGINT', () => {});

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
  const status = code ?? (signal ? 1 : 0);
  // Processes the command forked (the emulator's launcher script starts a JVM) may still be finishing — the
  // emulator exports its data on exit. Give them time, then make sure nothing of the group survives.
  const deadline = Date.now() + 10_000;
  const wait = setInterval(() => {
    if (groupAlive() && Date.now() < deadline) return;
    clearInterval(wait);
    killGroup('SIGKILL');
    forgetRecord();
    process.exit(status);
  }, 100);
});
