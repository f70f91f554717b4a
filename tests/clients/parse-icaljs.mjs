// SPDX-License-Identifier: Apache-2.0
// Reads feeds the way Thunderbird does, with ical.js (Mozilla's parser), and
// prints one normalised JSON description per file (see compare.py).
// Usage: node parse-icaljs.mjs NODE_MODULES_DIR FEED.ics...
//
// Thunderbird registers the feed's VTIMEZONEs with ICAL.TimezoneService
// (unless it already knows the TZID), so the offsets come from our VTIMEZONE:
// that is what we want to test. ical.js 2.2.1 has no design entry for RFC 7986
// NAME nor for X-WR-* and returns them raw (value type "unknown", escapes
// kept); we declare them TEXT, as a client that shows them has to.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [modules, ...files] = process.argv.slice(2);
const { default: ICAL } = await import(
  pathToFileURL(path.join(modules, 'ical.js', 'dist', 'ical.js')).href);
const pkg = JSON.parse(fs.readFileSync(path.join(modules, 'ical.js', 'package.json'), 'utf8'));

for (const name of ['name', 'x-wr-calname', 'x-wr-caldesc', 'x-wr-timezone', 'x-published-ttl']) {
  ICAL.design.icalendar.property[name] = { defaultType: 'text' };
}

const utc = (t) => new Date(t.toUnixTime() * 1000).toISOString().replace('.000Z', 'Z');
const when = (t) => (t === null ? null : t.isDate ? t.toString() : utc(t));
const text = (c, name) => {
  const v = c.getFirstPropertyValue(name);
  return v === null || v === undefined ? null : String(v);
};

function describe(file) {
  const root = new ICAL.Component(ICAL.parse(fs.readFileSync(file, 'utf8')));
  if (root.name !== 'vcalendar') throw new Error(`root component is ${root.name}`);
  for (const tz of root.getAllSubcomponents('vtimezone')) {
    ICAL.TimezoneService.register(tz);
  }
  const calendar = {};
  for (const name of ['version', 'prodid', 'name', 'description', 'url', 'refresh-interval',
    'x-published-ttl', 'x-wr-calname', 'x-wr-caldesc', 'x-wr-timezone', 'method']) {
    calendar[name] = text(root, name);
  }
  const events = root.getAllSubcomponents('vevent').map((ve) => {
    const ev = new ICAL.Event(ve);
    const start = ev.startDate;
    const end = ev.endDate;
    const alarms = ve.getAllSubcomponents('valarm').map((va) => {
      const trig = va.getFirstProperty('trigger');
      let at = null;
      if (trig) {
        const v = trig.getFirstValue();
        if (v instanceof ICAL.Duration) {
          const related = (trig.getParameter('related') || 'START').toUpperCase();
          const base = related === 'END' ? end : start;
          const t = base.clone();
          t.addDuration(v);
          at = when(t);
        } else {
          at = when(v);
        }
      }
      return { action: text(va, 'action'), trigger: at, description: text(va, 'description') };
    });
    return {
      uid: ev.uid,
      start: when(start),
      end: when(end),
      summary: text(ve, 'summary'),
      description: text(ve, 'description'),
      url: text(ve, 'url'),
      transp: text(ve, 'transp'),
      status: text(ve, 'status'),
      alarms,
    };
  });
  events.sort((a, b) => (a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0));
  return { calendar, events };
}

const out = {};
for (const file of files) {
  try {
    out[file] = { ok: true, ...describe(file) };
  } catch (e) {
    out[file] = { ok: false, error: String(e && e.message ? e.message : e) };
  }
}
const result = { parser: `ical.js ${pkg.version}`, feeds: out };
process.stdout.write(JSON.stringify(result, null, 1) + '\n');
