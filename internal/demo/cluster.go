package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/lianjian/lianjian/internal/natstest"
	"github.com/lianjian/lianjian/internal/pgtest"
	"github.com/lianjian/lianjian/internal/testnet/geth"
)

// infra is what the cluster demo runs beside the chains: PostgreSQL
// holding the shared index and a 3-node NATS JetStream cluster handing
// the chains to the workers.
type infra struct {
	pg   *pgtest.Server
	nats *natstest.Cluster
	dsn  string
}

// startInfra starts PostgreSQL 15 (Debian's package) and three NATS
// nodes on loopback, their data under dir.
func startInfra(dir string) (*infra, error) {
	step("starting PostgreSQL 15 and a 3-node NATS JetStream cluster on 127.0.0.1")
	pg, err := pgtest.New()
	if err != nil {
		return nil, fmt.Errorf("postgresql: %w", err)
	}
	db, err := pg.CreateDB()
	if err != nil {
		_ = pg.Stop()
		return nil, fmt.Errorf("postgresql: %w", err)
	}
	nc, err := natstest.Start("lianjian-demo", filepath.Join(dir, "nats"), 3)
	if err != nil {
		_ = pg.Stop()
		return nil, err
	}
	return &infra{pg: pg, nats: nc, dsn: pg.DSN(db)}, nil
}

func (in *infra) stop() {
	in.nats.Shutdown()
	_ = in.pg.Stop()
}

// config is the configuration the cluster demo adds: the index in
// PostgreSQL and the cluster's timings (short, so that a worker stopped
// with kill -9 is visibly replaced within seconds).
func (in *infra) config() string {
	return fmt.Sprintf(`index:
  store: %q
cluster:
  nats: [%s]
  partitions: 8
  lease_ttl: 5s
  poll_interval: 500ms
`, in.dsn, strings.Join(in.nats.URLs(), ", "))
}

// proc is one lianjian process of the cluster demo.
type proc struct {
	role, name, where, log string
	cmd                    *exec.Cmd
}

// startCluster starts two workers and one API server, each logging to
// its own file under dir.
func startCluster(bin, cfgPath, dir string) ([]*proc, error) {
	var ps []*proc
	start := func(p *proc, args ...string) error {
		p.log = filepath.Join(dir, p.name+".log")
		f, err := os.Create(p.log)
		if err != nil {
			return err
		}
		defer f.Close()
		p.cmd = exec.Command(bin, append([]string{"serve", "--config", cfgPath}, args...)...)
		p.cmd.Stdout, p.cmd.Stderr = f, f
		p.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
		if err := p.cmd.Start(); err != nil {
			return fmt.Errorf("start %s: %w", p.name, err)
		}
		ps = append(ps, p)
		return nil
	}
	for i := 1; i <= 2; i++ {
		port, err := geth.FreePort()
		if err != nil {
			stopAll(ps)
			return nil, err
		}
		p := &proc{role: "worker", name: fmt.Sprintf("worker-%d", i), where: fmt.Sprintf("http://127.0.0.1:%d/metrics", port)}
		step(fmt.Sprintf("starting lianjian serve --role worker --worker-name %s", p.name))
		if err := start(p, "--role", "worker", "--worker-name", p.name, "--metrics-listen", fmt.Sprintf("127.0.0.1:%d", port)); err != nil {
			stopAll(ps)
			return nil, err
		}
	}
	step("starting lianjian serve --role api")
	if err := start(&proc{role: "api", name: "api"}, "--role", "api"); err != nil {
		stopAll(ps)
		return nil, err
	}
	return ps, nil
}

// stopAll stops the processes with SIGTERM and waits for them.
func stopAll(ps []*proc) {
	for _, p := range ps {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
	}
	for _, p := range ps {
		_ = p.cmd.Wait()
	}
}

// describe prints where each part of the cluster runs.
func (in *infra) describe(ps []*proc, base string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\nCluster:\n  PostgreSQL:  %s (data in %s)\n  NATS:        %s\n", in.dsn, in.pg.DataDir(), strings.Join(in.nats.URLs(), ", "))
	for _, p := range ps {
		where := p.where
		if p.role == "api" {
			where = base
		}
		fmt.Fprintf(&b, "  %-12s pid %d, %s (log %s)\n", p.name+":", p.cmd.Process.Pid, where, p.log)
	}
	fmt.Fprintf(&b, "  Try: kill -9 %d   (worker-1: worker-2 takes its chains over within 6.5 s; watch lianjian_cluster_chains_owned)\n", ps[0].cmd.Process.Pid)
	return b.String()
}
