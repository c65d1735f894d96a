//! Human-readable output of the reports (JSON comes straight from `serde`).

use std::{collections::BTreeMap, fmt::Write};

use crate::{idle::IdleReport, load::RunReport, resilient::ReconnectReport};

fn mib(kib: Option<u64>) -> String {
    kib.map_or_else(
        || "n/a".to_owned(),
        |k| format!("{:.1} MiB", k as f64 / 1024.0),
    )
}

fn ms(us: u64) -> String {
    format!("{:.2} ms", us as f64 / 1000.0)
}

fn reasons(map: &BTreeMap<String, u64>) -> String {
    if map.is_empty() {
        return "0".to_owned();
    }
    let total: u64 = map.values().sum();
    let list: Vec<String> = map.iter().map(|(k, v)| format!("{v}× {k}")).collect();
    format!("{total} ({})", list.join("; "))
}

/// A load run as a two-column table.
pub fn run_table(r: &RunReport) -> String {
    let s = &r.scenario;
    let d = &r.deliveries;
    let mut rows: Vec<(&str, String)> = vec![
        (
            "scenario",
            format!(
                "{} rooms × {} members = {} sockets, {} senders",
                s.rooms, s.members, s.clients, s.senders
            ),
        ),
        (
            "target rate",
            format!("{} msg/s for {} s", s.target_rate, s.duration_s),
        ),
        (
            "achieved send rate",
            format!("{:.1} msg/s", r.achieved_send_rate),
        ),
        ("sent / acked", format!("{} / {}", r.sent, r.acked)),
        ("send errors", reasons(&r.send_errors)),
        ("unanswered sends", r.unanswered.to_string()),
        (
            "deliveries",
            format!("{} of {} expected", d.delivered, d.expected),
        ),
        ("deliveries/s", format!("{:.0}", r.deliveries_per_s)),
    ];
    match &r.latency {
        Some(l) => {
            rows.push(("latency p50", ms(l.p50_us)));
            rows.push(("latency p99", ms(l.p99_us)));
            rows.push(("latency p99.9", ms(l.p999_us)));
            rows.push(("latency max", ms(l.max_us)));
        }
        None => rows.push(("latency", "no deliveries".to_owned())),
    }
    rows.extend([
        ("lost", d.lost.to_string()),
        ("duplicated", d.duplicated.to_string()),
        ("unexpected", d.unexpected.to_string()),
        (
            "seq gaps / regressions",
            format!("{} / {}", r.seq_gaps, r.seq_regressions),
        ),
        ("misrouted", r.misrouted.to_string()),
        ("disconnects", reasons(&r.disconnects)),
        ("other error frames", r.other_errors.to_string()),
        (
            "drain",
            if r.drained {
                "complete".to_owned()
            } else {
                "gave up: nothing arrived for --drain seconds".to_owned()
            },
        ),
        ("server RSS start", mib(r.server_rss.start_kib)),
        ("server RSS before load", mib(r.server_rss.before_kib)),
        ("server RSS peak", mib(r.server_rss.peak_kib)),
        ("server RSS after", mib(r.server_rss.after_kib)),
        ("bench RSS", mib(r.bench_rss_kib)),
        (
            "verdict",
            if r.clean() {
                "clean: nothing lost, duplicated or reordered".to_owned()
            } else {
                "NOT CLEAN".to_owned()
            },
        ),
    ]);
    table(&rows)
}

