import type { Env } from '../../config';

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

export class InstagramSettingsError extends Error {}

export function instagramSettingsFromEnv(env: Env): InstagramSettings {
  const missing = (['INSTAGRAM_CLIENT_ID', 'INSTAGRAM_CLIENT_SECRET'] as const).filter((k) => !env[k]);
  if (missing.length) throw new InstagramSettingsError(`Instagram needs ${missing.join(' and ')}`);
  return {
    clientId: env.INSTAGRAM_CLIENT_ID!,
    clientSecret: env.INSTAGRAM_CLIENT_SECRET!,
    webhookVerifyToken: env.INSTAGRAM_WEBHOOK_VERIFY_TOKEN,
    authorizeUrl: env.INSTAGRAM_AUTHORIZE_URL,
    tokenUrl: env.INSTAGRAM_TOKEN_URL,
    graphUrl: env.INSTAGRAM_GRAPH_URL.replace(/\/+$/, ''),
    graphVersion: env.INSTAGRAM_GRAPH_VERSION,
    callsPerHour: env.INSTAGRAM_CALLS_PER_HOUR,
    appsecretProof: true,
  };
}
