package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/lianjian/lianjian/api/report"
	"github.com/lianjian/lianjian/ledger/index"
)

func init() {
	commands["index"] = command{run: runIndex}
}

const indexUsage = "index check [--data-dir DIR] [--lang zh-CN|en]"

// errDamaged is the error of a check that found damage; main exits 1.
var errDamaged = errors.New("index damaged")

func runIndex(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] != "check" {
		return fmt.Errorf("%w: %s", errUsage, indexUsage)
	}
	var c common
	fs := flag.NewFlagSet("index check", flag.ContinueOnError)
	c.register(fs)
	fs.StringVar(&c.dataDir, "data", "", "index directory (same as --data-dir)")
	langName := fs.String("lang", report.LangZH, "zh-CN or en")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	l, ok := checkLabels[*langName]
	if !ok {
		return fmt.Errorf("%w: index check: --lang %q (want zh-CN or en)", errUsage, *langName)
	}
	cfg, err := c.load(e)
	if err != nil {
		return err
	}
	if err := needIndex(cfg.DataDir, lang(*langName)); err != nil {
		return err
	}
	o, err := cfg.indexOptions()
	if err != nil {
		return err
	}
	r, err := index.Check(ctx, cfg.DataDir, o)
	if errors.Is(err, index.ErrLocked) {
		return fmt.Errorf("%w (stop 'lianjian serve' on this data dir first)", err)
	}
	if err != nil {
		return err
	}
	l.print(e.stdout, r)
	if !r.OK() {
		return fmt.Errorf("%w: %s: %d problem(s) found", errDamaged, r.Dir, len(r.Damage))
	}
	return nil
}

// checkLabel holds the words of the check report in one language.
type checkLabel struct {
	OK, FilesOK, Damaged, Record, Keys, Skipped, Advice string
	Kinds                                               map[index.DamageKind]string
	Skips                                               map[index.SkipReason]string
}

var checkLabels = map[string]checkLabel{
	report.LangZH: {
		OK:      "索引完好：%s\n已校验表文件 %d 个、日志文件 %d 个，读回并解码记录 %d 条。\n",
		FilesOK: "索引文件完好：%s\n已校验表文件 %d 个、日志文件 %d 个，读回并解码记录 %d 条。\n",
		Damaged: "索引已损坏：%s\n已校验表文件 %d 个、日志文件 %d 个，读回记录 %d 条，发现 %d 处损坏：\n",
		Record:  "（记录）", Keys: "键 ",
		Skipped: "未检查全部记录：%s。\n",
		Advice: "处理建议：停止使用该数据目录的所有进程（包括 lianjian serve），从备份恢复 %s，" +
			"恢复后再次运行 'lianjian index check --data-dir %s'。请勿手工删除或修改损坏的文件：badger 会因此丢弃其中的数据。\n",
		Kinds: map[index.DamageKind]string{
			index.DamageUnreadable: "无法解析（文件被截断或覆写）",
			index.DamageChecksum:   "校验和不符",
			index.DamageMissing:    "文件缺失",
			index.DamageUnlisted:   "MANIFEST 未列出现有的表文件",
			index.DamageRecord:     "记录无法解码或违反索引约束",
		},
		Skips: map[index.SkipReason]string{
			index.SkipFiles:   "上述文件损坏，badger 无法安全打开索引",
			index.SkipOpen:    "badger 无法打开索引",
			index.SkipStopped: "读取记录时在损坏处中止",
			index.SkipUnclean: "索引上次未正常关闭，须先由以写方式打开索引的命令（如 lianjian users list）重放其预写日志，再检查记录",
		},
	},
	report.LangEN: {
		OK:      "index OK: %s\nchecked %d table files and %d log files; read back and decoded %d records.\n",
		FilesOK: "index files OK: %s\nchecked %d table files and %d log files; read back and decoded %d records.\n",
		Damaged: "index DAMAGED: %s\nchecked %d table files and %d log files, read back %d records; %d problem(s) found:\n",
		Record:  "(record)", Keys: "keys ",
		Skipped: "not every record was checked: %s.\n",
		Advice: "What to do: stop every process using this data directory (lianjian serve too), restore %s from a backup, " +
			"then run 'lianjian index check --data-dir %s' again. Do not delete or edit the damaged files by hand: badger would drop their data.\n",
		Kinds: map[index.DamageKind]string{
			index.DamageUnreadable: "does not parse (truncated or overwritten)",
			index.DamageChecksum:   "checksum mismatch",
			index.DamageMissing:    "missing",
			index.DamageUnlisted:   "MANIFEST does not list existing table files",
			index.DamageRecord:     "record does not decode or breaks an index invariant",
		},
		Skips: map[index.SkipReason]string{
			index.SkipFiles:   "with these files damaged badger cannot open the index safely",
			index.SkipOpen:    "badger cannot open the index",
			index.SkipStopped: "reading the records stopped at the damage",
			index.SkipUnclean: "the index was not closed cleanly; run a command that opens it for writing (e.g. lianjian users list) to replay its write-ahead log, then check again",
		},
	},
}

// print writes the report: a summary line, then each damage with its
// file, kind, keys and badger's details, then what to do.
func (l checkLabel) print(w io.Writer, r *index.Report) {
	if r.OK() && r.Skipped == "" {
		fmt.Fprintf(w, l.OK, r.Dir, r.Tables, r.Logs, r.Keys)
		return
	}
	if r.OK() {
		fmt.Fprintf(w, l.FilesOK, r.Dir, r.Tables, r.Logs, r.Keys)
		fmt.Fprintf(w, l.Skipped, l.skip(r.Skipped))
		return
	}
	fmt.Fprintf(w, l.Damaged, r.Dir, r.Tables, r.Logs, r.Keys, len(r.Damage))
	for _, d := range r.Damage {
		file := d.File
		if file == "" {
			file = l.Record
		}
		kind := l.Kinds[d.Kind]
		if kind == "" {
			kind = d.Kind.String()
		}
		fmt.Fprintf(w, "  %s: %s\n", file, kind)
		if keys := d.KeyRange(); keys != "" {
			fmt.Fprintf(w, "    %s%s\n", l.Keys, keys)
		}
		fmt.Fprintf(w, "    %v\n", d.Err)
	}
	if r.Skipped != "" {
		fmt.Fprintf(w, l.Skipped, l.skip(r.Skipped))
	}
	fmt.Fprintf(w, l.Advice, r.Dir, r.Dir)
}

func (l checkLabel) skip(r index.SkipReason) string {
	if s, ok := l.Skips[r]; ok {
		return s
	}
	return string(r)
}

// indexAdvice adds what to do to the error of a command that met a
// damaged index, whether at Open or on a read.
func indexAdvice(err error) error {
	var ce *index.CorruptError
	if !errors.As(err, &ce) {
		return err
	}
	return fmt.Errorf("%w\nthe index is damaged: stop every process using %s, restore it from a backup, "+
		"and run 'lianjian index check --data-dir %s' to list all the damage", err, ce.Dir, ce.Dir)
}
