/**
 * The part of the Firebase Auth emulator's REST API that firebase-admin uses to verify ID tokens
 * (`POST /identitytoolkit.googleapis.com/v1/projects/{project}/accounts:lookup`), plus minting of the emulator's
 * unsigned ID tokens. firebase-admin (≥ 11) checks every emulator token against this endpoint (user exists, not
 * disabled, not revoked), so `FIREBASE_AUTH_EMULATOR_HOST` alone is not enough. The full emulator ships with
 * firebase-tools, which this repository does not depend on; this subset answers exactly as it does.
 *
 * The token verification itself (claims, audience, issuer, expiry, alg "none") is firebase-admin's real code.
 */
import http from 'node:http';
import { listen, type RunningServer } from '../../../src/sandbox/core/http';

interface EmulatedUser {
  uid: string;
  disabled: boolean;
  /** Epoch seconds; tokens whose auth_time is older were revoked. */
  validSince?: number;
}

export interface AuthEmulator {
  /** host:port, the value for FIREBASE_AUTH_EMULATOR_HOST. */
  host: string;
  addUser(uid: string): void;
  disableUser(uid: string): void;
  revokeTokens(uid: string): void;
  /** An emulator ID token as the client SDK would get it after signing in. */
  idToken(
    uid: string,
    opts?: { expiresInSeconds?: number; authTimeSeconds?: number; audience?: string },
  ): string;
  close(): Promise<void>;
}

export async function startAuthEmulator(projectId: string): Promise<AuthEmulator> {
  const users = new Map<string, EmulatedUser>();

  const handler: http.RequestListener = (req, res) => {
    const match = /^\/identitytoolkit\.googleapis\.com\/v1\/projects\/([^/]+)\/accounts:lookup$/.exec(
      req.url ?? '',
    );
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      };
      if (req.method !== 'POST' || !match || match[1] !== projectId) {
        send(404, { error: { code: 404, message: 'Not Found', status: 'NOT_FOUND' } });
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString() || '{}') as { localId?: string[] };
      const found = (body.localId ?? []).map((uid) => users.get(uid)).filter((u): u is EmulatedUser => !!u);
      // Like the emulator: no `users` key at all when nothing matched (firebase-admin turns that into USER_NOT_FOUND).
      send(
        200,
        found.length === 0
          ? { kind: 'identitytoolkit#GetAccountInfoResponse' }
          : {
              kind: 'identitytoolkit#GetAccountInfoResponse',
              users: found.map((u) => ({
                localId: u.uid,
                disabled: u.disabled,
                createdAt: '1764547200000',
                ...(u.validSince !== undefined ? { validSince: String(u.validSince) } : {}),
              })),
            },
      );
    });
  };

  const server: RunningServer = await listen(handler);
  const encode = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');

  return {
    host: `127.0.0.1:${server.port}`,
    addUser(uid) {
      users.set(uid, { uid, disabled: false });
    },
    disableUser(uid) {
      const user = users.get(uid);
      if (user) user.disabled = true;
    },
    revokeTokens(uid) {
      const user = users.get(uid);
      if (user) user.validSince = Math.floor(Date.now() / 1000) + 1;
    },
    idToken(uid, opts = {}) {
      const now = Math.floor(Date.now() / 1000);
      const payload = {
        iss: `https://securetoken.google.com/${projectId}`,
        aud: opts.audience ?? projectId,
        auth_time: opts.authTimeSeconds ?? now,
        user_id: uid,
        sub: uid,
        iat: now,
        exp: now + (opts.expiresInSeconds ?? 3600),
        firebase: { identities: {}, sign_in_provider: 'custom' },
      };
      // The emulator signs nothing: header alg "none" and an empty signature segment.
      return `${encode({ alg: 'none', typ: 'JWT' })}.${encode(payload)}.`;
    },
    close: () => server.close(),
  };
}
