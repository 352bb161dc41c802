/** X's facts for the rest of the service (see src/platforms/descriptor.ts). */
import { ITEM_KINDS } from '../../domain';
import { definePlatform } from '../descriptor';
import { createTwitterConnector } from './index';
import { TWITTER_CREDENTIALS, twitterSettingsFromEnv, type TwitterSettings } from './settings';

export const twitter = definePlatform<TwitterSettings>({
  id: 'twitter',
  displayName: 'X',
  itemKinds: ITEM_KINDS.twitter,
  // GET answers the Account Activity API's CRC check, POST carries the signed events.
  webhookMethods: ['GET', 'POST'],
  // With user tokens X limits each user (900 timeline calls per 15 minutes); its per-app buckets apply to app-only
  // Bearer calls, which socialsync does not make. 10/s keeps the app's total load steady; raise it with the app's plan.
  appActivitiesPerSecond: 10,
  credentials: TWITTER_CREDENTIALS,
  settingsFromEnv: twitterSettingsFromEnv,
  authorizeUrl: (env) => env.TWITTER_AUTHORIZE_URL,
  createConnector: createTwitterConnector,
});
