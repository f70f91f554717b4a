// SPDX-License-Identifier: Apache-2.0
// Benchmark peer: the feed of tests/bench/floor.c, built with ical-generator.
//
//   node peer-ical-generator.mjs FROM COUNT OUT
//
// COUNT weekly two-day sessions from FROM (a Monday), calendar id
// "vaccins-covid19": per session an all-day session, a confirmation on the
// Wednesday at 18:00 Europe/Paris (30 min, DISPLAY alarm at the start), an
// all-day delivery (J+10, two days) and an all-day appointments marker, with
// the French texts of templates/fr/ and the version-5 UIDs ordercal gives.
// Written the way ical-generator's documentation shows: the calendar's
// VTIMEZONE generator is @touch4it/ical-timezones, the confirmation carries
// timezone 'Europe/Paris' and a native Date read in the process's zone (so
// the process runs in TZ=Europe/Paris), all-day events take UTC-midnight
// Dates, then calendar.toString(). The calendar's own zone name stays null:
// with one, ical-generator writes DTSTAMP and LAST-MODIFIED as local times
// without 'Z', which RFC 5545 forbids; X-WR-TIMEZONE is added as an
// X-property instead.
//
// Dependencies pinned in package.json / package-lock.json: `npm ci` here.

process.env.TZ = 'Europe/Paris'; // before the first Date: native Dates are read in this zone

import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { getVtimezoneComponent } from '@touch4it/ical-timezones';
import ical, { ICalAlarmType, ICalEventBusyStatus, ICalEventTransparency } from 'ical-generator';

const CAL_ID = 'vaccins-covid19';
const CAL_NAME = 'Vaccins Covid-19 \u2014 portail de commande';
const CAL_DESC =
    'Ouverture du portail de commande des vaccins Covid-19 et livraisons indicatives (officines).';
const CAL_URL =
    'https://www.santepubliquefrance.fr/dossiers/coronavirus-covid-19/commande-de-vaccins-covid-19';
const CAL_REF = 'DGS-URGENT N\u00b02023-11 du 18/07/2023';
const TZID = 'Europe/Paris';
const NAMESPACE = '2a842644-001d-4466-9ca0-07e6f4f20341';
const EXTRA = `\nSource : ${CAL_REF}\n${CAL_URL}`;

const MONTHS = ['', 'janvier', 'f\u00e9vrier', 'mars', 'avril', 'mai', 'juin', 'juillet',
    'ao\u00fbt', 'septembre', 'octobre', 'novembre', 'd\u00e9cembre'];
const WEEKDAYS = ['dimanche', 'lundi', 'mardi', 'mercredi', 'jeudi', 'vendredi', 'samedi'];

// RFC 9562 version 5 (node:crypto has no uuid v5).
const nsBytes = Buffer.from(NAMESPACE.replace(/-/g, ''), 'hex');
function uuid5(name) {
    const h = createHash('sha1').update(nsBytes).update(name, 'utf8').digest();
    h[6] = (h[6] & 0x0f) | 0x50;
    h[8] = (h[8] & 0x3f) | 0x80;
    const x = h.subarray(0, 16).toString('hex');
    return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

// Civil dates as {y, m, d, wd}, from days since 1970-01-01 (no time zone involved).
function civil(days) {
    const t = new Date(days * 86400000);
    return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate(), wd: t.getUTCDay() };
}
const dayText = (c) => (c.d === 1 ? '1er' : String(c.d));
const pad = (n, w) => String(n).padStart(w, '0');
const ymd = (c) => `${pad(c.y, 4)}${pad(c.m, 2)}${pad(c.d, 2)}`;

function spanText(first, last) {
    const a = civil(first), z = civil(last);
    if (first === last) return `le ${WEEKDAYS[a.wd]} ${dayText(a)} ${MONTHS[a.m]} ${a.y}`;
    const two = last === first + 1;
    let s = `${two ? 'les' : 'du'} ${WEEKDAYS[a.wd]} ${dayText(a)}`;
    if (a.y !== z.y) s += ` ${MONTHS[a.m]} ${a.y}`;
    else if (a.m !== z.m) s += ` ${MONTHS[a.m]}`;
    return `${s} ${two ? 'et' : 'au'} ${WEEKDAYS[z.wd]} ${dayText(z)} ${MONTHS[z.m]} ${z.y}`;
}

function shortText(first, last) {
    const a = civil(first), z = civil(last);
    if (first === last) return `${dayText(a)} ${MONTHS[a.m]} ${a.y}`;
    if (a.y === z.y && a.m === z.m) return `${dayText(a)}-${dayText(z)} ${MONTHS[z.m]} ${z.y}`;
    if (a.y === z.y) return `${dayText(a)} ${MONTHS[a.m]} \u2013 ${dayText(z)} ${MONTHS[z.m]} ${z.y}`;
    return `${dayText(a)} ${MONTHS[a.m]} ${a.y} \u2013 ${dayText(z)} ${MONTHS[z.m]} ${z.y}`;
}

