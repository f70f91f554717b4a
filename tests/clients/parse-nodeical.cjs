// SPDX-License-Identifier: Apache-2.0
// Reads feeds with node-ical (the parser of MagicMirror, Home Assistant's
// Node add-ons and many web widgets) and prints one normalised JSON
// description per file (see compare.py).
// Usage: node parse-nodeical.cjs NODE_MODULES_DIR FEED.ics...
//
// node-ical resolves TZID through its own IANA data, not the VTIMEZONE. It
// gives all-day values as Date objects at local midnight (marked dateOnly):
// we read their local year, month and day, so the machine's TZ does not
// matter. It leaves TRIGGER as the raw duration string: we add it to the
// start (or the end, RELATED=END) ourselves, exact seconds.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const [modules, ...files] = process.argv.slice(2);
const ical = require(path.join(modules, 'node-ical'));
const pkg = JSON.parse(fs.readFileSync(path.join(modules, 'node-ical', 'package.json'), 'utf8'));

const pad = (n) => String(n).padStart(2, '0');
function when(d, dateOnly) {
  if (d === undefined || d === null) return null;
  if (!(d instanceof Date) || Number.isNaN(d.getTime())) return `invalid(${String(d)})`;
  if (dateOnly) return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  return d.toISOString().replace('.000Z', 'Z');
}
// A plain string, or the 'val' of a property that had parameters.
function val(v) {
  if (v === undefined || v === null) return null;
  return typeof v === 'object' && 'val' in v ? String(v.val) : String(v);
}

function seconds(dur) {
  const m = /^([+-])?P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(dur);
  if (!m) return null;
  const [w, d, h, mi, s] = m.slice(2).map((x) => Number(x || 0));
  return (m[1] === '-' ? -1 : 1) * ((((w * 7 + d) * 24 + h) * 60 + mi) * 60 + s);
}

function describe(file) {
  const data = ical.sync.parseFile(file);
  const vcal = data.vcalendar || {};
  const calendar = {
    version: val(vcal.version),
    prodid: val(vcal.prodid),
    name: val(vcal.name),
    description: val(vcal.description),
    url: val(vcal.url),
    'refresh-interval': val(data['refresh-interval'] ?? vcal['refresh-interval']),
    'x-published-ttl': val(vcal['PUBLISHED-TTL']),
    'x-wr-calname': val(vcal['WR-CALNAME']),
    'x-wr-caldesc': val(vcal['WR-CALDESC']),
    'x-wr-timezone': val(vcal['WR-TIMEZONE']),
    method: val(vcal.method),
  };
  const events = [];
  for (const ev of Object.values(data)) {
    if (!ev || ev.type !== 'VEVENT') continue;
    const dateOnly = ev.datetype === 'date';
    const alarms = (ev.alarms || []).map((a) => {
      let at = null;
      const trig = val(a.trigger);
      const related = a.trigger && a.trigger.params && a.trigger.params.RELATED;
      const s = trig === null ? null : seconds(trig);
      // node-ical hands the TRIGGER's value over as text: a duration, or
      // (VALUE=DATE-TIME) an instant in UTC.
      const utc = trig === null ? null : /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/.exec(trig);
      if (s !== null) {
        const base = related === 'END' ? ev.end : ev.start;
        at = when(new Date(base.getTime() + s * 1000), false);
      } else if (utc) {
        const [y, mo, d, h, mi, se] = utc.slice(1).map(Number);
        at = when(new Date(Date.UTC(y, mo - 1, d, h, mi, se)), false);
      } else if (trig !== null) {
        at = `unparsed(${trig})`;
      }
      return { action: val(a.action), trigger: at, description: val(a.description) };
    });
    events.push({
      uid: val(ev.uid),
      start: when(ev.start, dateOnly),
      end: when(ev.end, dateOnly),
      summary: val(ev.summary),
      description: val(ev.description),
      url: val(ev.url),
      transp: val(ev.transparency),
      status: val(ev.status),
      alarms,
    });
  }
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
const result = { parser: `node-ical ${pkg.version}`, feeds: out };
process.stdout.write(JSON.stringify(result, null, 1) + '\n');
