/**
 * The users page: every user with a connection, one row each with the platforms' status chips, the last sync and
 * the item counts. Connections that need attention (`needs_reauth`, `error`) come first and are highlighted: a
 * "Needs attention" list from its own query on the first page, and problem rows first within every page.
 */
import { PLATFORM_IDS, type ConnectionStatusName } from '../../domain';
import { escapeHtml, platformName } from '../oauth-page';
import { PROBLEM_STATUSES, type ConnectionRow, type UserRow } from './dashboard-reader';
import { number, page, when } from './render';

export interface UsersView {
  users: UserRow[];
  /** The id prefix searched for. */
  prefix?: string;
  /** The cursor this page started after (absent on the first page). */
  after?: string;
  next?: string;
  /** First page only: connections in trouble, from their own query. */
  attention?: (ConnectionRow & { userId: string })[];
  /** The attention query was cut at this many. */
  attentionLimit?: number;
  /** Why the attention list could not be read (e.g. its index is missing). */
  attentionError?: string;
}

const isProblem = (status: ConnectionStatusName) => PROBLEM_STATUSES.includes(status);
const userHref = (userId: string) => `/ui/users/${encodeURIComponent(userId)}`;
const label = (status: string) => status.replace('_', ' ');

function chip(userId: string, c: ConnectionRow | undefined, platform: (typeof PLATFORM_IDS)[number]): string {
  const status = c?.status ?? 'not_connected';
  const items = c ? Object.values(c.counts).reduce((n, v) => n + (v ?? 0), 0) : undefined;
  const text = `${platformName(platform)}: ${label(status)}${items !== undefined ? ` · ${number(items)} items` : ''}`;
  const title = c?.error ? ` title="${escapeHtml(c.error)}"` : '';
  const inner = `<span class="status status-${escapeHtml(status)}" data-platform="${platform}" data-status="${escapeHtml(status)}"${title}>${escapeHtml(text)}</span>`;
  return c ? `<a href="${userHref(userId)}/platforms/${platform}">${inner}</a>` : inner;
}

function row(user: UserRow): string {
  const byPlatform = new Map(user.connections.map((c) => [c.platform, c]));
  const problem = user.connections.some((c) => isProblem(c.status));
  const last = user.connections
    .map((c) => c.lastSync)
    .filter((d): d is Date => d !== null)
    .sort((a, b) => b.getTime() - a.getTime())[0];
  // The platforms in trouble first within the row as well.
  const platforms = [...PLATFORM_IDS].sort(
    (a, b) =>
      Number(isProblem(byPlatform.get(b)?.status ?? 'active')) -
      Number(isProblem(byPlatform.get(a)?.status ?? 'active')),
  );
  return `<li class="user-row${problem ? ' problem' : ''}" data-user="${escapeHtml(user.userId)}"${problem ? ' data-problem="true"' : ''}>
<a class="uid" href="${userHref(user.userId)}">${escapeHtml(user.userId)}</a>
${platforms.map((p) => chip(user.userId, byPlatform.get(p), p)).join(' ')}
<span class="muted" data-field="lastSync">last sync ${escapeHtml(when(last?.toISOString()))}</span></li>`;
}

export function renderUsers(view: UsersView): string {
  const query = (params: Record<string, string | undefined>) => {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
    const s = q.toString();
    return s ? `?${s}` : '';
  };
  // Problem rows first; otherwise id order (the order of the pages).
  const users = [...view.users].sort(
    (a, b) =>
      Number(b.connections.some((c) => isProblem(c.status))) -
      Number(a.connections.some((c) => isProblem(c.status))),
  );
  const attention = view.attention?.length
    ? `<section class="panel" data-section="attention"><h2>Needs attention</h2><ul class="users">${view.attention
        .map(
          (c) =>
            `<li class="user-row problem" data-user="${escapeHtml(c.userId)}"><a class="uid" href="${userHref(c.userId)}/platforms/${c.platform}">${escapeHtml(c.userId)}</a> ${chip(c.userId, c, c.platform)}${c.error ? ` <span class="muted">${escapeHtml(c.error)}</span>` : ''}</li>`,
        )
        .join('')}</ul>${
        view.attentionLimit && view.attention.length >= view.attentionLimit
          ? `<p class="muted">The first ${view.attentionLimit} are shown.</p>`
          : ''
      }</section>`
    : view.attentionError
      ? `<p class="notice error" data-section="attention">The list of connections that need attention could not be read (${escapeHtml(view.attentionError)}); problem users are still highlighted below.</p>`
      : '';
  const list = users.length
    ? `<ul class="users" data-section="users">${users.map(row).join('\n')}</ul>`
    : `<p class="muted" data-section="users">${view.after ? 'No more users.' : view.prefix ? `No user id starts with “${escapeHtml(view.prefix)}”.` : 'No user has connected an account yet.'}</p>`;
  const nav = [
    view.after ? `<a href="/ui/users${query({ q: view.prefix })}">First page</a>` : '',
    view.next
      ? `<a href="/ui/users${query({ q: view.prefix, after: view.next })}" rel="next">Next page</a>`
      : '',
  ]
    .filter(Boolean)
    .join(' · ');
  const body = `<header><h1>socialsync · users</h1>
<div><form method="get" action="/ui/users" role="search"><input name="q" aria-label="User id starts with" placeholder="user id starts with" value="${escapeHtml(view.prefix ?? '')}"> <button type="submit">Search</button></form>
<form method="post" action="/ui/logout"><button type="submit">Log out</button></form></div></header>
${attention}
<section class="panel"><h2>${view.prefix ? `Users whose id starts with “${escapeHtml(view.prefix)}”` : 'All users'}</h2>
${list}
${nav ? `<nav class="crumbs" aria-label="Pages">${nav}</nav>` : ''}</section>
<p class="muted">From Firestore (users/{userId}/platforms/{platform}), in user id order; connections that need attention first.</p>`;
  return page({ title: 'Users', body });
}
