// The browser's defences are enforced, not only sent: script injected into the page cannot run, only RDKit's worker
// may evaluate strings, and a hostile SVG depiction is inert. (Every other spec fails on any CSP violation at all:
// fixtures/csp-audit.ts.)
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { MoleculeDepiction } from '../apps/web/src/features/molecule/MoleculeDepiction.tsx';
import { expect, test } from './fixtures/test.ts';

test('the page policy blocks inline script, inline handlers, data: scripts, eval and blob: workers', async ({
  app,
  page,
  csp,
}) => {
  await app.open();
  const ran = await page.evaluate(async () => {
    const flags = window as unknown as Record<string, string | undefined>;
    const settle = () => new Promise((resolve) => setTimeout(resolve, 200));
    const inline = document.createElement('script');
    inline.textContent = "window.__ran = (window.__ran ?? '') + ' inline'";
    document.body.append(inline);
    const dataScript = document.createElement('script');
    dataScript.src = "data:text/javascript,window.__ran = (window.__ran ?? '') + ' data'";
    document.body.append(dataScript);
    const markup = document.createElement('div');
    markup.innerHTML = `<img src="/no-such-image.png" onerror="window.__ran = (window.__ran ?? '') + ' handler'">`;
    document.body.append(markup);
    // Deferred to a task of the page's own: code Playwright evaluates may eval regardless of the policy (DevTools'
    // allowUnsafeEvalBlockedByCSP), code the page runs later may not.
    const later = <T>(run: () => T) => new Promise<T>((resolve) => setTimeout(() => resolve(run())));
    const attempts: string[] = [];
    const attempt = async (name: string, run: () => unknown) => {
      if (await later(() => { try { run(); return true; } catch { return false; } })) attempts.push(name); // prettier-ignore
    };
    await attempt('eval', () => eval('1 + 1'));
    await attempt('new Function', () => new Function('return 1')());
    const blobWorkerRan = await later(
      () =>
        new Promise<boolean>((resolve) => {
          try {
            const worker = new Worker(URL.createObjectURL(new Blob(['postMessage(1)'], { type: 'text/javascript' })));
            worker.onmessage = () => resolve(true);
            worker.onerror = () => resolve(false);
          } catch {
            resolve(false); // refused in the constructor (Chromium) or by an error event (the spec)
          }
        }),
    );
    if (blobWorkerRan) attempts.push('blob: worker');
    await settle();
    return [flags.__ran?.trim(), ...attempts].filter(Boolean).join(', ');
  });
  expect(ran, 'what ran despite the policy').toBe('');
  // Each was refused by the policy (and reported, which is how the audit finds violations in other specs).
  const refused = csp
    .take()
    .map((v) => v.what)
    .join('\n');
  for (const directive of ['script-src-elem', 'script-src-attr', 'script-src', 'worker-src'])
    expect(refused).toContain(`${directive} blocked`);
});

test('only the featurizer worker may evaluate strings (RDKit); the FHE worker may not', async ({ app, page, csp }) => {
  await app.open();
  await app.molecule.enter('CCO');
  await expect(app.molecule.status()).toHaveText(/Valid molecule/);
  const workerNamed = async (name: string) => {
    await expect.poll(() => page.workers().some((w) => w.url().includes(`/${name}.worker`))).toBe(true);
    return page.workers().find((w) => w.url().includes(`/${name}.worker`))!;
  };
  // Deferred, as above: the worker's own task, under the worker's own policy.
  const canEval = (worker: Awaited<ReturnType<typeof workerNamed>>) =>
    worker.evaluate(
      () =>
        new Promise<boolean>((resolve) =>
          setTimeout(() => {
            try {
              resolve(new Function('return true')() as boolean);
            } catch {
              resolve(false);
            }
          }),
        ),
    );
  expect(await canEval(await workerNamed('featurizer'))).toBe(true);
  const fhe = await workerNamed('fhe');
  const fheResponse = await page.request.get(fhe.url());
  expect(fheResponse.headers()['content-security-policy']).not.toContain("'unsafe-eval'");
  expect(await canEval(fhe)).toBe(false);
  // The refusal was reported from inside the worker, so the audit sees violations in workers too.
  const reported = () => csp.violations.map((v) => `${v.where}: ${v.what}`).join('\n');
  await expect.poll(reported).toMatch(/\/fhe\.worker-.*script-src/);
  csp.take();
});

test('a hostile SVG depiction runs no script and loads nothing', async ({ page, audit, baseURL }) => {
  const missing = `${baseURL}/no-such-image.png`;
  // What a molfile's labels or a broken RDKit could put into the depiction: every way SVG runs script or fetches.
  const hostile = `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
    width="120" height="80" onload="window.__ran = (window.__ran ?? '') + ' onload'">
    <script>window.__ran = (window.__ran ?? '') + ' script'</script>
    <image href="${missing}" onerror="window.__ran = (window.__ran ?? '') + ' onerror'" />
    <foreignObject width="10" height="10"><img xmlns="http://www.w3.org/1999/xhtml" src="${missing}"
      onerror="window.__ran = (window.__ran ?? '') + ' foreignObject'" /></foreignObject>
    <a href="javascript:window.__ran = (window.__ran ?? '') + ' link'"><rect width="120" height="80" /></a>
  </svg>`;
  // The component as the app renders it, on a blank page without any policy: the defence must hold on its own.
  const markup = renderToStaticMarkup(createElement(MoleculeDepiction, { svg: hostile, label: 'Structure' }));
  await page.setContent(`<!doctype html><body>${markup}</body>`);
  const depiction = page.getByTestId('molecule-depiction');
  await depiction.click();
  await page.waitForTimeout(500);
  expect(await page.evaluate(() => (window as unknown as { __ran?: string }).__ran ?? '')).toBe('');
  // And it still shows the drawing (an SVG image decodes and renders with its scripts off).
  await expect(depiction).toHaveJSProperty('naturalWidth', 120);
  expect(audit.requests.map((r) => r.url)).toEqual([]);
});
