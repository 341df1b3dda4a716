import { expect, test, type Browser, type Page } from '@playwright/test';
import {
  addTask,
  collectErrors,
  hydrated,
  newPerson,
  screenshot,
  serverCalls,
  settled,
  signIn,
  signUp,
} from './support';

/** One person on two devices: a page in each of two browser contexts. */
async function twoDevices(browser: Browser) {
  const laptop = await (await browser.newContext()).newPage();
  const phone = await (await browser.newContext()).newPage();
  const person = await signUp(laptop);
  await signIn(phone, person);
  return { laptop, phone, person };
}

const task = (page: Page, title: string) => page.getByTestId('task').filter({ hasText: title });

/** Waits until the server has saved `title` among the person's tasks: an edit shows on its own
 *  page at once, before the server has it, and a test racing the other device against it must
 *  know which write came first. */
async function saved(page: Page, title: string) {
  await expect
    .poll(async () => {
      const res = await page.request.get('/api/list_tasks');
      return ((await res.json()).tasks as { title: string }[]).map((t) => t.title);
    })
    .toContain(title);
}

test('every kind of change made on one device shows on the other without a reload', async ({ browser }) => {
  const { laptop, phone } = await twoDevices(browser);
  const errors = collectErrors(phone);

  // Add.
  await addTask(laptop, 'Buy milk');
  await addTask(laptop, 'Call Ada');
  await expect(task(phone, 'Buy milk')).toBeVisible();
  await expect(task(phone, 'Call Ada')).toBeVisible();
  await expect(phone.getByTestId('items-left')).toHaveText('2 items left');

  // Toggle.
  await laptop.getByRole('checkbox', { name: 'Done: Buy milk' }).check();
  await expect(phone.getByRole('checkbox', { name: 'Done: Buy milk' })).toBeChecked();
  await expect(phone.getByTestId('items-left')).toHaveText('1 item left');

  // Edit (title and tags).
  await laptop.getByRole('link', { name: 'Edit: Call Ada' }).click();
  await laptop.getByLabel('Title').fill('Call Ada Lovelace');
  await laptop.locator('[id^="edit-"][id$="-tags"]').fill('people');
  await laptop.getByRole('button', { name: 'Save' }).click();
  await expect(task(phone, 'Call Ada Lovelace')).toBeVisible();
  await expect(task(phone, 'Call Ada Lovelace').getByRole('link', { name: '#people' })).toBeVisible();

  // Mark all done, then all not done.
  await laptop.getByRole('button', { name: 'Mark all as done' }).click();
  await expect(phone.getByTestId('items-left')).toHaveText('0 items left');
  await expect(phone.getByRole('checkbox', { name: 'Done: Call Ada Lovelace' })).toBeChecked();

  // Clear completed.
  await laptop.getByRole('button', { name: /Clear completed/ }).click();
  await expect(phone.getByTestId('task')).toHaveCount(0);

  // Delete.
  await addTask(laptop, 'Short-lived');
  await expect(task(phone, 'Short-lived')).toBeVisible();
  await laptop.getByRole('button', { name: 'Delete: Short-lived' }).click();
  await expect(task(phone, 'Short-lived')).toHaveCount(0);

  // Tag rename and delete, made on the tags page, reach the task list.
  await addTask(laptop, 'Water plants');
  await laptop.getByRole('link', { name: 'Edit: Water plants' }).click();
  await laptop.locator('[id^="edit-"][id$="-tags"]').fill('garden');
  await laptop.getByRole('button', { name: 'Save' }).click();
  await expect(task(phone, 'Water plants').getByRole('link', { name: '#garden' })).toBeVisible();
  await laptop.goto('/tags');
  await hydrated(laptop);
  await laptop.getByLabel('New name for garden').fill('Outdoors');
  await laptop.getByRole('button', { name: 'Rename tag garden' }).click();
  await expect(task(phone, 'Water plants').getByRole('link', { name: '#Outdoors' })).toBeVisible();
  await laptop.getByRole('button', { name: 'Delete tag Outdoors' }).click();
  await expect(task(phone, 'Water plants').getByRole('link', { name: '#Outdoors' })).toHaveCount(0);
  await expect(task(phone, 'Water plants')).toBeVisible();

  expect(errors).toEqual([]);
});

test('a change on the phone shows on the tags page open on the laptop', async ({ browser }) => {
  const { laptop, phone } = await twoDevices(browser);
  await laptop.goto('/tags');
  await hydrated(laptop);
  await expect(laptop.getByText('No tags yet.')).toBeVisible();
  const more = phone.locator('details.new-task-more');
  await more.locator('summary').click();
  await phone.getByLabel('What needs doing?').fill('Plan trip');
  await phone.locator('#add-task-tags').fill('travel');
  await phone.getByRole('button', { name: 'Add', exact: true }).click();
  await expect(laptop.getByRole('link', { name: '#travel' })).toBeVisible();
});

test("another person's open page receives nothing", async ({ browser }) => {
  const { laptop } = await twoDevices(browser);
  const stranger = await (await browser.newContext()).newPage();
  await signUp(stranger, newPerson());
  await addTask(stranger, 'My own');
  await addTask(laptop, 'Not for strangers');
  await laptop.getByRole('checkbox', { name: 'Done: Not for strangers' }).check();
  await laptop.getByRole('button', { name: /Clear completed/ }).click();
  // The laptop's own list shows what it did; the stranger's list is untouched.
  await expect(laptop.getByTestId('task')).toHaveCount(0);
  await expect(stranger.getByTestId('task')).toHaveCount(1);
  await expect(stranger.getByText('Not for strangers')).toHaveCount(0);
});

