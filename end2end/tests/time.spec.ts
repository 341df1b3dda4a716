import { expect, test, type Page } from '@playwright/test';
import { collectErrors, hydrated, newPerson, screenshot, serverCalls, settled, signUp } from './support';

/** `at` as `<input type=datetime-local>` takes it, on a UTC clock. */
function localInput(at: Date) {
  return at.toISOString().slice(0, 16);
}

/** Opens the new-task form's "More" fields. */
async function more(page: Page) {
  if ((await page.locator('details.new-task-more[open]').count()) === 0) {
    await page.getByText('More: description, priority, due date, repeat, reminder, tags').click();
  }
}

/** Adds a task with a reminder at `at` (the person's zone is UTC here). */
async function addWithReminder(page: Page, title: string, at: Date) {
  await page.getByLabel('What needs doing?').fill(title);
  await more(page);
  await page.getByLabel('Remind me').selectOption('at');
  await page.getByLabel('Remind at').fill(localInput(at));
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  const row = page.getByTestId('task').filter({ hasText: title });
  await expect(row).toBeVisible();
  await expect(row).not.toHaveClass(/pending/);
  await expect(row.locator('.badge.remind')).toBeVisible();
}

test.describe('in Berlin', () => {
  test.use({ timezoneId: 'Europe/Berlin' });

  test('the zone is detected at sign-up; a weekly repeat is picked, said in words, and completing it adds the next', async ({ page }) => {
    const errors = collectErrors(page);
    await signUp(page);
    await page.goto('/account');
    await hydrated(page);
    await expect(page.getByRole('combobox', { name: 'Time zone' })).toHaveValue('Europe/Berlin');
    await page.goto('/');
    await hydrated(page);

    await page.getByLabel('What needs doing?').fill('Water the plants');
    await more(page);
    await page.getByLabel('Due date').fill('2026-12-24');
    await page.getByLabel('Due time (optional)').fill('09:30');
    // Only the chosen repeat's fields show.
    await expect(page.getByRole('group', { name: 'On (weekly)' })).toBeHidden();
    await page.getByLabel('Repeats').selectOption('weekly');
    await expect(page.getByRole('group', { name: 'On (weekly)' })).toBeVisible();
    await expect(page.getByLabel('Day of the month (monthly)')).toBeHidden();
    await page.getByLabel('Every').fill('2');
    await page.getByRole('checkbox', { name: 'Monday' }).check();
    await page.getByRole('checkbox', { name: 'Thursday' }).check();
    const summary = page.getByTestId('add-task-repeat-summary');
    await expect(summary).toHaveText('Repeats every 2 weeks on Mon and Thu');
    await page.getByLabel('Next one counts from').selectOption('completion');
    await expect(summary).toHaveText('Repeats every 2 weeks on Mon and Thu, counted from completion');
    await page.getByLabel('Next one counts from').selectOption('');
    await page.getByLabel('Times (optional)').fill('3');
    await expect(summary).toHaveText('Repeats every 2 weeks on Mon and Thu, 3 times left');
    await screenshot(page, 'time-repeat-picker');
    await page.getByRole('button', { name: 'Add', exact: true }).click();

    const row = page.getByTestId('task').filter({ hasText: 'Water the plants' });
    await expect(row).not.toHaveClass(/pending/);
    await expect(row).toContainText('Due 24 Dec 2026, 09:30');
    await expect(row).toContainText('Repeats every 2 weeks on Mon and Thu, 3 times left');

    // Done: the next occurrence (Monday the 4th of January, two weeks on) appears. (Rows are
    // found by their due date: the new one comes first, newest first.)
    const rows = page.getByTestId('task').filter({ hasText: 'Water the plants' });
    const first = rows.filter({ hasText: 'Due 24 Dec 2026' }).getByRole('checkbox');
    // One request each way: the answer carries the occurrence added (or taken back).
    const calls = serverCalls(page);
    await first.check();
    await expect(rows).toHaveCount(2);
    await expect(rows.filter({ hasText: 'Due 4 Jan 2027, 09:30' })).toContainText('2 times left');
    await expect(page.getByTestId('items-left')).toHaveText('1 item left');
    await settled(page);
    expect(calls).toEqual(['/api/set_task_completed']);
    // Undone: it goes again.
    await first.uncheck();
    await expect(rows).toHaveCount(1);
    await expect(page.getByTestId('items-left')).toHaveText('1 item left');
    await settled(page);
    expect(calls).toEqual(['/api/set_task_completed', '/api/set_task_completed']);

    // The edit form shows the repeat as it was picked.
    await page.getByRole('link', { name: 'Edit: Water the plants' }).click();
    const edit = page.locator('form.edit-task');
    await expect(edit.getByLabel('Repeats')).toHaveValue('weekly');
    await expect(edit.getByLabel('Every')).toHaveValue('2');
    await expect(edit.getByRole('checkbox', { name: 'Thursday' })).toBeChecked();
    await expect(edit.getByRole('checkbox', { name: 'Friday' })).not.toBeChecked();
    await expect(edit.getByTestId(/repeat-summary/)).toHaveText('Repeats every 2 weeks on Mon and Thu, 3 times left');
    await screenshot(page, 'time-list');
    expect(errors).toEqual([]);
  });

  test('changing the time zone moves a due time to the new clock', async ({ page }) => {
    await signUp(page);
    await page.getByLabel('What needs doing?').fill('Call home');
    await more(page);
    await page.getByLabel('Due date').fill('2026-12-24');
    await page.getByLabel('Due time (optional)').fill('18:00');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await expect(page.getByTestId('task').filter({ hasText: 'Call home' })).toContainText('24 Dec 2026, 18:00');

    await page.goto('/account');
    await hydrated(page);
    await page.getByRole('combobox', { name: 'Time zone' }).fill('Asia/Tokyo');
    await page.getByRole('button', { name: 'Save time zone' }).click();
    await expect(page.getByText('Your time zone was saved.')).toBeVisible();
    await page.goto('/');
    await hydrated(page);
    // 18:00 in Berlin on the 24th is 02:00 on the 25th in Tokyo.
    await expect(page.getByTestId('task').filter({ hasText: 'Call home' })).toContainText('Due 25 Dec 2026, 02:00');
  });
});

