/** TikTok's facts for the rest of the service (see src/platforms/descriptor.ts). */
import { ITEM_KINDS } from '../../domain';
import { definePlatform } from '../descriptor';
import { createTikTokConnector } from './index';
import { TIKTOK_CREDENTIALS, tiktokSettingsFromEnv, type TikTokSettings } from './settings';

export const tiktok = definePlatform<TikTokSettings>({
  id: 'tiktok',
  displayName: 'TikTok',
  itemKinds: ITEM_KINDS.tiktok,
  // TikTok has no verification handshake: POST only.
  webhookMethods: ['POST'],
  // TikTok allows 600 calls per minute per endpoint, on a one-minute sliding window (10/s).
  appActivitiesPerSecond: 10,
  credentials: TIKTOK_CREDENTIALS,
  settingsFromEnv: tiktokSettingsFromEnv,
  authorizeUrl: (env) => env.TIKTOK_AUTHORIZE_URL,
  createConnector: createTikTokConnector,
});
