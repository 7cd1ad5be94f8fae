// The page shell every dashboard page shares: head, navigation, sign-out, and the live view's version.
import { html, type Html } from './html.ts';
import type { Strings } from './i18n/strings.ts';

export interface PageContext {
  businessName: string;
  csrfToken: string;
  liveVersion: string;
  openMessages: number;
  t: Strings;
}

export type Section = 'today' | 'conversations' | 'messages' | 'customers' | 'appointments' | 'knowledge' | 'try' | 'settings';

const NAV: { section: Section; href: string }[] = [
  { section: 'today', href: '/' },
  { section: 'conversations', href: '/dashboard/conversations' },
  { section: 'messages', href: '/dashboard/messages' },
  { section: 'customers', href: '/dashboard/customers' },
  { section: 'appointments', href: '/dashboard/appointments' },
  { section: 'knowledge', href: '/dashboard/knowledge' },
  { section: 'try', href: '/dashboard/try' },
  { section: 'settings', href: '/dashboard/settings' },
];

function head(title: string): Html {
  return html`<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<link rel="stylesheet" href="/dashboard/static/dashboard.css">
<script src="/dashboard/static/dashboard.js" defer></script>`;
}

export function csrfField(token: string): Html {
  return html`<input type="hidden" name="_csrf" value="${token}">`;
}

export function page(context: PageContext, section: Section, title: string, body: Html): string {
  const nav = NAV.map(
    (item) =>
      html`<a href="${item.href}"${item.section === section ? html` aria-current="page"` : ''}>${context.t.nav[item.section]}${
        item.section === 'messages' ? html` <span class="badge" data-open-messages${context.openMessages === 0 ? html` hidden` : ''}>${context.openMessages}</span>` : ''
      }</a>`,
  );
  return html`<!doctype html>
<html lang="${context.t.locale}">
<head>
${head(`${title} · ${context.businessName}`)}
</head>
<body data-live-version="${context.liveVersion}">
<header class="top">
<a class="brand" href="/">${context.businessName}</a>
<nav>${nav}</nav>
<form method="post" action="/dashboard/sign-out" class="sign-out">${csrfField(context.csrfToken)}<button type="submit">${context.t.common.signOut}</button></form>
</header>
<main>
<h1>${title}</h1>
${body}
</main>
</body>
</html>
`.value;
}

/** A page outside the signed-in area (sign-in, dashboard off). */
export function barePage(title: string, body: Html, t: Strings): string {
  return html`<!doctype html>
<html lang="${t.locale}">
<head>
${head(title)}
</head>
<body class="bare">
<main>
${body}
</main>
</body>
</html>
`.value;
}
