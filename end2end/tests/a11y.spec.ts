import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { addTask, hydrated, signUp } from './support';

async function violations(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

for (const scheme of ['light', 'dark'] as const) {
  test.describe(`${scheme} theme`, () => {
    test.use({ colorScheme: scheme });

    test('the sign-in and sign-up pages have no axe violations', async ({ page }) => {
      await page.goto('/sign-in');
      await hydrated(page);
      expect(await violations(page)).toEqual([]);
      await page.goto('/sign-up');
      await hydrated(page);
      expect(await violations(page)).toEqual([]);
    });

    test('the task page and the account page have no axe violations', async ({ page }) => {
      await signUp(page);
      expect(await violations(page)).toEqual([]);
      await addTask(page, 'An accessible task');
      await addTask(page, 'Another one');
      await page.getByRole('checkbox', { name: 'Done: Another one' }).check();
      expect(await violations(page)).toEqual([]);
      await page.getByRole('link', { name: 'Edit: An accessible task' }).click();
      expect(await violations(page)).toEqual([]);
      await page.goto('/account');
      await hydrated(page);
      expect(await violations(page)).toEqual([]);
    });
  });
}
