package report

// label holds a report's words in one language.
type label struct {
	Title, Generated, Org, From, To, Summary, Total, Open, OpenCritical, Rectified string
	Scope, Chain, Kind, Network, Channel, Crypto, Height, Contract, Version        string
	Node, Endpoint, Group                                                          string
	Kinds, Cryptos                                                                 map[string]string
	Basis, Rule, RuleTitle, Severity, Clauses, Count                               string
	Findings, Object, Message, Evidence, Recommendation, Status, Deadline, None    string
	FirstSeen, LastSeen, Progress, Confirmed, Overdue                              string
	RiskNote, CheckFailed                                                          string // a finding's effect on its object's verification status
	Sev, St                                                                        map[string]string
	SevOrder, StOrder                                                              []string
}

var (
	sevOrder = []string{"critical", "high", "medium", "low", "info"}
	stOrder  = []string{"open", "acknowledged", "rectifying", "resolved", "accepted-risk", "false-positive"}
)

var labels = map[string]label{
	LangZH: {
		Title: "区块链安全监管报告", Generated: "生成时间", Org: "机构", From: "起", To: "止",
		Summary: "概述", Total: "问题总数", Open: "未关闭", OpenCritical: "未关闭严重问题", Rectified: "整改完成率",
		Scope: "监管范围", Chain: "链", Kind: "类型", Network: "网络", Channel: "通道", Crypto: "密码体系", Height: "区块高度",
		Contract: "合约/链码", Version: "版本", Node: "节点", Endpoint: "地址", Group: "群组",
		Kinds:   map[string]string{"fabric": "Hyperledger Fabric", "evm": "以太坊兼容（EVM）", "fisco": "FISCO BCOS"},
		Cryptos: map[string]string{"gm": "国密（SM2/SM3）", "intl": "国际算法"},
		Basis:   "检查依据", Rule: "规则", RuleTitle: "名称", Severity: "严重程度", Clauses: "标准条款", Count: "问题数",
		Findings: "问题清单", Object: "对象", Message: "描述", Evidence: "证据", Recommendation: "整改建议",
		Status: "状态", Deadline: "整改期限", None: "范围内未发现问题。",
		FirstSeen: "首次发现", LastSeen: "最近发现", Progress: "整改进度", Confirmed: "监管确认", Overdue: "逾期",
		RiskNote: "风险提示（不影响验证状态）", CheckFailed: "校验未通过（验证失败）",
		Sev: map[string]string{"critical": "严重", "high": "高", "medium": "中", "low": "低", "info": "提示"},
		St: map[string]string{
			"open": "待处理", "acknowledged": "已确认", "rectifying": "整改中", "resolved": "已整改",
			"accepted-risk": "接受风险", "false-positive": "误报",
		},
		SevOrder: sevOrder, StOrder: stOrder,
	},
	LangEN: {
		Title: "Blockchain Security Supervision Report", Generated: "Generated", Org: "Org", From: "From", To: "To",
		Summary: "Summary", Total: "Findings", Open: "Open", OpenCritical: "Open critical", Rectified: "Rectified",
		Scope: "Scope", Chain: "Chain", Kind: "Kind", Network: "Network", Channel: "Channel", Crypto: "Crypto", Height: "Height",
		Contract: "Contract / chaincode", Version: "Version", Node: "Node", Endpoint: "Endpoint", Group: "Group",
		Kinds:   map[string]string{"fabric": "Hyperledger Fabric", "evm": "Ethereum-compatible (EVM)", "fisco": "FISCO BCOS"},
		Cryptos: map[string]string{"gm": "GM (SM2/SM3)", "intl": "international"},
		Basis:   "Basis", Rule: "Rule", RuleTitle: "Title", Severity: "Severity", Clauses: "Standard clauses", Count: "Findings",
		Findings: "Findings", Object: "Object", Message: "Description", Evidence: "Evidence", Recommendation: "Recommendation",
		Status: "Status", Deadline: "Deadline", None: "No findings in scope.",
		FirstSeen: "First seen", LastSeen: "Last seen", Progress: "Rectification progress", Confirmed: "Confirmed", Overdue: "Overdue",
		RiskNote: "risk (verification status unaffected)", CheckFailed: "failed check (verification failed)",
		Sev: map[string]string{"critical": "critical", "high": "high", "medium": "medium", "low": "low", "info": "info"},
		St: map[string]string{
			"open": "open", "acknowledged": "acknowledged", "rectifying": "rectifying", "resolved": "resolved",
			"accepted-risk": "accepted risk", "false-positive": "false positive",
		},
		SevOrder: sevOrder, StOrder: stOrder,
	},
}
