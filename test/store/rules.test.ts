/**
 * firestore.rules, loaded into this file's emulator project and exercised through the Firestore REST API as a client
 * would: with an unsigned ID token (alg "none", accepted by the emulator) for a signed-in user, or no token at all.
 */
import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import { createFirestoreSink } from '../../src/store/sink';
import { createTokenStore } from '../../src/store/token-store';
import { repoPath, testFirestore, type TestFirestore } from '../helpers/servers';

let store: TestFirestore;

const b64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** An ID token as the emulator accepts it (the shape @firebase/rules-unit-testing builds). */
function idToken(uid: string, projectId: string): string {
  const now = Math.floor(Date.now() / 1000);
  return [
    b64url({ alg: 'none', type: 'JWT' }),
    b64url({
      iss: `https://securetoken.google.com/${projectId}`,
      aud: projectId,
      iat: now,
      exp: now + 3600,
      auth_time: now,
      sub: uid,
      user_id: uid,
      firebase: { sign_in_provider: 'custom', identities: {} },
    }),
    '',
  ].join('.');
}

async function client(
  method: 'GET' | 'PATCH' | 'DELETE',
  path: string,
  as: string | undefined,
  body?: object,
): Promise<number> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (as) headers.Authorization = `Bearer ${idToken(as, store.projectId)}`;
  const res = await fetch(
    `http://${store.host}/v1/projects/${store.projectId}/databases/(default)/documents/${path}`,
    {
      method,
      headers,
      body: body ? JSON.stringify(body) : undefined,
    },
  );
  await res.text();
  return res.status;
}

beforeAll(async () => {
  store = await testFirestore();
  const rules = fs.readFileSync(repoPath('firestore.rules'), 'utf8');
  const res = await fetch(`http://${store.host}/emulator/v1/projects/${store.projectId}:securityRules`, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ rules: { files: [{ name: 'firestore.rules', content: rules }] } }),
  });
  expect(res.status).toBe(200);

  // Data written the way the server writes it: through firebase-admin, which the rules do not restrict.
  const sink = createFirestoreSink(store.db);
  for (const userId of ['alice', 'bob']) {
    const key = { userId, platform: 'instagram' } as const;
    await sink.updateConnection(key, { accountId: `ig-${userId}`, status: 'active' });
    await sink.writeItems(
      key,
      'posts',
      [{ kind: 'posts', id: '1', createdAt: '2025-01-01T00:00:00Z', text: 'hi', metrics: { likes: 1 } }],
      { syncId: 's' },
    );
    await sink.writeAccount(key, {
      accountId: `ig-${userId}`,
      profile: { username: userId, displayName: null },
      daily: [{ date: '2025-01-01', metrics: { reach: 1 } }],
    });
    await createTokenStore({ db: store.db, keyring: [{ kid: 'k', key: randomBytes(32) }] }).save(key, {
      accessToken: 'secret',
      scopes: [],
      accountId: `ig-${userId}`,
      issuedAt: 0,
    });
  }
  await store.db.doc('_accountIndex/instagram:ig-alice').set({ userIds: ['alice'] });
  await store.db.doc('_oauthStates/abc').set({ userId: 'alice' });
  await store.db.doc('_webhookEvents/instagram:abc').set({ eventId: 'e' });
});
afterAll(() => store?.close());

describe('a signed-in user', () => {
  it.each([
    'users/alice/platforms/instagram',
    'users/alice/platforms/instagram/posts/1',
    'users/alice/platforms/instagram/insights/2025-01-01',
    'users/alice/platforms/instagram/posts',
  ])('reads their own %s', async (path) => {
    expect(await client('GET', path, 'alice')).toBe(200);
  });

  it.each([
    'users/bob/platforms/instagram',
    'users/bob/platforms/instagram/posts/1',
    'users/bob/platforms/instagram/posts',
  ])("cannot read another user's %s", async (path) => {
    expect(await client('GET', path, 'alice')).toBe(403);
  });

  it.each([
    '_tokens/instagram:alice',
    '_accountIndex/instagram:ig-alice',
    '_oauthStates/abc',
    '_webhookEvents/instagram:abc',
    '_tokens',
  ])('cannot read server-only %s, not even their own', async (path) => {
    expect(await client('GET', path, 'alice')).toBe(403);
  });

  it('cannot write anything, not even their own documents', async () => {
    const fields = { fields: { status: { stringValue: 'active' } } };
    expect(await client('PATCH', 'users/alice/platforms/instagram', 'alice', fields)).toBe(403);
    expect(await client('PATCH', 'users/alice/platforms/instagram/posts/2', 'alice', fields)).toBe(403);
    expect(await client('DELETE', 'users/alice/platforms/instagram/posts/1', 'alice')).toBe(403);
    expect(await client('PATCH', '_tokens/instagram:alice', 'alice', fields)).toBe(403);
  });
});

describe('a client without sign-in', () => {
  it('reads nothing', async () => {
    expect(await client('GET', 'users/alice/platforms/instagram', undefined)).toBe(403);
    expect(await client('GET', '_tokens/instagram:alice', undefined)).toBe(403);
  });
});

it('the server (firebase-admin) still reads and writes everything', async () => {
  expect((await store.db.doc('_tokens/instagram:alice').get()).exists).toBe(true);
  expect((await store.db.doc('users/bob/platforms/instagram/posts/1').get()).exists).toBe(true);
});
