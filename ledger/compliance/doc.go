// Package compliance assesses a chain clause by clause against the
// standards and regulations a Chinese regulator supervises consortium
// chains by: GB/T 42570-2023 (区块链技术安全框架), GM/T 0111-2021 (区块链
// 密码应用技术要求), JR/T 0193-2020 (区块链技术金融应用 评估规则) and the
// 区块链信息服务管理规定 (CAC 2019).
//
// The clause catalogue is data (standards/*.json): each clause as the
// standard numbers and titles it, whether that number and title were
// confirmed from a public source (and which), and how Lianjian checks it:
// by the open findings of named rules (per chain kind and data source:
// the re-verified ledger, node probes, contract scans) or by a fact about
// the supervision (national crypto in use, every block re-verified, the
// ledger held from genesis, the audit log anchored, nodes registered,
// contracts scanned). A clause without checks is listed as manual, with
// why Lianjian cannot judge it from ledger data.
//
// Evaluate is a pure function of the catalogue and the Facts of one
// chain; the API and the CLI gather the facts from the index.
package compliance
