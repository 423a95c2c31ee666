// Drives the example calendar SPA (/app) in headless Chromium, as people would, in one scenario.
//
// Usage: node calendar-spa.mjs '<json config>'
//   config: { scenario: "week" | "live" | "apq" | "conflict" | "create" | "scopes" | "freeTime" | "narrow",
//             appUrl, graphqlUrl, chromium, artifacts, token, writerToken, schedules: [..],
//             week: "YYYY-MM-DD", expectedCards, sessionId (opened in the side panel), probeSessionId,
//             secondAppUrl (conflict: the second context's server), docsImages (a directory the
//             walkthrough's screenshots are copied to, for docs/spa.md) }
// Prints one JSON line: the scenario's report, plus what every browser context requested and any console
// errors, page errors, failed requests and CSP violations.
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
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
async function signedInPage(beforeLoad = () => {}, appUrl = config.appUrl, viewport = { width: 1440, height: 900 }) {
  const context = await browser.newContext({ timezoneId: 'UTC', viewport });
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
  const cards = await drawnCards(page);
  await card(page, config.sessionId).click();
  await page.getByTestId('session-panel').waitFor();
  const axe = await axeFindings(page, 'week with panel');
  const panelNotes = await page.getByLabel('Notes').inputValue();
  const panelTitle = await page.getByLabel('Title').inputValue();
  const panelFacts = await page.locator('.facts').innerText();
  await shot(page, 'calendar-week.png');
  return {
    axe,
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
      const body = request.postData() ? JSON.parse(request.postData()) : null;
      // Only the week's query is looked at; the free time's, asked alongside, may still be read when the
      // page reloads, and its body is gone then.
      if ((body?.operationName ?? url.searchParams.get('operationName')) !== 'WeekSessions') return;
      exchanges.push(
        (async () => {
          const response = await request.response();
          return {
            load: loadOf.get(request),
            method: request.method(),
            params: Object.fromEntries(url.searchParams),
            body,
            status: response.status(),
            response: await response.json(),
          };
        })(),
      );
    });
  };
  const page = await signedInPage(recordGraphQL);
  await waitForCards(page, config.expectedCards);
  // Let the first load's requests (the week's and its free time's) finish, and read their answers before
  // reloading: Chromium drops a body once its page navigates away, and aborts what is still in flight.
  await page.waitForLoadState('networkidle');
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


/** Every card as drawn: its session, times, status, text, box, and whether anything of it is cut off. */
async function drawnCards(page) {
  return page.$$eval('[data-testid="session-card"]', (cards) =>
    cards.map((card) => {
      const box = card.getBoundingClientRect();
      const time = card.querySelector('[data-testid="card-time"]');
      const timeBox = time?.getBoundingClientRect();
      return {
        id: card.dataset.sessionId,
        start: card.dataset.start,
        end: card.dataset.end,
        status: card.dataset.status,
        text: card.innerText,
        label: card.getAttribute('title'),
        style: card.getAttribute('style'),
        box: { left: box.left, right: box.right, top: box.top, bottom: box.bottom },
        timeCut: Boolean(time) && (time.scrollWidth > time.clientWidth + 1 || timeBox.bottom > box.bottom + 1 || timeBox.right > box.right + 1),
        contentCut: card.scrollHeight > card.clientHeight + 1,
      };
    }),
  );
}

// The screenshots docs/spa.md walks through (copied to config.docsImages when it is given).
const DOCS_SHOTS = new Set([
  'calendar-week.png',
  'calendar-new-weekly.png',
  'calendar-cancel-confirm.png',
  'calendar-scope.png',
  'calendar-schedule-conflict.png',
  'calendar-free-time.png',
  'calendar-narrow-day.png',
  'calendar-narrow-panel.png',
]);

/** A screenshot into the test artifacts, and for the walkthrough in docs/spa.md when asked to. */
async function shot(page, name) {
  const path = join(config.artifacts, name);
  await page.screenshot({ path });
  if (config.docsImages && DOCS_SHOTS.has(name)) copyFileSync(path, join(config.docsImages, name));
}

/** axe-core's serious and critical findings on the page as it is now (WCAG 2 A/AA rules). */
async function axeFindings(page, where) {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  return results.violations
    .filter((violation) => ['serious', 'critical'].includes(violation.impact))
    .map((violation) => ({ where, id: violation.id, impact: violation.impact, nodes: violation.nodes.map((n) => n.target.join(' ')).slice(0, 5) }));
}

/** Clicks the empty time at `day` (0 = Monday), hh:mm, in the shown days (all seven unless narrow). */
async function clickSlot(page, day, hour, minute = 0, { columns = 7 } = {}) {
  const days = page.getByTestId('days');
  const box = await days.boundingBox();
  const hourHeight = box.height / 24;
  await days.click({ position: { x: (box.width / columns) * (day + 0.5), y: hourHeight * (hour + minute / 60) + 4 } });
}

