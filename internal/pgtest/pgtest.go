// Package pgtest runs a real PostgreSQL 15 server for tests: Debian's
// binaries (/usr/lib/postgresql/15/bin) run as the postgres OS user in a
// temporary directory, listening on a free loopback port and on a unix
// socket inside that directory, with fsync on. The server is stopped and
// its directory removed when the test ends.
//
// It talks to the server only through the PostgreSQL command-line tools
// (pg_isready, psql), so that no package but ledger/storage/pgkv imports
// a PostgreSQL driver.
package pgtest

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// BinDir is where Debian's postgresql-15 package installs the server.
const BinDir = "/usr/lib/postgresql/15/bin"

// ErrUnavailable is returned by New when the PostgreSQL binaries are
// missing.
var ErrUnavailable = errors.New("pgtest: PostgreSQL 15 binaries not found in " + BinDir + " (apt-get install postgresql-15)")

// Server is one PostgreSQL server.
type Server struct {
	// Dir holds the data directory (Dir/data) and the unix socket.
	Dir string
	// Port is the loopback TCP port.
	Port int

	cred *syscall.Credential
	opts []string

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
	log  *os.File
	seq  atomic.Int64
}

// Option adds a server setting (postgres -c NAME=VALUE).
type Option struct{ Name, Value string }

// Start starts a server for t and stops it when t ends. It skips t when
// the binaries are missing, or when -short is set.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	if testing.Short() {
		t.Skip("pgtest: -short skips the tests that run PostgreSQL")
	}
	s, err := New(opts...)
	if errors.Is(err, ErrUnavailable) {
		t.Skip(err.Error())
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Errorf("pgtest: %v", err)
		}
	})
	return s
}

// New initialises a data directory and starts a server in it; the
// caller stops it with Stop.
func New(opts ...Option) (*Server, error) {
	if _, err := os.Stat(filepath.Join(BinDir, "postgres")); err != nil {
		return nil, ErrUnavailable
	}
	cred, err := postgresUser()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "pgtest-")
	if err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	s := &Server{Dir: dir, cred: cred}
	for _, o := range opts {
		s.opts = append(s.opts, "-c", o.Name+"="+o.Value)
	}
	if err := s.init(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if err := s.Restart(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return s, nil
}

// postgresUser returns the credential of the postgres OS user when the
// process runs as root (initdb and postgres refuse to run as root), nil
// otherwise.
func postgresUser() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("pgtest: running as root needs the postgres OS user: %w", err)
	}
	uid, _ := strconv.ParseUint(u.Uid, 10, 32)
	gid, _ := strconv.ParseUint(u.Gid, 10, 32)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

func (s *Server) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(BinDir, name), args...)
	cmd.Dir = s.Dir
	cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8", "PGTZ=UTC")
	// Its own process group, so that Kill reaches every server process.
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred, Setpgid: true}
	return cmd
}

func (s *Server) chown(path string) error {
	if s.cred == nil {
		return nil
	}
	return os.Chown(path, int(s.cred.Uid), int(s.cred.Gid))
}

func (s *Server) init() error {
	if err := s.chown(s.Dir); err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	out, err := s.command("initdb", "-D", s.DataDir(), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-instructions").CombinedOutput()
	if err != nil {
		return fmt.Errorf("pgtest: initdb: %w\n%s", err, out)
	}
	return nil
}

// DataDir is the server's data directory.
func (s *Server) DataDir() string { return filepath.Join(s.Dir, "data") }

// WriteFile writes a file the server can read (as its OS user), mode
// 0600, under Dir.
func (s *Server) WriteFile(name string, data []byte) (string, error) {
	p := filepath.Join(s.Dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		return "", err
	}
	return p, s.chown(p)
}

// Restart starts the server again after Kill or Stop, on the same port
// (a free one the first time).
func (s *Server) Restart() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return errors.New("pgtest: server already running")
	}
	if s.Port == 0 {
		p, err := freePort()
		if err != nil {
			return err
		}
		s.Port = p
	}
	log, err := os.OpenFile(filepath.Join(s.Dir, "server.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	args := append([]string{
		"-D", s.DataDir(), "-p", strconv.Itoa(s.Port), "-k", s.Dir,
		"-c", "listen_addresses=127.0.0.1", "-c", "fsync=on", "-c", "max_connections=200",
		"-c", "max_prepared_transactions=0", "-c", "logging_collector=off",
	}, s.opts...)
	cmd := s.command("postgres", args...)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		log.Close()
		return fmt.Errorf("pgtest: start postgres: %w", err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	s.cmd, s.done, s.log = cmd, done, log
	deadline := time.Now().Add(60 * time.Second)
	for {
		if s.command("pg_isready", "-q", "-h", s.Dir, "-p", strconv.Itoa(s.Port)).Run() == nil {
			return nil
		}
		select {
		case <-done:
			s.cmd = nil
			log.Close()
			return fmt.Errorf("pgtest: postgres exited at start:\n%s", s.Log())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("pgtest: postgres not ready after 60s:\n%s", s.Log())
		}
	}
}

