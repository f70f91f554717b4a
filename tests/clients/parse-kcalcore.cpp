// SPDX-License-Identifier: Apache-2.0
// Reads feeds with KDE's KCalendarCore (the library of KOrganizer, Kontact and
// Plasma's calendar), as those clients do: ICalFormat::load into a
// MemoryCalendar. Prints one normalised JSON description per file (see
// clients.py).
// Usage: parse-kcalcore FEED.ics...
//
// KCalendarCore parses with libical, then maps every TZID onto a QTimeZone:
// an IANA name straight onto Qt's own reading of the system's tz database
// (the VTIMEZONE's rules are then not read), any other TZID onto the IANA
// zone whose offsets and transitions best match its VTIMEZONE. What is
// printed is what the library hands to a client, converted to the suite's
// conventions only where the two differ by definition:
// - an all-day event's dtEnd() is its last day (inclusive, KCalendarCore's
//   convention): the exclusive end printed is the day after;
// - Event::transparency() cannot tell a feed without TRANSP from an OPAQUE
//   one: "absent" says so, and the driver compares a missing TRANSP as OPAQUE;
// - the library keeps no VERSION, NAME, DESCRIPTION, URL, REFRESH-INTERVAL
//   nor METHOD of the calendar: "unread" lists them, and the driver checks
//   them through the other parsers only. X- properties are custom properties.
#include <KCalendarCore/Alarm>
#include <KCalendarCore/Event>
#include <KCalendarCore/Exceptions>
#include <KCalendarCore/ICalFormat>
#include <KCalendarCore/MemoryCalendar>
#include <kcalendarcore_version.h>

#include <QCoreApplication>
#include <QDateTime>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QTimeZone>
#include <QUrl>

#include <algorithm>
#include <cstdio>

using namespace KCalendarCore;

