// Renders hipguide's FHIR Questionnaire in LHC-Forms (npm `lforms`, served
// from node_modules by a tiny HTTP server on 127.0.0.1: no network, no CDN) in
// Debian's headless Chromium driven by puppeteer-core, fills it as a person
// would (typing, clicking), and exports each QuestionnaireResponse with
// LHC-Forms' own API: LForms.Util.getFormFHIRData('QuestionnaireResponse', 'R4').
//
//   node harness.mjs JOB.json
//
// JOB: {"questionnaire": "q.json", "out": "dir", "chromium": "/usr/bin/chromium",
//       "people": [{"name": "desk", "answers": [[linkId, value], ...]},
//                  {"name": "saved", "response": "qr.json"}]}
// ("response": open a saved QuestionnaireResponse in the form and save it unchanged)
// A value is a number, true/false, a code (choice) or a list of codes; a
// repeating group is [groupLinkId, [entry, ...]], each entry [[linkId, value], ...].
// Writes dir/<name>.json (the response) and dir/<name>.form.json (LHC-Forms'
// own validity check, LForms.Util.checkValidity: null when valid, and the
// linkIds it shows after filling), and prints one line per person. Exit 1 on
// any error in the page.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer from 'puppeteer-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(here, 'node_modules', 'lforms', 'dist', 'lforms');
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const TYPES = { '.js': 'text/javascript', '.css': 'text/css', '.html': 'text/html',
  '.map': 'application/json', '.png': 'image/png', '.ico': 'image/x-icon' };

const PAGE = `<!doctype html><html><head><meta charset="utf-8">
<link rel="stylesheet" href="/webcomponent/styles.css">
<script src="/webcomponent/assets/lib/zone.min.js"></script>
<script src="/webcomponent/runtime.js" type="module"></script>
<script src="/webcomponent/polyfills.js" type="module"></script>
<script src="/webcomponent/main.js" type="module"></script>
<script src="/fhir/R4/lformsFHIR.min.js" defer></script>
</head><body><div id="form"></div></body></html>`;

function serve() {
  const server = http.createServer((req, res) => {
    const url = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (url === '/') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(PAGE);
      return;
    }
    const file = path.normalize(path.join(dist, url));
    if (!file.startsWith(dist) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
      res.writeHead(404);
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] || 'application/octet-stream' });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

async function load(page, base, questionnaire, response) {
  await page.goto(base, { waitUntil: 'load' });
  await page.waitForFunction(() => window.LForms && window.LForms.Util && LForms.FHIR &&
    customElements.get('wc-lhc-form'), { timeout: 60000 });
  const failed = await page.evaluate(async (q, qr) => {
    try {
      const options = { fhirVersion: 'R4' };
      if (qr) options.questionnaireResponse = qr;   // reopen a saved response
      await LForms.Util.addFormToPage(q, 'form', options);
      return null;
    } catch (e) {
      return JSON.stringify(Array.isArray(e) ? e.map(String) : String(e));
    }
  }, questionnaire, response || null);
  if (failed) throw new Error(`LHC-Forms did not render the Questionnaire: ${failed}`);
  await page.waitForSelector('wc-lhc-form input', { timeout: 60000 });
}

function index(items, out = {}) {
  for (const item of items || []) {
    out[item.linkId] = item;
    index(item.item, out);
  }
  return out;
}

const sel = (id) => `[id="${id.replace(/"/g, '\\"')}"]`;

async function settle(page) {
  await new Promise((r) => setTimeout(r, 150));
}

// Answer one question as a person does: type a number, click Yes/No, pick
// choices from the autocomplete list by their display text.
async function answer(page, items, id, link, value) {
  const item = items[link];
  if (!item) throw new Error(`no item ${link} in the Questionnaire`);
  if (item.type === 'boolean') {
    await page.click(sel(`${id}|${value ? 'true' : 'false'}`));
  } else if (item.type === 'integer' || item.type === 'decimal') {
    await page.click(sel(id), { clickCount: 3 });
    await page.type(sel(id), String(value));
    await page.keyboard.press('Tab');
  } else if (item.type === 'choice') {
    for (const code of Array.isArray(value) ? value : [value]) {
      const option = item.answerOption.find((o) => o.valueCoding.code === code);
      if (!option) throw new Error(`${link}: no answer option ${code}`);
      await page.click(sel(id));
      await page.type(sel(id), option.valueCoding.display);
      await settle(page);
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('Enter');
      await settle(page);
    }
    await page.keyboard.press('Tab');
  } else {
    throw new Error(`${link}: cannot fill an item of type ${item.type}`);
  }
  await settle(page);
}

// sections are groups: a question's element id is linkId/<section instance>/<n>
async function fill(page, items, answers) {
  for (const [link, value] of answers) {
    if (items[link].type === 'group') {      // [group, [entry, entry...]]
      for (let k = 1; k <= value.length; k++) {
        if (k > 1) {
          const added = await page.evaluate((text) => {
            const button = [...document.querySelectorAll('button')].find(
              (b) => b.textContent.includes(text));
            if (button) button.click();
            return Boolean(button);
          }, items[link].text);
          if (!added) throw new Error(`${link}: no 'add another' button`);
          await settle(page);
        }
        for (const [sub, subValue] of value[k - 1]) {
          await answer(page, items, `${sub}/1/${k}/1`, sub, subValue);
        }
      }
    } else {
      await answer(page, items, `${link}/1/1`, link, value);
    }
  }
}

async function main() {
  const job = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  const questionnaire = JSON.parse(fs.readFileSync(job.questionnaire, 'utf8'));
  const server = await serve();
  const base = `http://127.0.0.1:${server.address().port}/`;
  const browser = await puppeteer.launch({ executablePath: job.chromium || '/usr/bin/chromium',
    headless: true, args: FLAGS });
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    const items = index(questionnaire.item);
    fs.mkdirSync(job.out, { recursive: true });
    for (const person of job.people) {
      const response = person.response && JSON.parse(fs.readFileSync(person.response, 'utf8'));
      await load(page, base, questionnaire, response);
      await fill(page, items, person.answers || []);
      const result = await page.evaluate(() => {
        const form = document.getElementById('form');   // the container addFormToPage filled
        return {
          response: LForms.Util.getFormFHIRData('QuestionnaireResponse', 'R4', form),
          invalid: LForms.Util.checkValidity(form),
          shown: [...document.querySelectorAll('lhc-item[id^="item-"]')].map(
            (e) => e.id.slice(5).split('/')[0]),
        };
      });
      fs.writeFileSync(path.join(job.out, `${person.name}.json`),
        JSON.stringify(result.response, null, 2));
      fs.writeFileSync(path.join(job.out, `${person.name}.form.json`),
        JSON.stringify({ invalid: result.invalid, shown: result.shown }, null, 2));
      if (job.dump) fs.writeFileSync(job.dump, await page.content());
      console.log(`${person.name}: ${result.invalid ? 'INVALID in LHC-Forms' : 'valid'}`);
    }
    if (errors.length) {
      console.error(`page errors: ${errors.join('; ')}`);
      process.exitCode = 1;
    }
  } finally {
    await browser.close();
    server.close();
  }
}

main().catch((e) => { console.error(e.stack || String(e)); process.exit(2); });