function dateText(days) {
    const c = civil(days);
    return `${WEEKDAYS[c.wd]} ${dayText(c)} ${MONTHS[c.m]} ${c.y}`;
}

// A local (Europe/Paris) Date for a civil day and time.
function local(days, hh, mm) {
    const c = civil(days);
    return new Date(c.y, c.m - 1, c.d, hh, mm);
}

// An all-day date: written with the UTC getters when the event has no zone.
const day = (days) => new Date(days * 86400000);

const [from, countText, out] = process.argv.slice(2);
if (!from || !countText || !out) {
    process.stderr.write('usage: node peer-ical-generator.mjs FROM COUNT OUT\n');
    process.exit(2);
}
const first = Date.parse(`${from}T00:00:00Z`) / 86400000;
const count = Number(countText);
const stamp = new Date(Number(process.env.SOURCE_DATE_EPOCH || 1689638400) * 1000);

const cal = ical({
    prodId: { company: 'ordercal bench', product: 'ical-generator', language: 'EN' },
    name: CAL_NAME,
    description: CAL_DESC,
    url: CAL_URL,
    scale: 'GREGORIAN',
    ttl: 6 * 3600,
    timezone: { name: null, generator: getVtimezoneComponent },
    x: [['X-WR-TIMEZONE', TZID]],
});

function event(kind, d, fields) {
    return cal.createEvent({
        id: uuid5(`${CAL_ID}/${kind}/${ymd(civil(d))}`),
        stamp,
        lastModified: stamp,
        sequence: 0,
        url: CAL_URL,
        transparency: ICalEventTransparency.TRANSPARENT,
        busystatus: ICalEventBusyStatus.FREE,
        ...fields,
    });
}

for (let i = 0; i < count; i++) {
    const d = first + 7 * i;
    const session = spanText(d, d + 1);
    const delivery = spanText(d + 10, d + 11);
    const sessionShort = shortText(d, d + 1);
    const deliveryShort = shortText(d + 10, d + 11);
    const confirmation = `${dateText(d + 2)} \u00e0 18h00`;
    const appointments = dateText(d + 12);

    event('session', d, {
        allDay: true, start: day(d), end: day(d + 2),
        summary: 'Portail de commande ouvert',
        description: `Le portail de commande est ouvert ${session}.\nLivraison indicative : ${delivery}.\n` +
            'Confirmation de commande (quantit\u00e9s, date de livraison pr\u00e9visionnelle) dans ' +
            `l'onglet \u00ab suivi de commande \u00bb \u00e0 partir du ${confirmation}.\n` +
            `Planifiez les rendez-vous de vaccination \u00e0 partir du ${appointments}.${EXTRA}`,
    });

    event('confirmation', d, {
        start: local(d + 2, 18, 0), end: local(d + 2, 18, 30), timezone: TZID,
        summary: 'Confirmation de commande disponible',
        description: `La confirmation de votre commande de la session du ${sessionShort} est visible ` +
            'dans le portail, onglet \u00ab suivi de commande \u00bb : quantit\u00e9s command\u00e9es ' +
            `et date de livraison pr\u00e9visionnelle.\nLivraison indicative : ${delivery}.\n` +
            'Planifiez les rendez-vous \u00e0 partir du lendemain de la livraison pr\u00e9visionnelle ' +
            `indiqu\u00e9e dans la confirmation.${EXTRA}`,
        alarms: [{
            type: ICalAlarmType.display,
            trigger: 0,
            description: 'Confirmation de commande disponible : onglet \u00ab suivi de commande \u00bb du portail',
        }],
    });

    event('delivery', d, {
        allDay: true, start: day(d + 10), end: day(d + 12),
        summary: `Livraison indicative (commande du ${sessionShort})`,
        description: `Livraison indicative des commandes pass\u00e9es lors de la session du ${sessionShort} : ` +
            `${delivery}.\nLa date pr\u00e9visionnelle exacte figure dans la confirmation de commande ` +
            `(onglet \u00ab suivi de commande \u00bb, \u00e0 partir du ${confirmation}).\n` +
            `Planifiez les rendez-vous \u00e0 partir du ${appointments}.${EXTRA}`,
    });

    event('appointments', d, {
        allDay: true, start: day(d + 12), end: day(d + 13),
        summary: `Rendez-vous possibles (livraison du ${deliveryShort})`,
        description: '\u00c0 partir de ce jour, vous pouvez planifier les rendez-vous de vaccination : ' +
            `les commandes de la session du ${sessionShort} sont livr\u00e9es ${delivery} ` +
            `(date indicative, voir la confirmation de commande).${EXTRA}`,
    });
}

writeFileSync(out, cal.toString());
