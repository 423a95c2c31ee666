// Drives the example calendar SPA (/app) in headless Chromium, as people would, in one of four scenarios.
//
// Usage: node calendar-spa.mjs '<json config>'
//   config: { scenario: "week" | "live" | "apq" | "conflict", appUrl, graphqlUrl, chromium, artifacts,
//             token, writerToken, schedules: [..], week: "YYYY-MM-DD", expectedCards, sessionId (opened in
//             the side panel), probeSessionId, secondAppUrl (conflict: the second context's server) }
// Prints one JSON line: the scenario's report, plus what every browser context requested and any console
// errors, page errors, failed requests and CSP violations.
import { join } from 'node:path';
import { cspViolations, graphql, launchBrowser, retryUntilSeen, watchContext } from './chromium.mjs';

const config = JSON.parse(process.argv[2] ?? '{}');
if (!config.scenario) throw new Error("usage: node calendar-spa.mjs '<json config>'");

const UPDATE_NOTES = `mutation Notes($id: ID!, $notes: String) {
  updateSession(sessionId: $id, sessionInfo: { notes: $notes }) { _id }
}`;
const calendarUrl = (appUrl) =>
  `${appUrl}?schedules=${encodeURIComponent(config.schedules.join(','))}&week=${config.week}`;

const browser = await launchBrowser(config.chromium);
const watched = [];

/** A fresh browser context (its own session storage: its own sign-in), on the calendar, signed in. */
async function signedInPage(beforeLoad = () => {}, appUrl = config.appUrl) {
  const context = await browser.newContext({ timezoneId: 'UTC', viewport: { width: 1440, height: 900 } });
  const seen = await watchContext(context);
  beforeLoad(context);
  watched.push(seen);
  const page = await context.newPage();
  page.setDefaultTimeout(20000);
  await page.goto(calendarUrl(appUrl));
  await page.getByLabel('Bearer token').fill(config.token);
  await page.getByRole('button', { name: 'Use token' }).click();
  await page.getByTestId('week').waitFor();
  return page;
}

const card = (page, id) => page.locator(`[data-testid="session-card"][data-session-id="${id}"]`);

async function cardIds(page) {
  return page.$$eval('[data-testid="session-card"]', (cards) => [...new Set(cards.map((c) => c.dataset.sessionId))]);
}

async function waitForCards(page, count) {
  await page.waitForFunction(
    (expected) =>
      new Set([...document.querySelectorAll('[data-testid="session-card"]')].map((c) => c.dataset.sessionId))
        .size >= expected,
    count,
  );
}

/** Writes over HTTP until `page` shows the write: from then on its subscription is registered. */
async function waitUntilLive(page) {
  await page.locator('[data-testid="socket-state"][data-state="live"]').waitFor();
  await retryUntilSeen(
    (attempt) => graphql(config.graphqlUrl, config.writerToken, UPDATE_NOTES, { id: config.probeSessionId, notes: `probe ${attempt}` }),
    async (attempt) => (await card(page, config.probeSessionId).innerText()).includes(`probe ${attempt}`),
  );
}

async function week() {
  const page = await signedInPage();
  await waitForCards(page, config.expectedCards);
  const cards = await page.$$eval('[data-testid="session-card"]', (found) =>
    found.map((c) => ({ id: c.dataset.sessionId, text: c.innerText, style: c.getAttribute('style') })),
  );
  await card(page, config.sessionId).click();
  await page.getByTestId('session-panel').waitFor();
  const panelNotes = await page.getByLabel('Notes').inputValue();
  const panelTitle = await page.getByLabel('Title').inputValue();
  const panelFacts = await page.locator('.facts').innerText();
  await page.screenshot({ path: join(config.artifacts, 'calendar-week.png') });
  return {
    ids: await cardIds(page),
    cards,
    panelNotes,
    panelTitle,
    panelFacts,
    weekLabel: await page.getByTestId('week-label').innerText(),
  };
}

async function live() {
  const [first, second] = [await signedInPage(), await signedInPage()];
  await waitForCards(first, 1);
  await waitForCards(second, 1);
  // Set once: a reload of the second page would lose it.
  await second.evaluate(() => {
    window.__sameDocument = true;
  });
  await second.locator(`[data-testid="session-card"][data-session-id="${config.sessionId}"]`).click();
  await waitUntilLive(second);

  // 1. An edit in the first context shows up in the second one's week and open side panel.
  const firstEdit = `Edited in the first window ${Date.now()}`;
  await card(first, config.sessionId).click();
  await first.getByLabel('Notes').fill(firstEdit);
  await first.getByRole('button', { name: 'Save' }).click();
  await first.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
  await card(second, config.sessionId).filter({ hasText: firstEdit }).waitFor();
  await second.waitForFunction((text) => document.querySelector('#notes')?.value === text, firstEdit);
  const secondCardText = await card(second, config.sessionId).innerText();
  await second.screenshot({ path: join(config.artifacts, 'calendar-live-second-window.png') });

  // 2. The second context starts editing; the first saves again meanwhile: the second is shown their
  //    change next to its own and keeps its own, which then saves.
  const secondDraft = `Typed in the second window ${Date.now()}`;
  await second.getByLabel('Notes').fill(secondDraft);
  const firstAgain = `${firstEdit}, and again`;
  await first.getByLabel('Notes').fill(firstAgain);
  await first.getByRole('button', { name: 'Save' }).click();
  const notice = second.getByTestId('changed-elsewhere');
  await notice.waitFor();
  const theirs = await second.getByTestId('theirs-notes').innerText();
  const yours = await second.getByTestId('yours-notes').innerText();
  const saveBlocked = await second.getByRole('button', { name: 'Save' }).isDisabled();
  await second.screenshot({ path: join(config.artifacts, 'calendar-changed-elsewhere.png') });
  await second.getByRole('button', { name: 'Keep mine' }).click();
  await second.getByRole('button', { name: 'Save' }).click();
  await second.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
  await card(first, config.sessionId).filter({ hasText: secondDraft }).waitFor();

  return {
    firstEdit,
    secondCardText,
    sameDocument: await second.evaluate(() => window.__sameDocument === true),
    theirs,
    yours,
    saveBlocked,
    secondDraft,
    firstCardAfter: await card(first, config.sessionId).innerText(),
  };
}

