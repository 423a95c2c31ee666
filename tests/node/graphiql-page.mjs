// The self-hosted GraphiQL page, driven as a person would: the Headers tab, the editor, the ▶ button.

/** Opens the page and waits for the editor. */
export async function openGraphiQL(page, url) {
  page.setDefaultTimeout(20000);
  const response = await page.goto(url, { waitUntil: 'networkidle' });
  await page.locator('.graphiql-query-editor .CodeMirror').waitFor();
  return response;
}

async function replaceEditorText(page, editor, text) {
  await editor.click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  // insertText, not type(): the editors close brackets as they are typed, insertText is a paste.
  await page.keyboard.insertText(text);
}

/** The Headers tab: a JSON object of request headers, sent with every operation from this tab. */
export async function setBearerToken(page, token) {
  await page.getByRole('button', { name: 'Headers' }).click();
  const headersEditor = page.locator('.graphiql-editor-tool .CodeMirror').last();
  await headersEditor.waitFor();
  await replaceEditorText(page, headersEditor, JSON.stringify({ Authorization: `Bearer ${token}` }));
}

export async function runOperation(page, document) {
  await replaceEditorText(page, page.locator('.graphiql-query-editor .CodeMirror'), document);
  await page.locator('button.graphiql-execute-button').click();
}

export function resultText(page) {
  return page.evaluate(
    () => (document.querySelector('.graphiql-response .CodeMirror-code')?.textContent ?? '').replace(/\u00a0/g, ' '),
  );
}

export async function waitForResult(page, fragment) {
  await page.waitForFunction(
    (text) => (document.querySelector('.graphiql-response .CodeMirror-code')?.textContent ?? '').includes(text),
    fragment,
  );
  return page.locator('.graphiql-response .CodeMirror-code').innerText();
}
