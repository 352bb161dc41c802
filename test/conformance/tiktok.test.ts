/**
 * TikTok conformance: the documented examples in test/fixtures/tiktok/ (TikTok's own pages, not this code) must be
 * accepted by the connector's schemas, mapped by its mapper and webhook handler, and the sandbox must answer the same
 * requests with the same keys and JSON types. Where they differ, the documentation wins.
 */
import { createHmac } from 'node:crypto';
import { loadConfig } from '../../src/config';
import { createTikTokConnector, tiktokSettingsFromEnv } from '../../src/platforms/tiktok';
import { mapAccountInsights, mapProfile, mapVideo } from '../../src/platforms/tiktok/mapper';
import {
  ApiErrorResponse,
  OAuthErrorResponse,
  TokenResponse,
  UserInfoResponse,
  VideoListResponse,
  VideoQueryResponse,
  WebhookBody,
  WebhookContent,
} from '../../src/platforms/tiktok/schemas';
import {
  BusinessEnvelope,
  BusinessGetResponse,
  BusinessRevokeResponse,
  BusinessTokenResponse,
} from '../../src/platforms/tiktok/business/schemas';
import { Item, Profile, WebhookEvent, type PlatformConnector } from '../../src/platforms/types';
import type { z } from 'zod';
import {
  REDIRECT_URI,
  api,
  connect,
  control,
  postForm,
  startReceiver,
  startTikTok,
  type TikTokHarness,
} from '../sandbox/tiktok-harness';
import { elementKeys, fixtureBody, keysOf, shapeDiff, type Json, describeFixtureCoverage } from './support';

const P = 'tiktok';

/** Every response fixture and the schema the connector validates that answer with. */
const SCHEMAS: Record<string, z.ZodType> = {
  'oauth-token': TokenResponse,
  'oauth-error': OAuthErrorResponse,
  'user-info': UserInfoResponse,
  'user-info-stats': UserInfoResponse,
  'video-list': VideoListResponse,
  'video-list-fields': VideoListResponse,
  'video-query': VideoQueryResponse,
  'api-error': ApiErrorResponse,
  'webhook-authorization-removed': WebhookBody,
  'webhook-video-publish-completed': WebhookBody,
  'webhook-video-upload-failed': WebhookBody,
  // TikTok API for Business (the optional second authorization; its own checks: tiktok-business.test.ts).
  'business-oauth-token': BusinessTokenResponse,
  'business-oauth-refresh': BusinessTokenResponse,
  'business-oauth-revoke': BusinessRevokeResponse,
  'business-get': BusinessGetResponse,
  'business-error-throttled': BusinessEnvelope,
  'business-error-token': BusinessEnvelope,
};
/** Fixtures that record documented facts rather than a body (see their `_source.notes`). */
const FACT_FIXTURES = ['webhook-signature'];

