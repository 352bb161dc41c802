/**
 * Bad input proven harmless (issue 14): property-based tests (fast-check) throw generated and mutated bodies,
 * headers, query strings and path parameters at every webhook and management route of the REAL app (the run's
 * Temporal dev server with workers, Firestore emulator, Auth emulator, sandboxes). For every request: no 5xx and no
 * secret in the answer. Over the whole run: no document of the test project written (a snapshot of every document
 * before and after), no workflow started and no event added to the existing connection's history.
 *
 * Every generated request is wrong in at least one way the service must notice before acting: bad or missing
 * credentials, a forged signature, an invalid path parameter, or (with the admin key, on routes that would write)
 * a body or query its schema refuses. The app runs with the rate limits raised so that the checks behind them are
 * exercised rather than a 429. Replay a run with BAD_INPUT_SEED=<seed> (and BAD_INPUT_RUNS=<n>).
 */
import fc from 'fast-check';
import type { Firestore } from 'firebase-admin/firestore';
import { listen, type RunningServer } from '../../src/sandbox/core/http';
import {
  ADMIN_KEY,
  connectThroughOAuth,
  eventually,
  startHttpHarness,
  type HttpHarness,
} from '../http/support/harness';

jest.setTimeout(180_000);

const RUNS = Number(process.env.BAD_INPUT_RUNS ?? 200);
const SEED = Number(process.env.BAD_INPUT_SEED ?? Date.now() % 2 ** 31);
const USER = 'bad-input-owner';
const PLATFORMS = ['instagram', 'twitter', 'tiktok'] as const;
const UNLIMITED = { capacity: 1e9, refillPerSecond: 1e9 };

let h: HttpHarness;
let server: RunningServer;
let secrets: string[] = [];
let workflowTaskQueue: string;

beforeAll(async () => {
  h = await startHttpHarness();
  const connected = await connectThroughOAuth(h, 'tiktok', USER);
  if (connected.status !== 200) throw new Error(`setup connect failed: ${JSON.stringify(connected.body)}`);
  await eventually('the initial sync', async () => {
    const s = await h.syncService.status({ userId: USER, platform: 'tiktok' });
    return s?.status === 'active';
  });
  server = await listen(
    h.appWith({
      limits: {
        authFailuresPerIp: UNLIMITED,
        userWritesPerIp: UNLIMITED,
        userWritesPerUser: UNLIMITED,
        connectStartsPerUser: UNLIMITED,
      },
    }),
  );
  const tokens = await h.tokenStore.load({ userId: USER, platform: 'tiktok' });
  const sb = h.sandboxes;
  secrets = [
    ADMIN_KEY,
    Buffer.alloc(32, 9).toString('base64'),
    sb.instagram.credentials.clientSecret,
    sb.instagram.credentials.webhookVerifyToken ?? '',
    sb.twitter.credentials.clientSecret,
    sb.tiktok.credentials.clientSecret,
    tokens?.accessToken ?? '',
    tokens?.refreshToken ?? '',
  ].filter((s) => s.length >= 8);
  const description = await h.temporal.client.workflow.getHandle(`connection:${USER}:tiktok`).describe();
  workflowTaskQueue = description.taskQueue;
}, 120_000);

afterAll(async () => {
  await server?.close();
  await h?.close();
});

/** Every document of the test project, by path, with its data. */
async function snapshot(db: Firestore): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (collections: FirebaseFirestore.CollectionReference[]): Promise<void> => {
    for (const collection of collections) {
      for (const ref of await collection.listDocuments()) {
        const snap = await ref.get();
        if (snap.exists) out.set(ref.path, JSON.stringify(snap.data()));
        await walk(await ref.listCollections());
      }
    }
  };
  await walk(await db.listCollections());
  return out;
}

async function temporalState(): Promise<{ workflows: number; historyEvents: number }> {
  let workflows = 0;
  for await (const _ of h.temporal.client.workflow.list({ query: `TaskQueue = "${workflowTaskQueue}"` })) {
    workflows++;
  }
  const history = await h.temporal.client.workflow.getHandle(`connection:${USER}:tiktok`).fetchHistory();
  return { workflows, historyEvents: history.events?.length ?? 0 };
}

// ---- generators ----

