# SPDX-License-Identifier: Apache-2.0
"""Reads feeds as GNOME Evolution does when a user subscribes to a calendar
"On The Web": through Evolution Data Server (Debian's evolution-data-server
3.46, gir1.2-ecal-2.0, gir1.2-edataserver-1.2) and its "webcal" backend, and
prints one normalised JSON description per file (see clients.py).
Usage: /usr/bin/python3 parse_eds.py FEED.ics...

A real subscription, not a libical parse. The script runs itself again under
dbus-run-session, on a private session bus that can activate only EDS's
evolution-source-registry and evolution-calendar-factory (their .service files
copied from /usr/share/dbus-1/services), with fresh XDG_CONFIG_HOME,
XDG_DATA_HOME, XDG_CACHE_HOME, XDG_RUNTIME_DIR and HOME: a user's own EDS data
is never touched. It serves the files over HTTP on 127.0.0.1 (an ephemeral
port), creates one ESource per file as Evolution's "On The Web" page does
(parent "webcal-stub", Calendar backend "webcal", the URL in the WebDAV
extension), commits them to the registry and opens an ECalClient on each.
Opening downloads the feed and queues the backend's first refresh, which
parses it (libical) into the backend's cache; the listing ("#t") that follows
is queued behind it. What is printed is what the ECalComponents hand a client:
timed values converted with the zone the backend resolves for their TZID
(ECalClient.get_timezone_sync), DATE values as dates (DTEND exclusive, as in
the feed), alarms as their triggers applied to the event's start or end in
exact seconds (a trigger relative to a DATE prints as floating).

EDS refuses a feed with the backend's error signal ("Bad file format.", "Not
a calendar.", and an emptied calendar) or, for an HTTP error, with the
source's credentials-required signal: either is printed as ok: false. The
webcal backend keeps no property of the VCALENDAR: "unread" lists them all.

What EDS reads differently (3.46.4, libical 3.0.16):
- a TZID that names a zone libical knows (an IANA name, also after a prefix
  such as /freeassociation.sourceforge.net/) is read with libical's own zone
  from the system's tz database, and the feed's VTIMEZONE is not read; any
  other TZID uses the VTIMEZONE, and one with neither prints as floating;
- a local time that occurs twice (clocks going back) is the second
  occurrence, an hour after the first that RFC 5545 says;
- a UTF-8 BOM is skipped, invalid UTF-8 comes out as U+FFFD, a VEVENT without
  UID gets a generated one, one without DTSTART is kept (start null), of two
  VEVENTs with one UID and no RECURRENCE-ID only the last is kept.

The environment lets the backend fetch without a network: GIO's network
monitor is the base one (GIO_USE_NETWORK_MONITOR=base: the network is always
available; with the netlink one a host without a default route starts
offline, and the backend fetches only because GIO finds 127.0.0.1
reachable), GSettings lives in memory (no dconf), the proxy resolver
connects directly (GIO_USE_PROXY_RESOLVER=dummy, *_proxy variables dropped):
nothing but 127.0.0.1 is contacted. The whole run is bounded by TIMEOUT
seconds and PER_FILE more for each file (EDS reads about ten small feeds a
second here). The EDS processes end with the private bus; the script makes itself
their subreaper, reaps them, and ends by PID any that remain (its descendants,
or holders of its private XDG_RUNTIME_DIR). PARSE_EDS_DEBUG=1 shows the
stderr of the bus and of EDS, otherwise shown only when the run fails.
"""

import ctypes
import datetime as dt
import http.server
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

import gi

gi.require_version("ECal", "2.0")
gi.require_version("EDataServer", "1.2")
gi.require_version("ICalGLib", "3.0")
from gi.repository import ECal, EDataServer, Gio, GLib, GObject, ICalGLib  # noqa: E402

