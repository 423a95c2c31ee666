// Drives the self-hosted GraphiQL page at /graphql in headless Chromium, as a person would: pastes a
// bearer token into the Headers tab, types a query into the editor, runs it, reads the result.
//
// Usage: node graphiql.mjs <graphql url> <chromium path> <screenshot path> <token> <query>
// Prints one JSON line: { status, csp, consoleErrors, pageErrors, cspViolations, failedRequests, result }.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cspViolations, launchPersistent, watchContext } from './chromium.mjs';
import { openGraphiQL, runOperation, setBearerToken, waitForResult } from './graphiql-page.mjs';

const [url, executablePath, screenshotPath, token, query] = process.argv.slice(2);
if (!query) throw new Error('usage: node graphiql.mjs <url> <chromium> <screenshot> <token> <query>');

const userDataDir = mkdtempSync(join(tmpdir(), 'graphiql-chromium-'));
const context = await launchPersistent(userDataDir, executablePath);
try {
  const seen = await watchContext(context);
  const page = context.pages()[0] ?? (await context.newPage());
  const response = await openGraphiQL(page, url);
  await setBearerToken(page, token);
  await runOperation(page, query);
  const result = await waitForResult(page, '"data"');
  await page.screenshot({ path: screenshotPath, fullPage: true });

  console.log(
    JSON.stringify({
      status: response.status(),
      csp: response.headers()['content-security-policy'] ?? null,
      consoleErrors: seen.consoleErrors,
      pageErrors: seen.pageErrors,
      failedRequests: seen.failedRequests,
      cspViolations: await cspViolations(seen),
      result,
    }),
  );
} finally {
  await context.close();
  rmSync(userDataDir, { recursive: true, force: true });
}
