/**
 * Every Firestore path socialsync reads or writes, in one place (docs/contract.md → Firestore).
 *
 * Public (readable by the signed-in owner through firestore.rules):
 *   users/{userId}/platforms/{platform}
 *   users/{userId}/platforms/{platform}/{posts|stories|tweets|videos}/{itemId}
 *   users/{userId}/platforms/{platform}/insights/{YYYY-MM-DD}
 * Server-only (no client access at all; leading underscore marks them as internal):
 *   _tokens/{platform}:{userId}                 encrypted TokenSet
 *   _tokens/{platform}+{slot}:{userId}          encrypted TokenSet of a second authorization (e.g. tiktok+business)
 *   _tokenLeases/{platform}:{userId}            who is refreshing that token, until when (no token material)
 *   _tokenLeases/{platform}+{slot}:{userId}     the same for a second authorization's token
 *   _accountIndex/{platform}:{accountId}        which users connected a platform account
 *   _oauthStates/{sha256(state)}                pending OAuth connects (10 min)
 *   _webhookEvents/{platform}:{sha256(userId|eventId)} webhook redelivery dedupe (TTL field `expiresAt`)
 */
import { createHash } from 'node:crypto';
import { ITEM_KINDS, type ItemKind, type PlatformId } from '../platforms/types';
import { isValidDocumentId, type ConnectionKey } from '../domain';

export const COLLECTIONS = {
  users: 'users',
  platforms: 'platforms',
  insights: 'insights',
  tokens: '_tokens',
  tokenLeases: '_tokenLeases',
  accountIndex: '_accountIndex',
  oauthStates: '_oauthStates',
  webhookEvents: '_webhookEvents',
} as const;

// The rule itself is pure and lives in the domain, so the workflow bundle can apply it too (finding 2 of issue 14).
export { isValidDocumentId, MAX_DOCUMENT_ID_BYTES } from '../domain';

/**
 * Rejects values that Firestore cannot use as one document id, so a hostile or broken id fails loudly instead of
 * addressing a different document (a `/` would silently descend into a subcollection).
 */
export function assertDocId(value: string, what: string): string {
  if (!isValidDocumentId(value)) {
    // Only the start of the value: an id can be up to the whole webhook body.
    throw new Error(
      `${what} ${JSON.stringify(String(value).slice(0, 64))} cannot be used as a Firestore document id`,
    );
  }
  return value;
}

export function assertItemKind(platform: PlatformId, kind: ItemKind): void {
  if (!ITEM_KINDS[platform].includes(kind)) {
    throw new Error(
      `${platform} has no "${kind}" items (expected one of ${ITEM_KINDS[platform].join(', ')})`,
    );
  }
}

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** `{platform}` or `{platform}+{slot}`; a slot is a short lowercase name. */
function tokenPrefix(platform: PlatformId, slot: string | undefined): string {
  if (slot === undefined) return platform;
  if (!/^[a-z]{1,32}$/.test(slot))
    throw new Error(`token slot ${JSON.stringify(slot)} is not a lowercase name`);
  return `${platform}+${slot}`;
}

export const paths = {
  platformDoc({ userId, platform }: ConnectionKey): string {
    return `${COLLECTIONS.users}/${assertDocId(userId, 'userId')}/${COLLECTIONS.platforms}/${assertDocId(platform, 'platform')}`;
  },

  itemCollection(key: ConnectionKey, kind: ItemKind): string {
    assertItemKind(key.platform, kind);
    return `${paths.platformDoc(key)}/${kind}`;
  },

  itemDoc(key: ConnectionKey, kind: ItemKind, itemId: string): string {
    return `${paths.itemCollection(key, kind)}/${assertDocId(itemId, 'item id')}`;
  },

  insightsCollection(key: ConnectionKey): string {
    return `${paths.platformDoc(key)}/${COLLECTIONS.insights}`;
  },

  insightDoc(key: ConnectionKey, date: string): string {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date))
      throw new Error(`insight date ${JSON.stringify(date)} is not YYYY-MM-DD`);
    return `${paths.insightsCollection(key)}/${date}`;
  },

  /**
   * The platform cannot contain `:`, so `{platform}:{userId}` splits unambiguously at the first colon. A second
   * authorization of the connection (`slot`, e.g. TikTok's `business`) lives at `{platform}+{slot}:{userId}`:
   * neither platform ids nor slots contain `+` or `:`, so no user id can make two documents collide.
   */
  tokenDoc({ userId, platform }: ConnectionKey, slot?: string): string {
    return `${COLLECTIONS.tokens}/${tokenPrefix(platform, slot)}:${assertDocId(userId, 'userId')}`;
  },

  /** The refresh lease of one connection's token, under the same id as its token document. */
  tokenLeaseDoc({ userId, platform }: ConnectionKey, slot?: string): string {
    return `${COLLECTIONS.tokenLeases}/${tokenPrefix(platform, slot)}:${assertDocId(userId, 'userId')}`;
  },

  /** Account ids are URI-encoded: TikTok open_ids and future platforms may use characters ids cannot hold. */
  accountIndexDoc(platform: PlatformId, accountId: string): string {
    if (accountId.length === 0) throw new Error('accountId must not be empty');
    return `${COLLECTIONS.accountIndex}/${platform}:${encodeURIComponent(accountId)}`;
  },

  /** Only a hash of the state is stored: a database reader cannot replay a pending state. */
  oauthStateDoc(stateHash: string): string {
    return `${COLLECTIONS.oauthStates}/${assertDocId(stateHash, 'state hash')}`;
  },

  /** Event ids are hashed: they are arbitrary platform strings of unbounded length. */
  webhookEventDoc(platform: PlatformId, eventId: string): string {
    return `${COLLECTIONS.webhookEvents}/${platform}:${sha256Hex(eventId)}`;
  },
};
