/**
 * Adapters from the store to the ports the HTTP service declares in src/webhooks/store-ports.ts, so the service
 * can use the Firestore implementations without knowing them.
 */
import type {
  OAuthStateStore as HttpOAuthStateStore,
  PendingAuthorization,
  WebhookDedupe as HttpWebhookDedupe,
} from '../webhooks/store-ports';
import { OAuthStateError, type OAuthStateStore } from './oauth-states';
import type { WebhookDedupe } from './webhook-dedupe';
import type { ConnectionKey } from '../domain';

/**
 * The callback's platform is passed on, so a state presented to the wrong platform's callback is refused without
 * being spent; every `OAuthStateError` becomes `undefined` as the port expects. Other errors (Firestore, a token
 * key missing from the keyring) still throw: they are not the user's fault and must not look like a stale link.
 */
export function httpOAuthStates(store: OAuthStateStore): HttpOAuthStateStore {
  return {
    create: (pending, { ttlMs }) => store.create({ ...pending, ttlMs }),
    async consume(state, callbackPlatform): Promise<PendingAuthorization | undefined> {
      try {
        const { userId, platform, redirectUri, codeVerifier, browserBinding } = await store.consume(
          state,
          callbackPlatform,
        );
        return {
          userId,
          platform,
          redirectUri,
          ...(codeVerifier === undefined ? {} : { codeVerifier }),
          ...(browserBinding === undefined ? {} : { browserBinding }),
        };
      } catch (err) {
        if (err instanceof OAuthStateError) return undefined;
        throw err;
      }
    },
  };
}

/**
 * The HTTP service dedupes per connection (two users who connected one account each get the event once), so event
 * ids are scoped by user: `{userId}|{eventId}` under the connection's platform.
 */
export function httpWebhookDedupe(dedupe: WebhookDedupe): HttpWebhookDedupe {
  const scoped = (key: ConnectionKey, eventId: string) => `${key.userId}|${eventId}`;
  return {
    // One `getAll` and one batched write per call, whatever the number of events.
    async seen(key, eventIds) {
      const seen = await dedupe.seenMany(
        key.platform,
        eventIds.map((id) => scoped(key, id)),
      );
      return new Set(eventIds.filter((id) => seen.has(scoped(key, id))));
    },
    async remember(key, eventIds) {
      await dedupe.rememberMany(
        key.platform,
        eventIds.map((id) => scoped(key, id)),
      );
    },
  };
}
