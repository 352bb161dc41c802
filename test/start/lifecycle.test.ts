/**
 * The lifecycle of `npm start` (issue 15, item 6), as a user meets it:
 * - Ctrl-C at any moment of the start — provisioning, servers starting, workers bundling, demo connecting, demo
 *   syncing (each recognised by its progress line) — stops every process and port it started within 15 s;
 * - a start whose process group was SIGKILLed (what a supervisor does after its stop timeout) leaves the Temporal dev
 *   server and the Firestore emulator running, in process groups of their own; the next start on the same data
 *   directory and ports stops them (saving the emulator's data first) instead of colliding with them;
 * - a second start on a data directory another running start uses is refused.
 * Each test has a data directory of its own; the runs of one test share it and one set of fixed ports, as a user's
 * `.data/` and defaults would be.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RuntimeInfo } from '../../src/cli/data-dir';
import { tail } from '../../src/infra/process';
import { npmStartEnv, portOpen, processesUsing, startNpm, within, type NpmStart } from './support';

jest.setTimeout(600_000);

/** The longest a stop may take, from the interrupt until the last process and port are gone (issue 15). */
const STOP_WITHIN_MS = 15_000;

let dataDir: string;
let env: NodeJS.ProcessEnv;
let ports: number[];
const runs: NpmStart[] = [];

function start(): NpmStart {
  const run = startNpm(env);
  runs.push(run);
  // A start that does not get where a test waits for: its log says where it stood.
  const waitForOutput = run.waitForOutput.bind(run);
  run.waitForOutput = (text, timeoutMs) =>
    waitForOutput(text, timeoutMs).catch((err: Error) => {
      throw new Error(`${err.message}\nsocialsync.log:\n${tail(path.join(dataDir, 'socialsync.log'), 15)}`);
    });
  return run;
}

/** Everything of the data directory gone: the npm process, every process naming the directory, every port. */
async function everythingStopped(run: NpmStart): Promise<{ processes: string[]; openPorts: number[] }> {
  const openPorts: number[] = [];
  for (const port of ports) if (await portOpen(port)) openPorts.push(port);
  return { processes: run.hasExited() ? processesUsing(dataDir) : ['npm start itself'], openPorts };
}

async function interruptAndExpectStopped(run: NpmStart, phase: string): Promise<void> {
  run.interrupt();
  await within(STOP_WITHIN_MS, async () => {
    const left = await everythingStopped(run);
    return left.processes.length === 0 && left.openPorts.length === 0;
  });
  expect({ phase, ...(await everythingStopped(run)) }).toEqual({ phase, processes: [], openPorts: [] });
  expect(run.output()).toContain('[socialsync] stopped');
  expect(fs.existsSync(path.join(dataDir, 'runtime.json'))).toBe(false);
}

beforeEach(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'socialsync-lifecycle-'));
  env = await npmStartEnv(dataDir);
  ports = [
    'PORT',
    'SOCIALSYNC_TEMPORAL_PORT',
    'SOCIALSYNC_TEMPORAL_UI_PORT',
    'SOCIALSYNC_FIRESTORE_PORT',
  ].map((name) => Number(env[name]));
});

afterEach(async () => {
  // Whatever happened above, nothing may outlive the test.
  for (const run of runs.splice(0)) {
    if (!run.hasExited()) run.kill();
    // Bounded: a failed test must not keep the next one from getting a data directory of its own.
    await Promise.race([run.closed, new Promise((r) => setTimeout(r, 10_000))]);
  }
  for (const line of processesUsing(dataDir)) {
    try {
      process.kill(-Number(line.split(':')[0]), 'SIGKILL');
    } catch {
      // Not a group leader or already gone.
    }
  }
  fs.rmSync(dataDir, { recursive: true, force: true });
});

// In the order a start passes them. Each on a clean data directory: what an interrupted start leaves behind is the
// second test's subject.
const PHASES: [phase: string, line: string][] = [
  ['provisioning', '[socialsync] provisioning:'],
  ['servers starting', '[socialsync] starting the Firestore emulator'],
  ['workers bundling', '[socialsync] starting the workers (bundling workflow code)'],
  ['demo connecting', '[socialsync] demo: connected instagram'],
  ['demo syncing', 'socialsync is running:'],
];

test.each(PHASES)('Ctrl-C while %s stops everything within 15 s', async (phase, line) => {
  const run = start();
  await run.waitForOutput(line, 240_000);
  await interruptAndExpectStopped(run, phase);
});

test('a start finds the servers of a start that was SIGKILLed and stops them, keeping the emulator data', async () => {
  const killed = start();
  await killed.waitForOutput('[socialsync] ready; press Ctrl-C to stop', 240_000);
  const runtime = JSON.parse(fs.readFileSync(path.join(dataDir, 'runtime.json'), 'utf8')) as RuntimeInfo;
  killed.kill();
  await killed.closed;

  // The servers outlive the killed group: their guards died with it.
  const temporalPort = Number(runtime.temporal.address.split(':')[1]);
  expect(await portOpen(temporalPort)).toBe(true);
  const host = runtime.firestore.emulatorHost!;
  const doc = `http://${host}/v1/projects/socialsync-local/databases/(default)/documents/probes/left-behind`;
  const headers = { authorization: 'Bearer owner', 'content-type': 'application/json' };
  // Written after the killed start's last periodic export: only a save before stopping the emulator keeps it.
  const written = await fetch(doc, {
    method: 'PATCH',
    headers,
    body: JSON.stringify({ fields: { note: { stringValue: 'written after the kill' } } }),
  });
  expect(written.status).toBe(200);

  const next = start();
  await next.waitForOutput('[socialsync] ready; press Ctrl-C to stop', 240_000);
  expect(next.output()).toMatch(
    /stopped the Firestore emulator \(pid \d+\) an earlier start left running, after saving its data/,
  );
  expect(next.output()).toMatch(/stopped the Temporal dev server \(pid \d+\) an earlier start left running/);
  // Same ports as before: the new servers got them.
  const now = JSON.parse(fs.readFileSync(path.join(dataDir, 'runtime.json'), 'utf8')) as RuntimeInfo;
  expect(now.temporal.address).toBe(runtime.temporal.address);
  expect(now.firestore.emulatorHost).toBe(host);
  const kept = (await (await fetch(doc, { headers })).json()) as {
    fields?: { note?: { stringValue?: string } };
  };
  expect(kept.fields?.note?.stringValue).toBe('written after the kill');

  // While it runs, another start on the same data directory is refused before it starts anything.
  const second = start();
  expect(await second.exited).not.toBe(0);
  expect(second.output()).toContain(`another socialsync start (pid ${now.pid}`);
  expect(now.pid).not.toBe(runtime.pid);

  await interruptAndExpectStopped(next, 'after taking over');
});
