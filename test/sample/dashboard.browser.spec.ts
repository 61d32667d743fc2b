/**
 * Browser test of the sample's live dashboard: the BUILT app (see sample-app.harness.ts) and Debian's headless
 * Chromium, driven by playwright-core (which never downloads a browser). It starts a demo load from the page's
 * button and watches the page: workers turn busy, the queue grows, then drains. It asserts on what the page
 * shows; the waits have generous caps and no timing is measured.
 *
 * Without /usr/bin/chromium the test is skipped and says why. SAVE_DASHBOARD_SCREENSHOT=1 also saves
 * docs/dashboard.png, taken under load.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ROOT, startSampleApp, type SampleApp } from './sample-app.harness';

const CHROMIUM = '/usr/bin/chromium';
/** These flags keep Chromium off the network (this machine's is closed) and out of the sandbox it cannot use. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const SCREENSHOT = join(ROOT, 'docs', 'dashboard.png');
const saveScreenshot = process.env.SAVE_DASHBOARD_SCREENSHOT === '1';
/** Cap of each wait for the page to show something: far above what it takes, only so that a failure ends. */
const CAP_MS = 45_000;

const SKIP_REASON = `no Chromium at ${CHROMIUM}; install Debian's chromium (apt-get install chromium)`;

if (!existsSync(CHROMIUM)) {
  console.warn(`skipped the browser test: ${SKIP_REASON}`);
  describe('dashboard in a headless browser', () => {
    test.skip(`skipped the browser test: ${SKIP_REASON}`, () => undefined);
  });
} else {
  describe('dashboard in a headless browser', () => {
    let app: SampleApp | undefined;
    let browser: Browser | undefined;
    let page: Page;
    /** Script errors on the page. */
    const pageErrors: Error[] = [];

    /** What the page shows now, read from its DOM. */
    async function shown(): Promise<{ busy: number; idle: number; queued: number; completed: number; peak: number }> {
      const workers = (state: string): Promise<number> => page.locator(`#workers [data-state="${state}"]`).count();
      const number = async (selector: string): Promise<number> => Number(await page.textContent(selector));
      const [busy, idle, queued, completed, peak] = await Promise.all([
        workers('busy'),
        workers('idle'),
        number('#queued'),
        number('#jobs-completed'),
        number('#queue-peak'),
      ]);
      return { busy, idle, queued, completed, peak };
    }

    /** Waits until the page shows what `ok` accepts; fails with what it showed last after CAP_MS. */
    async function until(what: string, ok: (now: Awaited<ReturnType<typeof shown>>) => boolean): Promise<void> {
      const cap = Date.now() + CAP_MS;
      let now = await shown();
      while (!ok(now)) {
        if (Date.now() > cap) throw new Error(`The page never showed ${what}; it showed ${JSON.stringify(now)}`);
        await sleep(25);
        now = await shown();
      }
    }

    async function startLoad(count: number, below: number): Promise<void> {
      await page.fill('#load-count', String(count));
      await page.selectOption('#load-below', String(below));
      await page.click('#start-load');
      await page.locator('#load-status', { hasText: 'submitted' }).waitFor({ timeout: CAP_MS });
    }

    beforeAll(async () => {
      app = await startSampleApp();
      browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
      page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      page.on('pageerror', (error) => pageErrors.push(error));
    });

    afterAll(async () => {
      // Whatever happened, leave no browser and no app behind.
      await browser?.close().catch(() => undefined);
      app?.kill();
    });

    test('opens /dashboard and shows the idle pool, live', async () => {
      await page.goto(`${app!.base}/dashboard`);
      await page.waitForSelector('#connection[data-state="live"]', { timeout: CAP_MS });
      await until('two idle workers and an empty queue', (now) => now.idle === 2 && now.queued === 0);
      expect(await page.title()).toBe('nestjs-poolio · live dashboard');
      expect(await page.locator('#chart-throughput').count()).toBe(1);
    });

    test('a demo load from the button: workers turn busy, the queue grows, then drains', async () => {
      const before = await shown();
      await startLoad(30, 1_000_000);
      await expect(page.locator('#load-status').textContent()).resolves.toMatch(
        /30 prime counts below 1,000,000 submitted/,
      );

      await until('both workers busy with jobs queued', (now) => now.busy === 2 && now.queued > 0);
      await until('the queue drained and the workers idle again', (now) => now.queued === 0 && now.idle === 2);
      await until('all 30 jobs completed', (now) => now.completed >= before.completed + 30);

      const after = await shown();
      expect(after.busy).toBe(0);
      expect(after.peak).toBeGreaterThan(0); // the queue's peak over the last minute
      // The charts drew the burst: bars of jobs per second and of queue depth, and latency lines.
      expect(await page.locator('#chart-throughput rect.bar').count()).toBeGreaterThan(0);
      expect(await page.locator('#chart-queue rect.bar').count()).toBeGreaterThan(0);
      expect(await page.locator('#chart-run path.p50').getAttribute('d')).toMatch(/^M/);
      expect(await page.locator('#chart-wait path.p99').getAttribute('d')).toMatch(/^M/);
      expect(pageErrors).toEqual([]);
    });

    (saveScreenshot ? test : test.skip)(`saves ${SCREENSHOT} under load (SAVE_DASHBOARD_SCREENSHOT=1)`, async () => {
      const before = await shown();
      await startLoad(60, 1_000_000);
      // A few seconds into the burst: busy workers, a queue, and the charts filling up.
      await until('a burst under way', (now) => now.busy === 2 && now.completed >= before.completed + 12);
      mkdirSync(join(ROOT, 'docs'), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
      expect(existsSync(SCREENSHOT)).toBe(true);
      await until('the queue drained', (now) => now.queued === 0 && now.idle === 2);
    });

    test('closes cleanly: the browser leaves, the stream ends, SIGTERM ends the app with code 0', async () => {
      await browser!.close();
      browser = undefined;
      // The page's stream ended with the browser; Nest unsubscribed from it.
      await app!.logged(/Dashboard stream closed \(0 open\)/);
      app!.child.kill('SIGTERM');
      await expect(app!.exited).resolves.toEqual({ code: 0, signal: null });
    });
  });
}
