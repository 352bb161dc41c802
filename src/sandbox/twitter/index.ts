/**
 * A faithful local X (Twitter) API v2: OAuth 2.0 with PKCE, users/me, user timelines, post lookup, the app-only
 * bearer token, V2 Webhooks API registration and X Activity API subscriptions with signed deliveries, X's errors
 * and rate limits, plus the `/_sandbox` control API. One base URL serves what x.com and api.x.com serve. Its facts
 * are its own (facts.ts), never the connector's. See docs/twitter.md.
 */
import express from 'express';
import type { PlatformSandbox, SandboxOptions } from '../core/types';
import { createTwitterApp } from './app';
import { createControlRouter } from './control';
import { TwitterWorld } from './state';

export type {
  MetricPatch,
  NewItemInput,
  ProfilePatch,
  TwitterCredentials,
  WebhookSendRequest,
} from './state';
export type { SandboxSubscription, SandboxWebhook } from './delivery';
export { TwitterWorld } from './state';

export interface TwitterSandbox extends PlatformSandbox {
  readonly platform: 'twitter';
  /** In-process control: the same operations as the `/_sandbox` HTTP routes. */
  readonly world: TwitterWorld;
  /** OAuth 2.0 client id/secret and the distinct consumer key/secret (API Key and Secret). */
  readonly credentials: TwitterWorld['credentials'];
}

export function createTwitterSandbox(opts: SandboxOptions): TwitterSandbox {
  const world = new TwitterWorld(opts.clock, {
    seed: opts.seed,
    accounts: opts.accounts ?? 3,
    itemsPerAccount: opts.itemsPerAccount ?? 300,
  });
  const root = express();
  root.disable('x-powered-by');
  root.use('/_sandbox', createControlRouter(world));
  root.use(createTwitterApp(world, { autoApprove: opts.autoApprove ?? false }));

  return {
    platform: 'twitter',
    handler: root,
    world,
    log: world.log,
    faults: world.faults,
    outbox: world.outbox,
    clock: opts.clock,
    credentials: world.credentials,
    env: (baseUrl: string) => {
      const base = baseUrl.replace(/\/+$/, '');
      return {
        TWITTER_CLIENT_ID: world.credentials.clientId,
        TWITTER_CLIENT_SECRET: world.credentials.clientSecret,
        TWITTER_CONSUMER_KEY: world.credentials.consumerKey,
        TWITTER_CONSUMER_SECRET: world.credentials.consumerSecret,
        TWITTER_AUTHORIZE_URL: `${base}/i/oauth2/authorize`,
        TWITTER_API_URL: base,
      };
    },
    groundTruth: (accountId: string) => world.groundTruth(accountId),
    accountIds: () => world.accountIds(),
  };
}
