/**
 * The small page a user sees after the platform redirects back. Plain HTML, no script (helmet's CSP forbids it
 * anyway); every dynamic value is escaped.
 */
import type { Request, Response } from 'express';
import { displayName } from '../platforms/registry';

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** How people know the platform ("X"), from its descriptor; anything else is shown as it came. */
export function platformName(platform: string): string {
  return displayName(platform);
}

export function renderCallbackPage(opts: { ok: boolean; platform: string; message: string }): string {
  const title = opts.ok
    ? `${platformName(opts.platform)} connected`
    : `Could not connect ${platformName(opts.platform)}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · socialsync</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#222}
h1{font-size:1.4rem}.ok{color:#1a7f37}.err{color:#b42318}</style>
</head>
<body>
<h1 class="${opts.ok ? 'ok' : 'err'}">${escapeHtml(title)}</h1>
<p>${escapeHtml(opts.message)}</p>
<p>You can close this window.</p>
</body>
</html>
`;
}

/**
 * The answer of an OAuth callback: JSON for API callers, else the page above. Never cached (the URL held a
 * single-use code).
 */
export function sendCallbackResult(
  req: Request,
  res: Response,
  status: number,
  body: { json: object; message: string; failed?: boolean; platform: string },
): void {
  res.set('Cache-Control', 'no-store');
  if (req.accepts(['html', 'json']) === 'json') {
    res.status(status).json(body.json);
    return;
  }
  res
    .status(status)
    .type('html')
    .send(renderCallbackPage({ ok: !body.failed, platform: body.platform, message: body.message }));
}
