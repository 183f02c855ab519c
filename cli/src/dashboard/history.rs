//! The last 15 minutes of throughput and failures, from the overviews the dashboard takes:
//! a ring of points, each the jobs finished and failed between two overviews.

use std::collections::{BTreeMap, VecDeque};

use natskit::overview::Overview;
use serde::Serialize;

/// How far back the charts go, in seconds.
pub const WINDOW: f64 = 15.0 * 60.0;

/// What happened between two overviews.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Point {
    /// When the later overview was taken, Unix seconds.
    pub t: f64,
    /// Seconds since the one before.
    pub seconds: f64,
    /// Deliveries finished meanwhile, every queue.
    pub finished: u64,
    /// Jobs that failed meanwhile, every queue.
    pub failed: u64,
}

/// One queue's sums over the window.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Totals {
    pub finished: u64,
    pub failed: u64,
}

/// The ring of points, and what the last overview counted.
#[derive(Debug, Default)]
pub struct History {
    points: VecDeque<(Point, BTreeMap<String, Totals>)>,
    last: Option<(f64, BTreeMap<String, u64>)>,
}

/// The history as the page reads it.
#[derive(Debug, Serialize)]
pub struct HistoryView {
    /// Seconds the charts span.
    pub window: f64,
    /// Oldest first.
    pub points: Vec<Point>,
    /// Per queue, sums over the window.
    pub queues: BTreeMap<String, Totals>,
}

impl History {
    /// The Unix time of the last overview: failures after it are new (`None` before the first).
    pub fn since(&self) -> Option<f64> {
        self.last.as_ref().map(|(t, _)| *t)
    }

    /// Adds what happened since the last overview (the first only sets the start); a queue's
    /// counter that went down (its consumer was made anew) counts from zero again.
    pub fn record(&mut self, view: &Overview) {
        let finished: BTreeMap<String, u64> = view
            .queues
            .iter()
            .map(|q| (q.name.clone(), q.activity.finished))
            .collect();
        if let Some((before, counted)) = &self.last {
            let queues: BTreeMap<String, Totals> = view
                .queues
                .iter()
                .map(|q| {
                    let was = counted.get(&q.name).copied().unwrap_or(q.activity.finished);
                    let finished = match q.activity.finished.checked_sub(was) {
                        Some(delta) => delta,
                        None => q.activity.finished,
                    };
                    (
                        q.name.clone(),
                        Totals {
                            finished,
                            failed: q.failed_since,
                        },
                    )
                })
                .collect();
            let point = Point {
                t: view.taken_at,
                seconds: (view.taken_at - before).max(0.0),
                finished: queues.values().map(|q| q.finished).sum(),
                failed: queues.values().map(|q| q.failed).sum(),
            };
            self.points.push_back((point, queues));
        }
        while self
            .points
            .front()
            .is_some_and(|(p, _)| p.t < view.taken_at - WINDOW)
        {
            self.points.pop_front();
        }
        self.last = Some((view.taken_at, finished));
    }

    /// The points and per-queue sums for the page.
    pub fn view(&self) -> HistoryView {
        let mut queues: BTreeMap<String, Totals> = BTreeMap::new();
        for (_, per_queue) in &self.points {
            for (name, t) in per_queue {
                let sum = queues.entry(name.clone()).or_default();
                sum.finished += t.finished;
                sum.failed += t.failed;
            }
        }
        HistoryView {
            window: WINDOW,
            points: self.points.iter().map(|(p, _)| p.clone()).collect(),
            queues,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use natskit::overview::{ConnectionView, QueueView, ServerView};
    use natskit::queue::{QueueActivity, QueueSize};

    fn overview(t: f64, queues: &[(&str, u64, u64)]) -> Overview {
        Overview {
            taken_at: t,
            connection: ConnectionView {
                url: String::new(),
                state: "connected".into(),
                rtt: 0.0,
                stats: Default::default(),
                server: ServerView {
                    id: String::new(),
                    name: String::new(),
                    version: String::new(),
                    host: String::new(),
                    port: 0,
                    cluster: None,
                    domain: None,
                    jetstream: true,
                    max_payload: 0,
                    client_id: 0,
                },
            },
            jetstream: None,
            streams: Vec::new(),
            queues: queues
                .iter()
                .map(|(name, finished, failed)| QueueView {
                    name: name.to_string(),
                    activity: QueueActivity {
                        size: QueueSize::default(),
                        finished: *finished,
                        oldest: None,
                    },
                    failed_since: *failed,
                })
                .collect(),
            failed_total: 0,
            failed: Vec::new(),
        }
    }

    #[test]
    fn points_are_deltas_between_overviews_and_old_ones_leave_the_window() {
        let mut h = History::default();
        h.record(&overview(1000.0, &[("mail", 10, 0)]));
        assert!(
            h.view().points.is_empty(),
            "the first overview only sets the start"
        );
        assert_eq!(h.since(), Some(1000.0));
        h.record(&overview(1002.0, &[("mail", 15, 1), ("sms", 4, 0)]));
        h.record(&overview(1004.0, &[("mail", 3, 0), ("sms", 6, 2)]));
        let v = h.view();
        let points: Vec<(f64, u64, u64)> = v
            .points
            .iter()
            .map(|p| (p.seconds, p.finished, p.failed))
            .collect();
        assert_eq!(
            points,
            [(2.0, 5, 1), (2.0, 3 + 2, 2)],
            "a counter that went down restarts from 0; a new queue from its first count"
        );
        assert_eq!(
            v.queues["mail"],
            Totals {
                finished: 8,
                failed: 1
            }
        );
        assert_eq!(
            v.queues["sms"],
            Totals {
                finished: 2,
                failed: 2
            }
        );

        h.record(&overview(1004.0 + WINDOW + 1.0, &[("mail", 3, 0)]));
        let v = h.view();
        assert_eq!(v.points.len(), 1, "points older than the window are gone");
        assert_eq!(v.points[0].seconds, WINDOW + 1.0);
        assert_eq!(v.queues["mail"], Totals::default());
    }
}
