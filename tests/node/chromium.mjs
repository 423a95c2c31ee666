// Headless Debian chromium for the browser tests, and what they watch on every page: console errors,
// uncaught exceptions, failed requests, CSP violations and every URL the page asked for.
import { chromium } from 'playwright-core';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function launchBrowser(executablePath) {
  return chromium.launch({ executablePath, headless: true, args: ARGS });
}

export function launchPersistent(userDataDir, executablePath) {
  return chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: ARGS,
  });
}

/** Starts collecting on a context (before any of its pages loads); read the lists when done. */
export async function watchContext(context) {
  const seen = { consoleErrors: [], pageErrors: [], failedRequests: [], requestedUrls: [], pages: [] };
  // CSP violations are reported to the page as events; collect them before any script of the page runs.
  await context.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (event) => {
      window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
    });
  });
  const watchPage = (page) => {
    seen.pages.push(page);
    page.on('console', (message) => {
      if (message.type() === 'error') seen.consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => seen.pageErrors.push(String(error)));
    page.on('websocket', (socket) => seen.requestedUrls.push(socket.url()));
  };
  context.pages().forEach(watchPage);
  context.on('page', watchPage);
  context.on('request', (request) => seen.requestedUrls.push(request.url()));
  context.on('requestfailed', (request) =>
    seen.failedRequests.push(`${request.url()} ${request.failure()?.errorText}`),
  );
  return seen;
}

export async function cspViolations(seen) {
  const all = [];
  for (const page of seen.pages) {
    if (!page.isClosed()) all.push(...(await page.evaluate(() => window.__cspViolations ?? [])));
  }
  return all;
}

/** A GraphQL call from Node (not from the page): the "someone else" in a test. */
export async function graphql(url, token, query, variables = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json();
  if (body.errors) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`);
  return body.data;
}

/** Calls `act(attempt)` until `seen()` turns true within a short wait: for live updates whose
 *  subscription may not be registered on the server yet when the page says it started. */
export async function retryUntilSeen(act, seen, { attempts = 40, waitMs = 500 } = {}) {
  for (let attempt = 0; attempt < attempts; attempt += 1) {
    await act(attempt);
    const deadline = Date.now() + waitMs;
    while (Date.now() < deadline) {
      if (await seen(attempt)) return attempt;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  throw new Error(`not seen after ${attempts} attempts`);
}
