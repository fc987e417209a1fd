package fabric

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	sdklog "github.com/hyperledger/fabric-sdk-go/pkg/core/logging/api"
)

// sdkLogs routes fabric-sdk-go's logging to slog. The SDK installs its
// logger provider once per process, so the logger of the first [Dial]
// receives the SDK's messages for every network.
type sdkLogs struct{ l *slog.Logger }

// GetLogger implements the SDK's LoggerProvider.
func (p sdkLogs) GetLogger(module string) sdklog.Logger {
	return sdkLogger{p.l.With("sdk", module)}
}

// sdkLogger adapts one SDK module logger. Fatal and Panic log at error
// level and panic, so that the SDK never ends the process.
type sdkLogger struct{ l *slog.Logger }

func (s sdkLogger) log(level slog.Level, msg string) {
	if s.l.Enabled(context.Background(), level) {
		s.l.Log(context.Background(), level, "fabric sdk", "text", strings.TrimSpace(msg))
	}
}

func (s sdkLogger) Fatal(v ...any) { s.Panic(v...) }
func (s sdkLogger) Fatalf(format string, v ...any) {
	s.Panicf(format, v...)
}
func (s sdkLogger) Fatalln(v ...any) { s.Panic(v...) }
func (s sdkLogger) Panic(v ...any) {
	msg := fmt.Sprint(v...)
	s.log(slog.LevelError, msg)
	panic("fabric sdk: " + msg)
}
func (s sdkLogger) Panicf(format string, v ...any) { s.Panic(fmt.Sprintf(format, v...)) }
func (s sdkLogger) Panicln(v ...any)               { s.Panic(v...) }
func (s sdkLogger) Print(v ...any)                 { s.log(slog.LevelInfo, fmt.Sprint(v...)) }
func (s sdkLogger) Printf(format string, v ...any) { s.log(slog.LevelInfo, fmt.Sprintf(format, v...)) }
func (s sdkLogger) Println(v ...any)               { s.log(slog.LevelInfo, fmt.Sprint(v...)) }
func (s sdkLogger) Debug(v ...any)                 { s.log(slog.LevelDebug, fmt.Sprint(v...)) }
func (s sdkLogger) Debugf(format string, v ...any) { s.log(slog.LevelDebug, fmt.Sprintf(format, v...)) }
func (s sdkLogger) Debugln(v ...any)               { s.log(slog.LevelDebug, fmt.Sprint(v...)) }
func (s sdkLogger) Info(v ...any)                  { s.log(slog.LevelInfo, fmt.Sprint(v...)) }
func (s sdkLogger) Infof(format string, v ...any)  { s.log(slog.LevelInfo, fmt.Sprintf(format, v...)) }
func (s sdkLogger) Infoln(v ...any)                { s.log(slog.LevelInfo, fmt.Sprint(v...)) }
func (s sdkLogger) Warn(v ...any)                  { s.log(slog.LevelWarn, fmt.Sprint(v...)) }
func (s sdkLogger) Warnf(format string, v ...any)  { s.log(slog.LevelWarn, fmt.Sprintf(format, v...)) }
func (s sdkLogger) Warnln(v ...any)                { s.log(slog.LevelWarn, fmt.Sprint(v...)) }
func (s sdkLogger) Error(v ...any)                 { s.log(slog.LevelError, fmt.Sprint(v...)) }
func (s sdkLogger) Errorf(format string, v ...any) { s.log(slog.LevelError, fmt.Sprintf(format, v...)) }
func (s sdkLogger) Errorln(v ...any)               { s.log(slog.LevelError, fmt.Sprint(v...)) }
