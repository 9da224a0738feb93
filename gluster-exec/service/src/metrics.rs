//! `/metrics` in Prometheus' text format (the `prometheus-client` crate): operations in
//! flight, finished and failed by kind, operation and HTTP latency histograms (kept here),
//! and capacity per cluster, zone, node and device plus volume and brick counts (read from
//! the backend at each scrape).

use std::collections::BTreeMap;
use std::time::Duration;

use prometheus_client::encoding::text::{encode_eof, encode_registry};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

use crate::backend::CapacityReport;
use crate::queue::OperationKind;

type Labels = Vec<(String, String)>;

fn kind_label(kind: OperationKind) -> Labels {
    vec![("kind".into(), kind.name().into())]
}

fn latency_histogram() -> Histogram {
    // 1 ms to about 65 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 17))
}

/// The service's own metrics.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    in_flight: Family<Labels, Gauge>,
    finished: Family<Labels, Counter>,
    failed: Family<Labels, Counter>,
    rejected: Counter,
    op_latency: Family<Labels, Histogram, fn() -> Histogram>,
    http_latency: Family<Labels, Histogram, fn() -> Histogram>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Metrics at zero.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("gluster");
        let in_flight = Family::<Labels, Gauge>::default();
        let finished = Family::<Labels, Counter>::default();
        let failed = Family::<Labels, Counter>::default();
        let rejected = Counter::default();
        let op_latency = Family::new_with_constructor(latency_histogram as fn() -> Histogram);
        let http_latency = Family::new_with_constructor(latency_histogram as fn() -> Histogram);
        registry.register(
            "operations_in_flight",
            "Long operations running now",
            in_flight.clone(),
        );
        registry.register(
            "operations_finished",
            "Long operations that ended successfully",
            finished.clone(),
        );
        registry.register(
            "operations_failed",
            "Long operations that ended with an error",
            failed.clone(),
        );
        registry.register(
            "operations_rejected",
            "Long operations refused with 429 (too many in flight)",
            rejected.clone(),
        );
        registry.register(
            "operation_duration_seconds",
            "Duration of long operations",
            op_latency.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "Duration of HTTP requests, by method and status",
            http_latency.clone(),
        );
        for kind in OperationKind::ALL {
            // Every kind shows, also at zero.
            let _ = in_flight.get_or_create(&kind_label(kind));
            let _ = finished.get_or_create(&kind_label(kind));
            let _ = failed.get_or_create(&kind_label(kind));
        }
        Metrics {
            registry,
            in_flight,
            finished,
            failed,
            rejected,
            op_latency,
            http_latency,
        }
    }

    /// An operation started.
    pub fn started(&self, kind: OperationKind) {
        self.in_flight.get_or_create(&kind_label(kind)).inc();
    }

    /// An operation ended after `took`.
    pub fn ended(&self, kind: OperationKind, ok: bool, took: Duration) {
        let labels = kind_label(kind);
        self.in_flight.get_or_create(&labels).dec();
        if ok {
            self.finished.get_or_create(&labels).inc();
        } else {
            self.failed.get_or_create(&labels).inc();
        }
        self.op_latency
            .get_or_create(&labels)
            .observe(took.as_secs_f64());
    }

    /// An operation was refused with 429.
    pub fn rejected(&self) {
        self.rejected.inc();
    }

    /// An HTTP request was answered.
    pub fn http(&self, method: &str, status: u16, took: Duration) {
        let labels = vec![
            ("method".into(), method.to_string()),
            ("status".into(), status.to_string()),
        ];
        self.http_latency
            .get_or_create(&labels)
            .observe(took.as_secs_f64());
    }

    /// The text exposition: these metrics and the capacity in `report`.
    pub fn render(&self, report: &CapacityReport) -> Result<String, std::fmt::Error> {
        let mut out = String::new();
        encode_registry(&mut out, &self.registry)?;
        encode_registry(&mut out, &capacity_registry(report))?;
        encode_eof(&mut out)?;
        Ok(out)
    }
}

/// `(total, used)` summed per label set.
type Sums = BTreeMap<Labels, (u64, u64)>;

fn add(sums: &mut Sums, labels: Labels, total: u64, used: u64) {
    let e = sums.entry(labels).or_default();
    e.0 = e.0.saturating_add(total);
    e.1 = e.1.saturating_add(used);
}

