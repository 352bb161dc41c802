/**
 * X conformance: the documented examples in test/fixtures/twitter/ (X's pages, not this code) must be accepted by
 * the connector's schemas and mapped by its mapper, and the X sandbox must answer the same requests with the same
 * keys and JSON types. Where the sandbox differs, the documentation wins: a failure here names the differing paths.
 * Webhook bodies are X Activity API deliveries (the connector's real-time source).
 */
import { createHmac } from 'node:crypto';
import { loadConfig } from '../../src/config';
import { ActivityDelivery, AppTokenResponse } from '../../src/platforms/twitter/activity-schemas';
import { codeChallenge, createCodeVerifier } from '../../src/platforms/oauth/pkce';
import { createConnectors } from '../../src/platforms/registry';
import { mapProfile, mapTweet } from '../../src/platforms/twitter/mapper';
import { createTwitterWebhookHandler } from '../../src/platforms/twitter/webhook';
import {
  OAuthErrorBody,
  Problem,
  RevokeResponse,
  TimelineResponse,
  TokenResponse,
  TweetsLookupResponse,
  UsersMeResponse,
} from '../../src/platforms/twitter/schemas';
import { Item, Profile, WebhookEvent, type PlatformConnector } from '../../src/platforms/types';
import { startSandboxes, type SandboxSet } from '../../src/sandbox';
import type { z } from 'zod';
import {
  authorizationCode,
  describeFixtureCoverage,
  fetchJson,
  fixtureBody,
  shapeDiff,
  type Json,
} from './support';

const P = 'twitter';
const REDIRECT = 'https://app.example.com/oauth/twitter/callback';

const SCHEMAS: Record<string, z.ZodType> = {
  'oauth2-token': TokenResponse,
  'oauth2-revoke': RevokeResponse,
  'oauth2-error': OAuthErrorBody,
  'users-me': UsersMeResponse,
  'user-tweets': TimelineResponse,
  'tweets-lookup': TweetsLookupResponse,
  'problem-401': Problem,
  'problem-429': Problem,
  'app-token': AppTokenResponse,
  'activity-post-create': ActivityDelivery,
  'activity-post-delete': ActivityDelivery,
  'activity-oauth-revoke': ActivityDelivery,
};

