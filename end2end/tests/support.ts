import { expect, type Page } from '@playwright/test';

/** Waits until the WASM app has taken over the server-rendered page. */
export async function hydrated(page: Page) {
  await expect(page.locator('.app')).toHaveAttribute('data-hydrated', 'true');
}

/** Collects uncaught errors and console errors, to assert a page ran cleanly. */
export function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  return errors;
}

/**
 * The server-function calls the page makes from now on (their paths; the live stream, which
 * stays open, left out): a change the person makes is to cost the one request it needs.
 */
export function serverCalls(page: Page): string[] {
  const calls: string[] = [];
  page.on('request', (request) => {
    const path = new URL(request.url()).pathname;
    if (path.startsWith('/api/') && path !== '/api/events') calls.push(path);
  });
  return calls;
}

/** Lets what a change set off settle (a reply, the live echo, any read it would cause). */
export async function settled(page: Page) {
  await page.waitForTimeout(1000);
}

export async function screenshot(page: Page, name: string) {
  await page.screenshot({ path: `screenshots/${name}.png`, fullPage: true });
}

let counter = 0;

/** A fresh email and a strong password, unique across workers and runs. */
export function newPerson() {
  counter += 1;
  const id = `${Date.now().toString(36)}${process.pid.toString(36)}${counter}`;
  return { email: `e2e-${id}@example.com`, password: `maple ${id} orbit cello`, name: `Tester ${counter}` };
}

/** Signs a new person up through the form and waits for their (empty) task page. */
export async function signUp(page: Page, person = newPerson()) {
  await page.goto('/sign-up');
  await hydrated(page);
  await page.getByLabel('Email').fill(person.email);
  await page.getByLabel('Name (optional)').fill(person.name);
  await page.getByLabel('Password', { exact: true }).fill(person.password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByRole('heading', { name: 'Your tasks' })).toBeVisible();
  await hydrated(page);
  return person;
}

/** Adds a task with the new-task form (Enter in the title). */
export async function addTask(page: Page, title: string) {
  const input = page.getByLabel('What needs doing?');
  await input.fill(title);
  await input.press('Enter');
  const row = page.getByTestId('task').filter({ hasText: title }).first();
  await expect(row).toBeVisible();
  // Shown at once; wait until the server has confirmed it (no longer pending).
  await expect(row).not.toHaveClass(/pending/);
}

/** Signs `person` in on `page` through the form and waits for their task page. */
export async function signIn(page: Page, person: { email: string; password: string }) {
  await page.goto('/sign-in');
  await hydrated(page);
  await page.getByLabel('Email').fill(person.email);
  await page.getByLabel('Password').fill(person.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Your tasks' })).toBeVisible();
  await hydrated(page);
}