fn gauge(v: u64) -> Gauge {
    let g = Gauge::default();
    g.set(i64::try_from(v).unwrap_or(i64::MAX));
    g
}

fn capacity_registry(report: &CapacityReport) -> Registry {
    let mut levels: [(&str, Sums); 4] = [
        ("cluster", Sums::new()),
        ("zone", Sums::new()),
        ("node", Sums::new()),
        ("device", Sums::new()),
    ];
    for d in &report.devices {
        let (t, u) = (d.total.bytes(), d.used.bytes());
        let mut labels: Labels = vec![("cluster".into(), d.cluster.to_string())];
        add(&mut levels[0].1, labels.clone(), t, u);
        labels.push(("zone".into(), d.zone.0.to_string()));
        add(&mut levels[1].1, labels.clone(), t, u);
        labels.push(("node".into(), d.node.clone()));
        add(&mut levels[2].1, labels.clone(), t, u);
        labels.push(("device".into(), d.device.clone()));
        add(&mut levels[3].1, labels, t, u);
    }
    let mut registry = Registry::with_prefix("gluster");
    for (level, sums) in &levels {
        for (what, help) in [
            ("total", "Capacity"),
            ("used", "Space used by bricks"),
            ("free", "Space free"),
        ] {
            let family = Family::<Labels, Gauge>::default();
            for (labels, (t, u)) in sums {
                let v = match what {
                    "total" => *t,
                    "used" => *u,
                    _ => t.saturating_sub(*u),
                };
                family.get_or_create(labels).set(gauge(v).get());
            }
            registry.register(
                format!("{level}_{what}_bytes"),
                format!("{help} per {level}, in bytes"),
                family,
            );
        }
    }
    for (name, help, counts) in [
        ("volumes", "Volumes per cluster", &report.volumes),
        ("bricks", "Bricks per cluster", &report.bricks),
    ] {
        let family = Family::<Labels, Gauge>::default();
        for (cluster, n) in counts {
            family
                .get_or_create(&vec![("cluster".into(), cluster.to_string())])
                .set(gauge(*n as u64).get());
        }
        registry.register(name, help, family);
    }
    registry
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::DeviceCapacity;
    use gluster_model::{ByteSize, ClusterId, Zone};

    #[test]
    fn capacity_sums_per_level() {
        let cluster = ClusterId::from_u128(1);
        let dev = |node: &str, device: &str, used: u64| DeviceCapacity {
            cluster,
            zone: Zone(1),
            node: node.into(),
            device: device.into(),
            total: ByteSize::gib(10),
            used: ByteSize::gib(used),
        };
        let report = CapacityReport {
            devices: vec![
                dev("a", "/dev/sdb", 1),
                dev("a", "/dev/sdc", 2),
                dev("b", "/dev/sdb", 3),
            ],
            volumes: vec![(cluster, 2)],
            bricks: vec![(cluster, 6)],
        };
        let m = Metrics::new();
        m.started(OperationKind::VolumeCreate);
        m.ended(OperationKind::VolumeCreate, false, Duration::from_millis(3));
        let text = m.render(&report).unwrap();
        let gib = 1u64 << 30;
        let id = cluster.to_string();
        assert!(
            text.contains(&format!(
                "gluster_cluster_used_bytes{{cluster=\"{id}\"}} {}",
                6 * gib
            )),
            "{text}"
        );
        assert!(
            text.contains(&format!(
                "gluster_zone_free_bytes{{cluster=\"{id}\",zone=\"1\"}} {}",
                24 * gib
            )),
            "{text}"
        );
        assert!(
            text.contains(&format!(
                "gluster_node_total_bytes{{cluster=\"{id}\",zone=\"1\",node=\"a\"}} {}",
                20 * gib
            )),
            "{text}"
        );
        assert!(
            text.contains(&format!("gluster_volumes{{cluster=\"{id}\"}} 2")),
            "{text}"
        );
        assert!(
            text.contains("gluster_operations_failed_total{kind=\"volume_create\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("gluster_operations_in_flight{kind=\"volume_create\"} 0"),
            "{text}"
        );
        assert!(
            text.contains("gluster_operation_duration_seconds_count{kind=\"volume_create\"} 1"),
            "{text}"
        );
        assert!(text.ends_with("# EOF\n"));
    }
}
