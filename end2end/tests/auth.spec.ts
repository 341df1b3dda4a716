import { expect, test, type Page } from '@playwright/test';
import { addTask, hydrated, newPerson, screenshot, signUp } from './support';

async function signOut(page: Page) {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
}

async function signIn(page: Page, email: string, password: string) {
  await page.goto('/sign-in');
  await hydrated(page);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

test('sign up, sign out, sign in again; the header shows who is signed in', async ({ page }) => {
  const person = await signUp(page);
  await expect(page.getByRole('link', { name: `Signed in as ${person.name}` })).toBeVisible();
  await signOut(page);
  await expect(page.getByRole('link', { name: 'Sign up' })).toBeVisible();
  // The task page now sends us to sign in, and back afterwards.
  await page.goto('/?filter=active');
  await expect(page).toHaveURL(/\/sign-in\?next=%2F%3Ffilter%3Dactive$/);
  await hydrated(page);
  await page.getByLabel('Email').fill(person.email);
  await page.getByLabel('Password').fill(person.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/\?filter=active$/);
  await expect(page.getByRole('heading', { name: 'Your tasks' })).toBeVisible();
});

test('a wrong password is refused with a message and focus on it', async ({ page }) => {
  const person = await signUp(page);
  await signOut(page);
  await signIn(page, person.email, 'not the right password at all');
  const alert = page.getByRole('alert').filter({ hasText: 'The email or password is not right.' });
  await expect(alert).toBeVisible();
  await expect(alert).toBeFocused();
  await screenshot(page, 'sign-in-wrong-password');
});

test('a duplicate email is refused beside the email field', async ({ page, browser }) => {
  const person = await signUp(page);
  const other = await (await browser.newContext()).newPage();
  await other.goto('/sign-up');
  await hydrated(other);
  await other.getByLabel('Email').fill(person.email.toUpperCase());
  await other.getByLabel('Password', { exact: true }).fill('another fine passphrase here');
  await other.getByRole('button', { name: 'Create account' }).click();
  await expect(other.getByText('This email is already registered.')).toBeVisible();
  await expect(other.getByLabel('Email')).toBeFocused();
  await expect(other.getByLabel('Email')).toHaveAttribute('aria-invalid', 'true');
});

test('a weak password is refused with a reason', async ({ page }) => {
  await page.goto('/sign-up');
  await hydrated(page);
  await page.getByLabel('Email').fill(newPerson().email);
  await page.getByLabel('Password', { exact: true }).fill('password1234');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByText(/This password is too easy to guess/)).toBeVisible();
  await expect(page.getByLabel('Password', { exact: true })).toBeFocused();
  await screenshot(page, 'sign-up-weak-password');
});

test('changing the password signs out other sessions and the new one works', async ({ page, browser }) => {
  const person = await signUp(page);
  const elsewhere = await (await browser.newContext()).newPage();
  await signIn(elsewhere, person.email, person.password);
  await expect(elsewhere.getByRole('heading', { name: 'Your tasks' })).toBeVisible();

  await page.getByRole('link', { name: `Signed in as ${person.name}` }).click();
  await expect(page.getByRole('heading', { name: 'Your account' })).toBeVisible();
  await screenshot(page, 'account-desktop');
  await page.getByLabel('Current password').fill(person.password);
  await page.getByLabel('New password').fill('a brand new passphrase for me');
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByText('Your password was changed.')).toBeVisible();

  await elsewhere.reload();
  await expect(elsewhere.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await signIn(elsewhere, person.email, 'a brand new passphrase for me');
  await expect(elsewhere.getByRole('heading', { name: 'Your tasks' })).toBeVisible();
});

test('deleting the account needs the password and removes everything', async ({ page }) => {
  const person = await signUp(page);
  await addTask(page, 'Soon gone');
  await page.goto('/account');
  await hydrated(page);
  await page.getByLabel('Your password', { exact: true }).fill('wrong password entirely');
  await page.getByRole('button', { name: 'Delete my account' }).click();
  await expect(page.getByText('That is not your password.')).toBeVisible();
  await page.getByLabel('Your password', { exact: true }).fill(person.password);
  await page.getByRole('button', { name: 'Delete my account' }).click();
  await expect(page.getByText('Your account and its tasks were deleted.')).toBeVisible();
  await signIn(page, person.email, person.password);
  await expect(page.getByRole('alert').filter({ hasText: 'The email or password is not right.' })).toBeVisible();
});

test.describe('with JavaScript off', () => {
  test.use({ javaScriptEnabled: false });

  test('sign up and sign in by posting the forms', async ({ page }) => {
    const person = newPerson();
    await page.goto('/sign-up');
    // A bad email first: the page comes back with the message and what was typed.
    await page.getByLabel('Email').fill('not-an-email');
    await page.getByLabel('Name (optional)').fill(person.name);
    await page.getByLabel('Password', { exact: true }).fill(person.password);
    await page.getByRole('button', { name: 'Create account' }).click();
    await expect(page.getByText('Enter an email address like name@example.com.')).toBeVisible();
    await expect(page.getByLabel('Name (optional)')).toHaveValue(person.name);
    await expect(page.getByLabel('Password', { exact: true })).toHaveValue('');

    await page.getByLabel('Email').fill(person.email);
    await page.getByLabel('Password', { exact: true }).fill(person.password);
    await page.getByRole('button', { name: 'Create account' }).click();
    await expect(page.getByRole('heading', { name: 'Your tasks' })).toBeVisible();

    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
    await page.getByLabel('Email').fill(person.email);
    await page.getByLabel('Password').fill('wrong password entirely');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByText('The email or password is not right.')).toBeVisible();
    await page.getByLabel('Password').fill(person.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('heading', { name: 'Your tasks' })).toBeVisible();
  });
});

for (const [name, viewport] of [
  ['phone', { width: 375, height: 760 }],
  ['desktop', { width: 1280, height: 860 }],
] as const) {
  test(`account pages on a ${name}`, async ({ page }) => {
    await page.setViewportSize(viewport);
    await page.goto('/sign-up');
    await hydrated(page);
    await screenshot(page, `sign-up-${name}`);
    await signUp(page);
    await page.goto('/account');
    await hydrated(page);
    await screenshot(page, `account-${name}`);
  });
}
