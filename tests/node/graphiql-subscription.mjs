// Starts `subscription { sessionUpdated }` from the GraphiQL page (the token typed into the Headers tab),
// then changes the session's notes over HTTP from Node until the page shows the change.
//
// Usage: node graphiql-subscription.mjs <graphql url> <chromium path> <screenshot path> <token> <writer token> <schedule id> <session id>
// Prints one JSON line: { consoleErrors, pageErrors, cspViolations, failedRequests, connectionInit,
// socketUrls, notes, result }.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cspViolations, graphql, launchPersistent, retryUntilSeen, watchContext } from './chromium.mjs';
import { openGraphiQL, resultText, runOperation, setBearerToken, waitForResult } from './graphiql-page.mjs';

// <token> is typed into the page; <writer token> makes the HTTP changes (it may write where the page's may not).
const [url, executablePath, screenshotPath, token, writerToken, scheduleId, sessionId] = process.argv.slice(2);
if (!sessionId) {
  throw new Error('usage: node graphiql-subscription.mjs <url> <chromium> <screenshot> <token> <writer> <schedule> <session>');
}
const UPDATE_NOTES = `mutation Notes($id: ID!, $notes: String) {
  updateSession(sessionId: $id, sessionInfo: { notes: $notes }) { _id }
}`;
const marker = `changed-over-http-${Date.now()}`;

const userDataDir = mkdtempSync(join(tmpdir(), 'graphiql-chromium-'));
const context = await launchPersistent(userDataDir, executablePath);
const diagnostics = { frames: [] };
try {
  const seen = await watchContext(context);
  Object.assign(diagnostics, seen, { pages: undefined });
  const page = context.pages()[0] ?? (await context.newPage());
  const socketUrls = [];
  let connectionInit = null;
  page.on('websocket', (socket) => {
    socketUrls.push(socket.url());
    socket.on('framesent', ({ payload }) => {
      diagnostics.frames.push(`> ${payload}`);
      const message = JSON.parse(String(payload));
      if (message.type === 'connection_init') connectionInit = message;
    });
    socket.on('framereceived', ({ payload }) => diagnostics.frames.push(`< ${payload}`));
    socket.on('close', () => diagnostics.frames.push('closed'));
  });

  await openGraphiQL(page, url);
  await setBearerToken(page, token);
  await runOperation(
    page,
    `subscription Live {\n  sessionUpdated(scheduleId: "${scheduleId}") {\n    _id\n    notes\n    revision\n  }\n}`,
  );
  // The page has sent `subscribe`; the server may not have registered it yet, so write until one arrives.
  await retryUntilSeen(
    (attempt) => graphql(url, writerToken, UPDATE_NOTES, { id: sessionId, notes: `probe-${attempt}` }),
    async (attempt) => (await resultText(page)).includes(`probe-${attempt}`),
  );
  await graphql(url, writerToken, UPDATE_NOTES, { id: sessionId, notes: marker });
  const result = await waitForResult(page, marker);
  await page.screenshot({ path: screenshotPath, fullPage: true });

  console.log(
    JSON.stringify({
      consoleErrors: seen.consoleErrors,
      pageErrors: seen.pageErrors,
      failedRequests: seen.failedRequests,
      cspViolations: await cspViolations(seen),
      connectionInit,
      socketUrls,
      notes: marker,
      result: result.replace(/\u00a0/g, ' '),
    }),
  );
} catch (error) {
  // What the page showed and said, for the pytest failure message.
  const page = context.pages()[0];
  await page?.screenshot({ path: screenshotPath, fullPage: true }).catch(() => {});
  console.error(JSON.stringify({ result: await (page ? resultText(page) : null), ...diagnostics }));
  throw error;
} finally {
  await context.close();
  rmSync(userDataDir, { recursive: true, force: true });
}