/// A run with reconnecting clients as a two-column table.
pub fn reconnect_table(r: &ReconnectReport) -> String {
    let s = &r.scenario;
    let d = &r.deliveries;
    let mut rows: Vec<(&str, String)> = vec![
        (
            "scenario",
            format!(
                "{} rooms × {} members = {} reconnecting clients, {} senders",
                s.rooms, s.members, s.clients, s.senders
            ),
        ),
        (
            "target rate",
            format!(
                "{} msg/s for {} s (ack timeout {} s)",
                s.target_rate, s.duration_s, s.ack_timeout_s
            ),
        ),
        (
            "achieved send rate",
            format!("{:.1} msg/s", r.achieved_send_rate),
        ),
        ("sends attempted", r.sends_attempted.to_string()),
        ("sends acknowledged", r.sends_acked.to_string()),
        (
            "sends retried",
            format!(
                "{} ({} extra frames, {} repeated acks)",
                r.sends_retried, r.send_retries, r.repeated_acks
            ),
        ),
        ("unacknowledged sends", r.unacknowledged.to_string()),
        ("send errors (retried)", reasons(&r.send_errors)),
        (
            "deliveries",
            format!("{} of {} expected", d.delivered, d.expected),
        ),
        ("deliveries/s", format!("{:.0}", r.deliveries_per_s)),
    ];
    match &r.latency {
        Some(l) => {
            rows.push(("latency p50", ms(l.p50_us)));
            rows.push(("latency p99", ms(l.p99_us)));
            rows.push(("latency p99.9", ms(l.p999_us)));
            rows.push(("latency max", ms(l.max_us)));
        }
        None => rows.push(("latency", "no deliveries".to_owned())),
    }
    rows.extend([
        ("lost", r.lost.to_string()),
        ("duplicated", r.duplicated.to_string()),
        ("redelivered (deduped)", r.redelivered_deduped.to_string()),
        ("unexpected", d.unexpected.to_string()),
        (
            "seq gaps",
            format!("{} ({} clients)", r.seq_gaps, r.clients_with_gaps),
        ),
        (
            "seq regressions",
            format!(
                "{} ({} clients)",
                r.seq_regressions, r.clients_with_regressions
            ),
        ),
        (
            "wire gaps / catch-ups",
            format!("{} / {}", r.wire_gaps, r.catch_ups),
        ),
        ("reconnects", r.reconnects.to_string()),
        ("disconnects", reasons(&r.disconnects)),
        ("connect failures", reasons(&r.connect_failures)),
        ("token renewals", r.token_renewals.to_string()),
        ("token renewal failures", reasons(&r.token_failures)),
        ("misrouted", r.misrouted.to_string()),
        ("other error frames", r.other_errors.to_string()),
        (
            "drain",
            if r.drained {
                "complete".to_owned()
            } else {
                "gave up: nothing arrived for --drain seconds".to_owned()
            },
        ),
        ("server RSS start", mib(r.server_rss.start_kib)),
        ("server RSS peak", mib(r.server_rss.peak_kib)),
        ("bench RSS", mib(r.bench_rss_kib)),
        (
            "verdict",
            if r.clean() {
                "clean: every send acknowledged once; nothing lost, duplicated or out of order"
                    .to_owned()
            } else {
                format!("NOT CLEAN: {}", r.failures().join(", "))
            },
        ),
    ]);
    table(&rows)
}

/// An idle run as a two-column table.
pub fn idle_table(r: &IdleReport) -> String {
    let rows: Vec<(&str, String)> = vec![
        (
            "sockets opened",
            format!("{} of {} in {:.1} s", r.opened, r.requested, r.connect_s),
        ),
        ("connect errors", reasons(&r.connect_errors)),
        (
            "open after hold",
            format!("{} after {} s", r.open_after_hold, r.hold_s),
        ),
        ("closed during hold", reasons(&r.closed)),
        ("server RSS before", mib(r.rss_before_kib)),
        ("server RSS connected", mib(r.rss_connected_kib)),
        ("server RSS peak", mib(r.rss_peak_kib)),
        ("server RSS end of hold", mib(r.rss_end_kib)),
        (
            "per idle connection",
            r.kib_per_connection
                .map_or_else(|| "n/a".to_owned(), |k| format!("{k:.1} KiB")),
        ),
        ("bench RSS", mib(r.bench_rss_kib)),
    ];
    table(&rows)
}

fn table(rows: &[(&str, String)]) -> String {
    let width = rows.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    let mut out = String::new();
    for (k, v) in rows {
        // Writing to a String cannot fail.
        let _ = writeln!(out, "{k:<width$}  {v}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_their_values() {
        let t = table(&[("a", "1".to_owned()), ("long key", "2".to_owned())]);
        assert_eq!(t, "a         1\nlong key  2\n");
    }

    #[test]
    fn reasons_are_summed_and_listed() {
        let map = BTreeMap::from([("x".to_owned(), 2), ("y".to_owned(), 1)]);
        assert_eq!(reasons(&map), "3 (2× x; 1× y)");
        assert_eq!(reasons(&BTreeMap::new()), "0");
    }
}