TIMEOUT = 60  # seconds, the whole invocation: this, plus PER_FILE for each file
PER_FILE = 0.5
REFUSAL_WAIT = 1.0  # seconds, at most, for the error signals of the feeds that list nothing
SERVICE_DIR = "/usr/share/dbus-1/services"
SERVICES = ("org.gnome.evolution.dataserver.Sources5.service",
            "org.gnome.evolution.dataserver.Calendar8.service")
CALENDAR_KEYS = ("name", "description", "x-wr-calname", "x-wr-caldesc", "x-wr-timezone",
                 "version", "prodid", "url", "refresh-interval", "x-published-ttl", "method")
BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <keep_umask/>
  <listen>unix:dir={runtime}</listen>
  <auth>EXTERNAL</auth>
  <servicedir>{services}</servicedir>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""
PR_SET_CHILD_SUBREAPER = 36
PARSER = ("Evolution Data Server "
          f"{EDataServer.EDS_MAJOR_VERSION}.{EDataServer.EDS_MINOR_VERSION}"
          f".{EDataServer.EDS_MICRO_VERSION}")


# ------------------------------------------------------------ the outer run

def _ours(runtime):
    """PIDs of the live processes this run started: our descendants (we are their
    subreaper), and any process whose environment has our private XDG_RUNTIME_DIR."""
    me, needle, parents, marked = os.getpid(), f"XDG_RUNTIME_DIR={runtime}".encode(), {}, set()
    for name in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                state, ppid = f.read().rsplit(b")", 1)[1].split()[:2]
            if state == b"Z":
                continue
            parents[int(name)] = int(ppid)
            with open(f"/proc/{name}/environ", "rb") as f:
                if needle in f.read().split(b"\0"):
                    marked.add(int(name))
        except (OSError, ValueError):  # gone meanwhile, or not ours to read
            pass

    def descends(pid):
        seen = set()
        while pid in parents and pid not in seen:
            seen.add(pid)
            pid = parents[pid]
            if pid == me:
                return True
        return False

    return sorted(p for p in parents if p != me and (p in marked or descends(p)))


def _reap():
    """Reaps our ended children; False once we have none left."""
    try:
        while os.waitpid(-1, os.WNOHANG)[0] > 0:
            pass
        return True
    except ChildProcessError:
        return False


def _wait_gone(runtime, seconds):
    end = time.monotonic() + seconds
    while True:
        children = _reap()
        left = _ours(runtime)
        if (not left and not children) or time.monotonic() >= end:
            return left
        time.sleep(0.05)


def _end_leftovers(runtime):
    """Lets the EDS processes end with their bus, then ends the rest by PID."""
    left = _wait_gone(runtime, 3.0)
    ended = list(left)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in left:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        left = _wait_gone(runtime, 2.0)
        if not left:
            break
    return ended, left


def _private_session(top, timeout):
    """The bus configuration and the environment of a private session under top."""
    d = {k: os.path.join(top, k)
         for k in ("home", "config", "data", "cache", "runtime", "services")}
    for path in d.values():
        os.mkdir(path, 0o700)
    for name in SERVICES:  # the bus can activate these and nothing else
        shutil.copy(os.path.join(SERVICE_DIR, name), d["services"])
    conf = os.path.join(top, "bus.conf")
    with open(conf, "w", encoding="utf-8") as f:
        f.write(BUS_CONFIG.format(runtime=d["runtime"], services=d["services"]))
    env = {k: v for k, v in os.environ.items()
           if not k.lower().endswith("_proxy") and not k.startswith("DBUS_")}
    env.update(HOME=d["home"], XDG_CONFIG_HOME=d["config"], XDG_DATA_HOME=d["data"],
               XDG_CACHE_HOME=d["cache"], XDG_RUNTIME_DIR=d["runtime"],
               GIO_USE_NETWORK_MONITOR="base", GIO_USE_PROXY_RESOLVER="dummy",
               GSETTINGS_BACKEND="memory", GIO_USE_VFS="local", no_proxy="*",
               PARSE_EDS_DEADLINE=str(time.time() + timeout - 5))
    return conf, env