namespace
{

QJsonValue text(const QString &s)
{
    return s.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(s);
}

// A timed value as its UTC instant, one without a zone as 'floating(...)'.
QJsonValue instant(const QDateTime &t)
{
    if (!t.isValid())
        return QJsonValue(QJsonValue::Null);
    if (t.timeSpec() == Qt::LocalTime)
        return QStringLiteral("floating(%1)")
            .arg(t.toString(QStringLiteral("yyyy-MM-ddTHH:mm:ss")));
    return t.toUTC().toString(QStringLiteral("yyyy-MM-ddTHH:mm:ss'Z'"));
}

QJsonValue date(const QDate &d)
{
    return d.isValid() ? QJsonValue(d.toString(Qt::ISODate)) : QJsonValue(QJsonValue::Null);
}

QJsonValue status(const Incidence::Ptr &inc)
{
    switch (inc->status()) {
    case Incidence::StatusNone:
        return QJsonValue(QJsonValue::Null);
    case Incidence::StatusTentative:
        return QStringLiteral("TENTATIVE");
    case Incidence::StatusConfirmed:
        return QStringLiteral("CONFIRMED");
    case Incidence::StatusCompleted:
        return QStringLiteral("COMPLETED");
    case Incidence::StatusNeedsAction:
        return QStringLiteral("NEEDS-ACTION");
    case Incidence::StatusCanceled:
        return QStringLiteral("CANCELLED");
    case Incidence::StatusInProcess:
        return QStringLiteral("IN-PROCESS");
    case Incidence::StatusDraft:
        return QStringLiteral("DRAFT");
    case Incidence::StatusFinal:
        return QStringLiteral("FINAL");
    case Incidence::StatusX:
        return inc->customStatus();
    }
    return QStringLiteral("unexpected");
}

QJsonObject alarm(const Alarm::Ptr &a)
{
    QJsonValue action(QJsonValue::Null), description(QJsonValue::Null);
    switch (a->type()) {
    case Alarm::Display:
        action = QStringLiteral("DISPLAY");
        description = text(a->text());
        break;
    case Alarm::Procedure:
        action = QStringLiteral("PROCEDURE");
        description = text(a->programArguments());
        break;
    case Alarm::Email:
        action = QStringLiteral("EMAIL");
        description = text(a->mailText());
        break;
    case Alarm::Audio:
        action = QStringLiteral("AUDIO");
        break;
    case Alarm::Invalid:
        break;
    }
    // time(): the absolute TRIGGER, or the offset from the event's start
    // (or end) as the library computes it.
    return QJsonObject{{QStringLiteral("action"), action},
                       {QStringLiteral("trigger"), instant(a->time())},
                       {QStringLiteral("description"), description}};
}

QJsonObject event(const Event::Ptr &ev)
{
    QJsonValue start, end;
    if (ev->allDay()) {
        start = date(ev->dtStart().date());
        end = date(ev->dtEnd().date().addDays(1));
    } else {
        start = instant(ev->dtStart());
        end = instant(ev->dtEnd());
    }
    QJsonArray alarms;
    for (const Alarm::Ptr &a : ev->alarms())
        alarms.append(alarm(a));
    const QUrl url = ev->url();
    return QJsonObject{
        {QStringLiteral("uid"), ev->uid()},
        {QStringLiteral("start"), start},
        {QStringLiteral("end"), end},
        {QStringLiteral("summary"), text(ev->summary())},
        {QStringLiteral("description"), text(ev->description())},
        {QStringLiteral("url"), url.isEmpty() ? QJsonValue(QJsonValue::Null)
                                              : QJsonValue(url.toString(QUrl::FullyEncoded))},
        {QStringLiteral("transp"), ev->transparency() == Event::Transparent
                                       ? QStringLiteral("TRANSPARENT")
                                       : QStringLiteral("OPAQUE")},
        {QStringLiteral("status"), status(ev)},
        {QStringLiteral("alarms"), alarms},
    };
}

QJsonObject describe(const QString &path)
{
    if (!QFile::exists(path))
        return QJsonObject{{QStringLiteral("ok"), false},
                           {QStringLiteral("error"), QStringLiteral("no such file")}};
    MemoryCalendar::Ptr cal(new MemoryCalendar(QTimeZone::utc()));
    ICalFormat format;
    if (!format.load(cal, path)) {
        // Exception::ErrorCode, in its order.
        static const char *const codes[] = {"LoadError",
                                            "SaveError",
                                            "ParseErrorIcal",
                                            "ParseErrorKcal",
                                            "NoCalendar",
                                            "CalVersion1",
                                            "CalVersion2",
                                            "CalVersionUnknown",
                                            "Restriction",
                                            "UserCancel",
                                            "NoWritableFound",
                                            "SaveErrorOpenFile",
                                            "SaveErrorSaveFile",
                                            "LibICalError",
                                            "VersionPropertyMissing",
                                            "ExpectedCalVersion2",
                                            "ExpectedCalVersion2Unknown",
                                            "ParseErrorNotIncidence",
                                            "ParseErrorEmptyMessage",
                                            "ParseErrorUnableToParse",
                                            "ParseErrorMethodProperty"};
        const Exception *e = format.exception();
        const int code = e ? static_cast<int>(e->code()) : -1;
        const QString name = code >= 0 && code < int(sizeof codes / sizeof *codes)
                                 ? QString::fromLatin1(codes[code])
                                 : QString::number(code);
        return QJsonObject{
            {QStringLiteral("ok"), false},
            {QStringLiteral("error"), QStringLiteral("ICalFormat::load failed: %1").arg(name)}};
    }
    QJsonObject calendar{{QStringLiteral("prodid"), text(format.loadedProductId())}};
    for (const char *name : {"X-WR-CALNAME", "X-WR-CALDESC", "X-WR-TIMEZONE", "X-PUBLISHED-TTL"}) {
        const QString v = cal->nonKDECustomProperty(name);
        calendar.insert(QString::fromLatin1(name).toLower(),
                        v.isNull() ? QJsonValue(QJsonValue::Null) : QJsonValue(v));
    }
    Event::List events = cal->rawEvents();
    std::sort(events.begin(), events.end(),
              [](const Event::Ptr &a, const Event::Ptr &b) { return a->uid() < b->uid(); });
    QJsonArray list;
    for (const Event::Ptr &ev : events)
        list.append(event(ev));
    QJsonArray unread;
    for (const char *name : {"version", "name", "description", "url", "refresh-interval", "method"})
        unread.append(QString::fromLatin1(name));
    return QJsonObject{{QStringLiteral("ok"), true},
                       {QStringLiteral("calendar"), calendar},
                       {QStringLiteral("events"), list},
                       {QStringLiteral("unread"), unread},
                       {QStringLiteral("absent"),
                        QJsonObject{{QStringLiteral("transp"), QStringLiteral("OPAQUE")}}}};
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    // The library logs what it refuses (qCritical dumps a whole feed it cannot
    // parse): the JSON says it, stderr stays for crashes.
    QLoggingCategory::setFilterRules(QStringLiteral("*=false"));
    QJsonObject feeds;
    for (int i = 1; i < argc; i++) {
        const QString path = QFile::decodeName(argv[i]);
        feeds.insert(path, describe(path));
    }
    const QString parser =
        QStringLiteral("KCalendarCore %1 (Qt %2)")
            .arg(QStringLiteral(KCALENDARCORE_VERSION_STRING), QString::fromLatin1(qVersion()));
    const QJsonObject out{{QStringLiteral("parser"), parser}, {QStringLiteral("feeds"), feeds}};
    const QByteArray json = QJsonDocument(out).toJson(QJsonDocument::Indented);
    if (std::fwrite(json.constData(), 1, size_t(json.size()), stdout) != size_t(json.size()) ||
        std::fflush(stdout) != 0) {
        std::perror("parse-kcalcore: stdout");
        return 1;
    }
    return 0;
}
