import { PlatformError } from '../platforms/errors';
import type { OAuthProvider, PlatformConnector, TokenSet, WebhookSubscriptions } from '../platforms/types';
import { createLogger } from '../shared/logger';
import type { ConnectionDoc, TokenStore } from '../store/types';
import type { SyncService } from '../sync/service';
import { ConnectFlow } from './connect-flow';
import { memoryOAuthStates } from '../../test/helpers/memory-oauth-states';
import type { ConnectionKey } from '../domain';

/**
 * Webhook subscription on connect, for any connector that declares `subscriptions` (X, Instagram…): after the
 * tokens are stored and the engine connected, failures recorded on the connection document and never fatal.
 * test/http/oauth.test.ts runs the same against the Instagram sandbox.
 */
function setup(
  opts: { subscriptions?: WebhookSubscriptions; recorderFails?: boolean; order?: string[] } = {},
) {
  const oauthStates = memoryOAuthStates();
  const tokens = new Map<string, TokenSet>();
  const recorded: { key: ConnectionKey; patch: Partial<ConnectionDoc> }[] = [];
  const order = opts.order ?? [];
  const tokenStore: TokenStore = {
    save: async (key, t) => {
      order.push(`save ${t.accountId}`);
      tokens.set(key.userId, t);
    },
    load: async (key) => tokens.get(key.userId),
    delete: async (key) => void tokens.delete(key.userId),
    rotateKeys: async () => 0,
    acquireRefreshLease: async () => true,
    releaseRefreshLease: async () => undefined,
  };
  let nextAccount = 'acct-1';
  const oauth: OAuthProvider = {
    pkce: 'none',
    scopes: [],
    refreshMarginMs: 0,
    authorizeUrl: ({ state }) => `https://x.example/authorize?state=${state}`,
    exchangeCode: async () => ({
      accessToken: `secret-token-${nextAccount}`,
      scopes: [],
      accountId: nextAccount,
      issuedAt: 0,
    }),
    refresh: async (t) => t,
    revoke: async () => true,
  };
  const connector = {
    id: 'twitter',
    oauth,
    ...(opts.subscriptions ? { subscriptions: opts.subscriptions } : {}),
  } as unknown as PlatformConnector;
  const logLines: string[] = [];
  const flow = new ConnectFlow({
    publicBaseUrl: 'https://app.example.com',
    stateTtlMs: 60_000,
    oauthStates,
    tokenStore,
    accountIndex: { put: async () => undefined, find: async () => [], remove: async () => undefined },
    syncService: {
      connect: async () => {
        order.push('connect');
        return { workflowId: 'wf', runId: 'run' };
      },
    } as unknown as SyncService,
    logger: createLogger({ level: 'debug' }, { write: (line: string) => void logLines.push(line) }),
    connections: {
      updateConnection: async (key, patch) => {
        if (opts.recorderFails) throw new Error('firestore down');
        recorded.push({ key, patch });
      },
    },
  });
  const connectOnce = async (account: string) => {
    nextAccount = account;
    const { authorizeUrl, binding } = await flow.start({ userId: 'u1', connector });
    const state = new URL(authorizeUrl).searchParams.get('state')!;
    // The browser that started the connect finishes it (its binding cookie).
    return flow.complete({ connector, state, code: 'code', cookieHeader: binding?.cookie });
  };
  return { connectOnce, recorded, order, logLines };
}

function recordingSubscriptions(order: string[], fail?: Error): WebhookSubscriptions {
  return {
    subscribe: async (t) => {
      order.push(`subscribe ${t.accountId}`);
      if (fail) throw fail;
    },
    unsubscribe: async (t) => void order.push(`unsubscribe ${t.accountId}`),
  };
}

test('subscribes after the tokens are stored and the engine connected, and records it', async () => {
  const order: string[] = [];
  const s = setup({ subscriptions: recordingSubscriptions(order), order });
  const connected = await s.connectOnce('acct-1');
  expect(connected.accountId).toBe('acct-1');
  expect(order).toEqual(['save acct-1', 'connect', 'subscribe acct-1']);
  expect(s.recorded).toEqual([
    { key: { userId: 'u1', platform: 'twitter' }, patch: { webhooks: { subscribed: true, error: null } } },
  ]);
});

test('a refused subscription keeps the connection, is recorded with its reason and logged without secrets', async () => {
  const order: string[] = [];
  const refusal = new PlatformError('permanent', '(#200) Requires a permission', {
    platform: 'twitter',
    endpoint: 'POST /subscriptions',
  });
  const s = setup({ subscriptions: recordingSubscriptions(order, refusal) });
  await expect(s.connectOnce('acct-1')).resolves.toMatchObject({ accountId: 'acct-1' });
  expect(s.recorded[0]!.patch).toEqual({
    webhooks: { subscribed: false, error: 'twitter POST /subscriptions: (#200) Requires a permission' },
  });
  const warning = s.logLines.find((l) => l.includes('webhook subscription failed'));
  expect(warning).toBeDefined();
  expect(s.logLines.join('\n')).not.toContain('secret-token');
});

test('reconnecting subscribes again; a reconnect to another account drops the old one first', async () => {
  const order: string[] = [];
  const s = setup({ subscriptions: recordingSubscriptions(order) });
  await s.connectOnce('acct-1');
  await s.connectOnce('acct-1');
  await s.connectOnce('acct-2');
  expect(order).toEqual(['subscribe acct-1', 'subscribe acct-1', 'unsubscribe acct-1', 'subscribe acct-2']);
});

test('a connector without subscriptions records nothing; a failing record never fails the connect', async () => {
  const plain = setup();
  await plain.connectOnce('acct-1');
  expect(plain.recorded).toEqual([]);
  const order: string[] = [];
  const broken = setup({ subscriptions: recordingSubscriptions(order), recorderFails: true });
  await expect(broken.connectOnce('acct-1')).resolves.toMatchObject({ accountId: 'acct-1' });
  expect(broken.logLines.some((l) => l.includes('could not record the webhook subscription state'))).toBe(
    true,
  );
});
