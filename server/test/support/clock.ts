/**
 * A server clock that runs with real time, some way ahead of it: tests skip past backoffs, leases and deadlines by
 * moving it, while what runs on real time (waits, the emulators' own clocks and signatures) keeps running.
 */
export function aheadClock() {
  let aheadMs = 0;
  return {
    /** for `startTestServer({ now })` */
    now: () => new Date(Date.now() + aheadMs),
    /** the server's time now, in ms */
    ms: () => Date.now() + aheadMs,
    /** moves the clock `ms` further ahead */
    skip(ms: number) {
      aheadMs += ms;
    },
    /** puts the clock `ms` ahead of real time (0: back to real time) */
    setAhead(ms: number) {
      aheadMs = ms;
    },
  };
}

export type AheadClock = ReturnType<typeof aheadClock>;
