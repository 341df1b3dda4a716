import { expect, test } from '@playwright/test';
import { collectErrors, hydrated, screenshot, signUp } from './support';

test.describe('with JavaScript off', () => {
  test.use({ javaScriptEnabled: false });

  test('the sign-in page is rendered on the server', async ({ page }) => {
    await page.goto('/sign-in');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Sign in');
    await expect(page).toHaveTitle('Sign in · Tasks');
    await expect(page.getByLabel('Email')).toBeVisible();
    // Nothing ran in the browser: the page is exactly what the server sent.
    await expect(page.locator('.app')).toHaveAttribute('data-hydrated', 'false');
  });
});

test('the page hydrates without errors', async ({ page }) => {
  const errors = collectErrors(page);
  await page.goto('/sign-in');
  await hydrated(page);
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  expect(errors).toEqual([]);
});

test('the theme toggle works once hydrated and is remembered', async ({ page }) => {
  await page.goto('/sign-in');
  await hydrated(page);
  const toggle = page.getByRole('button', { name: 'Dark theme' });
  await expect(toggle).toHaveAttribute('aria-pressed', 'false');

  await toggle.click();
  await expect(toggle).toHaveAttribute('aria-pressed', 'true');
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await screenshot(page, 'start-dark');

  // The server renders the remembered theme on the next visit.
  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await hydrated(page);
  await page.getByRole('button', { name: 'Dark theme' }).click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
});

test('an unknown address shows a not-found page', async ({ page }) => {
  const res = await page.goto('/nowhere');
  expect(res?.status()).toBe(404);
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
});

for (const [name, viewport] of [
  ['phone', { width: 375, height: 740 }],
  ['desktop', { width: 1280, height: 800 }],
] as const) {
  test(`sign-in page screenshot on a ${name}`, async ({ page }) => {
    await page.setViewportSize(viewport);
    await page.goto('/sign-in');
    await hydrated(page);
    await screenshot(page, `sign-in-${name}`);
  });
}

test('the task page loads only its own code; another page fetches its part when first shown', async ({ page }) => {
  const errors = collectErrors(page);
  const split: string[] = [];
  page.on('request', (r) => {
    const name = new URL(r.url()).pathname.split('/').pop() ?? '';
    if (name.endsWith('.wasm') && name !== 'tasklist.wasm') split.push(name);
  });
  await signUp(page);
  split.length = 0;
  await page.reload();
  await hydrated(page);
  await expect(page.getByRole('heading', { name: 'Your tasks' })).toBeVisible();
  expect(split).toEqual([]);

  await page.getByRole('link', { name: 'Manage tags' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Tags' })).toBeVisible();
  expect(split.some((name) => name.includes('tags_view'))).toBe(true);
  expect(errors).toEqual([]);
});
