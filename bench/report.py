"""Rendering: a plain-text table for people and one JSON line for scripts."""

from __future__ import annotations

import json
from typing import Any

TITLES = {
    "join": "join burst",
    "idle": "idle room",
    "storm": "vote storm",
    "projector": "vote to projector",
    "slide": "slide change",
    "baseline": "no-op baseline",
    "openwall": "open wall",
}


def _size(n: float | None) -> str:
    """Bytes in binary units (B, KiB, MiB, GiB)."""
    if n is None:
        return "?"
    for unit in ("B", "KiB", "MiB"):
        if abs(n) < 1024:
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.2f} GiB"


def _wall_run_rows(mode: str, r: dict[str, Any]) -> list[tuple[str, str]]:
    if "skipped" in r:
        return [(f"{mode}: skipped", r["skipped"])]
    ph, pr, hz, st = r["phones"], r["presenter"], r["healthz"], r["stored"]
    return [
        (
            f"{mode}: to phones",
            f"{_size(ph['bytes_per_s'])}/s ({_size(ph['bytes'])}, {ph['messages']} messages), "
            f"biggest {_size(ph['max_message'])}; after the window: "
            f"{_size(ph['bytes_after_window'])} more, quiet within {ph['quiet_after_s']} s",
        ),
        (
            f"{mode}: to presenter",
            f"{_size(pr['bytes_per_s'])}/s ({pr['messages']} messages), "
            f"biggest {_size(pr['max_message'])}",
        ),
        (f"{mode}: answer ack p50/p99/max", _lat(r)),
        (
            f"{mode}: acked/s in window",
            f"{r['acked_per_s']}  ({r['acked_in_window']} in window, {r['acked']} in all; "
            f"errors {r['errors']} {_kinds(r['errors_by_status'])})",
        ),
        (
            f"{mode}: /healthz p50/p99/max",
            f"{_lat({'latency': hz})}, failures {hz['failures']}; slowest at "
            + ", ".join(f"t+{at:g} s" for at, _ in hz.get("slowest_at_s_ms", [])[:3]),
        ),
        (
            f"{mode}: stored == acked",
            f"{st['responses']} == {st['acked_participants']} participants, "
            f"{st['entries']} == {st['expected_entries']} entries (round {r['round']})",
        ),
        (
            f"{mode}: phones connected",
            f"{ph['connected_at_end']}, disconnects {ph['disconnects']}; "
            f"server RSS {r['server_rss_kib']} KiB",
        ),
        (f"{mode}: cpu server / load", _cpu(r)),
    ]


def json_line(report: dict[str, Any]) -> str:
    """The whole report on one line, starting with `{`."""
    return json.dumps(report, separators=(",", ":"), sort_keys=False)


def _lat(figures: dict[str, Any]) -> str:
    lat = figures.get("latency") or {}
    if not lat.get("count"):
        return "no samples"
    return f"{lat['p50_ms']} / {lat['p99_ms']} / {lat['max_ms']} ms  (n={lat['count']})"


def _cpu(figures: dict[str, Any]) -> str:
    server = figures.get("server_cpu_pct")
    load = figures.get("load_cpu_pct")
    lag = figures.get("load_loop_lag_ms") or {}
    wait = figures.get("server_runq_wait_pct")
    waited = "" if wait is None else f" (server waited for a CPU {wait}%)"
    return (
        f"{'?' if server is None else server}% / {load}%{waited}; "
        f"load loop lag p99 {lag.get('p99')} ms, max {lag.get('max')} ms "
        f"(gc max {lag.get('gc_max')} ms)"
    )


