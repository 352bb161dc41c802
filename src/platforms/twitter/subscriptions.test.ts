import { silentLogger } from '../../shared/logger';
import { PlatformError, isPlatformError } from '../errors';
import type { TokenSet } from '../types';
import type { ActivitySubscription, WebhookConfig } from './activity-schemas';
import { SUBSCRIPTION_TAG, TwitterSubscriptions, registerTwitterWebhook } from './subscriptions';
import type { NewSubscription, TwitterAppApi } from './webhooks-api';

const URL_ = 'https://socialsync.example.com/webhooks/twitter';
const WEBHOOK: WebhookConfig = { id: '1900000000000000001', url: URL_, valid: true };

/** An in-memory stand-in for the app-level X endpoints: only the decisions of subscriptions.ts are under test. */
function fakeApi(opts: { webhooks?: WebhookConfig[][]; subs?: ActivitySubscription[] } = {}) {
  const lists = [...(opts.webhooks ?? [[]])];
  const subs = [...(opts.subs ?? [])];
  const calls: string[] = [];
  let next = 100;
  const api = {
    listWebhooks: () => {
      calls.push('listWebhooks');
      return Promise.resolve(lists.length > 1 ? lists.shift()! : lists[0]!);
    },
    createWebhook: (url: string) => {
      calls.push(`createWebhook ${url}`);
      return Promise.resolve({ ...WEBHOOK, url });
    },
    validateWebhook: (id: string) => {
      calls.push(`validateWebhook ${id}`);
      return Promise.resolve(true);
    },
    listSubscriptions: () => {
      calls.push('listSubscriptions');
      return Promise.resolve([...subs]);
    },
    createSubscription: (req: NewSubscription) => {
      calls.push(`createSubscription ${req.event_type}`);
      const sub = { ...req, subscription_id: String((next += 1)) } as ActivitySubscription;
      subs.push(sub);
      return Promise.resolve(sub);
    },
    deleteSubscription: (id: string) => {
      calls.push(`deleteSubscription ${id}`);
      subs.splice(
        subs.findIndex((s) => s.subscription_id === id),
        1,
      );
      return Promise.resolve();
    },
  };
  return { api: api as unknown as TwitterAppApi & typeof api, calls, subs };
}

const tokens = { accountId: '2244994945' } as TokenSet;

describe('registerTwitterWebhook', () => {
  it('reuses the webhook another process registered between our list and create (DuplicateUrlFailed)', async () => {
    const { api, calls } = fakeApi({ webhooks: [[], [WEBHOOK]] });
    api.createWebhook = () =>
      Promise.reject(
        new PlatformError('permanent', 'HTTP 400: DuplicateUrlFailed', {
          platform: 'twitter',
          endpoint: 'POST /2/webhooks',
          status: 400,
          platformCode: 'DuplicateUrlFailed',
        }),
      );
    const registration = await registerTwitterWebhook({ api, url: URL_, logger: silentLogger });
    expect(registration).toMatchObject({ webhookId: WEBHOOK.id, action: 'reused', revokeSubscribed: true });
    expect(calls.filter((c) => c === 'listWebhooks')).toHaveLength(2);
  });

  it('an invalid webhook whose CRC still fails on PUT → permanent, nothing created', async () => {
    const { api, calls } = fakeApi({ webhooks: [[{ ...WEBHOOK, valid: false }]] });
    api.validateWebhook = () => Promise.resolve(false);
    const err: unknown = await registerTwitterWebhook({ api, url: URL_, logger: silentLogger }).catch(
      (e: unknown) => e,
    );
    expect(isPlatformError(err, 'permanent')).toBe(true);
    expect((err as Error).message).toContain('TWITTER_CONSUMER_SECRET');
    expect(calls.some((c) => c.startsWith('create'))).toBe(false);
  });

  it('other failures (transient, rate limited) propagate untouched', async () => {
    const { api } = fakeApi();
    const outage = new PlatformError('transient', 'HTTP 503', {
      platform: 'twitter',
      endpoint: 'GET /2/webhooks',
    });
    api.listWebhooks = () => Promise.reject(outage);
    await expect(registerTwitterWebhook({ api, url: URL_, logger: silentLogger })).rejects.toBe(outage);
  });
});

describe('TwitterSubscriptions', () => {
  it('creates only the missing post subscription and registers once per process', async () => {
    const existing: ActivitySubscription = {
      subscription_id: '7',
      event_type: 'post.create',
      filter: { user_id: tokens.accountId },
      webhook_id: WEBHOOK.id,
      tag: SUBSCRIPTION_TAG,
    };
    const { api, calls } = fakeApi({ webhooks: [[WEBHOOK]], subs: [existing] });
    const subscriptions = new TwitterSubscriptions({ api, url: URL_, logger: silentLogger });
    await subscriptions.subscribe(tokens);
    await subscriptions.subscribe(tokens);
    expect(calls.filter((c) => c.startsWith('createSubscription'))).toEqual([
      'createSubscription oauth.revoke',
      'createSubscription post.delete',
    ]);
    expect(calls.filter((c) => c === 'listWebhooks')).toHaveLength(1);
  });

  it('a failed registration is retried by the next caller, not cached', async () => {
    const { api } = fakeApi({ webhooks: [[WEBHOOK]] });
    const realList = api.listWebhooks;
    api.listWebhooks = () =>
      Promise.reject(
        new PlatformError('transient', 'reset', { platform: 'twitter', endpoint: 'GET /2/webhooks' }),
      );
    const subscriptions = new TwitterSubscriptions({ api, url: URL_, logger: silentLogger });
    await expect(subscriptions.subscribe(tokens)).rejects.toMatchObject({ kind: 'transient' });
    api.listWebhooks = realList;
    await expect(subscriptions.subscribe(tokens)).resolves.toBeUndefined();
  });

  it('unsubscribe deletes only socialsync post subscriptions of that user', async () => {
    const sub = (id: string, over: Partial<ActivitySubscription>): ActivitySubscription => ({
      subscription_id: id,
      event_type: 'post.create',
      filter: { user_id: tokens.accountId },
      tag: SUBSCRIPTION_TAG,
      ...over,
    });
    const { api, subs } = fakeApi({
      subs: [
        sub('1', {}),
        sub('2', { event_type: 'post.delete', webhook_id: '9' }),
        sub('3', { tag: 'another-tool' }),
        sub('4', { filter: { user_id: '42' } }),
        sub('5', { event_type: 'oauth.revoke', filter: {} }),
      ],
    });
    await new TwitterSubscriptions({ api, url: URL_, logger: silentLogger }).unsubscribe(tokens);
    expect(subs.map((s) => s.subscription_id)).toEqual(['3', '4', '5']);
  });
});
