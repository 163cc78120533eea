// Expand iCalendar files with Mozilla's ical.js, as Thunderbird does, and print every instance as JSON.
// Usage: node expand.mjs FILE... -> {"FILE": [{"uid", "start", "end"}, ...], ...} (start/end UTC ISO 8601)
// Time zones come only from each file's own VTIMEZONE, so the process's TZ must not change the result.
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const LIMIT = ICAL.Time.fromDateTimeString("2035-01-01T00:00:00Z");

function expand(text) {
  const calendar = new ICAL.Component(ICAL.parse(text));
  for (const zone of calendar.getAllSubcomponents("vtimezone")) {
    ICAL.TimezoneService.register(zone);
  }
  const events = calendar.getAllSubcomponents("vevent");
  const masters = new Map();
  const exceptions = [];
  for (const vevent of events) {
    // Without `exceptions`, ical.js relates every RECURRENCE-ID component of the calendar to each master,
    // whatever its UID, so two series with an override at the same local time would swap them. Relate by
    // UID ourselves, as Thunderbird's calendar code does.
    const event = new ICAL.Event(vevent, { strictExceptions: true, exceptions: [] });
    if (event.isRecurrenceException()) exceptions.push(event);
    else masters.set(event.uid, event);
  }
  for (const exception of exceptions) {
    const master = masters.get(exception.uid);
    if (!master) throw new Error(`override without a master event: ${exception.uid}`);
    master.relateException(exception);
  }
  const instances = [];
  for (const event of masters.values()) {
    if (!event.isRecurring()) {
      instances.push({ uid: event.uid, start: iso(event.startDate), end: iso(event.endDate) });
      continue;
    }
    const iterator = event.iterator();
    for (let next = iterator.next(), n = 0; next && next.compare(LIMIT) < 0; next = iterator.next(), n++) {
      if (n > 5000) throw new Error(`runaway recurrence in ${event.uid}`);
      const details = event.getOccurrenceDetails(next);
      instances.push({ uid: event.uid, start: iso(details.startDate), end: iso(details.endDate) });
    }
  }
  return instances;
}

function iso(time) {
  return time.toJSDate().toISOString().replace(".000Z", "Z");
}

const result = {};
for (const file of process.argv.slice(2)) {
  result[file] = expand(readFileSync(file, "utf8"));
}
process.stdout.write(JSON.stringify(result));
