package cluster

import "github.com/prometheus/client_golang/prometheus"

// metrics are one worker's Prometheus metrics, labelled with its name.
type metrics struct {
	partitions    prometheus.Gauge
	chains        prometheus.Gauge
	rebalances    prometheus.Counter
	takeovers     prometheus.Counter
	renewFailures prometheus.Counter
}

func newMetrics(worker string, reg prometheus.Registerer) (*metrics, error) {
	labels := prometheus.Labels{"worker": worker}
	m := &metrics{
		partitions: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "lianjian_cluster_partitions_owned", ConstLabels: labels,
			Help: "Chain partitions whose lease this worker holds.",
		}),
		chains: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "lianjian_cluster_chains_owned", ConstLabels: labels,
			Help: "Chains this worker is ingesting and auditing.",
		}),
		rebalances: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "lianjian_cluster_rebalances_total", ConstLabels: labels,
			Help: "Partitions this worker released because it held more than its share.",
		}),
		takeovers: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "lianjian_cluster_partitions_acquired_total", ConstLabels: labels,
			Help: "Partition leases this worker acquired.",
		}),
		renewFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "lianjian_cluster_lease_renew_failures_total", ConstLabels: labels,
			Help: "Lease or heartbeat renewals that failed.",
		}),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.partitions, m.chains, m.rebalances, m.takeovers, m.renewFailures} {
			if err := reg.Register(c); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}
