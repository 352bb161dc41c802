/**
 * One connection drawn: trends of the stored daily insights, engagement of the recent posts, audience breakdowns,
 * the sync history (with X's estimated cost), what is unavailable and why, and links into the Temporal UI.
 * Pure: view model in, HTML out; every chart is inline SVG (charts/svg.ts).
 */
import { PLATFORM_IDS, type ConnectionStatus, type PlatformId } from '../../domain';
import type { Audience, Profile } from '../../platforms/types';
import { escapeHtml, platformName } from '../oauth-page';
import { barChart, lineChart } from './charts/svg';
import { formatDay } from './charts/scale';
import type { DailyInsightRow, RecentItem } from './dashboard-reader';
import { audienceBars, missingFeatures, postEngagement, postUrl, trendsOf } from './platform-facts';
import { number, page, when } from './render';
import type { SyncHistory, SyncRun } from './sync-history';
import type { TemporalUiLinks } from './temporal-ui';

export interface PlatformPageView {
  userId: string;
  platform: PlatformId;
  /** Absent: never connected. */
  status?: ConnectionStatus;
  profile?: Profile;
  audience?: Audience;
  unavailable?: Record<string, string>;
  webhooks?: { subscribed: boolean; error?: string | null };
  days: DailyInsightRow[];
  items: RecentItem[];
  history: SyncHistory;
  /** Absent when the deployment does not know its Temporal UI. */
  temporal?: TemporalUiLinks;
  refreshSeconds?: number;
}

const fmtUsd = (usd: number) => `$${usd < 1 ? usd.toFixed(4) : usd.toFixed(2)}`;

function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

function postLabel(item: RecentItem): string {
  const day = item.createdAt ? formatDay(item.createdAt.toISOString().slice(0, 10), true) : 'undated';
  const text = item.text.replace(/\s+/g, ' ').trim();
  return `${day} · ${text ? (text.length > 34 ? `${text.slice(0, 33)}…` : text) : item.id}`;
}

function historyRow(run: SyncRun, showCost: boolean): string {
  const s = run.summary;
  const failed = run.status !== null && run.status !== 'COMPLETED' && run.status !== 'RUNNING';
  const cells = [
    escapeHtml(run.startedAt ? when(run.startedAt.toISOString()) : '—'),
    escapeHtml(run.mode ?? '—'),
    escapeHtml((run.status ?? (s ? 'COMPLETED' : '—')).toLowerCase()),
    s
      ? duration(s.durationMs)
      : run.startedAt && run.closedAt
        ? duration(run.closedAt.getTime() - run.startedAt.getTime())
        : '—',
    s ? `${number(s.itemsWritten)}${s.itemsDeleted ? ` (−${number(s.itemsDeleted)})` : ''}` : '—',
    s ? number(s.calls) : '—',
    s ? number(s.pending) : '—',
    ...(showCost
      ? [
          s?.reads ? `${number(s.reads.posts)} posts · ${number(s.reads.users)} users` : '—',
          s?.estimatedCostUsd !== undefined ? fmtUsd(s.estimatedCostUsd) : '—',
        ]
      : []),
  ];
  return `<tr data-run="${escapeHtml(run.workflowId)}"${failed ? ' class="failed"' : ''}><th scope="row">${cells[0]}</th>${cells
    .slice(1)
    .map((c) => `<td>${c}</td>`)
    .join('')}</tr>`;
}