async function fillNew(page, fields) {
  const dialog = page.getByTestId('new-session');
  await dialog.waitFor();
  if (fields.title !== undefined) await dialog.getByLabel('Title', { exact: true }).fill(fields.title);
  if (fields.start) await dialog.getByLabel('Start', { exact: true }).fill(fields.start);
  if (fields.end) await dialog.getByLabel('End', { exact: true }).fill(fields.end);
  if (fields.capacity !== undefined) await dialog.getByLabel('Capacity').fill(String(fields.capacity));
  if (fields.place) {
    await dialog.getByLabel('Location').selectOption('CUSTOM');
    await dialog.getByLabel('Place').fill(fields.place);
  }
  return dialog;
}

const panel = (page) => page.getByTestId('session-panel');
const saved = (page, text) => page.getByRole('status').filter({ hasText: text }).waitFor();

// 1. Create a single session from a click on an empty slot and a weekly one from "New session"; cancel
//    the single one (after a confirmation) and restore it.
async function create() {
  const page = await signedInPage();
  const schedule = config.schedules[0];
  await clickSlot(page, 1, 10); // Tuesday 10:00
  let dialog = await fillNew(page, { title: 'Single from a slot', capacity: 8, place: 'Studio A' });
  const slotStart = await dialog.getByLabel('Start', { exact: true }).inputValue();
  const slotEnd = await dialog.getByLabel('End', { exact: true }).inputValue();
  const slotSchedule = await dialog.getByLabel('Schedule').inputValue();
  await dialog.getByRole('button', { name: 'Create' }).click();
  await dialog.waitFor({ state: 'detached' });
  await saved(page, 'Created');
  const singleId = await panel(page).getAttribute('data-session-id');
  await card(page, singleId).waitFor();

  await page.getByRole('button', { name: 'New session' }).click();
  dialog = await fillNew(page, { title: 'Weekly yoga', start: `${config.week}T18:00`, end: `${config.week}T19:00` });
  await dialog.getByLabel('Repeats').selectOption('WEEKLY');
  await dialog.getByRole('checkbox', { name: 'Wed' }).check();
  await dialog.getByRole('radio', { name: 'After' }).check();
  await dialog.getByLabel('Number of times').fill('4');
  const weeklyAxe = await axeFindings(page, 'new session dialog');
  await shot(page, 'calendar-new-weekly.png');
  await dialog.getByRole('button', { name: 'Create' }).click();
  await dialog.waitFor({ state: 'detached' });
  await page.waitForFunction(
    () => [...document.querySelectorAll('[data-testid="session-card"]')].filter((c) => c.innerText.includes('Weekly yoga')).length >= 2,
  );
  const afterCreate = await drawnCards(page);
  await shot(page, 'calendar-created.png');

  // Cancel, confirmed; then restore.
  await card(page, singleId).click();
  await panel(page).getByRole('button', { name: 'Cancel session…' }).click();
  const confirm = page.getByTestId('confirm-cancel');
  await confirm.waitFor();
  const confirmText = await confirm.innerText();
  await shot(page, 'calendar-cancel-confirm.png');
  await confirm.getByRole('button', { name: 'Yes, cancel it' }).click();
  await page.getByTestId('cancelled-note').waitFor();
  await page.locator(`[data-testid="session-card"][data-session-id="${singleId}"][data-status="CANCELLED"]`).waitFor();
  const cancelledCard = (await drawnCards(page)).find((c) => c.id === singleId);
  await shot(page, 'calendar-cancelled.png');
  await panel(page).getByRole('button', { name: 'Restore' }).click();
  await saved(page, 'Restored');
  await page.locator(`[data-testid="session-card"][data-session-id="${singleId}"][data-status="CONFIRMED"]`).waitFor();
  return {
    schedule,
    slot: { start: slotStart, end: slotEnd, schedule: slotSchedule },
    singleId,
    afterCreate,
    confirmText,
    cancelledCard,
    afterRestore: await drawnCards(page),
    axe: weeklyAxe,
  };
}

/** Opens an occurrence, edits it with a scope, saves, and waits for the week to be read again. */
async function editOccurrence(page, id, scopeName, change) {
  await card(page, id).click();
  await panel(page).waitFor();
  const notesOffered = (await panel(page).getByLabel('Notes').count()) > 0;
  await panel(page).getByRole('radio', { name: scopeName }).check();
  await change(panel(page));
  await panel(page).getByRole('button', { name: 'Save' }).click();
  await saved(page, 'Saved');
  const landedOn = await panel(page).getAttribute('data-session-id');
  return { notesOffered, landedOn };
}

const byStart = (cards, day) => cards.find((c) => c.start.startsWith(day));