def _parts(figures: dict[str, Any]) -> list[tuple[str, str]]:
    """Cluster rows: CPU % of each worker, PostgreSQL and Redis; the machine and the rest."""
    cpu_s, window = figures.get("cpu_s"), figures.get("window_s")
    if not cpu_s or not window or not figures.get("parts_cpu_pct"):
        return []
    pct = {n: f"{100 * v / window:.1f}%" for n, v in cpu_s.items() if isinstance(v, float)}
    workers = " + ".join(f"{100 * v / window:.1f}" for v in cpu_s.get("workers", []))
    rows = [
        (
            "cpu workers / pg / redis",
            f"{pct.get('server')}{f' ({workers})' if workers else ''} / "
            f"{pct.get('postgres', '-')} / {pct.get('redis', '-')}",
        ),
        (
            "cpu load / machine (other)",
            f"{pct.get('load')} / {pct.get('machine')} ({pct.get('other')}) of {window:.1f} s",
        ),
    ]
    counted = figures.get("counters")
    if counted:
        per = figures.get("per_vote") or {}
        rows.append(
            (
                "pg xacts / redis cmds (in scripts too)",
                ", ".join(
                    f"{v}" + (f" ({per[n]} per vote)" if n in per else "")
                    for n, v in counted.items()
                ),
            )
        )
    per_vote = figures.get("cpu_ms_per_vote")
    if per_vote:
        rows.append(
            (
                "cpu ms per acked vote",
                ", ".join(f"{n} {v}" for n, v in per_vote.items())
                + f"; {figures['votes_per_server_cpu_s']} votes per worker-CPU-s",
            )
        )
    return rows


def _kinds(kinds: dict[str, int]) -> str:
    return ", ".join(f"{k}: {n}" for k, n in sorted(kinds.items())) or "none"


def _rows(name: str, f: dict[str, Any]) -> list[tuple[str, str]]:
    if "skipped" in f:
        return [("skipped", f["skipped"])]
    if "not_measured" in f:
        return [("not measured", f["not_measured"])]
    if name == "join":
        return [
            ("phones (in flight)", f"{f['phones']} ({f['concurrency']})"),
            ("joins/s", str(f["joins_per_s"])),
            ("failures", f"{f['failures']}  {_kinds(f['failures_by_kind'])}"),
            ("connected (first state)", f"{f['connected']} of {f['phones']}"),
            ("all connected after", f"{f['all_connected_s']} s"),
            ("cpu server / load", _cpu(f)),
        ]
    if name == "idle":
        rows = [
            ("connected, idle", f"{f['connected']} phones, {f['idle_s']} s"),
            ("server RSS before / after", f"{f['rss_before_kib']} / {f['rss_after_kib']} KiB"),
            ("RSS per connection", f"{f['kib_per_connection']} KiB"),
            ("cpu server / load", _cpu(f)),
        ]
        if "rss_after_per_worker_kib" in f:
            per = " + ".join(str(v) for v in f["rss_after_per_worker_kib"])
            rows.insert(2, ("RSS after, per worker", f"{per} KiB"))
        for part, pss in f.get("backing_pss_kib", {}).items():
            rows.insert(-1, (f"{part} PSS before / after", f"{pss['before']} / {pss['after']} KiB"))
        return rows
    if name in ("storm", "baseline"):
        rows = [
            ("offered", f"{f['offered']} votes at {f['offered_rate']}/s for {f['duration_s']} s"),
            ("acked/s (2xx)", f"{f['acked_per_s']}  ({f['acked']} acked)"),
            ("ack latency p50/p99/max", _lat(f)),
            ("errors", f"{f['errors']}  {_kinds(f['errors_by_status'])}"),
            ("cpu server / load", _cpu(f)),
        ]
        if name == "storm":
            rows.insert(
                4,
                (
                    "messages pushed to phones",
                    f"{f['phone_messages']} (results {f.get('results_to_phones', '?')})",
                ),
            )
        else:
            ratio = f["vote_vs_noop"]
            rows.append(("vote path / no-op: acked/s", str(ratio["throughput_ratio"])))
            rows.append(("vote path / no-op: p50", str(ratio["p50_ratio"])))
        return rows
    if name == "projector":
        return [
            ("votes (one per phone)", f"{f['votes']} at {f['offered_rate']}/s, {f['acked']} acked"),
            ("seen by presenter", f"{f['seen_by_presenter']}  (missing {f['missing']})"),
            ("vote -> tally p50/p99/max", _lat(f)),
            ("vote ack p50/p99/max", _lat({"latency": f["ack_latency"]})),
            (
                "presenter results messages",
                f"{f['presenter_results_messages']}  (longest gap {f['presenter_max_gap_ms']} ms)",
            ),
            ("errors", _kinds(f["errors_by_status"])),
            ("cpu server / load", _cpu(f)),
        ]
    if name == "openwall":
        low, high = f["entry_chars"]
        rows = [
            (
                "room, wall",
                f"{f['phones']} phones ({f['phones_connected']} connected), {f['entries']} "
                f"entries (up to {f['entries_per_phone']} per phone) of {low}-{high} chars "
                f"(~{f['entry_bytes_mean']:.0f} B)",
            ),
            (
                "submissions",
                f"{f['submissions']} at {f['offered_rate']}/s for {f['duration_s']} s per run "
                f"(wall full after {f['submissions_to_full_wall']}"
                + (")" if f["submissions"] >= f["submissions_to_full_wall"] else ": not reached)"),
            ),
        ]
        for mode in ("shown", "hidden"):
            if mode in f:
                rows.extend(_wall_run_rows(mode, f[mode]))
        return rows
    if name == "slide":
        worst = ", ".join(str(c["all_ms"]) for c in f["per_change"])
        return [
            ("changes x phones", f"{f['changes']} changes, {f['phones_watched']} deliveries"),
            ("received (missing)", f"{f['received']} ({f['missing']})"),
            ("control -> phone p50/p99/max", _lat(f)),
            ("last phone per change", f"{worst} ms"),
            ("cpu server / load", _cpu(f)),
        ]
    return [(k, str(v)) for k, v in f.items()]


