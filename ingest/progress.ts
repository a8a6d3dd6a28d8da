/**
 * Progress an editor can follow: a bar with counts and time left on a terminal,
 * a plain line every few seconds otherwise (CI logs, cron mails).
 */
export function progressReporter(stream: NodeJS.WriteStream = process.stdout, now: () => number = Date.now) {
  const started = now();
  let lastLine = 0;
  return (done: number, queued: number): void => {
    const total = done + queued;
    const elapsed = (now() - started) / 1000;
    const rate = elapsed > 0 ? done / elapsed : 0;
    const eta = rate > 0 && queued > 0 ? `, about ${formatSeconds(queued / rate)} left` : "";
    if (stream.isTTY) {
      const width = 24;
      const filled = total ? Math.round((done / total) * width) : 0;
      stream.write(`\r  [${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total} documents, ${rate.toFixed(1)}/s${eta}   `);
      if (queued === 0) stream.write("\n");
      return;
    }
    if (queued === 0 || now() - lastLine > 5000) {
      lastLine = now();
      stream.write(`  ${done}/${total} documents fetched, ${rate.toFixed(1)}/s${eta}\n`);
    }
  };
}

export function formatSeconds(s: number): string {
  if (s < 60) return `${Math.ceil(s)} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${Math.round(s % 60)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}
