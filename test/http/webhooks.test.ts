/**
 * Webhooks end to end: the sandboxes deliver signed events to the real app, which hands them to the real connection
 * workflows (and the new item lands in Firestore); forged, stale, replayed and malformed deliveries are refused with
 * nothing signalled; with Temporal unreachable the answer is 5xx and the platform's retry still gets through.
 * Also the ops endpoints and graceful shutdown.
 */
import { createHmac } from 'node:crypto';
import net from 'node:net';
import { Client, Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';
import type { WebhookEvent } from '../../src/platforms/types';
import { createTwitterConnector, twitterSettingsFromEnv } from '../../src/platforms/twitter';
import { listen, type RunningServer } from '../../src/sandbox/core/http';
import { silentLogger } from '../../src/shared/logger';
import type { SyncService } from '../../src/sync/service';
import { createTemporalSyncService } from '../../src/sync/temporal-sync-service';
import { serve, temporalReadiness } from '../../src/webhooks';
import { connectThroughOAuth, eventually, startHttpHarness, type HttpHarness } from './support/harness';
import type { ConnectionKey } from '../../src/domain';
import {
  WriteBatch,
  type DocumentData,
  type DocumentReference,
  type Firestore,
} from 'firebase-admin/firestore';
import { createWebhookDedupe } from '../../src/store';

// Syncs run on real workers; the default 5 s per test is too tight on a shared machine.
jest.setTimeout(60_000);

let h: HttpHarness;
let receiver: RunningServer;
const ALICE = 'hook-alice';
let tiktokAccount: string;
let twitterAccount: string;
let instagramAccount: string;
/** Every hand-off to Temporal the app made (the recorder forwards to the real TemporalSyncService). */
const handedOver: { key: ConnectionKey; events: WebhookEvent[] }[] = [];

function recording(service: SyncService, log: typeof handedOver): SyncService {
  return {
    ...service,
    async deliverWebhookEvents(key, events) {
      await service.deliverWebhookEvents(key, events);
      log.push({ key, events });
    },
  };
}

beforeAll(async () => {
  h = await startHttpHarness();
  const tiktok = await connectThroughOAuth(h, 'tiktok', ALICE);
  const twitter = await connectThroughOAuth(h, 'twitter', ALICE);
  const instagram = await connectThroughOAuth(h, 'instagram', ALICE);
  if (tiktok.status !== 200 || twitter.status !== 200 || instagram.status !== 200)
    throw new Error('setup connect failed');
  tiktokAccount = tiktok.body.accountId as string;
  twitterAccount = twitter.body.accountId as string;
  instagramAccount = instagram.body.accountId as string;
  receiver = await listen(h.appWith({ syncService: recording(h.syncService, handedOver) }));
  h.sandboxes.tiktok.control.subscribeWebhooks(`${receiver.url}/webhooks/tiktok`);
  // X: the receiving app registers its webhook (X runs its CRC check against it) and subscribes the connected user,
  // through the real connector, as a service whose PUBLIC_BASE_URL is the receiver's does.
  const xHook = createTwitterConnector(
    twitterSettingsFromEnv({ ...h.config, PUBLIC_BASE_URL: receiver.url }),
    {
      now: () => h.clock.now(),
    },
  );
  await xHook.registerWebhook!();
  await xHook.subscriptions!.subscribe((await h.tokenStore.load({ userId: ALICE, platform: 'twitter' }))!);
  // Meta verifies the endpoint (hub.challenge echo with the verify token) before it subscribes it.
  await h.sandboxes.instagram.subscribeWebhook(`${receiver.url}/webhooks/instagram`);
  await eventually('initial syncs', async () => {
    const [a, b] = await Promise.all([
      h.syncService.status({ userId: ALICE, platform: 'tiktok' }),
      h.syncService.status({ userId: ALICE, platform: 'twitter' }),
    ]);
    return a?.status === 'active' && b?.status === 'active';
  });
}, 120_000);

afterAll(async () => {
  await receiver?.close();
  await h?.close();
});

/** Item ids of every `webhookEvents` signal in the connection workflow's history: what Temporal durably holds. */
async function signalledItemIds(key: ConnectionKey): Promise<string[]> {
  const history = await h.temporal.client.workflow
    .getHandle(`connection:${key.userId}:${key.platform}`)
    .fetchHistory();
  const ids: string[] = [];
  for (const e of history.events ?? []) {
    const signal = e.workflowExecutionSignaledEventAttributes;
    if (signal?.signalName !== 'webhookEvents') continue;
    const [events] = signal.input!.payloads!.map(
      (p) => JSON.parse(Buffer.from(p.data!).toString()) as WebhookEvent[],
    );
    ids.push(...(events ?? []).map((ev) => ev.itemId ?? ev.eventId));
  }
  return ids;
}

const tiktokSecret = () => h.sandboxes.tiktok.credentials.clientSecret;

function tiktokBody(
  openId: string,
  content: Record<string, unknown> = { video_id: '7000000000000000001' },
): string {
  return JSON.stringify({
    client_key: h.sandboxes.tiktok.credentials.clientId,
    event: 'video.publish.completed',
    create_time: Math.floor(Date.now() / 1000),
    user_openid: openId,
    content: JSON.stringify(content),
  });
}

function tiktokSignature(body: string, opts: { secret?: string; t?: number } = {}): string {
  const t = opts.t ?? Math.floor(Date.now() / 1000);
  return `t=${t},s=${createHmac('sha256', opts.secret ?? tiktokSecret())
    .update(`${t}.${body}`)
    .digest('hex')}`;
}

function xBody(eventType: string, filter: Record<string, string>, payload: Record<string, unknown>): string {
  return JSON.stringify({
    data: { event_uuid: '2080761390344937796', filter, event_type: eventType, payload },
  });
}

function xSign(body: string, secret = h.sandboxes.twitter.credentials.consumerSecret): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('base64')}`;
}

async function post(url: string, body: string, headers: Record<string, string>) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('valid deliveries', () => {
  it('TikTok: a new video is signalled to the connection workflow and lands in Firestore', async () => {
    const before = handedOver.length;
    const video = await h.sandboxes.tiktok.control.addVideo(tiktokAccount, {
      video_description: 'fresh from the webhook',
    } as never);
    const delivery = h.sandboxes.tiktok.outbox.log().at(-1)!;
    expect(delivery.status).toBe(200);
    expect(handedOver.slice(before)).toEqual([
      {
        key: { userId: ALICE, platform: 'tiktok' },
        events: [
          expect.objectContaining({ type: 'item_created', accountId: tiktokAccount, itemId: video.id }),
        ],
      },
    ]);
    expect(await signalledItemIds({ userId: ALICE, platform: 'tiktok' })).toContain(video.id);
    const stored = await eventually('the webhook video in Firestore', async () => {
      const doc = await h.firestore.db.doc(`users/${ALICE}/platforms/tiktok/videos/${video.id}`).get();
      return doc.exists ? doc.data() : undefined;
    });
    expect(stored).toMatchObject({ id: video.id });
  });

  it('X: CRC is answered with the consumer secret and a subscribed user’s new post lands in Firestore', async () => {
    const token = 'M2RkODJkZmMtYjlkYi00NmQ4LTk0MGUtM2JjYzkwM2Q4MjQ0';
    const crc = await fetch(`${receiver.url}/webhooks/twitter?crc_token=${token}&nonce=MTc2OTUxODI5MjkxNA`);
    const expected = createHmac('sha256', h.sandboxes.twitter.credentials.consumerSecret)
      .update(token)
      .digest('base64');
    expect(await crc.json()).toEqual({ response_token: `sha256=${expected}` });

    const tweet = await h.sandboxes.twitter.world.createItem(twitterAccount, {
      text: 'posted while connected',
    });
    // Delivered to the receiver (and to the harness app too once connecting subscribes there as well: whichever
    // app hands it over first, the other sees a duplicate, so the check is on what Temporal holds).
    const toReceiver = h.sandboxes.twitter.outbox.log().filter((d) => d.url.startsWith(receiver.url));
    expect(toReceiver.at(-1)!.body).toContain(tweet.id);
    expect(toReceiver.at(-1)!.status).toBe(200);
    expect(await signalledItemIds({ userId: ALICE, platform: 'twitter' })).toContain(tweet.id);
    await eventually('the webhook tweet in Firestore', async () => {
      const doc = await h.firestore.db.doc(`users/${ALICE}/platforms/twitter/tweets/${tweet.id}`).get();
      return doc.exists && doc.get('text') === 'posted while connected';
    });
  });
});

describe('Instagram', () => {
  const sign = (body: string, secret = h.sandboxes.instagram.credentials.clientSecret) =>
    `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

  it('answers the verification handshake only with the right verify token', async () => {
    const token = h.sandboxes.instagram.credentials.webhookVerifyToken!;
    const ok = await fetch(
      `${receiver.url}/webhooks/instagram?hub.mode=subscribe&hub.verify_token=${token}&hub.challenge=1158201444`,
    );
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('1158201444');
    const wrong = await fetch(
      `${receiver.url}/webhooks/instagram?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1`,
    );
    expect(wrong.status).toBeGreaterThanOrEqual(400);
    expect(await wrong.text()).not.toBe('1');
  });

  it('connecting subscribed the account through subscribed_apps under its /me id; a comment reaches Firestore', async () => {
    const sandbox = h.sandboxes.instagram;
    // The connection's account id is the professional account id (`/me` user_id), not the exchange's app-scoped id.
    expect(instagramAccount).toBe(sandbox.accountIds()[0]);
    expect(instagramAccount).not.toBe(sandbox.appScopedId(instagramAccount));
    expect(sandbox.subscribedFields(instagramAccount)).toEqual(['comments', 'mentions']);
    const doc = h.firestore.db.doc(`users/${ALICE}/platforms/instagram`);
    expect((await doc.get()).get('webhooks')).toEqual({ subscribed: true, error: null });
    await eventually('instagram initial sync', async () => {
      const status = await h.syncService.status({ userId: ALICE, platform: 'instagram' });
      return status?.status === 'active';
    });
    const post = sandbox.groundTruth(instagramAccount).items.posts![1]!;
    const comments = post.metrics.comments! + 1;
    // One more comment: Meta sends a `comments` webhook whose entry.id is the professional account id.
    await sandbox.patchItem(instagramAccount, post.id, { metrics: { comments } });
    const delivered = sandbox.outbox.log().at(-1)!;
    expect(JSON.parse(delivered.body).entry[0].id).toBe(instagramAccount);
    expect(delivered.status).toBe(200);
    await eventually('the commented post refreshed in Firestore', async () => {
      const stored = await h.firestore.db.doc(`users/${ALICE}/platforms/instagram/posts/${post.id}`).get();
      return stored.get('metrics.comments') === comments;
    });
  });

  it('an account that never subscribed gets no delivery at all', async () => {
    const before = handedOver.length;
    const deliveriesBefore = h.sandboxes.instagram.outbox.log().length;
    const other = h.sandboxes.instagram.accountIds()[1]!;
    expect(h.sandboxes.instagram.subscribedFields(other)).toEqual([]);
    expect(await h.sandboxes.instagram.sendWebhook({ accountId: other, field: 'comments' })).toEqual([]);
    expect(h.sandboxes.instagram.outbox.log()).toHaveLength(deliveriesBefore);
    expect(handedOver.length).toBe(before);
  });

  it('a signed comments delivery from the sandbox is signalled to the connection workflow', async () => {
    const before = handedOver.length;
    const [delivery] = await h.sandboxes.instagram.sendWebhook({
      accountId: instagramAccount,
      field: 'comments',
      text: 'nice',
    });
    expect(delivery!.status).toBe(200);
    const handed = handedOver.slice(before);
    expect(handed.map((d) => d.key)).toEqual([{ userId: ALICE, platform: 'instagram' }]);
    const [event] = handed[0]!.events;
    const history = await signalledItemIds({ userId: ALICE, platform: 'instagram' });
    expect(history).toContain(event!.itemId ?? event!.eventId);
  });

  it('takes a Meta batch of 1,000 entries in one delivery, each event handed over once', async () => {
    const time = Math.floor(Date.now() / 1000);
    const body = JSON.stringify({
      object: 'instagram',
      entry: Array.from({ length: 1000 }, (_, i) => ({
        id: instagramAccount,
        time,
        changes: [
          {
            field: 'comments',
            value: {
              id: `179000000${String(i).padStart(5, '0')}`,
              from: { id: '232323232', username: 'fan' },
              text: `comment ${i} ${'·'.repeat(200)}`,
              media: { id: '18000000000000001', media_product_type: 'FEED' },
            },
          },
        ],
      })),
    });
    expect(body.length).toBeGreaterThan(300_000);
    const before = handedOver.length;
    const res = await post(`${receiver.url}/webhooks/instagram`, body, { 'x-hub-signature-256': sign(body) });
    expect(res).toEqual({ status: 200, body: { received: 1000, delivered: 1000, duplicates: 0 } });
    const events = handedOver.slice(before).flatMap((d) => d.events);
    expect(new Set(events.map((e) => e.eventId)).size).toBe(1000);

    const again = await post(`${receiver.url}/webhooks/instagram`, body, {
      'x-hub-signature-256': sign(body),
    });
    expect(again).toEqual({ status: 200, body: { received: 1000, delivered: 0, duplicates: 1000 } });
  });

  it('refuses forged and malformed deliveries', async () => {
    const before = handedOver.length;
    const body = JSON.stringify({
      object: 'instagram',
      entry: [{ id: instagramAccount, time: 1, changes: [] }],
    });
    expect(
      (await post(`${receiver.url}/webhooks/instagram`, body, { 'x-hub-signature-256': sign(body, 'wrong') }))
        .status,
    ).toBe(401);
    expect((await post(`${receiver.url}/webhooks/instagram`, body, {})).status).toBe(401);
    const notMeta = '{"object":"page","entry":"nope"}';
    expect(
      (await post(`${receiver.url}/webhooks/instagram`, notMeta, { 'x-hub-signature-256': sign(notMeta) }))
        .status,
    ).toBe(400);
    expect(handedOver.length).toBe(before);
  });
});

