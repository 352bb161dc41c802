/**
 * Per-account webhook delivery at Meta: without `POST /{ig-user-id}/subscribed_apps` for a connected account, no
 * Instagram webhook arrives for it, whatever the App Dashboard says. Called with the account's own token on connect
 * and reconnect (idempotent), `DELETE` on disconnect, `GET` to read what is subscribed.
 * https://developers.facebook.com/docs/instagram-platform/instagram-api-with-instagram-login/webhooks
 *
 * Each field needs a permission besides `instagram_business_basic`; `comments` and `mentions` need
 * `instagram_business_manage_comments` (https://developers.facebook.com/documentation/instagram-platform/webhooks/fields).
 * Fields whose permission the user did not grant are left out rather than failing the whole call.
 */
import { PlatformError } from '../errors';
import type { TokenSet, WebhookSubscriptions } from '../types';
import { graphAuth, graphBase } from './client';
import type { InstagramHttp } from './http';
import { SubscribedAppsResponse, SuccessResponse } from './schemas';
import type { InstagramSettings } from './settings';

/** The fields socialsync handles (webhook.ts) and the permission each needs. */
export const WEBHOOK_FIELDS: Readonly<Record<string, string>> = {
  comments: 'instagram_business_manage_comments',
  mentions: 'instagram_business_manage_comments',
};
export const WEBHOOK_BASIC_PERMISSION = 'instagram_business_basic';

export interface InstagramWebhookSubscriptions extends WebhookSubscriptions {
  /** Fields this app is subscribed to for the account (empty when none). */
  subscribedFields(tokens: TokenSet): Promise<string[]>;
}

/** The fields the granted scopes allow; empty when the basic permission is missing. */
export function grantableFields(scopes: readonly string[]): string[] {
  if (!scopes.includes(WEBHOOK_BASIC_PERMISSION)) return [];
  return Object.entries(WEBHOOK_FIELDS)
    .filter(([, permission]) => scopes.includes(permission))
    .map(([field]) => field);
}

export function createInstagramSubscriptions(deps: {
  settings: InstagramSettings;
  http: InstagramHttp;
}): InstagramWebhookSubscriptions {
  const { settings, http } = deps;
  const base = graphBase(settings);
  const endpoint = (method: string) => `${method} /{ig-user-id}/subscribed_apps`;

  /** access_token plus appsecret_proof, as on every Graph call. */
  const auth = (token: string): Record<string, string> => graphAuth(settings, token);

  const expectSuccess = (answer: SuccessResponse, method: string): void => {
    if (!answer.success) {
      throw new PlatformError('permanent', 'subscribed_apps answered success: false', {
        platform: 'instagram',
        endpoint: endpoint(method),
      });
    }
  };

  return {
    async subscribe(tokens) {
      const fields = grantableFields(tokens.scopes);
      if (fields.length === 0) {
        throw new PlatformError(
          'permanent',
          `the account did not grant ${Object.values(WEBHOOK_FIELDS)[0]}: no webhook field can be subscribed`,
          { platform: 'instagram', endpoint: endpoint('POST') },
        );
      }
      const answer = await http.request({
        method: 'POST',
        url: `${base}/${tokens.accountId}/subscribed_apps`,
        endpoint: endpoint('POST'),
        params: { subscribed_fields: fields.join(','), ...auth(tokens.accessToken) },
        schema: SuccessResponse,
      });
      expectSuccess(answer, 'POST');
    },

    async unsubscribe(tokens) {
      const answer = await http.request({
        method: 'DELETE',
        url: `${base}/${tokens.accountId}/subscribed_apps`,
        endpoint: endpoint('DELETE'),
        params: auth(tokens.accessToken),
        schema: SuccessResponse,
      });
      expectSuccess(answer, 'DELETE');
    },

    async subscribedFields(tokens) {
      const answer = await http.request({
        method: 'GET',
        url: `${base}/${tokens.accountId}/subscribed_apps`,
        endpoint: endpoint('GET'),
        params: auth(tokens.accessToken),
        schema: SubscribedAppsResponse,
      });
      return [...new Set(answer.data.flatMap((app) => app.subscribed_fields ?? []))].sort();
    },
  };
}
