/**
 * Graph API errors exactly as Meta sends them: `{"error":{message,type,code,error_subcode?,fbtrace_id}}`, JSON with
 * `charset=UTF-8`. Handlers throw `MetaError`; the dispatcher renders it (and the usage headers) in one place.
 * Shape and codes: https://developers.facebook.com/docs/graph-api/guides/error-handling (190 and its subcodes, 4/17/32
 * /613 throttles, 2 transient, 100 parameter, 200 permission); insights refusals `(#10)`:
 * https://developers.facebook.com/docs/instagram-platform/reference/instagram-media/insights. Message texts the
 * documentation does not give (refresh under 24 h, demographics under 100 followers) are this sandbox's choice.
 */
import { randomBytes } from 'node:crypto';

export interface MetaErrorSpec {
  status: number;
  message: string;
  code: number;
  type?: string;
  subcode?: number;
  isTransient?: boolean;
  headers?: Record<string, string>;
}

export class MetaError extends Error {
  constructor(readonly spec: MetaErrorSpec) {
    super(spec.message);
  }

  body(): { error: Record<string, unknown> } {
    const s = this.spec;
    return {
      error: {
        message: s.message,
        type: s.type ?? 'OAuthException',
        code: s.code,
        ...(s.subcode !== undefined ? { error_subcode: s.subcode } : {}),
        ...(s.isTransient !== undefined ? { is_transient: s.isTransient } : {}),
        fbtrace_id: fbtraceId(),
      },
    };
  }
}

export function fbtraceId(): string {
  return randomBytes(8).toString('base64url').slice(0, 11);
}

/** Error of the OAuth endpoint at api.instagram.com (a different, flat shape). */
export class OAuthCodeError extends Error {
  constructor(readonly errorMessage: string) {
    super(errorMessage);
  }

  body(): { error_type: string; code: number; error_message: string } {
    return { error_type: 'OAuthException', code: 400, error_message: this.errorMessage };
  }
}

export const metaErrors = {
  badParam: (message: string) => new MetaError({ status: 400, code: 100, message: `(#100) ${message}` }),
  missingToken: () =>
    new MetaError({
      status: 400,
      code: 2500,
      message: 'An active access token must be used to query information about the current user.',
    }),
  invalidToken: () =>
    new MetaError({
      status: 400,
      code: 190,
      message: 'Invalid OAuth access token - Cannot parse access token',
      headers: {
        'www-authenticate': 'OAuth "Facebook Platform" "invalid_token" "Invalid OAuth access token"',
      },
    }),
  tokenExpired: (expiredAt: number, now: number) =>
    new MetaError({
      status: 400,
      code: 190,
      subcode: 463,
      message: `Error validating access token: Session has expired on ${new Date(expiredAt).toUTCString()}. The current time is ${new Date(now).toUTCString()}.`,
      headers: { 'www-authenticate': 'OAuth "Facebook Platform" "invalid_token" "Session has expired"' },
    }),
  appRemoved: (appId: string) =>
    new MetaError({
      status: 400,
      code: 190,
      subcode: 458,
      message: `Error validating access token: The user has not authorized application ${appId}.`,
      headers: {
        'www-authenticate':
          'OAuth "Facebook Platform" "invalid_token" "The user has not authorized application"',
      },
    }),
  tokenSuperseded: () =>
    new MetaError({
      status: 400,
      code: 190,
      subcode: 467,
      message:
        'Error validating access token: The access token is invalid because a newer token replaced it.',
      headers: {
        'www-authenticate': 'OAuth "Facebook Platform" "invalid_token" "Invalid OAuth access token"',
      },
    }),
  missingProof: () =>
    new MetaError({
      status: 400,
      code: 100,
      type: 'GraphMethodException',
      message: 'API calls from the server require an appsecret_proof argument',
    }),
  invalidProof: () =>
    new MetaError({
      status: 400,
      code: 100,
      type: 'GraphMethodException',
      message: 'Invalid appsecret_proof provided in the API argument',
    }),
  unsupportedGet: (id: string) =>
    new MetaError({
      status: 400,
      code: 100,
      subcode: 33,
      type: 'GraphMethodException',
      message: `Unsupported get request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
    }),
  nonexistingField: (field: string, node: string) =>
    new MetaError({
      status: 400,
      code: 100,
      message: `(#100) Tried accessing nonexisting field (${field}) on node type (${node})`,
    }),
  notEnoughViewers: () =>
    new MetaError({
      status: 400,
      code: 10,
      subcode: 2108006,
      message: '(#10) Not enough viewers for the media to show insights.',
    }),
  beforeConversion: () =>
    new MetaError({
      status: 400,
      code: 10,
      subcode: 2108006,
      message: '(#10) Media Posted Before Business Account Conversion',
    }),
  notEnoughFollowers: () =>
    new MetaError({
      status: 400,
      code: 10,
      subcode: 2108006,
      message:
        '(#10) Not enough followers: demographics are available for accounts with at least 100 followers.',
    }),
  /** A permission the token was not granted (e.g. `subscribed_fields=comments` without manage_comments). */
  missingPermission: (permission: string) =>
    new MetaError({
      status: 403,
      code: 200,
      message: `(#200) Requires ${permission} permission to manage the object`,
    }),
  userLimit: () =>
    new MetaError({ status: 400, code: 17, isTransient: true, message: '(#17) User request limit reached' }),
  appLimit: () =>
    new MetaError({
      status: 403,
      code: 4,
      isTransient: true,
      message: '(#4) Application request limit reached',
    }),
  bucLimit: (status: number) =>
    new MetaError({
      status,
      code: 80002,
      isTransient: true,
      message: 'There have been too many calls to this Instagram account. Wait a bit and try again.',
    }),
  unexpected: (status: number) =>
    new MetaError({
      status,
      code: 2,
      isTransient: true,
      message: 'An unexpected error has occurred. Please retry your request later.',
    }),
  unknownPath: () => new MetaError({ status: 400, code: 2500, message: 'Unknown path components: /unknown' }),
};