test('two tabs of one browser share one stream', async ({ browser }) => {
  const context = await browser.newContext();
  const streams: string[] = [];
  context.on('request', (r) => {
    if (new URL(r.url()).pathname === '/api/events') streams.push(r.url());
  });
  const first = await context.newPage();
  await signUp(first);
  await expect.poll(() => streams.length).toBe(1);
  const second = await context.newPage();
  await second.goto('/');
  await hydrated(second);
  await addTask(first, 'Seen in both');
  await expect(task(second, 'Seen in both')).toBeVisible();
  // The second tab hears through the first tab's stream and opened none of its own.
  expect(streams.length).toBe(1);
  // When the leading tab closes, the other takes the stream over.
  await first.close();
  await expect.poll(() => streams.length).toBe(2);
  const third = await context.newPage();
  await third.goto('/');
  await hydrated(third);
  await addTask(third, 'After the handover');
  await expect(task(second, 'After the handover')).toBeVisible();
  expect(streams.length).toBe(2);
});

test('an edit based on an old version shows the conflict beside the task, with what was typed kept', async ({ browser }) => {
  const { laptop, phone } = await twoDevices(browser);
  await addTask(laptop, 'Draft the plan');
  await expect(task(phone, 'Draft the plan')).toBeVisible();

  // The phone starts editing; meanwhile the laptop changes the same task.
  await phone.getByRole('link', { name: 'Edit: Draft the plan' }).click();
  await phone.getByLabel('Title').fill('Draft the plan (phone)');
  await laptop.getByRole('link', { name: 'Edit: Draft the plan' }).click();
  await laptop.getByLabel('Title').fill('Draft the plan (laptop)');
  await laptop.getByRole('button', { name: 'Save' }).click();
  await expect(task(laptop, 'Draft the plan (laptop)')).toBeVisible();
  await saved(laptop, 'Draft the plan (laptop)');

  // The phone's edit in progress was left alone; saving it meets the conflict.
  await expect(phone.getByLabel('Title')).toHaveValue('Draft the plan (phone)');
  const calls = serverCalls(phone);
  await phone.getByRole('button', { name: 'Save' }).click();
  await expect(phone.getByText('It now reads “Draft the plan (laptop)”')).toBeVisible();
  await expect(phone.getByLabel('Title')).toHaveValue('Draft the plan (phone)');
  // The refusal carried the task as it is now: one request.
  await settled(phone);
  expect(calls).toEqual(['/api/update_task']);
  await screenshot(phone, 'live-edit-conflict');
  // Saving again, knowingly, replaces it.
  await phone.getByRole('button', { name: 'Save' }).click();
  await expect(task(laptop, 'Draft the plan (phone)')).toBeVisible();
});

test('a stale toggle is refused and the task shows as it is now, marked', async ({ browser }) => {
  const { laptop, phone } = await twoDevices(browser);
  await addTask(laptop, 'Pay rent');
  // The phone hears nothing from now on, so its copy goes stale: its pages get an
  // EventSource that never connects (an open stream is beyond page.route's reach).
  await phone.context().addInitScript(() => {
    class Silent extends EventTarget {
      static readonly CONNECTING = 0;
      static readonly OPEN = 1;
      static readonly CLOSED = 2;
      readyState = 0;
      onmessage = null;
      onerror = null;
      onopen = null;
      constructor(readonly url: string) {
        super();
      }
      close() {
        this.readyState = 2;
      }
    }
    (window as unknown as { EventSource: unknown }).EventSource = Silent;
  });
  await phone.reload();
  await hydrated(phone);
  await expect(task(phone, 'Pay rent')).toBeVisible();
  await laptop.getByRole('link', { name: 'Edit: Pay rent' }).click();
  await laptop.getByLabel('Title').fill('Pay rent today');
  await laptop.getByRole('button', { name: 'Save' }).click();
  await expect(task(laptop, 'Pay rent today')).toBeVisible();
  await saved(laptop, 'Pay rent today');
  expect(await phone.evaluate(() => window.EventSource.name)).toBe('Silent');
  await expect(task(phone, 'Pay rent today')).toHaveCount(0);

  // click, not check: the refusal leaves it unchecked. It carries the task as it is now:
  // one request, no second read.
  const calls = serverCalls(phone);
  await phone.getByRole('checkbox', { name: 'Done: Pay rent', exact: true }).click();
  const now = task(phone, 'Pay rent today');
  await expect(now).toBeVisible();
  await expect(now.getByRole('alert')).toHaveText(/changed elsewhere, so your change was not saved/);
  await expect(now.getByRole('checkbox', { name: 'Done: Pay rent today' })).not.toBeChecked();
  await settled(phone);
  expect(calls).toEqual(['/api/set_task_completed']);
  await screenshot(phone, 'live-toggle-conflict');
  await expect(laptop.getByRole('checkbox', { name: 'Done: Pay rent today' })).not.toBeChecked();
});
