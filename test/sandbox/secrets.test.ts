/**
 * The sandboxes' secrets are not derived from the seed (issue 15): two sandboxes built from the same seed serve the
 * same world and the same client ids, but different app secrets, verify tokens and OAuth tokens, so knowing the
 * seed (default 1) gives nothing to sign or authenticate with.
 */
import { startSandboxes, type AllSandboxes } from '../../src/sandbox';
import { secret } from '../../src/sandbox/core/random';
import { SandboxClock } from '../../src/sandbox/core/clock';

const SECRET_VARIABLES = [
  'INSTAGRAM_CLIENT_SECRET',
  'INSTAGRAM_WEBHOOK_VERIFY_TOKEN',
  'TWITTER_CLIENT_SECRET',
  'TWITTER_CONSUMER_SECRET',
  'TIKTOK_CLIENT_SECRET',
  'TIKTOK_BUSINESS_SECRET',
];
const ID_VARIABLES = [
  'INSTAGRAM_CLIENT_ID',
  'TWITTER_CLIENT_ID',
  'TWITTER_CONSUMER_KEY',
  'TIKTOK_CLIENT_KEY',
];

let a: AllSandboxes;
let b: AllSandboxes;
beforeAll(async () => {
  const fixed = () => Date.parse('2026-06-01T00:00:00Z');
  a = await startSandboxes({ seed: 1, clock: new SandboxClock(fixed), accounts: 1, itemsPerAccount: 5 });
  b = await startSandboxes({ seed: 1, clock: new SandboxClock(fixed), accounts: 1, itemsPerAccount: 5 });
});
afterAll(async () => {
  await a?.close();
  await b?.close();
});

test('same seed: same world and client ids, different secrets', () => {
  const envA = a.env();
  const envB = b.env();
  for (const name of ID_VARIABLES) expect(envA[name]).toBe(envB[name]);
  for (const name of SECRET_VARIABLES) {
    expect(envA[name]).toBeTruthy();
    expect(envA[name]).not.toBe(envB[name]);
  }
  const id = a.tiktok.sandbox.accountIds()[0]!;
  expect(b.tiktok.sandbox.accountIds()[0]).toBe(id);
  expect(b.tiktok.sandbox.groundTruth(id)).toEqual(a.tiktok.sandbox.groundTruth(id));
});

test('secret.hex and secret.digits: the asked length and alphabet, never repeating', () => {
  const hexes = new Set(Array.from({ length: 50 }, () => secret.hex(32)));
  expect(hexes.size).toBe(50);
  for (const h of hexes) expect(h).toMatch(/^[0-9a-f]{32}$/);
  expect(secret.hex(7)).toMatch(/^[0-9a-f]{7}$/);
  for (let i = 0; i < 50; i += 1) expect(secret.digits(12)).toMatch(/^[1-9]\d{11}$/);
});