def _run(paths, top):
    """Runs the inner half on a private bus: (its JSON or None, why not)."""
    timeout = TIMEOUT + PER_FILE * len(paths)
    conf, env = _private_session(top, timeout)
    cmd = ["dbus-run-session", "--config-file", conf, "--",
           sys.executable, os.path.abspath(__file__), "--inner", *paths]
    with open(os.path.join(top, "stderr"), "w+", encoding="utf-8", errors="replace") as err:
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=err,
                                start_new_session=True)
        try:
            out, _ = proc.communicate(timeout=timeout)
            failure = None if proc.returncode == 0 else f"exit status {proc.returncode}"
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, _ = proc.communicate()
            failure = f"no answer within {timeout:.0f} s"
        ended, left = _end_leftovers(env["XDG_RUNTIME_DIR"])
        result = None
        if failure is None:
            try:
                result = json.loads(out)
            except ValueError as e:
                failure = f"unreadable output ({e})"
        # dbus-daemon logs every activation: stderr only when something went wrong.
        if failure is not None or os.environ.get("PARSE_EDS_DEBUG"):
            err.seek(0)
            sys.stderr.write(err.read())
    if ended:
        print(f"parse_eds: ended lingering processes {ended}"
              + (f", {left} still alive" if left else ""), file=sys.stderr)
    return result, failure


def outer(paths):
    # The orphans of the run (dbus-daemon, the EDS services) become our children.
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    result, failure = {"parser": PARSER, "feeds": {}}, None
    if paths:
        top = tempfile.mkdtemp(prefix="parse-eds-")
        try:
            result, failure = _run(paths, top)
        except OSError as e:  # no dbus-run-session, no EDS .service files
            failure = f"{type(e).__name__}: {e}"
        finally:
            shutil.rmtree(top, ignore_errors=True)
    if failure is not None:
        result = {"parser": PARSER, "feeds": {
            p: {"ok": False, "error": f"parse_eds: {failure}"} for p in paths}}
    json.dump(result, sys.stdout, ensure_ascii=True, indent=1)
    sys.stdout.write("\n")


# ------------------------------------------------- the run on the private bus

class Feeds(http.server.BaseHTTPRequestHandler):
    """GET /N/name: the N-th file, read when asked for (a missing file is a 404)."""

    def do_GET(self):  # noqa: N802 (http.server's name)
        try:
            with open(self.server.paths[int(self.path.split("/")[1])], "rb") as f:
                body = f.read()
        except (ValueError, IndexError, OSError):
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/calendar; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def _date(t):
    return f"{t.get_year():04d}-{t.get_month():02d}-{t.get_day():02d}"


def _wall(t):
    return f"{_date(t)}T{t.get_hour():02d}:{t.get_minute():02d}:{t.get_second():02d}"


