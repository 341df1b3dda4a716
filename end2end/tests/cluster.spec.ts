import { execFileSync } from 'node:child_process';
import { expect, test, type Browser, type Page } from '@playwright/test';
import { addTask, hydrated, signIn, signUp } from './support';

// The `cluster` project (playwright.config.ts): two instances of the app on one database behind
// HAProxy, started by scripts/cluster.sh. The project's baseURL is the balancer; instance I
// also answers directly on the balancer's port + I.
const clusterPort = Number(process.env.E2E_CLUSTER_PORT ?? 3110);
const instance = (i: number) => `http://127.0.0.1:${clusterPort + i}`;

// One test stops an instance: the others must not run meanwhile.
test.describe.configure({ mode: 'serial' });

/** Runs `scripts/cluster.sh <command> <i>` against the running cluster. */
function cluster(command: 'stop' | 'start', i: number) {
  execFileSync('bash', ['../scripts/cluster.sh', command, String(i)], {
    env: { ...process.env, CLUSTER_PORT: String(clusterPort) },
    stdio: 'pipe',
  });
}

/** A page in a context of its own, talking to `baseURL`. */
async function deviceOn(browser: Browser, baseURL: string): Promise<Page> {
  return (await browser.newContext({ baseURL })).newPage();
}

const task = (page: Page, title: string) => page.getByTestId('task').filter({ hasText: title });

test('a change through one instance shows on a page connected to the other', async ({ browser }) => {
  const laptop = await deviceOn(browser, instance(1));
  const phone = await deviceOn(browser, instance(2));
  const person = await signUp(laptop);
  await signIn(phone, person);

  await addTask(laptop, 'Made on instance one');
  await expect(task(phone, 'Made on instance one')).toBeVisible();
  await phone.getByRole('checkbox', { name: 'Done: Made on instance one' }).check();
  await expect(laptop.getByRole('checkbox', { name: 'Done: Made on instance one' })).toBeChecked();
});

test('through the balancer a session is served by both instances and its stream passes unbuffered', async ({
  browser,
}) => {
  const context = await browser.newContext();
  const servedBy = new Set<string>();
  let streamServedBy: string | undefined;
  context.on('response', (response) => {
    const name = response.headers()['x-served-by'];
    if (!name) return;
    servedBy.add(name);
    if (new URL(response.url()).pathname === '/api/events') streamServedBy = name;
  });
  const page = await context.newPage();
  const person = await signUp(page);

  // Page after page stays signed in, whichever instance answers.
  for (let i = 0; i < 12 && servedBy.size < 2; i++) {
    await page.goto(i % 2 ? '/tags' : '/');
    await expect(page.getByRole('link', { name: /^Signed in as/ })).toBeVisible();
  }
  expect([...servedBy].sort()).toEqual(['app1', 'app2']);

  // A change from another device reaches this page through the balancer's stream.
  await page.goto('/');
  await hydrated(page);
  await expect.poll(() => streamServedBy).toBeDefined();
  const other = await deviceOn(browser, instance(streamServedBy === 'app1' ? 2 : 1));
  await signIn(other, person);
  await addTask(other, 'Through the balancer');
  await expect(task(page, 'Through the balancer')).toBeVisible();
});

test('after its instance restarts, a page reconnects and shows what changed while it was away', async ({
  browser,
}) => {
  const laptop = await deviceOn(browser, instance(1));
  const phone = await deviceOn(browser, instance(2));
  const person = await signUp(laptop);
  await signIn(phone, person);
  await addTask(laptop, 'Before the restart');
  await expect(task(phone, 'Before the restart')).toBeVisible();
  // Marks this document: a reload would lose it.
  await phone.evaluate(() => ((window as unknown as { sameDocument: boolean }).sameDocument = true));

  cluster('stop', 2);
  try {
    await addTask(laptop, 'While the phone was away');
    await laptop.getByRole('checkbox', { name: 'Done: Before the restart' }).check();
  } finally {
    cluster('start', 2);
  }

  // The browser retries after 1 s, then after 2 s and 5 s more (src/live/browser.rs): wait for
  // that schedule, not the default 5 s.
  await expect(task(phone, 'While the phone was away')).toBeVisible({ timeout: 20_000 });
  await expect(phone.getByRole('checkbox', { name: 'Done: Before the restart' })).toBeChecked();
  expect(await phone.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true);
  // And it is live again, not just refreshed once.
  await addTask(laptop, 'After the restart');
  await expect(task(phone, 'After the restart')).toBeVisible();
});