// 2. Each scope on an occurrence of a weekly series (MO, WE, FR 11:00-12:00), the week read after each.
async function scopes() {
  const page = await signedInPage();
  await waitForCards(page, 3);
  const [mon, wed, fri] = ['2030-01-07', '2030-01-09', '2030-01-11'];
  const start = await drawnCards(page);
  const steps = {};
  steps.this = await editOccurrence(page, byStart(start, wed).id, 'Only this occurrence', (p) =>
    p.getByLabel('Title', { exact: true }).fill('Only Wednesday'),
  );
  await card(page, byStart(start, wed).id).filter({ hasText: 'Only Wednesday' }).waitFor();
  steps.this.cards = await drawnCards(page);
  steps.following = await editOccurrence(page, byStart(start, fri).id, 'This and following', (p) =>
    p.getByLabel('Title', { exact: true }).fill('From Friday on'),
  );
  await card(page, steps.following.landedOn).filter({ hasText: 'From Friday on' }).waitFor();
  steps.following.cards = await drawnCards(page);
  await shot(page, 'calendar-scope-split.png');
  steps.all = await editOccurrence(page, byStart(start, mon).id, 'All occurrences', async (p) => {
    await p.getByLabel('Title', { exact: true }).fill('Everyone');
    await p.getByLabel('End', { exact: true }).fill(`${mon}T12:30`);
  });
  await card(page, byStart(start, mon).id).filter({ hasText: 'Everyone' }).waitFor();
  await page.waitForFunction(
    (id) => document.querySelector(`[data-testid="session-card"][data-session-id="${id}"]`)?.innerText.includes('12:30'),
    byStart(start, wed).id,
  );
  steps.all.cards = await drawnCards(page);
  await card(page, byStart(start, wed).id).click();
  await panel(page).getByRole('radio', { name: 'Only this occurrence' }).waitFor();
  await shot(page, 'calendar-scope.png');
  return { start, steps };
}

// 3. Free time shaded from `availability`; a create over busy time, protection on, shows the conflict.
async function freeTime() {
  const page = await signedInPage();
  await page.getByTestId('free-time').first().waitFor();
  const free = await page.$$eval('[data-testid="free-time"]', (blocks) =>
    blocks.map((b) => ({ schedule: b.dataset.scheduleId, from: b.dataset.from, to: b.dataset.to })),
  );
  await shot(page, 'calendar-free-time.png');
  await page.getByRole('button', { name: 'New session' }).click();
  const dialog = await fillNew(page, { title: 'Double', start: '2030-01-08T10:30', end: '2030-01-08T11:30' });
  const protectedByDefault = await dialog.getByRole('checkbox', { name: 'Refuse double bookings' }).isChecked();
  await dialog.getByRole('button', { name: 'Create' }).click();
  const conflictPanel = page.getByTestId('conflict-panel');
  await conflictPanel.waitFor();
  const conflicts = await conflictPanel.getByTestId('conflict').evaluateAll((items) =>
    items.map((item) => ({ id: item.dataset.sessionId, text: item.innerText })),
  );
  const alerts = await page.getByRole('alert').allInnerTexts();
  await shot(page, 'calendar-schedule-conflict.png');
  return { free, protectedByDefault, conflicts, panelText: await conflictPanel.innerText(), alerts };
}

// 5. A phone (375 px wide): one day at a time, the same actions, by keyboard too; axe on each view.
async function narrow() {
  const page = await signedInPage(() => {}, config.appUrl, { width: 375, height: 812 });
  const findings = await axeFindings(page, 'narrow day');
  const shownDays = await page.getByTestId('week').getAttribute('data-days');
  const firstDay = await page.getByTestId('week-label').innerText();
  await page.getByRole('button', { name: 'Next day' }).click();
  await waitForCards(page, 1);
  const secondDay = await page.getByTestId('week-label').innerText();
  const cards = await drawnCards(page);
  const pageWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  await shot(page, 'calendar-narrow-day.png');

  // By keyboard: Tab to the session's card, Enter opens it.
  let reached = false;
  for (let presses = 0; presses < 40 && !reached; presses += 1) {
    await page.keyboard.press('Tab');
    reached = await page.evaluate(() => document.activeElement?.dataset?.testid === 'session-card');
  }
  await page.keyboard.press('Enter');
  await panel(page).waitFor();
  const panelBox = await panel(page).boundingBox();
  findings.push(...(await axeFindings(page, 'narrow panel')));
  await shot(page, 'calendar-narrow-panel.png');
  await panel(page).getByLabel('Title', { exact: true }).fill('Renamed on a phone');
  await panel(page).getByRole('button', { name: 'Save' }).click();
  await saved(page, 'Saved');
  await panel(page).getByRole('button', { name: 'Close' }).click();

  await page.getByRole('button', { name: 'New session' }).click();
  const dialog = await fillNew(page, { title: 'Booked on a phone', start: '2030-01-08T15:00', end: '2030-01-08T16:00' });
  await dialog.getByRole('button', { name: 'Create' }).click();
  await saved(page, 'Created');
  const createdId = await panel(page).getAttribute('data-session-id');
  return { shownDays, firstDay, secondDay, cards, pageWidth, reached, panelBox, createdId, axe: findings };
}

const scenarios = { week, live, apq, conflict, create, scopes, freeTime, narrow };
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