def _utc(seconds):
    return dt.datetime.fromtimestamp(seconds, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _text(t):
    return None if t is None else t.get_value()


class Point:
    """A DATE, a UTC instant (seconds) or a floating wall time (datetime)."""

    def __init__(self, kind, value):
        self.kind, self.value = kind, value

    def show(self):
        if self.kind == "date":
            return self.value.isoformat()
        if self.kind == "utc":
            return _utc(self.value)
        return f"floating({self.value.isoformat()})"

    def plus(self, seconds):
        """The point plus exact seconds (RFC 5545 §3.3.6); a DATE becomes floating."""
        if self.kind == "utc":
            return Point("utc", self.value + seconds)
        base = self.value
        if self.kind == "date":
            base = dt.datetime.combine(base, dt.time())
        return Point("floating", base + dt.timedelta(seconds=seconds))


class Reader:
    """One client's components in the suite's form."""

    def __init__(self, client, cancellable):
        self.client, self.cancellable, self.zones = client, cancellable, {}

    def zone(self, tzid):
        """The backend's zone for tzid: libical's own for a name it knows (the feed's
        VTIMEZONE is then not read), else the feed's VTIMEZONE; None if neither."""
        if tzid not in self.zones:
            try:
                self.zones[tzid] = self.client.get_timezone_sync(tzid, self.cancellable)[1]
            except GLib.Error as e:
                if (e.domain, e.code) != ("e-cal-client-error-quark",
                                          int(ECal.ClientError.OBJECT_NOT_FOUND)):
                    raise
                self.zones[tzid] = None
        return self.zones[tzid]

    def point(self, cdt):
        """An ECalComponentDateTime as a Point."""
        t = cdt.get_value() if cdt is not None else None
        if t is None or t.is_null_time():
            return None
        if t.is_date():
            return Point("date", dt.date(t.get_year(), t.get_month(), t.get_day()))
        if t.is_utc():
            return Point("utc", t.as_timet())
        zone = self.zone(cdt.get_tzid()) if cdt.get_tzid() else None
        if zone is not None:
            return Point("utc", t.as_timet_with_zone(zone))
        return Point("floating", dt.datetime.fromisoformat(_wall(t)))  # or an unknown TZID

    @staticmethod
    def end(comp, start):
        """DTEND, or DTSTART plus DURATION, or the day after a DATE, or DTSTART."""
        if start is None:
            return None
        icomp = comp.get_icalcomponent()
        has_duration = icomp.get_first_property(ICalGLib.PropertyKind.DURATION_PROPERTY)
        seconds = icomp.get_duration().as_int() if has_duration else None
        if start.kind == "date":
            days = 1 if seconds is None else seconds // 86400
            return Point("date", start.value + dt.timedelta(days=days))
        return start if seconds is None else start.plus(seconds)

    @staticmethod
    def alarm(a, start, end):
        trigger, at = a.get_trigger(), None
        kind = trigger.get_kind() if trigger is not None else None
        if kind == ECal.ComponentAlarmTriggerKind.ABSOLUTE:
            t = trigger.get_absolute_time()
            at = _utc(t.as_timet()) if t.is_utc() else f"floating({_wall(t)})"
        elif kind in (ECal.ComponentAlarmTriggerKind.RELATIVE_START,
                      ECal.ComponentAlarmTriggerKind.RELATIVE_END):
            base = end if kind == ECal.ComponentAlarmTriggerKind.RELATIVE_END else start
            if base is not None:
                at = base.plus(trigger.get_duration().as_int()).show()
        action = a.get_action()
        return {"action": None if action == ECal.ComponentAlarmAction.NONE
                else action.value_nick.upper(),
                "trigger": at, "description": _text(a.get_description())}

    def event(self, comp):
        start = self.point(comp.get_dtstart())
        end = self.point(comp.get_dtend()) or self.end(comp, start)
        descriptions = comp.get_descriptions()
        transp, status = comp.get_transparency(), comp.get_status()
        return {
            "uid": comp.get_uid(),
            "start": start.show() if start else None,
            "end": end.show() if end else None,
            "summary": _text(comp.get_summary()),
            "description": _text(descriptions[0]) if descriptions else None,
            "url": comp.get_url(),
            "transp": None if transp == ECal.ComponentTransparency.NONE
            else transp.value_nick.upper(),
            "status": None if status == ICalGLib.PropertyStatus.NONE
            else ICalGLib.Property.status_to_string(status),
            "alarms": [self.alarm(a, start, end) for a in comp.get_all_alarms()],
        }


def _pump(seconds, done):
    """Runs the default main context (EDS's signals) until done() or for seconds."""
    context = GLib.MainContext.default()
    end = time.monotonic() + seconds
    while True:
        while context.pending():
            context.iteration(False)
        if done() or time.monotonic() >= end:
            return
        time.sleep(0.01)


def _error(e):
    return e.message if isinstance(e, GLib.Error) else f"{type(e).__name__}: {e}"


def _new_source(path, url):
    source = EDataServer.Source.new(None, None)
    source.set_display_name(os.path.basename(path) or path)
    source.set_parent("webcal-stub")
    source.get_extension(EDataServer.SOURCE_EXTENSION_CALENDAR).set_backend_name("webcal")
    source.get_extension(EDataServer.SOURCE_EXTENSION_WEBDAV_BACKEND).set_uri(
        GLib.Uri.parse(url, GLib.UriFlags.NONE))
    source.get_extension(EDataServer.SOURCE_EXTENSION_SECURITY).set_secure(False)
    return source


class Subscription:
    """One committed source: the client EDS opens on it, what it lists, its errors."""

    def __init__(self, registry, scratch, cancellable):
        self.errors, self.comps, self.result = [], None, None
        source = registry.ref_source(scratch.get_uid())
        source.connect("credentials-required", self.credentials_required)
        try:
            self.client = ECal.Client.connect_sync(
                source, ECal.ClientSourceType.EVENTS, GLib.MAXUINT32,  # -1: do not wait
                cancellable)
        except GLib.Error as e:
            self.result = {"ok": False, "error": _error(e)}
            return
        # ECal.Client.connect is e_cal_client_connect(): GObject's connect, by name.
        GObject.Object.connect(self.client, "backend-error", self.backend_error)
        self.comps = self.client.get_object_list_as_comps_sync("#t", cancellable)[1]
        self.cancellable = cancellable

    def credentials_required(self, _source, reason, _pem, _flags, op_error):
        self.errors.append(f"credentials required ({reason.value_nick}): "
                           + (op_error.message if op_error is not None else "no error"))

    def backend_error(self, _client, message):
        self.errors.append(f"backend error: {message}")

    def waiting(self):
        """A feed EDS refused lists nothing, and its error signal may be on its way."""
        return self.result is None and not self.comps and not self.errors

    def describe(self):
        if self.result is not None:
            return self.result
        if self.errors:
            return {"ok": False, "error": "; ".join(self.errors)}
        reader = Reader(self.client, self.cancellable)
        events = sorted((reader.event(c) for c in self.comps), key=lambda e: e["uid"] or "")
        return {"ok": True, "calendar": {}, "events": events, "unread": list(CALENDAR_KEYS)}


def _guarded(what, *args):
    """what(*args), or a failed description: a feed EDS refuses is a result, not a crash."""
    try:
        return what(*args)
    except Exception as e:
        return e


def inner(paths):
    deadline = float(os.environ.get("PARSE_EDS_DEADLINE", time.time() + TIMEOUT))
    cancellable = Gio.Cancellable()
    timer = threading.Timer(max(1.0, deadline - time.time()), cancellable.cancel)
    timer.daemon = True
    timer.start()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Feeds)
    server.paths = paths
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    feeds = {}
    try:
        registry = EDataServer.SourceRegistry.new_sync(cancellable)
        sources = [_new_source(p, f"{base}/{n}/{urllib.parse.quote(os.path.basename(p))}")
                   for n, p in enumerate(paths)]
        registry.create_sources_sync(sources, cancellable)  # one commit for all the files
        subs = [_guarded(Subscription, registry, s, cancellable) for s in sources]
        _pump(REFUSAL_WAIT, lambda: not any(isinstance(s, Subscription) and s.waiting()
                                            for s in subs))
        for path, sub in zip(paths, subs):
            d = sub if isinstance(sub, Exception) else _guarded(sub.describe)
            feeds[path] = {"ok": False, "error": _error(d)} if isinstance(d, Exception) else d
    except GLib.Error as e:
        feeds.update({p: {"ok": False, "error": _error(e)} for p in paths if p not in feeds})
    finally:
        timer.cancel()
        server.shutdown()
    json.dump({"parser": PARSER, "feeds": feeds}, sys.stdout, ensure_ascii=True, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--inner"]:
        inner(sys.argv[2:])
    else:
        outer(sys.argv[1:])