function historySection(view: PlatformPageView): string {
  const { runs, unavailable, error } = view.history;
  const showCost = runs.some((r) => r.summary?.reads || r.summary?.estimatedCostUsd !== undefined);
  const head = [
    'Started (UTC)',
    'Mode',
    'Result',
    'Duration',
    'Items written',
    'API calls',
    'Pending',
    ...(showCost ? ['Billable reads', 'Estimated cost'] : []),
  ];
  const total = runs.reduce((n, r) => n + (r.summary?.estimatedCostUsd ?? 0), 0);
  const table = runs.length
    ? `<div class="history"><table data-field="syncHistory"><caption>Last ${runs.length} syncs, newest first${showCost ? `; estimated cost of these: ${fmtUsd(total)}` : ''}</caption><thead><tr>${head
        .map((h) => `<th scope="col">${h}</th>`)
        .join(
          '',
        )}</tr></thead><tbody>${runs.map((r) => historyRow(r, showCost)).join('')}</tbody></table></div>`
    : `<p class="muted" data-field="syncHistory">No syncs recorded.</p>`;
  const notes = [
    error ? `<p class="notice error" data-field="workflowError">Current error: ${escapeHtml(error)}</p>` : '',
    unavailable.length
      ? `<p class="muted" data-field="historyUnavailable">Sync history is partly unavailable: ${unavailable.map(escapeHtml).join('; ')}. Firestore says the last sync was ${escapeHtml(when(view.status?.lastSync))}${view.status?.lastSyncMode ? ` (${escapeHtml(view.status.lastSyncMode)})` : ''}.</p>`
      : '',
    view.temporal
      ? `<p class="muted">Failed syncs with their errors: <a href="${escapeHtml(view.temporal.failedRuns)}">failed runs in the Temporal UI</a>.</p>`
      : '',
  ];
  return `<section class="panel" data-section="history"><h2>Sync history</h2>${notes.join('')}${table}</section>`;
}

function unavailableSection(view: PlatformPageView): string {
  const refused = Object.entries(view.unavailable ?? {}).sort(([a], [b]) => a.localeCompare(b));
  const missing = missingFeatures(view.platform, {
    audience: view.audience !== undefined && Object.keys(view.audience).length > 0,
    daily: view.days.length > 0,
  });
  const items = [
    ...refused.map(
      ([what, why]) =>
        `<li data-unavailable="${escapeHtml(what)}"><strong>${escapeHtml(what)}</strong>: refused by ${escapeHtml(platformName(view.platform))} for this account — ${escapeHtml(why)}</li>`,
    ),
    ...missing.map(
      (m) => `<li data-missing><strong>${escapeHtml(m.feature)}</strong>: ${escapeHtml(m.reason)}</li>`,
    ),
    ...(view.webhooks && !view.webhooks.subscribed
      ? [
          `<li><strong>Real-time webhooks</strong>: not subscribed${view.webhooks.error ? ` — ${escapeHtml(view.webhooks.error)}` : ''}; changes arrive with the scheduled sync</li>`,
        ]
      : []),
  ];
  return `<section class="panel" data-section="unavailable"><h2>Unavailable</h2>${
    items.length
      ? `<ul>${items.join('')}</ul>`
      : '<p class="muted">Everything the platform offers is stored.</p>'
  }</section>`;
}