async function apq() {
  const exchanges = [];
  let load = 1;
  const loadOf = new WeakMap(); // which page load sent a request, noted when it starts
  const recordGraphQL = (context) => {
    context.on('request', (request) => loadOf.set(request, load));
    context.on('requestfinished', (request) => {
      const url = new URL(request.url());
      if (url.pathname !== '/graphql') return;
      exchanges.push(
        (async () => {
          const response = await request.response();
          return {
            load: loadOf.get(request),
            method: request.method(),
            params: Object.fromEntries(url.searchParams),
            body: request.postData() ? JSON.parse(request.postData()) : null,
            status: response.status(),
            response: await response.json(),
          };
        })(),
      );
    });
  };
  const page = await signedInPage(recordGraphQL);
  await waitForCards(page, config.expectedCards);
  // Read the first load's answers before reloading: Chromium drops a body once its page navigates away.
  await Promise.all(exchanges);
  load = 2;
  await page.reload();
  await waitForCards(page, config.expectedCards);
  return { exchanges: await Promise.all(exchanges) };
}

/** Every updateSession a context sends, as it was answered (APQ's "hash unknown" round trips left out). */
function recordSaves(context, saves) {
  context.on('requestfinished', async (request) => {
    const body = request.postData() ? JSON.parse(request.postData()) : null;
    if (new URL(request.url()).pathname !== '/graphql' || body?.operationName !== 'UpdateSession') return;
    const saved = (async () => {
      const answer = await (await request.response()).json();
      const code = answer.errors?.[0]?.extensions?.code ?? null;
      if (code === 'PERSISTED_QUERY_NOT_FOUND') return null;
      return { options: body.variables.options ?? null, info: body.variables.info, code };
    })();
    saves.push(saved);
  });
}

// The stale edit. The two contexts use two server processes on one database, as two replicas
// behind a load balancer would: live updates cover writes made through the socket's own process, so the
// second context honestly never hears of the first one's save and still holds the revision it read.
async function conflict() {
  const first = await signedInPage();
  const secondSaves = [];
  const second = await signedInPage((context) => recordSaves(context, secondSaves), config.secondAppUrl);
  for (const page of [first, second]) {
    await card(page, config.sessionId).click();
    await page.getByTestId('session-panel').waitFor();
  }
  await second.locator('[data-testid="socket-state"][data-state="live"]').waitFor();
  const readRevision = await second.getByTestId('session-form').getAttribute('data-revision');

  // The second context starts its own edit; the first saves another one meanwhile.
  const secondTitle = `Second window's title ${Date.now()}`;
  await second.getByLabel('Title').fill(secondTitle);
  const firstTitle = `First window's title ${Date.now()}`;
  await first.getByLabel('Title').fill(firstTitle);
  await first.getByRole('button', { name: 'Save' }).click();
  await first.getByRole('status').filter({ hasText: 'Saved' }).waitFor();

  // The second saves its stale form: refused, and shown the first one's value next to its own.
  const revisionSent = await second.getByTestId('session-form').getAttribute('data-revision');
  await second.getByRole('button', { name: 'Save' }).click();
  const notice = second.locator('[data-testid="changed-elsewhere"][data-conflict="true"]');
  await notice.waitFor();
  const shown = {
    notice: await notice.innerText(),
    theirs: await second.getByTestId('theirs-title').innerText(),
    yours: await second.getByTestId('yours-title').innerText(),
    saveBlocked: await second.getByRole('button', { name: 'Save' }).isDisabled(),
  };
  await second.screenshot({ path: join(config.artifacts, 'calendar-conflict.png') });

  // Retry: saved on top of the first one's revision.
  await second.getByRole('button', { name: 'Retry with mine' }).click();
  await second.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
  await second.getByTestId('panel-title').filter({ hasText: secondTitle }).waitFor();
  await second.screenshot({ path: join(config.artifacts, 'calendar-conflict-retried.png') });
  return {
    firstTitle,
    secondTitle,
    readRevision,
    revisionSent,
    ...shown,
    noticeGone: (await second.getByTestId('changed-elsewhere').count()) === 0,
    secondSaves: (await Promise.all(secondSaves)).filter(Boolean),
  };
}

const scenarios = { week, live, apq, conflict };
try {
  const report = await scenarios[config.scenario]();
  const seen = { consoleErrors: [], pageErrors: [], failedRequests: [], requestedUrls: [], cspViolations: [] };
  for (const context of watched) {
    for (const key of ['consoleErrors', 'pageErrors', 'failedRequests', 'requestedUrls']) seen[key].push(...context[key]);
    seen.cspViolations.push(...(await cspViolations(context)));
  }
  console.log(JSON.stringify({ ...seen, ...report }));
} catch (error) {
  for (const [index, context] of watched.entries()) {
    const page = context.pages.at(-1);
    await page?.screenshot({ path: join(config.artifacts, `calendar-failure-${index}.png`) }).catch(() => {});
  }
  console.error(JSON.stringify(watched.map(({ pages, ...rest }) => rest)));
  throw error;
} finally {
  await browser.close();
}
