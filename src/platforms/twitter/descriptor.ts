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
  // X allows 10,000 timeline calls per 15 minutes per app (about 11/s).
  appActivitiesPerSecond: 10,
  credentials: TWITTER_CREDENTIALS,
  settingsFromEnv: twitterSettingsFromEnv,
  authorizeUrl: (env) => env.TWITTER_AUTHORIZE_URL,
  createConnector: createTwitterConnector,
});
