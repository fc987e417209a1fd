package main

import (
	"strings"

	"github.com/lianjian/lianjian/ledger/compliance"
)

// flagTexts holds the zh-CN description of every flag, keyed by the
// command or subcommand and the flag ("report -chain", "nodes list
// -org"); the flags every command takes (common.register) and --lang,
// which means the same everywhere, under the flag alone ("-config").
// The English descriptions are the flags' own usage strings. A default
// the flag package prints is added by flagsHelp as "（默认：…）"; one it
// does not print (a zero value standing for something else) is written
// here.
var flagTexts = map[string]string{
	// The global flags, and --lang.
	"-config":    "配置文件（YAML）",
	"-data-dir":  "索引目录（覆盖配置中的 data_dir）",
	"-store":     "保存索引的 PostgreSQL 连接串（postgres://…），代替数据目录（覆盖配置中的 index.store）",
	"-log-level": "日志级别：debug、info、warn 或 error（覆盖配置）",
	"-log-json":  "以 JSON 行格式输出日志",
	"-lang":      "摘要与消息的语言：zh-CN 或 en",

	"audit -chain":       "索引中的链 ID（必填）",
	"audit -from":        "审计的起始高度",
	"audit -to":          "审计的结束高度（默认：导入检查点所在高度）",
	"audit -sm2-prehash": "强制采用指定的 SM2 预哈希约定（none、SM3 或 SHA256），不再自动检测",
	"audit -workers":     "并发校验的 goroutine 数（默认：每个 CPU 一个）",

	"auditlog verify -pubkey":      "签署检查点所用的 SM2 公钥，PEM 格式（默认：auditlog.pubkey，未设置时使用 auditlog.key）",
	"auditlog verify -checkpoints": "外部检查点文件，作为校验的权威依据（默认：auditlog.checkpoints）",
	"auditlog verify -file":        "离线校验导出的日志片段，而不是索引中的审计日志",
	"auditlog list -from":          "从该序号的条目开始打印",
	"auditlog export -from":        "时间段起点（含），必填：RFC 3339 时间或日期（YYYY-MM-DD，本地时间）",
	"auditlog export -to":          "时间段终点，必填：RFC 3339 时间（不含）或日期（含当日）",
	"auditlog export -out":         "输出文件（默认：标准输出）",

	"devcert -dir":          "证书的写入目录",
	"devcert -hosts":        "证书适用的主机名与 IP，以逗号分隔",
	"devcert -auditlog-dir": "存放审计日志 SM2 签名密钥与检查点文件的目录，应在数据目录之外；留空则不生成",

	"fisco dump -rpc":      "节点的 JSON-RPC 地址（2.x 如 http://host:8545，3.x 如 http://host:20200）",
	"fisco dump -group":    "群组：3.x 为群组名（默认 group0），2.x 为群组 ID（默认 1）",
	"fisco dump -node":     "3.x 节点名（可选）",
	"fisco dump -from":     "起始高度",
	"fisco dump -to":       "结束高度（默认：节点当前的最新高度）",
	"fisco dump -out":      "输出目录（不存在时自动创建）",
	"fisco dump -batch":    "每个 JSON-RPC 批量请求包含的区块数",
	"fisco dump -progress": "进度条：auto（仅在终端上显示）、always 或 never",

	"index check -data": "索引目录（同 --data-dir）",

	"ingest -chain":      "链 ID：配置中的一条链，或配合 --evm-http 时用作索引中的链 ID",
	"ingest -evm-http":   "EVM JSON-RPC 地址，用于无配置文件导入",
	"ingest -fisco-rpc":  "FISCO BCOS JSON-RPC 地址，用于无配置文件导入（配合 --group）",
	"ingest -from":       "起始高度，仅在该链尚无导入检查点时使用",
	"ingest -to":         "结束高度（默认：开始导入时节点的最新高度）",
	"ingest -batch":      "每个 JSON-RPC 批量请求包含的区块数（默认：32）",
	"ingest -progress":   "进度条：auto（仅在终端上显示）、always 或 never",
	"ingest -fabric-dir": "导入 Fabric 账本文件：.block 文件所在目录或 peer 的账本目录",
	"ingest -network":    "配合 --fabric-dir：为每个通道记录的 Fabric 网络名称",
	"ingest -fisco-dir":  "导入 FISCO BCOS 数据：JSON-RPC 结果（含完整交易的区块、回执）的文件或目录",
	"ingest -group":      "配合 --fisco-dir 或 --fisco-rpc：FISCO BCOS 群组（3.x 如 group0，2.x 如 1）",
	"ingest -gm":         "配合 --fisco-dir 或 --fisco-rpc：声明该链为国密链（SM2/SM3）；默认自动检测",

	"nodes register -id":           "节点编号",
	"nodes register -json":         "以 JSON 格式输出",
	"nodes register -chain":        "链 ID",
	"nodes register -channel":      "Fabric 通道",
	"nodes register -org":          "节点所属组织（Fabric 上为 MSP 标识）；与 --id 共同标识节点（配合 --update 时指明要更新的节点）",
	"nodes register -kind":         "节点类型：fabric-peer、fabric-orderer、evm-rpc、evm-validator、fisco-sealer、fisco-observer 或 fisco-rpc",
	"nodes register -endpoint":     "gRPC 地址 host:port（Fabric）或 JSON-RPC URL（EVM、FISCO BCOS）",
	"nodes register -operations":   "Fabric 运维服务（operations）地址（host:port 或 URL）",
	"nodes register -admin":        "排序节点管理服务（admin）地址 host:port",
	"nodes register -tls-ca":       "TLS CA 证书的 PEM 文件",
	"nodes register -server-name":  "覆盖 TLS 服务器名称",
	"nodes register -address":      "EVM 验证者的签名地址",
	"nodes register -node-id":      "FISCO BCOS 节点 ID（64 字节公钥，十六进制）",
	"nodes register -group":        "FISCO BCOS 群组（3.x 如 group0，2.x 如 1）",
	"nodes register -p2p":          "FISCO BCOS P2P SSL 地址 host:port",
	"nodes register -sdk-channel":  "FISCO BCOS 2.x SDK Channel 地址 host:port",
	"nodes register -node-version": "申报的节点版本",
	"nodes register -contact":      "运营方联系方式",
	"nodes register -note":         "备注（自由填写）",
	"nodes register -update":       "更新已有的登记，而不是新建",
	"nodes list -id":               "节点编号",
	"nodes list -json":             "以 JSON 格式输出",
	"nodes list -chain":            "只列出该链的节点",
	"nodes list -org":              "只列出该组织的节点",
	"nodes list -kind":             "只列出该类型的节点",
	"nodes list -retired":          "包括已注销的节点",
	"nodes show -id":               "节点编号",
	"nodes show -json":             "以 JSON 格式输出",
	"nodes show -org":              "节点所属组织（Fabric 上为 MSP 标识）；多个组织登记了同一编号时必填",
	"nodes retire -id":             "节点编号",
	"nodes retire -json":           "以 JSON 格式输出",
	"nodes retire -org":            "节点所属组织（Fabric 上为 MSP 标识）；多个组织登记了同一编号时必填",
	"nodes retire -reason":         "注销原因",
	"nodes check -id":              "节点编号",
	"nodes check -json":            "以 JSON 格式输出",
	"nodes check -org":             "节点所属组织（Fabric 上为 MSP 标识）；多个组织登记了同一编号时必填",

	"report -chain":    "链 ID（默认：全部链）",
	"report -org":      "组织 / MSP 标识（默认：全部组织）",
	"report -from":     "只含该日期及之后发现的问题（2006-01-02 或 RFC 3339）",
	"report -to":       "只含截至该日期发现的问题（2006-01-02 或 RFC 3339）",
	"report -format":   "输出格式：html、json 或 csv",
	"report -out":      "输出文件（默认：标准输出）",
	"report -standard": "改为逐条评估 --chain 对某项标准的符合情况：" + strings.Join(compliance.IDs(), "、") + "（仅 html 或 json 格式）",

	"rules -format": "输出格式：text 或 markdown，后者即英文版 docs/rules.md",

	"scan -format":       "输出格式：text、json 或 sarif",
	"scan -fail-on":      "有问题达到该级别或更高时退出码为 1（critical、high、medium、low、info）",
	"scan -hash":         "EVM 代码的函数选择器与事件主题所用哈希：keccak256，或 FISCO BCOS 国密链用的 sm3（别名 gm）；国密链的 .sol 源码还需用 --solc 指定 FISCO 的国密版 solc",
	"scan -solc":         "编译所有 Solidity 源码所用的 solc 可执行文件（默认：$LIANJIAN_SOLC，未设置时按 pragma 选择）",
	"scan -solc-version": "使用该 solc-js 版本，而不是按 pragma 选定的版本",
	"scan -solc-cache":   "solc-js 安装缓存目录（默认：$LIANJIAN_SOLC_CACHE，未设置时为用户缓存目录）",
	"scan -no-install":   "从不运行 npm install，只使用已安装的编译器",
	"scan -server":       "用于保存扫描结果的链鉴 API 基础 URL（配合 --chain）",
	"scan -token":        "--server 使用的 API 令牌（默认：$LIANJIAN_TOKEN）",
	"scan -chain":        "被扫描代码所属的链；配合 --server 或 --data-dir 时保存扫描结果",
	"scan -source":       "保存的扫描结果中被扫描对象的名称（默认：各路径）",
	"scan -attach":       "把本次扫描关联到该链码定义（配合 --sequence）",
	"scan -sequence":     "--attach 所指链码定义的序号（sequence）",
	"scan -cc-version":   "--attach 所指链码定义的版本（设置时会核对）",
	"scan -timeout":      "超过该时长即放弃（0：不限时）",

	"serve -listen":         "API 监听地址（覆盖 api.listen）",
	"serve -role":           "本进程的角色：all（API 与全部链）、worker（仅导入并审计分给本工作节点的链）或 api（仅 API）（覆盖 cluster.role；默认 all）",
	"serve -nats":           "NATS 服务器地址，以逗号分隔；各工作节点通过它分配链（覆盖 cluster.nats）",
	"serve -worker-name":    "本工作节点在集群中的名称（覆盖 cluster.name；默认：主机名与进程号）",
	"serve -metrics-listen": "工作节点在该地址提供 /metrics（覆盖 cluster.metrics_listen）",

	"users create -name": "令牌持有人（必填）",
	"users create -role": "角色：regulator、operator 或 auditor（必填）",
	"users create -org":  "运营方所属组织（MSP 标识）；仅用于 operator",
	"users create -ttl":  "有效期，如 720h；0 表示永不过期",

	"verify -chain":       "问题记录中使用的链 ID（默认：通道名）",
	"verify -gm":          "声明该链为国密链（SM2/SM3），适用国密合规规则",
	"verify -sm2-prehash": "强制采用指定的 SM2 预哈希约定（none、SM3 或 SHA256），不再自动检测",
	"verify -workers":     "并发校验的 goroutine 数（默认：每个 CPU 一个）",
	"verify -q":           "只打印摘要，不逐条列出问题",
}

// flagText is the zh-CN description of the flag name of the command or
// subcommand cmd ("nodes list"; "" for the global flags): its own entry,
// else the shared one.
func flagText(cmd, name string) (string, bool) {
	if s, ok := flagTexts[cmd+" -"+name]; ok && cmd != "" {
		return s, true
	}
	s, ok := flagTexts["-"+name]
	return s, ok
}
