/**
 * Server-rendered HTML of the dashboard: pure functions from view models to strings, no script (the page's
 * Content-Security-Policy forbids it). Every dynamic value goes through `escapeHtml`. While a connection is
 * connecting or syncing, the page refreshes itself every few seconds with a meta refresh.
 */
import type { PlatformId, Profile } from '../../platforms/types';
import { escapeHtml, platformName } from '../oauth-page';
import type { StoredItemView } from './top-items';
import type { ConnectionStatus } from '../../domain';
import { CHART_STYLE } from './charts/svg';

export interface PlatformCard {
  platform: PlatformId;
  /** The deployment serves this platform (its connector is configured). */
  available: boolean;
  status?: ConnectionStatus;
  profile?: Profile;
  topItems: StoredItemView[];
}

export interface DashboardView {
  userId: string;
  cards: PlatformCard[];
  notice?: { kind: 'info' | 'error'; text: string };
  /** Seconds until the page reloads itself; absent when nothing is in progress. */
  refreshSeconds?: number;
}

const STYLE = `body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
header{display:flex;justify-content:space-between;align-items:center;gap:1rem;flex-wrap:wrap}
h1{font-size:1.5rem;margin:0}.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(17rem,1fr));gap:1rem;margin-top:1.5rem}
.card{border:1px solid #ddd;border-radius:.5rem;padding:1rem}.card h2{font-size:1.15rem;margin:0 0 .5rem}
.status{display:inline-block;padding:.1rem .5rem;border-radius:1rem;font-size:.85rem;background:#eee}
.status-active{background:#dafbe1;color:#1a7f37}.status-syncing,.status-connecting{background:#fff8c5;color:#7d4e00}
.status-needs_reauth,.status-error{background:#ffebe9;color:#b42318}
dl{display:grid;grid-template-columns:auto 1fr;gap:.2rem .8rem;margin:.8rem 0}dt{color:#666}dd{margin:0}
ol{padding-left:1.2rem;margin:.3rem 0}li{margin:.3rem 0}.muted{color:#666;font-size:.85rem}
.notice{padding:.6rem 1rem;border-radius:.4rem;background:#ddf4ff;margin-top:1rem}.notice.error{background:#ffebe9}
form{display:inline}button{font:inherit;padding:.35rem .8rem;border-radius:.4rem;border:1px solid #888;background:#fafafa;cursor:pointer}
button.primary{background:#0969da;color:#fff;border-color:#0969da}
nav.crumbs{font-size:.9rem;margin:.3rem 0 0}nav.crumbs a+a::before{content:'› ';color:#666;padding:0 .3rem}.tabs a{margin-right:.8rem}.tabs a[aria-current]{font-weight:700;text-decoration:none;color:#222}
.users{list-style:none;padding:0;margin:1rem 0}.user-row{display:flex;flex-wrap:wrap;gap:.3rem .8rem;align-items:center;padding:.6rem .7rem;border-bottom:1px solid #eee}
.user-row .uid{font-weight:600;min-width:8rem}.user-row.problem{background:#fff5f4;border-left:4px solid #b42318}
.status-disconnected,.status-not_connected{background:#f0f0f0;color:#666}section.panel{margin:1.5rem 0}section.panel h2{font-size:1.2rem;margin:0 0 .4rem}
.history{overflow-x:auto}.history tr.failed td,.history tr.failed th{color:#b42318}input{font:inherit;padding:.3rem .5rem}
${CHART_STYLE}`;