def table(report: dict[str, Any]) -> str:
    """The report as aligned plain-text columns."""
    cfg = report["config"]
    m = report["machine"]
    k = cfg["load_procs"]
    where = "this process (1 load process)" if k == 1 else f"{k} child load processes"
    lines = [
        "Rondvraag load benchmark",
        f"machine: {m['nproc']} cores, {m['cpu']}, {m['ram_gib']} GiB RAM; python {m['python']}",
        f"server:  {cfg['server']} (pid {cfg.get('server_pid')}); per-IP rate limits: "
        f"{cfg['rate_limits']} because all load comes from one IP",
        f"load:    {where}, {cfg['load_loop']}, "
        f"websockets {m['websockets']}, HTTP client {cfg['http_client']} "
        f"({cfg['http_conns']} keep-alive connections), open-file limit {cfg['open_file_limit']}",
        f"shape:   {cfg['participants']} phones, {cfg['vote_rate']} votes/s, "
        f"{cfg['duration_s']} s; latencies from each vote's scheduled send time",
    ]
    cluster = cfg.get("cluster")
    if cluster:
        lines.append(
            f"cluster: {cluster['workers']} workers {', '.join(cluster.get('worker_urls', []))} "
            f"on PostgreSQL (fsync, synchronous_commit on) and Redis; {cluster['spread']}; "
            f"presenter and admin on {cluster['presenter_and_admin_on']}"
        )
    lines.append(
        f"machine load average (1, 5, 15 min) at start: {m.get('loadavg_start')}, "
        f"at end: {m.get('loadavg_end')}"
    )
    lines.append("")
    rows: list[tuple[str, str, str]] = []
    for name, figures in report["scenarios"].items():
        extra = [] if name == "openwall" else _parts(figures)
        for i, (metric, value) in enumerate(_rows(name, figures) + extra):
            rows.append((TITLES.get(name, name) if i == 0 else "", metric, value))
    corr = report.get("correctness")
    if corr:
        rows.append(
            ("correctness", "stored == acknowledged", f"{corr['stored']} == {corr['acknowledged']}")
        )
        for q, v in corr["per_question"].items():
            unknown = f", {v['unanswered']} unanswered" if v["unanswered"] else ""
            rows.append(("", f"  {q}", f"{v['stored']} stored, {v['acknowledged']} acked{unknown}"))
        rows.append(("", "verdict", corr["verdict"]))
    for error in report.get("errors", []):
        rows.append(("error", "", error))
    w1 = max([len("scenario")] + [len(r[0]) for r in rows])
    w2 = max([len("metric")] + [len(r[1]) for r in rows])
    lines.append(f"{'scenario':<{w1}}  {'metric':<{w2}}  value")
    lines.append(f"{'-' * w1}  {'-' * w2}  {'-' * 20}")
    lines.extend(f"{a:<{w1}}  {b:<{w2}}  {c}" for a, b, c in rows)
    lines.append(
        f"\nelapsed {report.get('elapsed_s')} s; run {'OK' if report.get('ok') else 'FAILED'}"
    )
    return "\n".join(lines)
