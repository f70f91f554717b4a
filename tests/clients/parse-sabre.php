<?php
// SPDX-License-Identifier: Apache-2.0
// Reads feeds with sabre/vobject (the parser of Nextcloud's and Baïkal's
// CalDAV servers, through sabre/dav) and prints one normalised JSON
// description per file (see compare.py).
// Usage: php parse-sabre.php FEED.ics...
//
// This is Debian's php-sabre-vobject (2.1). It maps a TZID onto PHP's own
// zone database (an IANA name directly) and never reads the VTIMEZONE's rules.
// Its reader unescapes only '\\' and '\n' in values ('\,' and '\;' stay):
// the driver sees that on the canonical copy too and reports it as a note.
// All-day values are DateTimes at midnight of PHP's default zone, set to UTC
// here so that the machine's TZ does not matter.

declare(strict_types=1);
require_once 'Sabre/VObject/autoload.php';

use Sabre\VObject;
use Sabre\VObject\Property\DateTime as DateTimeProp;

date_default_timezone_set('UTC');
$utc = new DateTimeZone('UTC');

function when(?VObject\Property $p): ?string
{
    global $utc;
    if ($p === null) {
        return null;
    }
    if (!($p instanceof DateTimeProp)) {
        return 'unexpected(' . (string)$p . ')';
    }
    $t = clone $p->getDateTime();
    switch ($p->getDateType()) {
        case DateTimeProp::DATE:
            return $t->format('Y-m-d');
        case DateTimeProp::LOCAL:
            return 'floating(' . $t->format('Y-m-d\TH:i:s') . ')';
        default:
            return $t->setTimezone($utc)->format('Y-m-d\TH:i:s\Z');
    }
}

function instant(\DateTime $t): string
{
    global $utc;
    $t = clone $t;
    return $t->setTimezone($utc)->format('Y-m-d\TH:i:s\Z');
}

function text(VObject\Component $c, string $name): ?string
{
    $p = $c->select($name);
    return $p ? (string)reset($p) : null;
}

function first(VObject\Component $c, string $name): ?VObject\Property
{
    $p = $c->select($name);
    return $p ? reset($p) : null;
}

function end_of(VObject\Component $ev): ?string
{
    $end = first($ev, 'DTEND');
    if ($end !== null) {
        return when($end);
    }
    $start = first($ev, 'DTSTART');
    if ($start === null) {
        return null;
    }
    $dur = first($ev, 'DURATION');
    if ($dur === null && $start->getDateType() !== DateTimeProp::DATE) {
        return when($start);
    }
    $t = clone $start->getDateTime();
    $t->add($dur !== null ? VObject\DateTimeParser::parseDuration((string)$dur) : new DateInterval('P1D'));
    return $start->getDateType() === DateTimeProp::DATE ? $t->format('Y-m-d') : instant($t);
}

function describe(string $file): array
{
    $cal = VObject\Reader::read(file_get_contents($file));
    if ($cal->name !== 'VCALENDAR') {
        throw new Exception("root component is {$cal->name}");
    }
    $calendar = [];
    foreach (['version', 'prodid', 'name', 'description', 'url', 'refresh-interval',
        'x-published-ttl', 'x-wr-calname', 'x-wr-caldesc', 'x-wr-timezone', 'method'] as $k) {
        $calendar[$k] = text($cal, strtoupper($k));
    }
    $events = [];
    foreach ($cal->select('VEVENT') as $ev) {
        foreach (['UID', 'DTSTAMP', 'DTSTART'] as $required) {
            if (first($ev, $required) === null) {
                throw new Exception("VEVENT without $required");
            }
        }
        $alarms = [];
        foreach ($ev->select('VALARM') as $va) {
            $at = first($va, 'TRIGGER') === null ? null : instant($va->getEffectiveTriggerTime());
            $alarms[] = ['action' => text($va, 'ACTION'), 'trigger' => $at,
                'description' => text($va, 'DESCRIPTION')];
        }
        $events[] = [
            'uid' => text($ev, 'UID'),
            'start' => when(first($ev, 'DTSTART')),
            'end' => end_of($ev),
            'summary' => text($ev, 'SUMMARY'),
            'description' => text($ev, 'DESCRIPTION'),
            'url' => text($ev, 'URL'),
            'transp' => text($ev, 'TRANSP'),
            'status' => text($ev, 'STATUS'),
            'alarms' => $alarms,
        ];
    }
    usort($events, fn ($a, $b) => strcmp((string)$a['uid'], (string)$b['uid']));
    return ['calendar' => $calendar, 'events' => $events];
}

// A warning (a date PHP cannot parse, say) is a refusal, as an exception is.
// Sabre 2.1 predates PHP 8's return types: its deprecation notices are not.
error_reporting(E_ALL & ~E_DEPRECATED);
set_error_handler(function (int $no, string $msg): bool {
    throw new ErrorException($msg, 0, $no);
}, E_ALL & ~E_DEPRECATED);

$feeds = [];
foreach (array_slice($argv, 1) as $file) {
    try {
        $feeds[$file] = ['ok' => true] + describe($file);
    } catch (Throwable $e) {
        $feeds[$file] = ['ok' => false, 'error' => get_class($e) . ': ' . $e->getMessage()];
    }
}
$out = ['parser' => 'sabre/vobject ' . VObject\Version::VERSION, 'feeds' => (object)$feeds];
echo json_encode($out, JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES | JSON_INVALID_UTF8_SUBSTITUTE) . "\n";
