import { defineConfig, devices } from '@playwright/test';

// The server under test: the built binary against a fresh database, started by
// scripts/e2e-server.sh. Playwright waits for /healthz before running any test.
const port = Number(process.env.E2E_PORT ?? 3100);
export const baseURL = `http://127.0.0.1:${port}`;
// The `cluster` project: two instances on one database behind HAProxy (scripts/cluster.sh),
// the balancer on this port and instance I on this port + I.
const clusterPort = Number(process.env.E2E_CLUSTER_PORT ?? 3110);
const profile = process.env.E2E_PROFILE ?? 'debug';

export default defineConfig({
  testDir: './tests',
  fullyParallel: true,
  forbidOnly: !!process.env.CI,
  retries: 0,
  workers: 2,
  reporter: [['list']],
  outputDir: './test-results',
  use: {
    baseURL,
    colorScheme: 'light',
    trace: 'retain-on-failure',
    launchOptions: {
      // Debian's chromium; Playwright never downloads a browser here.
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-gpu',
        '--disable-quic',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
  projects: [
    { name: 'chromium', testIgnore: /cluster\.spec\.ts/, use: { ...devices['Desktop Chrome'] } },
    {
      name: 'cluster',
      testMatch: /cluster\.spec\.ts/,
      use: { ...devices['Desktop Chrome'], baseURL: `http://127.0.0.1:${clusterPort}` },
    },
  ],
  webServer: [
    {
      command: 'bash ../scripts/e2e-server.sh',
      url: `${baseURL}/healthz`,
      reuseExistingServer: false,
      timeout: 120_000,
      stdout: 'ignore',
      stderr: 'pipe',
      env: { E2E_PORT: String(port), E2E_PROFILE: profile },
    },
    {
      command: 'bash ../scripts/cluster.sh 2',
      url: `http://127.0.0.1:${clusterPort}/healthz`,
      reuseExistingServer: false,
      timeout: 120_000,
      stdout: 'ignore',
      stderr: 'pipe',
      env: {
        CLUSTER_PORT: String(clusterPort),
        CLUSTER_PROFILE: profile,
        CLUSTER_DB_NAME: process.env.E2E_CLUSTER_DB_NAME ?? 'tasklist_e2e_cluster',
        CLUSTER_FRESH_DB: '1',
        // Every test signs up from 127.0.0.1: the per-address limit would soon refuse them.
        AUTH_ADDRESS_LIMIT: '100000',
      },
    },
  ],
});
