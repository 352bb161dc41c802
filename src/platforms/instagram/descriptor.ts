/** Instagram's facts for the rest of the service (see src/platforms/descriptor.ts). */
import { ITEM_KINDS } from '../../domain';
import { definePlatform } from '../descriptor';
import { createInstagramConnector } from './index';
import { INSTAGRAM_CREDENTIALS, instagramSettingsFromEnv, type InstagramSettings } from './settings';

export const instagram = definePlatform<InstagramSettings>({
  id: 'instagram',
  displayName: 'Instagram',
  itemKinds: ITEM_KINDS.instagram,
  // GET answers Meta's subscription verification (hub.challenge), POST carries the signed events.
  webhookMethods: ['GET', 'POST'],
  // Instagram's app limit scales with its users; 20/s is a conservative start.
  appActivitiesPerSecond: 20,
  credentials: INSTAGRAM_CREDENTIALS,
  settingsFromEnv: instagramSettingsFromEnv,
  authorizeUrl: (env) => env.INSTAGRAM_AUTHORIZE_URL,
  createConnector: createInstagramConnector,
});