describe('TikTok fixtures', () => {
  describeFixtureCoverage(P, {
    schemas: SCHEMAS,
    // Login Kit and Display API pages, and TikTok API for Business pages for the business-* fixtures.
    sourceUrl: /^https:\/\/(developers\.tiktok\.com\/doc\/|business-api\.tiktok\.com\/portal\/docs\?id=\d+$)/,
    factSheets: FACT_FIXTURES,
  });

  it('the mapper maps the documented user into a valid Profile and insights', () => {
    const basic = UserInfoResponse.parse(fixtureBody(P, 'user-info')).data.user;
    expect(Profile.parse(mapProfile(basic))).toEqual({ username: 'Tik Toker', displayName: 'Tik Toker' });
    expect(mapAccountInsights(basic)).toBeUndefined(); // no user.info.stats fields: absent, never 0

    const stats = UserInfoResponse.parse(fixtureBody(P, 'user-info-stats')).data.user;
    expect(Profile.parse(mapProfile(stats))).toEqual({
      username: 'tiktoker',
      displayName: 'Tik Toker',
      followers: 1520,
      following: 87,
      postCount: 63,
    });
    expect(mapAccountInsights(stats)).toEqual({ followers: 1520, following: 87, likes: 40210, videos: 63 });
  });

  it('the mapper maps the documented video objects into valid Items', () => {
    const videos = VideoListResponse.parse(fixtureBody(P, 'video-list-fields')).data.videos;
    const items = videos.map(mapVideo).map((i) => Item.parse(i));
    expect(items[0]).toEqual({
      kind: 'videos',
      id: '7080213458555737986',
      createdAt: '2022-03-30T03:00:00.000Z',
      text: 'Test video 1',
      metrics: { views: 1093, likes: 87, comments: 4, shares: 2 },
      attributes: {
        title: 'video 1',
        durationSeconds: 2,
        shareUrl:
          'https://www.tiktok.com/@user_id/video/7080213458555737986?utm_campaign=tt4d_open_api&utm_source=awbx37vxswqcvsf6',
      },
    });
    // A video without title or description: text null, zeros stay zeros (they were returned).
    expect(items[1]).toMatchObject({ text: null, metrics: { views: 0, likes: 0, comments: 0, shares: 0 } });
    expect(items[1]!.attributes).not.toHaveProperty('title');
  });

  it('the printed video/list example lacks create_time, which the mapper refuses instead of inventing a date', () => {
    const [video] = VideoListResponse.parse(fixtureBody(P, 'video-list')).data.videos;
    expect(() => mapVideo(video!)).toThrow(/create_time/);
  });

  describe('the webhook handler on the documented bodies', () => {
    const clientKey = 'bwo2m45353a6k85';
    const secret = 'conformance-secret';
    const connector = createTikTokConnector(
      tiktokSettingsFromEnv(loadConfig({ TIKTOK_CLIENT_KEY: clientKey, TIKTOK_CLIENT_SECRET: secret })),
    );
    const deliver = (name: string) => {
      const raw = Buffer.from(JSON.stringify(fixtureBody(P, name)));
      const t = 1615338610;
      const s = createHmac('sha256', secret).update(`${t}.`).update(raw).digest('hex');
      return connector.webhooks.handle({
        method: 'POST',
        headers: { 'tiktok-signature': `t=${t},s=${s}` },
        query: {},
        rawBody: raw,
        now: t * 1000,
      });
    };

    it('video.publish.completed → item_created with the id from the share_id', () => {
      const result = deliver('webhook-video-publish-completed');
      expect(result.kind).toBe('events');
      const [event] = result.kind === 'events' ? result.events : [];
      expect(WebhookEvent.parse(event)).toMatchObject({
        platform: 'tiktok',
        type: 'item_created',
        itemKind: 'videos',
        itemId: '6974245311675353080',
        accountId: 'act.example12345Example12345Example',
        occurredAt: '2021-03-10T01:10:10.000Z',
      });
    });

    it('authorization.removed → authorization_revoked; video.upload.failed → other', () => {
      const removed = deliver('webhook-authorization-removed');
      expect(removed.kind === 'events' && removed.events[0]!.type).toBe('authorization_revoked');
      const failed = deliver('webhook-video-upload-failed');
      expect(failed.kind === 'events' && failed.events[0]!.type).toBe('other');
    });

    it('every documented content string parses as the content object', () => {
      for (const name of Object.keys(SCHEMAS).filter((n) => n.startsWith('webhook-'))) {
        const body = WebhookBody.parse(fixtureBody(P, name));
        expect(WebhookContent.safeParse(JSON.parse(body.content)).success).toBe(true);
      }
    });
  });
});

