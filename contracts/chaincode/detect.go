package chaincode

import (
	"go/constant"
	"go/token"
	"go/types"
	"strings"

	"golang.org/x/tools/go/ssa"
)

// detect records the diagnostics that need no taint: goroutines, writes
// of package-level variables, cross-channel calls and entry responses.
func (f *funcFlow) detect() {
	// Shim chaincode builds its response with shim.Success, a sink of its
	// own; contract API methods return the response.
	entry := isEntry(f.fn) && f.fn.Name() != "Invoke" && f.fn.Name() != "Init"
	for _, b := range f.fn.Blocks {
		for _, instr := range b.Instrs {
			switch x := instr.(type) {
			case *ssa.Go:
				f.fp.reportf(ruleGoroutine, x.Pos(), "goroutine in chaincode: scheduling differs between endorsers, so results and state writes can differ; run the work sequentially")
			case *ssa.Store:
				f.globalWrite(x.Addr, x.Pos())
			case *ssa.MapUpdate:
				f.globalWrite(x.Map, x.Pos())
			case *ssa.Call:
				f.detectCall(&x.Call)
			case *ssa.Return:
				if !entry {
					continue
				}
				pos := x.Pos()
				if !pos.IsValid() {
					pos = f.fn.Pos()
				}
				for _, r := range x.Results {
					if !isError(r.Type()) {
						f.sink(true, pos, f.taint(r), "the response of "+f.fn.Name())
					}
				}
			}
		}
	}
}

func (f *funcFlow) detectCall(c *ssa.CallCommon) {
	if pkg, _, _ := calleeFunc(c); pkg == "sync/atomic" && len(c.Args) > 0 {
		f.globalWrite(c.Args[0], c.Pos())
	}
	if name, ok := stubCall(c); ok && name == "InvokeChaincode" {
		f.crossChannel(c)
	}
}

// globalWrite reports a write through addr when addr leads to a
// package-level variable outside package initialisation.
func (f *funcFlow) globalWrite(addr ssa.Value, pos token.Pos) {
	if isInit(f.fn) {
		return
	}
	g := globalRoot(addr)
	if g == nil {
		return
	}
	f.fp.reportf(ruleGlobal, pos, "package-level variable %s is written at run time: in-memory state is not on the ledger, differs between peers and is lost on restart; keep it in the world state", g.Name())
}

// globalRoot follows addresses, loads and views back to a package-level
// variable.
func globalRoot(v ssa.Value) *ssa.Global {
	for range 64 {
		switch x := v.(type) {
		case *ssa.Global:
			return x
		case *ssa.FieldAddr:
			v = x.X
		case *ssa.IndexAddr:
			v = x.X
		case *ssa.Field:
			v = x.X
		case *ssa.Index:
			v = x.X
		case *ssa.Slice:
			v = x.X
		case *ssa.ChangeType:
			v = x.X
		case *ssa.UnOp:
			if x.Op != token.MUL {
				return nil
			}
			v = x.X
		default:
			return nil
		}
	}
	return nil
}

// crossChannel checks the channel argument of InvokeChaincode.
func (f *funcFlow) crossChannel(c *ssa.CallCommon) {
	sargs := stubArgs(c)
	if len(sargs) < 3 {
		return
	}
	ch := unwrap(sargs[2])
	if k, ok := ch.(*ssa.Const); ok {
		if k.Value == nil || k.Value.Kind() != constant.String || constant.StringVal(k.Value) == "" {
			return
		}
		f.fp.reportf(ruleCrossChannel, c.Pos(), "InvokeChaincode on channel %q: a call to another channel is a query only, its writes are discarded and its reads are not validated", constant.StringVal(k.Value))
		return
	}
	if call, ok := ch.(*ssa.Call); ok {
		if name, ok := stubCall(&call.Call); ok && name == "GetChannelID" {
			return
		}
	}
	f.fp.reportf(ruleCrossChannel, c.Pos(), "InvokeChaincode with a channel computed at run time: if it differs from the current channel the call is a query only, its writes are discarded and its reads are not validated")
}

// unwrap strips conversions that do not change a value.
func unwrap(v ssa.Value) ssa.Value {
	for range 16 {
		switch x := v.(type) {
		case *ssa.ChangeType:
			v = x.X
		case *ssa.Convert:
			v = x.X
		case *ssa.MakeInterface:
			v = x.X
		default:
			return v
		}
	}
	return v
}

func isError(t types.Type) bool {
	return types.Identical(t, types.Universe.Lookup("error").Type())
}

// externalAccess reports whether calling pkg.name (a method when recv is
// set) reaches outside the chaincode's sandbox.
func externalAccess(pkg, name string, recv types.Type) (string, bool) {
	recvName := ""
	if recv != nil {
		if p, ok := recv.(*types.Pointer); ok {
			recv = p.Elem()
		}
		if n, ok := recv.(*types.Named); ok {
			recvName = n.Obj().Name()
		}
	}
	switch pkg {
	case "os/exec", "syscall", "golang.org/x/sys/unix", "plugin", "net/rpc", "net/smtp", "database/sql":
		return "call of " + pkg + "." + name, true
	case "io/ioutil":
		if name != "NopCloser" && name != "ReadAll" {
			return "file access via io/ioutil." + name, true
		}
	case "net":
		for _, p := range []string{"Dial", "Listen", "Lookup", "Resolve", "Interface", "FileConn", "FileListener"} {
			if strings.HasPrefix(name, p) {
				return "network access via net." + name, true
			}
		}
		if recvName == "Dialer" || recvName == "Resolver" || recvName == "ListenConfig" {
			return "network access via net." + recvName + "." + name, true
		}
	case "net/http":
		switch {
		case recvName == "Client" || recvName == "Transport" || recvName == "Server":
			return "network access via http." + recvName + "." + name, true
		case recv == nil && (name == "Get" || name == "Head" || name == "Post" || name == "PostForm" ||
			strings.HasPrefix(name, "ListenAndServe") || strings.HasPrefix(name, "Serve")):
			return "network access via http." + name, true
		}
	case "os":
		if recvName == "File" {
			return "file access via os.File." + name, true
		}
		if recv == nil && osExternal[name] {
			return "peer environment access via os." + name, true
		}
	}
	return "", false
}

// osExternal lists os functions that touch files, processes or the
// environment of the peer.
var osExternal = map[string]bool{
	"Open": true, "OpenFile": true, "Create": true, "CreateTemp": true, "ReadFile": true, "WriteFile": true,
	"ReadDir": true, "Remove": true, "RemoveAll": true, "Mkdir": true, "MkdirAll": true, "MkdirTemp": true,
	"Rename": true, "Stat": true, "Lstat": true, "Chmod": true, "Chown": true, "Chdir": true, "Truncate": true,
	"Link": true, "Symlink": true, "Readlink": true, "Getenv": true, "LookupEnv": true, "Environ": true,
	"Setenv": true, "Hostname": true, "Getwd": true, "Executable": true, "StartProcess": true,
	"FindProcess": true, "Getpid": true, "Getppid": true, "DirFS": true,
}