export function renderPlatformPage(view: PlatformPageView): string {
  const name = platformName(view.platform);
  const userBase = `/ui/users/${encodeURIComponent(view.userId)}`;
  const tabs = PLATFORM_IDS.map((p) =>
    p === view.platform
      ? `<a href="${userBase}/platforms/${p}" aria-current="page">${escapeHtml(platformName(p))}</a>`
      : `<a href="${userBase}/platforms/${p}">${escapeHtml(platformName(p))}</a>`,
  ).join('');
  const status = view.status?.status ?? 'not connected';
  const p = view.profile;
  const summary = `<span class="status status-${escapeHtml(status.replace(' ', '_'))}" data-field="status">${escapeHtml(status)}</span>
${view.status?.error ? `<p class="notice error" data-field="error">${escapeHtml(view.status.error)}</p>` : ''}
<dl>
<dt>Account</dt><dd data-field="username">${p ? `@${escapeHtml(p.username)}` : '—'}</dd>
<dt>Followers</dt><dd data-field="followers">${number(p?.followers)}</dd>
<dt>Posts</dt><dd>${number(p?.postCount)}</dd>
<dt>Items stored</dt><dd>${escapeHtml(
    Object.entries(view.status?.counts ?? {})
      .map(([kind, n]) => `${kind} ${number(n)}`)
      .join(' · ') || '—',
  )}</dd>
<dt>Last sync</dt><dd data-field="lastSync">${escapeHtml(when(view.status?.lastSync))}${view.status?.lastSyncMode ? ` (${escapeHtml(view.status.lastSyncMode)})` : ''}</dd>
<dt>Next sync</dt><dd>${escapeHtml(when(view.status?.nextSyncAt))}</dd>
</dl>`;
  const links = view.temporal
    ? `<p data-field="temporalLinks">Temporal UI: <a href="${escapeHtml(view.temporal.userRuns)}">all runs of this user</a> · <a href="${escapeHtml(view.temporal.connectionRuns)}">${escapeHtml(name)} runs</a> · <a href="${escapeHtml(view.temporal.schedule)}">schedule</a></p>`
    : `<p class="muted" data-field="temporalLinks">Set TEMPORAL_UI_URL to link this connection's runs and schedule in the Temporal UI.</p>`;

  const trends = trendsOf(view.days);
  const noDaily =
    view.days.length === 0
      ? `No daily insights stored for ${name}.`
      : 'None of the stored days has this metric.';
  const trendSection = `<section class="panel" data-section="trends"><h2>Trends</h2><div class="grid2">
${lineChart({ id: 'trend-followers', title: trends.followers.title, unit: trends.followers.unit, series: trends.followers.series, emptyText: noDaily })}
${lineChart({ id: 'trend-reach', title: trends.reach.title, unit: trends.reach.unit, series: trends.reach.series, emptyText: noDaily })}</div></section>`;

  const rows = view.items.map((item) => {
    const e = postEngagement(item);
    const note = e.views
      ? `of ${number(e.views.value)} ${e.views.metric}${e.rate !== undefined ? ` · ${(e.rate * 100).toFixed(1)} %` : ''}`
      : undefined;
    return {
      label: postLabel(item),
      href: postUrl(view.platform, item, p?.username),
      segments: e.segments,
      ...(note ? { note } : {}),
    };
  });
  const engagementSection = `<section class="panel" data-section="engagement"><h2>Engagement of recent posts</h2>
${barChart({ id: 'engagement', title: `Last ${rows.length} posts, newest first`, unit: 'interactions', rows, emptyText: 'No posts stored yet.' })}</section>`;

  const audience = audienceBars(view.audience);
  const audienceSection = `<section class="panel" data-section="audience"><h2>Audience</h2>${
    audience.length
      ? `<div class="grid2">${audience
          .map((a) =>
            barChart({
              id: `audience-${a.dimension}`,
              title: a.title,
              unit: a.unit,
              rows: a.rows.map((r) => ({ label: r.label, segments: [{ name: a.title, value: r.value }] })),
              emptyText: '',
            }),
          )
          .join('\n')}</div>`
      : `<p class="muted" data-chart="audience" data-empty="true">No audience breakdown stored for ${escapeHtml(name)}.</p>`
  }</section>`;

  const body = `<header><h1>socialsync · ${escapeHtml(view.userId)} · ${escapeHtml(name)}</h1>
<form method="post" action="/ui/logout"><button type="submit">Log out</button></form></header>
<nav class="crumbs" aria-label="Breadcrumb"><a href="/ui/users">All users</a><a href="${userBase}">${escapeHtml(view.userId)}</a></nav>
<nav class="tabs" aria-label="Platforms">${tabs}</nav>
<section class="panel" data-section="summary">${summary}${links}</section>
${trendSection}
${engagementSection}
${audienceSection}
${historySection(view)}
${unavailableSection(view)}
<p class="muted">Data as stored in Firestore; sync history from the connection workflow in Temporal.</p>`;
  return page({ title: `${view.userId} · ${name}`, body, refreshSeconds: view.refreshSeconds });
}
