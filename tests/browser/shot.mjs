import { chromium } from 'playwright-core';
const base = process.argv[2];
const out = process.argv[3];
const pages = process.argv.slice(4);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
for (const lang of ['zh-CN', 'en']) {
  for (const width of [1366, 390]) {
    const ctx = await browser.newContext({ locale: lang, viewport: { width, height: 900 } });
    const page = await ctx.newPage();
    await page.goto(base + '/login');
    await page.getByLabel(/用户名|Username/).fill('c1');
    await page.getByLabel(/密码|Password/).fill('jiayuan-demo');
    await page.getByLabel(/密码|Password/).press('Enter');
    await page.waitForURL((u) => !u.pathname.startsWith('/login'));
    if (lang === 'en') await page.goto(base + '/lang/en?back=/');
    for (const p of pages) {
      await page.goto(base + p);
      const name = p.replace(/[^a-z0-9]+/gi, '_');
      await page.screenshot({ path: `${out}/${lang}-${width}-${name}.png`, fullPage: true });
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      console.log(lang, width, p, 'overflow', overflow);
    }
    await ctx.close();
  }
}
await browser.close();