describe('the TikTok sandbox answers like the documentation', () => {
  let h: TikTokHarness;
  let connector: PlatformConnector;
  beforeAll(async () => {
    h = await startTikTok();
    connector = createTikTokConnector(tiktokSettingsFromEnv(loadConfig(h.env)));
  });
  afterAll(() => h.close());

  const same = (documented: Json, answered: unknown, optional: string[] = []) =>
    expect(shapeDiff(documented, answered, { optional })).toEqual([]);

  it('POST /v2/oauth/token/ (code and refresh grants) and its error', async () => {
    const tokens = await connect(h);
    same(fixtureBody(P, 'oauth-token'), tokens);
    const refreshed = await postForm(h, '/v2/oauth/token/', {
      client_key: h.clientKey,
      client_secret: h.clientSecret,
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token,
    });
    same(fixtureBody(P, 'oauth-token'), await refreshed.json());

    const bad = await postForm(h, '/v2/oauth/token/', {
      client_key: h.clientKey,
      client_secret: h.clientSecret,
      code: 'not-a-code',
      grant_type: 'authorization_code',
      redirect_uri: REDIRECT_URI,
    });
    same(fixtureBody(P, 'oauth-error'), await bad.json());
  });

  it.each(['user-info', 'user-info-stats'])('GET /v2/user/info/ with the fields of %s', async (name) => {
    const { access_token } = await connect(h);
    const doc = fixtureBody(P, name);
    const fields = keysOf((doc.data as Record<string, Json>).user).join(',');
    const res = await api(h, access_token, `/v2/user/info/?fields=${fields}`);
    expect(res.status).toBe(200);
    same(doc, res.json);
  });

  it.each(['video-list', 'video-list-fields'])('POST /v2/video/list/ with the fields of %s', async (name) => {
    const { access_token } = await connect(h);
    const doc = fixtureBody(P, name);
    const fields = elementKeys((doc.data as Record<string, Json>).videos).join(',');
    const res = await api(h, access_token, `/v2/video/list/?fields=${fields}`, { max_count: 20 });
    expect(res.status).toBe(200);
    same(doc, res.json);
  });

  it('POST /v2/video/query/ with the documented fields', async () => {
    const { access_token, open_id } = await connect(h);
    const doc = fixtureBody(P, 'video-query');
    const fields = elementKeys((doc.data as Record<string, Json>).videos).join(',');
    const ids = h.sandbox
      .groundTruth(open_id)
      .items.videos!.slice(0, 2)
      .map((v) => v.id);
    const res = await api(h, access_token, `/v2/video/query/?fields=${fields}`, {
      filters: { video_ids: ids },
    });
    expect(res.status).toBe(200);
    // The API reference prints data without cursor/has_more, the Get Started guide with them (fixture notes).
    same(doc, res.json, ['data.cursor', 'data.has_more']);
  });

  it('a Display API error answers the documented envelope and status', async () => {
    const res = await api(h, 'act.not-a-token', '/v2/user/info/?fields=open_id');
    expect(res.status).toBe(401);
    same(fixtureBody(P, 'api-error'), res.json);
  });

  it('webhook bodies and their content have the documented shapes', async () => {
    const receiver = await startReceiver();
    try {
      const { open_id } = await connect(h);
      await control(h, 'POST', '/webhooks/subscribe', { url: receiver.url });
      await control(h, 'POST', `/accounts/${open_id}/items`, { text: 'posted through the app' });
      await control(h, 'POST', '/webhooks/send', {
        accountId: open_id,
        event: 'video.upload.failed',
        content: JSON.parse(WebhookBody.parse(fixtureBody(P, 'webhook-video-upload-failed')).content),
      });
      await control(h, 'POST', `/accounts/${open_id}/revoke`);
      const bodies = receiver.received.map(
        (d) => JSON.parse(d.body.toString('utf8')) as Record<string, Json>,
      );
      const names = [
        'webhook-video-publish-completed',
        'webhook-video-upload-failed',
        'webhook-authorization-removed',
      ];
      expect(bodies.map((b) => b.event)).toEqual(names.map((n) => fixtureBody(P, n).event));
      names.forEach((name, i) => {
        const doc = fixtureBody(P, name);
        same(doc, bodies[i]);
        same(JSON.parse(doc.content as string), JSON.parse(bodies[i]!.content as string));
      });
      // The documented header format: `t=<unix seconds>,s=<64 hex>` (webhook-signature.json).
      const documented = fixtureBody(P, 'webhook-signature');
      const header = String(receiver.received[0]!.headers['tiktok-signature']);
      expect(header).toMatch(/^t=\d+,s=[0-9a-f]{64}$/);
      expect(String(documented.example)).toMatch(/^t=\d+,s=[0-9a-f]{64}$/);
      // …and what the sandbox sends parses through the connector like the documented bodies do.
      const parsed = receiver.received.map((d) =>
        connector.webhooks.handle({
          method: 'POST',
          headers: d.headers,
          query: {},
          rawBody: d.body,
          now: Date.now(),
        }),
      );
      expect(parsed.map((r) => (r.kind === 'events' ? r.events[0]!.type : r.kind))).toEqual([
        'item_created',
        'other',
        'authorization_revoked',
      ]);
    } finally {
      await receiver.close();
    }
  });
});
