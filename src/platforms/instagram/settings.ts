import type { Env } from '../../config';
import { requireCredentials, type CredentialVariable } from '../descriptor';

/** The Instagram app's credentials; without both, Instagram is served by its sandbox. */
export const INSTAGRAM_CREDENTIALS = [
  'INSTAGRAM_CLIENT_ID',
  'INSTAGRAM_CLIENT_SECRET',
] as const satisfies readonly CredentialVariable[];

/** Everything the Instagram connector needs, from the environment (docs/contract.md → Environment). */
export interface InstagramSettings {
  clientId: string;
  clientSecret: string;
  /** Verify token of the webhook subscription handshake; without it every handshake is refused. */
  webhookVerifyToken?: string;
  authorizeUrl: string;
  tokenUrl: string;
  /** Graph base without version, e.g. `https://graph.instagram.com`. */
  graphUrl: string;
  /** `v23.0`; absent = unversioned paths (the app's default version). */
  graphVersion?: string;
  /** Per-user budget (INSTAGRAM_CALLS_PER_HOUR). */
  callsPerHour: number;
  /** Send `appsecret_proof` on every Graph data call (default true; apps that "require app secret" need it). */
  appsecretProof: boolean;
}

export function instagramSettingsFromEnv(env: Env): InstagramSettings {
  const [clientId, clientSecret] = requireCredentials(env, 'instagram', INSTAGRAM_CREDENTIALS);
  return {
    clientId,
    clientSecret,
    webhookVerifyToken: env.INSTAGRAM_WEBHOOK_VERIFY_TOKEN,
    authorizeUrl: env.INSTAGRAM_AUTHORIZE_URL,
    tokenUrl: env.INSTAGRAM_TOKEN_URL,
    graphUrl: env.INSTAGRAM_GRAPH_URL.replace(/\/+$/, ''),
    graphVersion: env.INSTAGRAM_GRAPH_VERSION,
    callsPerHour: env.INSTAGRAM_CALLS_PER_HOUR,
    appsecretProof: true,
  };
}