test.describe('reminders, on a fixed clock in UTC', () => {
  test.use({ timezoneId: 'UTC' });

  test('a reminder shows as a banner at its time, once for two tabs, and snooze and done work', async ({ page, context }) => {
    const errors = collectErrors(page);
    await context.addInitScript(() => {
      // No permission asked or given: the page falls back to its banner.
      Object.defineProperty(window, 'Notification', {
        configurable: true,
        value: Object.assign(function () { throw new Error('no notifications here'); }, {
          permission: 'denied',
          requestPermission: async () => 'denied',
        }),
      });
    });
    await page.clock.install({ time: new Date() });
    await signUp(page);
    const soon = new Date(Date.now() + 3 * 60_000);
    await addWithReminder(page, 'Stretch', soon);
    await addWithReminder(page, 'Drink water', new Date(Date.now() + 60 * 60_000));

    // A second tab of the same person.
    const tab = await context.newPage();
    await tab.clock.install({ time: new Date() });
    await tab.goto('/');
    await hydrated(tab);
    const banners = () => [page, tab].map((p) => p.getByTestId('due-reminders').getByRole('alert'));
    for (const b of banners()) await expect(b).toHaveCount(0);

    await page.clock.fastForward('04:00');
    await tab.clock.fastForward('04:00');
    const [here, there] = banners();
    const shownCount = async () => (await here.count()) + (await there.count());
    await expect.poll(shownCount).toBe(1);
    // Shown by exactly one of the two tabs, and only once.
    await page.waitForTimeout(500);
    expect(await shownCount()).toBe(1);
    const shown = (await here.count()) === 1 ? page : tab;
    const banner = shown.getByTestId('due-reminders').getByRole('alert');
    await expect(banner).toContainText('Stretch');
    await screenshot(shown, 'time-reminder-banner');

    // Snooze: the banner goes, and the task's reminder moves on.
    const badge = shown.getByTestId('task').filter({ hasText: 'Stretch' }).locator('.badge.remind');
    const before = await badge.textContent();
    await shown.getByRole('button', { name: 'Snooze 10 minutes: Stretch' }).click();
    await expect(banner).toHaveCount(0);
    await expect(badge).not.toHaveText(before ?? '');

    // Ten minutes on it shows again (on one tab); "Done" completes the task.
    await page.clock.fastForward('11:00');
    await tab.clock.fastForward('11:00');
    await expect.poll(shownCount).toBe(1);
    const again = (await here.count()) === 1 ? page : tab;
    await again.getByRole('button', { name: 'Done: Stretch' }).click();
    await expect(again.getByRole('checkbox', { name: 'Done: Stretch' })).toBeChecked();
    expect(errors).toEqual([]);
  });

  test('with notifications allowed, a reminder is also a system notification', async ({ page, context }) => {
    await context.addInitScript(() => {
      const shown: { title: string; body?: string }[] = [];
      (window as unknown as { shownNotifications: typeof shown }).shownNotifications = shown;
      function FakeNotification(this: object, title: string, options?: { body?: string }) {
        shown.push({ title, body: options?.body });
      }
      Object.assign(FakeNotification, { permission: 'granted', requestPermission: async () => 'granted' });
      Object.defineProperty(window, 'Notification', { configurable: true, value: FakeNotification });
    });
    await page.clock.install({ time: new Date() });
    await signUp(page);
    await addWithReminder(page, 'Take the bread out', new Date(Date.now() + 2 * 60_000));
    await page.clock.fastForward('03:00');
    await expect(page.getByTestId('due-reminders').getByRole('alert')).toContainText('Take the bread out');
    const notes = await page.evaluate(() => (window as unknown as { shownNotifications: { title: string }[] }).shownNotifications);
    expect(notes.map((n) => n.title)).toEqual(['Take the bread out']);
  });

  test('asking for notifications: the button shows while undecided and goes once allowed', async ({ page, context }) => {
    await context.addInitScript(() => {
      let permission = 'default';
      function FakeNotification() {}
      Object.defineProperty(FakeNotification, 'permission', { get: () => permission });
      Object.assign(FakeNotification, { requestPermission: async () => (permission = 'granted') });
      Object.defineProperty(window, 'Notification', { configurable: true, value: FakeNotification });
    });
    await page.clock.install({ time: new Date() });
    await signUp(page);
    await addWithReminder(page, 'Call the dentist', new Date(Date.now() + 30 * 60_000));
    await page.reload();
    await hydrated(page);
    const ask = page.getByRole('button', { name: 'Turn on notifications' });
    await expect(ask).toBeVisible();
    await ask.click();
    await expect(ask).toBeHidden();
  });

  test('reminders missed while no page was open are listed when it opens, once', async ({ page, context }) => {
    await signUp(page);
    await page.goto('about:blank');
    // Added from another page that then closed, with its reminder five minutes ago.
    const other = await context.newPage();
    await other.route('**/api/pending_reminders*', (route) => route.fulfill({ json: [] }));
    await other.goto('/');
    await hydrated(other);
    await addWithReminder(other, 'Pay the rent', new Date(Date.now() - 5 * 60_000));
    await other.close();

    await page.goto('/');
    await hydrated(page);
    const missed = page.getByTestId('missed-reminders');
    await expect(page.getByRole('heading', { name: 'Missed reminders' })).toBeVisible();
    await expect(missed).toContainText('Pay the rent');
    await expect(missed).toContainText('Reminder was at');
    await page.getByRole('button', { name: 'Dismiss: Pay the rent' }).click();
    await expect(page.getByRole('heading', { name: 'Missed reminders' })).toBeHidden();
    // Shown once: not again on the next open.
    await page.reload();
    await hydrated(page);
    await expect(page.getByTestId('task').filter({ hasText: 'Pay the rent' })).toBeVisible();
    await expect(page.getByRole('heading', { name: 'Missed reminders' })).toBeHidden();
  });
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('every time field works in the plain form, and reminders say they need the page open', async ({ page }) => {
    const person = newPerson();
    await page.goto('/sign-up');
    await page.getByLabel('Email').fill(person.email);
    await page.getByLabel('Password', { exact: true }).fill(person.password);
    await page.getByRole('button', { name: 'Create account' }).click();
    await expect(page.getByRole('heading', { name: 'Your tasks' })).toBeVisible();

    await more(page);
    await expect(page.getByText('Reminders show while your list is open in a browser with JavaScript on.')).toBeVisible();
    // Every repeat field is there to fill, whatever the choice.
    await expect(page.getByRole('group', { name: 'On (weekly)' })).toBeVisible();
    await page.getByLabel('What needs doing?').fill('Pay the bills');
    await page.getByLabel('Due date').fill('2026-12-31');
    await page.getByLabel('Due time (optional)').fill('17:00');
    await page.getByLabel('Repeats').selectOption('monthly');
    await page.getByLabel('Day of the month (monthly)').selectOption('last');
    await page.getByLabel('Remind me').selectOption('1440');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    const row = page.getByTestId('task').filter({ hasText: 'Pay the bills' });
    await expect(row).toContainText('Due 31 Dec 2026, 17:00');
    await expect(row).toContainText('Repeats every month on the last day');
    await expect(row).toContainText('Reminder 30 Dec 2026, 17:00');

    // A bad value comes back with its message and what was typed.
    await page.getByLabel('What needs doing?').fill('Nonsense');
    await more(page);
    await page.getByLabel('Due time (optional)').fill('08:00');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await expect(page.getByText('Choose a due date for the time, or leave the time empty.')).toBeVisible();
    await expect(page.getByLabel('What needs doing?')).toHaveValue('Nonsense');

    // Done, plainly: the next occurrence is the end of January.
    await page.getByTestId('task').filter({ hasText: 'Pay the bills' }).getByRole('button', { name: 'Mark done' }).click();
    await expect(page.getByTestId('task').filter({ hasText: 'Due 31 Jan 2027, 17:00' })).toBeVisible();
  });
});