const printable = fc.string({
  unit: fc.constantFrom(...' !"#$&\'()*+,-.0123456789:;<=>@ABCXYZ[]^_`abcxyz{|}~'),
});
const nasty = fc.constantFrom(
  '',
  '.',
  '..',
  '%',
  '%E0%A4%A',
  '%ZZ',
  '%2F',
  '%00',
  '__name__',
  '__x__',
  'a b',
  'x'.repeat(2000),
  '\u202e',
  '😀',
  '<script>',
  '${jndi:x}',
  "' OR 1=1 --",
);
const segment = fc.oneof(nasty, printable, fc.string({ maxLength: 40 }), fc.constantFrom(USER, ...PLATFORMS));
const badUserId = fc.oneof(
  fc.constantFrom('', '.', '..', '__x__', 'a b', 'x'.repeat(129), '%', '%E0%A4%A', 'a%2Fb', '%20'),
  fc.string({ minLength: 129, maxLength: 300 }).map(encodeURIComponent),
);
const badPlatform = fc.oneof(
  fc.constantFrom('myspace', 'TikTok', 'tiktok ', '%', '..', 'instagram%00', ''),
  fc.string({ maxLength: 20 }).filter((s) => !(PLATFORMS as readonly string[]).includes(s)),
);
const queryString = fc
  .array(
    fc.tuple(
      fc.oneof(
        printable,
        fc.constantFrom(
          'wait',
          'state',
          'code',
          'crc_token',
          'hub.mode',
          'hub.verify_token',
          'hub.challenge',
          'error',
        ),
      ),
      fc.oneof(printable, nasty),
    ),
    { maxLength: 5 },
  )
  .map((pairs) => pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&'));
const rawQuery = fc.oneof(
  queryString,
  fc.constantFrom('wait=maybe', 'wait=true&wait=false', 'a[b]=1', '%', 'state=%ZZ'),
);

const jsonish = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 200 }),
  fc.constantFrom(
    '',
    '{',
    '[]',
    'null',
    '{"__proto__":{"x":1}}',
    '{"constructor":{"prototype":{}}}',
    '\u0000',
  ),
);

/** Bodies the platforms send, to mutate: close to valid, so the parsers' deeper paths run. */
function templates(): string[] {
  const t = Math.floor(Date.now() / 1000);
  return [
    JSON.stringify({
      object: 'instagram',
      entry: [
        {
          id: '17841400000000000',
          time: t,
          changes: [{ field: 'comments', value: { id: '1', text: 'x', media: { id: '2' } } }],
        },
      ],
    }),
    JSON.stringify({
      for_user_id: '2244994945',
      tweet_create_events: [{ id_str: '1', user: { id_str: '2244994945' } }],
    }),
    JSON.stringify({
      client_key: 'k',
      event: 'video.publish.completed',
      create_time: t,
      user_openid: 'o',
      content: '{"video_id":"1"}',
    }),
    JSON.stringify({
      client_key: 'k',
      event: 'authorization.removed',
      create_time: t,
      user_openid: 'o',
      content: '{"reason":1}',
    }),
  ];
}

const mutated = fc
  .tuple(
    fc.nat(),
    fc.array(fc.tuple(fc.nat(), fc.constantFrom('flip', 'cut', 'dup', 'insert')), {
      minLength: 1,
      maxLength: 4,
    }),
    fc.string({ maxLength: 8 }),
  )
  .map(([which, ops, insert]) => {
    const all = templates();
    let body = all[which % all.length]!;
    for (const [at, op] of ops) {
      const i = body.length === 0 ? 0 : at % body.length;
      if (op === 'flip')
        body = body.slice(0, i) + String.fromCharCode(body.charCodeAt(i) ^ 1 || 65) + body.slice(i + 1);
      else if (op === 'cut') body = body.slice(0, i);
      else if (op === 'dup') body = body.slice(0, i) + body.slice(i);
      else body = body.slice(0, i) + insert + body.slice(i);
    }
    return body;
  });

const body = fc.oneof(jsonish, mutated, fc.constant(undefined));
const contentType = fc.constantFrom(
  undefined,
  'application/json',
  'application/x-www-form-urlencoded',
  'text/plain',
  'application/json; charset=utf-16',
  'multipart/form-data; boundary=x',
  '*/*',
);
const hex = fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 0, maxLength: 64 });
/** Signature headers that are never valid: no secret is used to make them. */
const forgedSignatures = fc.record(
  {
    'x-hub-signature-256': fc.oneof(
      hex.map((x) => `sha256=${x}`),
      printable,
    ),
    'x-twitter-webhooks-signature': fc.oneof(
      printable.map((x) => `sha256=${x}`),
      printable,
    ),
    'tiktok-signature': fc.oneof(
      fc.tuple(fc.integer(), hex).map(([t, s]) => `t=${t},s=${s}`),
      fc.constant(`t=${Math.floor(Date.now() / 1000)},s=${'0'.repeat(64)}`),
      printable,
    ),
  },
  { requiredKeys: [] },
);
const badAuth = fc.oneof(
  fc.constant(undefined),
  printable.map((t) => `Bearer ${t}`),
  fc.constantFrom(
    'Bearer',
    'Bearer  ',
    'Basic YWRtaW46YWRtaW4=',
    `bearer ${ADMIN_KEY}x`,
    `Bearer ${ADMIN_KEY.slice(0, -1)}`,
  ),
  // Well-formed but unsigned JWTs for the owner (alg none), and garbage JWT-looking tokens.
  fc.constant(`Bearer ${fakeJwt(USER)}`),
  fc
    .tuple(printable, printable)
    .map(
      ([a, b]) =>
        `Bearer ey${Buffer.from(a).toString('base64url')}.${Buffer.from(b).toString('base64url')}.x`,
    ),
);
const extraHeaders = fc.record(
  {
    cookie: fc.oneof(printable, fc.constant(`socialsync_oauth_tiktok=${'A'.repeat(43)}`)),
    'x-forwarded-for': fc.constantFrom('1.2.3.4', '::1', 'garbage'),
    'content-length-ish': printable,
    accept: fc.constantFrom('application/json', 'text/html', '*/*', 'garbage'),
  },
  { requiredKeys: [] },
);

