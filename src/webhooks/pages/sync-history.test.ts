import type { SyncSummary } from '../../domain';
import { mergeRuns, syncRunsQuery, visibilityLiteral, type SyncRun } from './sync-history';
import { temporalUiLinks } from './temporal-ui';

const summary = (n: number, extra: Partial<SyncSummary> = {}): SyncSummary => ({
  workflowId: `sync:u:twitter:manual:${n}`,
  runId: `r${n}`,
  userId: 'u',
  platform: 'twitter',
  mode: 'manual',
  itemsWritten: n,
  itemsDeleted: 0,
  calls: 1,
  durationMs: 100,
  pending: 0,
  ...extra,
});
const listed = (n: number, status: string, startedAt: string): SyncRun => ({
  workflowId: `sync:u:twitter:manual:${n}`,
  mode: 'manual',
  status,
  startedAt: new Date(startedAt),
  closedAt: null,
});

describe('mergeRuns', () => {
  test('listed runs get their summaries, failed runs stay, unlisted summaries follow, newest first', () => {
    const runs = mergeRuns(
      [listed(2, 'FAILED', '2026-12-03T10:00:00Z'), listed(3, 'COMPLETED', '2026-12-03T11:00:00Z')],
      [summary(3, { estimatedCostUsd: 0.01 }), summary(1)],
    );
    expect(runs.map((r) => [r.workflowId.at(-1), r.status, r.summary?.itemsWritten])).toEqual([
      ['3', 'COMPLETED', 3],
      ['2', 'FAILED', undefined],
      ['1', null, 1],
    ]);
    expect(runs[0]!.summary?.estimatedCostUsd).toBe(0.01);
  });

  test('is cut at the limit', () => {
    expect(mergeRuns([], [summary(1), summary(2), summary(3)], 2)).toHaveLength(2);
  });
});

describe('visibility queries and Temporal UI links', () => {
  test('ids with quotes or backslashes are never put into a query', () => {
    expect(visibilityLiteral('demo')).toBe('"demo"');
    expect(visibilityLiteral('a"b')).toBeUndefined();
    expect(visibilityLiteral('a\\b')).toBeUndefined();
    expect(syncRunsQuery({ userId: 'demo', platform: 'tiktok' })).toBe(
      'WorkflowType = "syncWorkflow" AND UserId = "demo" AND Platform = "tiktok"',
    );
    expect(
      temporalUiLinks({ url: 'http://ui', namespace: 'default' }, { userId: "o'x", platform: 'x' as never }),
    ).toBeUndefined();
  });

  test('workflow list filtered by UserId, and the schedule sync:{userId}:{platform}', () => {
    const links = temporalUiLinks(
      { url: 'http://127.0.0.1:8233/', namespace: 'default' },
      { userId: 'demo', platform: 'twitter' },
    )!;
    expect(links.userRuns).toBe(
      'http://127.0.0.1:8233/namespaces/default/workflows?query=UserId%3D%22demo%22',
    );
    expect(links.connectionRuns).toBe(
      'http://127.0.0.1:8233/namespaces/default/workflows?query=UserId%3D%22demo%22%20AND%20Platform%3D%22twitter%22',
    );
    expect(decodeURIComponent(links.failedRuns.split('query=')[1]!)).toBe(
      'UserId="demo" AND Platform="twitter" AND ExecutionStatus="Failed"',
    );
    expect(links.schedule).toBe('http://127.0.0.1:8233/namespaces/default/schedules/sync%3Ademo%3Atwitter');
  });
});
