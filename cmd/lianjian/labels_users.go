package main

import "github.com/lianjian/lianjian/api/report"

// usersText holds what users prints for people in one language. Roles
// stay as the --role values.
type usersText struct {
	Created string   // token id, holder, role
	Revoked string   // token id
	Header  []string // of users list
	Active  string
	Gone    string // revoked on a date
	Expired string
}

var usersTexts = map[lang]usersText{
	report.LangZH: {
		Created: "已为 %[2]s（%[3]s）创建令牌 %[1]s，令牌仅显示这一次：\n",
		Revoked: "令牌 %s 已吊销\n",
		Header:  []string{"ID", "名称", "角色", "组织", "创建日期", "状态"},
		Active:  "有效", Gone: "已吊销（%s）", Expired: "已过期",
	},
	report.LangEN: {
		Created: "token %s for %s (%s) created; it is shown only once:\n",
		Revoked: "token %s revoked\n",
		Header:  []string{"ID", "NAME", "ROLE", "ORG", "CREATED", "STATE"},
		Active:  "active", Gone: "revoked %s", Expired: "expired",
	},
}