function fakeJwt(uid: string): string {
  const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return `${enc({ alg: 'none', typ: 'JWT' })}.${enc({ sub: uid, user_id: uid, aud: 'someone-else', iss: 'https://securetoken.google.com/someone-else', iat: now, exp: now + 3600, auth_time: now })}.`;
}

interface Req {
  method: 'GET' | 'POST' | 'DELETE' | 'PUT';
  path: string;
  headers: Record<string, string | undefined>;
  body?: string;
  why: string;
}

const webhookRequest: fc.Arbitrary<Req> = fc
  .record({
    platform: fc.constantFrom(...PLATFORMS),
    method: fc.constantFrom('GET', 'POST', 'PUT') as fc.Arbitrary<Req['method']>,
    query: rawQuery,
    body,
    contentType,
    signatures: forgedSignatures,
    extra: extraHeaders,
  })
  .map((r) => ({
    method: r.method,
    path: `/webhooks/${r.platform}${r.query ? `?${r.query}` : ''}`,
    headers: { 'content-type': r.contentType, ...r.signatures, ...r.extra },
    body: r.method === 'GET' ? undefined : r.body,
    why: 'forged or missing webhook signature',
  }));

const managementSuffix = fc.constantFrom('', '/sync', '/sync/', '/../sync', '/x');

const unauthenticated: fc.Arbitrary<Req> = fc
  .record({
    method: fc.constantFrom('GET', 'POST', 'DELETE', 'PUT') as fc.Arbitrary<Req['method']>,
    userId: segment,
    platform: segment,
    suffix: managementSuffix,
    query: rawQuery,
    body,
    contentType,
    auth: badAuth,
    extra: extraHeaders,
  })
  .map((r) => ({
    method: r.method,
    path: `/api/users/${r.userId}/connections/${r.platform}${r.suffix}${r.query ? `?${r.query}` : ''}`,
    headers: { authorization: r.auth, 'content-type': r.contentType, ...r.extra },
    body: r.method === 'GET' ? undefined : r.body,
    why: 'bad or missing credentials',
  }));

const adminBadPath: fc.Arbitrary<Req> = fc
  .record({
    method: fc.constantFrom('GET', 'POST', 'DELETE') as fc.Arbitrary<Req['method']>,
    target: fc.oneof(
      fc.tuple(badUserId, fc.constantFrom(...PLATFORMS)),
      fc.tuple(fc.constantFrom(USER, 'someone'), badPlatform),
    ),
    suffix: fc.constantFrom('', '/sync'),
    query: rawQuery,
    body,
    contentType,
  })
  .map((r) => ({
    method: r.method,
    path: `/api/users/${r.target[0]}/connections/${r.target[1]}${r.suffix}${r.query ? `?${r.query}` : ''}`,
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': r.contentType },
    body: r.method === 'GET' ? undefined : r.body,
    why: 'admin key, invalid path parameter',
  }));

/** A body no write route accepts: not JSON, not an object, or an object with a key the strict schemas refuse. */
const refusedBody = fc.oneof(
  fc.constantFrom(
    '{',
    'null',
    '[]',
    '"x"',
    '1',
    'true',
    '{"mode":"nuke"}',
    '{"bindBrowser":"no"}',
    '{"mode":"manual","x":1}',
  ),
  fc
    .dictionary(
      printable.filter((k) => k !== 'mode' && k !== 'bindBrowser'),
      fc.jsonValue({ maxDepth: 2 }),
      { minKeys: 1, maxKeys: 4 },
    )
    .map((o) => JSON.stringify(o)),
  fc.string({ minLength: 1, maxLength: 100 }).filter((s) => {
    try {
      const v = JSON.parse(s) as unknown;
      return typeof v !== 'object' || v === null || Array.isArray(v);
    } catch {
      return true;
    }
  }),
);

