import { expect, test, type Page } from '@playwright/test';
import { hydrated, screenshot, signUp } from './support';

function isoDay(offset: number) {
  const d = new Date();
  d.setUTCDate(d.getUTCDate() + offset);
  return d.toISOString().slice(0, 10);
}

async function addDetailed(page: Page, title: string, opts: { priority?: string; due?: string; tags?: string }) {
  const more = page.locator('details.new-task-more');
  if (!(await more.evaluate((d) => (d as HTMLDetailsElement).open))) await more.locator('summary').click();
  await page.getByLabel('What needs doing?').fill(title);
  if (opts.priority) await page.locator('#add-task-priority').selectOption(opts.priority);
  if (opts.due) await page.locator('#add-task-due').fill(opts.due);
  if (opts.tags) await page.locator('#add-task-tags').fill(opts.tags);
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  const row = page.getByTestId('task').filter({ hasText: title }).first();
  await expect(row).toBeVisible();
  await expect(row).not.toHaveClass(/pending/);
}

test('priority, due dates and tags; search, filter and sort live in the URL', async ({ page }) => {
  await signUp(page);
  await addDetailed(page, 'Write report', { priority: 'high', due: isoDay(-1), tags: 'work, urgent' });
  await addDetailed(page, 'Buy milk', { priority: 'low', due: isoDay(0), tags: 'home' });
  await addDetailed(page, 'Read a book', { tags: 'home' });

  const report = page.getByTestId('task').filter({ hasText: 'Write report' });
  await expect(report).toContainText('High priority');
  await expect(report).toContainText('Overdue');
  await expect(report.getByRole('link', { name: '#urgent' })).toBeVisible();
  await expect(page.getByTestId('task').filter({ hasText: 'Buy milk' })).toContainText('Due today');
  await screenshot(page, 'list-desktop');

  // Search, with the filters in the URL.
  await page.reload();
  await hydrated(page);
  await page.getByRole('searchbox', { name: 'Search' }).fill('MILK');
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page).toHaveURL(/q=MILK/);
  await expect(page.getByTestId('task')).toHaveCount(1);
  await expect(page.getByTestId('task')).toContainText('Buy milk');

  // Tag filter from a tag link, then priority; sort by priority.
  await page.getByRole('link', { name: 'Clear' }).click();
  await expect(page.getByTestId('task')).toHaveCount(3);
  await page.getByRole('link', { name: '#home' }).first().click();
  await expect(page).toHaveURL(/tag=home/);
  await expect(page.getByTestId('task')).toHaveCount(2);
  await page.goto('/?sort=priority');
  await hydrated(page);
  await expect(page.getByTestId('task').first()).toContainText('Write report');
  await expect(page.getByTestId('task').last()).toContainText('Read a book');
  await page.goto('/?due=overdue');
  await expect(page.getByTestId('task')).toHaveCount(1);
  await page.goto('/?sort=title');
  await expect(page.getByTestId('task').first()).toContainText('Buy milk');

  // Edit the tags and priority in place.
  await hydrated(page);
  await page.getByRole('link', { name: 'Edit: Read a book' }).click();
  const editing = page.locator('form.edit-task');
  await editing.getByLabel('Priority').selectOption('medium');
  await editing.getByLabel('Tags').fill('leisure');
  await page.getByRole('button', { name: 'Save' }).click();
  const book = page.getByTestId('task').filter({ hasText: 'Read a book' });
  await expect(book).toContainText('Medium priority');
  await expect(book.getByRole('link', { name: '#leisure' })).toBeVisible();

  // Rename and delete tags in the tags view.
  await page.getByRole('link', { name: 'Manage tags' }).click();
  await expect(page.getByRole('heading', { name: 'Tags' })).toBeVisible();
  await hydrated(page);
  await page.getByLabel('New name for leisure').fill('Reading');
  await page.getByRole('button', { name: 'Rename' }).nth(1).click();
  await expect(page.getByRole('link', { name: '#Reading' })).toBeVisible();
  await page.getByRole('button', { name: 'Delete tag urgent' }).click();
  await expect(page.getByRole('link', { name: '#urgent' })).toHaveCount(0);
  await screenshot(page, 'tags-desktop');
});

test.describe('with JavaScript off', () => {
  test('search and filter with the form, and add a task with a priority', async ({ browser }) => {
    const withJs = await browser.newContext();
    const setup = await withJs.newPage();
    await signUp(setup);
    await addDetailed(setup, 'Alpha task', { priority: 'high', tags: 'one' });
    await addDetailed(setup, 'Beta task', { tags: 'two' });
    const storage = await withJs.storageState();
    await withJs.close();
    const context = await browser.newContext({ javaScriptEnabled: false, storageState: storage });
    const page = await context.newPage();
    await page.goto('/');
    await page.getByRole('searchbox', { name: 'Search' }).fill('beta');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect(page).toHaveURL(/q=beta/);
    await expect(page.getByTestId('task')).toHaveCount(1);
    await page.goto('/');
    await page.locator('#list-priority').selectOption('high');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect(page.getByTestId('task')).toHaveCount(1);
    await expect(page.getByTestId('task')).toContainText('Alpha task');

    await page.goto('/');
    await page.getByLabel('What needs doing?').fill('Gamma task');
    await page.locator('details.new-task-more summary').click();
    await page.locator('#add-task-priority').selectOption('medium');
    await page.locator('#add-task-due').fill('2030-01-15');
    await page.locator('#add-task-tags').fill('x'.repeat(41));
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await expect(page.getByText('Keep each tag to 40 characters or fewer.')).toBeVisible();
    // What was typed comes back with the message.
    await expect(page.getByLabel('What needs doing?')).toHaveValue('Gamma task');
    await expect(page.locator('#add-task-due')).toHaveValue('2030-01-15');
    await page.locator('#add-task-tags').fill('three');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    const gamma = page.getByTestId('task').filter({ hasText: 'Gamma task' });
    await expect(gamma).toContainText('Medium priority');
    await expect(gamma).toContainText('Due 15 Jan 2030');
    await context.close();
  });
});