describe('X fixtures', () => {
  describeFixtureCoverage(P, { schemas: SCHEMAS, sourceUrl: /^https:\/\/docs\.x\.com\// });

  it('users/me maps into a valid Profile', () => {
    const user = UsersMeResponse.parse(fixtureBody(P, 'users-me')).data;
    expect(Profile.parse(mapProfile(user))).toEqual({
      username: 'TwitterDev',
      displayName: 'X Dev',
      followers: 513958,
      following: 2039,
      postCount: 3635,
    });
  });

  it('timeline and lookup posts map into valid Items (non-public impressions win)', () => {
    const [tweet] = TimelineResponse.parse(fixtureBody(P, 'user-tweets')).data!;
    expect(Item.parse(mapTweet(tweet!))).toEqual({
      kind: 'tweets',
      id: '1460323737035677698',
      createdAt: '2021-11-15T19:08:05.000Z',
      text: tweet!.text,
      metrics: { impressions: 56043, likes: 463, retweets: 110, replies: 31, quotes: 38, bookmarks: 12 },
    });
    const lookup = TweetsLookupResponse.parse(fixtureBody(P, 'tweets-lookup'));
    expect(lookup.data!.map((t) => Item.parse(mapTweet(t))).map((i) => i.id)).toEqual([
      '1460323737035677698',
    ]);
    expect(lookup.errors!.map((e) => e.resource_id)).toEqual(['1276230436478386177']);
  });
});

describe('the webhook handler on the documented X Activity deliveries', () => {
  const consumerSecret = 'conformance-consumer-secret';
  const handler = createTwitterWebhookHandler({ consumerSecret });
  const deliver = (name: string) => {
    const raw = Buffer.from(JSON.stringify(fixtureBody(P, name)));
    const signature = 'sha256=' + createHmac('sha256', consumerSecret).update(raw).digest('base64');
    return handler.handle({
      method: 'POST',
      headers: { 'x-twitter-webhooks-signature': signature },
      query: {},
      rawBody: raw,
      now: Date.parse('2026-12-01T00:00:00Z'),
    });
  };
  const events = (name: string) => {
    const result = deliver(name);
    expect(result.kind).toBe('events');
    return result.kind === 'events' ? result.events.map((e) => WebhookEvent.parse(e)) : [];
  };

  it('post.create → item_created of the post; post.delete → item_deleted', () => {
    expect(events('activity-post-create')).toEqual([
      expect.objectContaining({
        platform: 'twitter',
        type: 'item_created',
        itemKind: 'tweets',
        itemId: '1460323737035677698',
        accountId: '2244994945',
      }),
    ]);
    expect(events('activity-post-delete')).toEqual([
      expect.objectContaining({
        type: 'item_deleted',
        itemId: '1460323737035677698',
        accountId: '2244994945',
      }),
    ]);
  });

  it('oauth.revoke is a reason to check the account, not proof of revocation', () => {
    expect(events('activity-oauth-revoke')).toEqual([
      expect.objectContaining({ type: 'account_changed', accountId: '2244994945' }),
    ]);
  });
});

describe('the X sandbox answers like the documentation', () => {
  let sandboxes: SandboxSet;
  let env: Record<string, string>;
  let connector: PlatformConnector;
  beforeAll(async () => {
    sandboxes = await startSandboxes({ seed: 12, autoApprove: true, platforms: ['twitter'] });
    env = sandboxes.env();
    connector = createConnectors(loadConfig(env), {}, ['twitter']).twitter!;
  });
  afterAll(() => sandboxes.close());

  const same = (documented: Json, answered: unknown, optional: string[] = []) =>
    expect(shapeDiff(documented, answered, { optional })).toEqual([]);
  const api = (path: string) => env.TWITTER_API_URL!.replace(/\/+$/, '') + path;
  const basic = () =>
    'Basic ' + Buffer.from(`${env.TWITTER_CLIENT_ID}:${env.TWITTER_CLIENT_SECRET}`).toString('base64');
  const form = (body: Record<string, string>) => ({
    method: 'POST',
    headers: { authorization: basic(), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(body).toString(),
  });
  const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

  async function tokenAnswer(): Promise<{ status: number; json: Json }> {
    const verifier = createCodeVerifier();
    const code = await authorizationCode(
      connector.oauth.authorizeUrl({
        state: 's',
        redirectUri: REDIRECT,
        codeChallenge: codeChallenge(verifier, 'S256'),
      }),
    );
    return fetchJson(
      api('/2/oauth2/token'),
      form({ code, grant_type: 'authorization_code', redirect_uri: REDIRECT, code_verifier: verifier }),
    );
  }

  async function accessToken(): Promise<string> {
    return TokenResponse.parse((await tokenAnswer()).json).access_token;
  }

  it('POST /2/oauth2/token, its error, and POST /2/oauth2/revoke', async () => {
    const answer = await tokenAnswer();
    expect(answer.status).toBe(200);
    same(fixtureBody(P, 'oauth2-token'), answer.json);
    const bad = await fetchJson(
      api('/2/oauth2/token'),
      form({
        code: 'not-a-code',
        grant_type: 'authorization_code',
        redirect_uri: REDIRECT,
        code_verifier: 'x',
      }),
    );
    expect(bad.status).toBe(400);
    same(fixtureBody(P, 'oauth2-error'), bad.json);
    const refreshed = await fetchJson(
      api('/2/oauth2/token'),
      form({ grant_type: 'refresh_token', refresh_token: TokenResponse.parse(answer.json).refresh_token! }),
    );
    expect(refreshed.status).toBe(200);
    same(fixtureBody(P, 'oauth2-token'), refreshed.json);
    const token = TokenResponse.parse(refreshed.json).access_token;
    const revoked = await fetchJson(
      api('/2/oauth2/revoke'),
      form({ token, token_type_hint: 'access_token' }),
    );
    same(fixtureBody(P, 'oauth2-revoke'), revoked.json);
  });

  it('GET /2/users/me with the connector fields, and the 401 problem', async () => {
    const token = await accessToken();
    const me = await fetchJson(
      api('/2/users/me?user.fields=public_metrics,created_at,username,name'),
      bearer(token),
    );
    expect(me.status).toBe(200);
    same(fixtureBody(P, 'users-me'), me.json);
    const bad = await fetchJson(api('/2/users/me'), bearer('not-a-token'));
    expect(bad.status).toBe(401);
    same(fixtureBody(P, 'problem-401'), bad.json);
  });

  it('a rate-limited call answers the documented 429 problem', async () => {
    const token = await accessToken();
    const fault = await fetchJson(api('/_sandbox/faults'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ endpoint: '*', rateLimit: true, times: 1 }),
    });
    expect(fault.status).toBe(200);
    const limited = await fetchJson(api('/2/users/me'), bearer(token));
    expect(limited.status).toBe(429);
    same(fixtureBody(P, 'problem-429'), limited.json);
  });

  it('GET /2/users/:id/tweets with public, non-public and organic metrics', async () => {
    const token = await accessToken();
    const me = UsersMeResponse.parse((await fetchJson(api('/2/users/me'), bearer(token))).json).data;
    const page = await fetchJson(
      api(
        `/2/users/${me.id}/tweets?max_results=5&tweet.fields=created_at,public_metrics,non_public_metrics,organic_metrics`,
      ),
      bearer(token),
    );
    expect(page.status).toBe(200);
    // Non-public and organic metrics come only for the author's posts of the last 30 days (metrics guide);
    // next_token is absent on the last page.
    same(fixtureBody(P, 'user-tweets'), page.json, [
      'data[].non_public_metrics',
      'data[].organic_metrics',
      'meta.next_token',
    ]);
  });

  it('GET /2/tweets?ids= with one known and one unknown id', async () => {
    const token = await accessToken();
    const me = UsersMeResponse.parse((await fetchJson(api('/2/users/me'), bearer(token))).json).data;
    const timeline = TimelineResponse.parse(
      (await fetchJson(api(`/2/users/${me.id}/tweets?max_results=5`), bearer(token))).json,
    );
    const known = timeline.data![0]!.id;
    const res = await fetchJson(
      api(`/2/tweets?ids=${known},1276230436478386177&tweet.fields=created_at,public_metrics`),
      bearer(token),
    );
    expect(res.status).toBe(200);
    same(fixtureBody(P, 'tweets-lookup'), res.json);
  });
});