const adminRefusedWrite: fc.Arbitrary<Req> = fc
  .record({
    platform: fc.constantFrom(...PLATFORMS),
    userId: fc.constantFrom(USER, 'someone-else'),
    sync: fc.boolean(),
    query: fc.oneof(
      fc.constant(''),
      rawQuery.filter((q) => !/(^|&)wait=/.test(q)),
    ),
    body: refusedBody,
  })
  .map((r) => ({
    method: 'POST' as const,
    path: `/api/users/${r.userId}/connections/${r.platform}${r.sync ? '/sync' : ''}${r.query ? `?${r.query}` : ''}`,
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
    body: r.body,
    why: 'admin key, body the schema refuses',
  }));

const adminBadWaitQuery: fc.Arbitrary<Req> = fc
  .record({
    platform: fc.constantFrom(...PLATFORMS),
    wait: fc.oneof(printable, nasty).filter((w) => w !== 'true' && w !== 'false'),
  })
  .map((r) => ({
    method: 'POST' as const,
    path: `/api/users/${USER}/connections/${r.platform}/sync?wait=${encodeURIComponent(r.wait)}`,
    headers: { authorization: `Bearer ${ADMIN_KEY}` },
    why: 'admin key, invalid wait query',
  }));

const callback: fc.Arbitrary<Req> = fc
  .record({
    platform: fc.oneof(fc.constantFrom(...PLATFORMS), segment),
    query: rawQuery,
    state: fc.oneof(
      printable,
      fc.string({ unit: fc.constantFrom(...'ABCxyz019_-'), minLength: 43, maxLength: 43 }),
    ),
    code: printable,
    extra: extraHeaders,
  })
  .map((r) => ({
    method: 'GET' as const,
    path: `/oauth/${r.platform}/callback?state=${encodeURIComponent(r.state)}&code=${encodeURIComponent(r.code)}${r.query ? `&${r.query}` : ''}`,
    headers: { ...r.extra },
    why: 'unknown OAuth state',
  }));

const anyBadRequest = fc.oneof(
  { arbitrary: webhookRequest, weight: 4 },
  { arbitrary: unauthenticated, weight: 3 },
  { arbitrary: adminBadPath, weight: 2 },
  { arbitrary: adminRefusedWrite, weight: 2 },
  { arbitrary: adminBadWaitQuery, weight: 1 },
  { arbitrary: callback, weight: 2 },
);

test(`bad input changes nothing: ${RUNS} generated requests against every webhook and management route`, async () => {
  process.stdout.write(`bad-input: ${RUNS} runs, seed ${SEED} (replay with BAD_INPUT_SEED=${SEED})\n`);
  const before = await snapshot(h.firestore.db);
  const temporalBefore = await temporalState();
  const statuses = new Map<number, number>();
  let unsendable = 0;

  await fc.assert(
    fc.asyncProperty(anyBadRequest, async (req) => {
      const headers = Object.fromEntries(
        Object.entries(req.headers).filter((e): e is [string, string] => e[1] !== undefined),
      );
      let res: Response;
      try {
        res = await fetch(`${server.url}${req.path}`, { method: req.method, headers, body: req.body });
      } catch (err) {
        // fetch itself refused to send it (an invalid header value or URL): nothing reached the service.
        if (err instanceof TypeError && !/fetch failed/.test(err.message)) {
          unsendable++;
          return;
        }
        throw err;
      }
      const text = await res.text();
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (res.status >= 500)
        throw new Error(
          `${req.method} ${req.path} (${req.why}) answered ${res.status}: ${text.slice(0, 200)}`,
        );
      for (const secret of secrets) {
        if (text.includes(secret)) throw new Error(`${req.method} ${req.path} leaked a secret`);
      }
    }),
    { numRuns: RUNS, seed: SEED, endOnFailure: true },
  );

  // Let any write or signal a request might have caused become visible before comparing.
  await new Promise((r) => setTimeout(r, 1_000));
  const after = await snapshot(h.firestore.db);
  expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
  for (const [path, data] of before) expect({ path, data: after.get(path) }).toEqual({ path, data });
  expect(await temporalState()).toEqual(temporalBefore);
  process.stdout.write(
    `bad-input: statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}, not sendable by fetch ${unsendable}\n`,
  );
  expect([...statuses.keys()].every((s) => s < 500)).toBe(true);
  expect(statuses.size).toBeGreaterThan(3);
});
