import { expect, test } from '@playwright/test';
import { addTask, collectErrors, hydrated, screenshot, signUp } from './support';

test('add, edit, cancel, toggle, filter, clear and delete tasks', async ({ page }) => {
  const errors = collectErrors(page);
  await signUp(page);
  await expect(page.getByTestId('empty')).toHaveText('Nothing here yet. Add your first task above.');
  await expect(page.getByTestId('items-left')).toHaveText('0 items left');

  await addTask(page, 'Buy milk');
  const input = page.getByLabel('What needs doing?');
  await expect(input).toHaveValue('');
  await expect(input).toBeFocused();
  await addTask(page, 'Call Ada');
  await addTask(page, 'Water plants');
  await expect(page.getByTestId('items-left')).toHaveText('3 items left');
  // Newest first.
  await expect(page.getByTestId('task').first()).toContainText('Water plants');

  // Edit with the button, save with Enter.
  await page.getByRole('link', { name: 'Edit: Call Ada' }).click();
  const title = page.getByLabel('Title');
  await expect(title).toBeFocused();
  await title.fill('Call Ada Lovelace');
  await title.press('Enter');
  await expect(page.getByTestId('task').filter({ hasText: 'Call Ada Lovelace' })).toBeVisible();

  // Double-click to edit, Escape cancels.
  await page.getByText('Buy milk').dblclick();
  await page.getByLabel('Title').fill('Something else');
  await page.getByLabel('Title').press('Escape');
  await expect(page.getByText('Buy milk')).toBeVisible();
  await expect(page.getByText('Something else')).toHaveCount(0);

  // Clearing the title is refused, not a delete.
  await page.getByRole('link', { name: 'Edit: Buy milk' }).click();
  await page.getByLabel('Title').fill('   ');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByText('Enter a title for the task.')).toBeVisible();
  await page.getByRole('link', { name: 'Cancel' }).click();

  // Toggle one, the counter follows.
  await page.getByRole('checkbox', { name: 'Done: Buy milk' }).check();
  await expect(page.getByTestId('items-left')).toHaveText('2 items left');

  // Filters live in the URL.
  await page.getByRole('link', { name: 'Active', exact: true }).click();
  await expect(page).toHaveURL(/\?filter=active$/);
  await expect(page.getByTestId('task')).toHaveCount(2);
  await page.getByRole('link', { name: 'Completed', exact: true }).click();
  await expect(page.getByTestId('task')).toHaveCount(1);
  await page.reload();
  await hydrated(page);
  await expect(page.getByTestId('task')).toHaveCount(1);
  await page.goBack();
  await expect(page).toHaveURL(/\?filter=active$/);
  await page.getByRole('link', { name: 'All', exact: true }).click();

  // Clear completed removes only the completed one.
  await page.getByRole('button', { name: 'Clear completed (1)' }).click();
  await expect(page.getByTestId('task')).toHaveCount(2);

  // Mark all done, then all not done.
  await page.getByRole('button', { name: 'Mark all as done' }).click();
  await expect(page.getByTestId('items-left')).toHaveText('0 items left');
  await page.getByRole('button', { name: 'Mark all as not done' }).click();
  await expect(page.getByTestId('items-left')).toHaveText('2 items left');

  // Delete one.
  await page.getByRole('button', { name: 'Delete: Water plants' }).click();
  await expect(page.getByTestId('task')).toHaveCount(1);
  await expect(page.getByTestId('items-left')).toHaveText('1 item left');

  // Everything persisted.
  await page.reload();
  await hydrated(page);
  await expect(page.getByTestId('task')).toHaveCount(1);
  await expect(page.getByTestId('task')).toContainText('Call Ada Lovelace');
  expect(errors).toEqual([]);
});

test('a title with markup is shown as text and runs nothing', async ({ page }) => {
  await signUp(page);
  let dialogs = 0;
  page.on('dialog', (d) => {
    dialogs += 1;
    void d.dismiss();
  });
  const evil = '<script>alert(1)</script><img src=x onerror=alert(2)>';
  await addTask(page, evil);
  await page.reload();
  await hydrated(page);
  await expect(page.getByTestId('task').first()).toContainText(evil);
  expect(dialogs).toBe(0);
});

test('two people never see each other\'s tasks', async ({ browser }) => {
  const ada = await browser.newContext();
  const bob = await browser.newContext();
  const adaPage = await ada.newPage();
  const bobPage = await bob.newPage();
  await signUp(adaPage);
  await signUp(bobPage);
  await addTask(adaPage, 'Ada private task');
  await addTask(bobPage, 'Bob private task');
  await adaPage.reload();
  await bobPage.reload();
  await expect(adaPage.getByTestId('task')).toHaveCount(1);
  await expect(adaPage.getByText('Bob private task')).toHaveCount(0);
  await expect(bobPage.getByTestId('task')).toHaveCount(1);
  await expect(bobPage.getByText('Ada private task')).toHaveCount(0);
  await ada.close();
  await bob.close();
});

