// Drives the self-hosted GraphiQL page at /graphql in headless Chromium, as a person would: pastes a
// bearer token into the Headers tab, types a query into the editor, runs it, reads the result.
//
// Usage: node graphiql.mjs <graphql url> <chromium path> <screenshot path> <token> <query>
// Prints one JSON line: { status, csp, consoleErrors, pageErrors, cspViolations, failedRequests, result }.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const [url, executablePath, screenshotPath, token, query] = process.argv.slice(2);
if (!query) throw new Error('usage: node graphiql.mjs <url> <chromium> <screenshot> <token> <query>');

const userDataDir = mkdtempSync(join(tmpdir(), 'graphiql-chromium-'));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath,
  headless: true,
  viewport: { width: 1280, height: 800 },
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});

const consoleErrors = [];
const pageErrors = [];
const failedRequests = [];
try {
  // CSP violations are reported to the page as events; collect them before any script of the page runs.
  await context.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (event) => {
      window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
    });
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(20000);
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => pageErrors.push(String(error)));
  page.on('requestfailed', (request) => failedRequests.push(`${request.url()} ${request.failure()?.errorText}`));

  const response = await page.goto(url, { waitUntil: 'networkidle' });
  const editor = page.locator('.graphiql-query-editor .CodeMirror');
  await editor.waitFor();

  // The Headers tab: a JSON object of request headers, sent with every operation from this tab.
  await page.getByRole('button', { name: 'Headers' }).click();
  const headersEditor = page.locator('.graphiql-editor-tool .CodeMirror').last();
  await headersEditor.waitFor();
  await headersEditor.click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  // insertText, not type(): the editors close brackets as they are typed, insertText is a paste.
  await page.keyboard.insertText(JSON.stringify({ Authorization: `Bearer ${token}` }));

  await editor.click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(query);
  await page.locator('button.graphiql-execute-button').click();

  const resultCode = page.locator('.graphiql-response .CodeMirror-code');
  await page.waitForFunction(
    () => (document.querySelector('.graphiql-response .CodeMirror-code')?.textContent ?? '').includes('"data"'),
  );
  const result = await resultCode.innerText();
  await page.screenshot({ path: screenshotPath, fullPage: true });

  console.log(
    JSON.stringify({
      status: response.status(),
      csp: response.headers()['content-security-policy'] ?? null,
      consoleErrors,
      pageErrors,
      failedRequests,
      cspViolations: await page.evaluate(() => window.__cspViolations),
      result,
    }),
  );
} finally {
  await context.close();
  rmSync(userDataDir, { recursive: true, force: true });
}