// Log returns the server's log.
func (s *Server) Log() string {
	b, _ := os.ReadFile(filepath.Join(s.Dir, "server.log"))
	return string(b)
}

// Kill sends SIGKILL to every process of the server (the postmaster and
// its backends), as a crash of the database machine would look to
// clients, and waits until they are gone. Restart recovers from the
// write-ahead log.
//
// Each backend makes itself a process group leader (PostgreSQL's
// InitPostmasterChild calls setsid), so the postmaster's group does not
// hold them: Kill stops the postmaster, so that it forks no more, kills
// the children it has, then its group. A backend left alive would hold
// the shared memory, and the restart would fail ("pre-existing shared
// memory block is still in use").
func (s *Server) Kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	pid := s.cmd.Process.Pid
	_ = syscall.Kill(pid, syscall.SIGSTOP)
	kids := childrenOf(pid)
	for _, k := range kids {
		_ = syscall.Kill(k, syscall.SIGKILL)
	}
	_ = syscall.Kill(-pid, syscall.SIGKILL)
	<-s.done
	// Wait for the backends to be gone (a zombie that nobody reaps
	// holds nothing: it counts as gone; give up after a while).
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if syscall.Kill(-pid, 0) != nil && !slices.ContainsFunc(kids, running) {
			break
		}
	}
	s.log.Close()
	s.cmd = nil
}

// childrenOf lists the processes whose parent is pid (from /proc).
func childrenOf(pid int) []int {
	ents, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range ents {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if ppid, _, ok := procStat(p); ok && ppid == pid {
			out = append(out, p)
		}
	}
	return out
}

// running reports whether process pid exists and is not a zombie.
func running(pid int) bool {
	_, state, ok := procStat(pid)
	return ok && state != 'Z' && state != 'X'
}

// procStat reads the parent and the state of process pid from
// /proc/PID/stat, whose second field, the command in parentheses, may
// itself hold spaces and parentheses.
func procStat(pid int) (ppid int, state byte, ok bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0, false
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 || i+2 >= len(b) {
		return 0, 0, false
	}
	f := strings.Fields(string(b[i+2:]))
	if len(f) < 2 || len(f[0]) != 1 {
		return 0, 0, false
	}
	ppid, err = strconv.Atoi(f[1])
	return ppid, f[0][0], err == nil
}

// Stop shuts the server down (fast shutdown) and removes its directory.
func (s *Server) Stop() error {
	s.mu.Lock()
	if s.cmd != nil {
		_ = s.cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-s.done:
		case <-time.After(30 * time.Second):
			_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
			<-s.done
		}
		s.log.Close()
		s.cmd = nil
	}
	s.mu.Unlock()
	return os.RemoveAll(s.Dir)
}

// DSN is the URL of database db on the server over TCP.
func (s *Server) DSN(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", s.Port, db)
}

// CreateDB creates a new empty database and returns its name.
func (s *Server) CreateDB() (string, error) {
	name := fmt.Sprintf("t%d_%d", os.Getpid(), s.seq.Add(1))
	if _, err := s.Exec("postgres", "CREATE DATABASE "+name); err != nil {
		return "", err
	}
	return name, nil
}

// NewDB creates a new empty database for t and returns its DSN.
func NewDB(t testing.TB, s *Server) string {
	t.Helper()
	name, err := s.CreateDB()
	if err != nil {
		t.Fatal(err)
	}
	return s.DSN(name)
}

// Exec runs sql with psql in database db and returns its output
// (unaligned, tuples only); an SQL error fails it.
func (s *Server) Exec(db, sql string) (string, error) {
	cmd := s.command("psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
		"-h", s.Dir, "-p", strconv.Itoa(s.Port), "-U", "postgres", "-d", db, "-c", sql)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("pgtest: psql %q: %w: %s", sql, err, strings.TrimSpace(errb.String()))
	}
	return strings.TrimSpace(out.String()), nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pgtest: find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

var shared struct {
	sync.Mutex
	s   *Server
	err error
}

// Shared returns the server the tests of a package share, starting it
// on first use, with Start's skips. A package using it stops it by
// calling StopShared from TestMain after m.Run.
func Shared(t testing.TB) *Server {
	t.Helper()
	if testing.Short() {
		t.Skip("pgtest: -short skips the tests that run PostgreSQL")
	}
	shared.Lock()
	defer shared.Unlock()
	if shared.s == nil && shared.err == nil {
		shared.s, shared.err = New()
	}
	if errors.Is(shared.err, ErrUnavailable) {
		t.Skip(shared.err.Error())
	}
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.s
}

// StopShared stops the server of Shared, if it was started.
func StopShared() {
	shared.Lock()
	defer shared.Unlock()
	if shared.s != nil {
		_ = shared.s.Stop()
		shared.s = nil
	}
}