test('changes made quickly one after another reach the server in the order they were made', async ({ page }) => {
  await signUp(page);
  await addTask(page, 'Done and cleared');
  await addTask(page, 'Edited then done');
  // The first change of each pair is slow to leave: the second must not overtake it (a browser
  // spreads requests over several connections, so the server could run them the other way round).
  const slow = new Set(['/api/set_task_completed', '/api/update_task']);
  await page.route(
    (url) => slow.has(url.pathname),
    async (route) => {
      await new Promise((r) => setTimeout(r, 500));
      await route.continue();
    },
  );
  await page.getByRole('checkbox', { name: 'Done: Done and cleared' }).check();
  await page.getByRole('button', { name: /Clear completed/ }).click();
  await expect(page.getByTestId('task')).toHaveCount(1);

  await page.getByRole('link', { name: 'Edit: Edited then done' }).click();
  await page.getByLabel('Title').fill('Edited, then done');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('checkbox', { name: 'Done: Edited, then done' }).check();
  await expect(page.getByTestId('items-left')).toHaveText('0 items left');

  // What the server did, read back: the cleared task is gone, the edit and the toggle both made.
  await page.unroute((url) => slow.has(url.pathname));
  await expect
    .poll(async () => {
      const res = await page.request.get('/api/list_tasks');
      return ((await res.json()).tasks as { title: string; completed: boolean }[]).map(
        (t) => `${t.title}: ${t.completed}`,
      );
    })
    .toEqual(['Edited, then done: true']);
  await page.reload();
  await hydrated(page);
  await expect(page.getByTestId('task')).toHaveCount(1);
  await expect(page.getByRole('checkbox', { name: 'Done: Edited, then done' })).toBeChecked();
});

test.describe('with JavaScript off', () => {
  test('add, toggle, edit, filter and delete by posting forms', async ({ browser }) => {
    // Sign up with JavaScript on, then continue in a context without it, sharing the cookie.
    const withJs = await browser.newContext();
    const setup = await withJs.newPage();
    await signUp(setup);
    const storage = await withJs.storageState();
    await withJs.close();
    const context = await browser.newContext({ javaScriptEnabled: false, storageState: storage });
    const page = await context.newPage();
    await page.goto('/');

    await page.getByLabel('What needs doing?').fill('No-JS task');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await expect(page.getByTestId('task')).toContainText('No-JS task');
    await page.getByLabel('What needs doing?').fill('Second no-JS task');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await expect(page.getByTestId('items-left')).toHaveText('2 items left');

    // Toggle with the button that stands in for the checkbox.
    await page.getByTestId('task').filter({ hasText: 'Second no-JS task' }).getByRole('button', { name: 'Mark done' }).click();
    await expect(page.getByTestId('items-left')).toHaveText('1 item left');

    // Edit through the ?edit= page.
    await page.getByRole('link', { name: 'Edit: No-JS task' }).click();
    await expect(page).toHaveURL(/edit=/);
    await page.getByLabel('Title').fill('No-JS task, edited');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect(page.getByText('No-JS task, edited')).toBeVisible();

    // Filter.
    await page.getByRole('link', { name: 'Completed', exact: true }).click();
    await expect(page.getByTestId('task')).toHaveCount(1);
    await expect(page.getByTestId('task')).toContainText('Second no-JS task');

    // Delete.
    await page.getByRole('button', { name: 'Delete: Second no-JS task' }).click();
    await expect(page.getByTestId('task')).toHaveCount(0);
    await page.getByRole('link', { name: 'All', exact: true }).click();
    await expect(page.getByTestId('task')).toHaveCount(1);
    await context.close();
  });
});

test('task page screenshots: empty, 20 tasks, editing, adding; phone and desktop; light and dark', async ({ page }) => {
  await signUp(page);
  for (const [name, viewport] of [
    ['phone', { width: 375, height: 800 }],
    ['desktop', { width: 1280, height: 900 }],
  ] as const) {
    await page.setViewportSize(viewport);
    await screenshot(page, `tasks-empty-${name}`);
  }
  for (let i = 1; i <= 20; i++) {
    await addTask(page, `Task number ${i}${i % 4 === 0 ? ' with a longer title that needs to wrap on a small phone screen' : ''}`);
  }
  await page.getByRole('checkbox', { name: 'Done: Task number 3' }).check();
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const [name, viewport] of [
      ['phone', { width: 375, height: 800 }],
      ['desktop', { width: 1280, height: 900 }],
    ] as const) {
      await page.setViewportSize(viewport);
      await screenshot(page, `tasks-20-${name}-${scheme}`);
    }
  }
  await page.getByRole('link', { name: 'Edit: Task number 2', exact: true }).click();
  await screenshot(page, 'tasks-editing-desktop-dark');
  // The add form's fields and an edit form open at once: the two uses of one set of fields.
  await page.locator('details.new-task-more summary').click();
  await screenshot(page, 'tasks-add-and-edit-desktop-dark');
  await page.setViewportSize({ width: 375, height: 800 });
  await screenshot(page, 'tasks-add-and-edit-phone-dark');
});
