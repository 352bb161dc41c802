import type { ConnectionRow, UserRow } from './dashboard-reader';
import { renderPlatformPage, type PlatformPageView } from './platform-view';
import { renderUsers } from './users-view';

const conn = (
  platform: ConnectionRow['platform'],
  status: ConnectionRow['status'],
  extra: Partial<ConnectionRow> = {},
): ConnectionRow => ({
  platform,
  status,
  lastSync: new Date('2026-12-03T10:00:00Z'),
  lastSyncMode: 'scheduled',
  counts: { tweets: 3 },
  ...extra,
});

describe('renderUsers', () => {
  const users: UserRow[] = [
    { userId: 'alice', connections: [conn('twitter', 'active')] },
    {
      userId: 'bob<',
      connections: [conn('instagram', 'active'), conn('twitter', 'needs_reauth', { error: 'revoked' })],
    },
  ];

  test('problem users first and highlighted, problem platforms first in the row, counts and last sync', () => {
    const html = renderUsers({
      users,
      next: 'bob<',
      attention: [{ userId: 'bob<', ...conn('twitter', 'needs_reauth') }],
    });
    const rows = [...html.matchAll(/<li class="user-row( problem)?" data-user="([^"]+)"/g)].map((m) => [
      m[2],
      Boolean(m[1]),
    ]);
    // The attention list, then the page: bob (problem) before alice.
    expect(rows).toEqual([
      ['bob&#60;', true],
      ['bob&#60;', true],
      ['alice', false],
    ]);
    const bobRow = html.slice(html.indexOf('data-section="users"'));
    expect(bobRow.indexOf('data-status="needs_reauth"')).toBeLessThan(
      bobRow.indexOf('data-platform="instagram" data-status="active"'),
    );
    expect(html).toContain('X: needs reauth · 3 items');
    expect(html).toContain('title="revoked"');
    expect(html).toContain('TikTok: not connected');
    expect(html).toContain('last sync 2026-12-03 10:00:00Z');
    expect(html).toContain('href="/ui/users?after=bob%3C" rel="next"');
    expect(html).not.toContain('First page');
  });

  test('an attention query that failed (missing index) is named, the users still listed', () => {
    const html = renderUsers({ users, attentionError: '9 FAILED_PRECONDITION: The query requires an index' });
    expect(html).toContain('could not be read (9 FAILED_PRECONDITION: The query requires an index)');
    expect(html).toContain('data-user="alice"');
  });

  test('search keeps its prefix in the links; an empty result says so', () => {
    expect(renderUsers({ users: [], prefix: 'zz' })).toContain('No user id starts with “zz”.');
    const html = renderUsers({ users: [], prefix: 'zz', after: 'zy' });
    expect(html).toContain('No more users.');
    expect(html).toContain('value="zz"');
    expect(html).toContain('<a href="/ui/users?q=zz">First page</a>');
  });
});

describe('renderPlatformPage', () => {
  const base: PlatformPageView = {
    userId: 'demo',
    platform: 'tiktok',
    status: {
      status: 'active',
      lastSync: '2026-12-03T10:00:00.000Z',
      lastSyncMode: 'initial',
      nextSyncAt: null,
      counts: { videos: 2 },
    },
    profile: { username: 'dancer', displayName: null, followers: 1200 },
    days: [],
    items: [
      {
        id: 'v2',
        kind: 'videos',
        text: 'newest',
        createdAt: new Date('2026-12-02T00:00:00Z'),
        metrics: { likes: 5, views: 100 },
        attributes: {},
      },
      {
        id: 'v1',
        kind: 'videos',
        text: 'older',
        createdAt: new Date('2026-12-01T00:00:00Z'),
        metrics: { likes: 1, comments: 1 },
        attributes: {},
      },
    ],
    history: { runs: [], unavailable: ['sync summaries (no worker)'] },
  };

  test('a connection without audience or daily insights renders with every section and says what is missing', () => {
    const html = renderPlatformPage(base);
    for (const section of ['summary', 'trends', 'engagement', 'audience', 'history', 'unavailable'])
      expect(html).toContain(`data-section="${section}"`);
    expect(html).toContain('data-chart="trend-followers" data-empty="true"');
    expect(html).toContain('No daily insights stored for TikTok.');
    expect(html).toContain('data-chart="engagement" data-bars="2"');
    expect(html.indexOf('newest')).toBeLessThan(html.indexOf('older'));
    expect(html).toContain('https://www.tiktok.com/@dancer/video/v2');
    expect(html).toContain('of 100 views · 5.0 %');
    expect(html).toContain('No audience breakdown stored for TikTok.');
    expect(html).toContain('Trending sounds');
    expect(html).toContain('Sync history is partly unavailable: sync summaries (no worker)');
    expect(html).toContain('Set TEMPORAL_UI_URL');
    expect(html).toContain('aria-current="page">TikTok</a>');
  });

  test('X: cost columns when summaries carry them, failed runs marked, refused metrics listed, Temporal links', () => {
    const html = renderPlatformPage({
      ...base,
      platform: 'twitter',
      unavailable: { non_public_metrics: 'older than 30 days' },
      history: {
        unavailable: [],
        error: null,
        runs: [
          {
            workflowId: 'sync:demo:twitter:manual:2',
            mode: 'manual',
            status: 'COMPLETED',
            startedAt: new Date('2026-12-03T10:00:00Z'),
            closedAt: new Date('2026-12-03T10:00:02Z'),
            summary: {
              workflowId: 'sync:demo:twitter:manual:2',
              runId: 'r',
              userId: 'demo',
              platform: 'twitter',
              mode: 'manual',
              itemsWritten: 7,
              itemsDeleted: 1,
              calls: 2,
              durationMs: 1500,
              pending: 0,
              reads: { posts: 7, users: 1 },
              estimatedCostUsd: 0.0375,
            },
          },
          {
            workflowId: 'sync:demo:twitter:scheduled:1',
            mode: 'scheduled',
            status: 'FAILED',
            startedAt: new Date('2026-12-03T09:00:00Z'),
            closedAt: null,
          },
        ],
      },
      temporal: {
        userRuns: 'http://ui/u',
        connectionRuns: 'http://ui/c',
        failedRuns: 'http://ui/f',
        schedule: 'http://ui/s',
      },
    });
    expect(html).toContain('<th scope="col">Estimated cost</th>');
    expect(html).toContain('<td>7 posts · 1 users</td><td>$0.0375</td>');
    expect(html).toContain('estimated cost of these: $0.0375');
    expect(html).toContain('<td>7 (−1)</td>');
    expect(html).toContain('<td>1.5 s</td>');
    expect(html).toContain('data-run="sync:demo:twitter:scheduled:1" class="failed"');
    expect(html).toContain(
      '<strong>non_public_metrics</strong>: refused by X for this account — older than 30 days',
    );
    expect(html).toContain('X API v2 has no audience endpoint');
    expect(html).toContain('<a href="http://ui/s">schedule</a>');
    expect(html).toContain('https://x.com/i/web/status/v2');
  });
});
