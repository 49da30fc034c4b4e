/** Start of the current business day (BUSINESS_TIMEZONE) as a UTC Date. */
export function startOfBusinessDay(now: Date, timeZone: string): Date {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(now);
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  const offsetMs = asUtc - Math.floor(now.getTime() / 1000) * 1000;
  return new Date(Date.UTC(get('year'), get('month') - 1, get('day')) - offsetMs);
}

/** The calendar date (year, month 1–12, day) of `at` in `timeZone`. */
export function businessDate(at: Date, timeZone: string): { year: number; month: number; day: number } {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(at);
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0);
  return { year: get('year'), month: get('month'), day: get('day') };
}

/** Start of the business day `YYYY-MM-DD` (BUSINESS_TIMEZONE) as a UTC Date. */
export function startOfBusinessDate(ymd: string, timeZone: string): Date {
  const [y, m, d] = ymd.split('-').map(Number) as [number, number, number];
  const noonUtc = Date.UTC(y, m - 1, d, 12);
  // noon of that date in the zone is noonUtc minus the zone's offset; its business day starts at the local midnight
  const offsetMs = startOfBusinessDay(new Date(noonUtc), timeZone).getTime() - Date.UTC(...ymdOf(new Date(noonUtc), timeZone));
  return startOfBusinessDay(new Date(noonUtc + offsetMs), timeZone);
}

const ymdOf = (at: Date, timeZone: string): [number, number, number] => {
  const { year, month, day } = businessDate(at, timeZone);
  return [year, month - 1, day];
};

/** Start of the current business month (BUSINESS_TIMEZONE) as a UTC Date. */
export function startOfBusinessMonth(now: Date, timeZone: string): Date {
  const { year, month } = businessDate(now, timeZone);
  return startOfBusinessDate(`${year}-${String(month).padStart(2, '0')}-01`, timeZone);
}
