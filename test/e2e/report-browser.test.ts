import { existsSync } from 'node:fs';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/cli';
import { repoRoot } from '../helpers/pwsh';
import { AVIMARK_FILES, idToDate, makeStore, type FixtureSnapshot } from '../helpers/store';

const EVIL = '<script>alert(1)</script>';
const chromiumPath = process.env.AVIMARK_TEST_CHROMIUM ?? '/usr/bin/chromium';
const haveChromium = existsSync(chromiumPath);
const screenshot = path.join(repoRoot, 'test-results', 'report.png');

let root = '';
let stateDir = '';
let cleanup: () => Promise<void> = async () => undefined;
const ids: string[] = [];

beforeAll(async () => {
  process.env.AVIMARK_TEST_CLI = 'bundle';
  ({ dir: root, cleanup } = await tempDir('avb-report-'));
  const dest = path.join(root, 'dest');
  // Ten nights of history: the data grows a little each night, the offline window varies.
  const snapshots: FixtureSnapshot[] = [];
  for (let night = 0; night < 10; night++) {
    const id = `2026-11-${String(10 + night).padStart(2, '0')}_02${String(10 + night).padStart(2, '0')}00`;
    ids.push(id);
    snapshots.push({
      id,
      files: {
        ...AVIMARK_FILES,
        [EVIL]: 'a file whose name is HTML',
        'LOG004.V2$': 'log entry\n'.repeat(100 * (night + 1)),
      },
      run: { offlineSeconds: [95, 80, 130, 70, 65, 240, 75, 72, 68, 60][night], durationSeconds: 300 + night * 10 },
    });
  }
  await makeStore(dest, snapshots);
  // The last night failed: the nightly cycle records that only in the state folder's last-run.json.
  stateDir = path.join(root, 'state');
  await mkdir(stateDir);
  await writeFile(
    path.join(stateDir, 'last-run.json'),
    JSON.stringify({
      command: 'backup',
      result: 'failed',
      exitCode: 1,
      startedAt: idToDate('2026-11-20_021000').toISOString(),
      endedAt: idToDate('2026-11-20_021030').toISOString(),
      mode: 'offline',
      snapshotId: null,
      offlineSeconds: 12,
      message: `could not read ${EVIL}: EBUSY`,
      warnings: [],
    }),
  );
  await writeFile(
    path.join(dest, 'meta', ids[8], 'verify.json'),
    JSON.stringify({
      snapshotId: ids[8],
      verifiedAt: new Date().toISOString(),
      samplePercent: 100,
      filesChecked: 8,
      ok: true,
      missing: [],
      extra: [],
      damaged: [],
    }),
  );
  // A passing drill of the latest snapshot and a failing one (damaged file with an HTML name) of an older one.
  const good = await runCli(['drill', '--dest', dest], { env: { AVIMARK_BACKUP_STATE_DIR: stateDir } });
  expect(good.code, good.stderr).toBe(0);
  const victim = path.join(dest, 'snapshots', ids[3], '<script>alert(1)<', 'script>');
  await chmod(victim, 0o644);
  // Break the link to the other snapshots first, as bit rot in one copy would.
  await writeFile(`${victim}.new`, 'a file whose name is HTMX');
  await import('node:fs/promises').then((f) => f.rename(`${victim}.new`, victim));
  const bad = await runCli(['drill', ids[3], '--dest', dest], { env: { AVIMARK_BACKUP_STATE_DIR: stateDir } });
  expect(bad.code, bad.stderr + bad.stdout).toBe(3);
  expect(bad.stdout).toContain(`damaged: ${EVIL}`);
});

afterAll(async () => {
  await cleanup();
});

describe('avimark-backup report in a browser', () => {
  it.skipIf(!haveChromium && !process.env.CI)(
    'renders the sentence, runs, charts and snapshots with no request leaving the page',
    async () => {
      if (!haveChromium) throw new Error(`Chromium is required for this test in CI and is missing at ${chromiumPath}`);
      const dest = path.join(root, 'dest');
      const out = path.join(root, 'report', 'avimark-backup.html');
      await mkdir(path.dirname(out));
      const res = await runCli(['report', '--out', out, '--dest', dest, '--runs', '20', '--json'], {
        env: { AVIMARK_BACKUP_STATE_DIR: stateDir },
      });
      expect(res.code, res.stderr).toBe(0);
      const summary = JSON.parse(res.stdout) as { sentence: string; runs: number; snapshots: number };
      expect(summary.sentence).toMatch(
        /^The last backup FAILED .* could not read <script>alert\(1\)<\/script>: EBUSY\. The last good backup is from /,
      );
      expect(summary).toMatchObject({ runs: 11, snapshots: 10 });

      const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
      try {
        const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
        const pageUrl = pathToFileURL(out).href;
        const foreign: string[] = [];
        const dialogs: string[] = [];
        await page.route('**/*', async (route) => {
          if (route.request().url() === pageUrl) return route.continue();
          foreign.push(route.request().url());
          return route.abort();
        });
        // The page's Content-Security-Policy blocks a stray reference before it reaches the network, and
        // Chromium reports that on the console: any console error fails the test too.
        const consoleErrors: string[] = [];
        page.on('console', (m) => {
          if (m.type() === 'error' || m.type() === 'warning') consoleErrors.push(m.text());
        });
        page.on('dialog', (d) => {
          dialogs.push(d.message());
          void d.dismiss();
        });
        await page.goto(pageUrl);

        expect(await page.locator('#status').innerText()).toBe(summary.sentence);
        expect(await page.locator('#status').getAttribute('class')).toContain('failed');
        expect(await page.locator('#runs tbody tr').count()).toBe(11);
        expect(await page.locator('#runs tbody tr').first().innerText()).toContain('FAILED');
        expect(await page.locator('#snapshots tbody tr').count()).toBe(10);
        const latestRow = page.locator('#snapshots tbody tr').first();
        expect(await latestRow.innerText()).toMatch(/passed \d{4}-\d{2}-\d{2}/);
        const damagedRow = page.locator('#snapshots tbody tr', { hasText: ids[3] });
        expect(await damagedRow.innerText()).toContain(`damaged: ${EVIL}`);

        // Charts: inline SVG with accessible names and one point per night.
        expect(await page.locator('svg').count()).toBe(2);
        expect(await page.getByRole('img', { name: /Offline window per night/ }).count()).toBe(1);
        expect(await page.getByRole('img', { name: /Backup size per night/ }).count()).toBe(1);
        expect(await page.locator('#offline-chart circle.point').count()).toBe(11);
        expect(await page.locator('#size-chart circle.point').count()).toBe(10);
        const offlineValues = await page
          .locator('#offline-chart circle.point')
          .evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-value'))));
        expect(offlineValues).toContain(240);
        const box = await page.locator('#offline-chart').boundingBox();
        expect(box?.width ?? 0).toBeGreaterThan(300);

        expect(await page.locator('#space-saved').innerText()).toMatch(/\(\d+%\)/);
        expect(await page.locator('script').count()).toBe(0);
        expect(await page.locator('[src], [href], link, img, iframe, object, embed').count()).toBe(0);
        expect(dialogs).toEqual([]);
        expect(foreign).toEqual([]);
        expect(consoleErrors).toEqual([]);

        await mkdir(path.dirname(screenshot), { recursive: true });
        await page.screenshot({ path: screenshot, fullPage: true });
        expect(existsSync(screenshot)).toBe(true);
      } finally {
        await browser.close();
      }
    },
  );
});