describe('concurrent deliveries for one connection', () => {
  it('are coalesced into fewer hand-offs carrying every event once; each is answered after its hand-off', async () => {
    const before = handedOver.length;
    const bodies = Array.from({ length: 8 }, (_, i) =>
      tiktokBody(tiktokAccount, { video_id: `71000000000000000${i}` }),
    );
    const answers = await Promise.all(
      bodies.map((body) =>
        post(`${receiver.url}/webhooks/tiktok`, body, { 'tiktok-signature': tiktokSignature(body) }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(200));
    expect(answers.map((a) => a.body.delivered)).toEqual(Array(8).fill(1));
    // The recorder logs a hand-off once Temporal accepted it, so every answered event is already in the log.
    const handOffs = handedOver.slice(before);
    expect(handOffs.length).toBeLessThan(8);
    const itemIds = handOffs.flatMap((d) => d.events.map((e) => e.itemId)).sort();
    expect(itemIds).toEqual(bodies.map((_, i) => `71000000000000000${i}`).sort());

    // Redelivered all at once: every one answered as a duplicate, nothing handed over again.
    const again = await Promise.all(
      bodies.map((body) =>
        post(`${receiver.url}/webhooks/tiktok`, body, { 'tiktok-signature': tiktokSignature(body) }),
      ),
    );
    expect(again.map((a) => a.body.duplicates)).toEqual(Array(8).fill(1));
    expect(handedOver.length).toBe(before + handOffs.length);
  });
});

describe('concurrent deliveries for several connections', () => {
  const users = ['hook-bob', 'hook-carol'];
  const accounts: string[] = [];
  let app: RunningServer;
  /** Firestore round trips of the app's dedupe store: `getAll` reads and batched commits, with their documents. */
  const trips = { reads: [] as number[], commits: [] as number[] };
  const handOffs: { key: ConnectionKey; events: WebhookEvent[] }[] = [];

  /** The emulator's Firestore, counting the calls the dedupe store makes (everything else goes through untouched). */
  function counting(db: Firestore): Firestore {
    return new Proxy(db, {
      get(target, prop, receiver) {
        if (prop === 'getAll')
          return (...refs: DocumentReference[]) => {
            trips.reads.push(refs.length);
            return target.getAll(...refs);
          };
        if (prop === 'batch')
          return () => {
            const batch = target.batch();
            let writes = 0;
            const set = batch.set.bind(batch) as (ref: DocumentReference, data: DocumentData) => WriteBatch;
            return Object.assign(batch, {
              set: (ref: DocumentReference, data: DocumentData) => (writes++, set(ref, data)),
              commit: () => (trips.commits.push(writes), WriteBatch.prototype.commit.call(batch)),
            });
          };
        const value = Reflect.get(target, prop, receiver) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
  }

  beforeAll(async () => {
    const control = h.sandboxes.tiktok.control;
    for (const user of users) {
      const account = control.createAccount({});
      control.login(account);
      const connected = await connectThroughOAuth(h, 'tiktok', user);
      if (connected.status !== 200) throw new Error(`connect of ${user} failed`);
      accounts.push(account);
    }
    control.login(tiktokAccount);
    await eventually('initial syncs', async () => {
      const states = await Promise.all(
        users.map((u) => h.syncService.status({ userId: u, platform: 'tiktok' })),
      );
      return states.every((s) => s?.status === 'active');
    });
    app = await listen(
      h.appWith({
        dedupe: createWebhookDedupe({ db: counting(h.firestore.db) }),
        syncService: recording(h.syncService, handOffs),
        // Long enough that the three deliveries below, sent at once, surely open their batches within one tick.
        limits: { webhookBatchWindowMs: 1_000 },
      }),
    );
  }, 120_000);

  afterAll(async () => {
    await app?.close();
  });

  it('start on one tick: one dedupe read for all of them, each event handed over and remembered once', async () => {
    const keys: ConnectionKey[] = [
      { userId: ALICE, platform: 'tiktok' },
      ...users.map((userId) => ({ userId, platform: 'tiktok' as const })),
    ];
    const bodies = [tiktokAccount, ...accounts].map((account, i) =>
      tiktokBody(account, { video_id: `72000000000000000${i}` }),
    );
    const send = () =>
      Promise.all(
        bodies.map((body) =>
          post(`${app.url}/webhooks/tiktok`, body, { 'tiktok-signature': tiktokSignature(body) }),
        ),
      );
    const answers = await send();
    expect(answers.map((a) => [a.status, a.body.delivered])).toEqual(bodies.map(() => [200, 1]));
    // The three connections' batches read their dedupe records in one round trip.
    expect(trips.reads).toEqual([3]);
    expect(trips.commits.reduce((a, n) => a + n, 0)).toBe(3);
    // Answered only after the hand-off and the record: both are there for every event, once.
    expect(handOffs.map((d) => d.key.userId).sort()).toEqual(keys.map((k) => k.userId).sort());
    for (const [i, key] of keys.entries()) {
      const delivered = handOffs.filter((d) => d.key.userId === key.userId).flatMap((d) => d.events);
      expect(delivered.map((e) => e.itemId)).toEqual([`72000000000000000${i}`]);
      expect(await h.dedupe.seen(key, [delivered[0]!.eventId])).toEqual(new Set([delivered[0]!.eventId]));
      expect((await signalledItemIds(key)).filter((id) => id === `72000000000000000${i}`)).toHaveLength(1);
    }

    // Redelivered all at once: duplicates, read together again, nothing written or handed over.
    const again = await send();
    expect(again.map((a) => [a.status, a.body.duplicates])).toEqual(bodies.map(() => [200, 1]));
    expect(trips.reads).toEqual([3, 3]);
    expect(trips.commits.reduce((a, n) => a + n, 0)).toBe(3);
    expect(handOffs).toHaveLength(3);
  });

  it('a forged delivery among them is refused and changes nothing', async () => {
    const before = { reads: trips.reads.length, commits: trips.commits.length, handOffs: handOffs.length };
    const body = tiktokBody(accounts[0]!, { video_id: '7200000000000000099' });
    const [forged, malformed] = await Promise.all([
      post(`${app.url}/webhooks/tiktok`, body, {
        'tiktok-signature': tiktokSignature(body, { secret: 'not-the-secret' }),
      }),
      post(`${app.url}/webhooks/tiktok`, '{"event":', { 'tiktok-signature': tiktokSignature('{"event":') }),
    ]);
    expect([forged.status, malformed.status]).toEqual([401, 400]);
    expect({ reads: trips.reads.length, commits: trips.commits.length, handOffs: handOffs.length }).toEqual(
      before,
    );
  });
});

describe('refused deliveries signal nothing', () => {
  it('replayed: the same delivery again is acknowledged as a duplicate, not signalled', async () => {
    await h.sandboxes.tiktok.control.addVideo(tiktokAccount, {});
    const original = h.sandboxes.tiktok.outbox.log().at(-1)!;
    const before = handedOver.length;
    const replay = await post(original.url, original.body, original.headers);
    expect(replay).toEqual({ status: 200, body: { received: 1, delivered: 0, duplicates: 1 } });
    expect(handedOver.length).toBe(before);
  });

  it('forged, unsigned, stale and malformed deliveries get 401/400', async () => {
    const before = handedOver.length;
    const url = `${receiver.url}/webhooks/tiktok`;
    const body = tiktokBody(tiktokAccount);
    const sixMinutesAgo = Math.floor(Date.now() / 1000) - 6 * 60;
    const cases: [string, string, Record<string, string>, number][] = [
      ['forged', body, { 'tiktok-signature': tiktokSignature(body, { secret: 'guessed-secret' }) }, 401],
      ['unsigned', body, {}, 401],
      ['garbled header', body, { 'tiktok-signature': 'sha256=abc' }, 401],
      ['stale', body, { 'tiktok-signature': tiktokSignature(body, { t: sixMinutesAgo }) }, 401],
      [
        'tampered body',
        body.replace(tiktokAccount, 'someone-else'),
        { 'tiktok-signature': tiktokSignature(body) },
        401,
      ],
      ['signed non-JSON', 'not json', { 'tiktok-signature': tiktokSignature('not json') }, 400],
      [
        'signed wrong shape',
        '{"hello":"world"}',
        { 'tiktok-signature': tiktokSignature('{"hello":"world"}') },
        400,
      ],
    ];
    for (const [name, payload, headers, status] of cases) {
      const res = await post(url, payload, headers);
      expect({ name, status: res.status }).toEqual({ name, status });
      expect(res.body.error).toEqual(expect.any(String));
    }
    const twitterBody = xBody(
      'post.create',
      { user_id: twitterAccount },
      { id: '1', author_id: twitterAccount },
    );
    for (const secret of ['nope', h.sandboxes.twitter.credentials.clientSecret]) {
      const forgedX = await post(`${receiver.url}/webhooks/twitter`, twitterBody, {
        'x-twitter-webhooks-signature': xSign(twitterBody, secret),
      });
      expect(forgedX.status).toBe(401);
    }
    expect(handedOver.length).toBe(before);
  });

  it('an event for an account nobody connected is acknowledged and logged, not signalled', async () => {
    const before = handedOver.length;
    const body = tiktokBody('open-id-of-a-stranger');
    const res = await post(`${receiver.url}/webhooks/tiktok`, body, {
      'tiktok-signature': tiktokSignature(body),
    });
    expect(res).toEqual({ status: 200, body: { received: 1, delivered: 0, duplicates: 0 } });
    expect(handedOver.length).toBe(before);
  });
});

describe('X', () => {
  const BOB = 'hook-bob';
  let bobAccount: string;
  const x = () => h.sandboxes.twitter;
  const bobKey = { userId: BOB, platform: 'twitter' as const };

  beforeAll(async () => {
    // Bob connects another X account; he is subscribed like Alice.
    const [, second] = x().accountIds() as [string, string];
    x().world.login(second);
    try {
      const bob = await connectThroughOAuth(h, 'twitter', BOB);
      if (bob.status !== 200) throw new Error('bob connect failed');
      bobAccount = bob.body.accountId as string;
    } finally {
      x().world.login(x().accountIds()[0]!);
    }
    const xHook = createTwitterConnector(
      twitterSettingsFromEnv({ ...h.config, PUBLIC_BASE_URL: receiver.url }),
      { now: () => h.clock.now() },
    );
    await xHook.subscriptions!.subscribe((await h.tokenStore.load(bobKey))!);
    await eventually('bob active', async () => (await h.syncService.status(bobKey))?.status === 'active');
  }, 60_000);

  it('finding 1: a crc_token that is not shaped like X’s (a JSON event) gets 400 and no signature', async () => {
    const forged = xBody(
      'oauth.revoke',
      {},
      { user_id: twitterAccount, app_id: '1', date_time: '2026-01-01T00:00:00+00:00' },
    );
    const before = handedOver.length;
    for (const token of [forged, 'challenge-123', 'x'.repeat(200)]) {
      const res = await fetch(`${receiver.url}/webhooks/twitter?crc_token=${encodeURIComponent(token)}`);
      expect(res.status).toBe(400);
      const text = await res.text();
      expect(text).not.toContain('sha256=');
      expect(text).not.toContain('response_token');
    }
    // And the signature such an answer would have carried is refused as a forgery.
    const oracle = xSign(forged, 'not-the-consumer-secret');
    expect(
      (await post(`${receiver.url}/webhooks/twitter`, forged, { 'x-twitter-webhooks-signature': oracle }))
        .status,
    ).toBe(401);
    expect(handedOver.length).toBe(before);
  });

  it('an unsubscribed user’s posts are never sent; a subscribed user’s redelivered event is a duplicate', async () => {
    const [, , third] = x().accountIds() as [string, string, string];
    const toReceiver = () =>
      x()
        .outbox.log()
        .filter((d) => d.url.startsWith(receiver.url)).length;
    const sent = toReceiver();
    await x().world.createItem(third, { text: 'nobody subscribed this account' });
    expect(toReceiver()).toBe(sent);

    const tweet = await x().world.createItem(bobAccount, { text: 'bob posts' });
    const delivery = x()
      .outbox.log()
      .filter((d) => d.url.startsWith(receiver.url))
      .at(-1)!;
    expect(delivery.status).toBe(200);
    expect(delivery.body).toContain(tweet.id);
    // X redelivers (at least once): same event, another event_uuid → the same dedupe key.
    const before = handedOver.length;
    const redelivered = delivery.body.replace(/"event_uuid":"\d+"/, '"event_uuid":"1"');
    const again = await post(delivery.url, redelivered, {
      'x-twitter-webhooks-signature': xSign(redelivered),
    });
    expect(again).toEqual({ status: 200, body: { received: 1, delivered: 0, duplicates: 1 } });
    expect(handedOver.length).toBe(before);
  });

  it('an event whose ids are not X ids is dropped (acknowledged, nothing signalled or stored)', async () => {
    const before = handedOver.length;
    const body = xBody('post.create', { user_id: bobAccount }, { id: 'x/../../evil', author_id: bobAccount });
    const res = await post(`${receiver.url}/webhooks/twitter`, body, {
      'x-twitter-webhooks-signature': xSign(body),
    });
    expect(res).toEqual({ status: 200, body: { received: 0 } });
    expect(handedOver.length).toBe(before);
  });

  it('a revoke event is confirmed with the API before the connection moves to needs_reauth', async () => {
    // A signed revoke while the grant still works (replayed, or sent in error): one sync, which succeeds.
    const before = await h.syncService.status(bobKey);
    const deliveries = await x().world.sendWebhook({ accountId: bobAccount, type: 'oauth.revoke' });
    expect(deliveries.map((d) => d.status)).toContain(200);
    expect(deliveries.every((d) => d.status === 200)).toBe(true);
    // Signalled as a check (account_changed), never as authorization_revoked.
    await eventually('the revoke signalled', async () =>
      (await signalledItemIds(bobKey)).some((id) => id.startsWith(`oauth.revoke:${bobAccount}:`)),
    );
    const after = await eventually('the check sync', async () => {
      const s = await h.syncService.status(bobKey);
      // The sync writes lastSync; the connection workflow (the one writer of status) writes `active` right after.
      return s && s.lastSyncMode === 'webhook' && s.lastSync !== before?.lastSync && s.status !== 'syncing'
        ? s
        : undefined;
    });
    expect(after.status).toBe('active');

    // The user really removed the app: the sync's users/me gets 401, the refresh is refused → needs_reauth.
    // (Two seconds later on X's clock: a revoke of another moment is another event, never a duplicate.)
    h.clock.advance(2_000);
    await x().world.revokeAccount(bobAccount);
    await eventually(
      'needs_reauth',
      async () => (await h.syncService.status(bobKey))?.status === 'needs_reauth',
    );
  });
});

describe('Temporal unreachable', () => {
  let closedPort: number;
  let dead: Connection;

  beforeAll(async () => {
    closedPort = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = s.address() as net.AddressInfo;
        s.close(() => resolve(port));
      });
    });
    // Two attempts instead of the client's default ten: the refusal surfaces as Temporal's own error quickly, and no
    // retry timer outlives the test.
    dead = Connection.lazy({
      address: `127.0.0.1:${closedPort}`,
      interceptors: [makeGrpcRetryInterceptor(defaultGrpcRetryOptions({ maxAttempts: 2 }))],
    });
  });

  afterAll(async () => {
    await dead?.close().catch(() => undefined);
  });

  it('answers 5xx, remembers nothing, and the platform retry is delivered once Temporal is back', async () => {
    const deadService = createTemporalSyncService({
      client: new Client({ connection: dead, namespace: h.config.TEMPORAL_NAMESPACE }),
      sink: h.sink,
      config: h.config,
      logger: silentLogger,
    });
    const down = await listen(h.appWith({ syncService: deadService }));
    try {
      const body = tiktokBody(tiktokAccount, { video_id: '7000000000000000999' });
      const headers = { 'tiktok-signature': tiktokSignature(body) };
      const refused = await post(`${down.url}/webhooks/tiktok`, body, headers);
      expect(refused.status).toBe(503);

      // The platform retries (to the service, Temporal reachable again): delivered, not mistaken for a duplicate.
      const before = handedOver.length;
      const retried = await post(`${receiver.url}/webhooks/tiktok`, body, headers);
      expect(retried).toEqual({ status: 200, body: { received: 1, delivered: 1, duplicates: 0 } });
      expect(handedOver.length).toBe(before + 1);
    } finally {
      await down.close();
    }
  });

  it('/readyz answers 503 naming Temporal', async () => {
    const app = h.appWith({ readiness: [temporalReadiness(dead, 1_000), ...h.deps.readiness.slice(1)] });
    const server = await listen(app);
    try {
      const res = await fetch(`${server.url}/readyz`);
      expect(res.status).toBe(503);
      const body = (await res.json()) as { checks: Record<string, string> };
      expect(body.checks.firestore).toBe('ok');
      expect(body.checks.temporal).not.toBe('ok');
    } finally {
      await server.close();
    }
  });
});

describe('ops', () => {
  it('/healthz, /readyz, /metrics and security headers', async () => {
    const health = await fetch(`${receiver.url}/healthz`);
    expect(health.status).toBe(200);
    expect(health.headers.get('x-content-type-options')).toBe('nosniff');
    expect(health.headers.get('x-powered-by')).toBeNull();

    const ready = await fetch(`${receiver.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { temporal: 'ok', firestore: 'ok' } });

    const metrics = await (await fetch(`${receiver.url}/metrics`)).text();
    expect(metrics).toMatch(/socialsync_webhooks_total\{platform="tiktok",outcome="delivered"\} [1-9]/);
    expect(metrics).toMatch(/socialsync_webhooks_total\{platform="tiktok",outcome="rejected"\} [1-9]/);
    expect(metrics).toMatch(/socialsync_webhook_events_total\{platform="tiktok",outcome="duplicate"\} [1-9]/);
    expect(metrics).toMatch(
      /socialsync_http_requests_total\{method="POST",route="\/webhooks\/tiktok",status="401"\} [1-9]/,
    );
    expect(metrics).toContain('socialsync_sync_duration_seconds');
  });

  it('refuses webhook bodies over the limit with 413', async () => {
    const big = 'x'.repeat(6 * 1024 * 1024);
    const res = await fetch(`${receiver.url}/webhooks/tiktok`, {
      method: 'POST',
      body: big,
      headers: { 'tiktok-signature': tiktokSignature(big) },
    });
    expect(res.status).toBe(413);
  });

  it('graceful shutdown lets an in-flight webhook finish and reports draining', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow: SyncService = {
      ...h.syncService,
      async deliverWebhookEvents(key, events) {
        await gate;
        await h.syncService.deliverWebhookEvents(key, events);
      },
    };
    const drain = { draining: false };
    const service = await serve({
      app: h.appWith({ syncService: slow, drain }),
      port: 0,
      host: '127.0.0.1',
      drain,
      logger: silentLogger,
    });
    const body = tiktokBody(tiktokAccount, { video_id: '7000000000000000777' });
    const inFlight = post(`${service.url}/webhooks/tiktok`, body, {
      'tiktok-signature': tiktokSignature(body),
    });
    await new Promise((r) => setTimeout(r, 200));
    const closed = service.close({ graceMs: 5_000 });
    expect(drain.draining).toBe(true);
    await expect(fetch(`${service.url}/healthz`)).rejects.toThrow();
    release();
    expect((await inFlight).status).toBe(200);
    await closed;
  });
});