export function page(opts: { title: string; body: string; refreshSeconds?: number }): string {
  const refresh = opts.refreshSeconds ? `\n<meta http-equiv="refresh" content="${opts.refreshSeconds}">` : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">${refresh}
<title>${escapeHtml(opts.title)} · socialsync</title>
<style>${STYLE}</style>
</head>
<body>
${opts.body}
</body>
</html>
`;
}

export const number = (n: number | undefined): string => (n === undefined ? '—' : n.toLocaleString('en-US'));

export function when(iso: string | null | undefined): string {
  if (!iso) return 'never';
  return `${iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}`;
}

function itemLine(item: StoredItemView): string {
  const text = item.text.length > 80 ? `${item.text.slice(0, 77)}…` : item.text;
  const metrics = Object.entries(item.metrics)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, value]) => `${escapeHtml(name)} ${number(value)}`)
    .join(' · ');
  return `<li data-item="${escapeHtml(item.id)}">${escapeHtml(text || '(no text)')}<br><span class="muted">${metrics}</span></li>`;
}

function card(userId: string, c: PlatformCard): string {
  const name = platformName(c.platform);
  const base = `/ui/users/${encodeURIComponent(userId)}`;
  if (!c.available) {
    return `<section class="card" data-platform="${c.platform}"><h2>${name}</h2><p class="muted">Not configured in this deployment.</p></section>`;
  }
  const status = c.status;
  const connected = status !== undefined && status.status !== 'disconnected';
  const statusName = status?.status ?? 'not connected';
  const connectLabel = connected ? `Reconnect ${name}` : `Connect ${name}`;
  const parts = [
    `<h2>${name}</h2>`,
    `<span class="status status-${escapeHtml(statusName.replace(' ', '_'))}" data-field="status">${escapeHtml(statusName)}</span>`,
  ];
  if (status?.error) parts.push(`<p class="muted" data-field="error">${escapeHtml(status.error)}</p>`);
  if (connected) {
    const p = c.profile;
    parts.push(`<dl>
<dt>Account</dt><dd data-field="username">${p ? `@${escapeHtml(p.username)}` : '—'}</dd>
<dt>Followers</dt><dd data-field="followers">${number(p?.followers)}</dd>
<dt>Following</dt><dd data-field="following">${number(p?.following)}</dd>
<dt>Posts</dt><dd data-field="postCount">${number(p?.postCount)}</dd>
<dt>Last sync</dt><dd data-field="lastSync">${escapeHtml(when(status.lastSync))}${status.lastSyncMode ? ` (${escapeHtml(status.lastSyncMode)})` : ''}</dd>
<dt>Next sync</dt><dd data-field="nextSyncAt">${escapeHtml(when(status.nextSyncAt))}</dd>
</dl>`);
    parts.push(
      c.topItems.length
        ? `<h3>Top posts</h3><ol data-field="topItems">${c.topItems.map(itemLine).join('')}</ol>`
        : `<p class="muted" data-field="topItems">No posts stored yet.</p>`,
    );
    parts.push(
      `<p><a href="${base}/platforms/${c.platform}" data-field="details">Trends, engagement, audience and sync history</a></p>`,
    );
    parts.push(
      `<form method="post" action="${base}/sync/${c.platform}"><button class="primary" type="submit">Sync now</button></form> `,
    );
  }
  parts.push(
    `<form method="post" action="${base}/connect/${c.platform}"><button type="submit">${connectLabel}</button></form>`,
  );
  return `<section class="card" data-platform="${c.platform}">${parts.join('\n')}</section>`;
}

export function renderDashboard(view: DashboardView): string {
  const notice = view.notice
    ? `<p class="notice${view.notice.kind === 'error' ? ' error' : ''}" role="status">${escapeHtml(view.notice.text)}</p>`
    : '';
  const body = `<header><h1>socialsync · ${escapeHtml(view.userId)}</h1>
<div><form method="get" action="/ui/users"><input name="user" aria-label="User id" placeholder="user id" required> <button type="submit">Open user</button></form>
<form method="post" action="/ui/logout"><button type="submit">Log out</button></form></div></header>
<nav class="crumbs" aria-label="Breadcrumb"><a href="/ui/users">All users</a></nav>
${notice}
<div class="cards">
${view.cards.map((c) => card(view.userId, c)).join('\n')}
</div>
<p class="muted">Data as stored in Firestore${view.refreshSeconds ? `; refreshing every ${view.refreshSeconds} s while a sync runs` : ''}.</p>`;
  return page({ title: view.userId, body, refreshSeconds: view.refreshSeconds });
}

export function renderLogin(opts: { error?: string; configured: boolean }): string {
  const error = opts.error ? `<p class="notice error" role="alert">${escapeHtml(opts.error)}</p>` : '';
  const form = opts.configured
    ? `<form method="post" action="/ui/login"><p><label>Admin API key<br><input type="password" name="key" autocomplete="current-password" required size="40"></label></p>
<p><button class="primary" type="submit">Log in</button></p></form>`
    : `<p>The dashboard is disabled: this deployment has no ADMIN_API_KEY.</p>`;
  return page({
    title: 'Log in',
    body: `<h1>socialsync</h1>\n<p>Enter the admin API key (<code>npm start</code> prints it, and keeps it in the data directory).</p>\n${error}${form}`,
  });
}
