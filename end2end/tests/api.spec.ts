import { expect, test, type Page } from '@playwright/test';
import { readFile } from 'node:fs/promises';
import { addTask, collectErrors, hydrated, screenshot, signUp } from './support';

/** Creates a token on the account page and returns the secret the page shows once. */
async function createToken(
  page: Page,
  password: string,
  name: string,
  access: 'Read only' | 'Read and write',
) {
  await page.getByLabel('Token name').fill(name);
  await page.getByLabel('Access').selectOption({ label: access });
  await page.getByLabel('Confirm with your password').fill(password);
  await page.getByRole('button', { name: 'Create token' }).click();
  const notice = page.getByRole('status').filter({ hasText: 'Copy your new token now' });
  await expect(notice).toBeVisible();
  const secret = await page.getByLabel('New token').inputValue();
  expect(secret).toMatch(/^tlpat_[A-Za-z0-9_-]{43}$/);
  return secret;
}

test('a token is created, shown once, copied, used and revoked', async ({ page, context, request }) => {
  const errors = collectErrors(page);
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const person = await signUp(page);
  await page.goto('/account');
  await hydrated(page);
  await expect(page.getByText('No tokens yet.')).toBeVisible();

  const secret = await createToken(page, person.password, 'Phone', 'Read and write');
  await page.getByRole('button', { name: 'Copy', exact: true }).click();
  await expect(page.getByText('Copied to the clipboard.')).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);

  const row = page.getByRole('row', { name: /Phone/ });
  await expect(row).toContainText('Read and write');
  await expect(row).toContainText('Never'); // not used yet
  await screenshot(page, 'account-tokens');

  // The token works for a program...
  const auth = { Authorization: `Bearer ${secret}` };
  const me = await request.get('/api/v1/me', { headers: auth });
  expect(me.status()).toBe(200);
  const added = await request.post('/api/v1/tasks', { headers: auth, data: { title: 'From my phone' } });
  expect(added.status()).toBe(201);
  // ...and the page, reloaded, shows its last use and never the token again.
  await page.reload();
  await hydrated(page);
  await expect(page.getByRole('row', { name: /Phone/ })).not.toContainText('Never');
  await expect(page.getByLabel('New token')).toHaveCount(0);
  expect(await page.content()).not.toContain(secret);

  // Revoked: gone from the list, refused at once.
  await page.getByRole('button', { name: 'Revoke Phone' }).click();
  await expect(page.getByText('No tokens yet.')).toBeVisible();
  expect((await request.get('/api/v1/me', { headers: auth })).status()).toBe(401);
  expect(errors).toEqual([]);
});

test('a read-only token cannot change anything', async ({ page, request }) => {
  const person = await signUp(page);
  await page.goto('/account');
  await hydrated(page);
  const secret = await createToken(page, person.password, 'Dashboard', 'Read only');
  const auth = { Authorization: `Bearer ${secret}` };
  expect((await request.get('/api/v1/tasks', { headers: auth })).status()).toBe(200);
  const refused = await request.post('/api/v1/tasks', { headers: auth, data: { title: 'no' } });
  expect(refused.status()).toBe(403);
  expect(refused.headers()['content-type']).toBe('application/problem+json');
});

test('my data downloads as JSON and CSV and imports back into another account', async ({ page, browser }) => {
  await signUp(page);
  await addTask(page, 'Water the plants');
  await addTask(page, 'Call the bank');
  await page.goto('/account');
  await hydrated(page);

  const [json] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Download my data (JSON)' }).click(),
  ]);
  expect(json.suggestedFilename()).toMatch(/^tasks-\d{4}-\d{2}-\d{2}\.json$/);
  const file = await json.path();
  const exported = JSON.parse(await readFile(file, 'utf8'));
  expect(exported.tasks.map((t: { title: string }) => t.title)).toEqual(['Water the plants', 'Call the bank']);

  const [csv] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Download my data (CSV)' }).click(),
  ]);
  expect(csv.suggestedFilename()).toMatch(/\.csv$/);
  expect(await readFile(await csv.path(), 'utf8')).toContain('Water the plants');

  // Another person imports the JSON file through the page.
  const other = await browser.newPage();
  await signUp(other);
  await other.goto('/account');
  await hydrated(other);
  await other.getByLabel('File to import').setInputFiles(file);
  await other.getByRole('button', { name: 'Import', exact: true }).click();
  await expect(other.getByRole('status').filter({ hasText: 'Imported 2 tasks.' })).toBeVisible();
  await screenshot(other, 'account-imported');
  await other.goto('/');
  await expect(other.getByTestId('task').filter({ hasText: 'Water the plants' })).toBeVisible();
  await expect(other.getByTestId('task').filter({ hasText: 'Call the bank' })).toBeVisible();

  // A file with a bad row: nothing imported, the row named.
  await other.goto('/account');
  await hydrated(other);
  await other.getByLabel('File to import').setInputFiles({
    name: 'bad.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from('title,priority\nfine,\nbad,urgent\n'),
  });
  await other.getByRole('button', { name: 'Import', exact: true }).click();
  await expect(other.getByRole('alert').filter({ hasText: 'row 2 (priority)' })).toBeVisible();
  await other.close();
});

test('the API docs are served by the app, with nothing from elsewhere', async ({ page }) => {
  const outside: string[] = [];
  page.on('request', (r) => {
    if (!r.url().startsWith('http://127.0.0.1')) outside.push(r.url());
  });
  const errors = collectErrors(page);
  await page.goto('/api/docs/');
  await expect(page.getByRole('heading', { name: /Tasks API/ })).toBeVisible();
  await expect(page.getByText('/api/v1/tasks/{id}/complete')).toBeVisible();
  await screenshot(page, 'api-docs');
  expect(outside).toEqual([]);
  expect(errors).toEqual([]);
});

test('every token is revoked at once, with the password', async ({ page, request }) => {
  const person = await signUp(page);
  await page.goto('/account');
  await hydrated(page);
  const first = await createToken(page, person.password, 'Laptop', 'Read and write');
  await page.reload();
  await hydrated(page);
  const second = await createToken(page, person.password, 'Backup', 'Read only');
  await page.locator('summary', { hasText: 'Revoke all tokens' }).click();
  // A wrong password: refused beside the field, nothing revoked.
  await page.getByLabel('Password to revoke all tokens').fill('not my password at all');
  await page.getByRole('button', { name: 'Revoke all tokens', exact: true }).click();
  await expect(page.getByText('That is not your password.')).toBeVisible();
  await expect(page.getByRole('row', { name: /Laptop/ })).toBeVisible();
  await page.getByLabel('Password to revoke all tokens').fill(person.password);
  await page.getByRole('button', { name: 'Revoke all tokens', exact: true }).click();
  await expect(page.getByText('No tokens yet.')).toBeVisible();
  for (const secret of [first, second]) {
    const me = await request.get('/api/v1/me', { headers: { Authorization: `Bearer ${secret}` } });
    expect(me.status()).toBe(401);
  }
});
