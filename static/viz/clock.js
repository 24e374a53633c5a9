// The cluster's clock on the page. Ages are counted from the cluster's own clock, as
// `kubectl get` prints them (the API server counts them on that clock), so the page and
// kubectl agree; the time controls say how far the cluster is behind live (the wall clock,
// which its clock never passes) and offer a jump to live.
import {state} from "./model.js";

const $ = id => document.getElementById(id);
/** The last clock the server sent and when it arrived (performance.now()). */
let reading = null;

function remember(clock) {
  if (!reading || reading.clock !== clock) reading = {clock, at: performance.now()};
}

/** The cluster's clock now, in epoch seconds: the last reading moved on as the kernel moves
 * it (paused: not at all; live: at its speed, never past the live edge). Without a
 * simulation (an API-only cluster stamps with the wall clock) the browser's clock. */
export function clusterNow() {
  const clock = state.clock;
  if (!clock || typeof clock.wall_time !== "number") return Date.now() / 1000;
  remember(clock);
  if (clock.mode === "paused") return clock.wall_time;
  const elapsed = (performance.now() - reading.at) / 1000;
  const toLive = (clock.behind_live_seconds || 0) + elapsed;
  return clock.wall_time + (clock.mode === "live" ? Math.min(elapsed * clock.speed, toLive) : toLive);
}

/** Upstream's duration.HumanDuration, the words of kubectl's age columns ("2m10s", "3h"). */
export function humanDuration(seconds) {
  const whole = Math.trunc(seconds);
  if (whole < -1) return "<invalid>";
  if (whole < 0) return "0s";
  if (whole < 120) return `${whole}s`;
  const minutes = Math.floor(whole / 60), hours = Math.floor(whole / 3600), days = Math.floor(hours / 24);
  const years = Math.floor(days / 365);
  const two = (big, bigUnit, small, smallUnit) => small ? `${big}${bigUnit}${small}${smallUnit}` : `${big}${bigUnit}`;
  if (minutes < 10) return two(minutes, "m", whole % 60, "s");
  if (minutes < 180) return `${minutes}m`;
  if (hours < 8) return two(hours, "h", minutes % 60, "m");
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) return two(days, "d", hours % 24, "h");
  if (hours < 24 * 365 * 2) return `${days}d`;
  if (hours < 24 * 365 * 8) return two(years, "y", days % 365, "d");
  return `${years}y`;
}

/** An age cell as kubectl prints it (translateTimestampSince), on the cluster's clock: now,
 * or at ``now`` (epoch seconds; a past revision's time when travelling). */
export function age(timestamp, now = clusterNow()) {
  if (!timestamp) return "<unknown>";
  return humanDuration(now - Date.parse(timestamp) / 1000);
}

/** The "behind live" note and the jump-to-live button, from the clock the server sent
 * (both hidden for a kernel without a live edge, or without a simulation). */
export function showLiveEdge(clock, available) {
  const label = $("behind-live"), jump = $("jump-live");
  const behind = clock && available ? clock.behind_live_seconds : null;
  label.hidden = jump.hidden = typeof behind !== "number";
  if (label.hidden) return;
  remember(clock);
  const live = behind < 1;
  label.textContent = live ? "at live" : `${humanDuration(behind)} behind live`;
  label.title = live ? "the cluster's clock is the wall clock: fast-forward runs at 1×"
    : "how far the cluster's clock is behind the wall clock: what a faster speed can catch up";
  jump.disabled = live;
  document.body.dataset.behindLive = String(Math.round(behind));
}

/** Wire the jump-to-live button to the control API (``control(path)`` posts and shows the state). */
export function setupLiveEdge(control) {
  $("jump-live").addEventListener("click", () => control("/live"));
}
