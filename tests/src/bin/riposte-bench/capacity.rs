//! The measured part of `docs/capacity.md`: the figures its bounds and costs rest on, written between
//! its generated markers with the conditions they were measured under.

use std::fmt::Write as _;

const BEGIN: &str = "<!-- BEGIN GENERATED measured: riposte-bench, do not edit -->";
const END: &str = "<!-- END GENERATED measured -->";

/// An AWS API call's latency assumed when turning measured call counts into Lambda time.
const ASSUMED_CALL_MS: f64 = 50.0;
/// Lambda x86_64 duration price per GB-s (us-east-1, the price table of §3).
const GB_SECOND: f64 = 0.000_016_666_7;
const MEMORY_GB: f64 = 0.5;

/// One playbook's lone finding on a warm instance.
#[derive(Default)]
pub struct Single {
    pub calls: usize,
    pub member: usize,
    pub cpu_p50_ms: f64,
    pub wall_p50_ms: f64,
}

#[derive(Default)]
pub struct Measured {
    pub stamp: String,
    pub user: Single,
    pub bucket: Single,
    pub batch_calls: usize,
    pub batch_member: usize,
    /// Wall time of the 100 + 100 batch at the default pace.
    pub batch_wall_s: Option<f64>,
    pub cold_start_ms: Option<f64>,
    pub cold_rss_mib: Option<f64>,
    /// (findings, ms per call, spread, findings per second per instance)
    pub throughput: Option<(usize, u64, String, f64)>,
}

impl Measured {
    fn lambda_row(&self, out: &mut String, name: &str, single: &Single) {
        let seconds = (single.calls as f64 * ASSUMED_CALL_MS + single.cpu_p50_ms) / 1000.0;
        let cost = MEMORY_GB * seconds * GB_SECOND;
        let _ = writeln!(
            out,
            "| {name} | {} ({} member) | {:.1} | {seconds:.2} | ${cost:.7} | ${:.4} | ${:.2} |",
            single.calls,
            single.member,
            single.cpu_p50_ms,
            cost * 1_000.0,
            cost * 100_000.0
        );
    }

    pub fn section(&self) -> String {
        let mut out = format!(
            "{BEGIN}\n\nMeasured on the local emulator by `riposte-bench` ({}). Call counts are what AWS would see; \
             times are this machine's. The Lambda time of a lone finding is its calls, made one after the other, at an \
             assumed {ASSUMED_CALL_MS:.0} ms each on AWS, plus the measured hub CPU; it replaces §3's assumed 1.0 s.\n\n\
             | lone finding, warm instance | calls (member) | hub CPU p50 ms | Lambda s at {ASSUMED_CALL_MS:.0} ms per call | duration $ per finding (512 MB) | per account, 1,000 a month | per account, 100,000 a month |\n\
             |---|---|---|---|---|---|---|\n",
            self.stamp
        );
        self.lambda_row(&mut out, "compromised IAM user", &self.user);
        self.lambda_row(&mut out, "public bucket", &self.bucket);
        let _ = write!(
            out,
            "\n| figure | measured | conditions |\n|---|---|---|\n\
             | 100 users + 100 buckets | {} calls ({} member), {} s | one account, one fresh instance, two SQS batches of 100, the hub as deployed, no linked secret, default `[pacing]` |\n\
             | wall p50 of a lone finding on the emulator | user {:.0} ms, bucket {:.0} ms | ≈ 3 ms per call here, not AWS's latency |\n",
            self.batch_calls,
            self.batch_member,
            self.batch_wall_s
                .map_or_else(|| "—".to_owned(), |s| format!("{s:.1}")),
            self.user.wall_p50_ms,
            self.bucket.wall_p50_ms
        );
        match (self.cold_start_ms, self.cold_rss_mib) {
            (Some(ms), Some(rss)) => {
                let _ = writeln!(out, "| cold start of the release `bootstrap` | {ms:.0} ms to the first event handled, {rss:.1} MiB peak | local Runtime API stand-in; on Lambda add the platform's init and TLS |");
            }
            _ => out.push_str(
                "| cold start | not measured (build the release `bootstrap` first) | |\n",
            ),
        }
        if let Some((findings, latency, spread, per_instance)) = &self.throughput {
            let _ = writeln!(out, "| findings per second per hub instance | {per_instance:.1} | {findings} findings, {latency} ms added to every call, {spread}, default `[pacing]` (bound here by the one-process emulator) |");
        }
        let _ = write!(out, "\n{END}");
        out
    }
}

/// `text` with its generated section replaced by `section` (appended when the markers are missing).
pub fn splice(text: &str, section: &str) -> String {
    match (text.find(BEGIN), text.find(END)) {
        (Some(begin), Some(end)) if begin < end => {
            format!("{}{section}{}", &text[..begin], &text[end + END.len()..])
        }
        _ => format!("{}\n\n{section}\n", text.trim_end()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_measured_section_replaces_its_markers_and_only_them() {
        let page = format!("# Capacity\n\nhand text\n\n{BEGIN}\nold figures\n{END}\n\nafter\n");
        let section = Measured::default().section();
        let spliced = splice(&page, &section);
        assert!(spliced.starts_with("# Capacity\n\nhand text\n\n"));
        assert!(spliced.ends_with("\n\nafter\n"));
        assert!(!spliced.contains("old figures"));
        assert_eq!(spliced.matches(BEGIN).count(), 1);
        // Twice gives the same page.
        assert_eq!(splice(&spliced, &section), spliced);
        // A page without markers gets the section at its end.
        let appended = splice("# Capacity\n", &section);
        assert!(appended.starts_with("# Capacity\n\n") && appended.trim_end().ends_with(END));
    }
}
